//! The `astral` command line: `serve`, `migrate`, `users create`, `users set-badges`,
//! `users set-admin`.

use std::io::IsTerminal;
use std::net::TcpListener;
use std::sync::Arc;

use actix_web::web;
use astral_store::{NewUser, Store, StoreError};
use astral_types::FormErrors;
use clap::{Parser, Subcommand};
use serde_json::json;

use crate::auth::{hash_password, issue_token};
use crate::config::{LogFormat, Settings, SettingsArgs};
use crate::pool::BoundedPool;
use crate::state::AppState;

#[derive(Debug, Parser)]
#[command(name = "astral", version, about = "Astral: a Discord-compatible users service")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (migrates the database first).
    Serve(SettingsArgs),
    /// Apply pending database migrations and exit.
    Migrate(SettingsArgs),
    /// Manage accounts.
    #[command(subcommand)]
    Users(UsersCommand),
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create an account and print `{"id", "username", "token"}` as one JSON line.
    Create {
        #[arg(long)]
        username: String,
        /// Create a bot account.
        #[arg(long)]
        bot: bool,
        /// Password for logging in with /auth/login (bots usually have none). Visible in the
        /// process list and shell history: prefer --password-stdin.
        #[arg(long, conflicts_with = "password_stdin")]
        password: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        settings: SettingsArgs,
    },
    /// Set a user's badges bitmask (shown in `badges`; it grants nothing) and print the user's
    /// `{"id", "username", "sid", "badges", "is_admin"}` as one JSON line.
    SetBadges {
        /// The user: an id, a username or a short id, looked up as `GET /users/{user_id}` does.
        user: String,
        /// The new bitmask, a non-negative integer (0 clears every badge).
        #[arg(value_parser = clap::value_parser!(i64).range(0..))]
        badges: i64,
        #[command(flatten)]
        settings: SettingsArgs,
    },
    /// Mark a user as an administrator (`is_admin`, shown to the user only; it grants no API
    /// power) or not, and print the user as `set-badges` does.
    SetAdmin {
        /// The user: an id, a username or a short id, looked up as `GET /users/{user_id}` does.
        user: String,
        /// `true` or `false`.
        #[arg(action = clap::ArgAction::Set)]
        is_admin: bool,
        #[command(flatten)]
        settings: SettingsArgs,
    },
}

pub fn main_with_args(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve(args) => {
            let settings = resolve(&args)?;
            let store = open_store(&settings)?;
            serve(settings, store)
        }
        Command::Migrate(args) => {
            let settings = resolve(&args)?;
            let store = open_store(&settings)?;
            eprintln!("database is up to date ({})", store.backend().name());
            Ok(())
        }
        Command::Users(UsersCommand::Create {
            username,
            bot,
            password,
            password_stdin,
            settings,
        }) => {
            let password = if password_stdin {
                Some(read_password_line(std::io::stdin().lock())?)
            } else {
                password
            };
            let settings = resolve(&settings)?;
            let store = open_store(&settings)?;
            create_user(&settings, &store, username, bot, password)
        }
        Command::Users(UsersCommand::SetBadges { user, badges, settings }) => {
            let store = open_store(&resolve(&settings)?)?;
            set_admin_field(&store, &user, |store, id| store.set_badges(id, badges))
        }
        Command::Users(UsersCommand::SetAdmin { user, is_admin, settings }) => {
            let store = open_store(&resolve(&settings)?)?;
            set_admin_field(&store, &user, |store, id| store.set_admin(id, is_admin))
        }
    }
}

/// Finds `user` (id, username or short id) and applies `set` to it; prints the result.
fn set_admin_field(
    store: &Store,
    user: &str,
    set: impl FnOnce(&Store, astral_types::UserId) -> Result<astral_store::UserRecord, StoreError>,
) -> Result<(), String> {
    let lookup = crate::handlers::users::user_lookup_in_path(user);
    let found = store
        .find_user(lookup)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no user {user:?} (by id, username or short id)"))?;
    let updated = set(store, found.user_id()).map_err(|e| match e {
        StoreError::NotFound => format!("user {user:?} was deleted meanwhile"),
        other => other.to_string(),
    })?;
    println!(
        "{}",
        json!({
            "id": updated.user_id().to_string(),
            "username": updated.username,
            "sid": updated.sid,
            "badges": updated.badges,
            "is_admin": updated.is_admin,
        })
    );
    Ok(())
}

fn resolve(args: &SettingsArgs) -> Result<Settings, String> {
    let settings = args.resolve().map_err(|e| e.to_string())?;
    init_logging(&settings.log, settings.log_format);
    Ok(settings)
}

fn init_logging(filter: &str, format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Logs go to stderr so that `users create` keeps stdout for its JSON line.
    // Colours only for a person at a terminal; a file or a log collector gets plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
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
        store: Arc::new(store),
        username_rule: settings.username_rule.clone(),
        max_body_bytes: settings.max_body_bytes,
        limiter,
        metrics: Arc::new(crate::metrics::Metrics::new()),
        shutting_down: Arc::new(std::sync::atomic::AtomicBool::new(false)),
    });
    state.metrics.observe(&state.store, &state.images);
    tracing::info!(%address, database = backend, "listening; Swagger UI at http://{address}/docs/");
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

/// The first line of `input`, without its line ending (a password may contain spaces).
fn read_password_line(mut input: impl std::io::BufRead) -> Result<String, String> {
    let mut line = String::new();
    input
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    if password.is_empty() {
        return Err("--password-stdin: standard input held no password".to_owned());
    }
    Ok(password.to_owned())
}

/// Validates like `/auth/register` does, so the CLI cannot create what the API would refuse.
fn create_user(
    settings: &Settings,
    store: &Store,
    username: String,
    bot: bool,
    password: Option<String>,
) -> Result<(), String> {
    // The same rules as `/auth/register` (`astral_types::password`, `UsernameRule`); the
    // password is optional here (bots log in with their token).
    let mut errors = FormErrors::new();
    let password = password
        .map(|p| {
            let account =
                astral_types::password::Account { username: Some(&username), email: None };
            astral_types::password::check(&mut errors, p, account)
        })
        .transpose();
    let username = settings.username_rule.check(&mut errors, username);
    let (username, password) = astral_types::form::finish(errors, || Ok((username?, password?)))
        .map_err(|errors| {
            let body = serde_json::to_string(&errors.into_body()).unwrap_or_default();
            format!("invalid account: {body}")
        })?;
    let password_hash =
        password.map(|p| hash_password(&p)).transpose().map_err(|e| e.to_string())?;
    let user = store
        .create_user(NewUser { username, password_hash, email: None, global_name: None, bot })
        .map_err(|e| match e {
            StoreError::Conflict(field) => format!("{field} is already taken"),
            other => other.to_string(),
        })?;
    let token = issue_token(store, user.user_id()).map_err(|e| e.to_string())?;
    println!(
        "{}",
        json!({"id": user.user_id().to_string(), "username": user.username, "token": token})
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::read_password_line;

    #[test]
    fn the_password_is_the_first_line_without_its_ending() {
        assert_eq!(read_password_line(&b"correct horse\r\nrest"[..]).unwrap(), "correct horse");
        assert_eq!(read_password_line(&b" spaced  \n"[..]).unwrap(), " spaced  ");
        assert_eq!(read_password_line(&b"no newline"[..]).unwrap(), "no newline");
        assert!(read_password_line(&b"\n"[..]).is_err());
        assert!(read_password_line(&b""[..]).is_err());
    }
}
