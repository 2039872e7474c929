//! Records the git commit the binary is built from, for `--version`.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs/heads");
    let commit = Command::new("git")
        .args(["rev-parse", "--short=10", "HEAD"])
        .output()
        .ok()
        .filter(|output| output.status.success())
        .and_then(|output| String::from_utf8(output.stdout).ok());
    let version = env!("CARGO_PKG_VERSION");
    match commit {
        Some(commit) => println!(
            "cargo:rustc-env=ZOOM_REPORT_VERSION={version} ({})",
            commit.trim()
        ),
        None => println!("cargo:rustc-env=ZOOM_REPORT_VERSION={version}"),
    }
}
