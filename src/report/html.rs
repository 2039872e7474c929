//! HTML: one self-contained page rendered with tera from `templates/report.html`.
//!
//! The page has no external fonts, scripts or images, so it works offline and as an email
//! attachment. The figures are prepared here as display strings and chart geometry; the
//! template holds the layout and, through `templates/lang/*.json`, every word. Everything
//! from Zoom is escaped by tera's autoescaping of `.html` templates.
//!
//! Large ranges stay usable in a browser: tables beyond the limits below are cut with a
//! note pointing to the xlsx and CSV files, which always hold every row.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Serialize;
use serde_json::Value;

use super::{Report, clock, percent_text};
use crate::archive::write_atomically;
use crate::cli::Lang;

const TEMPLATE: &str = include_str!("../../templates/report.html");
const WORDS_EN: &str = include_str!("../../templates/lang/en.json");
const WORDS_VI: &str = include_str!("../../templates/lang/vi.json");

/// Rows of the people table shown before cutting.
const PEOPLE_ROWS: usize = 2_000;
/// Meeting instances given a table of their own.
const INSTANCE_TABLES: usize = 300;
/// Attendee rows shown per instance table.
const ATTENDEE_ROWS: usize = 500;
/// Meetings drawn one bar each; more are totalled per day.
const CHART_BARS: usize = 60;
/// Size of the person × meeting grid.
const GRID_PEOPLE: usize = 40;
const GRID_MEETINGS: usize = 31;

pub fn write(report: &Report, path: &Path) -> Result<PathBuf> {
    let html = render(report)?;
    write_atomically(path, |file| {
        use std::io::Write;
        Ok(file.write_all(html.as_bytes())?)
    })?;
    Ok(path.to_path_buf())
}

/// Renders the page to a string.
pub fn render(report: &Report) -> Result<String> {
    let mut tera = tera::Tera::default();
    tera.add_raw_template("report.html", TEMPLATE)
        .context("templates/report.html is broken")?;
    let page = Page::build(report)?;
    let context = tera::Context::from_serialize(&page).context("cannot prepare the HTML page")?;
    tera.render("report.html", &context)
        .context("cannot render templates/report.html")
}

/// Checks at start-up that the template and words parse, before any slow work.
pub fn check_templates() -> Result<()> {
    let mut tera = tera::Tera::default();
    tera.add_raw_template("report.html", TEMPLATE)
        .context("templates/report.html is broken")?;
    for (name, words) in [("en", WORDS_EN), ("vi", WORDS_VI)] {
        serde_json::from_str::<Value>(words)
            .with_context(|| format!("templates/lang/{name}.json is broken"))?;
    }
    Ok(())
}

#[derive(Serialize)]
struct Page {
    lang: Lang,
    t: Value,
    from: String,
    to: String,
    time_zone: String,
    generated_at: String,
    is_complete: bool,
    problems: Vec<ProblemView>,
    meetings: usize,
    people_count: usize,
    hours_attended: String,
    average_attendance: String,
    hours_chart: Chart,
    people_chart: Chart,
    grid: Grid,
    people: Vec<PersonView>,
    people_total: usize,
    instances: Vec<InstanceView>,
    instances_total: usize,
    /// Counts for the "showing N of M" notes, as text for the template's `replace`.
    grid_people: String,
    grid_meetings: String,
    people_shown: String,
    people_all: String,
    instances_shown: String,
    instances_all: String,
}

#[derive(Serialize)]
struct ProblemView {
    uuid: String,
    topic: String,
    start: String,
    reason: String,
}

/// A bar chart with its geometry worked out, in SVG user units.
#[derive(Serialize, Default)]
struct Chart {
    by_day: bool,
    width: f64,
    height: f64,
    bars: Vec<Bar>,
}

#[derive(Serialize)]
struct Bar {
    label: String,
    value: String,
    x: f64,
    y: f64,
    width: f64,
    height: f64,
}

#[derive(Serialize)]
struct Grid {
    meetings: Vec<GridMeeting>,
    rows: Vec<GridRow>,
    is_cut: bool,
}

#[derive(Serialize)]
struct GridMeeting {
    label: String,
    title: String,
}

#[derive(Serialize)]
struct GridRow {
    name: String,
    cells: Vec<Option<GridCell>>,
}

#[derive(Serialize)]
struct GridCell {
    pct: String,
    /// 0–4, the shade of the cell.
    level: u8,
}

#[derive(Serialize)]
struct PersonView {
    name: String,
    email: String,
    meetings: u32,
    attended: String,
    attended_seconds: i64,
    total: String,
    total_seconds: i64,
    pct: String,
    first_seen: String,
    first_seen_sort: i64,
    last_seen: String,
    last_seen_sort: i64,
}

#[derive(Serialize)]
struct InstanceView {
    anchor: String,
    topic: String,
    meeting_id: String,
    uuid: String,
    host: String,
    start: String,
    duration: String,
    attendee_count: usize,
    attendees: Vec<AttendeeView>,
}

#[derive(Serialize)]
struct AttendeeView {
    name: String,
    email: String,
    sessions: u32,
    first_join: String,
    first_join_sort: i64,
    last_leave: String,
    last_leave_sort: i64,
    total: String,
    total_seconds: i64,
    attended: String,
    attended_seconds: i64,
    pct: String,
    pct_sort: f64,
}

impl Page {
    fn build(report: &Report) -> Result<Page> {
        let words = match report.lang {
            Lang::En => WORDS_EN,
            Lang::Vi => WORDS_VI,
        };
        let totals = report.totals();
        let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
            t.map(|t| report.short_time(t)).unwrap_or_default()
        };
        let people = report
            .attendance
            .people
            .iter()
            .take(PEOPLE_ROWS)
            .map(|p| PersonView {
                name: p.name.clone(),
                email: p.email.clone(),
                meetings: p.meetings_attended,
                attended: clock(p.attended_seconds),
                attended_seconds: p.attended_seconds,
                total: clock(p.total_seconds),
                total_seconds: p.total_seconds,
                pct: percent_text(p.avg_attendance_pct),
                first_seen: time(p.first_seen),
                first_seen_sort: p.first_seen.map_or(0, |t| t.timestamp()),
                last_seen: time(p.last_seen),
                last_seen_sort: p.last_seen.map_or(0, |t| t.timestamp()),
            });
        let grid = grid(report);
        let instances = instance_views(report);
        Ok(Page {
            grid_people: grid.rows.len().to_string(),
            grid_meetings: grid.meetings.len().to_string(),
            people_shown: report.attendance.people.len().min(PEOPLE_ROWS).to_string(),
            people_all: report.attendance.people.len().to_string(),
            instances_shown: instances.len().to_string(),
            instances_all: report.instances.len().to_string(),
            lang: report.lang,
            t: serde_json::from_str(words).context("templates/lang is broken")?,
            from: report.range.from.to_string(),
            to: report.range.to.to_string(),
            time_zone: report.tz.name().to_string(),
            generated_at: report.short_time(report.generated_at),
            is_complete: report.is_complete,
            problems: report
                .problems
                .iter()
                .map(|p| ProblemView {
                    uuid: p.meeting_uuid.clone(),
                    topic: p.topic.clone(),
                    start: p.start_time.clone(),
                    reason: p.reason.clone(),
                })
                .collect(),
            meetings: totals.meetings,
            people_count: totals.people,
            hours_attended: format!("{:.1}", totals.attended_seconds as f64 / 3600.0),
            average_attendance: percent_text(totals.average_attendance_pct),
            hours_chart: hours_chart(report),
            people_chart: people_chart(report),
            grid,
            people: people.collect(),
            people_total: report.attendance.people.len(),
            instances,
            instances_total: report.instances.len(),
        })
    }
}

const CHART_WIDTH: f64 = 720.0;
const CHART_HEIGHT: f64 = 180.0;

/// Hours attended per meeting in time order, or per day when there are many meetings.
fn hours_chart(report: &Report) -> Chart {
    let totals = &report.attendance.instance_totals;
    let by_day = report.instances.len() > CHART_BARS;
    let mut points: Vec<(String, i64)> = Vec::new();
    for (instance, total) in report.instances.iter().zip(totals) {
        let local = instance.start.map(|t| t.with_timezone(&report.tz));
        let label = match (by_day, local) {
            (true, Some(t)) => t.format("%Y-%m-%d").to_string(),
            (false, Some(t)) => format!("{} {}", t.format("%m-%d %H:%M"), instance.topic),
            (_, None) => instance.topic.clone(),
        };
        match points.last_mut() {
            Some((last, seconds)) if by_day && *last == label => *seconds += total.attended_seconds,
            _ => points.push((label, total.attended_seconds)),
        }
    }
    let max = points.iter().map(|(_, s)| *s).max().unwrap_or(0).max(1) as f64;
    let slot = CHART_WIDTH / points.len().max(1) as f64;
    let bars = points
        .into_iter()
        .enumerate()
        .map(|(index, (label, seconds))| {
            let height = seconds as f64 / max * (CHART_HEIGHT - 10.0);
            Bar {
                value: format!("{:.1} h", seconds as f64 / 3600.0),
                label,
                x: round(index as f64 * slot + slot * 0.1),
                y: round(CHART_HEIGHT - height),
                width: round(slot * 0.8),
                height: round(height),
            }
        })
        .collect();
    Chart {
        by_day,
        width: CHART_WIDTH,
        height: CHART_HEIGHT,
        bars,
    }
}

/// Minutes attended by the top 20 people, as horizontal bars.
fn people_chart(report: &Report) -> Chart {
    let people = &report.attendance.people[..report.attendance.people.len().min(20)];
    let max = people
        .iter()
        .map(|p| p.attended_seconds)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let row = 22.0;
    let label_width = 220.0;
    let bars = people
        .iter()
        .enumerate()
        .map(|(index, person)| Bar {
            label: person.name.clone(),
            value: format!("{} min", person.attended_seconds / 60),
            x: label_width,
            y: index as f64 * row,
            width: round(person.attended_seconds as f64 / max * (CHART_WIDTH - label_width - 80.0)),
            height: row - 6.0,
        })
        .collect();
    Chart {
        by_day: false,
        width: CHART_WIDTH,
        height: people.len() as f64 * row,
        bars,
    }
}

fn round(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// Attendance % of the first people (by time attended) in the first meetings.
fn grid(report: &Report) -> Grid {
    let meeting_count = report.instances.len().min(GRID_MEETINGS);
    let person_count = report.attendance.people.len().min(GRID_PEOPLE);
    let mut rows: Vec<GridRow> = report.attendance.people[..person_count]
        .iter()
        .map(|p| GridRow {
            name: p.name.clone(),
            cells: (0..meeting_count).map(|_| None).collect(),
        })
        .collect();
    for attendee in &report.attendance.attendees {
        if attendee.person < person_count && attendee.instance < meeting_count {
            let pct = attendee.attendance_pct.unwrap_or(0.0);
            rows[attendee.person].cells[attendee.instance] = Some(GridCell {
                pct: format!("{pct:.0}"),
                level: match pct {
                    p if p >= 90.0 => 4,
                    p if p >= 70.0 => 3,
                    p if p >= 40.0 => 2,
                    _ => 1,
                },
            });
        }
    }
    let meetings = report.instances[..meeting_count]
        .iter()
        .map(|instance| GridMeeting {
            label: instance
                .start
                .map(|t| t.with_timezone(&report.tz).format("%d/%m").to_string())
                .unwrap_or_default(),
            title: format!(
                "{} — {}",
                instance
                    .start
                    .map(|t| report.short_time(t))
                    .unwrap_or_default(),
                instance.topic
            ),
        })
        .collect();
    let is_cut =
        meeting_count < report.instances.len() || person_count < report.attendance.people.len();
    Grid {
        meetings,
        rows,
        is_cut,
    }
}

fn instance_views(report: &Report) -> Vec<InstanceView> {
    let mut views: Vec<InstanceView> = report
        .instances
        .iter()
        .take(INSTANCE_TABLES)
        .enumerate()
        .map(|(index, instance)| InstanceView {
            anchor: format!("m{index}"),
            topic: instance.topic.clone(),
            meeting_id: instance.meeting_id_text(),
            uuid: instance.uuid.clone(),
            host: instance.host_name.clone(),
            start: instance
                .start
                .map(|t| report.short_time(t))
                .unwrap_or_default(),
            duration: instance.length_seconds().map(clock).unwrap_or_default(),
            attendee_count: report.attendance.instance_totals[index].attendees as usize,
            attendees: Vec::new(),
        })
        .collect();
    for attendee in &report.attendance.attendees {
        let Some(view) = views.get_mut(attendee.instance) else {
            continue;
        };
        if view.attendees.len() >= ATTENDEE_ROWS {
            continue;
        }
        let person = &report.attendance.people[attendee.person];
        let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
            t.map(|t| report.short_time(t)).unwrap_or_default()
        };
        view.attendees.push(AttendeeView {
            name: person.name.clone(),
            email: person.email.clone(),
            sessions: attendee.sessions,
            first_join: time(attendee.first_join),
            first_join_sort: attendee.first_join.map_or(0, |t| t.timestamp()),
            last_leave: time(attendee.last_leave),
            last_leave_sort: attendee.last_leave.map_or(0, |t| t.timestamp()),
            total: clock(attendee.total_seconds),
            total_seconds: attendee.total_seconds,
            attended: clock(attendee.attended_seconds),
            attended_seconds: attendee.attended_seconds,
            pct: percent_text(attendee.attendance_pct),
            pct_sort: attendee.attendance_pct.unwrap_or(0.0),
        });
    }
    views
}
