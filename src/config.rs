//! The configuration: a TOML file plus an explicit list of `FACTWATCH_*` environment
//! overrides, validated into one typed [`Config`] tree.
//!
//! This module owns every read of the config file, of the override variables and of webhook
//! secrets; the rest of the program only sees typed sub-configs. Validation errors name the
//! setting (and the environment variable when one set it) and say what is wrong, so a bad
//! config fails at start instead of half-working. `check-config` calls [`Config::load`] and
//! nothing else, which keeps it free of side effects and fit for `ExecStartPre`.
//!
//! Relative paths for `watch_dir` and `database` are taken from the working directory, as
//! for any command-line tool (the systemd unit sets `WorkingDirectory`). Pack paths are taken
//! from the directory of the config file, because packs ship next to it.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::SignedDuration;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::model::EventType;

/// The config file looked for in the working directory when none is named.
pub const DEFAULT_CONFIG_PATH: &str = "config/factwatch.toml";

/// Environment variables that override settings, with the setting each one sets.
///
/// This list is a contract: the names appear in docs and unit files. Webhooks are a list
/// and so have no per-field override; `FACTWATCH_WEBHOOK_URL` and `FACTWATCH_WEBHOOK_SECRET`
/// add one webhook named `env` instead.
pub const ENV_OVERRIDES: &[(&str, &str)] = &[
    ("FACTWATCH_WATCH_DIR", "watch_dir"),
    ("FACTWATCH_DB", "database"),
    ("FACTWATCH_TIMEZONE", "timezone"),
    ("FACTWATCH_BOOTSTRAP_ALERTS", "bootstrap_alerts"),
    ("FACTWATCH_PACKS", "packs"),
    ("FACTWATCH_DEBOUNCE", "ingest.debounce"),
    ("FACTWATCH_SETTLE", "ingest.settle"),
    ("FACTWATCH_MAX_FILE_SIZE", "ingest.max_file_size"),
    ("FACTWATCH_MAX_CONCURRENT_READS", "ingest.max_concurrent_reads"),
    ("FACTWATCH_RESCAN_INTERVAL", "ingest.rescan_interval"),
    ("FACTWATCH_ALERT_EVENTS", "alerts.events"),
    ("FACTWATCH_RETRY_SCHEDULE", "delivery.retry_schedule"),
    ("FACTWATCH_MAX_IN_FLIGHT", "delivery.max_in_flight"),
    ("FACTWATCH_HTTP_LISTEN", "http.listen"),
    ("FACTWATCH_INBOX_LISTEN", "inbox.listen"),
    ("FACTWATCH_INBOX_SECRET", "inbox.secret"),
    ("FACTWATCH_LOG_FORMAT", "log.format"),
];

/// The variable that names the config file.
pub const ENV_CONFIG: &str = "FACTWATCH_CONFIG";
/// The variable that adds a webhook named `env` with this URL.
pub const ENV_WEBHOOK_URL: &str = "FACTWATCH_WEBHOOK_URL";
/// The variable that gives the `env` webhook its secret.
pub const ENV_WEBHOOK_SECRET: &str = "FACTWATCH_WEBHOOK_SECRET";

/// A configuration problem, naming the setting and the reason.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The config file could not be read.
    #[error("cannot read config file {path}: {error}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error (kept out of `source()` so `{:#}` does not print it twice).
        error: std::io::Error,
    },
    /// The config file is not valid TOML or has an unknown or mistyped key.
    #[error("config file {path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What the TOML parser said, with line and column.
        message: String,
    },
    /// A setting has a value that cannot work.
    #[error("setting `{key}`{origin}: {reason}")]
    Invalid {
        /// The dotted setting name, e.g. `webhook[0].url`.
        key: String,
        /// " (from FACTWATCH_X)" when an environment variable set it.
        origin: String,
        /// What is wrong and what would be right.
        reason: String,
    },
}

fn invalid(key: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::Invalid { key: key.into(), origin: String::new(), reason: reason.into() }
}

/// A secret string whose `Debug` and `Display` never show it, so it cannot leak into logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The secret itself; call only where it is used (signing, verifying).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("***")
    }
}

/// Where a domain pack comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum PackSource {
    /// A pack compiled into the binary, named `builtin:NAME` in the config.
    Builtin(String),
    /// A pack file.
    File(PathBuf),
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human lines on a terminal, JSON lines under systemd (when `JOURNAL_STREAM` is set).
    Auto,
    /// Human-readable lines.
    Human,
    /// One JSON object per line.
    Json,
}

/// The body a webhook receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyFormat {
    /// The alert event itself (Standard Webhooks payload).
    Json,
    /// A Slack incoming-webhook body: `{"text": ...}`.
    Slack,
    /// A Discord incoming-webhook body: `{"content": ...}`.
    Discord,
}

/// A pattern over fact keys: `*` matches any run of characters, e.g. `tariff_rate:US:*`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct KeyPattern(String);

impl KeyPattern {
    /// Wraps a pattern.
    pub fn new(s: impl Into<String>) -> KeyPattern {
        KeyPattern(s.into())
    }

    /// Whether `key` matches; `*` matches any run of characters, everything else literally.
    pub fn matches(&self, key: &str) -> bool {
        glob_match(self.0.as_bytes(), key.as_bytes())
    }
}

fn glob_match(pat: &[u8], s: &[u8]) -> bool {
    // Iterative wildcard matching with one backtrack point: linear in practice, and it cannot
    // blow up on patterns with many stars the way naive recursion does.
    let (mut p, mut i) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while i < s.len() {
        if p < pat.len() && pat[p] != b'*' && pat[p] == s[i] {
            p += 1;
            i += 1;
        } else if p < pat.len() && pat[p] == b'*' {
            star = Some(p);
            mark = i;
            p += 1;
        } else if let Some(sp) = star {
            p = sp + 1;
            mark += 1;
            i = mark;
        } else {
            return false;
        }
    }
    pat[p..].iter().all(|&c| c == b'*')
}

/// Settings of the folder watcher and file reader.
#[derive(Debug, Clone, Serialize)]
pub struct IngestConfig {
    /// How long a path must be quiet after it was closed or renamed into place before it is
    /// read: absorbs the burst of events one save makes.
    #[serde(with = "duration_text")]
    pub debounce: Duration,
    /// How long a path that was written but never closed must be quiet before it is read
    /// anyway (writers that keep files open, network file systems).
    #[serde(with = "duration_text")]
    pub settle: Duration,
    /// Files larger than this many bytes are skipped with a log line.
    pub max_file_size: u64,
    /// How many files are read and extracted at the same time.
    pub max_concurrent_reads: usize,
    /// How often the whole folder is rescanned as a safety net for lost events; zero turns
    /// it off.
    #[serde(with = "duration_text")]
    pub rescan_interval: Duration,
}

/// One webhook receiver.
#[derive(Debug, Clone, Serialize)]
pub struct WebhookConfig {
    /// A short name used in logs, the outbox and `send-test --webhook`.
    pub name: String,
    /// The URL to POST to (http or https).
    pub url: url::Url,
    /// The Standard Webhooks signing secret (`whsec_` + base64); unsigned when absent.
    pub secret: Option<Secret>,
    /// The timeout of one request, connect to last byte.
    #[serde(with = "duration_text")]
    pub timeout: Duration,
    /// Which event types this webhook receives.
    pub events: Vec<EventType>,
    /// Which keys this webhook receives; empty means all.
    pub keys: Vec<KeyPattern>,
    /// The body format.
    pub format: BodyFormat,
    /// Extra request headers.
    pub headers: BTreeMap<String, String>,
}

impl WebhookConfig {
    /// Whether this webhook wants an event of this type about this key.
    pub fn wants(&self, event: EventType, key: &str) -> bool {
        self.events.contains(&event)
            && (self.keys.is_empty() || self.keys.iter().any(|p| p.matches(key)))
    }
}

/// Settings of webhook delivery shared by all webhooks.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryConfig {
    /// The waits between attempts; after the last one fails the event is dead.
    #[serde(with = "duration_list_text")]
    pub retry_schedule: Vec<Duration>,
    /// How many requests one webhook may have in flight at once.
    pub max_in_flight: usize,
}

/// The built-in receiver started beside the daemon, for trying factwatch out.
#[derive(Debug, Clone, Serialize)]
pub struct InboxConfig {
    /// Where it listens.
    pub listen: SocketAddr,
    /// The secret it verifies signatures with; unverified when absent.
    pub secret: Option<Secret>,
}

/// The validated configuration.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    /// The config file this came from, if any.
    pub path: Option<PathBuf>,
    /// The folder of articles to watch.
    pub watch_dir: PathBuf,
    /// The SQLite database file.
    pub database: PathBuf,
    /// The IANA name of the time zone deadlines are read in.
    pub timezone: String,
    /// The time zone itself.
    #[serde(skip)]
    pub tz: TimeZone,
    /// Whether the first scan of an empty database posts alerts (otherwise it is a baseline).
    pub bootstrap_alerts: bool,
    /// The domain packs to load, in order.
    pub packs: Vec<PackSource>,
    /// Watcher and reader settings.
    pub ingest: IngestConfig,
    /// Which event types are posted at all.
    pub alert_events: Vec<EventType>,
    /// Relative tolerance per metric: figures within it of the stored value do not alert.
    pub tolerance: BTreeMap<String, f64>,
    /// Delivery settings.
    pub delivery: DeliveryConfig,
    /// The webhooks.
    pub webhooks: Vec<WebhookConfig>,
    /// Where `/healthz`, `/readyz` and `/metrics` are served; off when absent.
    pub http_listen: Option<SocketAddr>,
    /// The built-in receiver, off when absent.
    pub inbox: Option<InboxConfig>,
    /// The log format.
    pub log_format: LogFormat,
}

// ---------------------------------------------------------------------------------------
// The raw file format. Field docs here are the reference; config/factwatch.toml mirrors them.

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    watch_dir: Option<PathBuf>,
    database: Option<PathBuf>,
    timezone: Option<String>,
    bootstrap_alerts: Option<bool>,
    packs: Option<StringList>,
    #[serde(default)]
    ingest: RawIngest,
    #[serde(default)]
    alerts: RawAlerts,
    #[serde(default)]
    delivery: RawDelivery,
    #[serde(default)]
    webhook: Vec<RawWebhook>,
    #[serde(default)]
    http: RawListen,
    #[serde(default)]
    inbox: RawInbox,
    #[serde(default)]
    log: RawLog,
}

/// A list that an environment variable may give as one comma-separated string.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum StringList {
    List(Vec<String>),
    Comma(String),
}

impl StringList {
    fn into_vec(self) -> Vec<String> {
        match self {
            StringList::List(v) => v,
            StringList::Comma(s) => {
                s.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIngest {
    debounce: Option<String>,
    settle: Option<String>,
    max_file_size: Option<SizeValue>,
    max_concurrent_reads: Option<i64>,
    rescan_interval: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum SizeValue {
    Bytes(i64),
    Text(String),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAlerts {
    events: Option<StringList>,
    #[serde(default)]
    tolerance: BTreeMap<String, f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDelivery {
    retry_schedule: Option<StringList>,
    max_in_flight: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWebhook {
    name: Option<String>,
    url: Option<String>,
    secret: Option<String>,
    secret_env: Option<String>,
    secret_file: Option<PathBuf>,
    secret_credential: Option<String>,
    timeout: Option<String>,
    events: Option<StringList>,
    #[serde(default)]
    keys: Vec<String>,
    format: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawListen {
    listen: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInbox {
    listen: Option<String>,
    secret: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLog {
    format: Option<String>,
}

/// Where the environment comes from: the process, or a map in tests.
pub trait Env {
    /// The value of a variable, if set and not empty.
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }
}

impl Env for BTreeMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).filter(|v| !v.is_empty()).cloned()
    }
}

impl Config {
    /// Loads the configuration: the named file, else `FACTWATCH_CONFIG`, else
    /// `config/factwatch.toml` if it exists, else the built-in defaults; then the
    /// environment overrides; then validation.
    pub fn load(explicit: Option<&Path>, env: &dyn Env) -> Result<Config, Error> {
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => match env.var(ENV_CONFIG) {
                Some(p) => Some(PathBuf::from(p)),
                None => {
                    let p = PathBuf::from(DEFAULT_CONFIG_PATH);
                    p.is_file().then_some(p)
                }
            },
        };
        let text = match &path {
            Some(p) => std::fs::read_to_string(p)
                .map_err(|error| Error::Read { path: p.clone(), error })?,
            None => String::new(),
        };
        Config::from_toml(&text, path.as_deref(), env)
    }

    /// Builds the configuration from TOML text; `path` is used in messages and to resolve
    /// pack paths.
    pub fn from_toml(text: &str, path: Option<&Path>, env: &dyn Env) -> Result<Config, Error> {
        let shown =
            path.map_or_else(|| "(built-in defaults)".to_string(), |p| p.display().to_string());
        let mut table: toml::Table = toml::from_str(text)
            .map_err(|e| Error::Parse { path: shown.clone(), message: e.to_string() })?;
        let mut from_env = BTreeMap::new();
        for (var, key) in ENV_OVERRIDES {
            if let Some(value) = env.var(var) {
                set_dotted(&mut table, key, env_value(&value));
                from_env.insert(*key, *var);
            }
        }
        let raw: RawConfig = table
            .try_into()
            .map_err(|e: toml::de::Error| Error::Parse { path: shown, message: e.to_string() })?;
        let base_dir = path.and_then(Path::parent).map(Path::to_path_buf).unwrap_or_default();
        raw.validate(&base_dir, env)
            .map_err(|e| match e {
                Error::Invalid { key, reason, .. } => {
                    let origin = from_env
                        .get(key.as_str())
                        .map(|v| format!(" (from {v})"))
                        .unwrap_or_default();
                    Error::Invalid { key, origin, reason }
                }
                other => other,
            })
            .map(|mut c| {
                c.path = path.map(Path::to_path_buf);
                c
            })
    }

    /// The text of each configured pack file, in order; `None` for a built-in pack.
    pub fn read_packs(&self) -> Result<Vec<(PackSource, Option<String>)>, Error> {
        self.packs
            .iter()
            .map(|p| match p {
                PackSource::Builtin(_) => Ok((p.clone(), None)),
                PackSource::File(path) => {
                    std::fs::read_to_string(path).map(|t| (p.clone(), Some(t))).map_err(|e| {
                        invalid("packs", format!("cannot read pack {}: {e}", path.display()))
                    })
                }
            })
            .collect()
    }

    /// The webhook with this name.
    pub fn webhook(&self, name: &str) -> Option<&WebhookConfig> {
        self.webhooks.iter().find(|w| w.name == name)
    }
}

/// Reads an override value the way a user would write it: `true`/`false` and whole numbers
/// are typed, everything else is a string.
fn env_value(s: &str) -> toml::Value {
    if let Ok(b) = s.parse::<bool>() {
        return toml::Value::Boolean(b);
    }
    if let Ok(i) = s.parse::<i64>() {
        return toml::Value::Integer(i);
    }
    toml::Value::String(s.to_string())
}

fn set_dotted(table: &mut toml::Table, key: &str, value: toml::Value) {
    let mut parts: Vec<&str> = key.split('.').collect();
    let Some(last) = parts.pop() else { return };
    let mut t = table;
    for p in parts {
        let entry =
            t.entry(p.to_string()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !entry.is_table() {
            *entry = toml::Value::Table(toml::Table::new());
        }
        let toml::Value::Table(inner) = entry else { return };
        t = inner;
    }
    t.insert(last.to_string(), value);
}

fn parse_duration(key: &str, s: &str) -> Result<Duration, Error> {
    let d: SignedDuration = s.trim().parse().map_err(|e| {
        invalid(
            key,
            format!("{s:?} is not a duration ({e}); write e.g. \"250ms\", \"5s\", \"2h 30m\""),
        )
    })?;
    Duration::try_from(d).map_err(|_| invalid(key, format!("{s:?} must not be negative")))
}

fn parse_size(key: &str, v: &SizeValue) -> Result<u64, Error> {
    let bad = |s: &str| {
        invalid(key, format!("{s:?} is not a size; write bytes or e.g. \"10MiB\", \"500KB\""))
    };
    match v {
        SizeValue::Bytes(n) => {
            u64::try_from(*n).map_err(|_| invalid(key, format!("{n} must not be negative")))
        }
        SizeValue::Text(s) => {
            let t = s.trim();
            let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
            let (num, unit) = t.split_at(split);
            let n: u64 = num.parse().map_err(|_| bad(s))?;
            let mul: u64 = match unit.trim().to_ascii_lowercase().as_str() {
                "" | "b" => 1,
                "kb" => 1000,
                "kib" | "k" => 1024,
                "mb" => 1_000_000,
                "mib" | "m" => 1024 * 1024,
                "gb" => 1_000_000_000,
                "gib" | "g" => 1024 * 1024 * 1024,
                _ => return Err(bad(s)),
            };
            n.checked_mul(mul).ok_or_else(|| bad(s))
        }
    }
}

fn parse_listen(key: &str, s: &str) -> Result<SocketAddr, Error> {
    s.trim().parse().map_err(|_| {
        invalid(key, format!("{s:?} is not an address; write IP:PORT, e.g. \"127.0.0.1:9187\""))
    })
}

fn parse_events(key: &str, list: Option<StringList>) -> Result<Vec<EventType>, Error> {
    let Some(list) = list else { return Ok(EventType::ALL.to_vec()) };
    let mut out = Vec::new();
    for s in list.into_vec() {
        if s == "*" || s == "all" {
            return Ok(EventType::ALL.to_vec());
        }
        let t = EventType::parse(&s).ok_or_else(|| {
            invalid(key, format!("unknown event type {s:?}; expected fact.new, fact.changed, fact.deadline_changed or fact.expired"))
        })?;
        if !out.contains(&t) {
            out.push(t);
        }
    }
    Ok(out)
}

fn positive(key: &str, v: Option<i64>, default: usize) -> Result<usize, Error> {
    match v {
        None => Ok(default),
        Some(n) if n >= 1 => usize::try_from(n).map_err(|_| invalid(key, "is too large")),
        Some(n) => Err(invalid(key, format!("{n} must be at least 1"))),
    }
}

/// Reads a webhook secret from wherever the config says, checking its shape.
fn resolve_secret(key: &str, raw: &RawWebhook, env: &dyn Env) -> Result<Option<Secret>, Error> {
    let sources = [
        raw.secret.is_some(),
        raw.secret_env.is_some(),
        raw.secret_file.is_some(),
        raw.secret_credential.is_some(),
    ];
    if sources.iter().filter(|&&s| s).count() > 1 {
        return Err(invalid(
            key,
            "give only one of secret, secret_env, secret_file, secret_credential",
        ));
    }
    let value = if let Some(s) = &raw.secret {
        s.clone()
    } else if let Some(var) = &raw.secret_env {
        env.var(var).ok_or_else(|| {
            invalid(format!("{key}.secret_env"), format!("environment variable {var} is not set"))
        })?
    } else if let Some(file) = &raw.secret_file {
        read_secret_file(&format!("{key}.secret_file"), file)?
    } else if let Some(name) = &raw.secret_credential {
        let dir = env.var("CREDENTIALS_DIRECTORY").ok_or_else(|| {
            invalid(
                format!("{key}.secret_credential"),
                "CREDENTIALS_DIRECTORY is not set: run under systemd with LoadCredential=, or use secret_file",
            )
        })?;
        read_secret_file(&format!("{key}.secret_credential"), &Path::new(&dir).join(name))?
    } else {
        return Ok(None);
    };
    check_secret(key, &value)?;
    Ok(Some(Secret::new(value)))
}

fn read_secret_file(key: &str, path: &Path) -> Result<String, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| invalid(key, format!("cannot read secret file {}: {e}", path.display())))?;
    Ok(text.trim().to_string())
}

/// Standard Webhooks secrets are `whsec_` followed by base64 of the key bytes; receivers'
/// libraries decode them that way, so anything else would produce signatures that never
/// verify. Say so at start instead.
pub fn check_secret(key: &str, secret: &str) -> Result<(), Error> {
    use base64::Engine as _;
    let Some(b64) = secret.strip_prefix("whsec_") else {
        return Err(invalid(
            key,
            "the secret must be \"whsec_\" followed by base64 (Standard Webhooks); `factwatch inbox` prints a fresh one",
        ));
    };
    match base64::engine::general_purpose::STANDARD.decode(b64) {
        Ok(bytes) if !bytes.is_empty() => Ok(()),
        _ => Err(invalid(key, "the part after \"whsec_\" is not valid non-empty base64")),
    }
}

impl RawConfig {
    fn validate(self, base_dir: &Path, env: &dyn Env) -> Result<Config, Error> {
        let watch_dir = self.watch_dir.unwrap_or_else(|| PathBuf::from("seeds"));
        if watch_dir.as_os_str().is_empty() {
            return Err(invalid("watch_dir", "must not be empty"));
        }
        let database = self.database.unwrap_or_else(|| PathBuf::from("data/factwatch.db"));
        if database.as_os_str().is_empty() {
            return Err(invalid("database", "must not be empty"));
        }
        let timezone = self.timezone.unwrap_or_else(|| "UTC".to_string());
        let tz = TimeZone::get(&timezone).map_err(|e| {
            invalid("timezone", format!("{timezone:?} is not a known IANA time zone ({e})"))
        })?;
        let packs = self
            .packs
            .map(StringList::into_vec)
            .unwrap_or_else(|| vec!["builtin:trade".to_string()])
            .into_iter()
            .map(|p| match p.strip_prefix("builtin:") {
                Some(name) => PackSource::Builtin(name.to_string()),
                None => {
                    let path = PathBuf::from(&p);
                    PackSource::File(if path.is_absolute() { path } else { base_dir.join(path) })
                }
            })
            .collect();

        let ingest = IngestConfig {
            debounce: parse_duration(
                "ingest.debounce",
                self.ingest.debounce.as_deref().unwrap_or("200ms"),
            )?,
            settle: parse_duration("ingest.settle", self.ingest.settle.as_deref().unwrap_or("2s"))?,
            max_file_size: match &self.ingest.max_file_size {
                Some(v) => parse_size("ingest.max_file_size", v)?,
                None => 10 * 1024 * 1024,
            },
            max_concurrent_reads: positive(
                "ingest.max_concurrent_reads",
                self.ingest.max_concurrent_reads,
                4,
            )?,
            rescan_interval: parse_duration(
                "ingest.rescan_interval",
                self.ingest.rescan_interval.as_deref().unwrap_or("10m"),
            )?,
        };

        let alert_events = parse_events("alerts.events", self.alerts.events)?;
        for (metric, tol) in &self.alerts.tolerance {
            if !(0.0..1.0).contains(tol) {
                return Err(invalid(
                    format!("alerts.tolerance.{metric}"),
                    format!(
                        "{tol} must be a fraction from 0 up to (not including) 1, e.g. 0.02 for 2%"
                    ),
                ));
            }
        }

        let retry_schedule = match self.delivery.retry_schedule {
            Some(list) => list
                .into_vec()
                .iter()
                .map(|s| parse_duration("delivery.retry_schedule", s))
                .collect::<Result<Vec<_>, _>>()?,
            None => ["5s", "5m", "30m", "2h", "5h", "10h", "10h"]
                .iter()
                .map(|s| parse_duration("delivery.retry_schedule", s))
                .collect::<Result<Vec<_>, _>>()?,
        };
        let delivery = DeliveryConfig {
            retry_schedule,
            max_in_flight: positive("delivery.max_in_flight", self.delivery.max_in_flight, 32)?,
        };

        let mut raw_hooks = self.webhook;
        if let Some(url) = env.var(ENV_WEBHOOK_URL) {
            raw_hooks.push(RawWebhook {
                name: Some("env".to_string()),
                url: Some(url),
                secret: env.var(ENV_WEBHOOK_SECRET),
                ..RawWebhook::default()
            });
        } else if env.var(ENV_WEBHOOK_SECRET).is_some() {
            return Err(invalid(
                ENV_WEBHOOK_SECRET,
                format!("is set but {ENV_WEBHOOK_URL} is not; set both to add a webhook"),
            ));
        }
        let mut webhooks: Vec<WebhookConfig> = Vec::new();
        for (i, raw) in raw_hooks.into_iter().enumerate() {
            let name = raw.name.clone().unwrap_or_else(|| format!("webhook{i}"));
            let key = if name == "env" {
                "FACTWATCH_WEBHOOK_URL".to_string()
            } else {
                format!("webhook[{i}] ({name})")
            };
            if webhooks.iter().any(|w| w.name == name) {
                return Err(invalid(key, "two webhooks have this name; names must be unique"));
            }
            if name.is_empty()
                || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            {
                return Err(invalid(key, "name must be letters, digits, '-', '_' or '.'"));
            }
            let url_text =
                raw.url.clone().ok_or_else(|| invalid(format!("{key}.url"), "is required"))?;
            let url = url::Url::parse(&url_text).map_err(|e| {
                invalid(format!("{key}.url"), format!("{url_text:?} is not a valid URL ({e})"))
            })?;
            if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
                return Err(invalid(
                    format!("{key}.url"),
                    format!("{url_text:?} must be an http:// or https:// URL with a host"),
                ));
            }
            let secret = resolve_secret(&format!("{key}.secret"), &raw, env)?;
            let timeout =
                parse_duration(&format!("{key}.timeout"), raw.timeout.as_deref().unwrap_or("10s"))?;
            if timeout.is_zero() {
                return Err(invalid(format!("{key}.timeout"), "must be more than zero"));
            }
            let events = parse_events(&format!("{key}.events"), raw.events)?;
            let format = match raw.format.as_deref().unwrap_or("json") {
                "json" => BodyFormat::Json,
                "slack" => BodyFormat::Slack,
                "discord" => BodyFormat::Discord,
                other => {
                    return Err(invalid(
                        format!("{key}.format"),
                        format!("{other:?} is not one of json, slack, discord"),
                    ));
                }
            };
            for (h, v) in &raw.headers {
                let lower = h.to_ascii_lowercase();
                if !h.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                    || h.is_empty()
                {
                    return Err(invalid(
                        format!("{key}.headers"),
                        format!("{h:?} is not a valid header name"),
                    ));
                }
                if lower.starts_with("webhook-")
                    || lower == "content-type"
                    || lower == "content-length"
                {
                    return Err(invalid(
                        format!("{key}.headers"),
                        format!("{h:?} is set by factwatch and cannot be overridden"),
                    ));
                }
                if v.bytes().any(|b| b == b'\r' || b == b'\n') {
                    return Err(invalid(
                        format!("{key}.headers"),
                        format!("the value of {h:?} contains a line break"),
                    ));
                }
            }
            webhooks.push(WebhookConfig {
                name,
                url,
                secret,
                timeout,
                events,
                keys: raw.keys.into_iter().map(KeyPattern::new).collect(),
                format,
                headers: raw.headers,
            });
        }

        let http_listen =
            self.http.listen.as_deref().map(|s| parse_listen("http.listen", s)).transpose()?;
        let inbox = match self.inbox.listen.as_deref() {
            Some(l) => {
                let listen = parse_listen("inbox.listen", l)?;
                let secret = match self.inbox.secret {
                    Some(s) => {
                        check_secret("inbox.secret", &s)?;
                        Some(Secret::new(s))
                    }
                    None => None,
                };
                Some(InboxConfig { listen, secret })
            }
            None if self.inbox.secret.is_some() => {
                return Err(invalid("inbox.secret", "is set but inbox.listen is not"));
            }
            None => None,
        };
        let log_format = match self.log.format.as_deref().unwrap_or("auto") {
            "auto" => LogFormat::Auto,
            "human" => LogFormat::Human,
            "json" => LogFormat::Json,
            other => {
                return Err(invalid(
                    "log.format",
                    format!("{other:?} is not one of auto, human, json"),
                ));
            }
        };

        Ok(Config {
            path: None,
            watch_dir,
            database,
            timezone,
            tz,
            bootstrap_alerts: self.bootstrap_alerts.unwrap_or(false),
            packs,
            ingest,
            alert_events,
            tolerance: self.alerts.tolerance,
            delivery,
            webhooks,
            http_listen,
            inbox,
            log_format,
        })
    }
}

/// Serializes a `Duration` the way the config file writes it, e.g. "250ms".
mod duration_text {
    use std::time::Duration;

    pub(super) fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&super::show_duration(*d))
    }
}

mod duration_list_text {
    use std::time::Duration;

    pub(super) fn serialize<S: serde::Serializer>(d: &[Duration], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(d.iter().map(|d| super::show_duration(*d)))
    }
}

/// A duration in the friendly form the config accepts ("1h 30m", "250ms").
pub fn show_duration(d: Duration) -> String {
    match SignedDuration::try_from(d) {
        Ok(sd) => format!("{sd:#}"),
        Err(_) => format!("{}s", d.as_secs()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_need_no_file() {
        let c = Config::from_toml("", None, &env(&[])).expect("defaults are valid");
        assert_eq!(c.watch_dir, PathBuf::from("seeds"));
        assert_eq!(c.database, PathBuf::from("data/factwatch.db"));
        assert_eq!(c.packs, vec![PackSource::Builtin("trade".into())]);
        assert_eq!(c.delivery.retry_schedule.len(), 7);
        assert!(c.webhooks.is_empty());
    }

    #[test]
    fn contract_env_names_override_the_file() {
        let e = env(&[
            ("FACTWATCH_WATCH_DIR", "/srv/articles"),
            ("FACTWATCH_DB", "/var/lib/fw.db"),
            ("FACTWATCH_WEBHOOK_URL", "http://127.0.0.1:9/hook"),
            ("FACTWATCH_WEBHOOK_SECRET", "whsec_c2VjcmV0"),
        ]);
        let c = Config::from_toml("watch_dir = \"x\"\ndatabase = \"y\"", None, &e).expect("valid");
        assert_eq!(c.watch_dir, PathBuf::from("/srv/articles"));
        assert_eq!(c.database, PathBuf::from("/var/lib/fw.db"));
        assert_eq!(c.webhooks.len(), 1);
        assert_eq!(c.webhooks[0].name, "env");
        assert_eq!(c.webhooks[0].secret.as_ref().map(Secret::expose), Some("whsec_c2VjcmV0"));
    }

    #[test]
    fn bad_setting_names_key_and_env_var() {
        let e = env(&[("FACTWATCH_DEBOUNCE", "soon")]);
        let err = Config::from_toml("", None, &e).expect_err("bad duration").to_string();
        assert!(err.contains("ingest.debounce") && err.contains("FACTWATCH_DEBOUNCE"), "{err}");
    }

    #[test]
    fn unknown_key_is_rejected_with_its_name() {
        let err =
            Config::from_toml("wach_dir = \"x\"", None, &env(&[])).expect_err("typo").to_string();
        assert!(err.contains("wach_dir"), "{err}");
    }

    #[test]
    fn invalid_webhook_url_names_the_webhook() {
        let err =
            Config::from_toml("[[webhook]]\nname = \"ops\"\nurl = \"not a url\"", None, &env(&[]))
                .expect_err("bad url")
                .to_string();
        assert!(err.contains("ops") && err.contains("url"), "{err}");
    }

    #[test]
    fn missing_secret_file_names_the_webhook() {
        let text = "[[webhook]]\nname = \"ops\"\nurl = \"http://127.0.0.1:1/\"\nsecret_file = \"/nonexistent/secret\"";
        let err = Config::from_toml(text, None, &env(&[])).expect_err("missing file").to_string();
        assert!(err.contains("ops") && err.contains("/nonexistent/secret"), "{err}");
    }

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("whsec_c2VjcmV0");
        assert_eq!(format!("{s:?} {s}"), "Secret(***) ***");
    }

    #[test]
    fn key_patterns_match_with_stars() {
        let p = KeyPattern::new("tariff_rate:US:*");
        assert!(p.matches("tariff_rate:US:PK"));
        assert!(!p.matches("tariff_rate:PK:US"));
        assert!(KeyPattern::new("*@2024").matches("trade_volume:PK:US@2024"));
        assert!(KeyPattern::new("*").matches(""));
        assert!(!KeyPattern::new("a*b*c").matches("aXbXd"));
    }
}
