//! All configuration in one place: flags, each also read from `ZHIYAN_<FLAG>` (clap's `env`), with
//! the defaults written once below. Secrets are never printed: Debug redacts the database password.
use crate::domain::Span;
use crate::service::Settings;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Every default, once: the flags, the service's `Settings::default()` and the docs all read these.
pub mod defaults {
    pub const DATA_DIR: &str = "./zhiyan-data";
    pub const DB_MAX_CONNECTIONS: u32 = 10;
    pub const DB_ACQUIRE_TIMEOUT: &str = "5s";
    pub const SQLITE_SYNCHRONOUS: &str = "full";
    pub const BIND: &str = "127.0.0.1:8080";
    pub const RELEASE_DELAY: &str = "30m";
    /// `--demo` releases at once unless a delay is given, so the demo loop needs no waiting.
    pub const DEMO_RELEASE_DELAY: &str = "0s";
    pub const STATS_LAG: &str = "1d";
    pub const STATS_K: u32 = 5;
    pub const STATS_REFRESH: &str = "10m";
    pub const SWEEP_INTERVAL: &str = "30s";
    pub const UTC_OFFSET: &str = "+08:00";
    /// How long a staff sign-in lasts.
    pub const SESSION_TTL: &str = "12h";
    /// Failed staff sign-ins the whole service allows per minute from clients not known to the
    /// account (see `domain::backoff`).
    pub const LOGIN_FAILURE_BUDGET: u32 = 60;
    /// Staff see an area only down to the deepest level where at least this many cadres work.
    pub const AREA_K: u32 = 20;
    /// How often the public checkpoint of the audit log is signed.
    pub const CHECKPOINT_INTERVAL: &str = "1h";
    /// A request's headers must arrive within this.
    pub const HEADER_READ_TIMEOUT: &str = "10s";
    /// A request's body must arrive within this (a 256 KiB body at 10 KB/s takes 26 s).
    pub const BODY_READ_TIMEOUT: &str = "30s";
    /// A connection with no request being handled and nothing moving is closed after this.
    pub const IDLE_TIMEOUT: &str = "5s";
    /// Connections open at once (each holds a file descriptor; a process often has 1,024).
    pub const MAX_CONNECTIONS: usize = 512;
    /// Files with one report or one reply.
    pub const ATTACHMENTS_MAX_COUNT: usize = 5;
    /// Bytes of one attached file (10 MiB).
    pub const ATTACHMENT_MAX_BYTES: u64 = 10 << 20;
    /// Bodies with files held in memory at once, per instance (each up to 5 × 10 MiB × 4/3).
    pub const UPLOADS_AT_ONCE: usize = 8;
    /// A body with files must arrive within this (70 MB at 120 KB/s).
    pub const UPLOAD_READ_TIMEOUT: &str = "10m";
    /// Bytes of all the cleaned files of one report and its replies (50 MiB).
    pub const ATTACHMENTS_MAX_TOTAL: u64 = 50 << 20;
    /// The sender of notification emails.
    pub const SMTP_FROM: &str = "Zhiyan <zhiyan@localhost>";
    /// The daily digest's local time.
    pub const DAILY_DIGEST_AT: &str = "08:30";
    /// One attempt to send a notification gives up after this.
    pub const NOTIFY_TIMEOUT: &str = "10s";
}

fn span(text: &str) -> Span {
    Span::parse(text).expect("the built-in defaults parse")
}

fn timeout(text: &str) -> Duration {
    parse_timeout(text).expect("the built-in defaults parse")
}

/// A connection timeout: a span (`10s`, `2m`) or whole milliseconds (`200ms`); never zero.
pub fn parse_timeout(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let d = match t.strip_suffix("ms") {
        Some(ms) if !ms.is_empty() && ms.bytes().all(|b| b.is_ascii_digit()) => ms
            .parse()
            .map(Duration::from_millis)
            .map_err(|_| format!("`{s}` is too long a timeout"))?,
        _ => Duration::from_secs(
            Span::parse(t)
                .map_err(|e| format!("{e} (or whole milliseconds, e.g. 500ms)"))?
                .seconds() as u64,
        ),
    };
    if d.is_zero() {
        return Err(format!("`{s}`: a timeout must be longer than zero"));
    }
    Ok(d)
}

/// Where the data lives; shared by every command.
#[derive(clap::Args, Clone)]
pub struct DataArgs {
    /// Database URL: sqlite://PATH (default sqlite://<data-dir>/zhiyan.db) or postgres://...
    #[arg(long, env = "ZHIYAN_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Directory for the embedded database and the keyring.
    #[arg(
        long,
        env = "ZHIYAN_DATA_DIR",
        default_value = defaults::DATA_DIR,
        global = true
    )]
    pub data_dir: PathBuf,
    /// Largest number of database connections this instance opens.
    #[arg(
        long,
        env = "ZHIYAN_DB_MAX_CONNECTIONS",
        default_value_t = defaults::DB_MAX_CONNECTIONS,
        global = true
    )]
    pub db_max_connections: u32,
    /// How long a request waits for a database connection before it gets `503 unavailable`.
    #[arg(
        long,
        env = "ZHIYAN_DB_ACQUIRE_TIMEOUT",
        default_value = defaults::DB_ACQUIRE_TIMEOUT,
        value_parser = Span::parse,
        global = true
    )]
    pub db_acquire_timeout: Span,
    /// SQLite only: `full` waits for the disk at every commit, so an answered report survives a
    /// power cut; `normal` is faster but a power cut can lose the last commits.
    #[arg(
        long,
        env = "ZHIYAN_SQLITE_SYNCHRONOUS",
        default_value = defaults::SQLITE_SYNCHRONOUS,
        value_parser = ["full", "normal"],
        global = true
    )]
    pub sqlite_synchronous: String,
}

impl DataArgs {
    /// How the store opens the database.
    pub fn store_options(&self) -> crate::store::Options {
        crate::store::Options {
            max_connections: self.db_max_connections,
            acquire_timeout: std::time::Duration::from_secs(
                self.db_acquire_timeout.seconds().max(1) as u64,
            ),
            sqlite_full_sync: self.sqlite_synchronous != "normal",
        }
    }

    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("zhiyan.db").display()))
    }
}

impl fmt::Debug for DataArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataArgs")
            .field("database_url", &redact_url(&self.database_url()))
            .field("data_dir", &self.data_dir)
            .field("db_max_connections", &self.db_max_connections)
            .field("db_acquire_timeout", &self.db_acquire_timeout)
            .field("sqlite_synchronous", &self.sqlite_synchronous)
            .finish()
    }
}

#[derive(clap::Args, Clone, Debug)]
pub struct ServeArgs {
    #[arg(long, env = "ZHIYAN_BIND", default_value = defaults::BIND)]
    pub bind: SocketAddr,
    /// Load the demo organisation and accounts when the database is empty.
    #[arg(long, env = "ZHIYAN_DEMO")]
    pub demo: bool,
    /// Upper bound of the random delay before reporter text reaches staff (default 30m; 0s with --demo).
    #[arg(long, env = "ZHIYAN_RELEASE_DELAY", value_parser = Span::parse)]
    pub release_delay: Option<Span>,
    /// Public statistics include data only up to now minus this.
    #[arg(long, env = "ZHIYAN_STATS_LAG", default_value = defaults::STATS_LAG, value_parser = Span::parse)]
    pub stats_lag: Span,
    /// Smallest count (and base of a rate) public statistics show.
    #[arg(long, env = "ZHIYAN_STATS_K", default_value_t = defaults::STATS_K)]
    pub stats_k: u32,
    /// How often the public statistics are rebuilt from the database (at most this stale).
    #[arg(long, env = "ZHIYAN_STATS_REFRESH", default_value = defaults::STATS_REFRESH, value_parser = Span::parse)]
    pub stats_refresh: Span,
    /// How often deadlines and pending releases are checked.
    #[arg(long, env = "ZHIYAN_SWEEP_INTERVAL", default_value = defaults::SWEEP_INTERVAL, value_parser = Span::parse)]
    pub sweep_interval: Span,
    /// The deployment's time zone as an offset from UTC, e.g. +08:00; dates and times use it.
    #[arg(long, env = "ZHIYAN_UTC_OFFSET", default_value = defaults::UTC_OFFSET, value_parser = parse_offset)]
    pub utc_offset: i64,
    /// Reverse proxies (CIDR list, e.g. 10.0.0.0/8,::1/128) whose X-Forwarded-For is believed;
    /// from any other peer the header is ignored.
    #[arg(long, env = "ZHIYAN_TRUSTED_PROXY", value_parser = crate::web::proxy::Cidr::parse, value_delimiter = ',')]
    pub trusted_proxy: Vec<crate::web::proxy::Cidr>,
    /// The address people reach the service at, e.g. https://zhiyan.example.gov.cn: the origin form
    /// posts must come from, and (when https) the Secure flag on the staff cookies.
    #[arg(long, env = "ZHIYAN_PUBLIC_ORIGIN", value_parser = crate::web::proxy::parse_origin)]
    pub public_origin: Option<String>,
    /// Failed staff sign-ins per minute, across the service, from clients not known to the account;
    /// past it those are refused until the minute ends.
    #[arg(long, env = "ZHIYAN_LOGIN_FAILURE_BUDGET", default_value_t = defaults::LOGIN_FAILURE_BUDGET)]
    pub login_failure_budget: u32,
    /// Staff see a report's area only down to the deepest level where at least this many cadres work
    /// (headcounts from the organisation file; 0 shows every area as chosen).
    #[arg(long, env = "ZHIYAN_AREA_K", default_value_t = defaults::AREA_K)]
    pub area_k: u32,
    /// How often the public checkpoint of the audit log (`/api/v1/log/head`, the stats page) is
    /// signed; between two, the public sees the same one. 0s publishes the live head.
    #[arg(long, env = "ZHIYAN_CHECKPOINT_INTERVAL", default_value = defaults::CHECKPOINT_INTERVAL, value_parser = Span::parse)]
    pub checkpoint_interval: Span,
    /// A request's headers must arrive within this (from the connection being ready for them),
    /// else the connection is closed. A span (10s) or milliseconds (500ms).
    #[arg(long, env = "ZHIYAN_HEADER_READ_TIMEOUT", default_value = defaults::HEADER_READ_TIMEOUT, value_parser = parse_timeout)]
    pub header_read_timeout: Duration,
    /// A request's body must arrive within this, else `408 request_timeout` and the connection is
    /// closed. (A declared length over the 256 KiB limit is `413 too_large` at once.)
    #[arg(long, env = "ZHIYAN_BODY_READ_TIMEOUT", default_value = defaults::BODY_READ_TIMEOUT, value_parser = parse_timeout)]
    pub body_read_timeout: Duration,
    /// A connection with no request being handled and no byte moving for this long is closed
    /// (keep-alive between requests, or a client that sends nothing).
    #[arg(long, env = "ZHIYAN_IDLE_TIMEOUT", default_value = defaults::IDLE_TIMEOUT, value_parser = parse_timeout)]
    pub idle_timeout: Duration,
    /// Connections open at once; further ones wait (in the listen backlog) until one closes.
    #[arg(long, env = "ZHIYAN_MAX_CONNECTIONS", default_value_t = defaults::MAX_CONNECTIONS, value_parser = clap::value_parser!(usize))]
    pub max_connections: usize,
    /// The SMTP relay for notification emails: smtp://host:port (plain, e.g. a local relay),
    /// smtp://host:587?tls=required (STARTTLS) or smtps://host:465. Credentials come from
    /// ZHIYAN_SMTP_USERNAME and ZHIYAN_SMTP_PASSWORD, never from the URL or a flag.
    #[arg(long, env = "ZHIYAN_SMTP_URL", value_parser = parse_smtp_url)]
    pub smtp_url: Option<String>,
    /// The sender address of notification emails.
    #[arg(long, env = "ZHIYAN_SMTP_FROM", default_value = defaults::SMTP_FROM)]
    pub smtp_from: String,
    /// The local time of the daily digest (HH:MM); hourly messages go out on the hour.
    #[arg(long, env = "ZHIYAN_DAILY_DIGEST_AT", default_value = defaults::DAILY_DIGEST_AT, value_parser = crate::domain::notify::parse_time_of_day)]
    pub daily_digest_at: i64,
    /// One attempt to send a notification (SMTP or webhook) gives up after this.
    #[arg(long, env = "ZHIYAN_NOTIFY_TIMEOUT", default_value = defaults::NOTIFY_TIMEOUT, value_parser = parse_timeout)]
    pub notify_timeout: Duration,
    /// Files a reporter may attach to one report or one reply (0: none).
    #[arg(long, env = "ZHIYAN_ATTACHMENTS_MAX_COUNT", default_value_t = defaults::ATTACHMENTS_MAX_COUNT)]
    pub attachments_max_count: usize,
    /// Size of one attached file: bytes, or with a unit (10MiB, 512KiB).
    #[arg(long, env = "ZHIYAN_ATTACHMENT_MAX_BYTES", default_value_t = defaults::ATTACHMENT_MAX_BYTES, value_parser = parse_size)]
    pub attachment_max_bytes: u64,
    /// Size of all the files of one report and its replies together, after cleaning.
    #[arg(long, env = "ZHIYAN_ATTACHMENTS_MAX_TOTAL", default_value_t = defaults::ATTACHMENTS_MAX_TOTAL, value_parser = parse_size)]
    pub attachments_max_total: u64,
}

/// An SMTP URL without credentials in it (they belong in the environment, not in a process list).
fn parse_smtp_url(s: &str) -> Result<String, String> {
    let t = s.trim();
    let Some((scheme, rest)) = t.split_once("://") else {
        return Err(format!(
            "`{}` is not an smtp:// or smtps:// URL",
            redact_url(t)
        ));
    };
    if scheme != "smtp" && scheme != "smtps" {
        return Err(format!("`{scheme}://` is not smtp:// or smtps://"));
    }
    if rest.split('/').next().unwrap_or("").contains('@') {
        return Err("put the SMTP credentials in ZHIYAN_SMTP_USERNAME and ZHIYAN_SMTP_PASSWORD, not in the URL".into());
    }
    Ok(t.to_string())
}

impl ServeArgs {
    pub fn release_delay(&self) -> Span {
        self.release_delay.unwrap_or_else(|| {
            span(if self.demo {
                defaults::DEMO_RELEASE_DELAY
            } else {
                defaults::RELEASE_DELAY
            })
        })
    }

    /// What the use cases need of these flags.
    pub fn settings(&self) -> Settings {
        Settings {
            release_delay: self.release_delay().seconds(),
            utc_offset: self.utc_offset,
            stats_lag: self.stats_lag.seconds(),
            stats_k: i64::from(self.stats_k.max(1)),
            require_totp: !self.demo,
            login_budget: crate::domain::backoff::BudgetPolicy {
                max_failures: self.login_failure_budget.max(1),
                ..Default::default()
            },
            area_k: i64::from(self.area_k),
            checkpoint_interval: self.checkpoint_interval.seconds(),
            notify: crate::notify::NotifyConfig {
                smtp_url: self.smtp_url.clone(),
                smtp_username: std::env::var("ZHIYAN_SMTP_USERNAME").ok(),
                smtp_password: std::env::var("ZHIYAN_SMTP_PASSWORD").ok().map(Into::into),
                smtp_from: self.smtp_from.clone(),
                link_base: Some(
                    self.public_origin
                        .clone()
                        .unwrap_or_else(|| format!("http://{}", self.bind)),
                ),
                daily_minute: self.daily_digest_at,
                send_timeout: self.notify_timeout,
            },
            attachments: crate::service::AttachmentPolicy {
                max_count: self.attachments_max_count,
                max_bytes: self.attachment_max_bytes,
                max_total: self.attachments_max_total,
            },
            ..Settings::default()
        }
    }

    /// What the web layer needs of these flags.
    pub fn deployment(&self) -> crate::web::Deployment {
        crate::web::Deployment {
            trusted_proxies: self.trusted_proxy.clone(),
            public_origin: self.public_origin.clone(),
            body_read_timeout: self.body_read_timeout,
            upload_body_limit: crate::web::upload_body_limit(
                self.attachments_max_count,
                self.attachment_max_bytes,
            ),
            upload_read_timeout: timeout(defaults::UPLOAD_READ_TIMEOUT),
            upload_slots: std::sync::Arc::new(tokio::sync::Semaphore::new(
                defaults::UPLOADS_AT_ONCE,
            )),
        }
    }

    /// What the accept loop needs of these flags.
    pub fn connection_limits(&self) -> crate::ConnectionLimits {
        crate::ConnectionLimits {
            header_read_timeout: self.header_read_timeout,
            idle_timeout: self.idle_timeout,
            max_connections: self.max_connections.max(1),
        }
    }
}

/// The limits of a server started with no flags.
impl Default for crate::ConnectionLimits {
    fn default() -> Self {
        crate::ConnectionLimits {
            header_read_timeout: timeout(defaults::HEADER_READ_TIMEOUT),
            idle_timeout: timeout(defaults::IDLE_TIMEOUT),
            max_connections: defaults::MAX_CONNECTIONS,
        }
    }
}

/// How a server started with no flags is reached: directly, with the default body-read timeout.
impl Default for crate::web::Deployment {
    fn default() -> Self {
        crate::web::Deployment {
            trusted_proxies: Vec::new(),
            public_origin: None,
            body_read_timeout: timeout(defaults::BODY_READ_TIMEOUT),
            upload_body_limit: crate::web::upload_body_limit(
                defaults::ATTACHMENTS_MAX_COUNT,
                defaults::ATTACHMENT_MAX_BYTES,
            ),
            upload_read_timeout: timeout(defaults::UPLOAD_READ_TIMEOUT),
            upload_slots: std::sync::Arc::new(tokio::sync::Semaphore::new(
                defaults::UPLOADS_AT_ONCE,
            )),
        }
    }
}

/// The settings of a server started with no flags (the CLI's other commands use these too).
impl Default for Settings {
    fn default() -> Self {
        Settings {
            release_delay: span(defaults::RELEASE_DELAY).seconds(),
            utc_offset: parse_offset(defaults::UTC_OFFSET).expect("the built-in offset parses"),
            session_ttl: span(defaults::SESSION_TTL).seconds(),
            stats_lag: span(defaults::STATS_LAG).seconds(),
            stats_k: i64::from(defaults::STATS_K),
            require_totp: true,
            password_workers: crate::service::default_password_workers(),
            login_backoff: Default::default(),
            login_budget: crate::domain::backoff::BudgetPolicy {
                max_failures: defaults::LOGIN_FAILURE_BUDGET,
                ..Default::default()
            },
            area_k: i64::from(defaults::AREA_K),
            checkpoint_interval: span(defaults::CHECKPOINT_INTERVAL).seconds(),
            notify: Default::default(),
            attachments: crate::service::AttachmentPolicy {
                max_count: defaults::ATTACHMENTS_MAX_COUNT,
                max_bytes: defaults::ATTACHMENT_MAX_BYTES,
                max_total: defaults::ATTACHMENTS_MAX_TOTAL,
            },
        }
    }
}

/// Notifications of a server started with no flags: no SMTP relay, no links.
impl Default for crate::notify::NotifyConfig {
    fn default() -> Self {
        crate::notify::NotifyConfig {
            smtp_url: None,
            smtp_username: None,
            smtp_password: None,
            smtp_from: defaults::SMTP_FROM.to_string(),
            link_base: None,
            daily_minute: crate::domain::notify::parse_time_of_day(defaults::DAILY_DIGEST_AT)
                .expect("the built-in time parses"),
            send_timeout: timeout(defaults::NOTIFY_TIMEOUT),
        }
    }
}

/// "10MiB", "512KiB", "1048576" → bytes (K, M, KB, MB are read as binary units too).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let n: u64 = t[..digits]
        .parse()
        .map_err(|_| format!("{s:?} is not a size (like 10MiB)"))?;
    let unit = match t[digits..].trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(format!("{s:?}: the unit must be KiB, MiB or GiB")),
    };
    n.checked_mul(unit)
        .ok_or_else(|| format!("{s:?} is too large"))
}

/// "+08:00" / "-05:30" / "Z" → seconds east of UTC.
pub fn parse_offset(s: &str) -> Result<i64, String> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("z") || s == "+00:00" {
        return Ok(0);
    }
    let err = || format!("`{s}` is not a UTC offset like +08:00");
    let (sign, rest) = match s.as_bytes().first() {
        Some(b'+') => (1, &s[1..]),
        Some(b'-') => (-1, &s[1..]),
        _ => return Err(err()),
    };
    let (h, m) = rest.split_once(':').ok_or_else(err)?;
    let (h, m): (i64, i64) = (h.parse().map_err(|_| err())?, m.parse().map_err(|_| err())?);
    if h > 14 || m > 59 {
        return Err(err());
    }
    Ok(sign * (h * 3600 + m * 60))
}

/// postgres://user:secret@host/db → postgres://user:***@host/db
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse() {
        let s = Settings::default();
        assert_eq!(
            (s.release_delay, s.utc_offset, s.stats_k),
            (1800, 28_800, 5)
        );
    }

    #[test]
    fn offsets_and_redaction() {
        assert_eq!(parse_offset("+08:00"), Ok(28_800));
        assert_eq!(parse_offset("-05:30"), Ok(-19_800));
        assert!(parse_offset("8").is_err());
        assert_eq!(redact_url("postgres://u:pw@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }

    #[test]
    fn timeouts_in_spans_or_milliseconds() {
        assert_eq!(parse_timeout("200ms"), Ok(Duration::from_millis(200)));
        assert_eq!(parse_timeout("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_timeout(" 2m "), Ok(Duration::from_secs(120)));
        for bad in ["0s", "0ms", "ms", "1.5s", "-1s", "10"] {
            assert!(parse_timeout(bad).is_err(), "{bad}");
        }
        let limits = crate::ConnectionLimits::default();
        assert_eq!(limits.idle_timeout, Duration::from_secs(5));
    }
}
