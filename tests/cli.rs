//! The command line itself: help, version, completions and the man page.

mod support;

use support::zoom_report;

fn stdout_of(args: &[&str]) -> String {
    let output = zoom_report().args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn help_lists_exit_codes_and_examples() {
    let help = stdout_of(&["--help"]);
    assert!(help.contains("Exit codes: 0 done, 1 failed, 2 bad usage, 3 finished but some"));
    assert!(help.contains("zoom-report --from 2024-07-01 --to 2024-07-31 --format xlsx"));
    for command in ["meeting", "participant", "statistic", "completions", "man"] {
        let help = stdout_of(&[command, "--help"]);
        // The usage line names the command too; an example is an indented command line
        // under an "Example" heading.
        let examples = help
            .split_once("Example")
            .map(|(_, rest)| rest)
            .unwrap_or_default();
        assert!(
            examples.contains(&format!("\n  zoom-report {command} ")),
            "{command} --help has an example: {help}"
        );
    }
}

#[test]
fn plural_aliases_are_accepted() {
    for alias in ["meetings", "participants", "stats", "statistics"] {
        stdout_of(&[alias, "--help"]);
    }
}

#[test]
fn version_names_the_commit() {
    let version = stdout_of(&["--version"]);
    assert!(version.starts_with(&format!("zoom-report {}", env!("CARGO_PKG_VERSION"))));
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short=10", "HEAD"])
        .output();
    if let Some(commit) = commit.ok().filter(|o| o.status.success()) {
        let commit = String::from_utf8(commit.stdout).unwrap();
        assert!(version.contains(commit.trim()), "{version}");
    }
}

#[test]
fn completions_are_generated_for_every_shell() {
    for (shell, marker) in [
        ("bash", "COMPREPLY"),
        ("zsh", "#compdef zoom-report"),
        ("fish", "complete -c zoom-report"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let script = stdout_of(&["completions", shell]);
        assert!(script.contains(marker), "{shell}");
        assert!(
            script.contains("--from") || script.contains("from"),
            "{shell} completes the flags"
        );
    }
}

#[test]
fn man_page_is_roff_with_the_options() {
    let page = stdout_of(&["man"]);
    assert!(page.starts_with(".ie") || page.contains(".TH"), "roff");
    assert!(page.contains("zoom\\-report") && page.contains("\\-\\-from"));
}
