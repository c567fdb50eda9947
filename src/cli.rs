//! Command-line interface. Parsing only: what each command does lives elsewhere.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "dbfleet", version, about = "Watch a fleet of AWS databases and MSK streams from a terminal", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    #[command(flatten)]
    pub live: LiveArgs,
    /// Config file (default: $XDG_CONFIG_HOME/dbfleet/config.toml).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Theme name (default, light, high-contrast, colorblind, mono, or a user theme) or a .toml path.
    #[arg(long, global = true, value_name = "NAME|PATH")]
    pub theme: Option<String>,
    /// IANA time zone for displayed times, e.g. Europe/Paris (default: config, then the system's).
    #[arg(long, global = true, value_name = "ZONE")]
    pub tz: Option<String>,
    /// Log file (default: $XDG_STATE_HOME/dbfleet/dbfleet.log). Logs never go to the terminal.
    #[arg(long, global = true, value_name = "PATH")]
    pub log_file: Option<PathBuf>,
    /// Record every snapshot of this run (live or demo) to FILE, flushed every poll; a name
    /// ending in .zst is zstd-compressed. Play it back with `dbfleet replay FILE`.
    #[arg(long, global = true, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// Show the live fleet as of a past instant (RFC 3339, e.g. 2026-11-20T03:10:00Z): the
    /// current inventory with CloudWatch history around it; watch (the timeline scrubs the
    /// window), snapshot and check.
    #[arg(long, global = true, value_name = "TIME")]
    pub at: Option<jiff::Timestamp>,
    /// History fetched around --at, e.g. 2h, 90m (default 2h).
    #[arg(long, global = true, value_name = "DURATION", default_value = "2h", value_parser = parse_window)]
    pub window: jiff::SignedDuration,
    /// ASCII only: borders, sparklines and charts drawn with ASCII characters (also chosen
    /// automatically when TERM=dumb or the locale is not UTF-8).
    #[arg(long, global = true)]
    pub ascii: bool,
    /// Presentation spacing from the start (a blank line between table rows; `z` toggles).
    #[arg(long, global = true)]
    pub spacious: bool,
    /// Directory the `e` key exports the current view to (SVG, text and Markdown).
    #[arg(long, global = true, value_name = "DIR", default_value = ".")]
    pub export_dir: PathBuf,
    /// Mask account ids, ARNs and endpoints on screen, in exports and recordings;
    /// `--redact=names` also replaces resource names with stable aliases (db-001, group-002).
    #[arg(long, global = true, num_args = 0..=1, require_equals = true, default_missing_value = "ids",
          value_parser = parse_redact, value_name = "names")]
    pub redact: Option<crate::domain::redact::RedactMode>,
}

fn parse_redact(s: &str) -> Result<crate::domain::redact::RedactMode, String> {
    crate::domain::redact::RedactMode::parse(s).ok_or_else(|| format!("--redact={s}: expected ids or names"))
}

/// Where to watch live: credentials and regions come from aws-config's default chain.
#[derive(Debug, Args, Clone, Default)]
pub struct LiveArgs {
    /// AWS profile; repeat to watch several accounts side by side (default: the default chain).
    #[arg(long = "profile", global = true, value_name = "NAME")]
    pub profiles: Vec<String>,
    /// Region; repeat or comma-separate (default: the profile's region).
    #[arg(long = "region", global = true, value_delimiter = ',', value_name = "REGION")]
    pub regions: Vec<String>,
    /// Endpoint for every service (also AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_RDS/_CLOUDWATCH/_KAFKA).
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Seconds between polls (default: config refresh_seconds, 60: CloudWatch's resolution).
    #[arg(long, global = true, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub refresh: Option<u64>,
    /// Seconds between inventory refreshes (MSK clusters, alarms), default 300. Pending
    /// maintenance, blue/green and global databases come with the full list and their events.
    #[arg(long, global = true, value_name = "SECS", value_parser = clap::value_parser!(u64).range(10..=86_400))]
    pub inventory_refresh: Option<u64>,
    /// Seconds between full lists of every instance and cluster, default 1800; in between, an
    /// RDS event naming an instance or cluster describes it again in the poll that sees it.
    #[arg(long, global = true, value_name = "SECS", value_parser = clap::value_parser!(u64).range(10..=86_400))]
    pub full_describe: Option<u64>,
    /// Assume the role of this name in each account (--accounts, --org, or config [[accounts]]).
    #[arg(long, global = true, value_name = "ROLE")]
    pub assume_role: Option<String>,
    /// Accounts to watch through --assume-role: ids, comma-separated.
    #[arg(long, global = true, value_delimiter = ',', value_name = "ID")]
    pub accounts: Vec<String>,
    /// Every active account of the organization (organizations:ListAccounts, from the
    /// management or a delegated administrator account), through --assume-role.
    #[arg(long, global = true)]
    pub org: bool,
    /// Read every account's metrics through this profile's CloudWatch monitoring account
    /// (cross-account observability): one GetMetricData stream per region.
    #[arg(long, global = true, value_name = "PROFILE")]
    pub monitoring_account: Option<String>,
    /// MaxRecords of Describe calls (20..100); smaller pages exercise pagination in tests.
    #[arg(long, global = true, hide = true, value_parser = clap::value_parser!(i32).range(20..=100))]
    pub page_size: Option<i32>,
}

#[derive(Debug, Args, Clone)]
pub struct DemoArgs {
    /// Seed of the simulated fleet: same seed and start, same fleet and values.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Simulated start instant (RFC 3339, e.g. 2026-11-18T15:22:00Z); default: now.
    #[arg(long, value_name = "TIME")]
    pub start: Option<jiff::Timestamp>,
    /// Simulated seconds per real second (default: config demo.speed, 30).
    #[arg(long)]
    pub speed: Option<f64>,
    /// Copies of the base fleet (46 instances each), for scale.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub copies: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SnapshotFormat {
    Json,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MinSeverity {
    Info,
    Warning,
    Critical,
}

impl MinSeverity {
    pub fn severity(self) -> crate::domain::severity::Severity {
        use crate::domain::severity::Severity;
        match self {
            MinSeverity::Info => Severity::Info,
            MinSeverity::Warning => Severity::Warning,
            MinSeverity::Critical => Severity::Critical,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DoctorFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RenderFormat {
    Svg,
    Txt,
    /// The view's rows as Markdown tables.
    Md,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Watch live AWS accounts (the default when no command is given).
    Watch,
    /// Run the dashboard on the built-in demo fleet (no AWS account needed).
    Demo {
        #[command(flatten)]
        demo: DemoArgs,
        /// Panic after the first frame (tests the terminal restore on panic).
        #[arg(long, hide = true)]
        debug_panic: bool,
    },
    /// Print one snapshot of the fleet and exit: 0 if every source answered, 3 if some failed.
    Snapshot {
        /// Use the built-in demo fleet.
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        demo_args: DemoArgs,
        #[arg(long, value_enum, default_value_t = SnapshotFormat::Json)]
        format: SnapshotFormat,
    },
    /// Judge the fleet once and exit: 0 nothing at warning or above, 1 warnings, 2 criticals,
    /// 3 some data could not be collected (and nothing critical was found in the rest).
    Check {
        /// Use the built-in demo fleet.
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        demo_args: DemoArgs,
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
        /// List only findings at or above this severity (the exit code follows what is listed).
        #[arg(long, value_enum, default_value_t = MinSeverity::Info)]
        min_severity: MinSeverity,
    },
    /// Play a recording back with a timeline: Space play/pause, , . one poll, [ ] 5 minutes,
    /// { } an hour, - + speed x1..x60, :goto 03:12. A collector's directory opens the hours
    /// around --at (and the 3 hours before, for the charts), starting at --at.
    Replay {
        /// A file written by --record (plain or .zst), or a directory written by `collect`.
        file: PathBuf,
        /// Recorded seconds per real second (1 to 60).
        #[arg(long, default_value_t = 10.0, value_parser = parse_speed)]
        speed: f64,
        /// Start paused on the first poll.
        #[arg(long)]
        paused: bool,
    },
    /// Collect for a team, without a terminal (a systemd unit, a tmux pane): poll the fleet
    /// (live with the global flags, or --demo) at the refresh interval and write the recording
    /// into DIR, one zstd file per UTC hour, flushed every poll. Viewers follow it with
    /// `dbfleet attach DIR`; a postmortem opens `dbfleet replay DIR --at TIME`.
    Collect {
        /// The directory (created 0700, files 0600; 0750/0640 with --group).
        dir: PathBuf,
        /// Collect the built-in demo fleet.
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        demo_args: DemoArgs,
        /// Delete hour files older than this, e.g. 14d, 36h (default 14d).
        #[arg(long, value_name = "DURATION", default_value = "14d", value_parser = parse_keep)]
        keep: jiff::SignedDuration,
        /// Share the directory read-only with this group (0750, files 0640, chowned to it).
        #[arg(long, value_name = "NAME")]
        group: Option<String>,
    },
    /// A dashboard on a collector's directory: follows the newest hour file as it grows (a
    /// poll is on screen within a second), moves on when the collector starts a new hour;
    /// views, filters, `p` and the timeline keys are this viewer's own. Never polls AWS.
    Attach {
        /// The collector's directory.
        dir: PathBuf,
        /// Hours of older files loaded to scrub back into (and for the charts' history).
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=336))]
        hours: u16,
        /// Recorded seconds per real second when playing behind the newest poll (1 to 60).
        #[arg(long, default_value_t = 10.0, value_parser = parse_speed)]
        speed: f64,
    },
    /// Check this machine can watch AWS: credentials and where they came from, account and
    /// region, every operation dbfleet calls tried once, endpoints, TLS and the clock. Prints
    /// the IAM policy lines for what was denied; exit 0 when everything needed works, 1 if not.
    Doctor {
        #[arg(long, value_enum, default_value_t = DoctorFormat::Text)]
        format: DoctorFormat,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to standard output.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to standard output: `dbfleet man > dbfleet.1`.
    Man,
    /// Draw a view off-screen to SVG or plain text (screenshots, postmortem documents).
    Render {
        /// Use the built-in demo fleet.
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        demo_args: DemoArgs,
        /// fleet, replication, kafka, maintenance, findings, evidence, detail, help.
        #[arg(long, default_value = "fleet")]
        view: String,
        /// Instance id (or consumer group) for detail; resource id or resource/rule for evidence.
        #[arg(long, value_name = "ID")]
        select: Option<String>,
        /// Size as WIDTHxHEIGHT.
        #[arg(long, default_value = "120x40", value_parser = parse_size)]
        size: (u16, u16),
        #[arg(long, value_enum, default_value_t = RenderFormat::Svg)]
        format: RenderFormat,
        /// Output file (default: standard output).
        #[arg(short = 'o', long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

fn parse_window(s: &str) -> Result<jiff::SignedDuration, String> {
    let d: jiff::SignedDuration = s.parse().map_err(|e| format!("--window {s:?}: {e} (e.g. 2h, 90m)"))?;
    if d < jiff::SignedDuration::from_mins(10) || d > jiff::SignedDuration::from_hours(48) {
        return Err(format!("--window {s}: between 10m and 48h"));
    }
    Ok(d)
}

/// `--keep`: days (`14d`) or any duration jiff reads (`36h`), at least an hour.
fn parse_keep(s: &str) -> Result<jiff::SignedDuration, String> {
    let bad = || format!("--keep {s:?}: expected a duration such as 14d or 36h");
    let d = match s.trim().strip_suffix('d') {
        Some(days) => {
            days.trim().parse::<i64>().map(|d| jiff::SignedDuration::from_hours(d * 24)).map_err(|_| bad())?
        }
        None => s.parse::<jiff::SignedDuration>().map_err(|_| bad())?,
    };
    if d < jiff::SignedDuration::from_hours(1) || d > jiff::SignedDuration::from_hours(24 * 3660) {
        return Err(format!("--keep {s}: between 1h and 3660d"));
    }
    Ok(d)
}

fn parse_speed(s: &str) -> Result<f64, String> {
    match s.trim_start_matches('x').parse::<f64>() {
        Ok(v) if (1.0..=60.0).contains(&v) => Ok(v),
        _ => Err(format!("speed {s:?} is not a number from 1 to 60")),
    }
}

pub fn parse_size(s: &str) -> Result<(u16, u16), String> {
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(|| format!("size {s:?} is not WIDTHxHEIGHT"))?;
    let w: u16 = w.parse().map_err(|_| format!("width {w:?} is not a number"))?;
    let h: u16 = h.parse().map_err(|_| format!("height {h:?} is not a number"))?;
    if !(20..=1000).contains(&w) || !(5..=500).contains(&h) {
        return Err(format!("size {w}x{h} is out of range (20x5 to 1000x500)"));
    }
    Ok((w, h))
}
