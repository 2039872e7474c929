//! Fetches a range from Zoom into an archive: the windows, the users, the instance listing,
//! then every instance's participants, concurrently and paced, with progress on a terminal.
//!
//! Data is written to the archive as it arrives, so an interrupted run keeps what it had
//! and the next run of the same command fetches only what is missing.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use chrono::{Months, NaiveDate, Utc};
use futures::{StreamExt, stream};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Map, Value};

use crate::archive::{self, Archive, ArchiveWriter, FailedInstance, Manifest};
use crate::config::{Credentials, DateRange, ReportConfig, UserSelection};
use crate::error::Interrupted;
use crate::interrupt;
use crate::zoom::endpoints::{list_meetings, list_participants, list_users};
use crate::zoom::models::{integer, text, time};
use crate::zoom::{ApiError, ClientOptions, ZoomClient};

/// Splits a range into windows of at most one month that neither overlap nor leave a gap.
///
/// Zoom's meeting report covers at most one month per request.
pub fn windows(range: DateRange) -> Vec<(NaiveDate, NaiveDate)> {
    let mut windows = Vec::new();
    let mut start = range.from;
    while start <= range.to {
        let month_later = start.checked_add_months(Months::new(1)).unwrap_or(range.to);
        let end = month_later.pred_opt().unwrap_or(month_later).min(range.to);
        windows.push((start, end));
        match end.succ_opt() {
            Some(next) => start = next,
            None => break,
        }
    }
    windows
}

/// The user ids to list meetings for.
pub async fn resolve_users(client: &ZoomClient, selection: &UserSelection) -> Result<Vec<String>> {
    match selection {
        UserSelection::Users(users) => Ok(users.clone()),
        UserSelection::AllActive => {
            let users = list_users(client)
                .await
                .context("cannot list the account's users")?;
            let ids: Vec<String> = users
                .iter()
                .map(|u| text(u, "id"))
                .filter(|id| !id.is_empty())
                .collect();
            tracing::info!("{} active users in the account", ids.len());
            Ok(ids)
        }
    }
}

/// Lists every instance of `users` in `range`, each window and user concurrently, kept once
/// per uuid and sorted by start time.
pub async fn list_range(
    client: &ZoomClient,
    users: &[String],
    range: DateRange,
    meeting_type: &str,
    concurrency: usize,
    progress: &ProgressBar,
) -> Result<Vec<Map<String, Value>>> {
    let jobs: Vec<(String, NaiveDate, NaiveDate)> = users
        .iter()
        .flat_map(|user| {
            windows(range)
                .into_iter()
                .map(move |(from, to)| (user.clone(), from, to))
        })
        .collect();
    progress.set_length(jobs.len() as u64);
    let mut listings = stream::iter(jobs)
        .map(|(user, from, to)| async move {
            let meetings = list_meetings(client, &user, from, to, meeting_type)
                .await
                .with_context(|| {
                    format!("cannot list the meetings of user {user} from {from} to {to}")
                });
            (user, from, to, meetings)
        })
        .buffer_unordered(concurrency.max(1));
    let mut seen = HashSet::new();
    let mut instances = Vec::new();
    while let Some((user, from, to, meetings)) = listings.next().await {
        let meetings = meetings?;
        tracing::info!("user {user}, {from} to {to}: {} instances", meetings.len());
        for meeting in meetings {
            let uuid = text(&meeting, "uuid");
            if !uuid.is_empty() && seen.insert(uuid) {
                instances.push(meeting);
            }
        }
        progress.set_message(format!("· {} instances", instances.len()));
        progress.inc(1);
    }
    instances.sort_by(|a, b| {
        text(a, "start_time")
            .cmp(&text(b, "start_time"))
            .then(text(a, "uuid").cmp(&text(b, "uuid")))
    });
    Ok(instances)
}

/// How a live fetch ended.
pub struct Fetched {
    pub archive: Archive,
    /// Set when Zoom's daily limit stopped the run.
    pub daily_limit_reset: Option<chrono::DateTime<Utc>>,
}

/// Fetches the configured range into `out/raw/<from>_<to>/` and reads it back.
///
/// Errors: bad credentials, missing scopes, unknown users and the like stop the run; an
/// instance that cannot be fetched is recorded as failed and the run goes on; Ctrl-C stops
/// it with [`Interrupted`] after the archive is saved.
pub async fn fetch(
    config: &ReportConfig,
    credentials: Credentials,
    timeout: Duration,
) -> Result<Fetched> {
    let options = ClientOptions::with_rate(config.rate, config.concurrency, timeout);
    let client = Arc::new(ZoomClient::new(credentials, &options)?);
    let mut progress = Progress::new(config.show_progress);
    client
        .authenticate()
        .await
        .context("cannot get an access token from Zoom")?;
    let instances = list_wanted(&client, config, &progress)
        .await
        .map_err(|error| explain_daily_limit(error, config.tz))?;

    let dir = config.archive_dir();
    crate::config::remove_stale_temporary_files(&dir);
    let (mut writer, done) = open_archive(&dir, config, &client.api_base())?;
    let pending: Vec<Map<String, Value>> = instances
        .into_iter()
        .filter(|m| !done.contains(&text(m, "uuid")))
        .collect();
    if !done.is_empty() {
        tracing::info!(
            "resuming: {} instances already fetched, {} to go",
            done.len(),
            pending.len()
        );
    }
    let bar = progress.add_bar("participants", "instances");
    progress.ticker = Some(show_rates(bar.clone(), Arc::clone(&client)));
    let outcome = fetch_participants(&client, pending, &mut writer, config.concurrency, &bar).await;
    bar.finish();
    progress.stop_ticker(&client);

    let (failed, interrupted) = match outcome {
        Ok(result) => result,
        Err(error) => {
            writer.finish(Vec::new(), false)?;
            return Err(error);
        }
    };
    let daily_limit_reset = client.daily_limit_reset();
    writer.finish(failed, !interrupted && daily_limit_reset.is_none())?;
    if interrupted {
        return Err(anyhow::Error::new(Interrupted).context(format!(
            "stopped; what was fetched is kept in {} and the same command resumes from there",
            dir.display()
        )));
    }
    let archive = archive::read(&dir)?;
    Ok(Fetched {
        archive,
        daily_limit_reset,
    })
}

/// Says when Zoom's daily limit resets, in the report's zone, if that is what stopped the
/// listing: nothing was fetched, and asking again before then is pointless.
fn explain_daily_limit(error: anyhow::Error, tz: chrono_tz::Tz) -> anyhow::Error {
    let resets_at = error.chain().find_map(|cause| match cause.downcast_ref() {
        Some(ApiError::DailyLimit { resets_at, .. }) => Some(*resets_at),
        _ => None,
    });
    match resets_at {
        Some(resets_at) => {
            let when = resets_at.map_or("00:00 UTC".to_string(), |t| {
                format!(
                    "{} ({})",
                    t.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
                    tz.name()
                )
            });
            error.context(format!(
                "nothing was fetched: Zoom's daily request limit for this account is reached \
                 until {when}"
            ))
        }
        None => error,
    }
}

/// The instances of the configured users and range whose topic matches, each once.
async fn list_wanted(
    client: &ZoomClient,
    config: &ReportConfig,
    progress: &Progress,
) -> Result<Vec<Map<String, Value>>> {
    let users = resolve_users(client, &config.users).await?;
    let listing = progress.add_bar("listing", "windows");
    let meeting_type = config.meeting_type.as_zoom();
    let mut instances = list_range(
        client,
        &users,
        config.range.for_listing(Utc::now().date_naive()),
        meeting_type,
        config.concurrency,
        &listing,
    )
    .await?;
    listing.finish();
    instances
        .retain(|meeting| config.is_wanted(time(meeting, "start_time"), &text(meeting, "topic")));
    tracing::info!("{} instances listed", instances.len());
    Ok(instances)
}

/// Resumes an unfinished archive of the same request, or starts a new one.
fn open_archive(
    dir: &Path,
    config: &ReportConfig,
    api_url: &str,
) -> Result<(ArchiveWriter, HashSet<String>)> {
    let manifest = Manifest {
        format: "zoom-report-archive".to_string(),
        format_version: 1,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        from: config.range.from,
        to: config.range.to,
        users: config.users.describe(),
        meeting_type: config.meeting_type.as_zoom().to_string(),
        fetched_at: Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        source: "zoom-api".to_string(),
        api_url: api_url.to_string(),
        time_zone: Some(config.tz.name().to_string()),
        complete: false,
        failed_instances: Vec::new(),
    };
    if let Ok(existing) = archive::read_manifest(dir) {
        let same_request = existing.users == manifest.users
            && existing.meeting_type == manifest.meeting_type
            && existing
                .time_zone
                .is_none_or(|zone| Some(zone) == manifest.time_zone);
        if same_request && (config.resume || !existing.complete) {
            let (writer, archive) = ArchiveWriter::resume(dir)?;
            let done = archive.instances.iter().map(|i| i.uuid.clone()).collect();
            return Ok((writer, done));
        }
    }
    Ok((ArchiveWriter::replace(dir, manifest)?, HashSet::new()))
}

/// Fetches the participants of each instance concurrently and appends them to the archive as
/// they arrive. Returns the failed instances and whether the user interrupted.
async fn fetch_participants(
    client: &ZoomClient,
    pending: Vec<Map<String, Value>>,
    writer: &mut ArchiveWriter,
    concurrency: usize,
    bar: &ProgressBar,
) -> Result<(Vec<FailedInstance>, bool)> {
    bar.set_length(pending.len() as u64);
    let mut results = stream::iter(pending)
        .map(|meeting| async move {
            let rows = list_participants(client, &text(&meeting, "uuid")).await;
            (meeting, rows)
        })
        .buffer_unordered(concurrency.max(1));
    let mut failed = Vec::new();
    // Stopping here saves the archive's manifest before the process ends.
    let _cooperation = interrupt::Cooperation::start();
    let stop = interrupt::requested();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            biased;
            () = &mut stop => return Ok((failed, true)),
            next = results.next() => match next {
                None => return Ok((failed, false)),
                Some((meeting, Ok(rows))) => writer.append_instance(&meeting, &rows)?,
                Some((meeting, Err(error))) if is_recorded_failure(&error) => {
                    tracing::warn!("{}: {error}", text(&meeting, "uuid"));
                    failed.push(failed_instance(&meeting, &error));
                }
                Some((meeting, Err(error))) => {
                    return Err(anyhow::Error::new(error))
                        .with_context(|| format!("cannot fetch the participants of instance {}", text(&meeting, "uuid")));
                }
            },
        }
        bar.inc(1);
    }
}

/// Errors that cost one instance, not the run.
fn is_recorded_failure(error: &ApiError) -> bool {
    error.is_instance_failure() || matches!(error, ApiError::DailyLimit { .. })
}

fn failed_instance(meeting: &Map<String, Value>, error: &ApiError) -> FailedInstance {
    let reason = match error {
        ApiError::DailyLimit { .. } => {
            "not fetched: Zoom's daily rate limit was reached".to_string()
        }
        other => other.to_string(),
    };
    FailedInstance {
        meeting_uuid: text(meeting, "uuid"),
        meeting_id: integer(meeting, "id")
            .map(|id| id.to_string())
            .unwrap_or_default(),
        topic: text(meeting, "topic"),
        start_time: text(meeting, "start_time"),
        reason,
    }
}

/// Progress bars on stderr, drawn only on a terminal and when asked for.
struct Progress {
    bars: MultiProgress,
    ticker: Option<tokio::task::JoinHandle<()>>,
    started: Instant,
}

impl Progress {
    fn new(show: bool) -> Progress {
        let target = if show && std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Progress {
            bars: MultiProgress::with_draw_target(target),
            ticker: None,
            started: Instant::now(),
        }
    }

    fn add_bar(&self, label: &str, unit: &str) -> ProgressBar {
        let style = ProgressStyle::with_template(&format!(
            "{{prefix:>12}} [{{bar:30}}] {{pos}}/{{len}} {unit} {{msg}} (ETA {{eta}})"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        let bar = self.bars.add(
            ProgressBar::new(0)
                .with_style(style)
                .with_prefix(label.to_string()),
        );
        bar.enable_steady_tick(Duration::from_millis(250));
        bar
    }

    fn stop_ticker(&self, client: &ZoomClient) {
        let requests = client.stats.requests.load(Ordering::Relaxed);
        let retries = client.stats.retries.load(Ordering::Relaxed);
        let seconds = self.started.elapsed().as_secs_f64().max(0.001);
        tracing::info!(
            "{requests} requests in {seconds:.1} s ({:.1}/s), {retries} retries",
            requests as f64 / seconds
        );
        if let Some(ticker) = &self.ticker {
            ticker.abort();
        }
    }
}

/// Shows requests per second and retries on the participants bar while it runs.
fn show_rates(bar: ProgressBar, client: Arc<ZoomClient>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let started = Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let requests = client.stats.requests.load(Ordering::Relaxed);
            let retries = client.stats.retries.load(Ordering::Relaxed);
            let waiting = client.stats.waiting.load(Ordering::Relaxed);
            let rate = requests as f64 / started.elapsed().as_secs_f64().max(0.001);
            bar.set_message(format!(
                "· {rate:.1} req/s · {waiting} waiting to retry ({retries} retries)"
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn range(from: &str, to: &str) -> DateRange {
        DateRange {
            from: day(from),
            to: day(to),
        }
    }

    #[test]
    fn a_calendar_month_is_one_window() {
        assert_eq!(
            windows(range("2024-07-01", "2024-07-31")),
            [(day("2024-07-01"), day("2024-07-31"))]
        );
    }

    #[test]
    fn windows_cover_the_range_without_gap_or_overlap() {
        for (from, to) in [
            ("2024-01-31", "2024-06-15"),
            ("2024-02-29", "2025-03-01"),
            ("2024-07-15", "2024-07-15"),
        ] {
            let windows = windows(range(from, to));
            assert_eq!(windows.first().unwrap().0, day(from));
            assert_eq!(windows.last().unwrap().1, day(to));
            for pair in windows.windows(2) {
                assert_eq!(
                    pair[0].1.succ_opt().unwrap(),
                    pair[1].0,
                    "no gap, no overlap"
                );
            }
            for (start, end) in windows {
                assert!(start <= end);
                assert!(
                    end < start.checked_add_months(Months::new(1)).unwrap(),
                    "at most a month"
                );
            }
        }
    }
}
