//! Bad invocations: each ends with a clear message naming the input, a non-zero exit, no
//! panic and no report file. The table here is the one the README's reliability section
//! lists.

mod support;

use std::path::Path;

use support::{file_names, sample_dir, zoom_report};

struct Case {
    name: &'static str,
    args: Vec<String>,
    code: i32,
    /// Text the first line of stderr must contain.
    says: &'static str,
}

fn case(name: &'static str, args: &[&str], code: i32, says: &'static str) -> Case {
    Case {
        name,
        args: args.iter().map(|a| a.to_string()).collect(),
        code,
        says,
    }
}

fn sample() -> String {
    sample_dir().display().to_string()
}

/// Copies the sample archive and lets `edit` spoil it.
fn spoilt_archive(edit: impl FnOnce(&Path)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in ["manifest.json", "meetings.jsonl", "participants.jsonl"] {
        std::fs::copy(sample_dir().join(name), dir.path().join(name)).unwrap();
    }
    edit(dir.path());
    dir
}

fn run_case(case: &Case) {
    let out = tempfile::tempdir().unwrap();
    let mut command = zoom_report();
    command.args(&case.args);
    // The quick commands write no files and take no --out.
    let is_main_job = case
        .args
        .first()
        .is_some_and(|first| first.starts_with('-'));
    if is_main_job && !case.args.iter().any(|a| a == "--out") {
        command.arg("--out").arg(out.path());
    }
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(case.code),
        "{}: {stderr}",
        case.name
    );
    let first = stderr.lines().next().unwrap_or_default();
    assert!(
        first.contains(case.says),
        "{}: first line {first:?} lacks {:?}",
        case.name,
        case.says
    );
    assert!(!stderr.contains("panicked"), "{}: {stderr}", case.name);
    assert!(
        file_names(out.path()).is_empty(),
        "{}: wrote {:?}",
        case.name,
        file_names(out.path())
    );
}

#[test]
fn bad_invocations_fail_cleanly() {
    let s = sample();
    fn with<'a>(extra: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec!["--from", "2024-07-01", "--to", "2024-07-31"];
        args.extend_from_slice(extra);
        args
    }
    let not_a_dir = sample_dir().join("manifest.json").display().to_string();
    let empty = tempfile::tempdir().unwrap();
    let empty = empty.path().display().to_string();
    let cases = vec![
        case(
            "month 13",
            &["--from", "2024-13-01", "--to", "2024-12-31", "--input", &s],
            2,
            "--from '2024-13-01' is not a valid date",
        ),
        case(
            "US date",
            &["--from", "07/01/2024", "--to", "2024-07-31", "--input", &s],
            2,
            "--from '07/01/2024'",
        ),
        case(
            "30 February",
            &["--from", "2024-02-30", "--to", "2024-03-31", "--input", &s],
            2,
            "--from '2024-02-30'",
        ),
        case(
            "from after to",
            &["--from", "2024-07-31", "--to", "2024-07-01", "--input", &s],
            2,
            "--from 2024-07-31 is after --to 2024-07-01",
        ),
        case("no range", &["--input", &s], 2, "needs a date range"),
        case(
            "unknown format",
            &with(&["--format", "xlsx,pdf", "--input", &s]),
            2,
            "--format 'pdf'",
        ),
        case(
            "unknown zone",
            &with(&["--tz", "Mars/Olympus", "--input", &s]),
            2,
            "--tz 'Mars/Olympus'",
        ),
        case(
            "missing input",
            &with(&["--input", "/nonexistent/archive"]),
            2,
            "--input /nonexistent/archive is not a folder",
        ),
        case(
            "input is a file",
            &with(&["--input", &not_a_dir]),
            2,
            "is not a folder",
        ),
        case(
            "input without manifest",
            &with(&["--input", &empty]),
            2,
            "manifest.json",
        ),
        case(
            "archive of another range",
            &["--from", "2024-08-01", "--to", "2024-08-31", "--input", &s],
            2,
            "does not cover --from 2024-08-01",
        ),
        case(
            "rate zero",
            &with(&["--rate", "0", "--input", &s]),
            2,
            "--rate 0",
        ),
        case(
            "concurrency zero",
            &with(&["--concurrency", "0", "--input", &s]),
            2,
            "--concurrency 0",
        ),
        case(
            "user with space",
            &with(&["--user", "a b", "--input", &s]),
            2,
            "--user 'a b'",
        ),
        case(
            "user and all users",
            &with(&["--user", "x@example.com", "--all-users", "--input", &s]),
            2,
            "cannot be used with",
        ),
        case(
            "resume with input",
            &with(&["--resume", "--input", &s]),
            2,
            "--resume",
        ),
        case(
            "bad topic regex",
            &with(&["--topic", "(draft", "--input", &s]),
            2,
            "--topic '(draft'",
        ),
        case(
            "unknown flag",
            &with(&["--frm", "x"]),
            2,
            "unexpected argument '--frm'",
        ),
        case(
            "unknown group rule",
            &with(&["--group-by", "colour", "--input", &s]),
            2,
            "invalid value 'colour'",
        ),
        case(
            "unknown language",
            &with(&["--lang", "fr", "--input", &s]),
            2,
            "invalid value 'fr'",
        ),
        case(
            "quiet and verbose",
            &with(&["-q", "-v", "--input", &s]),
            2,
            "cannot be used with",
        ),
        case(
            "older than six months, live",
            &["--from", "2020-01-01", "--to", "2020-01-31"],
            2,
            "more than 6 months ago",
        ),
        case(
            "no credentials, live",
            &["--from", &recent_day(20), "--to", &recent_day(10)],
            2,
            "Zoom credentials are missing",
        ),
        case(
            "secret file missing",
            &[
                "--from",
                &recent_day(20),
                "--to",
                &recent_day(10),
                "--client-secret-file",
                "/nonexistent/secret",
            ],
            2,
            "/nonexistent/secret",
        ),
        case(
            "statistic of an unknown meeting",
            &["statistic", "nope==", "--input", &s],
            2,
            "meeting nope== is not in the archive",
        ),
        case(
            "participant of a blank id",
            &["participant", " ", "--input", &s],
            2,
            "is not a meeting id",
        ),
        case(
            "webinar from an archive",
            &["participant", "x==", "--webinar", "--input", &s],
            2,
            "--webinar reads Zoom's webinar reports and cannot be used with --input",
        ),
        case(
            "only --from",
            &["--from", "2024-07-01", "--input", &s],
            2,
            "the report needs --to",
        ),
        case(
            "users with an archive",
            &with(&["--user", "hoa@example.com", "--input", &s]),
            2,
            "--user and --all-users choose whose meetings to fetch",
        ),
        case(
            "a timeout of zero",
            &with(&["--timeout", "0", "--input", &s]),
            2,
            "invalid value '0' for '--timeout <SECONDS>'",
        ),
        case(
            "--out is a file",
            &with(&["--input", &s, "--out", &not_a_dir]),
            2,
            "is a file, not a folder",
        ),
        case(
            "an empty secret file",
            &[
                "--from",
                &recent_day(20),
                "--to",
                &recent_day(10),
                "--client-secret-file",
                "/dev/null",
            ],
            2,
            "--client-secret-file /dev/null is empty",
        ),
        case(
            "a meeting id that would change the request's path",
            &["participant", "..", "--input", &s],
            2,
            "'..' is not a meeting id or instance uuid",
        ),
        case(
            "meeting list outside the archive",
            &[
                "meeting",
                "-f",
                "2024-08-01",
                "-t",
                "2024-08-31",
                "--input",
                &s,
            ],
            2,
            "does not cover --from 2024-08-01",
        ),
        case(
            "meeting list with a bad date",
            &["meeting", "-f", "2024-07-01", "-t", "July", "--input", &s],
            2,
            "--to 'July'",
        ),
    ];
    assert!(cases.len() >= 20);
    for case in &cases {
        run_case(case);
    }
}

/// A day `days_ago` before today, inside Zoom's six months.
fn recent_day(days_ago: i64) -> String {
    (chrono::Utc::now().date_naive() - chrono::Duration::days(days_ago)).to_string()
}

#[test]
fn a_broken_archive_line_is_named_by_file_and_line() {
    let archive = spoilt_archive(|dir| {
        let path = dir.join("participants.jsonl");
        let mut text = std::fs::read_to_string(&path).unwrap();
        let third = text.match_indices('\n').nth(1).unwrap().0 + 1;
        text.insert_str(third, "{\"name\": \"cut off\n");
        std::fs::write(&path, text).unwrap();
    });
    let args = ["--from", "2024-07-01", "--to", "2024-07-31", "--input"];
    let mut all = args.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    all.push(archive.path().display().to_string());
    run_case(&Case {
        name: "broken line",
        args: all,
        code: 2,
        says: "participants.jsonl:3: broken JSON line",
    });
}

#[test]
fn an_unwritable_output_folder_is_refused_before_work() {
    let blocker = tempfile::NamedTempFile::new().unwrap();
    let out = blocker.path().join("reports");
    let output = zoom_report()
        .args(["--from", "2024-07-01", "--to", "2024-07-31", "--input"])
        .arg(sample_dir())
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with(&format!(
        "zoom-report: error: cannot write into --out {}",
        out.display()
    )));
    assert!(stderr.contains("fix: choose a folder you can write to with --out DIR"));
}

/// The sample month's reports, run under a file-size limit in bash: with SIGXFSZ ignored,
/// a write past the limit fails with "file too large", as a full disk fails a write.
fn run_with_file_size_limit(
    out: &Path,
    limit_kb: Option<u32>,
    extra: &[&str],
) -> std::process::Output {
    let binary = assert_cmd::cargo::cargo_bin("zoom-report");
    let limit = limit_kb.map_or("unlimited".to_string(), |kb| kb.to_string());
    std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f {limit}; exec \"$0\" \"$@\""
        ))
        .arg(binary)
        .args(["--from", "2024-07-01", "--to", "2024-07-31", "--input"])
        .arg(sample_dir())
        .arg("--out")
        .arg(out)
        .args(extra)
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap()
}

#[test]
fn a_full_disk_names_the_path_and_keeps_the_earlier_report() {
    let out = tempfile::tempdir().unwrap();
    let first = run_with_file_size_limit(out.path(), None, &["--format", "csv,xlsx"]);
    assert!(first.status.success());
    let earlier: Vec<(String, Vec<u8>)> = file_names(out.path())
        .into_iter()
        .map(|name| {
            let bytes = std::fs::read(out.path().join(&name)).unwrap();
            (name, bytes)
        })
        .collect();

    // 64 KiB: the people and meetings tables fit, the sessions table and the workbook do
    // not. With a byte-order mark every new file differs from the earlier one.
    let output =
        run_with_file_size_limit(out.path(), Some(64), &["--format", "csv,xlsx", "--csv-bom"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let first_line = stderr.lines().next().unwrap_or_default();
    let failed: Vec<&String> = earlier
        .iter()
        .map(|(name, _)| name)
        .filter(|name| first_line.contains(&out.path().join(name).display().to_string()))
        .collect();
    assert_eq!(failed.len(), 1, "the message names the file: {first_line}");
    assert!(
        first_line.contains("too large"),
        "and the cause: {first_line}"
    );
    for (name, bytes) in &earlier {
        let now = std::fs::read(out.path().join(name)).unwrap();
        if name == failed[0] {
            assert!(now == *bytes, "{name}: the earlier version is whole");
        } else {
            assert!(
                now == *bytes || now.starts_with("\u{feff}".as_bytes()),
                "{name}"
            );
        }
    }
    let leftovers: Vec<String> = file_names(out.path())
        .into_iter()
        .filter(|n| n.starts_with(".zoom-report-"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary files are removed: {leftovers:?}"
    );
}

/// The binary run in a folder of its own holding `dotenv` as its `.env` file.
fn run_with_dotenv(dotenv: &str, args: &[&str]) -> std::process::Output {
    let here = tempfile::tempdir().unwrap();
    std::fs::write(here.path().join(".env"), dotenv).unwrap();
    zoom_report()
        .current_dir(here.path())
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_broken_env_file_is_named_without_its_contents() {
    let from = recent_day(20);
    let to = recent_day(10);
    let output = run_with_dotenv(
        "ZOOM_ACCOUNT_ID=acc\nZOOM_CLIENT_SECRET='unclosed s3cr3t-value\n",
        &["--from", &from, "--to", &to],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with("zoom-report: error: .env holds a line"),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cr3t"), "{stderr}");
}

#[test]
fn credentials_come_from_the_env_file_and_zoom_urls_must_use_tls() {
    let from = recent_day(20);
    let to = recent_day(10);
    let output = run_with_dotenv(
        "ZOOM_ACCOUNT_ID=acc\nZOOM_CLIENT_ID=id\nZOOM_CLIENT_SECRET=s3cr3t-value\n\
         ZOOM_OAUTH_URL=http://zoom.example/oauth/token\n",
        &["--from", &from, "--to", &to],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.starts_with(
            "zoom-report: error: ZOOM_OAUTH_URL \"http://zoom.example/oauth/token\" does not use https"
        ),
        "the credentials were read from .env, then the URL refused: {stderr}"
    );
    assert!(!stderr.contains("s3cr3t"), "{stderr}");
}

#[test]
fn missing_credentials_say_how_to_get_them() {
    let output = zoom_report()
        .args(["--from", &recent_day(20), "--to", &recent_day(10)])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    for needed in [
        "ZOOM_ACCOUNT_ID",
        "ZOOM_CLIENT_ID",
        "ZOOM_CLIENT_SECRET",
        ".env",
        "Server-to-Server OAuth",
        "marketplace.zoom.us",
        "report:read:admin",
        "report:read:list_meeting_participants:admin",
        "user:read:list_users:admin",
        "--input samples/2024-07",
    ] {
        assert!(stderr.contains(needed), "names {needed}: {stderr}");
    }
}

#[test]
fn unreadable_times_are_warned_about_not_dropped_in_silence() {
    let archive = spoilt_archive(|dir| {
        let path = dir.join("participants.jsonl");
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        let attended = lines
            .iter()
            .position(|l| l.contains("\"status\":\"in_meeting\""))
            .unwrap();
        let spoilt = lines[attended].replacen(
            "\"join_time\":\"2024-07",
            "\"join_time\":\"yesterday\",\"was\":\"2024-07",
            1,
        );
        assert_ne!(spoilt, lines[attended], "the row has a join time to spoil");
        lines[attended] = spoilt;
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    });
    let output = month_to_csv(archive.path(), None);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("1 join row(s) have no readable join and leave time"),
        "{stderr}"
    );
}

/// The sample month's CSV reports from `archive`, with `TZ` set when given.
fn month_to_csv(archive: &Path, tz: Option<&str>) -> std::process::Output {
    let out = tempfile::tempdir().unwrap();
    let mut command = zoom_report();
    if let Some(tz) = tz {
        command.env("TZ", tz);
    }
    command
        .args([
            "--from",
            "2024-07-01",
            "--to",
            "2024-07-31",
            "--format",
            "csv",
            "--input",
        ])
        .arg(archive)
        .arg("--out")
        .arg(out.path())
        .output()
        .unwrap()
}

#[test]
fn the_machine_zone_follows_tz() {
    let output = month_to_csv(&sample_dir(), Some("Asia/Ho_Chi_Minh"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("(Asia/Ho_Chi_Minh)"), "{stdout}");
}
