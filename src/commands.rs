//! The quick commands: list instances, show one instance's join rows, show one instance's
//! attendance. Each reads Zoom or, with `--input`, an archive.

use std::io::Write;
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value};

use crate::archive::{self, RawArchive};
use crate::attendance;
use crate::cli::{GlobalArgs, InstanceArgs, MeetingArgs, StatisticArgs};
use crate::config::{Credentials, DateRange, UserSelection, check_input_dir, parse_zone};
use crate::error::{ExitCode, usage};
use crate::fetch::{list_range, resolve_users};
use crate::report::{clock, percent_text, round_percent};
use crate::zoom::client::Category;
use crate::zoom::endpoints::{
    encode_meeting_id, list_instances, list_participants, list_webinar_participants,
};
use crate::zoom::models::{Instance, Session, text, time};
use crate::zoom::{ClientOptions, ZoomClient};

/// Whether an id names a meeting or a webinar: Zoom reports them on separate endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceKind {
    Meeting,
    Webinar,
}

impl InstanceKind {
    fn noun(self) -> &'static str {
        match self {
            InstanceKind::Meeting => "meeting",
            InstanceKind::Webinar => "webinar",
        }
    }
}

impl InstanceArgs {
    /// The kind asked for, checked against `--input` (archives hold meetings only).
    fn kind(&self, global: &GlobalArgs) -> Result<InstanceKind> {
        match (self.webinar, global.input.is_some()) {
            (false, _) => Ok(InstanceKind::Meeting),
            (true, false) => Ok(InstanceKind::Webinar),
            (true, true) => Err(usage(
                "--webinar reads Zoom's webinar reports and cannot be used with --input",
                "drop --input to ask Zoom, or drop --webinar to read a meeting from the archive",
            )),
        }
    }
}

/// Where the quick commands read from.
enum Source {
    Zoom(Box<ZoomClient>),
    Archive(Box<RawArchive>),
}

impl Source {
    fn open(global: &GlobalArgs) -> Result<Source> {
        if let Some(dir) = &global.input {
            check_input_dir(dir)?;
            return Ok(Source::Archive(Box::new(archive::read_raw(dir)?)));
        }
        let credentials = Credentials::from_env(global.client_secret_file.as_deref())?;
        let options = ClientOptions::with_rate(8, 4, Duration::from_secs(global.timeout));
        Ok(Source::Zoom(Box::new(ZoomClient::new(
            credentials,
            &options,
        )?)))
    }

    /// One instance's details and join rows; `meeting` is a uuid or a numeric id.
    async fn instance(
        &self,
        meeting: &str,
        kind: InstanceKind,
    ) -> Result<(Map<String, Value>, Vec<Map<String, Value>>)> {
        if kind == InstanceKind::Meeting {
            warn_if_series(self, meeting).await;
        }
        match self {
            Source::Zoom(client) => {
                let noun = kind.noun();
                let path = format!("/report/{noun}s/{}", encode_meeting_id(meeting));
                let details = client
                    .get(Category::Heavy, &path, &[])
                    .await
                    .with_context(|| format!("cannot read {noun} {meeting}"))?;
                let uuid = text(&details, "uuid");
                let rows = match kind {
                    InstanceKind::Meeting => list_participants(client, &uuid).await,
                    InstanceKind::Webinar => list_webinar_participants(client, &uuid).await,
                }
                .with_context(|| format!("cannot read the participants of {noun} {meeting}"))?;
                Ok((details, rows))
            }
            Source::Archive(raw) => {
                let details = find_in_archive(raw, meeting)?;
                let uuid = text(&details, "uuid");
                let rows = raw
                    .participants
                    .iter()
                    .filter(|row| text(row, "meeting_uuid") == uuid)
                    .cloned()
                    .collect();
                Ok((details, rows))
            }
        }
    }

    /// The instances (uuid, start) of a meeting series, newest first.
    async fn series(&self, meeting_id: &str) -> Result<Vec<(String, String)>> {
        let instances = match self {
            Source::Zoom(client) => list_instances(client, meeting_id).await?,
            Source::Archive(raw) => raw
                .meetings
                .iter()
                .filter(|m| text(m, "id") == meeting_id)
                .cloned()
                .collect(),
        };
        let mut series: Vec<(String, String)> = instances
            .iter()
            .map(|m| (text(m, "uuid"), text(m, "start_time")))
            .collect();
        series.sort_by(|a, b| b.1.cmp(&a.1));
        Ok(series)
    }
}

/// A numeric id names a whole series, but Zoom answers with its latest instance only: say so
/// and list the instances to choose from.
async fn warn_if_series(source: &Source, meeting: &str) {
    if meeting.is_empty() || !meeting.bytes().all(|b| b.is_ascii_digit()) {
        return;
    }
    let mut note = format!(
        "note: {meeting} is a meeting id; Zoom answers with its latest instance only. \
         Give an instance uuid for another one."
    );
    match source.series(meeting).await {
        Ok(series) if series.len() > 1 => {
            note.push_str("\nInstances of this meeting:");
            for (uuid, start) in series {
                note.push_str(&format!("\n  {uuid}  {start}"));
            }
        }
        Ok(_) => {}
        Err(error) => {
            note.push_str(&format!("\nThe instances cannot be listed: {error:#}"));
            if let Some(hint) = crate::error::hint_for(&error) {
                note.push_str(&format!("\n  fix: {hint}"));
            }
        }
    }
    eprintln!("{note}");
}

fn find_in_archive(raw: &RawArchive, meeting: &str) -> Result<Map<String, Value>> {
    let by_uuid = raw.meetings.iter().find(|m| text(m, "uuid") == meeting);
    let latest_of_id = || {
        raw.meetings
            .iter()
            .filter(|m| text(m, "id") == meeting)
            .max_by_key(|m| text(m, "start_time"))
    };
    by_uuid.or_else(latest_of_id).cloned().ok_or_else(|| {
        usage(
            format!("meeting {meeting} is not in the archive"),
            "list the archive's instances with `zoom-report meeting --input DIR --from ... --to ...`",
        )
    })
}

/// `zoom-report meeting`: the instances of users in a range.
pub async fn meeting(args: &MeetingArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let range = DateRange::parse(&args.from, &args.to)?;
    let tz = parse_zone(global.tz.as_deref())?;
    let selection = UserSelection::from_args(&args.users)?;
    crate::config::refuse_users_with_input(&args.users, global)?;
    if global.input.is_none() {
        range.check_within_report_retention(Utc::now().date_naive())?;
    }
    let meetings = match Source::open(global)? {
        Source::Zoom(client) => {
            let users = resolve_users(&client, &selection).await?;
            let hidden = indicatif::ProgressBar::hidden();
            list_range(
                &client,
                &users,
                range.for_listing(Utc::now().date_naive()),
                args.users.meeting_type.as_zoom(),
                4,
                &hidden,
            )
            .await?
        }
        Source::Archive(raw) => {
            let dir = global.input.as_deref().unwrap_or(std::path::Path::new("."));
            archive::check_covers(dir, &raw.manifest, range)?;
            raw.meetings
        }
    };
    let meetings: Vec<Map<String, Value>> = meetings
        .into_iter()
        .filter(|m| range.contains_start(time(m, "start_time"), tz))
        .collect();
    if args.json {
        return print_json(&Value::Array(
            meetings.into_iter().map(Value::Object).collect(),
        ));
    }
    let rows: Vec<Vec<String>> = meetings
        .iter()
        .map(|m| {
            vec![
                local(time(m, "start_time"), tz),
                text(m, "duration"),
                text(m, "participants_count"),
                text(m, "id"),
                text(m, "uuid"),
                text(m, "topic"),
            ]
        })
        .collect();
    print_table(&["START", "MIN", "PPL", "ID", "UUID", "TOPIC"], &[5], &rows)?;
    eprintln!("{} instances, times in {}", rows.len(), tz.name());
    Ok(ExitCode::Done)
}

/// `zoom-report participant`: every join row of one instance.
pub async fn participant(args: &InstanceArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let tz = parse_zone(global.tz.as_deref())?;
    let meeting = checked_meeting(&args.meeting)?;
    let (details, rows) = Source::open(global)?
        .instance(&meeting, args.kind(global)?)
        .await?;
    if args.json {
        return print_json(&Value::Array(rows.into_iter().map(Value::Object).collect()));
    }
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                attendance::display_name(&text(r, "name")).into_owned(),
                text(r, "user_email"),
                local(time(r, "join_time"), tz),
                local(time(r, "leave_time"), tz),
                crate::zoom::models::integer(r, "duration")
                    .map(clock)
                    .unwrap_or_default(),
                if text(r, "status") == "in_waiting_room" {
                    "waiting"
                } else {
                    ""
                }
                .to_string(),
            ]
        })
        .collect();
    print_table(
        &["NAME", "EMAIL", "JOIN", "LEAVE", "TIME", "NOTE"],
        &[0, 1],
        &table,
    )?;
    eprintln!(
        "{} join rows of {} ({}), times in {}",
        table.len(),
        text(&details, "topic"),
        text(&details, "uuid"),
        tz.name()
    );
    Ok(ExitCode::Done)
}

/// `zoom-report statistic`: one row per person of one instance, by time attended.
pub async fn statistic(args: &StatisticArgs, global: &GlobalArgs) -> Result<ExitCode> {
    let tz = parse_zone(global.tz.as_deref())?;
    let meeting = checked_meeting(&args.instance.meeting)?;
    let kind = args.instance.kind(global)?;
    let (details, rows) = Source::open(global)?.instance(&meeting, kind).await?;
    let Some(instance) = Instance::from_json(&details) else {
        return Err(anyhow::anyhow!(
            "Zoom's answer for meeting {meeting} has no uuid"
        ));
    };
    let sessions: Vec<Session> = rows
        .iter()
        .map(|row| Session::from_json(row, &instance.uuid))
        .collect();
    let attendance =
        attendance::compute(std::slice::from_ref(&instance), &sessions, args.group_by)?;
    if args.instance.json {
        return print_json(&attendee_objects(&attendance, tz));
    }
    let table: Vec<Vec<String>> = attendance
        .attendees
        .iter()
        .map(|a| {
            vec![
                attendance.people[a.person].name.clone(),
                a.sessions.to_string(),
                local_time(a.first_join, tz),
                local_time(a.last_leave, tz),
                clock(a.total_seconds),
                clock(a.attended_seconds),
                percent_text(a.attendance_pct),
            ]
        })
        .collect();
    print_table(
        &["NAME", "N", "FIRST", "LAST", "TOTAL", "ATTENDED", "%"],
        &[0],
        &table,
    )?;
    eprintln!(
        "{} people in {} ({}), {} to {}, times in {}",
        table.len(),
        instance.topic,
        instance.uuid,
        local(instance.start, tz),
        local(instance.end, tz),
        tz.name()
    );
    Ok(ExitCode::Done)
}

/// One JSON object per attendee, with the columns of the attendance CSV.
fn attendee_objects(attendance: &attendance::Attendance, tz: Tz) -> Value {
    let objects = attendance.attendees.iter().map(|a| {
        let person = &attendance.people[a.person];
        serde_json::json!({
            "name": person.name,
            "email": person.email,
            "sessions": a.sessions,
            "first_join": a.first_join.map(|t| iso(t, tz)),
            "last_leave": a.last_leave.map(|t| iso(t, tz)),
            "total_seconds": a.total_seconds,
            "attended_seconds": a.attended_seconds,
            "attendance_pct": a.attendance_pct.map(round_percent),
        })
    });
    Value::Array(objects.collect())
}

fn checked_meeting(raw: &str) -> Result<String> {
    let meeting = raw.trim();
    // Meeting ids are digits and instance uuids base64 (`+`, `/`, `=`, or `-` and `_` in
    // the URL-safe form); anything else, such as `..`, would change the request's path.
    let is_id_character = |c: char| c.is_ascii_alphanumeric() || "+/=-_".contains(c);
    if meeting.is_empty() || meeting.len() > 64 || !meeting.chars().all(is_id_character) {
        return Err(usage(
            format!("'{raw}' is not a meeting id or instance uuid"),
            "give a numeric meeting id or an instance uuid (quote it: uuids may hold / + =)",
        ));
    }
    Ok(meeting.to_string())
}

fn local(time: Option<DateTime<Utc>>, tz: Tz) -> String {
    time.map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

fn local_time(time: Option<DateTime<Utc>>, tz: Tz) -> String {
    time.map(|t| t.with_timezone(&tz).format("%H:%M:%S").to_string())
        .unwrap_or_default()
}

fn iso(time: DateTime<Utc>, tz: Tz) -> String {
    time.with_timezone(&tz)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

fn print_json(value: &Value) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(ExitCode::Done)
}

/// Terminal width the tables are fitted to.
const TABLE_WIDTH: usize = 80;

/// Prints rows under headers in columns fitted to 80 characters. Only the `flexible`
/// columns (names, topics) are cut; ids and uuids are always shown whole so they can be
/// copied into the next command.
pub fn print_table(headers: &[&str], flexible: &[usize], rows: &[Vec<String>]) -> Result<()> {
    let widths = column_widths(headers, flexible, rows);
    let mut out = std::io::stdout().lock();
    let line = |cells: Vec<&str>| -> String {
        let mut text = String::new();
        for (index, (cell, width)) in cells.iter().zip(&widths).enumerate() {
            if index > 0 {
                text.push(' ');
            }
            let cell = fit(cell, *width);
            let is_last = index + 1 == widths.len();
            if is_last {
                text.push_str(&cell);
            } else {
                text.push_str(&format!("{cell:<width$}", width = *width));
            }
        }
        text.trim_end().to_string()
    };
    writeln!(out, "{}", line(headers.to_vec()))?;
    for row in rows {
        let shown: Vec<String> = row.iter().map(|cell| printable(cell)).collect();
        writeln!(out, "{}", line(shown.iter().map(String::as_str).collect()))?;
    }
    Ok(())
}

/// A cell as it may reach a terminal: control characters (which could move the cursor or
/// retitle the window) and invisible direction marks from Zoom's display names become `�`.
fn printable(cell: &str) -> String {
    let is_unsafe = |c: char| {
        c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    cell.chars()
        .map(|c| if is_unsafe(c) { '\u{fffd}' } else { c })
        .collect()
}

fn column_widths(headers: &[&str], flexible: &[usize], rows: &[Vec<String>]) -> Vec<usize> {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    // Shrink the widest flexible column until the line fits, keeping each at least 6 wide.
    let gaps = widths.len().saturating_sub(1);
    while widths.iter().sum::<usize>() + gaps > TABLE_WIDTH {
        let widest = flexible
            .iter()
            .copied()
            .filter(|&i| i < widths.len())
            .max_by_key(|&i| widths[i]);
        let Some(widest) = widest else { break };
        if widths[widest] <= 6 {
            break;
        }
        widths[widest] -= 1;
    }
    widths
}

/// Cuts text to `width` characters, marking the cut with `…`.
fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_control_characters_never_reach_a_table() {
        assert_eq!(
            printable("P \u{1b}]0;pwned\u{7} Q"),
            "P \u{fffd}]0;pwned\u{fffd} Q"
        );
        assert_eq!(printable("a\u{202e}b\u{200b}"), "a\u{fffd}b\u{fffd}");
        assert_eq!(printable("Nguyễn Văn An"), "Nguyễn Văn An");
    }

    #[test]
    fn ids_that_would_change_the_path_are_refused() {
        for bad in ["..", ".", "a/../b", "x y", "ü=="] {
            assert!(checked_meeting(bad).is_err(), "{bad}");
        }
        for good in [
            "85012345678",
            "cc/gogPR5eXIWD5y4FnV3w==",
            "P1MoI0HZ//+eFkSeWJxATg==",
        ] {
            assert!(checked_meeting(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn tables_fit_eighty_columns() {
        let rows = vec![vec![
            "2024-07-03 09:00".to_string(),
            "P1MoI0HZ//+eFkSeWJxATg==".into(),
            "x".repeat(120),
        ]];
        let widths = column_widths(&["START", "UUID", "TOPIC"], &[2], &rows);
        assert!(widths.iter().sum::<usize>() + 2 <= 80, "{widths:?}");
        assert_eq!(widths[1], 24, "uuids are never cut");
        assert_eq!(fit("Nguyễn Văn An", 6), "Nguyễ…");
    }
}
