//! Turns the raw command line into a checked configuration.
//!
//! Everything that can be checked without the network is checked here, before the first
//! request: dates, formats, the time zone, the output folder, the topic pattern and, for a
//! live run, the credentials. Later stages read only these types.

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::{DateTime, Months, NaiveDate, Utc};
use chrono_tz::Tz;
use regex::Regex;

use crate::cli::{GlobalArgs, GroupBy, Lang, MeetingType, ReportArgs, UserArgs};
use crate::error::usage;

/// Zoom keeps report data for about six months; older ranges answer with nothing or errors.
pub const MONTHS_OF_REPORT_DATA: u32 = 6;

/// An inclusive range of calendar days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl DateRange {
    /// Parses `--from` and `--to`; `from` must not be after `to`.
    pub fn parse(from: &str, to: &str) -> Result<DateRange> {
        let from = parse_date("--from", from)?;
        let to = parse_date("--to", to)?;
        if from > to {
            return Err(usage(
                format!("--from {from} is after --to {to}"),
                "give the first day with --from and the last day with --to",
            ));
        }
        Ok(DateRange { from, to })
    }

    /// The `<from>_<to>` part of file and folder names.
    pub fn slug(&self) -> String {
        format!("{}_{}", self.from, self.to)
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }

    /// Whether an instance that started at `start` falls on a day of the range in `tz`. An
    /// instance without a readable start is kept, so no data Zoom listed is dropped unseen.
    pub fn contains_start(&self, start: Option<DateTime<Utc>>, tz: Tz) -> bool {
        start.is_none_or(|t| self.contains(t.with_timezone(&tz).date_naive()))
    }

    /// The days to ask Zoom's listing for: the range and a day either side, within the six
    /// months Zoom keeps.
    ///
    /// The range is in days of `--tz`, while Zoom reads `from` and `to` in a zone of its own
    /// (UTC in practice): an instance at 06:00 in Hanoi on the first day started the day
    /// before in UTC. A day either side covers every zone; [`DateRange::contains_start`]
    /// then keeps exactly the instances that start within the range in `--tz`.
    pub fn for_listing(&self, today: NaiveDate) -> DateRange {
        let oldest = today - Months::new(MONTHS_OF_REPORT_DATA);
        let from = self.from.pred_opt().unwrap_or(self.from);
        DateRange {
            from: from.max(oldest).min(self.from),
            to: self.to.succ_opt().unwrap_or(self.to),
        }
    }

    /// Refuses a range Zoom no longer has data for, before any request is made.
    pub fn check_within_report_retention(&self, today: NaiveDate) -> Result<()> {
        let oldest = today - Months::new(MONTHS_OF_REPORT_DATA);
        if self.from < oldest {
            return Err(usage(
                format!(
                    "--from {} is more than {MONTHS_OF_REPORT_DATA} months ago: Zoom keeps \
                     report data only since {oldest}",
                    self.from
                ),
                "start the range on or after that day, or rebuild an older report from its \
                 archive with --input out/raw/<from>_<to>",
            ));
        }
        if self.from > today {
            return Err(usage(
                format!("--from {} is in the future", self.from),
                "Zoom reports only meetings that have ended",
            ));
        }
        Ok(())
    }
}

fn parse_date(flag: &str, raw: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| {
        usage(
            format!("{flag} '{raw}' is not a valid date"),
            format!("write it as YYYY-MM-DD, for example {flag} 2024-07-01"),
        )
    })
}

/// A report format selected with `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    Xlsx,
    Csv,
    Html,
    Json,
}

impl Format {
    const ALL: [(&'static str, Format); 4] = [
        ("xlsx", Format::Xlsx),
        ("csv", Format::Csv),
        ("html", Format::Html),
        ("json", Format::Json),
    ];

    /// Parses a `--format` list; empty means xlsx, csv and html.
    pub fn parse_list(raw: &[String]) -> Result<Vec<Format>> {
        if raw.is_empty() {
            return Ok(vec![Format::Xlsx, Format::Csv, Format::Html]);
        }
        let mut formats = Vec::new();
        // A trailing or doubled comma (`json,`) names nothing, and is let pass.
        let names: Vec<String> = raw
            .iter()
            .map(|name| name.trim().to_ascii_lowercase())
            .filter(|name| !name.is_empty())
            .collect();
        if names.is_empty() {
            return Err(usage(
                "--format names no format",
                "use any of xlsx, csv, html, json, comma-separated",
            ));
        }
        for name in names {
            let Some(&(_, format)) = Self::ALL.iter().find(|(known, _)| *known == name) else {
                return Err(usage(
                    format!("--format '{name}' is not a known format"),
                    "use any of xlsx, csv, html, json, comma-separated",
                ));
            };
            if !formats.contains(&format) {
                formats.push(format);
            }
        }
        formats.sort();
        Ok(formats)
    }
}

/// Parses an IANA zone name, or takes the machine's zone (UTC when it cannot be told).
pub fn parse_zone(raw: Option<&str>) -> Result<Tz> {
    let Some(raw) = raw else {
        return Ok(machine_zone());
    };
    let raw_zone = raw.trim();
    raw_zone
        .parse()
        .or_else(|_| {
            chrono_tz::TZ_VARIANTS
                .iter()
                .find(|zone| zone.name().eq_ignore_ascii_case(raw_zone))
                .copied()
                .ok_or(())
        })
        .map_err(|_| {
            usage(
                format!("--tz '{raw}' is not a known time zone"),
                "use an IANA name such as Asia/Ho_Chi_Minh, Europe/Berlin or UTC (a fixed \
                 offset is written Etc/GMT-7 for UTC+07:00)",
            )
        })
}

/// The machine's zone: `TZ` when it names an IANA zone, else the system's setting, else UTC.
fn machine_zone() -> Tz {
    let from_variable = std::env::var("TZ")
        .ok()
        .and_then(|name| name.trim_start_matches(':').parse().ok());
    from_variable
        .or_else(|| {
            iana_time_zone::get_timezone()
                .ok()
                .and_then(|name| name.parse().ok())
        })
        .unwrap_or(Tz::UTC)
}

/// Which users' meetings to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserSelection {
    Users(Vec<String>),
    AllActive,
}

impl UserSelection {
    pub fn from_args(args: &UserArgs) -> Result<UserSelection> {
        if args.all_users {
            return Ok(UserSelection::AllActive);
        }
        if args.user.is_empty() {
            return Ok(UserSelection::Users(vec!["me".to_string()]));
        }
        let mut users = Vec::new();
        for user in &args.user {
            let user = user.trim();
            if user.is_empty() || user.contains(['/', '?', '#', ' ']) {
                return Err(usage(
                    format!("--user '{user}' is not a Zoom user id or email"),
                    "give a user id, an email address, or me",
                ));
            }
            if !users
                .iter()
                .any(|known: &String| known.eq_ignore_ascii_case(user))
            {
                users.push(user.to_string());
            }
        }
        Ok(UserSelection::Users(users))
    }

    /// The names recorded in the archive's manifest.
    pub fn describe(&self) -> Vec<String> {
        match self {
            UserSelection::Users(users) => users.clone(),
            UserSelection::AllActive => vec!["all active users".to_string()],
        }
    }
}

/// Everything the main job needs, checked.
#[derive(Debug)]
pub struct ReportConfig {
    pub range: DateRange,
    pub formats: Vec<Format>,
    pub out_dir: PathBuf,
    pub input: Option<PathBuf>,
    pub users: UserSelection,
    pub meeting_type: MeetingType,
    pub topic: Option<Regex>,
    pub group_by: GroupBy,
    pub tz: Tz,
    pub rate: u32,
    pub concurrency: usize,
    pub resume: bool,
    pub lang: Lang,
    pub csv_bom: bool,
    pub csv_raw: bool,
    /// Progress bars are drawn only without `-q` and `-v` (which logs each stage instead).
    pub show_progress: bool,
}

impl ReportConfig {
    pub fn from_args(args: &ReportArgs, global: &GlobalArgs) -> Result<ReportConfig> {
        let (Some(from), Some(to)) = (&args.from, &args.to) else {
            let missing = match (&args.from, &args.to) {
                (Some(_), None) => "the report needs --to, the last day of the range",
                (None, Some(_)) => "the report needs --from, the first day of the range",
                _ => "the report needs a date range",
            };
            return Err(usage(
                missing,
                "give --from YYYY-MM-DD and --to YYYY-MM-DD, e.g. --from 2024-07-01 --to \
                 2024-07-31 --input samples/2024-07",
            ));
        };
        let range = DateRange::parse(from, to)?;
        if global.input.is_none() {
            range.check_within_report_retention(Utc::now().date_naive())?;
        }
        if let Some(input) = &global.input {
            check_input_dir(input)?;
        }
        if args.rate == 0 || args.rate > 100 {
            return Err(usage(
                format!("--rate {} is out of range", args.rate),
                "give 1 to 100 requests per second (Pro plans allow 10, Business 40)",
            ));
        }
        if args.concurrency == 0 || args.concurrency > 64 {
            return Err(usage(
                format!("--concurrency {} is out of range", args.concurrency),
                "give 1 to 64 requests in flight",
            ));
        }
        if args.resume && global.input.is_some() {
            return Err(usage(
                "--resume continues a live run and cannot be used with --input",
                "drop --resume to rebuild from the archive, or drop --input to fetch",
            ));
        }
        let users = UserSelection::from_args(&args.users)?;
        refuse_users_with_input(&args.users, global)?;
        let topic = args.topic.as_deref().map(parse_topic).transpose()?;
        let out_dir = args.out.clone();
        check_output_dir(&out_dir)?;
        remove_stale_temporary_files(&out_dir);
        Ok(ReportConfig {
            range,
            formats: Format::parse_list(&args.format)?,
            out_dir,
            input: global.input.clone(),
            users,
            meeting_type: args.users.meeting_type,
            topic,
            group_by: args.group_by,
            tz: parse_zone(global.tz.as_deref())?,
            rate: args.rate,
            concurrency: args.concurrency,
            resume: args.resume,
            lang: args.lang,
            csv_bom: args.csv_bom,
            csv_raw: args.csv_raw,
            show_progress: !global.quiet && global.verbose == 0,
        })
    }

    /// Whether an instance belongs in the report: it starts on a day of the range in the
    /// report's zone, and its topic matches `--topic`.
    pub fn is_wanted(&self, start: Option<DateTime<Utc>>, topic: &str) -> bool {
        self.range.contains_start(start, self.tz)
            && self
                .topic
                .as_ref()
                .is_none_or(|pattern| pattern.is_match(topic))
    }

    /// Where a live run keeps the raw data it fetched.
    pub fn archive_dir(&self) -> PathBuf {
        self.out_dir.join("raw").join(self.range.slug())
    }
}

/// The users whose meetings an archive holds were chosen when it was fetched: naming others
/// with `--input` would silently report the archive's.
pub fn refuse_users_with_input(users: &UserArgs, global: &GlobalArgs) -> Result<()> {
    if global.input.is_some() && (!users.user.is_empty() || users.all_users) {
        return Err(usage(
            "--user and --all-users choose whose meetings to fetch and cannot be used with --input",
            "drop them: the archive holds the meetings of the users it was fetched for \
         (its manifest.json names them)",
        ));
    }
    Ok(())
}

fn parse_topic(raw: &str) -> Result<Regex> {
    Regex::new(raw).map_err(|error| {
        let first_line = error
            .to_string()
            .lines()
            .last()
            .unwrap_or_default()
            .to_string();
        usage(
            format!("--topic '{raw}' is not a valid regular expression: {first_line}"),
            "escape special characters with \\, e.g. --topic 'Q3 \\(draft\\)'",
        )
    })
}

/// An archive folder must exist and hold the meeting list.
pub fn check_input_dir(input: &Path) -> Result<()> {
    if !input.is_dir() {
        return Err(usage(
            format!("--input {} is not a folder", input.display()),
            "give an archive folder such as samples/2024-07 or out/raw/<from>_<to>",
        ));
    }
    Ok(())
}

/// Creates the output folder if needed and proves a file can be written there.
pub fn check_output_dir(out_dir: &Path) -> Result<()> {
    if out_dir.exists() && !out_dir.is_dir() {
        return Err(usage(
            format!("--out {} is a file, not a folder", out_dir.display()),
            "choose a folder you can write to with --out DIR",
        ));
    }
    std::fs::create_dir_all(out_dir)
        .and_then(|()| {
            tempfile::Builder::new()
                .prefix(".zoom-report-check")
                .tempfile_in(out_dir)
        })
        .map(drop)
        .map_err(|error| {
            // The error's own text names the probe file; its kind says what is wrong.
            usage(
                format!(
                    "cannot write into --out {}: {}",
                    out_dir.display(),
                    error.kind()
                ),
                "choose a folder you can write to with --out DIR",
            )
        })
}

/// Removes temporary files that a killed run left in `dir`: those named as zoom-report
/// names them and untouched for an hour, so that a run writing beside this one is never
/// disturbed.
pub fn remove_stale_temporary_files(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for entry in entries.flatten() {
        let is_ours = entry
            .file_name()
            .to_string_lossy()
            .starts_with(".zoom-report-");
        let is_stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|modified| modified < hour_ago);
        if is_ours && is_stale && std::fs::remove_file(entry.path()).is_ok() {
            tracing::info!(
                "removed {}, left by an interrupted run",
                entry.path().display()
            );
        }
    }
}

/// A value that must never be printed: its `Debug` and `Display` show `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// The Server-to-Server OAuth app's credentials and the hosts to talk to.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub account_id: String,
    pub client_id: String,
    pub client_secret: Secret,
    pub oauth_url: String,
    /// Set when `ZOOM_API_URL` is given; then the token's `api_url` is ignored.
    pub api_url: Option<String>,
}

pub const DEFAULT_OAUTH_URL: &str = "https://zoom.us/oauth/token";
pub const DEFAULT_API_URL: &str = "https://api.zoom.us/v2";

/// How to get credentials, for the message that says they are missing.
fn credentials_help() -> String {
    format!(
        "set ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET (in the environment or a \
         .env file here) from a Server-to-Server OAuth app: marketplace.zoom.us > Develop > \
         Build App > Server-to-Server OAuth, with scopes {}; or try the bundled data without \
         credentials: --input samples/2024-07",
        crate::zoom::SCOPES
    )
}

/// Checks a Zoom URL from the environment: the secret and tokens travel to it, so it must
/// use TLS, except on this machine (a test server or a local proxy).
pub fn check_zoom_url(variable: &str, url: &str) -> Result<String> {
    let parsed = reqwest::Url::parse(url).map_err(|error| {
        usage(
            format!("{variable} {url:?} is not a URL: {error}"),
            format!("set {variable} to a full https:// URL, or unset it for Zoom's own host"),
        )
    })?;
    let host = parsed.host_str().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let is_loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match parsed.scheme() {
        "https" => Ok(url.to_string()),
        "http" if is_loopback => Ok(url.to_string()),
        _ => Err(usage(
            format!("{variable} {url:?} does not use https"),
            format!(
                "credentials and tokens are only sent over TLS: set {variable} to an https:// URL"
            ),
        )),
    }
}

impl Credentials {
    /// Reads the credentials from the environment (a `.env` file was loaded at start-up).
    pub fn from_env(secret_file: Option<&Path>) -> Result<Credentials> {
        let variable = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let client_secret = match secret_file {
            Some(path) => Some(read_secret_file(path)?),
            None => variable("ZOOM_CLIENT_SECRET"),
        };
        let missing: Vec<&str> = [
            ("ZOOM_ACCOUNT_ID", variable("ZOOM_ACCOUNT_ID").is_none()),
            ("ZOOM_CLIENT_ID", variable("ZOOM_CLIENT_ID").is_none()),
            ("ZOOM_CLIENT_SECRET", client_secret.is_none()),
        ]
        .into_iter()
        .filter_map(|(name, is_missing)| is_missing.then_some(name))
        .collect();
        if !missing.is_empty() {
            return Err(usage(
                format!("Zoom credentials are missing: {}", missing.join(", ")),
                credentials_help(),
            ));
        }
        Ok(Credentials {
            account_id: variable("ZOOM_ACCOUNT_ID")
                .unwrap_or_default()
                .trim()
                .to_string(),
            client_id: variable("ZOOM_CLIENT_ID")
                .unwrap_or_default()
                .trim()
                .to_string(),
            client_secret: Secret::new(client_secret.unwrap_or_default().trim()),
            oauth_url: match variable("ZOOM_OAUTH_URL") {
                Some(url) => check_zoom_url("ZOOM_OAUTH_URL", &url)?,
                None => DEFAULT_OAUTH_URL.to_string(),
            },
            api_url: variable("ZOOM_API_URL")
                .map(|url| check_zoom_url("ZOOM_API_URL", &url))
                .transpose()?,
        })
    }
}

fn read_secret_file(path: &Path) -> Result<String> {
    let secret = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read --client-secret-file {}", path.display()))
        .map_err(|error| {
            usage(
                format!("{error:#}"),
                "give a readable file holding the secret",
            )
        })?;
    let secret = secret.trim().to_string();
    if secret.is_empty() {
        return Err(usage(
            format!("--client-secret-file {} is empty", path.display()),
            "write the app's Client Secret into the file, on one line",
        ));
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_must_run_forwards() {
        assert!(DateRange::parse("2024-07-31", "2024-07-01").is_err());
        assert!(DateRange::parse("2024-07-01", "2024-07-01").is_ok());
    }

    #[test]
    fn dates_must_be_iso() {
        let error = DateRange::parse("07/01/2024", "2024-07-31").unwrap_err();
        assert!(error.to_string().contains("--from '07/01/2024'"));
        assert!(DateRange::parse("2024-02-30", "2024-03-01").is_err());
    }

    #[test]
    fn six_months_back_is_the_limit() {
        let today = NaiveDate::from_ymd_opt(2024, 8, 15).unwrap();
        let range = DateRange::parse("2024-02-15", "2024-03-01").unwrap();
        assert!(range.check_within_report_retention(today).is_ok());
        let range = DateRange::parse("2024-02-14", "2024-03-01").unwrap();
        let error = range.check_within_report_retention(today).unwrap_err();
        assert!(error.to_string().contains("6 months"));
    }

    #[test]
    fn the_listing_takes_a_day_either_side_within_six_months() {
        let today = NaiveDate::from_ymd_opt(2024, 8, 15).unwrap();
        let range = DateRange::parse("2024-07-01", "2024-07-31").unwrap();
        assert_eq!(
            range.for_listing(today),
            DateRange::parse("2024-06-30", "2024-08-01").unwrap()
        );
        let oldest = DateRange::parse("2024-02-15", "2024-02-20").unwrap();
        assert_eq!(
            oldest.for_listing(today),
            DateRange::parse("2024-02-15", "2024-02-21").unwrap()
        );
    }

    #[test]
    fn a_start_belongs_to_its_day_in_the_zone() {
        let range = DateRange::parse("2024-07-01", "2024-07-31").unwrap();
        let start = "2024-06-30T23:30:00Z".parse::<DateTime<Utc>>().ok();
        assert!(!range.contains_start(start, chrono_tz::UTC));
        assert!(range.contains_start(start, chrono_tz::Asia::Ho_Chi_Minh));
        assert!(range.contains_start(None, chrono_tz::UTC));
    }

    #[test]
    fn formats_are_checked_and_deduplicated() {
        let list = |s: &str| s.split(',').map(String::from).collect::<Vec<_>>();
        assert_eq!(
            Format::parse_list(&list("html,xlsx,html")).unwrap(),
            vec![Format::Xlsx, Format::Html]
        );
        assert!(Format::parse_list(&list("pdf")).is_err());
    }

    #[test]
    fn zoom_urls_must_use_tls_off_this_machine() {
        for url in [
            "https://api.zoomgov.com/v2",
            "http://127.0.0.1:8080/v2",
            "http://localhost:1/oauth/token",
            "http://[::1]:9/v2",
        ] {
            assert!(check_zoom_url("ZOOM_API_URL", url).is_ok(), "{url}");
        }
        for url in [
            "http://api.zoom.us/v2",
            "ftp://127.0.0.1/",
            "api.zoom.us/v2",
        ] {
            assert!(check_zoom_url("ZOOM_API_URL", url).is_err(), "{url}");
        }
    }

    #[test]
    fn secrets_never_print() {
        let secret = Secret::new("s3cr3t");
        assert_eq!(format!("{secret:?} {secret}"), "*** ***");
    }
}
