//! One run, four formats, one set of numbers: every person's figures in people.csv, the
//! JSON, the xlsx People sheet and the HTML people table must agree to the second, and the
//! HTML page's headline figures must be the JSON totals.
//!
//! Each format is read back with its own reader (the `csv` crate, serde_json, calamine,
//! an HTML parser), so a rounding or time-zone slip in any one writer shows up here.

mod support;

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use calamine::{Data, DataType, Reader, Xlsx, open_workbook};
use chrono::{DateTime, NaiveDateTime, TimeZone, Timelike};
use chrono_tz::Tz;
use scraper::{ElementRef, Html, Selector};
use serde_json::Value;
use support::{read_csv, sample_dir, zoom_report};

const STEM: &str = "zoom-report_2024-07-01_2024-07-31";

/// A zone away from UTC, so a writer that forgets the zone cannot pass by accident.
const ZONE: &str = "Asia/Ho_Chi_Minh";

/// One person's figures as a format states them, in common units: whole seconds for
/// lengths, Unix seconds for moments, the percentage as shown with one decimal.
#[derive(Debug, Clone, PartialEq)]
struct Figures {
    name: String,
    email: String,
    meetings_attended: i64,
    attended_seconds: i64,
    total_seconds: i64,
    avg_pct: String,
    first_seen: Option<i64>,
    last_seen: Option<i64>,
}

/// The reports of the sample month, in every format, from one run.
struct Reports {
    dir: tempfile::TempDir,
}

impl Reports {
    fn build(extra: &[&str]) -> Reports {
        let dir = tempfile::tempdir().unwrap();
        let output = zoom_report()
            .args(["--from", "2024-07-01", "--to", "2024-07-31"])
            .args(["--format", "xlsx,csv,html,json", "--tz", ZONE, "--input"])
            .arg(sample_dir())
            .arg("--out")
            .arg(dir.path())
            .args(extra)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "zoom-report failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        Reports { dir }
    }

    fn path(&self, suffix: &str) -> PathBuf {
        self.dir.path().join(format!("{STEM}{suffix}"))
    }

    fn json(&self) -> Value {
        let text = std::fs::read_to_string(self.path(".json")).unwrap();
        serde_json::from_str(&text).expect("the JSON report parses")
    }

    fn html(&self) -> Html {
        Html::parse_document(&std::fs::read_to_string(self.path(".html")).unwrap())
    }
}

fn zone() -> Tz {
    ZONE.parse().unwrap()
}

fn iso_seconds(text: &str) -> Option<i64> {
    if text.is_empty() {
        return None;
    }
    let time = DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text:?} is not ISO 8601 with an offset: {e}"));
    Some(time.timestamp())
}

fn one_decimal(value: f64) -> String {
    format!("{value:.1}")
}

/// Undoes the CSV writer's guard against formulas: a `'` before `=`, `+`, `-`, `@`, tab, CR.
fn unguarded(text: &str) -> String {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest.to_string(),
        _ => text.to_string(),
    }
}

fn people_from_csv(path: &Path) -> Vec<Figures> {
    read_csv(path)
        .iter()
        .map(|row| Figures {
            name: unguarded(&row["name"]),
            email: row["email"].clone(),
            meetings_attended: row["meetings_attended"].parse().unwrap(),
            attended_seconds: row["attended_seconds"].parse().unwrap(),
            total_seconds: row["total_seconds"].parse().unwrap(),
            avg_pct: row["avg_attendance_pct"].clone(),
            first_seen: iso_seconds(&row["first_seen"]),
            last_seen: iso_seconds(&row["last_seen"]),
        })
        .collect()
}

fn people_from_json(json: &Value) -> Vec<Figures> {
    let text = |row: &Value, key: &str| row[key].as_str().unwrap_or_default().to_string();
    json["people"]
        .as_array()
        .expect("the JSON has a people array")
        .iter()
        .map(|row| Figures {
            name: text(row, "name"),
            email: text(row, "email"),
            meetings_attended: row["meetings_attended"].as_i64().unwrap(),
            attended_seconds: row["attended_seconds"].as_i64().unwrap(),
            total_seconds: row["total_seconds"].as_i64().unwrap(),
            avg_pct: row["avg_attendance_pct"]
                .as_f64()
                .map(one_decimal)
                .unwrap_or_default(),
            first_seen: iso_seconds(&text(row, "first_seen")),
            last_seen: iso_seconds(&text(row, "last_seen")),
        })
        .collect()
}

/// An Excel duration (a fraction of a day) in whole seconds.
fn excel_seconds(cell: &Data) -> i64 {
    let value = cell
        .get_datetime()
        .unwrap_or_else(|| panic!("{cell:?} is not an Excel duration"));
    assert!(
        value.is_duration(),
        "{cell:?} is not formatted as a duration"
    );
    (value.as_f64() * 86_400.0).round() as i64
}

/// An Excel date-time, which holds the wall time of the report's zone, as Unix seconds.
fn excel_moment(cell: &Data, zone: Tz) -> Option<i64> {
    if cell.is_empty() {
        return None;
    }
    let local: NaiveDateTime = cell
        .as_datetime()
        .unwrap_or_else(|| panic!("{cell:?} is not an Excel date-time"));
    // Excel keeps milliseconds; the other formats whole seconds.
    let local = local.with_nanosecond(0).unwrap();
    let moment = zone.from_local_datetime(&local).single().unwrap();
    Some(moment.timestamp())
}

/// The percentage an Excel cell holds as a fraction, shown with one decimal.
fn excel_percent(cell: &Data) -> String {
    cell.as_f64()
        .map(|f| one_decimal(f * 100.0))
        .unwrap_or_default()
}

fn people_from_xlsx(path: &Path, zone: Tz) -> Vec<Figures> {
    let mut workbook: Xlsx<_> = open_workbook(path).unwrap();
    let sheet = workbook.worksheet_range("People").unwrap();
    let mut rows = sheet.rows();
    let header: Vec<String> = rows.next().unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(header[0], "Name", "People sheet header: {header:?}");
    rows.map(|row| Figures {
        name: row[0].to_string(),
        email: row[1].to_string(),
        meetings_attended: row[2].as_i64().expect("meetings is a number"),
        attended_seconds: excel_seconds(&row[3]),
        total_seconds: excel_seconds(&row[4]),
        avg_pct: excel_percent(&row[5]),
        first_seen: excel_moment(&row[6], zone),
        last_seen: excel_moment(&row[7], zone),
    })
    .collect()
}

fn select<'a>(element: ElementRef<'a>, selector: &str) -> Vec<ElementRef<'a>> {
    element
        .select(&Selector::parse(selector).unwrap())
        .collect()
}

fn text_of(element: ElementRef) -> String {
    element.text().collect::<String>().trim().to_string()
}

/// A cell's data-sort value, which holds seconds (or Unix seconds) behind H:MM:SS.
fn sort_value(cell: ElementRef) -> i64 {
    let raw = cell
        .attr("data-sort")
        .expect("the cell has a data-sort value");
    raw.parse()
        .unwrap_or_else(|_| panic!("data-sort {raw:?} is not whole seconds"))
}

/// H:MM:SS as shown on the page, in seconds.
fn clock_seconds(text: &str) -> i64 {
    let parts: Vec<i64> = text.split(':').map(|p| p.parse().unwrap()).collect();
    assert_eq!(parts.len(), 3, "{text:?} is not H:MM:SS");
    parts[0] * 3600 + parts[1] * 60 + parts[2]
}

fn people_from_html(page: &Html) -> Vec<Figures> {
    let rows = select(page.root_element(), "#people-table tbody tr");
    rows.into_iter()
        .map(|row| {
            let cells = select(row, "td");
            assert_eq!(cells.len(), 8, "people row: {}", row.html());
            let (attended, total) = (sort_value(cells[3]), sort_value(cells[4]));
            assert_eq!(
                clock_seconds(&text_of(cells[3])),
                attended,
                "shown = data-sort"
            );
            assert_eq!(
                clock_seconds(&text_of(cells[4])),
                total,
                "shown = data-sort"
            );
            // A guest's empty email is shown as a muted word, not as an address.
            let is_guest = cells[1]
                .value()
                .has_class("muted", scraper::CaseSensitivity::CaseSensitive);
            let moment = |cell: ElementRef| Some(sort_value(cell)).filter(|s| *s != 0);
            Figures {
                name: text_of(cells[0]),
                email: if is_guest {
                    String::new()
                } else {
                    text_of(cells[1])
                },
                meetings_attended: text_of(cells[2]).parse().unwrap(),
                attended_seconds: attended,
                total_seconds: total,
                avg_pct: text_of(cells[5]),
                first_seen: moment(cells[6]),
                last_seen: moment(cells[7]),
            }
        })
        .collect()
}

/// Compares one format's people with the CSV's, naming the first person who differs.
fn assert_same_people(format: &str, got: &[Figures], csv: &[Figures]) {
    assert_eq!(
        got.len(),
        csv.len(),
        "{format} has another number of people"
    );
    for (index, (got, want)) in got.iter().zip(csv).enumerate() {
        assert_eq!(
            got,
            want,
            "{format} disagrees with people.csv on row {} ({})",
            index + 2,
            want.name
        );
    }
}

#[test]
fn every_format_states_the_same_figures_for_every_person() {
    let reports = Reports::build(&[]);
    let csv = people_from_csv(&reports.path("_people.csv"));
    assert_eq!(csv.len(), 309);
    let json = people_from_json(&reports.json());
    let xlsx = people_from_xlsx(&reports.path(".xlsx"), zone());
    let html = people_from_html(&reports.html());

    assert_same_people("JSON", &json, &csv);
    assert_same_people("xlsx", &xlsx, &csv);
    assert_same_people("HTML", &html, &csv);

    // The hand-worked figures of samples/README.md, as the four formats now agree on them.
    let nam = csv
        .iter()
        .find(|p| p.email == "nam.le@lotus-training.example")
        .unwrap();
    assert_eq!((nam.attended_seconds, nam.total_seconds), (10_723, 11_901));
    assert_eq!(nam.avg_pct, "92.4");
    assert!(
        csv.iter().any(|p| p.name.starts_with("=HYPERLINK")),
        "the formula-like name survives every format as text"
    );
}

#[test]
fn html_headline_figures_are_the_json_totals() {
    let reports = Reports::build(&[]);
    let json = reports.json();
    let totals = &json["totals"];
    let page = reports.html();
    let root = page.root_element();
    let figure = |id: &str| {
        let found = select(root, &format!("#{id}"));
        assert_eq!(found.len(), 1, "one #{id} on the page");
        found[0]
    };
    let number = |id: &str| text_of(select(figure(id), "b")[0]);

    assert_eq!(number("figure-meetings"), totals["meetings"].to_string());
    assert_eq!(number("figure-people"), totals["people"].to_string());
    let seconds = totals["attended_seconds"].as_i64().unwrap();
    let hours = figure("figure-hours");
    assert_eq!(
        hours.attr("data-seconds"),
        Some(seconds.to_string().as_str())
    );
    assert_eq!(
        number("figure-hours"),
        format!("{:.2}", seconds as f64 / 3600.0)
    );
    let average = totals["average_attendance_pct"].as_f64().unwrap();
    assert_eq!(
        number("figure-average"),
        format!("{}%", one_decimal(average))
    );

    // The totals are the sums of the tables they head.
    let people_seconds: i64 = json["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["attended_seconds"].as_i64().unwrap())
        .sum();
    assert_eq!(people_seconds, seconds);
    let instance_tables = select(root, "section.instance").len();
    assert_eq!(instance_tables.to_string(), totals["meetings"].to_string());
    let meeting_rows = select(root, "#meetings-table tbody tr");
    let meeting_seconds: i64 = meeting_rows
        .iter()
        .map(|row| sort_value(select(*row, "td")[5]))
        .sum();
    assert_eq!(
        meeting_seconds, seconds,
        "the meetings table adds up to the total"
    );
}

/// The words of one language file.
fn words(lang: &str) -> BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("templates/lang/{lang}.json"));
    let json: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    json.as_object()
        .unwrap()
        .iter()
        .map(|(key, value)| (key.clone(), value.as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn vietnamese_page_has_no_english_label_left() {
    let reports = Reports::build(&["--lang", "vi"]);
    let page = reports.html();
    let root = page.root_element();
    let en = words("en");
    // Words Vietnamese borrows as they are; the date format is not a label.
    let shared = ["email", "uuid", "day_format"];
    let english: HashSet<&str> = en
        .iter()
        .filter(|(key, _)| !shared.contains(&key.as_str()))
        .map(|(_, text)| text.as_str())
        .collect();

    assert_eq!(root.attr("lang"), Some("vi"));
    let headers: Vec<String> = select(root, "th, h1, h2, nav a, .figure span, .legend span")
        .into_iter()
        .map(text_of)
        .collect();
    for vietnamese in [
        "Báo cáo điểm danh Zoom",
        "Họ tên",
        "Thời gian tham dự",
        "Cuộc họp",
    ] {
        assert!(
            headers.iter().any(|h| h == vietnamese),
            "{vietnamese:?} is not among the headers: {headers:?}"
        );
    }
    let left: Vec<&String> = headers
        .iter()
        .filter(|header| {
            english
                .iter()
                .any(|label| header.contains(label) && label.len() > 3)
        })
        .collect();
    assert!(
        left.is_empty(),
        "English labels on the Vietnamese page: {left:?}"
    );
    let exact: Vec<&String> = headers
        .iter()
        .filter(|header| english.contains(header.trim_end_matches(':')))
        .collect();
    assert!(
        exact.is_empty(),
        "English labels on the Vietnamese page: {exact:?}"
    );

    // The notes under the headers are translated too.
    let notes = select(root, "p.small, p.meta").into_iter().map(text_of);
    for note in notes {
        for label in &english {
            assert!(
                label.len() < 12 || !note.contains(label),
                "English {label:?} in the note {note:?}"
            );
        }
    }
}

/// How a column's values are compared across formats.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Integer,
    Seconds,
    Percent,
    Moment,
}

fn kind_of(column: &str) -> Kind {
    match column {
        c if c.ends_with("_seconds") => Kind::Seconds,
        c if c.ends_with("_pct") => Kind::Percent,
        "start_time" | "end_time" | "first_join" | "last_leave" | "join_time" | "leave_time"
        | "first_seen" | "last_seen" => Kind::Moment,
        "meetings_attended" | "sessions" | "duration_minutes" | "participants_count"
        | "attendees" => Kind::Integer,
        _ => Kind::Text,
    }
}

/// A table as rows of values in common units, all as text: whole seconds, Unix seconds,
/// one-decimal percentages, integers, and text as Zoom sent it.
type Table = Vec<Vec<String>>;

fn table_from_csv(path: &Path) -> (Vec<String>, Table) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let columns: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            columns
                .iter()
                .zip(record.iter())
                .map(|(column, value)| match kind_of(column) {
                    Kind::Moment => iso_seconds(value)
                        .map(|s| s.to_string())
                        .unwrap_or_default(),
                    Kind::Text => unguarded(value),
                    _ => value.to_string(),
                })
                .collect()
        })
        .collect();
    (columns, rows)
}

fn table_from_json(json: &Value, key: &str, columns: &[String]) -> Table {
    json[key]
        .as_array()
        .unwrap_or_else(|| panic!("the JSON has a {key} array"))
        .iter()
        .map(|row| {
            columns
                .iter()
                .map(|column| {
                    let value = &row[column.as_str()];
                    match (kind_of(column), value) {
                        (_, Value::Null) => String::new(),
                        (Kind::Moment, v) => iso_seconds(v.as_str().unwrap()).unwrap().to_string(),
                        (Kind::Percent, v) => one_decimal(v.as_f64().unwrap()),
                        (_, Value::String(text)) => text.clone(),
                        (_, v) => v.to_string(),
                    }
                })
                .collect()
        })
        .collect()
}

fn table_from_xlsx(path: &Path, sheet: &str, columns: &[String], zone: Tz) -> Table {
    let mut workbook: Xlsx<_> = open_workbook(path).unwrap();
    let range = workbook.worksheet_range(sheet).unwrap();
    range
        .rows()
        .skip(1)
        .map(|row| {
            columns
                .iter()
                .zip(row)
                .map(|(column, cell)| match (kind_of(column), cell) {
                    (_, Data::Empty) => String::new(),
                    (Kind::Seconds, cell) => excel_seconds(cell).to_string(),
                    (Kind::Moment, cell) => excel_moment(cell, zone).unwrap().to_string(),
                    (Kind::Percent, cell) => excel_percent(cell),
                    (Kind::Integer, cell) => cell.as_i64().expect("a number").to_string(),
                    (Kind::Text, Data::String(text)) => text.clone(),
                    (Kind::Text, cell) => panic!("{sheet}.{column}: {cell:?} is not text"),
                })
                .collect()
        })
        .collect()
}

fn assert_same_table(name: &str, format: &str, got: &Table, csv: &Table, columns: &[String]) {
    assert_eq!(
        got.len(),
        csv.len(),
        "{format} {name}: another number of rows"
    );
    for (index, (got, want)) in got.iter().zip(csv).enumerate() {
        for ((column, got), want) in columns.iter().zip(got).zip(want) {
            assert_eq!(
                got,
                want,
                "{format} {name} row {} column {column} disagrees with the CSV",
                index + 2
            );
        }
    }
}

#[test]
fn every_format_states_the_same_rows_in_every_table() {
    let reports = Reports::build(&[]);
    let json = reports.json();
    for (key, sheet) in [
        ("people", "People"),
        ("meetings", "Meetings"),
        ("attendance", "Attendance"),
        ("sessions", "Sessions"),
    ] {
        let (columns, csv) = table_from_csv(&reports.path(&format!("_{key}.csv")));
        assert!(!csv.is_empty(), "{key} has rows");
        let from_json = table_from_json(&json, key, &columns);
        assert_same_table(key, "JSON", &from_json, &csv, &columns);
        let from_xlsx = table_from_xlsx(&reports.path(".xlsx"), sheet, &columns, zone());
        assert_same_table(key, "xlsx", &from_xlsx, &csv, &columns);
    }
}

/// One attendee as the HTML page's instance table shows it, in the CSV's units.
fn attendees_from_html(page: &Html) -> BTreeMap<String, Vec<Vec<String>>> {
    select(page.root_element(), "section.instance")
        .into_iter()
        .map(|section| {
            let uuid = text_of(select(section, "p.small code")[0]);
            let mut rows: Vec<Vec<String>> = select(section, "tbody tr")
                .into_iter()
                .map(|row| {
                    let cells = select(row, "td");
                    let moment = |cell: ElementRef| {
                        Some(sort_value(cell))
                            .filter(|s| *s != 0)
                            .map(|s| s.to_string())
                            .unwrap_or_default()
                    };
                    vec![
                        text_of(cells[0]),
                        text_of(cells[2]),
                        moment(cells[3]),
                        moment(cells[4]),
                        sort_value(cells[5]).to_string(),
                        sort_value(cells[6]).to_string(),
                        text_of(cells[7]),
                    ]
                })
                .collect();
            rows.sort();
            (uuid, rows)
        })
        .collect()
}

#[test]
fn the_html_instance_tables_state_the_attendance_csv() {
    let reports = Reports::build(&[]);
    let (columns, csv) = table_from_csv(&reports.path("_attendance.csv"));
    let at = |name: &str| columns.iter().position(|c| c == name).unwrap();
    let mut from_csv: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
    for row in &csv {
        let shown = [
            "name",
            "sessions",
            "first_join",
            "last_leave",
            "total_seconds",
            "attended_seconds",
            "attendance_pct",
        ]
        .map(|column| row[at(column)].clone());
        from_csv
            .entry(row[at("meeting_uuid")].clone())
            .or_default()
            .push(shown.to_vec());
    }
    for rows in from_csv.values_mut() {
        rows.sort();
    }
    let from_html = attendees_from_html(&reports.html());
    assert_eq!(from_html.len(), from_csv.len(), "one table per instance");
    for (uuid, rows) in &from_csv {
        assert_eq!(from_html.get(uuid), Some(rows), "instance {uuid}");
    }
}

#[test]
fn the_attendance_grid_draws_the_first_people_with_every_meeting_they_attended() {
    let reports = Reports::build(&[]);
    let people = people_from_csv(&reports.path("_people.csv"));
    let page = reports.html();
    let grid = select(page.root_element(), "svg#attendance-grid");
    assert_eq!(grid.len(), 1, "one grid, drawn as inline SVG");
    let rows = select(grid[0], "g.row");
    assert_eq!(rows.len(), 40.min(people.len()), "the grid's people limit");
    let meetings = select(grid[0], "g.meeting").len();
    assert_eq!(meetings, 18, "every instance of the month has a column");
    for (row, person) in rows.iter().zip(&people) {
        let name = text_of(select(*row, "text.who title")[0]);
        assert_eq!(name, person.name, "rows in the people table's order");
        let cells = select(*row, "g.cell");
        assert_eq!(
            cells.len() as i64,
            person.meetings_attended,
            "{name}: one cell per meeting attended"
        );
        for cell in cells {
            let shown: f64 = text_of(select(cell, "text")[0]).parse().unwrap();
            assert!((0.0..=100.0).contains(&shown), "{name}: {shown}");
            let title = text_of(select(cell, "title")[0]);
            assert!(
                title.starts_with(&person.name) && title.ends_with('%'),
                "{title}"
            );
        }
    }
}
