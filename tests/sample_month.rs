//! The main job on the bundled sample month, checked against the figures worked out by
//! hand in samples/README.md, with every output read back by a real reader.

mod support;

use std::collections::HashMap;
use std::path::Path;

use calamine::{Data, DataType, Reader, Xlsx, open_workbook};
use support::{file_names, read_csv, sample_dir, zoom_report};

const STEM: &str = "zoom-report_2024-07-01_2024-07-31";

/// Runs the main job on the sample into a fresh folder, in UTC, with every format.
fn run_sample(extra: &[&str]) -> tempfile::TempDir {
    run_sample_in("UTC", extra)
}

fn run_sample_in(zone: &str, extra: &[&str]) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    let mut command = zoom_report();
    command
        .args([
            "--from",
            "2024-07-01",
            "--to",
            "2024-07-31",
            "--tz",
            zone,
            "--input",
        ])
        .arg(sample_dir())
        .arg("--out")
        .arg(out.path())
        .args(extra);
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    out
}

fn row<'a>(
    rows: &'a [HashMap<String, String>],
    key: &str,
    value: &str,
) -> &'a HashMap<String, String> {
    rows.iter()
        .find(|r| r[key] == value)
        .unwrap_or_else(|| panic!("no row with {key} = {value}"))
}

fn attendee<'a>(
    rows: &'a [HashMap<String, String>],
    uuid: &str,
    name: &str,
) -> &'a HashMap<String, String> {
    rows.iter()
        .find(|r| r["meeting_uuid"] == uuid && r["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in {uuid}"))
}

#[test]
fn main_job_prints_each_file_and_a_summary() {
    let out = tempfile::tempdir().unwrap();
    let assert = zoom_report()
        .args([
            "--from",
            "2024-07-01",
            "--to",
            "2024-07-31",
            "--format",
            "xlsx,csv,html",
        ])
        .args(["--tz", "UTC", "--input"])
        .arg(sample_dir())
        .arg("--out")
        .arg(out.path())
        .assert()
        .success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 7, "{stdout}");
    assert!(lines[..6].iter().all(|line| line.starts_with("wrote ")));
    assert_eq!(
        lines[6],
        "18 meetings, 309 people, 547.47 hours attended, 2024-07-01 to 2024-07-31 (UTC)"
    );
    let expected: Vec<String> = [
        format!("{STEM}.html"),
        format!("{STEM}.xlsx"),
        format!("{STEM}_attendance.csv"),
        format!("{STEM}_meetings.csv"),
        format!("{STEM}_people.csv"),
        format!("{STEM}_sessions.csv"),
    ]
    .into();
    assert_eq!(
        file_names(out.path()),
        expected,
        "no temporary files are left behind"
    );
}

#[test]
fn hand_worked_figures_per_instance() {
    let out = run_sample(&["--format", "csv"]);
    let rows = read_csv(&out.path().join(format!("{STEM}_attendance.csv")));
    // (uuid, name, sessions, first_join, last_leave, total, attended, pct), from samples/README.md.
    let expected = [
        (
            "cc/gogPR5eXIWD5y4FnV3w==",
            "Lê Văn Nam",
            "1",
            "2024-07-03T02:01:05+00:00",
            "2024-07-03T02:31:40+00:00",
            "1835",
            "1835",
            "97.2",
        ),
        (
            "P1MoI0HZ//+eFkSeWJxATg==",
            "Lê Văn Nam",
            "2",
            "2024-07-17T01:59:10+00:00",
            "2024-07-17T02:28:51+00:00",
            "2331",
            "1728",
            "100.0",
        ),
        (
            "l6+qQZB+7oE0ZylE6ijBXg==",
            "Lê Văn Nam",
            "1",
            "2024-07-24T02:03:00+00:00",
            "2024-07-24T02:31:10+00:00",
            "1690",
            "1690",
            "72.8",
        ),
        (
            "hoFlrtrTmYYh4s5Umz9oWA==",
            "Lê Văn Nam",
            "2",
            "2024-07-26T02:01:00+00:00",
            "2024-07-26T03:32:15+00:00",
            "6045",
            "5470",
            "99.5",
        ),
        (
            "cc/gogPR5eXIWD5y4FnV3w==",
            "Phạm Thu Trang",
            "1",
            "2024-07-03T02:00:40+00:00",
            "2024-07-03T02:31:38+00:00",
            "1858",
            "1858",
            "98.4",
        ),
        (
            "/7em4y/d5AoFjeWFP0NBnw==",
            "Phạm Thu Trang",
            "3",
            "2024-07-10T01:59:48+00:00",
            "2024-07-10T02:45:05+00:00",
            "2643",
            "2643",
            "96.6",
        ),
        (
            "91QRls7Ecr0vUS91b2P2Yw==",
            "Phạm Thu Trang",
            "3",
            "2024-07-19T03:02:10+00:00",
            "2024-07-19T04:28:35+00:00",
            "5060",
            "5060",
            "95.5",
        ),
        (
            "l6+qQZB+7oE0ZylE6ijBXg==",
            "Phạm Thu Trang",
            "2",
            "2024-07-24T02:01:50+00:00",
            "2024-07-24T02:40:04+00:00",
            "2247",
            "2243",
            "96.7",
        ),
        (
            "sm+PG9A5lobi0Rra2EEtFQ==",
            "Huỳnh Thị Ngọc Ánh",
            "1",
            "2024-07-02T11:58:30+00:00",
            "2024-07-02T13:25:00+00:00",
            "5190",
            "5095",
            "93.2",
        ),
        (
            "Dcad+Z2IKGUEBRvB8n38pg==",
            "Huỳnh Thị Ngọc Ánh",
            "2",
            "2024-07-09T12:01:10+00:00",
            "2024-07-09T13:32:26+00:00",
            "5387",
            "5387",
            "97.9",
        ),
        (
            "INcRuxbgXNKav30BspPExA==",
            "Huỳnh Thị Ngọc Ánh",
            "1",
            "2024-07-16T12:05:40+00:00",
            "2024-07-16T13:28:59+00:00",
            "4999",
            "4999",
            "92.8",
        ),
    ];
    for (uuid, name, sessions, first, last, total, attended, pct) in expected {
        let r = attendee(&rows, uuid, name);
        let got = (
            &r["sessions"][..],
            &r["first_join"][..],
            &r["last_leave"][..],
        );
        assert_eq!(got, (sessions, first, last), "{name} in {uuid}");
        let got = (
            &r["total_seconds"][..],
            &r["attended_seconds"][..],
            &r["attendance_pct"][..],
        );
        assert_eq!(got, (total, attended, pct), "{name} in {uuid}");
    }
    // Names reach the report composed (NFC), however Zoom stored them.
    assert!(
        rows.iter()
            .all(|r| r["name"].chars().eq(unicode_nfc(&r["name"]).chars()))
    );
}

fn unicode_nfc(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfc().collect()
}

#[test]
fn hand_worked_figures_per_person() {
    let out = run_sample(&["--format", "csv"]);
    let people = read_csv(&out.path().join(format!("{STEM}_people.csv")));
    assert_eq!(people.len(), 309);
    let nam = row(&people, "email", "nam.le@lotus-training.example");
    assert_eq!(
        nam["name"], "Lê Văn Nam",
        "the name used longest wins over 'Nam (iPhone)'"
    );
    let figures = |r: &HashMap<String, String>| {
        [
            &r["meetings_attended"],
            &r["attended_seconds"],
            &r["total_seconds"],
            &r["avg_attendance_pct"],
            &r["first_seen"],
            &r["last_seen"],
        ]
        .map(|s| s.to_string())
    };
    assert_eq!(
        figures(nam),
        [
            "4",
            "10723",
            "11901",
            "92.4",
            "2024-07-03T02:01:05+00:00",
            "2024-07-26T03:32:15+00:00"
        ]
    );
    let trang = row(&people, "email", "trang.pham@lotus-training.example");
    assert_eq!(
        figures(trang),
        [
            "4",
            "11804",
            "11808",
            "96.8",
            "2024-07-03T02:00:40+00:00",
            "2024-07-24T02:40:04+00:00"
        ]
    );
    let anh = row(&people, "name", "Huỳnh Thị Ngọc Ánh");
    assert_eq!(anh["email"], "");
    assert_eq!(
        figures(anh),
        [
            "3",
            "15481",
            "15576",
            "94.6",
            "2024-07-02T11:58:30+00:00",
            "2024-07-16T13:28:59+00:00"
        ]
    );
    let yen = people
        .iter()
        .filter(|r| r["email"] == "yen.do@lotus-training.example")
        .count();
    assert_eq!(yen, 1, "an email in other letter case is the same person");
    let total: i64 = people
        .iter()
        .map(|r| r["attended_seconds"].parse::<i64>().unwrap())
        .sum();
    assert_eq!(total, 1_970_904);
}

#[test]
fn csv_files_have_the_documented_columns_and_survive_tricky_names() {
    let out = run_sample(&["--format", "csv"]);
    let header = |table: &str| {
        let path = out.path().join(format!("{STEM}_{table}.csv"));
        csv::Reader::from_path(path)
            .unwrap()
            .headers()
            .unwrap()
            .iter()
            .collect::<Vec<_>>()
            .join(",")
    };
    assert_eq!(
        header("people"),
        "name,email,meetings_attended,attended_seconds,total_seconds,avg_attendance_pct,first_seen,last_seen"
    );
    assert_eq!(
        header("meetings"),
        "meeting_id,meeting_uuid,topic,host_name,host_email,start_time,end_time,duration_minutes,participants_count,attendees,attended_seconds"
    );
    assert_eq!(
        header("attendance"),
        "meeting_id,meeting_uuid,topic,start_time,name,email,sessions,first_join,last_leave,total_seconds,attended_seconds,attendance_pct"
    );
    assert_eq!(
        header("sessions"),
        "meeting_id,meeting_uuid,name,email,join_time,leave_time,duration_seconds,status,participant_user_id,user_id"
    );
    let people = read_csv(&out.path().join(format!("{STEM}_people.csv")));
    row(&people, "name", "Phạm \"Tony\" Anh, PhD");
    row(
        &people,
        "name",
        "'=HYPERLINK(\"http://evil.example\",\"click\")",
    );
    let sessions = read_csv(&out.path().join(format!("{STEM}_sessions.csv")));
    assert_eq!(sessions.len(), 514);
    assert_eq!(
        sessions
            .iter()
            .filter(|r| r["status"] == "in_waiting_room")
            .count(),
        5
    );
    let meetings = read_csv(&out.path().join(format!("{STEM}_meetings.csv")));
    assert_eq!(meetings.len(), 18);
    let sales = row(&meetings, "meeting_uuid", "mu3jOYSzZNFFwTevmltThA==");
    assert_eq!(sales["topic"], "Q3 <b>Sales</b> & \"Marketing\" sync");
    assert_eq!(sales["meeting_id"], "86230417795");
}

#[test]
fn csv_raw_and_bom_options() {
    let out = run_sample(&["--format", "csv", "--csv-raw", "--csv-bom"]);
    let path = out.path().join(format!("{STEM}_people.csv"));
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with("\u{feff}name,".as_bytes()));
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains("\"=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\""));
}

fn sheet(path: &Path, name: &str) -> calamine::Range<Data> {
    let mut workbook: Xlsx<_> = open_workbook(path).unwrap();
    workbook.worksheet_range(name).unwrap()
}

#[test]
fn xlsx_reads_back_with_types() {
    let out = run_sample(&["--format", "xlsx"]);
    let path = out.path().join(format!("{STEM}.xlsx"));
    let workbook: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(
        workbook.sheet_names(),
        ["Summary", "People", "Meetings", "Attendance", "Sessions"]
    );

    let people = sheet(&path, "People");
    assert_eq!(people.height(), 310);
    let nam = people
        .rows()
        .find(|r| r[1] == Data::String("nam.le@lotus-training.example".into()))
        .unwrap();
    assert_eq!(nam[0], Data::String("Lê Văn Nam".into()));
    assert_eq!(nam[2], Data::Float(4.0));
    let attended = nam[3]
        .get_datetime()
        .expect("durations are Excel durations");
    assert!(attended.is_duration());
    assert_eq!((attended.as_f64() * 86_400.0).round() as i64, 10_723);
    assert!(
        (nam[5].as_f64().unwrap() - 0.924).abs() < 0.0005,
        "percentages are fractions"
    );
    let first_seen = nam[6].as_datetime().expect("times are Excel date-times");
    assert_eq!(first_seen.to_string(), "2024-07-03 02:01:05");

    let meetings = sheet(&path, "Meetings");
    let ids: Vec<&Data> = meetings.rows().skip(1).map(|r| &r[0]).collect();
    assert!(
        ids.iter().all(|id| matches!(id, Data::String(_))),
        "ids are text: {ids:?}"
    );
    let hyperlink = people
        .rows()
        .find(|r| r[0].to_string().starts_with("=HYPERLINK"))
        .unwrap();
    assert!(
        matches!(hyperlink[0], Data::String(_)),
        "a name starting with = stays text"
    );
}

#[test]
fn xlsx_times_follow_the_time_zone() {
    let out = run_sample_in("Asia/Ho_Chi_Minh", &["--format", "xlsx"]);
    let people = sheet(&out.path().join(format!("{STEM}.xlsx")), "People");
    let nam = people
        .rows()
        .find(|r| r[1] == Data::String("nam.le@lotus-training.example".into()))
        .unwrap();
    assert_eq!(
        nam[6].as_datetime().unwrap().to_string(),
        "2024-07-03 09:01:05"
    );
}

#[test]
fn html_escapes_what_zoom_sent() {
    let out = run_sample(&["--format", "html"]);
    let html = std::fs::read_to_string(out.path().join(format!("{STEM}.html"))).unwrap();
    assert!(
        !html.contains("<b>Sales</b>"),
        "the topic's markup must not reach the page"
    );
    let document = scraper::Html::parse_document(&html);
    let headings = scraper::Selector::parse("section.instance h3").unwrap();
    let topics: Vec<String> = document
        .select(&headings)
        .map(|h| h.text().collect())
        .collect();
    assert_eq!(topics.len(), 18);
    assert!(topics.contains(&"Q3 <b>Sales</b> & \"Marketing\" sync".to_string()));
    let bold = scraper::Selector::parse("section.instance h3 b").unwrap();
    assert_eq!(document.select(&bold).count(), 0);
    let cells = scraper::Selector::parse("td").unwrap();
    assert!(
        document
            .select(&cells)
            .any(|td| td.text().collect::<String>() == "Huỳnh Thị Ngọc Ánh")
    );
}

#[test]
fn json_holds_the_same_tables() {
    let out = run_sample(&["--format", "json"]);
    let text = std::fs::read_to_string(out.path().join(format!("{STEM}.json"))).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["people"].as_array().unwrap().len(), 309);
    assert_eq!(json["meetings"].as_array().unwrap().len(), 18);
    assert_eq!(json["sessions"].as_array().unwrap().len(), 514);
    assert_eq!(json["totals"]["attended_seconds"], 1_970_904);
    assert_eq!(json["complete"], true);
}

#[test]
fn group_by_name_email_splits_display_names() {
    let out = run_sample(&["--format", "csv", "--group-by", "name-email"]);
    let people = read_csv(&out.path().join(format!("{STEM}_people.csv")));
    let nam = people
        .iter()
        .filter(|r| r["email"] == "nam.le@lotus-training.example")
        .count();
    assert_eq!(
        nam, 2,
        "'Lê Văn Nam' and 'Nam (iPhone)' are two rows under the stricter rule"
    );
}

#[test]
fn topic_filter_keeps_matching_instances() {
    let out = run_sample(&["--format", "csv", "--topic", "^Họp giao ban"]);
    let meetings = read_csv(&out.path().join(format!("{STEM}_meetings.csv")));
    assert_eq!(meetings.len(), 4);
    assert!(meetings.iter().all(|m| m["meeting_id"] == "85012345678"));
}
