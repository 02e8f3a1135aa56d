//! Configuration. Every setting is a flag (`--database-url`), an environment variable
//! (`ASTRAL_DATABASE_URL`) and a key of an optional TOML file (`database_url`, given with
//! `--config`). Precedence: flag > environment > file > default. The settings are listed once,
//! in [`SettingsArgs`]: clap reads its flags and environment variables, serde its file keys.
//! docs/configuration.md lists them all; a test holds it to [`SettingsArgs`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use astral_media::WorkerSettings;
use astral_ratelimit::{IpNet, LimiterConfig, Quota};
use astral_store::{ConnectionOptions, StoreConfig};
use astral_types::form::Length;
use astral_types::rules::UsernameRuleError;
use clap::Args;
use serde::Deserialize;

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://astral.db";
pub const DEFAULT_MAX_BODY_BYTES: usize = 32 * 1024 * 1024;
/// JSON bodies of routes that take no images (login, register, relationships, DMs, guilds):
/// the largest valid one (a registration with every field at its maximum) is under 1 KiB.
pub const DEFAULT_MAX_JSON_BODY_BYTES: usize = 8 * 1024;
pub const DEFAULT_BODY_TIMEOUT_SECS: u64 = 10;
pub const DEFAULT_BODY_MIN_BYTES_PER_SEC: u64 = 1024;
pub const DEFAULT_PASSWORD_TIMEOUT_MS: u64 = 5000;
/// Per address on the CDN routes: a page of a hundred avatars at once, 20 a second after.
pub const DEFAULT_IMAGE_RATE_LIMIT: &str = "200/10s";

/// Every setting, once: a field is a flag and an environment variable (clap) and a key of the
/// file (serde, the field's name). Every field is optional so that an unset flag falls
/// through to the environment, then the file, then the default.
#[derive(Debug, Clone, Default, Args, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsArgs {
    /// TOML file with any of the settings below (keys in snake_case).
    #[arg(long, env = "ASTRAL_CONFIG", hide_env_values = true, value_name = "FILE")]
    // Not a key of the file itself: a file naming another file would be refused as unknown.
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "ASTRAL_BIND", hide_env_values = true)]
    pub bind: Option<String>,
    /// postgres://…, postgresql://…, sqlite://PATH or a file path [default: sqlite://astral.db].
    #[arg(long, env = "ASTRAL_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Maximum pooled database connections [default: 2 × cores].
    #[arg(long, env = "ASTRAL_DB_POOL_SIZE", hide_env_values = true)]
    pub db_pool_size: Option<u32>,
    /// Seconds a request waits for a database connection before it gets 503 [default: 5].
    #[arg(long, env = "ASTRAL_DB_POOL_TIMEOUT_SECS", hide_env_values = true)]
    pub db_pool_timeout_secs: Option<u64>,
    /// Milliseconds SQLite waits for a lock before reporting busy [default: 5000].
    #[arg(long, env = "ASTRAL_SQLITE_BUSY_TIMEOUT_MS", hide_env_values = true)]
    pub sqlite_busy_timeout_ms: Option<u64>,
    /// HTTP worker threads [default: cores].
    #[arg(long, env = "ASTRAL_WORKERS", hide_env_values = true)]
    pub workers: Option<usize>,
    /// Blocking (database) threads per worker [default: the pool size].
    #[arg(long, env = "ASTRAL_BLOCKING_THREADS", hide_env_values = true)]
    pub blocking_threads: Option<usize>,
    /// 0–31; distinguishes instances sharing one database in generated ids [default: 0].
    #[arg(long, env = "ASTRAL_WORKER_ID", hide_env_values = true)]
    pub worker_id: Option<u8>,
    /// Largest accepted request body in bytes where images are accepted (`PATCH /users/@me`);
    /// larger → 413 [default: 33554432].
    #[arg(long, env = "ASTRAL_MAX_BODY_BYTES", hide_env_values = true)]
    pub max_body_bytes: Option<usize>,
    /// Shortest username [default: 2].
    #[arg(long, env = "ASTRAL_USERNAME_MIN_LENGTH", hide_env_values = true)]
    pub username_min_length: Option<usize>,
    /// Longest username [default: 32].
    #[arg(long, env = "ASTRAL_USERNAME_MAX_LENGTH", hide_env_values = true)]
    pub username_max_length: Option<usize>,
    /// Regular expression a username must match [default: ^[A-Za-z0-9_.-]+$].
    #[arg(long, env = "ASTRAL_USERNAME_PATTERN", hide_env_values = true)]
    pub username_pattern: Option<String>,
    /// Log filter, e.g. `info` or `astral_server=debug` [default: info].
    #[arg(long, env = "ASTRAL_LOG", hide_env_values = true)]
    pub log: Option<String>,
    /// `text` (one human-readable line per event) or `json` (one JSON object per line) [default: text].
    #[arg(long, env = "ASTRAL_LOG_FORMAT", hide_env_values = true)]
    pub log_format: Option<String>,
    /// Seconds `astral serve` lets in-flight requests finish after SIGTERM before it closes
    /// their connections and exits [default: 30].
    #[arg(long, env = "ASTRAL_SHUTDOWN_TIMEOUT_SECS", hide_env_values = true)]
    pub shutdown_timeout_secs: Option<u64>,
    /// Seconds between SIGTERM and closing the listener, during which `/readyz` answers 503 and
    /// requests are still served, so a load balancer stops sending traffic first [default: 0].
    #[arg(long, env = "ASTRAL_SHUTDOWN_DELAY_SECS", hide_env_values = true)]
    pub shutdown_delay_secs: Option<u64>,
    /// Address of the Prometheus listener (`/metrics` only, never on `bind`), e.g.
    /// 127.0.0.1:9464 [default: none, no metrics listener].
    #[arg(long, env = "ASTRAL_METRICS_BIND", hide_env_values = true)]
    pub metrics_bind: Option<String>,
    /// Milliseconds a PostgreSQL statement may run (`statement_timeout`) before the request gets
    /// 503 [default: 5000].
    #[arg(long, env = "ASTRAL_DB_STATEMENT_TIMEOUT_MS", hide_env_values = true)]
    pub db_statement_timeout_ms: Option<u64>,
    /// `on` or `off`; `off` switches rate limiting off entirely [default: on].
    #[arg(long, env = "ASTRAL_RATE_LIMITS", hide_env_values = true)]
    pub rate_limits: Option<String>,
    /// Per-token limit over all routes, BURST/PERIOD [default: 10/2s, i.e. 5/s with a burst of 10].
    #[arg(long, env = "ASTRAL_RATE_LIMIT_GLOBAL", hide_env_values = true)]
    pub rate_limit_global: Option<String>,
    /// Per-IP limit for requests without a token [default: 10/10s].
    #[arg(long, env = "ASTRAL_RATE_LIMIT_UNAUTHENTICATED", hide_env_values = true)]
    pub rate_limit_unauthenticated: Option<String>,
    /// Per-IP allowance of 401/403/429 answers before every request is refused [default: 10000/10m].
    #[arg(long, env = "ASTRAL_RATE_LIMIT_INVALID_REQUESTS", hide_env_values = true)]
    pub rate_limit_invalid_requests: Option<String>,
    /// `PATCH /users/@me` [default: 1/10s].
    #[arg(long, env = "ASTRAL_RATE_LIMIT_UPDATE_MY_USER", hide_env_values = true)]
    pub rate_limit_update_my_user: Option<String>,
    /// `GET /users/@me/relationships` [default: 3/1s].
    #[arg(long, env = "ASTRAL_RATE_LIMIT_LIST_MY_RELATIONSHIPS", hide_env_values = true)]
    pub rate_limit_list_my_relationships: Option<String>,
    /// `POST /users/@me/flags` [default: 5/10s].
    #[arg(long, env = "ASTRAL_RATE_LIMIT_CREATE_PRIDE_FLAG", hide_env_values = true)]
    pub rate_limit_create_pride_flag: Option<String>,
    /// Directory for uploaded avatars and banners (created if missing) [default: media].
    #[arg(long, env = "ASTRAL_MEDIA_DIR", hide_env_values = true)]
    pub media_dir: Option<PathBuf>,
    /// Keep rate-limit buckets in this Redis (redis://…) so instances share them [default: in process].
    #[arg(long, env = "ASTRAL_REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,
    /// Per client address: requests that present a token, before the token is looked up [default: 100/1s].
    #[arg(long, env = "ASTRAL_RATE_LIMIT_TOKEN_CHECKS", hide_env_values = true)]
    pub rate_limit_token_checks: Option<String>,
    /// Per client address: failed logins [default: 10/10m].
    #[arg(long, env = "ASTRAL_RATE_LIMIT_FAILED_LOGINS_PER_ADDRESS", hide_env_values = true)]
    pub rate_limit_failed_logins_per_address: Option<String>,
    /// Per account: failed logins; once full, one attempt per address per interval of its own bucket [default: 10/10m].
    #[arg(long, env = "ASTRAL_RATE_LIMIT_FAILED_LOGINS_PER_ACCOUNT", hide_env_values = true)]
    pub rate_limit_failed_logins_per_account: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For`/`Forwarded` name the client: addresses or CIDRs,
    /// comma-separated [default: none, the headers are ignored].
    #[arg(long, env = "ASTRAL_TRUSTED_PROXIES", hide_env_values = true)]
    pub trusted_proxies: Option<String>,
    /// Largest JSON body of the routes that take no images; larger → 413 [default: 8192].
    #[arg(long, env = "ASTRAL_MAX_JSON_BODY_BYTES", hide_env_values = true)]
    pub max_json_body_bytes: Option<usize>,
    /// Seconds any request body may take to arrive before the minimum rate applies; a body
    /// slower than that gets 408 and its connection is closed [default: 10].
    #[arg(long, env = "ASTRAL_BODY_TIMEOUT_SECS", hide_env_values = true)]
    pub body_timeout_secs: Option<u64>,
    /// After the body timeout, the average rate (bytes/s since the body started) below which
    /// the body gets 408 [default: 1024].
    #[arg(long, env = "ASTRAL_BODY_MIN_BYTES_PER_SEC", hide_env_values = true)]
    pub body_min_bytes_per_sec: Option<u64>,
    /// Threads hashing and checking passwords (argon2, the strength estimate), apart from the
    /// database's threads [default: cores].
    #[arg(long, env = "ASTRAL_PASSWORD_THREADS", hide_env_values = true)]
    pub password_threads: Option<usize>,
    /// Milliseconds a password hash or check may wait and run before the request gets 503
    /// [default: 5000].
    #[arg(long, env = "ASTRAL_PASSWORD_TIMEOUT_MS", hide_env_values = true)]
    pub password_timeout_ms: Option<u64>,
    /// Threads that decode uploads and render images; at most this many run at once [default: half the cores, at least 1].
    #[arg(long, env = "ASTRAL_IMAGE_THREADS", hide_env_values = true)]
    pub image_threads: Option<usize>,
    /// Milliseconds a request waits for a free image thread before it gets 503 [default: 5000].
    #[arg(long, env = "ASTRAL_IMAGE_QUEUE_TIMEOUT_MS", hide_env_values = true)]
    pub image_queue_timeout_ms: Option<u64>,
    /// Per-address limit on the CDN routes (/avatars, /banners, /embed/avatars), BURST/PERIOD or `off` [default: 200/10s].
    #[arg(long, env = "ASTRAL_IMAGE_RATE_LIMIT", hide_env_values = true)]
    pub image_rate_limit: Option<String>,
    // issue 16 D
    /// Hours between `POST /users/@me/delete` and the purge of the account's data [default: 336].
    #[arg(long, env = "ASTRAL_DELETION_GRACE_HOURS", hide_env_values = true)]
    pub deletion_grace_hours: Option<u64>,
    /// Seconds between runs of `astral serve`'s purge of accounts due for deletion; 0 switches
    /// it off (then run `astral accounts purge` from cron) [default: 3600].
    #[arg(long, env = "ASTRAL_PURGE_INTERVAL_SECS", hide_env_values = true)]
    pub purge_interval_secs: Option<u64>,
    // issue 16 B: mail.
    /// SMTP server for account mail: smtp://user:pass@host:587?tls=required or smtps://…; never logged [default: none, mail goes to the outbox (`astral mail outbox`)].
    #[arg(long, env = "ASTRAL_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// From header of account mail, a mailbox [default: Astral <noreply@localhost>].
    #[arg(long, env = "ASTRAL_MAIL_FROM", hide_env_values = true)]
    pub mail_from: Option<String>,
    /// Per target account: mails sent to it (verification, email-change codes, password resets) [default: 5/1h].
    #[arg(long, env = "ASTRAL_RATE_LIMIT_MAIL_PER_ACCOUNT", hide_env_values = true)]
    pub rate_limit_mail_per_account: Option<String>,
    // issue 16 C
    /// Key sealing TOTP secrets and backup codes: 32 bytes of base64, the same on every instance; `astral mfa-key` prints a new one [default: none, two-factor authentication cannot be enabled].
    #[arg(long, env = "ASTRAL_MFA_KEY", hide_env_values = true)]
    pub mfa_key: Option<String>,
    // issue 18
    /// Tokens the token cache holds (with their owners); 0 switches the cache off [default: 100000].
    #[arg(long, env = "ASTRAL_TOKEN_CACHE_CAPACITY", hide_env_values = true)]
    pub token_cache_capacity: Option<usize>,
    /// Milliseconds a cached token owner is used at most, whatever the change feed says [default: 30000].
    #[arg(long, env = "ASTRAL_TOKEN_CACHE_TTL_MS", hide_env_values = true)]
    pub token_cache_ttl_ms: Option<u64>,
}

/// `deletion_grace_hours`' default: 14 days, as Fluxer's grace period.
pub const DEFAULT_DELETION_GRACE_HOURS: u64 = 336;
/// `purge_interval_secs`' default: hourly.
pub const DEFAULT_PURGE_INTERVAL_SECS: u64 = 3600;
/// The longest grace period accepted (100 years): keeps the deadline within `i64` milliseconds.
const MAX_DELETION_GRACE_HOURS: u64 = 876_000;

/// The token cache's settings: off with a capacity of 0; a time-to-live of 0 is refused (it
/// would hold entries it never uses).
fn token_cache(
    capacity: Option<usize>,
    ttl_ms: Option<u64>,
) -> Result<Option<astral_store::TokenCacheConfig>, ConfigError> {
    let defaults = astral_store::TokenCacheConfig::default();
    let capacity = capacity.unwrap_or(defaults.capacity);
    let ttl = match ttl_ms {
        None => defaults.ttl,
        Some(0) => return Err(invalid("token_cache_ttl_ms", "must be at least 1")),
        Some(ms) => Duration::from_millis(ms),
    };
    Ok((capacity > 0).then_some(astral_store::TokenCacheConfig { capacity, ttl, ..defaults }))
}

/// How log lines are written (to stderr).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// `2026-11-23T15:06:37Z  INFO astral_server::request: request request_id=… status=200 …`
    Text,
    /// One JSON object per line, event fields at the top level.
    Json,
}

/// Resolved settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: String,
    pub store: StoreConfig,
    pub workers: usize,
    pub blocking_threads: usize,
    pub max_body_bytes: usize,
    pub username_rule: UsernameRule,
    pub log: String,
    pub log_format: LogFormat,
    /// How long in-flight requests may take to finish once shutdown starts.
    pub shutdown_timeout: Duration,
    /// How long after SIGTERM the listener stays open (readiness 503) before shutdown starts.
    pub shutdown_delay: Duration,
    /// Where `/metrics` is served; `None`: nowhere.
    pub metrics_bind: Option<String>,
    /// `None` when rate limiting is off.
    pub rate_limits: Option<LimiterConfig>,
    pub media_dir: PathBuf,
    /// Body limits of the routes without images, and the body-read deadline of every route.
    pub body: crate::body::BodyLimits,
    pub password_threads: usize,
    pub password_timeout: Duration,
    /// The image threads, their queue deadline and the renders in flight.
    pub images: WorkerSettings,
    /// Per-address quota on the CDN routes; `None` when off.
    pub image_rate_limit: Option<Quota>,
    /// Proxies whose `X-Forwarded-For`/`Forwarded` name the client (empty: none believed).
    pub trusted_proxies: Vec<IpNet>,
    // issue 16 D
    /// Between an account's deletion request and its purge.
    pub deletion_grace: Duration,
    /// Between runs of the in-server purge; `None`: off.
    pub purge_interval: Option<Duration>,
    /// Where account mail goes (SMTP or the outbox) and its From header.
    pub mail: crate::mail::MailSettings,
    // issue 16 C
    /// The key two-factor secrets are sealed with; `None`: not configured.
    pub mfa_key: Option<crate::crypto::MfaKey>,
    // issue 18
    /// The token cache; `None`: off.
    pub token_cache: Option<astral_store::TokenCacheConfig>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("invalid config file {path}: {source}")]
    Parse { path: PathBuf, source: toml::de::Error },
    #[error("invalid setting {key}: {message}")]
    Invalid { key: &'static str, message: String },
}

impl SettingsArgs {
    pub fn resolve(&self) -> Result<Settings, ConfigError> {
        let file = match &self.config {
            Some(path) => read_file(path)?,
            None => SettingsArgs::default(),
        };
        macro_rules! pick {
            ($key:ident) => {
                self.$key.clone().or(file.$key.clone())
            };
        }
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        let pool_size = pick!(db_pool_size).unwrap_or_else(astral_store::default_pool_size);
        if pool_size == 0 {
            return Err(invalid("db_pool_size", "must be at least 1"));
        }
        let worker_id = pick!(worker_id).unwrap_or(0);
        if worker_id > 31 {
            return Err(invalid("worker_id", "must be between 0 and 31"));
        }
        let workers = pick!(workers).unwrap_or(cores).max(1);
        let blocking_threads = pick!(blocking_threads).unwrap_or(pool_size as usize).max(1);
        let max_body_bytes = pick!(max_body_bytes).unwrap_or(DEFAULT_MAX_BODY_BYTES);
        if max_body_bytes == 0 {
            return Err(invalid("max_body_bytes", "must be at least 1"));
        }
        let username_rule = username_rule(
            pick!(username_min_length),
            pick!(username_max_length),
            pick!(username_pattern).as_deref(),
        )?;
        let mut store = StoreConfig::new(
            pick!(database_url).unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
        );
        store.pool_size = pool_size;
        store.pool_timeout = Duration::from_secs(pick!(db_pool_timeout_secs).unwrap_or(5).max(1));
        store.connection = ConnectionOptions {
            sqlite_busy_timeout: Duration::from_millis(
                pick!(sqlite_busy_timeout_ms).unwrap_or(5000),
            ),
            statement_timeout: Duration::from_millis(
                pick!(db_statement_timeout_ms).unwrap_or(5000).max(1),
            ),
            ..ConnectionOptions::default()
        };
        store.worker_id = worker_id;
        // Read whether or not rate limits are on: the CDN routes' own limit keys on the client
        // address too.
        let trusted_proxies = match pick!(trusted_proxies) {
            Some(list) => {
                parse_trusted_proxies(&list).map_err(|m| invalid("trusted_proxies", &m))?
            }
            None => Vec::new(),
        };
        let rate_limits = match pick!(rate_limits).as_deref().map(str::trim) {
            None | Some("on") => {
                let mut limits = LimiterConfig::seed_defaults();
                let quota = |key: &'static str, value: Option<String>, default: Quota| match value {
                    Some(v) => v.parse::<Quota>().map_err(|e| invalid(key, &e.to_string())),
                    None => Ok(default),
                };
                // `limits.$field` from its own setting `$key`, else as it was.
                macro_rules! set_quota {
                    ($field:ident, $key:ident) => {
                        limits.$field = quota(stringify!($key), pick!($key), limits.$field)?
                    };
                }
                set_quota!(global, rate_limit_global);
                set_quota!(unauthenticated, rate_limit_unauthenticated);
                set_quota!(invalid_requests, rate_limit_invalid_requests);
                for route in &mut limits.routes {
                    // Every limited route has a setting of its own. A route the limiter gains
                    // without one is refused here (so by every test that resolves the
                    // defaults), never given another route's setting.
                    let (key, value) = match route.name {
                        "update_my_user" => {
                            ("rate_limit_update_my_user", pick!(rate_limit_update_my_user))
                        }
                        "list_my_relationships" => (
                            "rate_limit_list_my_relationships",
                            pick!(rate_limit_list_my_relationships),
                        ),
                        "create_pride_flag" => {
                            ("rate_limit_create_pride_flag", pick!(rate_limit_create_pride_flag))
                        }
                        other => {
                            return Err(invalid(
                                "rate_limits",
                                &format!("the limited route {other} has no setting of its own"),
                            ))
                        }
                    };
                    route.quota = quota(key, value, route.quota)?;
                }
                set_quota!(token_checks, rate_limit_token_checks);
                set_quota!(failed_logins_per_address, rate_limit_failed_logins_per_address);
                set_quota!(failed_logins_per_account, rate_limit_failed_logins_per_account);
                set_quota!(mail_per_account, rate_limit_mail_per_account);
                limits.trusted_proxies = trusted_proxies.clone();
                limits.redis_url = pick!(redis_url).filter(|u| !u.trim().is_empty());
                Some(limits)
            }
            Some("off") => None,
            Some(other) => {
                return Err(invalid("rate_limits", &format!("{other:?} is neither `on` nor `off`")))
            }
        };
        let max_json_body_bytes = pick!(max_json_body_bytes).unwrap_or(DEFAULT_MAX_JSON_BODY_BYTES);
        if max_json_body_bytes == 0 {
            return Err(invalid("max_json_body_bytes", "must be at least 1"));
        }
        let body = crate::body::BodyLimits {
            json_max_bytes: max_json_body_bytes,
            timeout: Duration::from_secs(
                pick!(body_timeout_secs).unwrap_or(DEFAULT_BODY_TIMEOUT_SECS).max(1),
            ),
            min_bytes_per_sec: pick!(body_min_bytes_per_sec)
                .unwrap_or(DEFAULT_BODY_MIN_BYTES_PER_SEC)
                .max(1),
        };
        let mut images = WorkerSettings::for_cores(cores);
        if let Some(threads) = pick!(image_threads) {
            if threads == 0 {
                return Err(invalid("image_threads", "must be at least 1"));
            }
            images.threads = threads;
        }
        if let Some(ms) = pick!(image_queue_timeout_ms) {
            images.queue_timeout = Duration::from_millis(ms.max(1));
        }
        let image_rate_limit = match pick!(image_rate_limit).as_deref().map(str::trim) {
            Some("off") => None,
            value => Some(
                value
                    .unwrap_or(DEFAULT_IMAGE_RATE_LIMIT)
                    .parse::<Quota>()
                    .map_err(|e| invalid("image_rate_limit", &e.to_string()))?,
            ),
        };
        // issue 16 D
        let deletion_grace_hours =
            pick!(deletion_grace_hours).unwrap_or(DEFAULT_DELETION_GRACE_HOURS);
        if deletion_grace_hours > MAX_DELETION_GRACE_HOURS {
            return Err(invalid("deletion_grace_hours", "must be at most 876000 (100 years)"));
        }
        let purge_interval_secs = pick!(purge_interval_secs).unwrap_or(DEFAULT_PURGE_INTERVAL_SECS);
        let token_cache = token_cache(pick!(token_cache_capacity), pick!(token_cache_ttl_ms))?;
        Ok(Settings {
            token_cache,
            deletion_grace: Duration::from_secs(deletion_grace_hours * 3600),
            purge_interval: (purge_interval_secs > 0)
                .then(|| Duration::from_secs(purge_interval_secs)),
            trusted_proxies,
            body,
            password_threads: pick!(password_threads).unwrap_or(cores).max(1),
            password_timeout: Duration::from_millis(
                pick!(password_timeout_ms).unwrap_or(DEFAULT_PASSWORD_TIMEOUT_MS).max(1),
            ),
            images,
            image_rate_limit,
            rate_limits,
            media_dir: pick!(media_dir).unwrap_or_else(|| PathBuf::from("media")),
            bind: pick!(bind).unwrap_or_else(|| DEFAULT_BIND.to_owned()),
            store,
            workers,
            blocking_threads,
            max_body_bytes,
            username_rule,
            log: pick!(log).unwrap_or_else(|| "info".to_owned()),
            log_format: match pick!(log_format).as_deref().map(str::trim) {
                None | Some("text") => LogFormat::Text,
                Some("json") => LogFormat::Json,
                Some(other) => {
                    return Err(invalid(
                        "log_format",
                        &format!("{other:?} is neither `text` nor `json`"),
                    ))
                }
            },
            shutdown_timeout: Duration::from_secs(pick!(shutdown_timeout_secs).unwrap_or(30)),
            shutdown_delay: Duration::from_secs(pick!(shutdown_delay_secs).unwrap_or(0)),
            metrics_bind: pick!(metrics_bind).filter(|b| !b.trim().is_empty()),
            mail: crate::mail::MailSettings::new(
                pick!(smtp_url).filter(|u| !u.trim().is_empty()),
                pick!(mail_from),
            )
            .map_err(|(key, message)| invalid(key, &message))?,
            // issue 16 C
            mfa_key: match pick!(mfa_key).filter(|k| !k.trim().is_empty()) {
                Some(text) => Some(
                    crate::crypto::MfaKey::from_base64(&text)
                        .map_err(|message| invalid("mfa_key", &message))?,
                ),
                None => None,
            },
        })
    }
}

/// `10.0.0.1, 10.1.0.0/16, fd00::/8`: addresses or CIDRs, comma-separated.
pub fn parse_trusted_proxies(list: &str) -> Result<Vec<IpNet>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<IpNet>()
                .or_else(|_| item.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|_| format!("{item:?} is neither an address nor a CIDR (e.g. 10.0.0.0/8)"))
        })
        .collect()
}

fn read_file(path: &Path) -> Result<SettingsArgs, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
    toml::from_str(&text).map_err(|source| ConfigError::Parse { path: path.to_owned(), source })
}

fn invalid(key: &'static str, message: &str) -> ConfigError {
    ConfigError::Invalid { key, message: message.to_owned() }
}

pub use astral_types::rules::UsernameRule;

/// The username rule from its settings, each defaulting to [`UsernameRule::default`]'s.
fn username_rule(
    min_length: Option<usize>,
    max_length: Option<usize>,
    pattern: Option<&str>,
) -> Result<UsernameRule, ConfigError> {
    let default = UsernameRule::DEFAULT_LENGTH;
    let length = Length::new(min_length.unwrap_or(default.min), max_length.unwrap_or(default.max));
    let pattern = pattern.unwrap_or(UsernameRule::DEFAULT_PATTERN);
    UsernameRule::new(length, pattern).map_err(|e| match e {
        UsernameRuleError::Length => {
            invalid("username_min_length", "must be at least 1 and not above username_max_length")
        }
        UsernameRuleError::Pattern(message) => {
            ConfigError::Invalid { key: "username_pattern", message }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A config file holding `toml`, removed when dropped.
    fn config_file(toml: &str) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        writeln!(file, "{toml}").unwrap();
        file
    }

    #[test]
    fn flag_beats_file_beats_default() {
        let file = config_file(
            "bind = \"0.0.0.0:9000\"\ndatabase_url = \"sqlite://file.db\"\nmax_body_bytes = 10",
        );
        let args = SettingsArgs {
            config: Some(file.path().to_owned()),
            database_url: Some("sqlite://flag.db".into()),
            ..SettingsArgs::default()
        };
        let s = args.resolve().unwrap();
        assert_eq!(s.store.database_url, "sqlite://flag.db");
        assert_eq!(s.bind, "0.0.0.0:9000");
        assert_eq!(s.max_body_bytes, 10);
        assert_eq!(s.username_rule.length.max, 32);
        assert_eq!(s.body.json_max_bytes, DEFAULT_MAX_JSON_BODY_BYTES);
        assert_eq!(s.body.timeout, Duration::from_secs(10));
        assert_eq!(s.body.min_bytes_per_sec, 1024);
        assert_eq!(s.password_timeout, Duration::from_millis(5000));
        assert!(s.password_threads >= 1);
    }

    #[test]
    fn body_and_password_settings_are_read() {
        let file = config_file("max_json_body_bytes = 2048\nbody_timeout_secs = 3\nbody_min_bytes_per_sec = 100\npassword_threads = 1\npassword_timeout_ms = 700");
        let args = SettingsArgs {
            config: Some(file.path().to_owned()),
            body_timeout_secs: Some(4),
            ..SettingsArgs::default()
        };
        let s = args.resolve().unwrap();
        assert_eq!(s.body.json_max_bytes, 2048);
        assert_eq!(s.body.timeout, Duration::from_secs(4));
        assert_eq!(s.body.min_bytes_per_sec, 100);
        assert_eq!(s.password_threads, 1);
        assert_eq!(s.password_timeout, Duration::from_millis(700));
        let args = SettingsArgs { max_json_body_bytes: Some(0), ..SettingsArgs::default() };
        assert!(matches!(
            args.resolve(),
            Err(ConfigError::Invalid { key: "max_json_body_bytes", .. })
        ));
    }

    #[test]
    fn image_settings() {
        let s = SettingsArgs::default().resolve().unwrap();
        assert!(s.images.threads >= 1);
        assert_eq!(s.images.queue_timeout, Duration::from_secs(5));
        assert_eq!(s.image_rate_limit, Some(Quota::new(200, Duration::from_secs(10))));
        let file = config_file(
            "image_threads = 3\nimage_queue_timeout_ms = 250\nimage_rate_limit = \"off\"",
        );
        let s = SettingsArgs { config: Some(file.path().to_owned()), ..SettingsArgs::default() }
            .resolve()
            .unwrap();
        assert_eq!(s.images.threads, 3);
        assert_eq!(s.images.queue_timeout, Duration::from_millis(250));
        assert_eq!(s.image_rate_limit, None);
        for bad in [
            SettingsArgs { image_threads: Some(0), ..SettingsArgs::default() },
            SettingsArgs { image_rate_limit: Some("lots".into()), ..SettingsArgs::default() },
        ] {
            assert!(matches!(bad.resolve(), Err(ConfigError::Invalid { .. })));
        }
    }

    #[test]
    fn unknown_file_keys_and_bad_values_are_refused() {
        let file = config_file("bnid = \"typo\"");
        let args = SettingsArgs { config: Some(file.path().to_owned()), ..SettingsArgs::default() };
        assert!(matches!(args.resolve(), Err(ConfigError::Parse { .. })));
        let args = SettingsArgs { worker_id: Some(32), ..SettingsArgs::default() };
        assert!(matches!(args.resolve(), Err(ConfigError::Invalid { key: "worker_id", .. })));
        let args = SettingsArgs { username_pattern: Some("(".into()), ..SettingsArgs::default() };
        assert!(matches!(
            args.resolve(),
            Err(ConfigError::Invalid { key: "username_pattern", .. })
        ));
    }

    #[test]
    fn trusted_proxies_and_login_limits_are_read_and_checked() {
        let file = config_file("trusted_proxies = \"10.0.0.1, 192.168.0.0/16, fd00::/8\"\nrate_limit_failed_logins_per_account = \"5/1h\"");
        let args = SettingsArgs {
            config: Some(file.path().to_owned()),
            rate_limit_token_checks: Some("20/1s".into()),
            ..SettingsArgs::default()
        };
        let limits = args.resolve().unwrap().rate_limits.unwrap();
        let proxies: Vec<String> = limits.trusted_proxies.iter().map(ToString::to_string).collect();
        assert_eq!(proxies, ["10.0.0.1/32", "192.168.0.0/16", "fd00::/8"]);
        assert_eq!(limits.token_checks, "20/1s".parse().unwrap());
        assert_eq!(limits.failed_logins_per_account, "5/1h".parse().unwrap());
        assert_eq!(limits.failed_logins_per_address, "10/10m".parse().unwrap());
        // Without the setting, nobody's forwarding headers are believed.
        let defaults = SettingsArgs::default().resolve().unwrap().rate_limits.unwrap();
        assert!(defaults.trusted_proxies.is_empty());
        let args = SettingsArgs {
            trusted_proxies: Some("10.0.0.0/8, proxy.internal".into()),
            ..SettingsArgs::default()
        };
        assert!(matches!(args.resolve(), Err(ConfigError::Invalid { key: "trusted_proxies", .. })));
    }

    #[test]
    fn every_limited_route_reads_its_own_setting() {
        let args = SettingsArgs {
            rate_limit_update_my_user: Some("7/7s".into()),
            rate_limit_list_my_relationships: Some("9/9s".into()),
            rate_limit_create_pride_flag: Some("4/4s".into()),
            ..SettingsArgs::default()
        };
        let limits = args.resolve().unwrap().rate_limits.unwrap();
        let quotas: Vec<(&str, Quota)> = limits.routes.iter().map(|r| (r.name, r.quota)).collect();
        assert_eq!(
            quotas,
            [
                ("update_my_user", "7/7s".parse().unwrap()),
                ("list_my_relationships", "9/9s".parse().unwrap()),
                ("create_pride_flag", "4/4s".parse().unwrap()),
            ],
            "each route its own setting, and no route without one"
        );
    }

    /// The keys serde reads from the file: the field names `SettingsArgs`'s `Deserialize` asks
    /// for, recorded by a deserializer that answers nothing else.
    fn file_keys() -> Vec<&'static str> {
        use serde::de::{Error as _, Visitor};

        struct FieldNames(Vec<&'static str>);
        impl<'de> serde::Deserializer<'de> for &mut FieldNames {
            type Error = serde::de::value::Error;
            fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
                Err(Self::Error::custom("only a struct's field names are recorded"))
            }
            fn deserialize_struct<V: Visitor<'de>>(
                self,
                _name: &'static str,
                fields: &'static [&'static str],
                _visitor: V,
            ) -> Result<V::Value, Self::Error> {
                self.0 = fields.to_vec();
                Err(Self::Error::custom("field names recorded"))
            }
            serde::forward_to_deserialize_any! {
                bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
                byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
                identifier ignored_any
            }
        }
        let mut names = FieldNames(Vec::new());
        let _ = SettingsArgs::deserialize(&mut names);
        names.0
    }

    // issue 16 D
    #[test]
    fn lifecycle_settings_are_read() {
        let s = SettingsArgs::default().resolve().unwrap();
        assert_eq!(s.deletion_grace, Duration::from_secs(336 * 3600));
        assert_eq!(s.purge_interval, Some(Duration::from_secs(3600)));
        let file = config_file("deletion_grace_hours = 0\npurge_interval_secs = 0");
        let s = SettingsArgs { config: Some(file.path().into()), ..SettingsArgs::default() }
            .resolve()
            .unwrap();
        assert_eq!((s.deletion_grace, s.purge_interval), (Duration::ZERO, None));
        let too_long =
            SettingsArgs { deletion_grace_hours: Some(u64::MAX), ..SettingsArgs::default() };
        assert!(too_long.resolve().is_err());
    }

    #[test]
    fn the_token_cache_is_on_by_default_and_off_with_no_capacity() {
        let defaults = astral_store::TokenCacheConfig::default();
        assert_eq!(SettingsArgs::default().resolve().unwrap().token_cache, Some(defaults));
        let file = config_file("token_cache_capacity = 10\ntoken_cache_ttl_ms = 250");
        let s = SettingsArgs { config: Some(file.path().into()), ..SettingsArgs::default() }
            .resolve()
            .unwrap();
        let config = s.token_cache.unwrap();
        assert_eq!((config.capacity, config.ttl), (10, Duration::from_millis(250)));
        let off = SettingsArgs { token_cache_capacity: Some(0), ..SettingsArgs::default() };
        assert_eq!(off.resolve().unwrap().token_cache, None);
        let never = SettingsArgs { token_cache_ttl_ms: Some(0), ..SettingsArgs::default() };
        assert!(never.resolve().is_err(), "a time-to-live of 0 is refused");
    }

    #[test]
    fn every_setting_is_a_flag_a_variable_and_a_file_key_as_documented() {
        use clap::Args as _;
        use std::collections::BTreeSet;

        let command = SettingsArgs::augment_args(clap::Command::new("astral"));
        let mut settings = BTreeSet::new();
        for arg in command.get_arguments() {
            let id = arg.get_id().as_str();
            assert_eq!(arg.get_long(), Some(id.replace('_', "-").as_str()), "{id}");
            let env = arg.get_env().and_then(|e| e.to_str());
            assert_eq!(env, Some(format!("ASTRAL_{}", id.to_uppercase()).as_str()));
            settings.insert(id.to_owned());
        }
        let mut file_keys: BTreeSet<String> = file_keys().into_iter().map(String::from).collect();
        assert!(!file_keys.contains("config"), "the file cannot name another file");
        file_keys.insert("config".to_owned());
        assert_eq!(file_keys, settings, "every flag is a file key and back");

        // docs/configuration.md: one row per setting, `--flag` | `ASTRAL_VAR` | `key` (or – for
        // `--config`).
        let docs = include_str!("../../../docs/configuration.md");
        let mut documented = BTreeSet::new();
        for row in docs.lines().filter(|l| l.starts_with("| `--")) {
            let cells: Vec<&str> = row.split('|').map(|c| c.trim().trim_matches('`')).collect();
            let id = cells[3].to_owned();
            let id = if id == "–" { "config".to_owned() } else { id };
            assert_eq!(cells[1], format!("--{}", id.replace('_', "-")), "{row}");
            assert_eq!(cells[2], format!("ASTRAL_{}", id.to_uppercase()), "{row}");
            assert!(documented.insert(id), "documented twice: {row}");
        }
        assert_eq!(documented, settings, "docs/configuration.md lists every setting");
    }
}
