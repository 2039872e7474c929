//! Helpers shared by the integration tests.
#![allow(dead_code)] // Each test binary uses a different subset of these helpers.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub mod fake_zoom;

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
