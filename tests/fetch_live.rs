//! The main job fetching live from a fake Zoom: windows across month ends, two users,
//! pagination, faults on the way, the daily limit, failed instances, interruption and
//! resuming. Each run's report must equal the report rebuilt from its archive and the
//! report of an undisturbed run.

mod support;

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{Months, NaiveDate, Utc};
use serde_json::{Value, json};
use support::fake_zoom::{Account, FakeZoom, Fault, FaultKind, Options};
use support::synthetic::{Spec, Synthetic};
use support::{file_names, live, read_csv};

/// About three months ending ten days ago: windows cross two month ends.
fn three_months() -> (NaiveDate, NaiveDate) {
    let to = Utc::now().date_naive() - chrono::Duration::days(10);
    let from = to.checked_sub_months(Months::new(3)).unwrap() + chrono::Duration::days(5);
    (from, to)
}

/// Two hosts, one instance a day (so every window's first and last day hold a meeting),
/// every fifth a weekly series, uuids that need double encoding, and one instance with
/// more than three pages of participants.
fn account(from: NaiveDate, to: NaiveDate) -> Synthetic {
    let days = (to - from).num_days() as usize + 1;
    let mut spec = Spec::small(from, to);
    spec.instances = days;
    spec.rows_per_instance = 12;
    spec.people = 80;
    let mut synthetic = Synthetic::generate(&spec);
    let (_, big) = &synthetic.meetings[7];
    let uuid = big["uuid"].as_str().unwrap().to_string();
    let rows = synthetic.participants.get_mut(&uuid).unwrap();
    let template = rows[1].clone();
    for index in 0..60 {
        let mut row = template.clone();
        row.insert("name".into(), Value::from(format!("Khách mời {index}")));
        row.insert("user_email".into(), Value::from(""));
        rows.push(row);
    }
    synthetic
}

fn serve(synthetic: &Synthetic, options: Options) -> FakeZoom {
    let account = Account {
        users: synthetic.users.clone(),
        meetings: synthetic.meetings.clone(),
        participants: synthetic.participants.clone(),
    };
    FakeZoom::start(
        account,
        Options {
            page_size_cap: 20,
            ..options
        },
    )
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    seconds: f64,
}

fn run(fake: &FakeZoom, out: &Path, from: NaiveDate, to: NaiveDate, extra: &[&str]) -> Run {
    let started = Instant::now();
    let is_rebuild = extra.contains(&"--input");
    let output = live(fake)
        .args(["--from", &from.to_string(), "--to", &to.to_string()])
        .args(if is_rebuild {
            &[][..]
        } else {
            &["--all-users"][..]
        })
        .args(["--format", "csv,json,xlsx", "--out"])
        .arg(out)
        .args(extra)
        .args(if extra.contains(&"--tz") {
            &[][..]
        } else {
            &["--tz", "UTC"][..]
        })
        .output()
        .unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
        seconds: started.elapsed().as_secs_f64(),
    }
}

fn csv_tables(out: &Path, from: NaiveDate, to: NaiveDate) -> Vec<(String, Vec<u8>)> {
    ["people", "meetings", "attendance", "sessions"]
        .iter()
        .map(|table| {
            let name = format!("zoom-report_{from}_{to}_{table}.csv");
            let bytes = std::fs::read(out.join(&name)).unwrap_or_else(|_| panic!("{name} written"));
            (name, bytes)
        })
        .collect()
}

fn assert_same_reports(a: &Path, b: &Path, from: NaiveDate, to: NaiveDate) {
    for ((name, left), (_, right)) in csv_tables(a, from, to).iter().zip(csv_tables(b, from, to)) {
        assert!(*left == right, "{name} differs");
    }
}

fn rebuild_from_archive(
    fake: &FakeZoom,
    out: &Path,
    from: NaiveDate,
    to: NaiveDate,
) -> tempfile::TempDir {
    let rebuilt = tempfile::tempdir().unwrap();
    let archive = out.join("raw").join(format!("{from}_{to}"));
    let result = run(
        fake,
        rebuilt.path(),
        from,
        to,
        &["--input", archive.to_str().unwrap()],
    );
    assert_eq!(result.code, 0, "{}", result.stderr);
    rebuilt
}

/// People counted by the rule in the README, straight from the generated rows.
fn expected_people(synthetic: &Synthetic) -> usize {
    use unicode_normalization::UnicodeNormalization;
    let mut keys = HashSet::new();
    for rows in synthetic.participants.values() {
        for row in rows.iter().filter(|r| r["status"] == "in_meeting") {
            let email = row["user_email"].as_str().unwrap().trim().to_lowercase();
            let name: String = row["name"].as_str().unwrap().nfc().collect();
            let name = name
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase();
            keys.insert(if email.is_empty() {
                format!("n:{name}")
            } else {
                format!("e:{email}")
            });
        }
    }
    keys.len()
}

#[test]
fn three_months_of_two_users_match_the_account_and_the_archive() {
    let (from, to) = three_months();
    let synthetic = account(from, to);
    let fake = serve(
        &synthetic,
        Options {
            heavy_per_second: Some(40),
            ..Options::default()
        },
    );
    let out = tempfile::tempdir().unwrap();
    let result = run(&fake, out.path(), from, to, &["--rate", "40"]);
    assert_eq!(result.code, 0, "{}", result.stderr);

    let requests = fake.requests();
    let api: Vec<_> = requests
        .iter()
        .filter(|r| r.raw_path.starts_with("/v2/report"))
        .collect();
    let floor = api.len() as f64 / 40.0;
    eprintln!(
        "three months at --rate 40: {} report requests in {:.2} s, floor {floor:.2} s, ratio {:.2}, {} answered 429",
        api.len(),
        result.seconds,
        result.seconds / floor,
        requests.iter().filter(|r| r.status == 429).count()
    );
    assert_eq!(
        fake.over_month_requests(),
        0,
        "no listing spans more than a month"
    );

    // The listing windows: both users, contiguous, none longer than a month.
    let mut windows: Vec<(String, String)> = api
        .iter()
        .filter(|r| r.raw_path.ends_with("/meetings") && !r.query.contains("next_page_token"))
        .map(|r| (query_value(&r.query, "from"), query_value(&r.query, "to")))
        .collect();
    windows.sort();
    windows.dedup();
    // A day either side, so instances near the ends are found whatever the zone.
    assert_eq!(
        windows.first().unwrap().0,
        from.pred_opt().unwrap().to_string()
    );
    assert_eq!(
        windows.last().unwrap().1,
        to.succ_opt().unwrap().to_string()
    );
    for pair in windows.windows(2) {
        let end: NaiveDate = pair[0].1.parse().unwrap();
        assert_eq!(
            end.succ_opt().unwrap().to_string(),
            pair[1].0,
            "windows meet without gap"
        );
    }
    assert!(
        windows.len() >= 3,
        "three months need at least three windows"
    );

    let meetings = read_csv(
        &out.path()
            .join(format!("zoom-report_{from}_{to}_meetings.csv")),
    );
    assert_eq!(
        meetings.len(),
        synthetic.meetings.len(),
        "every instance once, boundary days included"
    );
    let sessions = read_csv(
        &out.path()
            .join(format!("zoom-report_{from}_{to}_sessions.csv")),
    );
    assert_eq!(
        sessions.len(),
        synthetic.row_count(),
        "every join row of every page"
    );
    let people = read_csv(
        &out.path()
            .join(format!("zoom-report_{from}_{to}_people.csv")),
    );
    assert_eq!(people.len(), expected_people(&synthetic));
    assert!(result.stdout.contains(&format!(
        "{} meetings, {} people",
        meetings.len(),
        people.len()
    )));

    let rebuilt = rebuild_from_archive(&fake, out.path(), from, to);
    assert_same_reports(out.path(), rebuilt.path(), from, to);
}

fn query_value(query: &str, key: &str) -> String {
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(&format!("{key}=")))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn faults_on_the_way_still_give_the_complete_report() {
    let (from, to) = three_months();
    let synthetic = account(from, to);
    let clean = tempfile::tempdir().unwrap();
    let calm = serve(&synthetic, Options::default());
    assert_eq!(
        run(&calm, clean.path(), from, to, &["--rate", "40"]).code,
        0
    );

    let fake = serve(&synthetic, Options::default());
    let participants = "/participants";
    let qps = |headers, retry_after_seconds| FaultKind::RateLimitQps {
        headers,
        retry_after_seconds,
    };
    fake.inject(Fault::new(
        participants,
        1,
        FaultKind::Delay(Duration::ZERO),
    ));
    fake.inject(Fault::new(participants, 3, qps(true, None)));
    fake.inject(Fault::new(participants, 2, qps(false, None)));
    fake.inject(Fault::new(participants, 1, qps(true, Some(1))));
    fake.inject(Fault::new(
        participants,
        1,
        FaultKind::Status {
            status: 503,
            body: json!({}),
        },
    ));
    fake.inject(Fault::new(
        participants,
        1,
        FaultKind::Status {
            status: 500,
            body: json!({}),
        },
    ));
    fake.inject(Fault::new(
        participants,
        1,
        FaultKind::Status {
            status: 502,
            body: json!({}),
        },
    ));
    fake.inject(Fault::new(participants, 1, FaultKind::TruncatedJson));
    fake.inject(Fault::new(participants, 1, FaultKind::DropConnection));
    fake.inject(Fault::new(
        participants,
        1,
        FaultKind::Delay(Duration::from_secs(4)),
    ));
    fake.inject(Fault::new(participants, 1, FaultKind::ShortPage));
    fake.inject(Fault::new(
        "/meetings",
        1,
        FaultKind::Status {
            status: 401,
            body: json!({"code": 124, "message": "Invalid access token."}),
        },
    ));
    fake.inject(Fault::new(
        participants,
        1,
        FaultKind::Status {
            status: 401,
            body: json!({"code": 124, "message": "Invalid access token."}),
        },
    ));
    fake.inject(Fault::new(participants, 1, FaultKind::ExpiredPageToken));
    let out = tempfile::tempdir().unwrap();
    let result = run(
        &fake,
        out.path(),
        from,
        to,
        &["--rate", "40", "--timeout", "2", "-v"],
    );
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert_eq!(fake.pending_faults(), 0, "every fault was met on the way");
    let answered = |status: u16| {
        fake.requests()
            .iter()
            .filter(|r| r.status == status)
            .count()
    };
    assert!(answered(429) >= 6, "the 429s reached the client");
    for status in [500, 502, 503] {
        assert!(answered(status) >= 1, "{status} reached the client");
    }
    assert!(
        result.stderr.contains("retrying"),
        "retries are logged at -v: {}",
        result.stderr
    );
    assert_same_reports(out.path(), clean.path(), from, to);
    assert!(fake.token_requests() >= 2, "the rejected token was renewed");
}

#[test]
fn a_repeating_page_token_is_refused_and_the_instance_named() {
    let (from, to) = three_months();
    let synthetic = account(from, to);
    let fake = serve(&synthetic, Options::default());
    fake.inject(Fault::new("/participants", 1, FaultKind::RepeatPageToken));
    let out = tempfile::tempdir().unwrap();
    let result = run(&fake, out.path(), from, to, &[]);
    assert_eq!(result.code, 3, "{}", result.stderr);
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join(format!("zoom-report_{from}_{to}.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(report["complete"], false);
    let problems = report["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0]["reason"]
            .as_str()
            .unwrap()
            .contains("same next_page_token")
    );
}

#[test]
fn instances_zoom_cannot_give_are_named_and_the_rest_reported() {
    let (from, to) = three_months();
    let synthetic = account(from, to);
    let fake = serve(&synthetic, Options::default());
    let uuid_of = |index: usize| {
        synthetic.meetings[index].1["uuid"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let encoded = |uuid: &str| zoom_report::zoom::endpoints::encode_meeting_id(uuid);
    let (gone, old) = (uuid_of(2), uuid_of(4));
    fake.inject(Fault::new(
        &encoded(&gone),
        1,
        FaultKind::Status {
            status: 404,
            body: json!({"code": 3001, "message": "Meeting does not exist."}),
        },
    ));
    fake.inject(Fault::new(
        &encoded(&old),
        1,
        FaultKind::Status {
            status: 400,
            body: json!({"code": 12702, "message": "Can not access meeting a year ago."}),
        },
    ));
    let out = tempfile::tempdir().unwrap();
    let result = run(
        &fake,
        out.path(),
        from,
        to,
        &["--format", "csv,json,xlsx,html"],
    );
    assert_eq!(result.code, 3, "{}", result.stderr);
    assert!(result.stdout.contains("INCOMPLETE"), "{}", result.stdout);

    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(
            out.path()
                .join("raw")
                .join(format!("{from}_{to}"))
                .join("manifest.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let failed: HashSet<&str> = manifest["failed_instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["meeting_uuid"].as_str().unwrap())
        .collect();
    assert_eq!(failed, HashSet::from([gone.as_str(), old.as_str()]));
    let meetings = read_csv(
        &out.path()
            .join(format!("zoom-report_{from}_{to}_meetings.csv")),
    );
    assert_eq!(meetings.len(), synthetic.meetings.len() - 2);

    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook(out.path().join(format!("zoom-report_{from}_{to}.xlsx"))).unwrap();
    use calamine::Reader;
    let problems = workbook
        .worksheet_range("Problems")
        .expect("a Problems sheet");
    assert_eq!(problems.height(), 3);
    let html =
        std::fs::read_to_string(out.path().join(format!("zoom-report_{from}_{to}.html"))).unwrap();
    assert!(html.contains(&gone) && html.contains("code 12702"));
}

#[test]
fn the_daily_limit_keeps_what_was_fetched_and_the_next_run_completes_it() {
    let (from, to) = three_months();
    let synthetic = account(from, to);
    let clean = tempfile::tempdir().unwrap();
    let calm = serve(&synthetic, Options::default());
    assert_eq!(
        run(&calm, clean.path(), from, to, &["--tz", "Asia/Ho_Chi_Minh"]).code,
        0
    );

    let limited = serve(
        &synthetic,
        Options {
            daily_heavy_limit: Some(40),
            ..Options::default()
        },
    );
    let out = tempfile::tempdir().unwrap();
    let first = run(
        &limited,
        out.path(),
        from,
        to,
        &["--tz", "Asia/Ho_Chi_Minh"],
    );
    assert_eq!(first.code, 3, "{}", first.stderr);
    assert!(
        first.stderr.contains("daily request limit was reached"),
        "{}",
        first.stderr
    );
    assert!(
        first.stderr.contains("07:00 (Asia/Ho_Chi_Minh)"),
        "the reset is told in the user's zone: {}",
        first.stderr
    );
    let after_limit = limited
        .requests()
        .iter()
        .filter(|r| r.status == 429)
        .count();
    assert!(
        after_limit <= 8,
        "stops asking once the limit is hit ({after_limit} refused requests)"
    );
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join(format!("zoom-report_{from}_{to}.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(report["complete"], false);
    let missing = report["problems"].as_array().unwrap().len();
    assert!(missing > 0);

    // The next day: the same command fetches only what is missing.
    let next_day = serve(&synthetic, Options::default());
    let second = run(
        &next_day,
        out.path(),
        from,
        to,
        &["--tz", "Asia/Ho_Chi_Minh"],
    );
    assert_eq!(second.code, 0, "{}", second.stderr);
    let fetched: HashSet<String> = next_day
        .requests()
        .iter()
        .filter(|r| r.raw_path.ends_with("/participants"))
        .map(|r| r.raw_path.clone())
        .collect();
    assert_eq!(
        fetched.len(),
        missing,
        "only the missing instances are fetched again"
    );
    assert_same_reports(out.path(), clean.path(), from, to);
}

/// Starts the three-month run against a slow fake, stops it with `stop` once five
/// instances are archived, then runs the same command again. Checks the resumed report
/// equals an undisturbed run's; returns how many instances the cut run kept, how many
/// there are, and the fake that served the resumed run.
fn cut_short_and_resume(
    out: &Path,
    stop: impl FnOnce(&mut std::process::Child),
) -> (usize, usize, FakeZoom) {
    let (from, to) = three_months();
    let synthetic = account(from, to);
    let clean = tempfile::tempdir().unwrap();
    let calm = serve(&synthetic, Options::default());
    assert_eq!(run(&calm, clean.path(), from, to, &[]).code, 0);

    let slow = serve(
        &synthetic,
        Options {
            latency: Duration::from_millis(150),
            ..Options::default()
        },
    );
    let (from_day, to_day) = (from.to_string(), to.to_string());
    let mut child = spawn(
        slow.env(),
        &[
            "--from",
            &from_day,
            "--to",
            &to_day,
            "--all-users",
            "--format",
            "csv,json,xlsx",
            "--concurrency",
            "2",
        ],
        out,
    );
    let archive = out.join("raw").join(format!("{from}_{to}"));
    let deadline = Instant::now() + Duration::from_secs(60);
    while lines(&archive.join("meetings.jsonl")) < 5 {
        assert!(Instant::now() < deadline, "the run never got going");
        std::thread::sleep(Duration::from_millis(20));
    }
    stop(&mut child);
    let kept = lines(&archive.join("meetings.jsonl"));
    assert!(kept < synthetic.meetings.len(), "it really was cut short");

    let resumed = serve(&synthetic, Options::default());
    let second = run(&resumed, out, from, to, &[]);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert_same_reports(out, clean.path(), from, to);
    (kept, synthetic.meetings.len(), resumed)
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_within_a_second_and_the_same_command_resumes() {
    let out = tempfile::tempdir().unwrap();
    let (kept, total, resumed) = cut_short_and_resume(out.path(), |child| {
        interrupt_within_a_second(child);
        assert!(
            file_names(out.path())
                .iter()
                .all(|n| !n.starts_with(".zoom-report-"))
        );
    });
    let fetched = resumed
        .requests()
        .iter()
        .filter(|r| r.raw_path.ends_with("/participants"))
        .map(|r| r.raw_path.clone())
        .collect::<HashSet<_>>();
    assert_eq!(fetched.len(), total - kept, "only what was missing");
}

fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .map(|text| text.lines().count())
        .unwrap_or(0)
}

#[test]
fn the_daily_limit_reset_is_the_same_moment_in_every_zone() {
    use chrono::TimeZone;
    let (from, to) = three_months();
    let synthetic = account(from, to);
    let mut resets = Vec::new();
    for zone in ["America/Los_Angeles", "Asia/Ho_Chi_Minh"] {
        let fake = serve(&synthetic, Options::default());
        let retry_after = "2030-01-02T00:00:00Z".to_string();
        fake.inject(Fault::new(
            "/participants",
            1,
            FaultKind::DailyLimit { retry_after },
        ));
        let out = tempfile::tempdir().unwrap();
        let result = run(&fake, out.path(), from, to, &["--tz", zone]);
        assert_eq!(result.code, 3, "{}", result.stderr);
        // "... It resets at 2030-01-01 16:00 (America/Los_Angeles); ..."
        let told = result
            .stderr
            .split("resets at ")
            .nth(1)
            .expect("the reset is told");
        let (local, rest) = told.split_at(16);
        assert!(rest.starts_with(&format!(" ({zone})")), "{told}");
        let local = chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").unwrap();
        let tz: chrono_tz::Tz = zone.parse().unwrap();
        resets.push(
            tz.from_local_datetime(&local)
                .single()
                .unwrap()
                .with_timezone(&Utc),
        );
    }
    assert_eq!(resets[0], resets[1], "the same moment, told in each zone");
    assert_eq!(resets[0].to_rfc3339(), "2030-01-02T00:00:00+00:00");
}

/// A copy of instance `index`, moved to start at `start`, under a new uuid; its join rows
/// move with it.
fn moved_copy(synthetic: &mut Synthetic, index: usize, uuid: &str, start: &str) {
    let (host, original) = synthetic.meetings[index].clone();
    let old_uuid = original["uuid"].as_str().unwrap().to_string();
    let time = |value: &Value| {
        chrono::DateTime::parse_from_rfc3339(value.as_str().unwrap())
            .unwrap()
            .with_timezone(&Utc)
    };
    let shift = start.parse::<chrono::DateTime<Utc>>().unwrap() - time(&original["start_time"]);
    let moved = |object: &mut serde_json::Map<String, Value>, keys: &[&str]| {
        for key in keys {
            let at = time(&object[*key]) + shift;
            object.insert(
                key.to_string(),
                Value::from(at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            );
        }
    };
    let mut meeting = original.clone();
    meeting.insert("uuid".into(), Value::from(uuid));
    moved(&mut meeting, &["start_time", "end_time"]);
    let rows: Vec<_> = synthetic.participants[&old_uuid]
        .iter()
        .map(|row| {
            let mut row = row.clone();
            moved(&mut row, &["join_time", "leave_time"]);
            row
        })
        .collect();
    synthetic.meetings.push((host, meeting));
    synthetic.participants.insert(uuid.to_string(), rows);
}

#[test]
fn instances_near_the_range_ends_belong_to_their_day_in_the_zone() {
    let to = Utc::now().date_naive() - chrono::Duration::days(10);
    let from = to - chrono::Duration::days(9);
    let mut spec = Spec::small(from, to);
    spec.instances = 6;
    let mut synthetic = Synthetic::generate(&spec);
    // 06:30 on the first day in Hanoi is 23:30 the day before in UTC; 03:00 on the day
    // after the last in Hanoi is 20:00 on the last day in UTC.
    let early = "HanoiMorningOfTheFirstDay0==";
    let late = "UtcEveningOfTheLastDay000==";
    let before_first = from.pred_opt().unwrap();
    moved_copy(
        &mut synthetic,
        0,
        early,
        &format!("{before_first}T23:30:00Z"),
    );
    moved_copy(&mut synthetic, 1, late, &format!("{to}T20:00:00Z"));

    for (zone, kept, left_out) in [("Asia/Ho_Chi_Minh", early, late), ("UTC", late, early)] {
        let fake = serve(&synthetic, Options::default());
        let out = tempfile::tempdir().unwrap();
        let result = run(&fake, out.path(), from, to, &["--tz", zone]);
        assert_eq!(result.code, 0, "{zone}: {}", result.stderr);
        let meetings = read_csv(
            &out.path()
                .join(format!("zoom-report_{from}_{to}_meetings.csv")),
        );
        let uuids: Vec<&str> = meetings
            .iter()
            .map(|m| m["meeting_uuid"].as_str())
            .collect();
        assert!(uuids.contains(&kept), "{zone}: {kept} is in the range");
        assert!(!uuids.contains(&left_out), "{zone}: {left_out} is not");
        assert_eq!(meetings.len(), spec.instances + 1, "{zone}");
        let asked_for_left_out = fake
            .requests()
            .iter()
            .any(|r| r.raw_path.contains(&left_out[..12]) && r.raw_path.ends_with("/participants"));
        assert!(
            !asked_for_left_out,
            "{zone}: no participants are fetched for an instance outside the range"
        );

        // Rebuilt in another zone, the archive lacks what that zone's ends would hold.
        let other = if zone == "UTC" {
            "Asia/Ho_Chi_Minh"
        } else {
            "UTC"
        };
        let archive = out.path().join("raw").join(format!("{from}_{to}"));
        let rebuilt = tempfile::tempdir().unwrap();
        let input = ["--input", archive.to_str().unwrap(), "--tz", other];
        let again = run(&fake, rebuilt.path(), from, to, &input);
        assert_eq!(again.code, 0, "{}", again.stderr);
        assert!(
            again
                .stderr
                .contains(&format!("was fetched for the days of {zone}")),
            "{}",
            again.stderr
        );
    }
}

#[test]
fn a_fresh_run_keeps_the_earlier_archive_until_it_is_replaced() {
    let to = Utc::now().date_naive() - chrono::Duration::days(10);
    let from = to - chrono::Duration::days(9);
    let mut spec = Spec::small(from, to);
    spec.instances = 8;
    let synthetic = Synthetic::generate(&spec);
    let out = tempfile::tempdir().unwrap();
    let calm = serve(&synthetic, Options::default());
    assert_eq!(run(&calm, out.path(), from, to, &[]).code, 0);
    let archive = out.path().join("raw").join(format!("{from}_{to}"));
    let earlier = std::fs::read(archive.join("participants.jsonl")).unwrap();
    let earlier_reports = tempfile::tempdir().unwrap();
    for (name, bytes) in csv_tables(out.path(), from, to) {
        std::fs::write(earlier_reports.path().join(name), bytes).unwrap();
    }

    // The same command again, but the app lost a scope: the run fails after it started
    // its new archive.
    let broken = serve(&synthetic, Options::default());
    broken.inject(Fault::new(
        "/participants",
        100,
        FaultKind::Status {
            status: 400,
            body: json!({"code": 4711, "message": "Invalid access token, does not contain scopes:[report:read:admin]."}),
        },
    ));
    let failed = run(&broken, out.path(), from, to, &[]);
    assert_eq!(failed.code, 1, "{}", failed.stderr);
    assert!(
        failed.stderr.contains("report:read:admin"),
        "{}",
        failed.stderr
    );

    let previous = out.path().join("raw").join(format!("{from}_{to}.previous"));
    assert_eq!(
        std::fs::read(previous.join("participants.jsonl")).unwrap(),
        earlier,
        "the earlier archive is kept whole"
    );
    let rebuilt = tempfile::tempdir().unwrap();
    let result = run(
        &calm,
        rebuilt.path(),
        from,
        to,
        &["--input", previous.to_str().unwrap()],
    );
    assert_eq!(result.code, 0, "{}", result.stderr);
    assert_same_reports(rebuilt.path(), earlier_reports.path(), from, to);
    assert_same_reports(out.path(), earlier_reports.path(), from, to);
}

#[test]
fn ctrl_c_while_reports_are_written_leaves_only_whole_files() {
    let (from, to) = three_months();
    let mut spec = Spec::small(from, to);
    spec.instances = 300;
    spec.rows_per_instance = 300;
    spec.people = 4000;
    let archive = tempfile::tempdir().unwrap();
    Synthetic::generate(&spec)
        .write_archive(archive.path(), from, to)
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let (from_day, to_day) = (from.to_string(), to.to_string());
    let mut child = spawn(
        Vec::new(),
        &[
            "--from",
            &from_day,
            "--to",
            &to_day,
            "--input",
            archive.path().to_str().unwrap(),
            "--format",
            "xlsx,csv,html,json",
            "-v",
        ],
        out.path(),
    );

    // Wait until the reports are being written: the CSV files are done, the workbook, the
    // page and the JSON are not.
    let stderr = child.stderr.take().unwrap();
    let (lines, logged) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = lines.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let line = logged
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("the run logs each format written");
        if line.contains("wrote Csv") {
            break;
        }
    }
    interrupt_within_a_second(&mut child);

    let names = file_names(out.path());
    assert!(
        names.iter().all(|n| !n.starts_with(".zoom-report-")),
        "no temporary file is left: {names:?}"
    );
    assert!(
        names.iter().filter(|n| n.ends_with(".csv")).count() == 4,
        "the files finished before the signal stay: {names:?}"
    );
    for name in &names {
        let path = out.path().join(name);
        if name.ends_with(".csv") {
            let mut reader = csv::Reader::from_path(&path).unwrap();
            assert!(reader.records().all(|r| r.is_ok()), "{name} is whole");
        } else if name.ends_with(".json") {
            let text = std::fs::read_to_string(&path).unwrap();
            serde_json::from_str::<Value>(&text).expect("the JSON is whole");
        } else if name.ends_with(".xlsx") {
            let _: calamine::Xlsx<_> = calamine::open_workbook(&path).expect("the xlsx is whole");
        } else if name.ends_with(".html") {
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(text.trim_end().ends_with("</html>"), "the HTML is whole");
        }
    }
}

/// The binary started with `args` (in UTC, writing into `out`), its stderr piped.
fn spawn(env: Vec<(String, String)>, args: &[&str], out: &Path) -> std::process::Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("zoom-report"))
        .envs(env)
        .current_dir(std::env::temp_dir())
        .args(args)
        .args(["--tz", "UTC", "--out"])
        .arg(out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// Sends Ctrl-C's signal and checks the run ends within a second with exit code 130.
fn interrupt_within_a_second(child: &mut std::process::Child) {
    let interrupted_at = Instant::now();
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    let stop_time = interrupted_at.elapsed();
    assert_eq!(
        status.code(),
        Some(130),
        "stopped by the signal, not finished"
    );
    assert!(
        stop_time < Duration::from_secs(1),
        "stopped in {stop_time:?}"
    );
}

#[test]
fn requests_are_paced_under_the_rate_and_kept_once_across_users() {
    let to = Utc::now().date_naive() - chrono::Duration::days(10);
    let from = to - chrono::Duration::days(9);
    let mut spec = Spec::small(from, to);
    spec.instances = 30;
    let mut synthetic = Synthetic::generate(&spec);
    // A co-hosted instance is listed under both hosts; one whose uuid reads the same
    // encoded, so its requests are easy to find.
    let plain = |m: &serde_json::Map<String, Value>| {
        m["uuid"].as_str().unwrap()[..8]
            .chars()
            .all(|c| c.is_ascii_alphanumeric())
    };
    let (host, shared) = synthetic
        .meetings
        .iter()
        .find(|(_, m)| plain(m))
        .cloned()
        .unwrap();
    let other = synthetic
        .users
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_string())
        .find(|id| *id != host)
        .unwrap();
    synthetic.meetings.push((other, shared.clone()));
    let fake = serve(
        &synthetic,
        Options {
            heavy_per_second: Some(10),
            ..Options::default()
        },
    );
    let out = tempfile::tempdir().unwrap();
    let result = run(&fake, out.path(), from, to, &["--rate", "8"]);
    assert_eq!(result.code, 0, "{}", result.stderr);

    let requests = fake.requests();
    let heavy: Vec<_> = requests
        .iter()
        .filter(|r| r.raw_path.starts_with("/v2/report"))
        .collect();
    let refused = heavy.iter().filter(|r| r.status == 429).count();
    assert!(
        refused <= 1,
        "paced under Zoom's 10/s, {refused} answered 429"
    );
    // Evenly spread at 8 per second, n requests take at least (n - 1) / 8 seconds.
    let first = heavy.first().unwrap().at;
    let last = heavy.last().unwrap().at;
    let spread = (last - first).as_secs_f64();
    let floor = (heavy.len() - 1) as f64 / 8.0;
    assert!(
        spread >= floor * 0.95,
        "{} requests in {spread:.2} s: faster than --rate 8 allows",
        heavy.len()
    );

    let meetings = read_csv(
        &out.path()
            .join(format!("zoom-report_{from}_{to}_meetings.csv")),
    );
    assert_eq!(
        meetings.len(),
        spec.instances,
        "the co-hosted instance once"
    );
    let uuid = shared["uuid"].as_str().unwrap();
    let encoded_start = &uuid[..8];
    let asked = heavy
        .iter()
        .filter(|r| r.raw_path.ends_with("/participants") && r.raw_path.contains(encoded_start))
        // First pages answered, so neither a retry after a 429 nor a next page counts.
        .filter(|r| r.status == 200 && !r.query.contains("next_page_token"))
        .count();
    assert_eq!(asked, 1, "its participants are fetched once");
}

#[test]
fn a_daily_limit_before_anything_is_listed_fails_and_says_when_it_resets() {
    let to = Utc::now().date_naive() - chrono::Duration::days(10);
    let from = to - chrono::Duration::days(9);
    let synthetic = Synthetic::generate(&Spec::small(from, to));
    let fake = serve(
        &synthetic,
        Options {
            daily_heavy_limit: Some(0),
            ..Options::default()
        },
    );
    let out = tempfile::tempdir().unwrap();
    let result = run(&fake, out.path(), from, to, &["--tz", "Asia/Ho_Chi_Minh"]);
    assert_eq!(result.code, 1, "nothing was written: {}", result.stderr);
    assert!(
        result.stderr.contains("nothing was fetched")
            && result.stderr.contains("07:00 (Asia/Ho_Chi_Minh)"),
        "{}",
        result.stderr
    );
    let reports: Vec<String> = file_names(out.path())
        .into_iter()
        .filter(|n| n.starts_with("zoom-report_"))
        .collect();
    assert!(reports.is_empty(), "{reports:?}");
}

#[test]
fn an_archive_cut_by_a_kill_resumes_to_the_same_report() {
    let out = tempfile::tempdir().unwrap();
    // No chance to tidy up: the process ends mid-write, as after a crash or power loss.
    cut_short_and_resume(out.path(), |child| {
        child.kill().unwrap();
        child.wait().unwrap();
    });
}
