//! The `astral` command line: `serve`, `migrate`, the operators' commands (`users`, `tokens`,
//! `bots`: [`accounts`]) and `copy-to-postgres` ([`copy`]).
//!
//! Every command but `serve` takes only the database's settings as flags (`--config`,
//! `--database-url`) and reads the rest as `astral serve` does (environment, then the file), so
//! `--help` shows each command's own options. Failures print one readable line on stderr and
//! exit 1; usage errors exit 2 (clap).

mod accounts;
mod copy;
// issue 16 D
mod lifecycle;
mod mail;

use std::io::IsTerminal;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;

use actix_web::web;
use astral_store::Store;
use clap::{Args, FromArgMatches, Parser, Subcommand};

use crate::config::{LogFormat, Settings, SettingsArgs};
use crate::pool::BoundedPool;
use crate::state::AppState;

pub use accounts::{BotsCommand, TokensCommand, UsersCommand};
pub use copy::CopyArgs;
// issue 16 D
pub use lifecycle::AccountsCommand;
pub use mail::MailCommand;

#[derive(Debug, Parser)]
#[command(name = "astral", version, about = "Astral: a Discord-compatible users service")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (migrates the database first).
    Serve(Box<SettingsArgs>),
    /// Apply pending database migrations and exit.
    Migrate(DatabaseArgs),
    /// Accounts: create, list, show, find, reset passwords, suspend, badges, administrators.
    #[command(subcommand)]
    Users(UsersCommand),
    /// API tokens: revoke one, or every token of a user.
    #[command(subcommand)]
    Tokens(TokensCommand),
    /// Bot accounts: create one, replace its token.
    #[command(subcommand)]
    Bots(BotsCommand),
    /// Copy every table of a SQLite database into a new, empty PostgreSQL database, in one
    /// transaction, and print each table's row count.
    CopyToPostgres(CopyArgs),
    // issue 16 D
    /// The account lifecycle: purge the accounts whose deletion is due.
    #[command(subcommand)]
    Accounts(AccountsCommand),
    /// Account mail kept in the database when no SMTP server is configured (issue 16 B).
    #[command(subcommand)]
    Mail(MailCommand),
    // issue 16 C-e
    /// Print a new random `mfa_key` (32 bytes of base64) for ASTRAL_MFA_KEY: the key that seals
    /// two-factor secrets and backup codes. Every instance needs the same one.
    MfaKey,
}

/// The database a command works on: the same settings `astral serve` reads (flag, then
/// environment, then the file). The other settings (the username rule, timeouts) come from the
/// environment and the file, as for `astral serve`.
#[derive(Debug, Clone, Default, Args)]
pub struct DatabaseArgs {
    /// TOML file of `astral serve`'s settings; its `database_url` and username rule are used.
    #[arg(long, env = "ASTRAL_CONFIG", hide_env_values = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// postgres://…, postgresql://…, sqlite://PATH or a file path [default: sqlite://astral.db].
    #[arg(long, env = "ASTRAL_DATABASE_URL", hide_env_values = true, value_name = "URL")]
    pub database_url: Option<String>,
}

impl DatabaseArgs {
    /// The settings `astral serve` would run with, these flags included.
    fn settings(&self) -> Result<Settings, String> {
        let from_environment = settings_from_environment()?;
        resolve(&SettingsArgs {
            config: self.config.clone(),
            database_url: self.database_url.clone(),
            ..from_environment
        })
    }

    /// The settings and the store they name, migrated.
    fn open(&self) -> Result<(Settings, Store), String> {
        let settings = self.settings()?;
        let store = open_store(&settings)?;
        Ok((settings, store))
    }
}

/// Every setting's environment variable (`ASTRAL_…`), read as `astral serve` reads them.
fn settings_from_environment() -> Result<SettingsArgs, String> {
    let command = <SettingsArgs as Args>::augment_args(clap::Command::new("astral"));
    let matches = command
        .try_get_matches_from(["astral"])
        .map_err(|e| format!("invalid setting in the environment: {e}"))?;
    SettingsArgs::from_arg_matches(&matches)
        .map_err(|e| format!("invalid setting in the environment: {e}"))
}

/// How many log lines may wait for the log writer's thread: half a second of requests at the
/// bench's highest rate. The queue is allocated whole at start: tracing-appender's default of
/// 128k lines took 4 MB of memory (docs/performance.md).
const LOG_QUEUE_LINES: usize = 16_384;

/// The log writer's thread writes what it found queued in one `write` where it fits in this
/// many bytes (it flushes after each batch, so a line is never held back): with one system call
/// per line that thread took more than twice the CPU per request (docs/performance.md, "Sixth round").
const LOG_WRITE_BUFFER: usize = 64 * 1024;

pub fn main_with_args(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve(args) => {
            let settings = args.resolve().map_err(|e| e.to_string())?;
            // One line per request: written to stderr by a thread of its own, so a request
            // never waits for the terminal or the log collector. Not lossy: when that thread
            // falls LOG_QUEUE_LINES behind, requests wait rather than lines being dropped. The
            // thread flushes after each batch it takes from the queue, and the guard flushes
            // what is queued when `serve` returns.
            let (writer, _flush_at_exit) =
                tracing_appender::non_blocking::NonBlockingBuilder::default()
                    .buffered_lines_limit(LOG_QUEUE_LINES)
                    .lossy(false)
                    .thread_name("astral-log")
                    .finish(std::io::BufWriter::with_capacity(LOG_WRITE_BUFFER, std::io::stderr()));
            init_logging(&settings.log, settings.log_format, writer);
            let store = open_store(&settings)?;
            serve(settings, store)
        }
        Command::Migrate(args) => {
            let (_, store) = args.open()?;
            eprintln!("database is up to date ({})", store.backend().name());
            Ok(())
        }
        Command::Users(command) => accounts::users(command),
        Command::Tokens(command) => accounts::tokens(command),
        Command::Bots(command) => accounts::bots(command),
        Command::CopyToPostgres(args) => copy::run(args),
        // issue 16 D
        Command::Accounts(command) => lifecycle::accounts(command),
        Command::Mail(command) => mail::mail(command),
        // issue 16 C-e
        Command::MfaKey => {
            println!("{}", crate::crypto::MfaKey::generate_base64());
            Ok(())
        }
    }
}

fn resolve(args: &SettingsArgs) -> Result<Settings, String> {
    let settings = args.resolve().map_err(|e| e.to_string())?;
    init_logging(&settings.log, settings.log_format, std::io::stderr);
    Ok(settings)
}

fn init_logging<W>(filter: &str, format: LogFormat, writer: W)
where
    W: for<'a> tracing_subscriber::fmt::MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Logs go to stderr so that the commands keep stdout for what they print.
    // Colours only for a person at a terminal; a file or a log collector gets plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(writer);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        // Event fields at the top level; the enclosing `request` span (with its request_id)
        // under "span".
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
}

/// Opens the store and applies pending migrations.
pub fn open_store(settings: &Settings) -> Result<Store, String> {
    let store = Store::open(&settings.store).map_err(|e| e.to_string())?;
    let applied = store.migrate().map_err(|e| e.to_string())?;
    for name in applied {
        tracing::info!(migration = %name, "applied migration");
    }
    Ok(store)
}

fn serve(settings: Settings, store: Store) -> Result<(), String> {
    // issue 16 C: before binding, so a wrong key stops every instance at once, visibly.
    crate::mfa::check_key(&store, settings.mfa_key.as_ref())?;
    let listener = TcpListener::bind(&settings.bind)
        .map_err(|e| format!("cannot bind {}: {e}", settings.bind))?;
    let metrics_listener = match &settings.metrics_bind {
        Some(bind) => Some(
            TcpListener::bind(bind).map_err(|e| format!("cannot bind metrics_bind {bind}: {e}"))?,
        ),
        None => None,
    };
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let backend = store.backend().name();
    let limiter = match &settings.rate_limits {
        Some(config) => Some(Arc::new(astral_ratelimit::Limiter::new(config.clone())?)),
        None => {
            tracing::warn!("rate limiting is OFF (ASTRAL_RATE_LIMITS=off)");
            None
        }
    };
    let media = astral_media::DiskStore::open(&settings.media_dir)
        .map_err(|e| format!("cannot use media directory {}: {e}", settings.media_dir.display()))?;
    let password_pool =
        BoundedPool::new("password", settings.password_threads, settings.password_timeout)
            .map_err(|e| format!("cannot start the password threads: {e}"))?;
    // Parsing a large body is bounded by the body-read deadline's base, like reading it.
    let json_pool = BoundedPool::new("json", settings.workers, settings.body.timeout)
        .map_err(|e| format!("cannot start the JSON threads: {e}"))?;
    match settings.token_cache {
        Some(config) => store.start_token_cache(config),
        None => tracing::warn!("the token cache is OFF (ASTRAL_TOKEN_CACHE_CAPACITY=0)"),
    }
    let store = Arc::new(store);
    let last_use = crate::last_use::LastUseRecorder::start(Arc::clone(&store))
        .map_err(|e| format!("cannot start the last-use writer: {e}"))?;
    let state = web::Data::new(AppState {
        body: settings.body.clone(),
        password_pool: Arc::new(password_pool),
        json_pool: Arc::new(json_pool),
        images: astral_media::ImageWorkers::new(Arc::new(media), settings.images),
        image_rate_limit: settings.image_rate_limit.map(|quota| {
            Arc::new(crate::handlers::images::AddressLimit::new(
                quota,
                settings.trusted_proxies.clone(),
            ))
        }),
        max_friends: crate::handlers::relationships::MAX_FRIENDS,
        clock: Arc::new(astral_ratelimit::SystemClock),
        store,
        last_use,
        username_rule: settings.username_rule.clone(),
        max_body_bytes: settings.max_body_bytes,
        limiter,
        metrics: Arc::new(crate::metrics::Metrics::new()),
        shutting_down: Arc::new(std::sync::atomic::AtomicBool::new(false)),
        // issue 16 D
        deletion_grace_ms: i64::try_from(settings.deletion_grace.as_millis()).unwrap_or(i64::MAX),
        mailer: Arc::new(crate::mail::Mailer::new(&settings.mail)?),
        // issue 16 C
        mfa_key: settings.mfa_key.clone(),
    });
    state.metrics.observe(&state.store, &state.images);
    tracing::info!(%address, database = backend, mail = state.mailer.describe(), "listening; Swagger UI at http://{address}/docs/");
    actix_web::rt::System::new()
        .block_on(async move {
            let server = crate::app::run_server(&settings, state.clone(), listener)?;
            let mut handles = vec![server.handle()];
            if let Some(listener) = metrics_listener {
                let metrics_address = listener.local_addr()?;
                let metrics = crate::app::run_metrics_server(state.clone(), listener)?;
                handles.push(metrics.handle());
                actix_web::rt::spawn(metrics);
                tracing::info!(address = %metrics_address, "metrics at http://{metrics_address}/metrics");
            }
            // issue 16 D
            if let Some(interval) = settings.purge_interval {
                actix_web::rt::spawn(crate::app::purge_accounts_periodically(
                    state.clone(),
                    interval,
                ));
            }
            actix_web::rt::spawn(crate::app::stop_on_signals(
                state,
                settings.shutdown_delay,
                handles,
            ));
            server.await
        })
        .map_err(|e| e.to_string())?;
    tracing::info!("stopped");
    Ok(())
}
