//! Helpers shared by the integration tests.
#![allow(dead_code)] // Each test binary uses a different subset of these helpers.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub mod fake_zoom;
pub mod synthetic;

/// The bundled sample month.
pub fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/2024-07")
}

/// The real binary, with no credentials or log settings leaking in from the environment.
pub fn zoom_report() -> Command {
    let mut command = Command::cargo_bin("zoom-report").expect("binary is built");
    for variable in [
        "ZOOM_ACCOUNT_ID",
        "ZOOM_CLIENT_ID",
        "ZOOM_CLIENT_SECRET",
        "ZOOM_OAUTH_URL",
        "ZOOM_API_URL",
        "RUST_LOG",
    ] {
        command.env_remove(variable);
    }
    // Away from the repository, so a developer's own .env never reaches the tests.
    command.current_dir(std::env::temp_dir());
    command
}

/// Parses a CSV file into header-keyed rows.
pub fn read_csv(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).expect("CSV opens");
    let headers = reader.headers().expect("CSV has a header").clone();
    reader
        .records()
        .map(|record| {
            let record = record.expect("CSV row parses");
            headers
                .iter()
                .map(String::from)
                .zip(record.iter().map(String::from))
                .collect()
        })
        .collect()
}

/// The files in a folder, names only, sorted.
pub fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The sample month moved to recent days, since Zoom (and zoom-report) serve reports of the
/// last six months only. Durations, names and ids are unchanged, so every hand-worked figure
/// of samples/README.md still holds; only the dates move, by whole weeks.
pub struct RecentSample {
    pub dir: tempfile::TempDir,
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
}

impl RecentSample {
    /// `--from` and `--to` for the moved month.
    pub fn range_args(&self) -> Vec<String> {
        vec![
            "--from".into(),
            self.from.to_string(),
            "--to".into(),
            self.to.to_string(),
        ]
    }

    /// The `<from>_<to>` of file names.
    pub fn slug(&self) -> String {
        format!("{}_{}", self.from, self.to)
    }
}

pub fn recent_sample() -> RecentSample {
    use chrono::{Datelike, Duration, NaiveDate, Utc};
    let today = Utc::now().date_naive();
    let two_months_ago = today - Duration::days(62);
    let month_start =
        NaiveDate::from_ymd_opt(two_months_ago.year(), two_months_ago.month(), 1).unwrap();
    let original = NaiveDate::from_ymd_opt(2024, 7, 1).unwrap();
    // Whole weeks keep weekdays; the moved month starts at most six days before month_start.
    let shift = Duration::weeks((month_start - original).num_weeks() + 1);
    let from = original + shift;
    let to = from + Duration::days(30);
    let dir = tempfile::tempdir().unwrap();
    let move_times = |line: &str| -> String {
        let mut object: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(line).unwrap();
        for key in ["start_time", "end_time", "join_time", "leave_time"] {
            let Some(value) = object.get(key).and_then(|v| v.as_str()) else {
                continue;
            };
            let Ok(time) = chrono::DateTime::parse_from_rfc3339(value) else {
                continue;
            };
            let moved = (time + shift).with_timezone(&Utc);
            object.insert(
                key.into(),
                moved
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                    .into(),
            );
        }
        serde_json::to_string(&object).unwrap()
    };
    for name in ["meetings.jsonl", "participants.jsonl"] {
        let text = std::fs::read_to_string(sample_dir().join(name)).unwrap();
        let moved: Vec<String> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(move_times)
            .collect();
        std::fs::write(dir.path().join(name), moved.join("\n") + "\n").unwrap();
    }
    let manifest = std::fs::read_to_string(sample_dir().join("manifest.json")).unwrap();
    let mut manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    manifest["from"] = from.to_string().into();
    manifest["to"] = to.to_string().into();
    std::fs::write(dir.path().join("manifest.json"), manifest.to_string()).unwrap();
    RecentSample { dir, from, to }
}

/// The real binary pointed at a fake Zoom.
pub fn live(fake: &fake_zoom::FakeZoom) -> Command {
    let mut command = zoom_report();
    command.envs(fake.env()).env("RUST_BACKTRACE", "0");
    command
}
