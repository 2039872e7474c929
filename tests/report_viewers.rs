//! The reports opened in the programs people open them with: the HTML page in headless
//! Chromium, the workbook in LibreOffice Calc (read back as CSV, as a re-saved xlsx and as
//! a PDF).
//!
//! Both programs are real dependencies of these tests (`.ci/run` installs them). Each
//! check that looks for trouble in their output (console errors, network requests,
//! LibreOffice's complaints) is itself tested on a page or file that must trip it, so a
//! change in a program's log format cannot turn the check into one that always passes.

mod support;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use calamine::{Data, DataType, Reader, Xlsx, open_workbook};
use chrono::{DateTime, NaiveDateTime};
use scraper::{ElementRef, Html, Selector};
use serde_json::Value;
use support::{file_names, read_csv, sample_dir, zoom_report};

const STEM: &str = "zoom-report_2024-07-01_2024-07-31";

/// One Chromium run stays well under this; a hang fails the test instead of the CI job.
const CHROMIUM_LIMIT: Duration = Duration::from_secs(20);
/// LibreOffice starts slower, above all the first time it builds a profile.
const LIBREOFFICE_LIMIT: Duration = Duration::from_secs(60);

/// Writes the sample month's reports in `formats` into a fresh folder.
fn sample_reports(formats: &str) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    let output = zoom_report()
        .args(["--from", "2024-07-01", "--to", "2024-07-31", "--tz", "UTC"])
        .args(["--format", formats, "--input"])
        .arg(sample_dir())
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "zoom-report failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    out
}

/// Runs `command` to the end, or kills it and fails once `limit` has passed.
fn run_within(command: &mut Command, limit: Duration, what: &str) -> ExitStatus {
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > limit {
            child.kill().ok();
            child.wait().ok();
            panic!("{what} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Fails with the fix when a program the tests open reports with is missing.
fn require(program: &str, package: &str) {
    let found = Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    assert!(
        found,
        "{program} is not installed: install it with `apt-get install {package}`, or run \
         .ci/run, which installs what the tests need"
    );
}

// ---------------------------------------------------------------------------------------
// Chromium

/// What headless Chromium makes of the page.
enum Capture {
    /// A PNG of the first `height` pixels at `width`.
    Screenshot { width: u32, height: u32 },
    /// The DOM after the page's scripts ran, on stdout.
    Dom,
}

/// One headless Chromium run over a local page.
struct ChromiumRun {
    dir: tempfile::TempDir,
    /// Chromium's log: console messages and uncaught errors land here.
    stderr: String,
    /// `file://` URL of the page.
    url: String,
}

impl ChromiumRun {
    fn screenshot(&self) -> PathBuf {
        self.dir.path().join("shot.png")
    }

    fn dom(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stdout")).unwrap()
    }

    fn net_log(&self) -> Value {
        let text = std::fs::read_to_string(self.dir.path().join("net.json"))
            .expect("Chromium wrote its net log");
        serde_json::from_str(&text).expect("the net log is complete JSON")
    }
}

/// Opens `page` in headless Chromium with a fresh profile and captures it.
///
/// Chromium's own background requests (update checks, time queries) are resolved nowhere
/// by `--host-resolver-rules`, so nothing leaves the machine; the net log still records
/// every request, which is what [`page_requests`] reads.
fn chromium(page: &Path, capture: Capture) -> ChromiumRun {
    require("chromium", "chromium");
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let mut command = Command::new("chromium");
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--disable-extensions",
            "--hide-scrollbars",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!(
            "--log-net-log={}",
            dir.path().join("net.json").display()
        ));
    match capture {
        Capture::Screenshot { width, height } => command
            .arg(format!(
                "--screenshot={}",
                dir.path().join("shot.png").display()
            ))
            .arg(format!("--window-size={width},{height}")),
        Capture::Dom => command.arg("--dump-dom"),
    };
    command
        .arg(&url)
        .stdin(Stdio::null())
        .stdout(File::create(dir.path().join("stdout")).unwrap())
        .stderr(File::create(dir.path().join("stderr")).unwrap());
    let status = run_within(&mut command, CHROMIUM_LIMIT, "chromium");
    let stderr = std::fs::read_to_string(dir.path().join("stderr")).unwrap();
    assert!(status.success(), "chromium failed ({status}):\n{stderr}");
    ChromiumRun { dir, stderr, url }
}

/// The page's console messages and uncaught errors, as Chromium logs them on stderr:
/// `[…:INFO:CONSOLE:12] "Uncaught Error: x", source: file:///…` (older versions write
/// `CONSOLE(12)`). The report writes nothing to the console, so any message is trouble.
fn console_messages(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|line| line.contains(":CONSOLE") || line.contains("Uncaught"))
        .collect()
}

/// Every URL the page asked for besides itself, from Chromium's net log.
///
/// Requests Chromium makes for itself carry the initiator "not an origin" and no page in
/// their isolation key; anything the page loads (image, font, script, fetch) has the
/// page's `file://` origin in one or the other.
fn page_requests(net_log: &Value, page_url: &str) -> Vec<String> {
    let start_job = net_log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
        .as_i64()
        .expect("the net log names URL_REQUEST_START_JOB");
    let events = net_log["events"]
        .as_array()
        .expect("the net log has events");
    events
        .iter()
        .filter(|event| event["type"].as_i64() == Some(start_job))
        .map(|event| &event["params"])
        .filter(|params| params["url"].is_string())
        .filter(|params| {
            let text = |key: &str| params[key].as_str().unwrap_or_default();
            text("initiator") != "not an origin"
                || text("network_isolation_key").contains("file://")
                || text("site_for_cookies").contains("file://")
        })
        .map(|params| params["url"].as_str().unwrap().to_string())
        .filter(|url| url != page_url)
        .collect()
}

/// Width and height from a PNG's header.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let number = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    (number(16), number(20))
}

fn write_page(dir: &Path, body: &str) -> PathBuf {
    let path = dir.join("page.html");
    let html =
        format!("<!DOCTYPE html><html><head><title>t</title></head><body>{body}</body></html>");
    std::fs::write(&path, html).unwrap();
    path
}

#[test]
fn html_report_renders_in_chromium_without_errors_or_requests() {
    let reports = sample_reports("html");
    let page = reports.path().join(format!("{STEM}.html"));
    let run = chromium(
        &page,
        Capture::Screenshot {
            width: 1280,
            height: 2400,
        },
    );

    let messages = console_messages(&run.stderr);
    assert!(messages.is_empty(), "the page logged: {messages:#?}");
    let requests = page_requests(&run.net_log(), &run.url);
    assert!(
        requests.is_empty(),
        "the page is not self-contained: {requests:#?}"
    );

    let png = std::fs::read(run.screenshot()).expect("chromium wrote the screenshot");
    assert_eq!(png_size(&png), (1280, 2400));
    // A blank page of that size compresses to about 10 KB; the report's top is ~250 KB.
    assert!(
        png.len() > 60_000,
        "the screenshot looks empty: {} bytes",
        png.len()
    );
}

/// A script added to a copy of the report clicks headers as a reader would; the DOM
/// Chromium dumps afterwards shows whether the rows moved.
const CLICKS: &str = r#"<script>
var people = document.getElementById("people-table");
people.tHead.rows[0].cells[3].click();
var first = document.querySelector("section.instance table.sortable");
first.tHead.rows[0].cells[7].click();
first.tHead.rows[0].cells[7].click();
</script>"#;

fn sort_values(table: ElementRef, column: usize) -> Vec<f64> {
    let rows = Selector::parse("tbody tr").unwrap();
    let cells = Selector::parse("td").unwrap();
    table
        .select(&rows)
        .map(|row| {
            let cell = row.select(&cells).nth(column).unwrap();
            cell.attr("data-sort").unwrap().parse().unwrap()
        })
        .collect()
}

fn header_sort(table: ElementRef, column: usize) -> Option<String> {
    let headers = Selector::parse("thead th").unwrap();
    let header = table.select(&headers).nth(column).unwrap();
    header.attr("aria-sort").map(String::from)
}

#[test]
fn html_tables_sort_when_a_header_is_clicked() {
    let reports = sample_reports("html");
    let html = std::fs::read_to_string(reports.path().join(format!("{STEM}.html"))).unwrap();
    let clicked = html.replacen("</body>", &format!("{CLICKS}</body>"), 1);
    let page = reports.path().join("clicked.html");
    std::fs::write(&page, clicked).unwrap();

    let run = chromium(&page, Capture::Dom);
    let messages = console_messages(&run.stderr);
    assert!(messages.is_empty(), "the page logged: {messages:#?}");
    let dom = Html::parse_document(&run.dom());

    let people = dom
        .select(&Selector::parse("#people-table").unwrap())
        .next()
        .expect("the dumped DOM has the people table");
    let attended = sort_values(people, 3);
    assert_eq!(attended.len(), 309, "sorting keeps every row");
    assert!(
        attended.is_sorted(),
        "one click sorts attended time ascending (the page starts longest first)"
    );
    assert_eq!(header_sort(people, 3).as_deref(), Some("ascending"));

    let first = dom
        .select(&Selector::parse("section.instance table.sortable").unwrap())
        .next()
        .unwrap();
    let mut percents = sort_values(first, 7);
    percents.reverse();
    assert!(percents.is_sorted(), "two clicks sort descending");
    assert_eq!(header_sort(first, 7).as_deref(), Some("descending"));
}

#[test]
fn console_check_catches_a_script_error() {
    let dir = tempfile::tempdir().unwrap();
    let page = write_page(
        dir.path(),
        r#"<p>x</p><script>throw new Error("x")</script>"#,
    );
    let run = chromium(
        &page,
        Capture::Screenshot {
            width: 400,
            height: 300,
        },
    );
    let messages = console_messages(&run.stderr);
    assert!(
        messages.iter().any(|m| m.contains("Uncaught Error: x")),
        "the check missed the error; chromium's stderr was:\n{}",
        run.stderr
    );
}

#[test]
fn request_check_sees_a_remote_image() {
    let dir = tempfile::tempdir().unwrap();
    // Port 9 (discard) is closed and refused by Chromium anyway; the attempt is logged.
    let page = write_page(dir.path(), r#"<img src="http://127.0.0.1:9/x.png" alt="">"#);
    let run = chromium(
        &page,
        Capture::Screenshot {
            width: 400,
            height: 300,
        },
    );
    assert_eq!(
        page_requests(&run.net_log(), &run.url),
        ["http://127.0.0.1:9/x.png"]
    );
}

// ---------------------------------------------------------------------------------------
// LibreOffice

/// CSV export of every sheet (`-1`, LibreOffice 7.2 and later) in UTF-8 (76), with cells
/// as shown (the 9th field), so durations read `2:58:43` and percentages `92.4%` as a
/// user sees them.
const CSV_EVERY_SHEET: &str =
    "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1";

/// A LibreOffice profile for one test; a shared one would lock when tests run in parallel.
struct LibreOffice {
    profile: tempfile::TempDir,
}

/// What one conversion printed.
struct Conversion {
    stdout: String,
    stderr: String,
}

impl LibreOffice {
    fn new() -> LibreOffice {
        require("libreoffice", "libreoffice-calc-nogui");
        LibreOffice {
            profile: tempfile::tempdir().unwrap(),
        }
    }

    /// Converts `input` with LibreOffice's `--convert-to target` into `out_dir`.
    fn convert(&self, input: &Path, target: &str, out_dir: &Path) -> Conversion {
        let logs = tempfile::tempdir().unwrap();
        let mut command = Command::new("libreoffice");
        command
            .args(["--headless", "--norestore", "--nologo", "--nolockcheck"])
            .arg(format!(
                "-env:UserInstallation=file://{}",
                self.profile.path().display()
            ))
            .args(["--convert-to", target, "--outdir"])
            .arg(out_dir)
            .arg(input)
            .stdin(Stdio::null())
            .stdout(File::create(logs.path().join("stdout")).unwrap())
            .stderr(File::create(logs.path().join("stderr")).unwrap());
        let status = run_within(&mut command, LIBREOFFICE_LIMIT, "libreoffice");
        let read = |name: &str| std::fs::read_to_string(logs.path().join(name)).unwrap();
        let conversion = Conversion {
            stdout: read("stdout"),
            stderr: read("stderr"),
        };
        assert!(
            status.success(),
            "libreoffice failed ({status}):\n{}{}",
            conversion.stdout,
            conversion.stderr
        );
        conversion
    }
}

/// What LibreOffice said was wrong. It exits 0 even when it cannot load a file, and says
/// so only on stderr ("Error: source file could not be loaded").
fn complaints(conversion: &Conversion) -> Vec<&str> {
    conversion
        .stderr
        .lines()
        .chain(conversion.stdout.lines())
        .filter(|line| line.to_lowercase().contains("error"))
        .collect()
}

/// Rows of a CSV file, header included, as text.
fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    reader
        .records()
        .map(|record| record.unwrap().iter().map(String::from).collect())
        .collect()
}

/// `H:MM:SS` in seconds.
fn clock_seconds(text: &str) -> i64 {
    let parts: Vec<i64> = text
        .split(':')
        .map(|p| {
            p.parse()
                .unwrap_or_else(|_| panic!("{text:?} is not H:MM:SS"))
        })
        .collect();
    assert_eq!(parts.len(), 3, "{text:?} is not H:MM:SS");
    parts[0] * 3600 + parts[1] * 60 + parts[2]
}

/// The wall time of an ISO 8601 time with offset, as a spreadsheet shows it.
fn wall_time(iso: &str) -> String {
    if iso.is_empty() {
        return String::new();
    }
    let time = DateTime::parse_from_rfc3339(iso).unwrap();
    time.naive_local().format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Our CSV cell with the writer's guard against formulas taken off.
fn unguarded(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => text,
    }
}

#[test]
fn xlsx_opens_in_libreoffice_with_every_value_intact() {
    let reports = sample_reports("xlsx,csv");
    let workbook = reports.path().join(format!("{STEM}.xlsx"));
    let office = LibreOffice::new();
    let shown = tempfile::tempdir().unwrap();
    let conversion = office.convert(&workbook, CSV_EVERY_SHEET, shown.path());
    assert_eq!(complaints(&conversion), Vec::<&str>::new());
    for sheet in ["Summary", "People", "Meetings", "Attendance", "Sessions"] {
        assert!(
            conversion
                .stdout
                .contains(&format!("Writing sheet {sheet} ")),
            "LibreOffice did not export the {sheet} sheet:\n{}",
            conversion.stdout
        );
    }
    let sheet = |name: &str| csv_rows(&shown.path().join(format!("{STEM}-{name}.csv")));

    // People, as LibreOffice shows it, against our own people.csv, row by row.
    let people = sheet("People");
    assert_eq!(people.len(), 310, "309 people and the header");
    let ours = read_csv(&reports.path().join(format!("{STEM}_people.csv")));
    for (shown, ours) in people[1..].iter().zip(&ours) {
        let got = (
            shown[0].as_str(),
            shown[1].as_str(),
            shown[2].as_str(),
            clock_seconds(&shown[3]),
            clock_seconds(&shown[4]),
            shown[5].trim_end_matches('%'),
            shown[6].clone(),
            shown[7].clone(),
        );
        let want = (
            unguarded(&ours["name"]),
            ours["email"].as_str(),
            ours["meetings_attended"].as_str(),
            ours["attended_seconds"].parse::<i64>().unwrap(),
            ours["total_seconds"].parse::<i64>().unwrap(),
            ours["avg_attendance_pct"].as_str(),
            wall_time(&ours["first_seen"]),
            wall_time(&ours["last_seen"]),
        );
        assert_eq!(got, want, "LibreOffice shows {} otherwise", ours["name"]);
    }
    let nam = people
        .iter()
        .find(|row| row[1] == "nam.le@lotus-training.example")
        .unwrap();
    assert_eq!(
        (nam[0].as_str(), clock_seconds(&nam[3])),
        ("Lê Văn Nam", 10_723)
    );
    // A formula would show its result, "click"; text shows itself.
    assert!(
        people
            .iter()
            .any(|row| row[0] == r#"=HYPERLINK("http://evil.example","click")"#),
        "the formula-like name is shown as text"
    );

    // Meeting ids are shown in full, never as 8.6E+10.
    let meetings = sheet("Meetings");
    let our_meetings = read_csv(&reports.path().join(format!("{STEM}_meetings.csv")));
    let ids: Vec<&str> = meetings[1..].iter().map(|row| row[0].as_str()).collect();
    let our_ids: Vec<&str> = our_meetings
        .iter()
        .map(|r| r["meeting_id"].as_str())
        .collect();
    assert_eq!(ids, our_ids);
    assert!(ids.contains(&"86230417795"));
    assert_eq!(sheet("Attendance").len(), 422);
    assert_eq!(sheet("Sessions").len(), 515);
    let summary = sheet("Summary");
    assert!(
        summary
            .iter()
            .any(|row| row.len() >= 2 && row[..2] == ["People", "309"]),
        "{summary:?}"
    );
}

#[test]
fn xlsx_resaved_by_libreoffice_keeps_its_types() {
    let reports = sample_reports("xlsx");
    let workbook = reports.path().join(format!("{STEM}.xlsx"));
    let office = LibreOffice::new();
    let resaved = tempfile::tempdir().unwrap();
    let conversion = office.convert(&workbook, "xlsx", resaved.path());
    assert_eq!(complaints(&conversion), Vec::<&str>::new());
    let path = resaved.path().join(format!("{STEM}.xlsx"));

    let mut book: Xlsx<_> = open_workbook(&path).expect("LibreOffice's xlsx opens");
    let people = book.worksheet_range("People").unwrap();
    assert_eq!(people.height(), 310);
    let nam = people
        .rows()
        .find(|row| row[1] == Data::String("nam.le@lotus-training.example".into()))
        .unwrap();
    assert_eq!(nam[0], Data::String("Lê Văn Nam".into()));
    let attended = nam[3].get_datetime().expect("still an Excel duration");
    assert_eq!((attended.as_f64() * 86_400.0).round() as i64, 10_723);
    let first_seen: NaiveDateTime = nam[6].as_datetime().expect("still a date-time");
    assert_eq!(first_seen.to_string(), "2024-07-03 02:01:05");

    let hyperlink = people
        .rows()
        .find(|row| row[0].to_string().starts_with("=HYPERLINK("))
        .expect("the formula-like name is kept as text");
    assert!(matches!(hyperlink[0], Data::String(_)));
    let formulas = book.worksheet_formula("People").unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "LibreOffice turned a cell into a formula"
    );

    let meetings = book.worksheet_range("Meetings").unwrap();
    let ids: Vec<&Data> = meetings.rows().skip(1).map(|row| &row[0]).collect();
    assert!(
        ids.iter().all(|id| matches!(id, Data::String(_))),
        "ids stay text: {ids:?}"
    );
    assert!(ids.contains(&&Data::String("86230417795".into())));
}

#[test]
fn xlsx_prints_to_pdf_with_vietnamese_names() {
    require("pdftotext", "poppler-utils");
    let reports = sample_reports("xlsx");
    let workbook = reports.path().join(format!("{STEM}.xlsx"));
    let office = LibreOffice::new();
    let printed = tempfile::tempdir().unwrap();
    let conversion = office.convert(&workbook, "pdf", printed.path());
    assert_eq!(complaints(&conversion), Vec::<&str>::new());
    let pdf = printed.path().join(format!("{STEM}.pdf"));
    let output = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).expect("pdftotext writes UTF-8");
    for name in [
        "Lê Văn Nam",
        "Huỳnh Thị Ngọc Ánh",
        "Nguyễn Thị Hoa",
        "Đặng Thị Giang",
    ] {
        assert!(text.contains(name), "{name} is not in the printed workbook");
    }
}

#[test]
fn complaint_check_catches_a_broken_workbook() {
    let reports = sample_reports("xlsx");
    let workbook = std::fs::read(reports.path().join(format!("{STEM}.xlsx"))).unwrap();
    let broken = reports.path().join("broken.xlsx");
    std::fs::write(&broken, &workbook[..workbook.len() / 2]).unwrap();
    let office = LibreOffice::new();
    let out = tempfile::tempdir().unwrap();
    let conversion = office.convert(&broken, CSV_EVERY_SHEET, out.path());
    assert!(
        !complaints(&conversion).is_empty(),
        "LibreOffice's complaint was missed:\n{}{}",
        conversion.stdout,
        conversion.stderr
    );
    assert!(file_names(out.path()).is_empty());
}
