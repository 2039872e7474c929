//! The live path against a fake Zoom on 127.0.0.1: the access token, the endpoints and the
//! quick commands. The fake serves the sample month, moved to recent days.

mod support;

use serde_json::{Value, json};
use support::fake_zoom::{Account, FakeZoom, Fault, FaultKind, Options};
use support::{RecentSample, live, read_csv, recent_sample};

fn start(sample: &RecentSample, options: Options) -> FakeZoom {
    FakeZoom::start(Account::from_archive(sample.dir.path()), options)
}

fn run_ok(command: &mut assert_cmd::Command) -> (String, String) {
    let output = command.output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        output.status.success(),
        "exit {:?}\nstdout: {stdout}\nstderr: {stderr}",
        output.status.code()
    );
    (stdout, stderr)
}

fn failure(command: &mut assert_cmd::Command) -> (i32, String) {
    let output = command.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8(output.stderr).unwrap(),
    )
}

const HOSTS: [&str; 2] = [
    "hoa.nguyen@lotus-training.example",
    "duc.tran@lotus-training.example",
];

#[test]
fn meeting_lists_every_instance_of_both_hosts() {
    let sample = recent_sample();
    let fake = start(
        &sample,
        Options {
            page_size_cap: 5,
            ..Options::default()
        },
    );
    let mut command = live(&fake);
    command
        .arg("meetings")
        .args(sample.range_args())
        .args(["--user", HOSTS[0], "--user", HOSTS[1], "--json"]);
    let (stdout, _) = run_ok(&mut command);
    let meetings: Vec<Value> = serde_json::from_str(&stdout).expect("--json prints data only");
    assert_eq!(meetings.len(), 18, "all pages of both hosts");
    let mut starts: Vec<&str> = meetings
        .iter()
        .map(|m| m["start_time"].as_str().unwrap())
        .collect();
    let sorted = {
        let mut s = starts.clone();
        s.sort();
        s
    };
    assert_eq!(starts, sorted, "sorted by start");
    starts.dedup();
    assert_eq!(fake.over_month_requests(), 0);
    let pages = fake
        .requests()
        .iter()
        .filter(|r| r.raw_path.contains("/meetings"))
        .count();
    assert!(
        pages >= 4,
        "page size 5 forces several pages per host, saw {pages}"
    );
}

#[test]
fn meeting_table_fits_eighty_columns() {
    let sample = recent_sample();
    let fake = start(&sample, Options::default());
    let mut command = live(&fake);
    command
        .arg("meeting")
        .args(sample.range_args())
        .args(["--tz", "Asia/Ho_Chi_Minh"]);
    let (stdout, stderr) = run_ok(&mut command);
    assert!(
        stdout.lines().all(|line| line.chars().count() <= 80),
        "{stdout}"
    );
    assert!(
        stdout.contains("sm+PG9A5lobi0Rra2EEtFQ=="),
        "uuids are shown whole"
    );
    assert!(stderr.contains("instances, times in Asia/Ho_Chi_Minh"));
}

#[test]
fn participant_by_a_uuid_that_needs_double_encoding() {
    let sample = recent_sample();
    let fake = start(
        &sample,
        Options {
            page_size_cap: 4,
            ..Options::default()
        },
    );
    for uuid in [
        "/7em4y/d5AoFjeWFP0NBnw==",
        "P1MoI0HZ//+eFkSeWJxATg==",
        "l6+qQZB+7oE0ZylE6ijBXg==",
    ] {
        let mut command = live(&fake);
        command.args(["participant", uuid, "--json"]);
        let (stdout, _) = run_ok(&mut command);
        let rows: Vec<Value> = serde_json::from_str(&stdout).unwrap();
        let expected = Account::from_archive(sample.dir.path()).participants[uuid].len();
        assert_eq!(rows.len(), expected, "{uuid}: every page");
    }
    let misses = fake.requests().iter().filter(|r| r.status == 404).count();
    assert_eq!(misses, 0, "no uuid was sent with the wrong encoding");
}

#[test]
fn statistic_by_numeric_id_names_the_other_instances() {
    let sample = recent_sample();
    let fake = start(&sample, Options::default());
    let mut command = live(&fake);
    command.args(["stats", "85012345678", "--json"]);
    let (stdout, stderr) = run_ok(&mut command);
    assert!(stderr.contains("latest instance only"), "{stderr}");
    for uuid in [
        "cc/gogPR5eXIWD5y4FnV3w==",
        "/7em4y/d5AoFjeWFP0NBnw==",
        "P1MoI0HZ//+eFkSeWJxATg==",
    ] {
        assert!(stderr.contains(uuid), "lists {uuid}: {stderr}");
    }
    let people: Vec<Value> = serde_json::from_str(&stdout).unwrap();
    // The latest instance is G4 (l6+qQZB+...): Phạm Thu Trang's figures from samples/README.md.
    let trang = people
        .iter()
        .find(|p| p["email"] == "trang.pham@lotus-training.example")
        .unwrap();
    assert_eq!(
        (trang["sessions"].clone(), trang["total_seconds"].clone()),
        (json!(2), json!(2247))
    );
    assert_eq!(
        (
            trang["attended_seconds"].clone(),
            trang["attendance_pct"].clone()
        ),
        (json!(2243), json!(96.7))
    );
    let attended: Vec<i64> = people
        .iter()
        .map(|p| p["attended_seconds"].as_i64().unwrap())
        .collect();
    assert!(
        attended.windows(2).all(|w| w[0] >= w[1]),
        "sorted by attended time"
    );
}

#[test]
fn statistic_table_from_zoom_matches_the_archive() {
    let sample = recent_sample();
    let fake = start(&sample, Options::default());
    let mut from_zoom = live(&fake);
    from_zoom.args(["statistic", "P1MoI0HZ//+eFkSeWJxATg==", "--tz", "UTC"]);
    let mut from_archive = live(&fake);
    from_archive
        .args([
            "statistic",
            "P1MoI0HZ//+eFkSeWJxATg==",
            "--tz",
            "UTC",
            "--input",
        ])
        .arg(sample.dir.path());
    let (zoom, _) = run_ok(&mut from_zoom);
    let (archive, _) = run_ok(&mut from_archive);
    assert_eq!(zoom, archive);
    assert!(zoom.lines().all(|line| line.chars().count() <= 80));
    let nam = zoom
        .lines()
        .find(|l| l.starts_with("Lê Văn Nam"))
        .expect("Nam is listed");
    assert!(
        nam.contains("0:38:51") && nam.contains("0:28:48") && nam.ends_with("100.0"),
        "{nam}"
    );
}

#[test]
fn the_main_job_live_equals_the_report_from_its_archive() {
    let sample = recent_sample();
    let fake = start(
        &sample,
        Options {
            page_size_cap: 50,
            ..Options::default()
        },
    );
    let out = tempfile::tempdir().unwrap();
    let mut command = live(&fake);
    command
        .args(sample.range_args())
        .args([
            "--all-users",
            "--format",
            "csv,json",
            "--tz",
            "UTC",
            "--rate",
            "40",
            "--out",
        ])
        .arg(out.path());
    let (stdout, _) = run_ok(&mut command);
    assert!(
        stdout.ends_with(&format!(
            "18 meetings, 309 people, 547.47 hours attended, {} to {} (UTC)\n",
            sample.from, sample.to
        )),
        "{stdout}"
    );

    let rebuilt = tempfile::tempdir().unwrap();
    let mut command = live(&fake);
    command
        .args(sample.range_args())
        .args(["--format", "csv,json", "--tz", "UTC", "--out"])
        .arg(rebuilt.path());
    command
        .arg("--input")
        .arg(out.path().join("raw").join(sample.slug()));
    run_ok(&mut command);
    for table in ["people", "meetings", "attendance", "sessions"] {
        let name = format!("zoom-report_{}_{table}.csv", sample.slug());
        let live_csv = std::fs::read(out.path().join(&name)).unwrap();
        assert_eq!(
            live_csv,
            std::fs::read(rebuilt.path().join(&name)).unwrap(),
            "{name}"
        );
    }
    let people = read_csv(
        &out.path()
            .join(format!("zoom-report_{}_people.csv", sample.slug())),
    );
    let nam = people
        .iter()
        .find(|p| p["email"] == "nam.le@lotus-training.example")
        .unwrap();
    assert_eq!(
        (
            nam["attended_seconds"].as_str(),
            nam["total_seconds"].as_str()
        ),
        ("10723", "11901")
    );
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(
            out.path()
                .join("raw")
                .join(sample.slug())
                .join("manifest.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["complete"], true);
    assert_eq!(manifest["source"], "zoom-api");
}

#[test]
fn the_api_url_from_the_token_answer_is_used() {
    let sample = recent_sample();
    let fake = start(
        &sample,
        Options {
            advertise_api_url: true,
            ..Options::default()
        },
    );
    let mut command = live(&fake);
    command
        .env_remove("ZOOM_API_URL")
        .args(["participant", "cc/gogPR5eXIWD5y4FnV3w==", "--json"]);
    run_ok(&mut command);
    assert!(
        fake.requests()
            .iter()
            .any(|r| r.raw_path.starts_with("/v2/report/meetings/"))
    );
}

#[test]
fn zoom_api_url_wins_over_the_token_answer() {
    let sample = recent_sample();
    // Nothing listens on port 9 of this machine: a request sent there would fail.
    let fake = start(
        &sample,
        Options {
            advertise_other_api_url: Some("http://127.0.0.1:9".into()),
            ..Options::default()
        },
    );
    let mut command = live(&fake);
    command.args(["participant", "cc/gogPR5eXIWD5y4FnV3w==", "--json"]);
    run_ok(&mut command);
    assert!(
        fake.requests()
            .iter()
            .any(|r| r.raw_path.starts_with("/v2/report/meetings/")),
        "the report came from ZOOM_API_URL"
    );
}

#[test]
fn the_quick_commands_read_an_archive() {
    let sample = recent_sample();
    let archive = sample.dir.path().to_str().unwrap().to_string();
    let mut meetings = support::zoom_report();
    meetings
        .args(["meeting", "--json", "--tz", "UTC", "--input", &archive])
        .args(sample.range_args());
    let (stdout, _) = run_ok(&mut meetings);
    let listed: Vec<Value> = serde_json::from_str(&stdout).unwrap();
    assert_eq!(listed.len(), 18);

    let mut participants = support::zoom_report();
    participants.args([
        "participant",
        "cc/gogPR5eXIWD5y4FnV3w==",
        "--json",
        "--input",
        &archive,
    ]);
    let (stdout, _) = run_ok(&mut participants);
    let rows: Vec<Value> = serde_json::from_str(&stdout).unwrap();
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| r["meeting_uuid"] == "cc/gogPR5eXIWD5y4FnV3w=="
                || r.get("meeting_uuid").is_none()),
        "only that instance's rows"
    );
}

#[test]
fn token_errors_say_what_to_check() {
    let sample = recent_sample();
    let fake = start(&sample, Options::default());
    let mut command = live(&fake);
    command
        .env("ZOOM_CLIENT_SECRET", "wrong")
        .args(["participant", "cc/gogPR5eXIWD5y4FnV3w=="]);
    let (code, stderr) = failure(&mut command);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("Invalid client_id or client_secret"),
        "{stderr}"
    );
    assert!(
        stderr.contains("fix: check ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET"),
        "{stderr}"
    );

    let mut command = live(&fake);
    command
        .env("ZOOM_ACCOUNT_ID", "wrong")
        .args(["participant", "cc/gogPR5eXIWD5y4FnV3w=="]);
    let (code, stderr) = failure(&mut command);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("invalid_request") && stderr.contains("fix: check ZOOM_ACCOUNT_ID"),
        "{stderr}"
    );
}

#[test]
fn a_missing_scope_names_the_scopes_to_add() {
    let sample = recent_sample();
    let options = Options {
        scopes: vec!["user:read:admin".into()],
        ..Options::default()
    };
    let fake = start(&sample, options);
    let mut command = live(&fake);
    command.arg("meeting").args(sample.range_args());
    let (code, stderr) = failure(&mut command);
    assert_eq!(code, 1);
    assert!(stderr.contains("code 4711"), "{stderr}");
    assert!(
        stderr.contains("fix: add the missing scopes") && stderr.contains("report:read:admin"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_user_is_named() {
    let sample = recent_sample();
    let fake = start(&sample, Options::default());
    let mut command = live(&fake);
    command
        .arg("meeting")
        .args(sample.range_args())
        .args(["--user", "nobody@lotus-training.example"]);
    let (code, stderr) = failure(&mut command);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("nobody@lotus-training.example") && stderr.contains("code 1001"),
        "{stderr}"
    );
    assert!(stderr.contains("fix: check --user"), "{stderr}");
}

#[test]
fn an_expired_token_is_renewed_once() {
    let sample = recent_sample();
    let fake = start(&sample, Options::default());
    fake.inject(Fault::new(
        "/participants",
        1,
        FaultKind::Status {
            status: 401,
            body: json!({"code": 124, "message": "Invalid access token."}),
        },
    ));
    let mut command = live(&fake);
    command.args(["participant", "cc/gogPR5eXIWD5y4FnV3w==", "--json"]);
    let (stdout, _) = run_ok(&mut command);
    assert_eq!(
        serde_json::from_str::<Vec<Value>>(&stdout).unwrap().len(),
        7
    );
    assert_eq!(fake.token_requests(), 2, "one token, renewed once");
}

#[test]
fn an_expired_page_token_restarts_the_listing() {
    let sample = recent_sample();
    let fake = start(
        &sample,
        Options {
            page_size_cap: 3,
            ..Options::default()
        },
    );
    // The first page is answered normally; the second says its page token expired.
    fake.inject(Fault::new(
        "/participants",
        1,
        FaultKind::Delay(std::time::Duration::ZERO),
    ));
    let expired = json!({"code": 300, "message": "The next page token is invalid or expired."});
    fake.inject(Fault::new(
        "/participants",
        1,
        FaultKind::Status {
            status: 400,
            body: expired,
        },
    ));
    let mut command = live(&fake);
    command.args(["participant", "/7em4y/d5AoFjeWFP0NBnw==", "--json"]);
    let (stdout, _) = run_ok(&mut command);
    let rows: Vec<Value> = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        rows.len(),
        11,
        "the listing restarted from page one, without duplicates"
    );
    let mut keys: Vec<String> = rows
        .iter()
        .map(|r| format!("{}{}", r["name"], r["join_time"]))
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 11);
    let asked = fake
        .requests()
        .iter()
        .filter(|r| r.raw_path.ends_with("/participants"))
        .count();
    assert_eq!(
        asked,
        2 + 4,
        "two pages, then the four pages of the restart"
    );
}

#[test]
fn secrets_never_reach_any_output_even_at_trace_level() {
    let sample = recent_sample();
    let fake = start(
        &sample,
        Options {
            page_size_cap: 100,
            ..Options::default()
        },
    );
    fake.inject(Fault::new(
        "/participants",
        1,
        FaultKind::Status {
            status: 401,
            body: json!({"code": 124, "message": "Invalid access token."}),
        },
    ));
    let out = tempfile::tempdir().unwrap();
    let mut outputs: Vec<Vec<u8>> = Vec::new();
    let mut runs: Vec<assert_cmd::Command> = Vec::new();
    let mut main = live(&fake);
    main.args(sample.range_args())
        .args([
            "--all-users",
            "--format",
            "xlsx,csv,html,json",
            "-vvv",
            "--out",
        ])
        .arg(out.path());
    runs.push(main);
    for args in [
        vec!["meeting", "-vvv"],
        vec!["statistic", "85012345678", "-vvv"],
        vec!["participant", "cc/gogPR5eXIWD5y4FnV3w==", "-vvv"],
        vec!["--help"],
    ] {
        let mut command = live(&fake);
        command.args(&args);
        if args[0] == "meeting" {
            command.args(sample.range_args());
        }
        runs.push(command);
    }
    let mut bad_secret = live(&fake);
    bad_secret
        .env("ZOOM_CLIENT_SECRET", "another-secret-value-42")
        .args(["participant", "x==", "-vvv"]);
    runs.push(bad_secret);
    let mut codes = Vec::new();
    for mut command in runs {
        let output = command.env("RUST_LOG", "trace").output().unwrap();
        codes.push(output.status.code());
        outputs.push(output.stdout);
        outputs.push(output.stderr);
    }
    assert_eq!(
        &codes[..5],
        [Some(0); 5],
        "every run but the bad secret succeeds"
    );
    let written = walk(out.path());
    for part in [
        ".xlsx",
        ".csv",
        ".html",
        ".json",
        "participants.jsonl",
        "manifest.json",
    ] {
        assert!(
            written.iter().any(|p| p.to_string_lossy().ends_with(part)),
            "the search covers a {part} file"
        );
    }
    let trace = String::from_utf8_lossy(&outputs[1]).to_string();
    assert!(
        trace.contains("TRACE") || trace.contains("DEBUG"),
        "logging really ran at trace level: {trace}"
    );
    for entry in written {
        outputs.push(std::fs::read(entry).unwrap());
    }
    let defaults = Options::default();
    let basic = |secret: &str| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{secret}", defaults.client_id))
    };
    let secrets = [
        defaults.client_secret.clone(),
        "another-secret-value-42".to_string(),
        basic(&defaults.client_secret),
        basic("another-secret-value-42"),
    ];
    let tokens = fake.issued_tokens();
    assert!(!tokens.is_empty());
    for (index, output) in outputs.iter().enumerate() {
        let text = String::from_utf8_lossy(output);
        for secret in secrets.iter().chain(&tokens) {
            assert!(
                !text.contains(secret.as_str()),
                "output {index} leaks a secret"
            );
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path))
        } else {
            files.push(path)
        }
    }
    files
}

#[test]
fn the_token_is_renewed_a_minute_before_it_expires() {
    let sample = recent_sample();
    let options = Options {
        token_ttl: std::time::Duration::from_secs(61),
        latency: std::time::Duration::from_millis(300),
        page_size_cap: 2,
        ..Options::default()
    };
    let fake = start(&sample, options);
    let mut command = live(&fake);
    command.args(["participant", "/7em4y/d5AoFjeWFP0NBnw==", "--json"]);
    let (stdout, _) = run_ok(&mut command);
    assert_eq!(
        serde_json::from_str::<Vec<Value>>(&stdout).unwrap().len(),
        11
    );
    assert!(fake.token_requests() >= 2, "renewed before expiry");
    assert!(
        fake.requests().iter().all(|r| r.status != 401),
        "never sent an expiring token"
    );
}

#[test]
fn webinar_participants_come_from_the_webinar_report() {
    let sample = recent_sample();
    let fake = start(&sample, Options::default());
    let mut command = live(&fake);
    command.args([
        "participant",
        "P1MoI0HZ//+eFkSeWJxATg==",
        "--webinar",
        "--json",
    ]);
    let (stdout, _) = run_ok(&mut command);
    let rows: Vec<Value> = serde_json::from_str(&stdout).unwrap();
    assert_eq!(rows.len(), 9);
    let paths: Vec<String> = fake.requests().iter().map(|r| r.raw_path.clone()).collect();
    assert!(
        paths.contains(
            &"/v2/report/webinars/P1MoI0HZ%252F%252F%252BeFkSeWJxATg%253D%253D".to_string()
        ),
        "the webinar's details, its uuid encoded twice: {paths:?}"
    );
    assert!(
        paths
            .iter()
            .any(|p| p.starts_with("/v2/report/webinars/P1MoI0HZ%252F%252F")
                && p.ends_with("/participants")),
        "{paths:?}"
    );
    assert!(
        !paths.iter().any(|p| p.starts_with("/v2/report/meetings/")),
        "no meeting report is asked for: {paths:?}"
    );

    let mut stats = live(&fake);
    stats.args(["stats", "P1MoI0HZ//+eFkSeWJxATg==", "--webinar", "--json"]);
    let (stdout, _) = run_ok(&mut stats);
    let people: Vec<Value> = serde_json::from_str(&stdout).unwrap();
    assert!(!people.is_empty() && people.len() <= 9);
}

#[test]
fn the_listing_type_passes_through() {
    let sample = recent_sample();
    let fake = start(&sample, Options::default());
    let mut command = live(&fake);
    command
        .arg("meeting")
        .args(sample.range_args())
        .args(["--type", "pastJoined", "--json"]);
    run_ok(&mut command);
    let listings: Vec<String> = fake
        .requests()
        .iter()
        .filter(|r| r.raw_path.ends_with("/meetings"))
        .map(|r| r.query.clone())
        .collect();
    assert!(!listings.is_empty());
    assert!(
        listings
            .iter()
            .all(|query| query.contains("type=pastJoined")),
        "{listings:?}"
    );
}
