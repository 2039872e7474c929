//! Runs the tests' fake Zoom as a standalone server, to try zoom-report by hand without a
//! Zoom account.
//!
//! It takes an archive folder (such as `samples/2024-07`) and a few limits from the command
//! line, prints the URL and the `export` lines that point zoom-report at it, then serves until
//! it is killed:
//!
//! ```sh
//! cargo run --example fake_zoom -- --archive samples/2024-07 [--port 0] [--latency-ms 50] \
//!     [--rate 40] [--medium-rate 60] [--page-size-cap 300] [--daily-limit 60000] \
//!     [--advertise-api-url] [--today 2024-08-02]
//! ```

// Each test binary and this example use a different part of the fake.
#[allow(dead_code)]
#[path = "../tests/support/fake_zoom.rs"]
mod fake_zoom;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use fake_zoom::{Account, FakeZoom, Options};

const USAGE: &str = "usage: fake_zoom --archive DIR [--port N] [--latency-ms N] [--rate N] \
                     [--medium-rate N] [--page-size-cap N] [--daily-limit N] \
                     [--advertise-api-url] [--today YYYY-MM-DD]";

fn main() -> ExitCode {
    let (archive, options) = match parse_args(std::env::args().skip(1)) {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("fake_zoom: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if !archive.join("manifest.json").is_file() {
        eprintln!("fake_zoom: {} holds no manifest.json", archive.display());
        return ExitCode::from(2);
    }

    let fake = FakeZoom::start(Account::from_archive(&archive), options);
    println!("fake zoom listening on {}", fake.base_url());
    for (name, value) in fake.env() {
        println!("export {name}={value}");
    }

    // The server runs on its own thread; this one only keeps the process alive. `park` may
    // wake up spuriously, hence the loop.
    loop {
        std::thread::park();
    }
}

/// Turns the arguments into the archive folder and the fake's options.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<(PathBuf, Options), String> {
    let mut archive = None;
    let mut options = Options::default();
    while let Some(flag) = args.next() {
        if flag == "--advertise-api-url" {
            options.advertise_api_url = true;
            continue;
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--archive" => archive = Some(PathBuf::from(value)),
            "--port" => options.port = number(&flag, &value)?,
            "--latency-ms" => options.latency = Duration::from_millis(number(&flag, &value)?),
            "--rate" => options.heavy_per_second = Some(number(&flag, &value)?),
            "--medium-rate" => options.medium_per_second = Some(number(&flag, &value)?),
            "--page-size-cap" => options.page_size_cap = number(&flag, &value)?,
            "--daily-limit" => options.daily_heavy_limit = Some(number(&flag, &value)?),
            "--today" => options.max_months_back = Some(number(&flag, &value)?),
            _ => return Err(format!("unknown argument {flag}")),
        }
    }
    let archive = archive.ok_or("--archive is required")?;
    Ok((archive, options))
}

/// Parses a flag's value, naming the flag when it does not parse.
fn number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("{flag}: cannot read {value:?}"))
}
