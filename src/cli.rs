//! The command line as clap sees it: raw flags, no checks beyond their syntax.
//!
//! `config` turns these into a checked configuration; nothing else reads these structs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
Examples:
  zoom-report --from 2024-07-01 --to 2024-07-31 --format xlsx
  zoom-report --from 2024-04-01 --to 2024-06-30 --all-users
  zoom-report --from 2024-07-01 --to 2024-07-31 --input samples/2024-07
  zoom-report meeting --from 2024-07-01 --to 2024-07-31
  zoom-report statistic 'aBcD1234efGH5678ijKL9w=='

Credentials: ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET, from the environment or
a .env file in the working directory (see the README to create the Zoom app).

Exit codes: 0 done, 1 failed, 2 bad usage, 3 finished but some meetings could not be
fetched, 130 interrupted.";

/// Attendance reports (xlsx, CSV, HTML, JSON) from a Zoom account's meeting reports.
#[derive(Debug, Parser)]
#[command(name = "zoom-report", version = crate::VERSION, after_help = AFTER_HELP)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub report: ReportArgs,

    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the meeting instances of a user in a date range.
    #[command(visible_alias = "meetings", after_help = MEETING_HELP)]
    Meeting(MeetingArgs),

    /// Show every join row (session) of one meeting instance.
    #[command(visible_alias = "participants", after_help = PARTICIPANT_HELP)]
    Participant(InstanceArgs),

    /// Show one row per person for one meeting instance, by time attended.
    #[command(visible_aliases = ["stats", "statistics"], after_help = STATISTIC_HELP)]
    Statistic(StatisticArgs),

    /// Print a shell completion script to stdout.
    #[command(
        after_help = "Example:\n  zoom-report completions bash > ~/.local/share/bash-completion/completions/zoom-report"
    )]
    Completions {
        /// The shell to write completions for.
        shell: clap_complete::Shell,
    },

    /// Print the man page (roff) to stdout.
    #[command(after_help = "Example:\n  zoom-report man > zoom-report.1 && man ./zoom-report.1")]
    Man,
}

const MEETING_HELP: &str =
    "Example:\n  zoom-report meeting --from 2024-07-01 --to 2024-07-31 --user me";
const PARTICIPANT_HELP: &str = "Examples:\n  zoom-report participant 'aBcD1234efGH5678ijKL9w=='\n  \
     zoom-report participant 85012345678 --json\n  \
     zoom-report participant 91234567890 --webinar";
const STATISTIC_HELP: &str = "Examples:\n  zoom-report statistic 'aBcD1234efGH5678ijKL9w=='\n  \
     zoom-report stats 85012345678 --group-by name-email --json";

/// Flags of the main job: a report over a date range.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// First day of the range, inclusive (YYYY-MM-DD).
    #[arg(short = 'f', long, value_name = "DATE")]
    pub from: Option<String>,

    /// Last day of the range, inclusive (YYYY-MM-DD).
    #[arg(short = 't', long, value_name = "DATE")]
    pub to: Option<String>,

    /// Output formats, comma-separated: xlsx, csv, html, json. [default: xlsx,csv,html]
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub format: Vec<String>,

    /// Folder the reports are written into (created if missing).
    #[arg(long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,

    #[command(flatten)]
    pub users: UserArgs,

    /// Keep only instances whose topic matches this regular expression.
    #[arg(long, value_name = "REGEX")]
    pub topic: Option<String>,

    /// How attendees are grouped into people.
    #[arg(long, value_enum, default_value_t = GroupBy::Person)]
    pub group_by: GroupBy,

    /// Report requests per second for Zoom's Heavy category (Pro plans allow 10, Business 40).
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub rate: u32,

    /// Requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub concurrency: usize,

    /// Continue an interrupted run: fetch only instances missing from its archive.
    #[arg(long)]
    pub resume: bool,

    /// Language of the HTML report.
    #[arg(long, value_enum, default_value_t = Lang::En)]
    pub lang: Lang,

    /// Start CSV files with a byte-order mark, for Excel on Windows.
    #[arg(long)]
    pub csv_bom: bool,

    /// Write CSV cells exactly as Zoom sent them, without neutralising formula characters.
    #[arg(long)]
    pub csv_raw: bool,
}

/// Whose meetings are listed.
#[derive(Debug, Args)]
pub struct UserArgs {
    /// Zoom user id, email or `me`; repeat for several users. [default: me]
    #[arg(long, value_name = "ID|EMAIL", conflicts_with = "all_users")]
    pub user: Vec<String>,

    /// Every active user of the account.
    #[arg(long)]
    pub all_users: bool,

    /// Which meetings Zoom lists: hosted (past), hosted with one participant (pastOne), or
    /// joined (pastJoined).
    #[arg(long = "type", value_enum, default_value_t = MeetingType::Past)]
    pub meeting_type: MeetingType,
}

/// Flags shared by every command.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Read an archive folder (as written under out/raw/) instead of calling Zoom.
    #[arg(long, value_name = "DIR", global = true)]
    pub input: Option<PathBuf>,

    /// Time zone for every time shown (IANA name, e.g. Asia/Ho_Chi_Minh). [default: the
    /// machine's zone]
    #[arg(long, value_name = "ZONE", global = true)]
    pub tz: Option<String>,

    /// Read the client secret from this file instead of ZOOM_CLIENT_SECRET.
    #[arg(long, value_name = "PATH", global = true)]
    pub client_secret_file: Option<PathBuf>,

    /// Seconds one request to Zoom may take before it is retried.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 60,
        global = true,
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    pub timeout: u64,

    /// More logging on stderr: -v info, -vv debug, -vvv trace (RUST_LOG overrides).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    /// Errors only on stderr; no progress bars.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct MeetingArgs {
    /// First day of the range, inclusive (YYYY-MM-DD).
    #[arg(short = 'f', long, value_name = "DATE")]
    pub from: String,

    /// Last day of the range, inclusive (YYYY-MM-DD).
    #[arg(short = 't', long, value_name = "DATE")]
    pub to: String,

    #[command(flatten)]
    pub users: UserArgs,

    /// Print JSON data instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct InstanceArgs {
    /// A meeting instance's uuid, or a numeric meeting id (Zoom answers its latest instance).
    #[arg(value_name = "ID|UUID")]
    pub meeting: String,

    /// Print JSON data instead of a table.
    #[arg(long)]
    pub json: bool,

    /// The id or uuid is a webinar's (Zoom's webinar reports; needs the Webinar add-on).
    #[arg(long)]
    pub webinar: bool,
}

#[derive(Debug, Args)]
pub struct StatisticArgs {
    #[command(flatten)]
    pub instance: InstanceArgs,

    /// How attendees are grouped into people.
    #[arg(long, value_enum, default_value_t = GroupBy::Person)]
    pub group_by: GroupBy,
}

/// The identity rule that turns join rows into people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum GroupBy {
    /// Same email when there is one, else the same normalised name.
    #[default]
    Person,
    /// The exact (normalised name, email) pair.
    NameEmail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    Vi,
}

/// Zoom's `type` parameter of the meeting report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum MeetingType {
    #[default]
    #[value(name = "past")]
    Past,
    #[value(name = "pastOne")]
    PastOne,
    #[value(name = "pastJoined")]
    PastJoined,
}

impl MeetingType {
    /// The value Zoom expects in the query string.
    pub fn as_zoom(self) -> &'static str {
        match self {
            MeetingType::Past => "past",
            MeetingType::PastOne => "pastOne",
            MeetingType::PastJoined => "pastJoined",
        }
    }
}
