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

use anyhow::{Context, Result, bail};
use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::Value;

use super::{Report, clock, percent_text, round_percent};
use crate::archive::write_atomically;
use crate::cli::Lang;

const TEMPLATE: &str = include_str!("../../templates/report.html");
const WORDS_EN: &str = include_str!("../../templates/lang/en.json");
const WORDS_VI: &str = include_str!("../../templates/lang/vi.json");

/// How much of a large report the page shows. The page must open quickly in a browser,
/// so tables are cut here; the xlsx and CSV files always hold every row.
#[derive(Debug, Clone, Copy)]
struct Limits {
    /// Rows of the people table.
    people_rows: usize,
    /// Meeting instances given a table of their own.
    instance_tables: usize,
    /// Attendee rows per instance table.
    attendee_rows: usize,
    /// Meetings drawn one bar each; more are totalled per day.
    chart_bars: usize,
    /// People in the minutes-per-person chart.
    chart_people: usize,
    /// People (longest attendance first) and meetings (first in time) in the grid.
    grid_people: usize,
    grid_meetings: usize,
}

const LIMITS: Limits = Limits {
    people_rows: 2_000,
    instance_tables: 300,
    attendee_rows: 500,
    chart_bars: 60,
    chart_people: 20,
    grid_people: 40,
    grid_meetings: 31,
};

/// Writes the page to `path`, atomically.
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
    render_with(report, &LIMITS)
}

fn render_with(report: &Report, limits: &Limits) -> Result<String> {
    let mut tera = tera::Tera::default();
    tera.add_raw_template("report.html", TEMPLATE)
        .context("templates/report.html is broken")?;
    let page = Page::build(report, limits)?;
    let context = tera::Context::from_serialize(&page).context("cannot prepare the HTML page")?;
    tera.render("report.html", &context)
        .context("cannot render templates/report.html")
}

/// Checks at start-up that the template and words parse, before any slow work.
pub fn check_templates() -> Result<()> {
    let mut tera = tera::Tera::default();
    tera.add_raw_template("report.html", TEMPLATE)
        .context("templates/report.html is broken")?;
    for lang in [Lang::En, Lang::Vi] {
        words(lang)?;
    }
    Ok(())
}

/// The words of one language, with its date format checked.
fn words(lang: Lang) -> Result<Value> {
    let (name, text) = match lang {
        Lang::En => ("en", WORDS_EN),
        Lang::Vi => ("vi", WORDS_VI),
    };
    let words: Value = serde_json::from_str(text)
        .with_context(|| format!("templates/lang/{name}.json is broken"))?;
    let day_format = words["day_format"].as_str().unwrap_or_default();
    // chrono panics when a broken format is displayed, so refuse it here instead.
    if day_format.is_empty() || StrftimeItems::new(day_format).any(|i| i == Item::Error) {
        bail!("templates/lang/{name}.json: day_format {day_format:?} is not a strftime format");
    }
    Ok(words)
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
    attended_seconds: i64,
    hours_attended: String,
    average_attendance: String,
    hours_chart: HoursChart,
    people_chart: PeopleChart,
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

/// Hours per meeting (or per day) as vertical bars, in SVG user units.
#[derive(Serialize)]
struct HoursChart {
    by_day: bool,
    width: f64,
    height: f64,
    /// The plot area: bars stand on `bottom`, ticks run from `left` to `right`.
    left: f64,
    right: f64,
    bottom: f64,
    tick_label_x: f64,
    day_y: f64,
    time_y: f64,
    ticks: Vec<Tick>,
    bars: Vec<HoursBar>,
}

#[derive(Serialize)]
struct Tick {
    y: f64,
    label_y: f64,
    label: String,
}

#[derive(Serialize)]
struct HoursBar {
    /// Tooltip: when and which meeting (or which day).
    title: String,
    /// Hours, one decimal.
    value: String,
    x: f64,
    y: f64,
    width: f64,
    height: f64,
    center: f64,
    value_y: f64,
    /// Axis labels; empty when thinned out so labels do not overlap.
    day: String,
    time: String,
    show_value: bool,
    /// The instance table the bar links to.
    anchor: Option<String>,
}

/// Minutes per person as horizontal bars, in SVG user units.
#[derive(Serialize)]
struct PeopleChart {
    width: f64,
    height: f64,
    name_x: f64,
    bars: Vec<PersonBar>,
}

#[derive(Serialize)]
struct PersonBar {
    name: String,
    minutes: String,
    x: f64,
    y: f64,
    width: f64,
    height: f64,
    text_y: f64,
    value_x: f64,
}

#[derive(Serialize)]
struct Grid {
    meetings: Vec<GridMeeting>,
    rows: Vec<GridRow>,
    is_cut: bool,
    /// The picture's size in pixels.
    width: f64,
    height: f64,
}

#[derive(Serialize)]
struct GridMeeting {
    day: String,
    time: String,
    title: String,
    anchor: Option<String>,
    /// The centre of the meeting's column.
    x: f64,
}

#[derive(Serialize)]
struct GridRow {
    /// The name as shown, cut to fit the name column.
    label: String,
    name: String,
    /// The top of the row.
    y: f64,
    cells: Vec<GridCell>,
}

#[derive(Serialize)]
struct GridCell {
    pct: String,
    /// 0–4, the shade of the cell.
    level: u8,
    title: String,
    /// The cell's left edge.
    x: f64,
}

/// The attendance grid's geometry: a name column, then one column per meeting.
const GRID_NAME_WIDTH: f64 = 190.0;
const GRID_CELL_WIDTH: f64 = 42.0;
const GRID_ROW_HEIGHT: f64 = 22.0;
const GRID_HEADER_HEIGHT: f64 = 44.0;
/// Characters of a name that fit the name column at the grid's font size.
const GRID_NAME_CHARACTERS: usize = 26;

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
    start_sort: i64,
    duration: String,
    duration_seconds: i64,
    attendee_count: usize,
    attended: String,
    attended_seconds: i64,
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
    fn build(report: &Report, limits: &Limits) -> Result<Page> {
        let t = words(report.lang)?;
        let day_format = t["day_format"].as_str().unwrap_or("%d/%m");
        let totals = report.totals();
        let grid = grid(report, limits, day_format);
        let instances = instance_views(report, limits);
        let people_shown = report.attendance.people.len().min(limits.people_rows);
        Ok(Page {
            grid_people: grid.rows.len().to_string(),
            grid_meetings: grid.meetings.len().to_string(),
            people_shown: people_shown.to_string(),
            people_all: report.attendance.people.len().to_string(),
            instances_shown: instances.len().to_string(),
            instances_all: report.instances.len().to_string(),
            lang: report.lang,
            from: report.range.from.to_string(),
            to: report.range.to.to_string(),
            time_zone: report.tz.name().to_string(),
            generated_at: report.short_time(report.generated_at),
            is_complete: report.is_complete,
            problems: problem_views(report),
            meetings: totals.meetings,
            people_count: totals.people,
            attended_seconds: totals.attended_seconds,
            // Two decimals, as the summary line and the xlsx Summary sheet show it.
            hours_attended: format!("{:.2}", totals.attended_seconds as f64 / 3600.0),
            average_attendance: percent_text(totals.average_attendance_pct),
            hours_chart: hours_chart(report, limits, day_format),
            people_chart: people_chart(report, limits),
            grid,
            people: person_views(report, people_shown),
            people_total: report.attendance.people.len(),
            instances,
            instances_total: report.instances.len(),
            t,
        })
    }
}

fn problem_views(report: &Report) -> Vec<ProblemView> {
    report
        .problems
        .iter()
        .map(|p| ProblemView {
            uuid: p.meeting_uuid.clone(),
            topic: p.topic.clone(),
            start: p
                .start()
                .map_or_else(|| p.start_time.clone(), |t| report.short_time(t)),
            reason: p.reason.clone(),
        })
        .collect()
}

fn person_views(report: &Report, count: usize) -> Vec<PersonView> {
    let time = |t: Option<DateTime<Utc>>| t.map(|t| report.short_time(t)).unwrap_or_default();
    report.attendance.people[..count]
        .iter()
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
        })
        .collect()
}

/// The width of both charts in SVG user units; the page scales them to its width.
const CHART_WIDTH: f64 = 1000.0;
const HOURS_CHART_HEIGHT: f64 = 260.0;
/// Room left of the plot for tick labels, above it for value labels, below for dates.
const HOURS_LEFT: f64 = 40.0;
const HOURS_TOP: f64 = 18.0;
const HOURS_BOTTOM: f64 = 36.0;
/// Axis labels closer than this (in user units) would overlap, so some are left out.
const LABEL_SPACING: f64 = 46.0;
/// Narrower bars get no value label above them.
const VALUE_LABEL_SLOT: f64 = 26.0;

/// One bar of the hours chart before layout.
struct HoursPoint {
    date: Option<NaiveDate>,
    day: String,
    time: String,
    title: String,
    seconds: i64,
    anchor: Option<String>,
}

/// Hours attended per meeting in time order, or per day when there are many meetings.
fn hours_chart(report: &Report, limits: &Limits, day_format: &str) -> HoursChart {
    let by_day = report.instances.len() > limits.chart_bars;
    let points = hours_points(report, limits, day_format, by_day);
    let bottom = HOURS_CHART_HEIGHT - HOURS_BOTTOM;
    let plot_height = bottom - HOURS_TOP;
    let right = CHART_WIDTH - 8.0;
    let max_hours = points.iter().map(|p| p.seconds).max().unwrap_or(0) as f64 / 3600.0;
    let (step, top) = tick_step(max_hours);
    let y_of = |hours: f64| round(bottom - hours / top * plot_height);
    let ticks = (1..)
        .map(|i| f64::from(i) * step)
        .take_while(|hours| *hours <= top + step / 1000.0)
        .map(|hours| Tick {
            y: y_of(hours),
            label_y: round(y_of(hours) + 4.0),
            label: format_tick(hours),
        })
        .collect();
    let slot = (right - HOURS_LEFT) / points.len().max(1) as f64;
    let label_every = (LABEL_SPACING / slot).ceil().max(1.0) as usize;
    let bars = points
        .into_iter()
        .enumerate()
        .map(|(index, point)| {
            let hours = point.seconds as f64 / 3600.0;
            let x = HOURS_LEFT + index as f64 * slot;
            let y = y_of(hours);
            let (day, time) = if index % label_every == 0 {
                (point.day, point.time)
            } else {
                Default::default()
            };
            HoursBar {
                title: point.title,
                value: format!("{hours:.1}"),
                x: round(x + slot * 0.15),
                y,
                width: round(slot * 0.7),
                height: round(bottom - y),
                center: round(x + slot / 2.0),
                value_y: round(y - 4.0),
                day,
                time,
                show_value: slot >= VALUE_LABEL_SLOT,
                anchor: point.anchor,
            }
        })
        .collect();
    HoursChart {
        by_day,
        width: CHART_WIDTH,
        height: HOURS_CHART_HEIGHT,
        left: HOURS_LEFT,
        right,
        bottom,
        tick_label_x: HOURS_LEFT - 6.0,
        day_y: bottom + 15.0,
        time_y: bottom + 29.0,
        ticks,
        bars,
    }
}

/// The chart's bars: one per instance, or one per day with its instances added up.
fn hours_points(
    report: &Report,
    limits: &Limits,
    day_format: &str,
    by_day: bool,
) -> Vec<HoursPoint> {
    let mut points: Vec<HoursPoint> = Vec::new();
    let totals = &report.attendance.instance_totals;
    for (index, (instance, total)) in report.instances.iter().zip(totals).enumerate() {
        let local = instance.start.map(|t| t.with_timezone(&report.tz));
        let day = local
            .map(|t| t.format(day_format).to_string())
            .unwrap_or_default();
        let date = local.map(|t| t.date_naive());
        if by_day {
            match points.last_mut() {
                Some(last) if last.date == date => last.seconds += total.attended_seconds,
                _ => points.push(HoursPoint {
                    date,
                    title: local
                        .map(|t| t.format("%Y-%m-%d").to_string())
                        .unwrap_or_default(),
                    day,
                    time: String::new(),
                    seconds: total.attended_seconds,
                    anchor: None,
                }),
            }
            continue;
        }
        let start = local.map(|t| t.format("%Y-%m-%d %H:%M").to_string());
        points.push(HoursPoint {
            date,
            title: [start.as_deref().unwrap_or_default(), &instance.topic].join(" · "),
            day,
            time: local
                .map(|t| t.format("%H:%M").to_string())
                .unwrap_or_default(),
            seconds: total.attended_seconds,
            anchor: (index < limits.instance_tables).then(|| anchor(index)),
        });
    }
    points
}

/// A round step for about four to six ticks, and the top of the axis it gives.
fn tick_step(max: f64) -> (f64, f64) {
    if max <= 0.0 {
        return (1.0, 1.0);
    }
    let rough = max / 5.0;
    let magnitude = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|factor| factor * magnitude)
        .find(|step| *step >= rough)
        .unwrap_or(10.0 * magnitude);
    (step, (max / step).ceil() * step)
}

/// A tick's hours without the float noise of adding up steps: `0.3`, not `0.30000000000000004`.
fn format_tick(hours: f64) -> String {
    let text = format!("{hours:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Minutes attended by the people who attended longest, as horizontal bars.
fn people_chart(report: &Report, limits: &Limits) -> PeopleChart {
    let people = &report.attendance.people;
    let people = &people[..people.len().min(limits.chart_people)];
    let max = people
        .iter()
        .map(|p| p.attended_seconds)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let row = 22.0;
    let name_width = 230.0;
    let value_width = 90.0;
    let bars = people
        .iter()
        .enumerate()
        .map(|(index, person)| {
            let y = index as f64 * row;
            let width = round(
                person.attended_seconds as f64 / max * (CHART_WIDTH - name_width - value_width),
            );
            PersonBar {
                name: person.name.clone(),
                minutes: (person.attended_seconds / 60).to_string(),
                x: name_width,
                y,
                width,
                height: row - 6.0,
                text_y: y + 12.5,
                value_x: round(name_width + width + 6.0),
            }
        })
        .collect();
    PeopleChart {
        width: CHART_WIDTH,
        height: people.len() as f64 * row,
        name_x: name_width - 8.0,
        bars,
    }
}

fn round(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// The id of an instance's table on the page.
fn anchor(index: usize) -> String {
    format!("m{index}")
}

/// Attendance % of the first people (by time attended) in the first meetings.
fn grid(report: &Report, limits: &Limits, day_format: &str) -> Grid {
    let meeting_count = report.instances.len().min(limits.grid_meetings);
    let person_count = report.attendance.people.len().min(limits.grid_people);
    let meetings: Vec<GridMeeting> = report.instances[..meeting_count]
        .iter()
        .enumerate()
        .map(|(index, instance)| {
            let local = instance.start.map(|t| t.with_timezone(&report.tz));
            let start = instance
                .start
                .map(|t| report.short_time(t))
                .unwrap_or_default();
            GridMeeting {
                day: local
                    .map(|t| t.format(day_format).to_string())
                    .unwrap_or_default(),
                time: local
                    .map(|t| t.format("%H:%M").to_string())
                    .unwrap_or_default(),
                title: format!("{start} · {}", instance.topic),
                anchor: (index < limits.instance_tables).then(|| anchor(index)),
                x: grid_column_left(index) + GRID_CELL_WIDTH / 2.0,
            }
        })
        .collect();
    let mut rows: Vec<GridRow> = report.attendance.people[..person_count]
        .iter()
        .enumerate()
        .map(|(index, p)| GridRow {
            label: cut_to(&p.name, GRID_NAME_CHARACTERS),
            name: p.name.clone(),
            y: GRID_HEADER_HEIGHT + index as f64 * GRID_ROW_HEIGHT,
            cells: Vec::new(),
        })
        .collect();
    // Attendees come in instance order, so each row's cells come left to right.
    for attendee in &report.attendance.attendees {
        if attendee.person < person_count && attendee.instance < meeting_count {
            let pct = attendee.attendance_pct.unwrap_or(0.0);
            let row = &mut rows[attendee.person];
            let title = format!(
                "{} · {}: {}%",
                row.name,
                meetings[attendee.instance].title,
                percent_text(Some(pct))
            );
            row.cells.push(GridCell {
                pct: format!("{:.0}", round_percent(pct).round()),
                level: shade(pct),
                title,
                x: grid_column_left(attendee.instance),
            });
        }
    }
    let is_cut =
        meeting_count < report.instances.len() || person_count < report.attendance.people.len();
    Grid {
        width: grid_column_left(meeting_count) + 4.0,
        height: GRID_HEADER_HEIGHT + rows.len() as f64 * GRID_ROW_HEIGHT + 4.0,
        meetings,
        rows,
        is_cut,
    }
}

fn grid_column_left(index: usize) -> f64 {
    GRID_NAME_WIDTH + index as f64 * GRID_CELL_WIDTH
}

/// `text` shortened to `characters`, with `…` where it was cut.
fn cut_to(text: &str, characters: usize) -> String {
    if text.chars().count() <= characters {
        return text.to_string();
    }
    let kept: String = text.chars().take(characters - 1).collect();
    format!("{kept}…")
}

/// The shade of a grid cell; the template's legend names the same bounds.
fn shade(pct: f64) -> u8 {
    match pct {
        p if p >= 90.0 => 4,
        p if p >= 70.0 => 3,
        p if p >= 40.0 => 2,
        _ => 1,
    }
}

fn instance_views(report: &Report, limits: &Limits) -> Vec<InstanceView> {
    let mut views: Vec<InstanceView> = report
        .instances
        .iter()
        .zip(&report.attendance.instance_totals)
        .take(limits.instance_tables)
        .enumerate()
        .map(|(index, (instance, totals))| InstanceView {
            anchor: anchor(index),
            topic: instance.topic.clone(),
            meeting_id: instance.meeting_id_text(),
            uuid: instance.uuid.clone(),
            host: instance.host_name.clone(),
            start: instance
                .start
                .map(|t| report.short_time(t))
                .unwrap_or_default(),
            start_sort: instance.start.map_or(0, |t| t.timestamp()),
            duration: instance.length_seconds().map(clock).unwrap_or_default(),
            duration_seconds: instance.length_seconds().unwrap_or(0),
            attendee_count: totals.attendees as usize,
            attended: clock(totals.attended_seconds),
            attended_seconds: totals.attended_seconds,
            attendees: Vec::new(),
        })
        .collect();
    let time = |t: Option<DateTime<Utc>>| t.map(|t| report.short_time(t)).unwrap_or_default();
    for attendee in &report.attendance.attendees {
        let Some(view) = views.get_mut(attendee.instance) else {
            continue;
        };
        if view.attendees.len() >= limits.attendee_rows {
            continue;
        }
        let person = &report.attendance.people[attendee.person];
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use regex::Regex;

    use super::*;
    use crate::archive::{self, FailedInstance};
    use crate::attendance;
    use crate::cli::GroupBy;
    use crate::config::DateRange;
    use crate::zoom::models::{Instance, Session};

    fn keys(text: &str) -> BTreeSet<String> {
        let words: Value = serde_json::from_str(text).unwrap();
        words.as_object().unwrap().keys().cloned().collect()
    }

    #[test]
    fn every_language_has_the_same_words() {
        let (en, vi) = (keys(WORDS_EN), keys(WORDS_VI));
        assert_eq!(
            en.difference(&vi).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "keys in en.json missing from vi.json"
        );
        assert_eq!(
            vi.difference(&en).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "keys in vi.json missing from en.json"
        );
        // A placeholder such as {shown} must be in both translations, or the number is lost.
        let placeholder = Regex::new(r"\{[a-z_]+\}").unwrap();
        let en: Value = serde_json::from_str(WORDS_EN).unwrap();
        let vi: Value = serde_json::from_str(WORDS_VI).unwrap();
        for (key, english) in en.as_object().unwrap() {
            let found = |text: &Value| -> BTreeSet<String> {
                let text = text.as_str().unwrap_or_default();
                placeholder
                    .find_iter(text)
                    .map(|m| m.as_str().to_string())
                    .collect()
            };
            assert_eq!(found(english), found(&vi[key]), "placeholders of {key}");
        }
        check_templates().unwrap();
    }

    #[test]
    fn tiny_limits_cut_every_table_and_count_the_rest() {
        let (instances, sessions) = sample();
        let attendance = attendance::compute(&instances, &sessions, GroupBy::Person).unwrap();
        let report = sample_report(&instances, &sessions, &attendance, &[], Lang::En);
        let page = Page::build(&report, &TINY).unwrap();
        assert!(
            page.hours_chart.by_day,
            "more meetings than bars: one bar per day"
        );
        assert_eq!(page.people.len(), 7);
        assert_eq!(page.instances.len(), 3);
        assert!(page.instances.iter().all(|i| i.attendees.len() <= 2));
        assert_eq!(page.grid.rows.len(), 5);
        assert_eq!(page.grid.meetings.len(), 4);
        assert!(page.grid.is_cut);
        assert_eq!(page.people_chart.bars.len(), 3);
    }

    #[test]
    fn pages_in_every_language_leave_no_placeholder_behind() {
        let (instances, sessions) = sample();
        let attendance = attendance::compute(&instances, &sessions, GroupBy::Person).unwrap();
        let problems = [FailedInstance {
            meeting_uuid: "abc/+==".into(),
            meeting_id: "123".into(),
            topic: "Lost <i>meeting</i>".into(),
            start_time: "2024-07-05T02:00:00Z".into(),
            reason: "meeting not found".into(),
        }];
        // Placeholders look like {name}; JavaScript and CSS braces never hug a bare word.
        let leftover = Regex::new(r"\{[A-Za-z_]+\}|\{\{|\}\}|\{%|%\}").unwrap();
        for lang in [Lang::En, Lang::Vi] {
            for limits in [LIMITS, TINY] {
                let report = sample_report(&instances, &sessions, &attendance, &problems, lang);
                let html = render_with(&report, &limits).unwrap();
                let found: Vec<&str> = leftover.find_iter(&html).map(|m| m.as_str()).collect();
                assert!(found.is_empty(), "{lang:?}: {found:?} left in the page");
                assert!(
                    html.contains("Lost &lt;i&gt;meeting&lt;/i&gt;"),
                    "Zoom's text is escaped"
                );
            }
        }
    }

    #[test]
    fn ticks_are_round_and_cover_the_tallest_bar() {
        assert_eq!(tick_step(0.0), (1.0, 1.0));
        assert_eq!(tick_step(17.3), (5.0, 20.0));
        assert_eq!(tick_step(4.0), (1.0, 4.0));
        assert_eq!(tick_step(0.4), (0.1, 0.4));
        assert_eq!(format_tick(2.5), "2.5");
        assert_eq!(format_tick(20.0), "20");
        assert_eq!(format_tick(3.0 * 0.1), "0.3");
    }

    const TINY: Limits = Limits {
        people_rows: 7,
        instance_tables: 3,
        attendee_rows: 2,
        chart_bars: 4,
        chart_people: 3,
        grid_people: 5,
        grid_meetings: 4,
    };

    fn sample() -> (Vec<Instance>, Vec<Session>) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/2024-07");
        let mut archive = archive::read(&dir).unwrap();
        archive.instances.sort_by_key(|i| i.start);
        (archive.instances, archive.sessions)
    }

    fn sample_report<'a>(
        instances: &'a [Instance],
        sessions: &'a [Session],
        attendance: &'a attendance::Attendance,
        problems: &'a [FailedInstance],
        lang: Lang,
    ) -> Report<'a> {
        Report {
            range: DateRange::parse("2024-07-01", "2024-07-31").unwrap(),
            tz: chrono_tz::Asia::Ho_Chi_Minh,
            lang,
            generated_at: Utc::now(),
            instances,
            sessions,
            attendance,
            problems,
            is_complete: problems.is_empty(),
        }
    }
}
