//! The report model and the writers, one file per format.
//!
//! [`Report`] lays the attendance out as four tables (people, meetings, attendance,
//! sessions) of typed cells. Every format writes those same tables, so the numbers agree
//! across xlsx, CSV, HTML and JSON by construction; only the rendering differs.

pub mod csv;
pub mod html;
pub mod json;
pub mod xlsx;

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use anyhow::Result;
use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;

use crate::archive::FailedInstance;
use crate::attendance::{Attendance, display_name};
use crate::cli::Lang;
use crate::config::{DateRange, Format};
use crate::zoom::models::{Instance, Session};

/// One value of a table, typed so each format can render it natively.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    /// Text that came from Zoom (names, topics): escaped or neutralised by each format.
    Text(Cow<'a, str>),
    /// An identifier (uuid, meeting id): text, never a number.
    Id(Cow<'a, str>),
    Int(i64),
    /// A length of time in whole seconds.
    Seconds(i64),
    /// A percentage 0–100, unrounded; formats show one decimal.
    Percent(Option<f64>),
    /// A moment, shown in the report's time zone.
    Time(Option<DateTime<Utc>>),
    Empty,
}

/// Which of the four tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    People,
    Meetings,
    Attendance,
    Sessions,
}

impl TableKind {
    pub const ALL: [TableKind; 4] = [
        TableKind::People,
        TableKind::Meetings,
        TableKind::Attendance,
        TableKind::Sessions,
    ];

    /// Lower-case name, used in file names and JSON keys.
    pub fn key(self) -> &'static str {
        match self {
            TableKind::People => "people",
            TableKind::Meetings => "meetings",
            TableKind::Attendance => "attendance",
            TableKind::Sessions => "sessions",
        }
    }

    /// Sheet title.
    pub fn title(self) -> &'static str {
        match self {
            TableKind::People => "People",
            TableKind::Meetings => "Meetings",
            TableKind::Attendance => "Attendance",
            TableKind::Sessions => "Sessions",
        }
    }

    /// Column names, as in the CSV headers.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            TableKind::People => &[
                "name",
                "email",
                "meetings_attended",
                "attended_seconds",
                "total_seconds",
                "avg_attendance_pct",
                "first_seen",
                "last_seen",
            ],
            TableKind::Meetings => &[
                "meeting_id",
                "meeting_uuid",
                "topic",
                "host_name",
                "host_email",
                "start_time",
                "end_time",
                "duration_minutes",
                "participants_count",
                "attendees",
                "attended_seconds",
            ],
            TableKind::Attendance => &[
                "meeting_id",
                "meeting_uuid",
                "topic",
                "start_time",
                "name",
                "email",
                "sessions",
                "first_join",
                "last_leave",
                "total_seconds",
                "attended_seconds",
                "attendance_pct",
            ],
            TableKind::Sessions => &[
                "meeting_id",
                "meeting_uuid",
                "name",
                "email",
                "join_time",
                "leave_time",
                "duration_seconds",
                "status",
                "participant_user_id",
                "user_id",
            ],
        }
    }
}

/// Everything a report shows.
pub struct Report<'a> {
    pub range: DateRange,
    pub tz: Tz,
    pub lang: Lang,
    pub generated_at: DateTime<Utc>,
    pub instances: &'a [Instance],
    /// Every join row of the instances, waiting room included, in instance order.
    pub sessions: &'a [Session],
    pub attendance: &'a Attendance,
    pub problems: &'a [FailedInstance],
    /// False when data is known to be missing (failed instances, an interrupted run).
    pub is_complete: bool,
}

/// Totals shown at the top of every format and in the one-line summary.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Totals {
    pub meetings: usize,
    pub people: usize,
    pub attended_seconds: i64,
    pub average_attendance_pct: Option<f64>,
}

impl Report<'_> {
    pub fn totals(&self) -> Totals {
        let attendees = &self.attendance.attendees;
        let percents: Vec<f64> = attendees.iter().filter_map(|a| a.attendance_pct).collect();
        Totals {
            meetings: self.instances.len(),
            people: self.attendance.people.len(),
            attended_seconds: self
                .attendance
                .people
                .iter()
                .map(|p| p.attended_seconds)
                .sum(),
            average_attendance_pct: (!percents.is_empty())
                .then(|| percents.iter().sum::<f64>() / percents.len() as f64),
        }
    }

    /// Number of rows of a table, known before writing it.
    pub fn row_count(&self, table: TableKind) -> usize {
        match table {
            TableKind::People => self.attendance.people.len(),
            TableKind::Meetings => self.instances.len(),
            TableKind::Attendance => self.attendance.attendees.len(),
            TableKind::Sessions => self.sessions.len(),
        }
    }

    /// The rows of a table, built one at a time so large reports stay small in memory.
    pub fn rows(&self, table: TableKind) -> Box<dyn Iterator<Item = Vec<Cell<'_>>> + '_> {
        match table {
            TableKind::People => Box::new(self.attendance.people.iter().map(|p| {
                vec![
                    text(&p.name),
                    text(&p.email),
                    Cell::Int(p.meetings_attended.into()),
                    Cell::Seconds(p.attended_seconds),
                    Cell::Seconds(p.total_seconds),
                    Cell::Percent(p.avg_attendance_pct),
                    Cell::Time(p.first_seen),
                    Cell::Time(p.last_seen),
                ]
            })),
            TableKind::Meetings => Box::new(
                self.instances
                    .iter()
                    .zip(&self.attendance.instance_totals)
                    .map(|(instance, totals)| {
                        vec![
                            Cell::Id(Cow::Owned(instance.meeting_id_text())),
                            Cell::Id(Cow::Borrowed(&instance.uuid)),
                            text(&instance.topic),
                            text(&instance.host_name),
                            text(&instance.host_email),
                            Cell::Time(instance.start),
                            Cell::Time(instance.end),
                            instance.duration_minutes.map_or(Cell::Empty, Cell::Int),
                            instance.participants_count.map_or(Cell::Empty, Cell::Int),
                            Cell::Int(totals.attendees.into()),
                            Cell::Seconds(totals.attended_seconds),
                        ]
                    }),
            ),
            TableKind::Attendance => Box::new(self.attendance.attendees.iter().map(|a| {
                let instance = &self.instances[a.instance];
                let person = &self.attendance.people[a.person];
                vec![
                    Cell::Id(Cow::Owned(instance.meeting_id_text())),
                    Cell::Id(Cow::Borrowed(&instance.uuid)),
                    text(&instance.topic),
                    Cell::Time(instance.start),
                    text(&person.name),
                    text(&person.email),
                    Cell::Int(a.sessions.into()),
                    Cell::Time(a.first_join),
                    Cell::Time(a.last_leave),
                    Cell::Seconds(a.total_seconds),
                    Cell::Seconds(a.attended_seconds),
                    Cell::Percent(a.attendance_pct),
                ]
            })),
            TableKind::Sessions => {
                let ids: std::collections::HashMap<&str, String> = self
                    .instances
                    .iter()
                    .map(|i| (i.uuid.as_str(), i.meeting_id_text()))
                    .collect();
                Box::new(self.sessions.iter().map(move |s| {
                    vec![
                        Cell::Id(Cow::Owned(
                            ids.get(s.instance_uuid.as_str())
                                .cloned()
                                .unwrap_or_default(),
                        )),
                        Cell::Id(Cow::Borrowed(&s.instance_uuid)),
                        Cell::Text(display_name(&s.name)),
                        text(&s.email),
                        Cell::Time(s.join),
                        Cell::Time(s.leave),
                        s.duration_seconds.map_or(Cell::Empty, Cell::Seconds),
                        text(&s.status),
                        text(&s.participant_user_id),
                        text(&s.user_id),
                    ]
                }))
            }
        }
    }

    /// ISO 8601 with the offset of the report's zone, as CSV and JSON write times.
    pub fn iso_time(&self, time: DateTime<Utc>) -> String {
        time.with_timezone(&self.tz)
            .to_rfc3339_opts(SecondsFormat::Secs, false)
    }

    /// A short local time for people to read: `2024-07-03 09:05`.
    pub fn short_time(&self, time: DateTime<Utc>) -> String {
        time.with_timezone(&self.tz)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    /// The base of every file name: `zoom-report_<from>_<to>`.
    pub fn file_stem(&self) -> String {
        format!("zoom-report_{}", self.range.slug())
    }
}

fn text(value: &str) -> Cell<'_> {
    Cell::Text(Cow::Borrowed(value))
}

/// Hours, minutes and seconds: `12:05:09`.
pub fn clock(seconds: i64) -> String {
    let seconds = seconds.max(0);
    format!(
        "{}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// A percentage rounded to one decimal, halves away from zero as Excel rounds them.
///
/// Every format shows this value: `format!("{:.1}")` alone rounds halves to even, so
/// 92.25 would read 92.2 in the CSV and 92.3 in the workbook.
pub fn round_percent(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// A percentage with one decimal, or "" when unknown.
pub fn percent_text(value: Option<f64>) -> String {
    value
        .map(|v| format!("{:.1}", round_percent(v)))
        .unwrap_or_default()
}

/// Writes the selected formats into `out_dir` and returns the files written, in the order
/// of `formats`.
///
/// The workbook, the slowest to write, is written on a thread of its own while the other
/// formats are written on this one. Each file is written to a temporary file and renamed
/// into place when complete.
pub fn write_all(
    report: &Report,
    formats: &[Format],
    out_dir: &Path,
    options: &CsvOptions,
) -> Result<Vec<PathBuf>> {
    let (workbook, others): (Vec<Format>, Vec<Format>) =
        formats.iter().partition(|format| **format == Format::Xlsx);
    let (workbook, others) = std::thread::scope(|scope| {
        let workbook = scope.spawn(|| write_formats(report, &workbook, out_dir, options));
        let others = write_formats(report, &others, out_dir, options);
        let workbook = workbook
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (workbook, others)
    });
    let mut by_format = workbook?;
    by_format.extend(others?);
    by_format.sort_by_key(|(format, _)| formats.iter().position(|f| f == format));
    Ok(by_format.into_iter().flat_map(|(_, paths)| paths).collect())
}

/// Writes `formats` one after the other; returns each format's files.
fn write_formats(
    report: &Report,
    formats: &[Format],
    out_dir: &Path,
    options: &CsvOptions,
) -> Result<Vec<(Format, Vec<PathBuf>)>> {
    let path = |extension: &str| out_dir.join(format!("{}.{extension}", report.file_stem()));
    let mut written = Vec::new();
    for &format in formats {
        let started = std::time::Instant::now();
        let paths = match format {
            Format::Xlsx => vec![xlsx::write(report, &path("xlsx"))?],
            Format::Csv => csv::write(report, out_dir, options)?,
            Format::Html => vec![html::write(report, &path("html"))?],
            Format::Json => vec![json::write(report, &path("json"))?],
        };
        let seconds = started.elapsed().as_secs_f64();
        tracing::info!("wrote {format:?} ({} files) in {seconds:.2} s", paths.len());
        written.push((format, paths));
    }
    Ok(written)
}

/// How CSV cells are written.
#[derive(Debug, Clone, Copy, Default)]
pub struct CsvOptions {
    pub bom: bool,
    pub raw: bool,
}
