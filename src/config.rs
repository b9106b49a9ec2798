//! The configuration: a TOML file plus an explicit list of `FACTWATCH_*` environment
//! overrides, validated into one typed [`Config`] tree, and written back in the file's own
//! format by [`Config::to_toml`].
//!
//! This module owns every read of the config file, of the override variables and of webhook
//! secrets, and nothing else: the rest of the program only sees typed sub-configs. Errors
//! name the setting and where it came from (the file and line, or the environment variable),
//! so a bad config fails at start instead of half-working. `check-config` calls
//! [`Config::load`] and prints [`Config::to_toml`], which keeps it free of side effects and
//! fit for `ExecStartPre`; what it prints loads again.
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

use crate::model::{EventType, KeyPattern};

/// The config file looked for in the working directory when none is named.
pub const DEFAULT_CONFIG_PATH: &str = "config/factwatch.toml";

/// Environment variables that override settings, with the setting each one sets.
///
/// This list is a contract: the names appear in docs and unit files. Webhooks are a list
/// and so have no per-field override; `FACTWATCH_WEBHOOK_URL` and `FACTWATCH_WEBHOOK_SECRET`
/// set the webhook named `env` instead (adding it when the file has none).
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
    ("FACTWATCH_REQUIRE_SIGNING", "delivery.require_signing"),
    ("FACTWATCH_UNCONFIRMED_AFTER", "facts.unconfirmed_after"),
    ("FACTWATCH_HTTP_LISTEN", "http.listen"),
    ("FACTWATCH_INBOX_LISTEN", "inbox.listen"),
    ("FACTWATCH_INBOX_SECRET", "inbox.secret"),
    ("FACTWATCH_LOG_FORMAT", "log.format"),
];

/// The variable that names the config file.
pub const ENV_CONFIG: &str = "FACTWATCH_CONFIG";
/// The variable that sets the URL of the webhook named `env`.
pub const ENV_WEBHOOK_URL: &str = "FACTWATCH_WEBHOOK_URL";
/// The variable that gives the `env` webhook its secret.
pub const ENV_WEBHOOK_SECRET: &str = "FACTWATCH_WEBHOOK_SECRET";
/// The name of the webhook the two variables above set.
pub const ENV_WEBHOOK_NAME: &str = "env";

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
    #[error("config file {path}{}: {message}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
    Parse {
        /// The file.
        path: String,
        /// The line the problem is on, when the parser knows it.
        line: Option<usize>,
        /// What the TOML parser said.
        message: String,
    },
    /// A setting has a value that cannot work.
    #[error("setting `{key}`{origin}: {reason}")]
    Invalid {
        /// The dotted setting name, e.g. `webhook[0] (ops).url`.
        key: String,
        /// Where the value came from: " (FILE line N)" or " (from FACTWATCH_X)".
        origin: String,
        /// What is wrong and what would be right.
        reason: String,
    },
}

fn invalid(key: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::Invalid { key: key.into(), origin: String::new(), reason: reason.into() }
}

fn invalid_from_env(key: impl Into<String>, var: &str, reason: impl Into<String>) -> Error {
    Error::Invalid { key: key.into(), origin: format!(" (from {var})"), reason: reason.into() }
}

/// Where a secret was read from, so the effective config can name the source without
/// showing the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretOrigin {
    /// Written in the config file (or given on the command line).
    Inline,
    /// An environment variable.
    Env(String),
    /// A file.
    File(PathBuf),
    /// A systemd credential (`LoadCredential=`), by name.
    Credential(String),
}

/// A secret string whose `Debug` and `Display` never show it, so it cannot leak into logs.
#[derive(Clone)]
pub struct Secret {
    value: String,
    origin: SecretOrigin,
}

impl Secret {
    /// Wraps a secret given inline.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret { value: s.into(), origin: SecretOrigin::Inline }
    }

    fn from(value: String, origin: SecretOrigin) -> Secret {
        Secret { value, origin }
    }

    /// The secret itself; call only where it is used (signing, verifying).
    pub fn expose(&self) -> &str {
        &self.value
    }

    /// Where it was read from.
    pub fn origin(&self) -> &SecretOrigin {
        &self.origin
    }
}

/// Two secrets are the same when their values are, wherever they came from.
impl PartialEq for Secret {
    fn eq(&self, other: &Secret) -> bool {
        self.value == other.value
    }
}

impl Eq for Secret {}

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

/// Where a domain pack comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackSource {
    /// A pack compiled into the binary, named `builtin:NAME` in the config.
    Builtin(String),
    /// A pack file.
    File(PathBuf),
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// The journal's native protocol under systemd (stderr is the journal), else human
    /// lines (coloured only on a terminal).
    Auto,
    /// Human-readable lines, coloured only on a terminal.
    Human,
    /// One JSON object per line, with `level`.
    Json,
}

impl LogFormat {
    /// The name the config file uses.
    pub fn as_str(self) -> &'static str {
        match self {
            LogFormat::Auto => "auto",
            LogFormat::Human => "human",
            LogFormat::Json => "json",
        }
    }
}

/// The body a webhook receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// The alert event itself (Standard Webhooks payload).
    Json,
    /// A Slack incoming-webhook message (Block Kit), the alerts of one article together.
    Slack,
    /// A Discord incoming-webhook message (embeds), the alerts of one article together.
    Discord,
}

impl BodyFormat {
    /// The name the config file uses.
    pub fn as_str(self) -> &'static str {
        match self {
            BodyFormat::Json => "json",
            BodyFormat::Slack => "slack",
            BodyFormat::Discord => "discord",
        }
    }
}

/// Settings of the folder watcher and file reader.
#[derive(Debug, Clone)]
pub struct IngestConfig {
    /// How long a path must be quiet after it was closed or renamed into place before it is
    /// read: absorbs the burst of events one save makes.
    pub debounce: Duration,
    /// How long a path that was written but never closed must be quiet before it is read
    /// anyway (writers that keep files open, network file systems).
    pub settle: Duration,
    /// Files larger than this many bytes are skipped with a log line.
    pub max_file_size: u64,
    /// How many files are read and extracted at the same time.
    pub max_concurrent_reads: usize,
    /// How often the whole folder is rescanned as a safety net for lost events; zero turns
    /// it off.
    pub rescan_interval: Duration,
}

/// One webhook receiver.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// A short name used in logs, the outbox and `send-test --webhook`.
    pub name: String,
    /// The URL to POST to (http or https).
    pub url: url::Url,
    /// The Standard Webhooks signing secret (`whsec_` + base64); unsigned when absent.
    pub secret: Option<Secret>,
    /// The timeout of one request, connect to last byte.
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
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// The waits between attempts; after the last one fails the event is dead.
    pub retry_schedule: Vec<Duration>,
    /// How many requests one webhook may have in flight at once.
    pub max_in_flight: usize,
}

/// The built-in receiver started beside the daemon, for trying factwatch out.
#[derive(Debug, Clone)]
pub struct InboxConfig {
    /// Where it listens.
    pub listen: SocketAddr,
    /// The secret it verifies signatures with; unverified when absent.
    pub secret: Option<Secret>,
}

/// How facts are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FactsConfig {
    /// A status with no deadline that no article has stated for this many days is shown as
    /// unconfirmed; zero turns it off. Display only: it never alerts.
    pub unconfirmed_after_days: u32,
}

/// The validated configuration.
#[derive(Debug, Clone)]
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
    /// Whether a JSON webhook without a secret is an error (`delivery.require_signing`);
    /// otherwise it is a warning at start.
    pub require_signing: bool,
    /// The webhooks.
    pub webhooks: Vec<WebhookConfig>,
    /// Where `/healthz`, `/readyz`, `/metrics` and `/status` are served; off when absent.
    pub http_listen: Option<SocketAddr>,
    /// The built-in receiver, off when absent.
    pub inbox: Option<InboxConfig>,
    /// The log format.
    pub log_format: LogFormat,
    /// How facts are shown.
    pub facts: FactsConfig,
    /// `reconcile.reversal_window`: a flip back to the replaced value within this many days
    /// of a change, from one source, is held as a conflict rather than alerted twice.
    pub reversal_window_days: u32,
}

// ---------------------------------------------------------------------------------------
// The file format. `RawConfig` is both what the file is read into and what `check-config`
// writes, so the two cannot drift apart. Field docs for users are in
// config/factwatch.toml, mirrored from the typed fields above.

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    watch_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    database: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timezone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bootstrap_alerts: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    packs: Option<StringList>,
    #[serde(default)]
    ingest: RawIngest,
    #[serde(default)]
    alerts: RawAlerts,
    #[serde(default)]
    delivery: RawDelivery,
    #[serde(default)]
    reconcile: RawReconcile,
    #[serde(default)]
    facts: RawFacts,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    webhook: Vec<RawWebhook>,
    #[serde(default, skip_serializing_if = "RawListen::is_empty")]
    http: RawListen,
    #[serde(default, skip_serializing_if = "RawInbox::is_empty")]
    inbox: RawInbox,
    #[serde(default)]
    log: RawLog,
}

/// A list that an environment variable may give as one comma-separated string.
#[derive(Debug, Deserialize, Serialize)]
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

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawIngest {
    #[serde(skip_serializing_if = "Option::is_none")]
    debounce: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    settle: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_file_size: Option<SizeValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_concurrent_reads: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rescan_interval: Option<String>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(untagged)]
enum SizeValue {
    Bytes(i64),
    Text(String),
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawAlerts {
    #[serde(skip_serializing_if = "Option::is_none")]
    events: Option<StringList>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    tolerance: BTreeMap<String, f64>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawDelivery {
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_schedule: Option<StringList>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_in_flight: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    require_signing: Option<bool>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawReconcile {
    #[serde(skip_serializing_if = "Option::is_none")]
    reversal_window: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawFacts {
    #[serde(skip_serializing_if = "Option::is_none")]
    unconfirmed_after: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawWebhook {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_env: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_file: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_credential: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timeout: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    events: Option<StringList>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    keys: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    format: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    headers: BTreeMap<String, String>,
    /// Set when FACTWATCH_WEBHOOK_URL gave the URL, so errors name the variable.
    #[serde(skip)]
    url_from_env: bool,
    /// Set when FACTWATCH_WEBHOOK_SECRET gave the secret.
    #[serde(skip)]
    secret_from_env: bool,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawListen {
    #[serde(skip_serializing_if = "Option::is_none")]
    listen: Option<String>,
}

impl RawListen {
    fn is_empty(&self) -> bool {
        self.listen.is_none()
    }
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawInbox {
    #[serde(skip_serializing_if = "Option::is_none")]
    listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_env: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_file: Option<PathBuf>,
}

impl RawInbox {
    fn is_empty(&self) -> bool {
        self.listen.is_none()
            && self.secret.is_none()
            && self.secret_env.is_none()
            && self.secret_file.is_none()
    }
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawLog {
    #[serde(skip_serializing_if = "Option::is_none")]
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
        let mut raw: RawConfig = toml::from_str(text).map_err(|e| Error::Parse {
            path: shown.clone(),
            line: e.span().map(|s| line_at(text, s.start)),
            message: e.message().trim_end().to_string(),
        })?;
        let from_env = apply_env(&mut raw, env)?;
        let base_dir = path.and_then(Path::parent).map(Path::to_path_buf).unwrap_or_default();
        let mut config = raw.validate(&base_dir, env).map_err(|e| match e {
            Error::Invalid { key, origin, reason } if origin.is_empty() => {
                let origin = match from_env.get(key.as_str()) {
                    Some(var) => format!(" (from {var})"),
                    None => match (line_of_key(text, &key), path) {
                        (Some(line), Some(p)) => format!(" ({} line {line})", p.display()),
                        (Some(line), None) => format!(" (line {line})"),
                        (None, _) => String::new(),
                    },
                };
                Error::Invalid { key, origin, reason }
            }
            other => other,
        })?;
        config.path = path.map(Path::to_path_buf);
        Ok(config)
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

    /// What is allowed but probably a mistake, one sentence each, for the daemon to log at
    /// start and `check-config` to print.
    pub fn warnings(&self) -> Vec<String> {
        self.webhooks
            .iter()
            .filter(|w| w.secret.is_none() && w.format == BodyFormat::Json)
            .map(|w| {
                format!(
                    "webhook {} has no secret: its alerts are posted unsigned and receivers cannot verify them; set secret_file, secret_credential or secret_env (or delivery.require_signing = true to refuse this)",
                    w.name
                )
            })
            .collect()
    }

    /// The effective settings in the config file's own format and names, defaults and
    /// environment overrides included. Loading the text again gives the same settings,
    /// except secrets and credential-like header values written inline, which are never
    /// shown: a comment at the top says which were left out.
    pub fn to_toml(&self) -> Result<String, Error> {
        let (raw, withheld) = self.to_raw();
        let body = toml::to_string(&raw).map_err(|e| Error::Parse {
            path: "(effective configuration)".into(),
            line: None,
            message: e.to_string(),
        })?;
        let mut out = String::new();
        for w in withheld {
            out.push_str(&format!("# {w}\n"));
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&body);
        Ok(out)
    }

    /// The effective settings as JSON, with the file's names (what `to_toml` prints).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self.to_raw().0).unwrap_or(serde_json::Value::Null)
    }

    fn to_raw(&self) -> (RawConfig, Vec<String>) {
        let mut withheld = Vec::new();
        let from = self.path.as_ref().map_or("the file".to_string(), |p| p.display().to_string());
        let webhook = self
            .webhooks
            .iter()
            .map(|w| {
                let mut raw = RawWebhook {
                    name: Some(w.name.clone()),
                    url: Some(w.url.to_string()),
                    timeout: Some(show_duration(w.timeout)),
                    events: Some(StringList::List(
                        w.events.iter().map(|e| e.as_str().to_string()).collect(),
                    )),
                    keys: w.keys.iter().map(|k| k.as_str().to_string()).collect(),
                    format: Some(w.format.as_str().to_string()),
                    ..RawWebhook::default()
                };
                if let Some(s) = &w.secret {
                    match s.origin() {
                        SecretOrigin::Inline => withheld.push(format!(
                            "webhook {}: its secret is written in {from} and not shown here",
                            w.name
                        )),
                        SecretOrigin::Env(v) => raw.secret_env = Some(v.clone()),
                        SecretOrigin::File(p) => raw.secret_file = Some(p.clone()),
                        SecretOrigin::Credential(c) => raw.secret_credential = Some(c.clone()),
                    }
                }
                for (h, v) in &w.headers {
                    if credential_like(h) {
                        withheld.push(format!(
                            "webhook {}: header {h} is set in {from}; its value is not shown here",
                            w.name
                        ));
                    } else {
                        raw.headers.insert(h.clone(), v.clone());
                    }
                }
                raw
            })
            .collect();
        let mut inbox = RawInbox::default();
        if let Some(i) = &self.inbox {
            inbox.listen = Some(i.listen.to_string());
            if let Some(s) = &i.secret {
                match s.origin() {
                    SecretOrigin::Env(v) => inbox.secret_env = Some(v.clone()),
                    SecretOrigin::File(p) => inbox.secret_file = Some(p.clone()),
                    SecretOrigin::Inline | SecretOrigin::Credential(_) => withheld
                        .push(format!("inbox: its secret is written in {from} and not shown here")),
                }
            }
        }
        let raw = RawConfig {
            watch_dir: Some(self.watch_dir.clone()),
            database: Some(self.database.clone()),
            timezone: Some(self.timezone.clone()),
            bootstrap_alerts: Some(self.bootstrap_alerts),
            packs: Some(StringList::List(
                self.packs
                    .iter()
                    .map(|p| match p {
                        PackSource::Builtin(name) => format!("builtin:{name}"),
                        // Absolute, because the printed file may be saved anywhere and pack
                        // paths are read relative to the file that names them.
                        PackSource::File(path) => std::path::absolute(path)
                            .unwrap_or_else(|_| path.clone())
                            .display()
                            .to_string(),
                    })
                    .collect(),
            )),
            ingest: RawIngest {
                debounce: Some(show_duration(self.ingest.debounce)),
                settle: Some(show_duration(self.ingest.settle)),
                max_file_size: Some(SizeValue::Text(show_size(self.ingest.max_file_size))),
                max_concurrent_reads: i64::try_from(self.ingest.max_concurrent_reads).ok(),
                rescan_interval: Some(show_duration(self.ingest.rescan_interval)),
            },
            alerts: RawAlerts {
                events: Some(StringList::List(
                    self.alert_events.iter().map(|e| e.as_str().to_string()).collect(),
                )),
                tolerance: self.tolerance.clone(),
            },
            delivery: RawDelivery {
                retry_schedule: Some(StringList::List(
                    self.delivery.retry_schedule.iter().map(|d| show_duration(*d)).collect(),
                )),
                max_in_flight: i64::try_from(self.delivery.max_in_flight).ok(),
                require_signing: Some(self.require_signing),
            },
            reconcile: RawReconcile {
                reversal_window: Some(format!("{}d", self.reversal_window_days)),
            },
            facts: RawFacts {
                unconfirmed_after: Some(format!("{}d", self.facts.unconfirmed_after_days)),
            },
            webhook,
            http: RawListen { listen: self.http_listen.map(|a| a.to_string()) },
            inbox,
            log: RawLog { format: Some(self.log_format.as_str().to_string()) },
        };
        (raw, withheld)
    }
}

/// Header names that usually carry a credential, whose values `check-config` leaves out.
fn credential_like(header: &str) -> bool {
    let h = header.to_ascii_lowercase();
    ["auth", "token", "key", "secret", "cookie", "signature", "password"]
        .iter()
        .any(|w| h.contains(w))
}

// ---------------------------------------------------------------------------------------
// Environment overrides

/// Applies the `FACTWATCH_*` overrides to the file's settings. Returns which setting each
/// variable set, so validation errors can name the variable.
fn apply_env(
    raw: &mut RawConfig,
    env: &dyn Env,
) -> Result<BTreeMap<&'static str, &'static str>, Error> {
    let mut from_env = BTreeMap::new();
    for (var, key) in ENV_OVERRIDES {
        let Some(value) = env.var(var) else { continue };
        set_override(raw, key, value).map_err(|reason| invalid_from_env(*key, var, reason))?;
        from_env.insert(*key, *var);
    }
    let url = env.var(ENV_WEBHOOK_URL);
    let secret = env.var(ENV_WEBHOOK_SECRET);
    match (url, secret) {
        (None, None) => {}
        (None, secret @ Some(_)) => {
            let named_env = raw.webhook.iter().any(|w| w.name.as_deref() == Some(ENV_WEBHOOK_NAME));
            if !named_env {
                return Err(invalid(
                    ENV_WEBHOOK_SECRET,
                    format!("is set but {ENV_WEBHOOK_URL} is not; set both to add a webhook"),
                ));
            }
            set_env_webhook(raw, None, secret);
        }
        (url, secret) => set_env_webhook(raw, url, secret),
    }
    Ok(from_env)
}

/// Sets the URL and secret of the webhook named `env`, adding it when the file has none:
/// the variables override the file like every other variable, so a printed effective
/// config loads again with the variables still set.
fn set_env_webhook(raw: &mut RawConfig, url: Option<String>, secret: Option<String>) {
    let index = match raw.webhook.iter().position(|w| w.name.as_deref() == Some(ENV_WEBHOOK_NAME)) {
        Some(i) => i,
        None => {
            raw.webhook.push(RawWebhook {
                name: Some(ENV_WEBHOOK_NAME.to_string()),
                ..RawWebhook::default()
            });
            raw.webhook.len() - 1
        }
    };
    let w = &mut raw.webhook[index];
    if let Some(url) = url {
        w.url = Some(url);
        w.url_from_env = true;
    }
    if let Some(secret) = secret {
        w.secret = Some(secret);
        w.secret_env = None;
        w.secret_file = None;
        w.secret_credential = None;
        w.secret_from_env = true;
    }
}

fn set_override(raw: &mut RawConfig, key: &str, value: String) -> Result<(), String> {
    let int = |v: &str| v.trim().parse::<i64>().map_err(|_| format!("{v:?} is not a whole number"));
    let boolean =
        |v: &str| v.trim().parse::<bool>().map_err(|_| format!("{v:?} is not true or false"));
    match key {
        "watch_dir" => raw.watch_dir = Some(PathBuf::from(value)),
        "database" => raw.database = Some(PathBuf::from(value)),
        "timezone" => raw.timezone = Some(value),
        "bootstrap_alerts" => raw.bootstrap_alerts = Some(boolean(&value)?),
        "packs" => raw.packs = Some(StringList::Comma(value)),
        "ingest.debounce" => raw.ingest.debounce = Some(value),
        "ingest.settle" => raw.ingest.settle = Some(value),
        "ingest.max_file_size" => raw.ingest.max_file_size = Some(SizeValue::Text(value)),
        "ingest.max_concurrent_reads" => raw.ingest.max_concurrent_reads = Some(int(&value)?),
        "ingest.rescan_interval" => raw.ingest.rescan_interval = Some(value),
        "alerts.events" => raw.alerts.events = Some(StringList::Comma(value)),
        "delivery.retry_schedule" => raw.delivery.retry_schedule = Some(StringList::Comma(value)),
        "delivery.max_in_flight" => raw.delivery.max_in_flight = Some(int(&value)?),
        "delivery.require_signing" => raw.delivery.require_signing = Some(boolean(&value)?),
        "facts.unconfirmed_after" => raw.facts.unconfirmed_after = Some(value),
        "http.listen" => raw.http.listen = Some(value),
        "inbox.listen" => raw.inbox.listen = Some(value),
        "inbox.secret" => {
            raw.inbox.secret = Some(value);
            raw.inbox.secret_env = None;
            raw.inbox.secret_file = None;
        }
        "log.format" => raw.log.format = Some(value),
        // ENV_OVERRIDES and this match are kept together; a test checks every entry.
        other => return Err(format!("internal error: no override for {other}")),
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Validation, one function per section; messages name the setting and say what is right.

/// The settings built from the top-level keys.
struct TopLevel {
    watch_dir: PathBuf,
    database: PathBuf,
    timezone: String,
    tz: TimeZone,
    packs: Vec<PackSource>,
}

impl RawConfig {
    fn validate(self, base_dir: &Path, env: &dyn Env) -> Result<Config, Error> {
        let top =
            validate_top_level(self.watch_dir, self.database, self.timezone, self.packs, base_dir)?;
        let ingest = validate_ingest(&self.ingest)?;
        let (alert_events, tolerance) = validate_alerts(self.alerts)?;
        let (delivery, require_signing) = validate_delivery(self.delivery)?;
        let facts = validate_facts(&self.facts)?;
        let reversal_window_days = parse_days(
            "reconcile.reversal_window",
            self.reconcile.reversal_window.as_deref().unwrap_or("3d"),
        )?;
        let webhooks = validate_webhooks(self.webhook, env, require_signing)?;
        let http_listen =
            self.http.listen.as_deref().map(|s| parse_listen("http.listen", s)).transpose()?;
        let inbox = validate_inbox(self.inbox, env)?;
        let log_format = validate_log(&self.log)?;
        Ok(Config {
            path: None,
            watch_dir: top.watch_dir,
            database: top.database,
            timezone: top.timezone,
            tz: top.tz,
            bootstrap_alerts: self.bootstrap_alerts.unwrap_or(false),
            packs: top.packs,
            ingest,
            alert_events,
            tolerance,
            delivery,
            require_signing,
            webhooks,
            http_listen,
            inbox,
            log_format,
            facts,
            reversal_window_days,
        })
    }
}

fn validate_top_level(
    watch_dir: Option<PathBuf>,
    database: Option<PathBuf>,
    timezone: Option<String>,
    packs: Option<StringList>,
    base_dir: &Path,
) -> Result<TopLevel, Error> {
    let watch_dir = watch_dir.unwrap_or_else(|| PathBuf::from("seeds"));
    if watch_dir.as_os_str().is_empty() {
        return Err(invalid("watch_dir", "must not be empty"));
    }
    let database = database.unwrap_or_else(|| PathBuf::from("data/factwatch.db"));
    if database.as_os_str().is_empty() {
        return Err(invalid("database", "must not be empty"));
    }
    let timezone = timezone.unwrap_or_else(|| "UTC".to_string());
    let tz = TimeZone::get(&timezone).map_err(|e| {
        invalid("timezone", format!("{timezone:?} is not a known IANA time zone ({e})"))
    })?;
    let packs = packs
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
    Ok(TopLevel { watch_dir, database, timezone, tz, packs })
}

fn validate_ingest(raw: &RawIngest) -> Result<IngestConfig, Error> {
    Ok(IngestConfig {
        debounce: parse_duration("ingest.debounce", raw.debounce.as_deref().unwrap_or("200ms"))?,
        settle: parse_duration("ingest.settle", raw.settle.as_deref().unwrap_or("2s"))?,
        max_file_size: match &raw.max_file_size {
            Some(v) => parse_size("ingest.max_file_size", v)?,
            None => 10 * 1024 * 1024,
        },
        max_concurrent_reads: positive("ingest.max_concurrent_reads", raw.max_concurrent_reads, 4)?,
        rescan_interval: parse_duration(
            "ingest.rescan_interval",
            raw.rescan_interval.as_deref().unwrap_or("10m"),
        )?,
    })
}

fn validate_alerts(raw: RawAlerts) -> Result<(Vec<EventType>, BTreeMap<String, f64>), Error> {
    let events = parse_events("alerts.events", raw.events)?;
    for (metric, tol) in &raw.tolerance {
        if !(0.0..1.0).contains(tol) {
            return Err(invalid(
                format!("alerts.tolerance.{metric}"),
                format!(
                    "{tol} must be a fraction from 0 up to (not including) 1, e.g. 0.02 for 2%"
                ),
            ));
        }
    }
    Ok((events, raw.tolerance))
}

fn validate_delivery(raw: RawDelivery) -> Result<(DeliveryConfig, bool), Error> {
    let schedule: Vec<String> = match raw.retry_schedule {
        Some(list) => list.into_vec(),
        None => ["5s", "5m", "30m", "2h", "5h", "10h", "10h"].map(String::from).to_vec(),
    };
    let retry_schedule = schedule
        .iter()
        .map(|s| parse_duration("delivery.retry_schedule", s))
        .collect::<Result<Vec<_>, _>>()?;
    let delivery = DeliveryConfig {
        retry_schedule,
        max_in_flight: positive("delivery.max_in_flight", raw.max_in_flight, 32)?,
    };
    Ok((delivery, raw.require_signing.unwrap_or(false)))
}

fn validate_facts(raw: &RawFacts) -> Result<FactsConfig, Error> {
    let text = raw.unconfirmed_after.as_deref().unwrap_or("90d");
    Ok(FactsConfig { unconfirmed_after_days: parse_days("facts.unconfirmed_after", text)? })
}

fn validate_webhooks(
    raw_hooks: Vec<RawWebhook>,
    env: &dyn Env,
    require_signing: bool,
) -> Result<Vec<WebhookConfig>, Error> {
    let mut webhooks: Vec<WebhookConfig> = Vec::new();
    for (i, raw) in raw_hooks.into_iter().enumerate() {
        let name = raw.name.clone().unwrap_or_else(|| format!("webhook{i}"));
        let key = format!("webhook[{i}] ({name})");
        if webhooks.iter().any(|w| w.name == name) {
            return Err(invalid(key, "two webhooks have this name; names must be unique"));
        }
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(invalid(key, "name must be letters, digits, '-', '_' or '.'"));
        }
        let url = validate_webhook_url(&key, &raw)?;
        let secret = resolve_secret(&format!("{key}.secret"), &raw, env)?;
        if secret.is_none() && require_signing && raw.format.as_deref().unwrap_or("json") == "json"
        {
            return Err(invalid(
                format!("{key}.secret"),
                "is required by delivery.require_signing = true; set secret_file, secret_credential, secret_env or secret",
            ));
        }
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
        validate_headers(&key, &raw.headers)?;
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
    Ok(webhooks)
}

fn validate_webhook_url(key: &str, raw: &RawWebhook) -> Result<url::Url, Error> {
    let bad = |reason: String| {
        if raw.url_from_env {
            invalid_from_env(format!("{key}.url"), ENV_WEBHOOK_URL, reason)
        } else {
            invalid(format!("{key}.url"), reason)
        }
    };
    let text = raw.url.clone().ok_or_else(|| bad("is required".to_string()))?;
    let url =
        url::Url::parse(&text).map_err(|e| bad(format!("{text:?} is not a valid URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(bad(format!("{text:?} must be an http:// or https:// URL with a host")));
    }
    Ok(url)
}

fn validate_headers(key: &str, headers: &BTreeMap<String, String>) -> Result<(), Error> {
    for (h, v) in headers {
        let lower = h.to_ascii_lowercase();
        if h.is_empty() || !h.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(invalid(
                format!("{key}.headers"),
                format!("{h:?} is not a valid header name"),
            ));
        }
        if lower.starts_with("webhook-") || lower == "content-type" || lower == "content-length" {
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
    Ok(())
}

fn validate_inbox(raw: RawInbox, env: &dyn Env) -> Result<Option<InboxConfig>, Error> {
    let Some(listen) = raw.listen.as_deref() else {
        if raw.secret.is_some() || raw.secret_env.is_some() || raw.secret_file.is_some() {
            return Err(invalid("inbox.secret", "is set but inbox.listen is not"));
        }
        return Ok(None);
    };
    let listen = parse_listen("inbox.listen", listen)?;
    let given = [raw.secret.is_some(), raw.secret_env.is_some(), raw.secret_file.is_some()];
    if given.iter().filter(|&&g| g).count() > 1 {
        return Err(invalid("inbox.secret", "give only one of secret, secret_env, secret_file"));
    }
    let secret = if let Some(s) = raw.secret {
        Some(Secret::from(s, SecretOrigin::Inline))
    } else if let Some(var) = raw.secret_env {
        let value = env.var(&var).ok_or_else(|| {
            invalid("inbox.secret_env", format!("environment variable {var} is not set"))
        })?;
        Some(Secret::from(value, SecretOrigin::Env(var)))
    } else if let Some(file) = raw.secret_file {
        let value = read_secret_file("inbox.secret_file", &file)?;
        Some(Secret::from(value, SecretOrigin::File(file)))
    } else {
        None
    };
    if let Some(s) = &secret {
        check_secret_setting("inbox.secret", "", s.expose())?;
    }
    Ok(Some(InboxConfig { listen, secret }))
}

fn validate_log(raw: &RawLog) -> Result<LogFormat, Error> {
    match raw.format.as_deref().unwrap_or("auto") {
        "auto" => Ok(LogFormat::Auto),
        "human" => Ok(LogFormat::Human),
        "json" => Ok(LogFormat::Json),
        other => Err(invalid("log.format", format!("{other:?} is not one of auto, human, json"))),
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
    let secret = if let Some(s) = &raw.secret {
        let origin = if raw.secret_from_env {
            SecretOrigin::Env(ENV_WEBHOOK_SECRET.into())
        } else {
            SecretOrigin::Inline
        };
        Secret::from(s.clone(), origin)
    } else if let Some(var) = &raw.secret_env {
        let value = env.var(var).ok_or_else(|| {
            invalid(format!("{key}_env"), format!("environment variable {var} is not set"))
        })?;
        Secret::from(value, SecretOrigin::Env(var.clone()))
    } else if let Some(file) = &raw.secret_file {
        Secret::from(
            read_secret_file(&format!("{key}_file"), file)?,
            SecretOrigin::File(file.clone()),
        )
    } else if let Some(name) = &raw.secret_credential {
        let dir = env.var("CREDENTIALS_DIRECTORY").ok_or_else(|| {
            invalid(
                format!("{key}_credential"),
                "CREDENTIALS_DIRECTORY is not set: run under systemd with LoadCredential=, or use secret_file",
            )
        })?;
        let value = read_secret_file(&format!("{key}_credential"), &Path::new(&dir).join(name))?;
        Secret::from(value, SecretOrigin::Credential(name.clone()))
    } else {
        return Ok(None);
    };
    let origin = if raw.secret_from_env { ENV_WEBHOOK_SECRET } else { "" };
    check_secret_setting(key, origin, secret.expose())?;
    Ok(Some(secret))
}

/// Checks a secret's shape, naming the setting (and the variable that set it, if any).
fn check_secret_setting(key: &str, env_var: &str, secret: &str) -> Result<(), Error> {
    crate::deliver::check_secret(secret).map_err(|reason| {
        if env_var.is_empty() {
            invalid(key, reason)
        } else {
            invalid_from_env(key, env_var, reason)
        }
    })
}

fn read_secret_file(key: &str, path: &Path) -> Result<String, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| invalid(key, format!("cannot read secret file {}: {e}", path.display())))?;
    Ok(text.trim().to_string())
}

// ---------------------------------------------------------------------------------------
// Values: parsing what the file accepts and writing it back the same way.

fn parse_duration(key: &str, s: &str) -> Result<Duration, Error> {
    let d: SignedDuration = s.trim().parse().map_err(|e| {
        invalid(
            key,
            format!("{s:?} is not a duration ({e}); write e.g. \"250ms\", \"5s\", \"2h 30m\""),
        )
    })?;
    Duration::try_from(d).map_err(|_| invalid(key, format!("{s:?} must not be negative")))
}

/// A duration the way `parse_duration` reads it ("250ms", "10m", "1h 30m").
fn show_duration(d: Duration) -> String {
    match SignedDuration::try_from(d) {
        Ok(sd) => format!("{sd:#}"),
        Err(_) => format!("{}s", d.as_secs()),
    }
}

/// A number of days: "90d", "90 days", "12 weeks"; "0d" turns the setting off.
fn parse_days(key: &str, s: &str) -> Result<u32, Error> {
    let bad = || {
        invalid(key, format!("{s:?} is not a number of days; write e.g. \"90d\" or \"12 weeks\""))
    };
    let span: jiff::Span = s.trim().parse().map_err(|_| bad())?;
    let days = span
        .total((jiff::Unit::Day, jiff::SpanRelativeTo::days_are_24_hours()))
        .map_err(|_| bad())?;
    if !(0.0..=f64::from(u32::MAX)).contains(&days) || days.fract() != 0.0 {
        return Err(bad());
    }
    // Whole and in range: checked just above.
    Ok(days as u32)
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

/// A size the way `parse_size` reads it: the largest binary unit that divides it.
fn show_size(bytes: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")];
    for (size, unit) in UNITS {
        if bytes > 0 && bytes.is_multiple_of(size) {
            return format!("{}{unit}", bytes / size);
        }
    }
    bytes.to_string()
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

// ---------------------------------------------------------------------------------------
// Lines: where in the file a setting is written.

/// The 1-based line of a byte offset.
fn line_at(text: &str, offset: usize) -> usize {
    text.get(..offset).map_or(0, |t| t.matches('\n').count()) + 1
}

/// The line where the setting `key` (as validation names it, e.g. `webhook[1] (ops).url`)
/// is written, or the nearest enclosing table's line when the key itself is not in the file.
fn line_of_key(text: &str, key: &str) -> Option<usize> {
    use toml::de::{DeTable, DeValue};
    let doc = DeTable::parse(text).ok()?;
    let mut table: &DeTable<'_> = doc.get_ref();
    let mut found = None;
    for segment in key.split('.') {
        // `webhook[1] (ops)` names the second `[[webhook]]`.
        let head = segment.split(' ').next().unwrap_or(segment);
        let (name, index) = match head.split_once('[') {
            Some((n, rest)) => (n, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (head, None),
        };
        let Some((k, v)) = table.iter().find(|(k, _)| k.get_ref().as_ref() == name) else {
            break;
        };
        found = Some(k.span().start);
        let value = match (v.get_ref(), index) {
            (DeValue::Array(items), Some(i)) => match items.get(i) {
                Some(item) => {
                    found = Some(item.span().start);
                    item.get_ref()
                }
                None => break,
            },
            (value, _) => value,
        };
        match value {
            DeValue::Table(t) => table = t,
            _ => break,
        }
    }
    found.map(|offset| line_at(text, offset))
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
        assert_eq!(c.facts.unconfirmed_after_days, 90);
        assert!(c.webhooks.is_empty() && !c.require_signing);
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
    fn every_override_variable_sets_its_setting() {
        let values = [
            ("watch_dir", "/w"),
            ("database", "/d.db"),
            ("timezone", "Europe/Paris"),
            ("bootstrap_alerts", "true"),
            ("packs", "builtin:trade"),
            ("ingest.debounce", "1s"),
            ("ingest.settle", "3s"),
            ("ingest.max_file_size", "1MiB"),
            ("ingest.max_concurrent_reads", "2"),
            ("ingest.rescan_interval", "0s"),
            ("alerts.events", "fact.changed"),
            ("delivery.retry_schedule", "1s,2s"),
            ("delivery.max_in_flight", "3"),
            ("delivery.require_signing", "true"),
            ("facts.unconfirmed_after", "30d"),
            ("http.listen", "127.0.0.1:1"),
            ("inbox.listen", "127.0.0.1:2"),
            ("inbox.secret", "whsec_c2VjcmV0"),
            ("log.format", "json"),
        ];
        assert_eq!(values.len(), ENV_OVERRIDES.len());
        let pairs: Vec<(&str, &str)> = ENV_OVERRIDES
            .iter()
            .map(|(var, key)| {
                let v = values.iter().find(|(k, _)| k == key).map(|(_, v)| *v);
                (*var, v.unwrap_or_else(|| panic!("no test value for {key}")))
            })
            .collect();
        let c = Config::from_toml("", None, &env(&pairs)).expect("valid");
        assert_eq!(c.timezone, "Europe/Paris");
        assert_eq!(c.ingest.max_file_size, 1 << 20);
        assert_eq!(c.delivery.retry_schedule, [Duration::from_secs(1), Duration::from_secs(2)]);
        assert_eq!((c.require_signing, c.facts.unconfirmed_after_days), (true, 30));
        assert_eq!(c.alert_events, [EventType::Changed]);
        assert_eq!(c.log_format, LogFormat::Json);
        assert!(c.inbox.is_some_and(|i| i.secret.is_some()));
    }

    #[test]
    fn bad_setting_names_key_and_env_var() {
        let e = env(&[("FACTWATCH_DEBOUNCE", "soon")]);
        let err = Config::from_toml("", None, &e).expect_err("bad duration").to_string();
        assert!(err.contains("ingest.debounce") && err.contains("FACTWATCH_DEBOUNCE"), "{err}");
        let e = env(&[("FACTWATCH_MAX_IN_FLIGHT", "lots")]);
        let err = Config::from_toml("", None, &e).expect_err("not a number").to_string();
        assert_eq!(
            err,
            "setting `delivery.max_in_flight` (from FACTWATCH_MAX_IN_FLIGHT): \"lots\" is not a whole number"
        );
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_line() {
        let p = Path::new("f.toml");
        let err = Config::from_toml(
            "timezone = \"UTC\"\n\n[ingest]\nwach_dir = \"x\"\n",
            Some(p),
            &env(&[]),
        )
        .expect_err("typo")
        .to_string();
        assert!(err.starts_with("config file f.toml line 4: unknown field `wach_dir`"), "{err}");
        let text = "watch_dir = \"x\"\ntimezone = \"Mars/Olympus\"\n";
        let err = Config::from_toml(text, Some(p), &env(&[])).expect_err("bad zone").to_string();
        assert!(err.starts_with("setting `timezone` (f.toml line 2): \"Mars/Olympus\""), "{err}");
        let text = "[[webhook]]\nname = \"a\"\nurl = \"http://x/\"\n\n[[webhook]]\nname = \"b\"\n\nurl = \"ftp://x/\"\n";
        let err = Config::from_toml(text, Some(p), &env(&[])).expect_err("bad url").to_string();
        assert!(err.starts_with("setting `webhook[1] (b).url` (f.toml line 8): "), "{err}");
        let text = "[ingest]\nmax_concurrent_reads = \"four\"\n";
        let err = Config::from_toml(text, Some(p), &env(&[])).expect_err("type").to_string();
        assert!(err.starts_with("config file f.toml line 2: invalid type"), "{err}");
    }

    #[test]
    fn the_env_webhook_is_named_by_its_variables() {
        let e = env(&[
            ("FACTWATCH_WEBHOOK_URL", "http://127.0.0.1:9/"),
            ("FACTWATCH_WEBHOOK_SECRET", "nope"),
        ]);
        let err = Config::from_toml("", None, &e).expect_err("bad secret").to_string();
        assert!(err.starts_with("setting `webhook[0] (env).secret` (from FACTWATCH_WEBHOOK_SECRET): the secret must be"), "{err}");
        let e = env(&[("FACTWATCH_WEBHOOK_URL", "not a url")]);
        let err = Config::from_toml("", None, &e).expect_err("bad url").to_string();
        assert!(
            err.starts_with("setting `webhook[0] (env).url` (from FACTWATCH_WEBHOOK_URL): "),
            "{err}"
        );
        // The variables override a webhook of that name in the file instead of adding one.
        let file = "[[webhook]]\nname = \"env\"\nurl = \"http://old/\"\nformat = \"slack\"\n";
        let e = env(&[("FACTWATCH_WEBHOOK_URL", "http://new/")]);
        let c = Config::from_toml(file, None, &e).expect("valid");
        assert_eq!(c.webhooks.len(), 1);
        assert_eq!(
            (c.webhooks[0].url.as_str(), c.webhooks[0].format),
            ("http://new/", BodyFormat::Slack)
        );
    }

    #[test]
    fn a_json_webhook_without_a_secret_warns_or_fails_with_require_signing() {
        let hook = "[[webhook]]\nname = \"ops\"\nurl = \"http://127.0.0.1:1/\"\n";
        let c = Config::from_toml(hook, None, &env(&[])).expect("valid");
        assert_eq!(c.warnings().len(), 1);
        assert!(c.warnings()[0].starts_with("webhook ops has no secret"), "{:?}", c.warnings());
        let strict = format!("[delivery]\nrequire_signing = true\n{hook}");
        let err = Config::from_toml(&strict, None, &env(&[])).expect_err("unsigned").to_string();
        assert!(err.starts_with("setting `webhook[0] (ops).secret` (line"), "{err}");
        let chat = format!("{hook}format = \"slack\"\n");
        assert!(Config::from_toml(&chat, None, &env(&[])).expect("valid").warnings().is_empty());
    }

    #[test]
    fn the_effective_config_loads_again_as_the_same_settings() {
        let dir = tempfile::tempdir().expect("tempdir");
        let secret = dir.path().join("secret");
        std::fs::write(&secret, "whsec_c2VjcmV0\n").expect("secret");
        let text = format!(
            "watch_dir = \"in\"\npacks = [\"builtin:trade\"]\n[ingest]\nmax_file_size = 1048576\ndebounce = \"1500ms\"\n[alerts]\nevents = [\"fact.changed\"]\n[alerts.tolerance]\ntrade_volume = 0.02\n[[webhook]]\nname = \"ops\"\nurl = \"http://127.0.0.1:1/x\"\nsecret_file = {:?}\nkeys = [\"tariff_rate:*\"]\nheaders = {{ X-Team = \"a\", Authorization = \"Bearer t0ken\" }}\n[[webhook]]\nname = \"chat\"\nurl = \"http://127.0.0.1:2/\"\nformat = \"discord\"\nsecret = \"whsec_aW5saW5l\"\n[http]\nlisten = \"127.0.0.1:9187\"\n",
            secret.display().to_string()
        );
        let e = env(&[("FACTWATCH_MAX_IN_FLIGHT", "7")]);
        let first = Config::from_toml(&text, Some(Path::new("a.toml")), &e).expect("valid");
        let printed = first.to_toml().expect("toml");
        assert!(printed.contains("[[webhook]]") && printed.contains("[http]"), "{printed}");
        assert!(
            printed.contains("max_file_size = \"1MiB\"") && printed.contains("max_in_flight = 7"),
            "{printed}"
        );
        assert!(!printed.contains("t0ken") && !printed.contains("aW5saW5l"), "{printed}");
        assert!(
            printed.starts_with("# webhook ops: header Authorization is set in a.toml"),
            "{printed}"
        );
        let second =
            Config::from_toml(&printed, Some(Path::new("b.toml")), &e).expect("loads again");
        // What was withheld is gone from the second load; everything else is the same.
        let (_, body) = printed.split_once("\n\n").expect("comments, then the settings");
        assert_eq!(second.to_toml().expect("toml"), body);
        assert_eq!(second.ingest.debounce, Duration::from_millis(1500));
        assert_eq!(second.webhooks[0].secret.as_ref().map(Secret::expose), Some("whsec_c2VjcmV0"));
        assert_eq!(second.tolerance, first.tolerance);
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
    fn days_sizes_and_durations_read_back_what_they_write() {
        assert_eq!(parse_days("k", "90d").ok(), Some(90));
        assert_eq!(parse_days("k", "12 weeks").ok(), Some(84));
        assert_eq!(parse_days("k", "0d").ok(), Some(0));
        assert!(parse_days("k", "soon").is_err() && parse_days("k", "2 months").is_err());
        for n in [0, 1000, 1024, 10 << 20, (3 << 30) + 1] {
            assert_eq!(parse_size("k", &SizeValue::Text(show_size(n))).ok(), Some(n));
        }
        for ms in [200, 1500, 600_000, 5_400_000] {
            let d = Duration::from_millis(ms);
            assert_eq!(parse_duration("k", &show_duration(d)).ok(), Some(d));
        }
    }
}
