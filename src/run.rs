//! The recipes: what each command does, as a short list of steps.

use std::collections::HashMap;
use std::io::Write;

use anyhow::Result;
use chrono::{DateTime, Utc};

use crate::archive::{self, Archive, Manifest};
use crate::attendance;
use crate::cli::{Cli, Command, GlobalArgs, ReportArgs};
use crate::config::{Credentials, ReportConfig, check_input_dir};
use crate::error::ExitCode;
use crate::report::{self, CsvOptions, Report};
use crate::zoom::models::{Instance, Session};
use crate::{commands, fetch};
use std::time::{Duration, Instant};

/// Runs the command the user asked for.
pub async fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        None => report_range(&cli.report, &cli.global).await,
        Some(Command::Completions { shell }) => print_completions(shell),
        Some(Command::Man) => print_man_page(),
        Some(Command::Meeting(args)) => commands::meeting(&args, &cli.global).await,
        Some(Command::Participant(args)) => commands::participant(&args, &cli.global).await,
        Some(Command::Statistic(args)) => commands::statistic(&args, &cli.global).await,
    }
}

/// The main job: reports for a date range, from Zoom or from an archive.
async fn report_range(args: &ReportArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let config = ReportConfig::from_args(args, global)?;
    report::html::check_templates()?;
    crate::interrupt::install();
    let (archive, daily_limit_reset) = load(&config, global).await?;
    let (manifest, instances, sessions) = select(archive, &config);
    let started = Instant::now();
    let attendance = attendance::compute(&instances, &sessions, config.group_by)?;
    tracing::info!(
        "grouped into {} attendees and {} people in {:.2} s",
        attendance.attendees.len(),
        attendance.people.len(),
        started.elapsed().as_secs_f64()
    );
    let report = Report {
        range: config.range,
        tz: config.tz,
        lang: config.lang,
        generated_at: Utc::now(),
        instances: &instances,
        sessions: &sessions,
        attendance: &attendance,
        problems: &manifest.failed_instances,
        is_complete: manifest.complete && manifest.failed_instances.is_empty(),
    };
    let options = CsvOptions {
        bom: config.csv_bom,
        raw: config.csv_raw,
    };
    let written = report::write_all(&report, &config.formats, &config.out_dir, &options)?;
    print_outcome(&report, &written)?;
    if let Some(reset) = daily_limit_reset {
        tell_daily_limit(&report, reset);
    }
    Ok(if report.is_complete {
        ExitCode::Done
    } else {
        ExitCode::Incomplete
    })
}

/// The archive to report on: read from `--input`, or fetched from Zoom into `out/raw/`.
/// Also returns when Zoom's daily limit resets, if it cut the fetch short.
async fn load(
    config: &ReportConfig,
    global: &GlobalArgs,
) -> Result<(Archive, Option<DateTime<Utc>>)> {
    let started = Instant::now();
    let loaded = match &config.input {
        Some(dir) => (read_archive_for_range(dir, config)?, None),
        None => {
            let credentials = Credentials::from_env(global.client_secret_file.as_deref())?;
            let timeout = Duration::from_secs(global.timeout);
            let fetched = fetch::fetch(config, credentials, timeout).await?;
            (fetched.archive, fetched.daily_limit_reset)
        }
    };
    tracing::info!(
        "read {} instances and {} join rows in {:.2} s",
        loaded.0.instances.len(),
        loaded.0.sessions.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(loaded)
}

fn tell_daily_limit(report: &Report, reset: DateTime<Utc>) {
    eprintln!(
        "zoom-report: Zoom's daily request limit was reached; {} instance(s) are missing. \
         It resets at {} ({}); run the same command again after that to fetch the rest.",
        report.problems.len(),
        reset.with_timezone(&report.tz).format("%Y-%m-%d %H:%M"),
        report.tz.name()
    );
}

/// Reads an archive and checks that it covers the range asked for.
fn read_archive_for_range(dir: &std::path::Path, config: &ReportConfig) -> Result<Archive> {
    check_input_dir(dir)?;
    let archive = archive::read(dir)?;
    let manifest = &archive.manifest;
    archive::check_covers(dir, manifest, config.range)?;
    if let Some(zone) = manifest
        .time_zone
        .as_deref()
        .filter(|z| *z != config.tz.name())
    {
        tracing::warn!(
            "{} was fetched for the days of {zone}: in {} the instances that start near the \
             ends of the range may be missing (give --tz {zone}, or fetch again with --tz {})",
            dir.display(),
            config.tz.name(),
            config.tz.name()
        );
    }
    if !manifest.complete {
        tracing::warn!(
            "{} is from a run that did not finish; the report is marked incomplete \
             (run the same command without --input, with --resume, to complete it)",
            dir.display()
        );
    }
    Ok(archive)
}

/// The instances in the range (by start day in the report's zone) and matching the topic,
/// in start order, with their join rows in the same order. Takes the archive apart so the
/// join rows are moved, not copied.
fn select(archive: Archive, config: &ReportConfig) -> (Manifest, Vec<Instance>, Vec<Session>) {
    let is_wanted = |instance: &Instance| config.is_wanted(instance.start, &instance.topic);
    let mut instances: Vec<Instance> = archive.instances.into_iter().filter(is_wanted).collect();
    instances.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.uuid.cmp(&b.uuid)));
    let order: HashMap<&str, usize> = instances
        .iter()
        .enumerate()
        .map(|(index, i)| (i.uuid.as_str(), index))
        .collect();
    let mut sessions: Vec<(usize, Session)> = archive
        .sessions
        .into_iter()
        .filter_map(|s| order.get(s.instance_uuid.as_str()).map(|&index| (index, s)))
        .collect();
    sessions.sort_by_key(|(index, s)| (*index, s.join));
    let sessions = sessions.into_iter().map(|(_, s)| s).collect();
    (archive.manifest, instances, sessions)
}

/// One line per file written, then a one-line summary; on stdout.
fn print_outcome(report: &Report, written: &[std::path::PathBuf]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    for path in written {
        writeln!(out, "wrote {}", path.display())?;
    }
    let totals = report.totals();
    let state = match (report.is_complete, report.problems.is_empty()) {
        (true, _) => "",
        (false, false) => " (INCOMPLETE: see Problems)",
        (false, true) => " (INCOMPLETE: the fetch did not finish)",
    };
    writeln!(
        out,
        "{} meetings, {} people, {:.2} hours attended, {} to {} ({}){state}",
        totals.meetings,
        totals.people,
        totals.attended_seconds as f64 / 3600.0,
        report.range.from,
        report.range.to,
        report.tz.name(),
    )?;
    Ok(())
}

fn print_completions(shell: clap_complete::Shell) -> Result<ExitCode> {
    use clap::CommandFactory;
    // Generated into memory first: clap_complete panics on a closed stdout.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "zoom-report", &mut script);
    std::io::stdout().lock().write_all(&script)?;
    Ok(ExitCode::Done)
}

fn print_man_page() -> Result<ExitCode> {
    use clap::CommandFactory;
    clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
    Ok(ExitCode::Done)
}
