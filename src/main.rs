//! The zoom-report binary: set up logging, parse the command line, run, report the error.

use std::io::IsTerminal;
use std::process::ExitCode as ProcessExit;

use clap::Parser;
use zoom_report::cli::Cli;
use zoom_report::error::{ExitCode, exit_code_for, hint_for};

fn main() -> ProcessExit {
    if let Err(message) = load_dotenv() {
        eprintln!("zoom-report: error: {message}");
        eprintln!("  fix: write each line of .env as NAME=value, or remove the file");
        return ProcessExit::from(ExitCode::Usage as u8);
    }
    quiet_caught_panics();
    let cli = Cli::parse();
    init_logging(cli.global.verbose, cli.global.quiet);
    let code =
        match tokio_runtime().and_then(|runtime| runtime.block_on(zoom_report::run::run(cli))) {
            Ok(code) => code,
            Err(error) => report_error(&error),
        };
    ProcessExit::from(code as u8)
}

/// Keeps the panic hook from printing the one library panic that is caught and reported as
/// an ordinary error (a workbook sheet that cannot be written); every other panic prints.
fn quiet_caught_panics() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !zoom_report::report::xlsx::is_sheet_write_panic(info.payload()) {
            default_hook(info);
        }
    }));
}

/// Loads a `.env` file from the working directory, where the credentials may be kept. A
/// missing file is fine; a broken one is an error, reported without its contents, which
/// may hold the secret. Variables already set in the environment win.
fn load_dotenv() -> Result<(), String> {
    match dotenvy::from_path(".env") {
        Ok(()) => Ok(()),
        Err(error) if error.not_found() => Ok(()),
        Err(dotenvy::Error::LineParse(_, _)) => {
            Err(".env holds a line that is not of the form NAME=value".to_string())
        }
        Err(_) => Err(".env in the working directory cannot be read".to_string()),
    }
}

fn tokio_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// Logs go to stderr; stdout carries data only. `RUST_LOG` overrides the flags.
fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!("zoom_report={level},warn"))
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}

/// Prints `zoom-report: error: <chain>` and, where known, the fix on a second line.
fn report_error(error: &anyhow::Error) -> ExitCode {
    // A reader that stopped early (`| head`) is not an error worth a message.
    let is_broken_pipe = error.chain().any(|cause| {
        let kind = match cause.downcast_ref::<std::io::Error>() {
            Some(io) => Some(io.kind()),
            // JSON printed to a closed pipe fails inside serde_json.
            None => cause
                .downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind),
        };
        kind == Some(std::io::ErrorKind::BrokenPipe)
    });
    if is_broken_pipe {
        return ExitCode::Done;
    }
    let code = exit_code_for(error);
    if code == ExitCode::Interrupted {
        eprintln!("zoom-report: interrupted");
        return code;
    }
    eprintln!("zoom-report: error: {error:#}");
    if let Some(hint) = hint_for(error) {
        eprintln!("  fix: {hint}");
    }
    code
}
