//! `astral users …`, `astral tokens …`, `astral bots …`: the operators' account commands.
//!
//! They write the database the server reads; a running server caches none of it (every request
//! reads its token, user and suspension afresh), so a change applies to the next request of
//! every instance (docs/operations.md#user-administration).

use std::io::BufRead;

use astral_store::{AdminUser, NewUser, Store, StoreError, SuspendOutcome, UserRecord};
use astral_types::{FormErrors, TokenId, UserId};
use clap::Subcommand;
use serde_json::{json, Value};

use super::DatabaseArgs;
use crate::auth::{hash_password, issue_token, new_token, parse_authorization};
use crate::config::Settings;

/// A page of `users list` and `users find` by default.
const DEFAULT_PAGE: i64 = 50;

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create an account and print `{"id", "username", "token"}` as one JSON line.
    Create {
        /// The account's username, under the same rule as `POST /auth/register`.
        #[arg(long)]
        username: String,
        /// Create a bot account: an alias of `astral bots create NAME`, kept for scripts
        /// written before it.
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
        database: DatabaseArgs,
    },
    /// List accounts in id order (oldest first), a page at a time.
    List {
        /// Accounts per page, 1–1000.
        #[arg(long, default_value_t = DEFAULT_PAGE, value_parser = clap::value_parser!(i64).range(1..=astral_store::ADMIN_PAGE_MAX))]
        limit: i64,
        /// Start after this user id (the last id of the previous page).
        #[arg(long, value_name = "ID")]
        after: Option<UserId>,
        /// Print one JSON object per account and line instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Show one account: its fields, status (suspended or not), bot owner and tokens.
    Show {
        /// The user: an id, a username or a short id, looked up as `GET /users/{user_id}` does.
        user: String,
        /// Print the account as one JSON object instead of lines of text.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Find accounts by id, short id, or part of a username or email (ignoring case).
    Find {
        /// An id, a short id, or text the username or email contains.
        query: String,
        /// At most this many accounts, 1–1000.
        #[arg(long, default_value_t = DEFAULT_PAGE, value_parser = clap::value_parser!(i64).range(1..=astral_store::ADMIN_PAGE_MAX))]
        limit: i64,
        /// Print one JSON object per account and line instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Set a new password, read from the first line of standard input under the API's password
    /// rule, and revoke every token of the account.
    ResetPassword {
        /// The user: an id, a username or a short id, looked up as `GET /users/{user_id}` does.
        user: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Suspend an account: its tokens stop authenticating (401) and logging in answers
    /// 403 / 20013 until `unsuspend`. Tokens are kept, not revoked.
    Suspend {
        /// The user: an id, a username or a short id, looked up as `GET /users/{user_id}` does.
        user: String,
        /// A note for operators (shown by `users show`, never to the user).
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Lift a suspension: the account's tokens authenticate again and it can log in.
    Unsuspend {
        /// The user: an id, a username or a short id, looked up as `GET /users/{user_id}` does.
        user: String,
        #[command(flatten)]
        database: DatabaseArgs,
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
        database: DatabaseArgs,
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
        database: DatabaseArgs,
    },
    // issue 16 A
    /// Mark a user as staff (`is_staff`, shown to the user only; it grants no API power) or not,
    /// and print the user's `{"id", "username", "is_staff", "acls", "traits"}` as one JSON line.
    SetStaff {
        /// The user: an id, a username or a short id, looked up as `GET /users/{user_id}` does.
        user: String,
        /// `true` or `false`.
        #[arg(action = clap::ArgAction::Set)]
        is_staff: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Replace a user's `acls` (shown to the user only; they grant no API power) and print the
    /// user as `set-staff` does.
    SetAcls {
        /// The user: an id, a username or a short id, looked up as `GET /users/{user_id}` does.
        user: String,
        /// Comma-separated entries (at most 100, each 1–64 characters; duplicates dropped); an
        /// empty argument clears them.
        #[arg(value_parser = parse_labels)]
        acls: Labels,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Replace a user's `traits` (shown to the user only) and print the user as `set-staff`
    /// does.
    SetTraits {
        /// The user: an id, a username or a short id, looked up as `GET /users/{user_id}` does.
        user: String,
        /// Comma-separated entries (at most 100, each 1–64 characters; duplicates dropped); an
        /// empty argument clears them.
        #[arg(value_parser = parse_labels)]
        traits: Labels,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

/// `acls` or `traits` as given to the CLI, checked ([`parse_labels`]).
#[derive(Debug, Clone)]
pub struct Labels(Vec<String>);

/// `a,b,c` → the entries, each 1–64 characters, at most 100 (duplicates dropped); `""` → none.
fn parse_labels(text: &str) -> Result<Labels, String> {
    use astral_types::user::{ACCOUNT_LABEL_LENGTH, MAX_ACCOUNT_LABELS};
    if text.is_empty() {
        return Ok(Labels(Vec::new()));
    }
    let mut labels: Vec<String> = Vec::new();
    for label in text.split(',') {
        if !ACCOUNT_LABEL_LENGTH.contains(label) || label.chars().any(char::is_control) {
            return Err(format!(
                "each entry must be {}–{} characters without control characters: {label:?}",
                ACCOUNT_LABEL_LENGTH.min, ACCOUNT_LABEL_LENGTH.max
            ));
        }
        if !labels.iter().any(|l| l == label) {
            labels.push(label.to_owned());
        }
    }
    if labels.len() > MAX_ACCOUNT_LABELS {
        return Err(format!("at most {MAX_ACCOUNT_LABELS} entries, not {}", labels.len()));
    }
    Ok(Labels(labels))
}

#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Revoke one token, named by its id (`users show` lists them) or given whole (`-` reads it
    /// from standard input), or every token of a user (`--user USER --all`).
    #[command(group(clap::ArgGroup::new("which").required(true).args(["token", "user"])))]
    Revoke {
        /// A token id, a whole token, or `-` to read a whole token from standard input (a token
        /// on the command line shows in the process list).
        #[arg(conflicts_with = "user")]
        token: Option<String>,
        /// Revoke the tokens of this user (an id, a username or a short id); needs --all.
        #[arg(long, requires = "all")]
        user: Option<String>,
        /// With --user: every token of the user.
        #[arg(long, requires = "user")]
        all: bool,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum BotsCommand {
    /// Create a bot account and print `{"id", "username", "token", "owner_id"}` as one JSON
    /// line (the token is shown once).
    Create {
        /// The bot's username, under the same rule as a person's.
        name: String,
        /// The person who runs the bot (an id, a username or a short id), shown by `users show`;
        /// it grants them nothing in the API.
        #[arg(long)]
        owner: Option<String>,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Revoke every token of a bot and print a new one as
    /// `{"id", "username", "token", "revoked"}` (one JSON line; the token is shown once).
    ResetToken {
        /// The bot: an id, a username or a short id.
        bot: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

pub(super) fn users(command: UsersCommand) -> Result<(), String> {
    match command {
        UsersCommand::Create { username, bot, password, password_stdin, database } => {
            let password = if password_stdin {
                Some(read_line(std::io::stdin().lock(), "the password")?)
            } else {
                password
            };
            let (settings, store) = database.open()?;
            let created = create_account(&settings, &store, username, bot, password, None)?;
            print_line(&created);
            Ok(())
        }
        UsersCommand::List { limit, after, json, database } => {
            let (_, store) = database.open()?;
            let page = store.list_users(after, limit).map_err(store_error)?;
            print_users(&page, json);
            if page.len() as i64 == limit {
                if let Some(last) = page.last() {
                    eprintln!("more may follow: --after {}", last.user.user_id());
                }
            }
            Ok(())
        }
        UsersCommand::Show { user, json, database } => {
            let (store, found) = open_and_find(&database, &user)?;
            let account = store
                .admin_user(found.user_id())
                .map_err(store_error)?
                .ok_or_else(|| deleted_meanwhile(&user))?;
            if json {
                print_line(&account_json(&account));
            } else {
                print!("{}", account_text(&store, &account));
            }
            Ok(())
        }
        UsersCommand::Find { query, limit, json, database } => {
            let (_, store) = database.open()?;
            let found = store.find_users(&query, limit).map_err(store_error)?;
            if found.is_empty() {
                return Err(format!(
                    "no user matches {query:?} (by id, short id, username or email)"
                ));
            }
            print_users(&found, json);
            Ok(())
        }
        UsersCommand::ResetPassword { user, database } => {
            let password = read_line(std::io::stdin().lock(), "the new password")?;
            let (store, found) = open_and_find(&database, &user)?;
            let account = astral_types::password::Account {
                username: Some(&found.username),
                email: found.email.as_deref(),
            };
            if let Some(refusal) = astral_types::password::refusal(&password, account) {
                return Err(format!(
                    "password refused: {} ({}); nothing changed",
                    refusal.message, refusal.code
                ));
            }
            let hash = hash_password(&password).map_err(|e| e.to_string())?;
            let revoked = store
                .reset_password(found.user_id(), &hash)
                .map_err(|e| not_found_as_deleted(e, &user))?;
            print_user(
                &found,
                json!({
                    "tokens_revoked": revoked,
                }),
            );
            Ok(())
        }
        UsersCommand::Suspend { user, reason, database } => {
            let (store, found) = open_and_find(&database, &user)?;
            let now_ms = jiff::Timestamp::now().as_millisecond();
            let outcome = store
                .suspend_user(found.user_id(), now_ms, reason.as_deref())
                .map_err(|e| not_found_as_deleted(e, &user))?;
            let (suspension, already) = match outcome {
                SuspendOutcome::Suspended(s) => (s, false),
                SuspendOutcome::AlreadySuspended(s) => (s, true),
            };
            if already {
                eprintln!("{} was already suspended; the suspension is unchanged", found.username);
            }
            print_user(
                &found,
                json!({
                    "suspended": true,
                    "suspended_at": time_text(suspension.suspended_at_ms),
                    "reason": suspension.reason,
                }),
            );
            Ok(())
        }
        UsersCommand::Unsuspend { user, database } => {
            let (store, found) = open_and_find(&database, &user)?;
            let lifted = store
                .unsuspend_user(found.user_id())
                .map_err(|e| not_found_as_deleted(e, &user))?;
            if lifted.is_none() {
                eprintln!("{} was not suspended", found.username);
            }
            print_user(
                &found,
                json!({
                    "suspended": false,
                }),
            );
            Ok(())
        }
        UsersCommand::SetBadges { user, badges, database } => {
            let (_, store) = database.open()?;
            set_admin_field(&store, &user, |store, id| store.set_badges(id, badges))
        }
        UsersCommand::SetAdmin { user, is_admin, database } => {
            let (_, store) = database.open()?;
            set_admin_field(&store, &user, |store, id| store.set_admin(id, is_admin))
        }
        UsersCommand::SetStaff { user, is_staff, database } => {
            let (_, store) = database.open()?;
            set_account_field(&store, &user, |store, id| store.set_staff(id, is_staff))
        }
        UsersCommand::SetAcls { user, acls, database } => {
            let (_, store) = database.open()?;
            set_account_field(&store, &user, |store, id| store.set_acls(id, &acls.0))
        }
        UsersCommand::SetTraits { user, traits, database } => {
            let (_, store) = database.open()?;
            set_account_field(&store, &user, |store, id| store.set_traits(id, &traits.0))
        }
    }
}

/// Finds `user` and applies `set` to its account fields; prints them (issue 16 A).
fn set_account_field(
    store: &Store,
    user: &str,
    set: impl FnOnce(&Store, UserId) -> Result<UserRecord, StoreError>,
) -> Result<(), String> {
    let found = find(store, user)?;
    let updated = set(store, found.user_id()).map_err(|e| not_found_as_deleted(e, user))?;
    let account = store.account(updated.user_id()).map_err(store_error)?;
    print_user(
        &updated,
        json!({
            "is_staff": account.is_staff,
            "acls": account.acls.0,
            "traits": account.traits.0,
        }),
    );
    Ok(())
}

pub(super) fn tokens(command: TokensCommand) -> Result<(), String> {
    match command {
        TokensCommand::Revoke { token, user, all: _, database } => {
            let token = match token.as_deref() {
                Some("-") => Some(read_line(std::io::stdin().lock(), "the token")?),
                _ => token,
            };
            let (_, store) = database.open()?;
            if let Some(user) = user {
                let found = find(&store, &user)?;
                let revoked = store.revoke_user_tokens(found.user_id()).map_err(store_error)?;
                print_line(&json!({
                    "user_id": found.user_id().to_string(),
                    "username": found.username,
                    "revoked": revoked,
                }));
                return Ok(());
            }
            let token = token.unwrap_or_default();
            let (token_id, user_id) = named_token(&store, token.trim())?;
            store.revoke_token(token_id).map_err(store_error)?;
            print_line(&json!({
                "token_id": token_id.to_string(),
                "user_id": user_id.to_string(),
                "revoked": 1,
            }));
            Ok(())
        }
    }
}

pub(super) fn bots(command: BotsCommand) -> Result<(), String> {
    match command {
        BotsCommand::Create { name, owner, database } => {
            let (settings, store) = database.open()?;
            let owner = match owner {
                Some(owner) => {
                    let found = find(&store, &owner)?;
                    if found.bot {
                        return Err(format!(
                            "--owner {owner:?} is a bot; a bot's owner is a person"
                        ));
                    }
                    Some(found.user_id())
                }
                None => None,
            };
            let created = create_account(&settings, &store, name, true, None, owner)?;
            print_line(&created);
            Ok(())
        }
        BotsCommand::ResetToken { bot, database } => {
            let (store, found) = open_and_find(&database, &bot)?;
            if !found.bot {
                return Err(format!(
                    "{bot:?} is not a bot: a person gets a new token by logging in \
                     (`astral users reset-password` revokes theirs)"
                ));
            }
            let issued = new_token(found.user_id());
            let (_, revoked) = store
                .replace_tokens(found.user_id(), &issued.secret_hash)
                .map_err(|e| not_found_as_deleted(e, &bot))?;
            print_user(
                &found,
                json!({
                    "token": issued.token,
                    "revoked": revoked,
                }),
            );
            Ok(())
        }
    }
}

/// The token `text` names: a token id, or a whole token (any `Authorization` form).
fn named_token(store: &Store, text: &str) -> Result<(TokenId, UserId), String> {
    if text.is_empty() {
        return Err("no token given".to_owned());
    }
    if let Ok(id) = text.parse::<TokenId>() {
        return store
            .token_by_id(id)
            .map_err(store_error)?
            .ok_or_else(|| format!("no token with id {id} (revoked already, or never issued)"));
    }
    let presented = parse_authorization(text).ok_or_else(|| {
        "not a token id (a number) nor a token (`MTU3….….…`): nothing revoked".to_owned()
    })?;
    match store.token_by_secret_hash(&presented.secret_hash).map_err(store_error)? {
        Some((token_id, user_id)) if user_id == presented.user_id => Ok((token_id, user_id)),
        _ => Err("that token does not exist (revoked already, or never issued)".to_owned()),
    }
}

/// The database's store and the user `user` names in it.
fn open_and_find(database: &DatabaseArgs, user: &str) -> Result<(Store, UserRecord), String> {
    let (_, store) = database.open()?;
    let found = find(&store, user)?;
    Ok((store, found))
}

/// The user `user` names (id, username or short id), or a readable refusal.
fn find(store: &Store, user: &str) -> Result<UserRecord, String> {
    let lookup = crate::handlers::users::user_lookup_in_path(user);
    store
        .find_user(lookup)
        .map_err(store_error)?
        .ok_or_else(|| format!("no user {user:?} (by id, username or short id)"))
}

fn deleted_meanwhile(user: &str) -> String {
    format!("user {user:?} was deleted meanwhile")
}

fn not_found_as_deleted(e: StoreError, user: &str) -> String {
    match e {
        StoreError::NotFound => deleted_meanwhile(user),
        other => store_error(other),
    }
}

fn store_error(e: StoreError) -> String {
    e.to_string()
}

/// Finds `user` (id, username or short id) and applies `set` to it; prints the result.
fn set_admin_field(
    store: &Store,
    user: &str,
    set: impl FnOnce(&Store, UserId) -> Result<UserRecord, StoreError>,
) -> Result<(), String> {
    let found = find(store, user)?;
    let updated = set(store, found.user_id()).map_err(|e| not_found_as_deleted(e, user))?;
    print_user(
        &updated,
        json!({
            "sid": updated.sid,
            "badges": updated.badges,
            "is_admin": updated.is_admin,
        }),
    );
    Ok(())
}

/// Prints `user`'s id and username, then `fields` (a JSON object), on one line.
fn print_user(user: &UserRecord, fields: Value) {
    let mut line = json!({"id": user.user_id().to_string(), "username": user.username});
    if let (Some(line), Value::Object(fields)) = (line.as_object_mut(), fields) {
        line.extend(fields);
    }
    print_line(&line);
}

fn print_line(value: &Value) {
    println!("{value}");
}

/// The first line of `input`, without its line ending (a password may contain spaces).
fn read_line(mut input: impl BufRead, what: &str) -> Result<String, String> {
    let mut line = String::new();
    input
        .read_line(&mut line)
        .map_err(|e| format!("cannot read {what} from standard input: {e}"))?;
    let text = line.strip_suffix('\n').unwrap_or(&line);
    let text = text.strip_suffix('\r').unwrap_or(text);
    if text.is_empty() {
        return Err(format!("standard input held no {}", what.trim_start_matches("the ")));
    }
    Ok(text.to_owned())
}

/// Creates an account under `/auth/register`'s rules (username rule, password rule), so the
/// CLI cannot create what the API would refuse; returns `{"id", "username", "token"}` (and
/// `owner_id` for a bot).
fn create_account(
    settings: &Settings,
    store: &Store,
    username: String,
    bot: bool,
    password: Option<String>,
    owner: Option<UserId>,
) -> Result<Value, String> {
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
        .map_err(|errors| format!("invalid account: {errors}"))?;
    let password_hash =
        password.map(|p| hash_password(&p)).transpose().map_err(|e| e.to_string())?;
    let new = NewUser { username, password_hash, email: None, global_name: None, bot };
    let created = if bot { store.create_bot(new, owner) } else { store.create_user(new) };
    let user = created.map_err(|e| match e {
        StoreError::Conflict(field) => format!("{field} is already taken"),
        StoreError::NotFound => "the owner was deleted meanwhile".to_owned(),
        other => store_error(other),
    })?;
    let token = issue_token(store, user.user_id()).map_err(store_error)?;
    let mut line =
        json!({"id": user.user_id().to_string(), "username": user.username, "token": token});
    if bot {
        line["owner_id"] = json!(owner.map(|o| o.to_string()));
    }
    Ok(line)
}

/// Epoch milliseconds as `2026-11-30 14:05:09Z`.
fn time_text(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%SZ").to_string())
        .unwrap_or_else(|_| format!("{ms} ms"))
}

fn created_text(id: UserId) -> String {
    time_text(i64::try_from(id.0.timestamp_ms()).unwrap_or(i64::MAX))
}

fn status_text(account: &AdminUser) -> &'static str {
    if account.suspension.is_some() {
        "suspended"
    } else {
        "active"
    }
}

fn kind_text(user: &UserRecord) -> &'static str {
    if user.bot {
        "bot"
    } else {
        "person"
    }
}

/// One account as one JSON object (`users list|find|show --json`).
fn account_json(account: &AdminUser) -> Value {
    let user = &account.user;
    json!({
        "id": user.user_id().to_string(),
        "username": user.username,
        "global_name": user.global_name,
        "email": user.email,
        "verified": user.verified,
        "sid": user.sid,
        "bot": user.bot,
        "bot_owner_id": account.bot_owner.map(|o| o.to_string()),
        "badges": user.badges,
        "is_admin": user.is_admin,
        "created_at": created_text(user.user_id()),
        "suspended": account.suspension.is_some(),
        "suspended_at": account.suspension.as_ref().map(|s| time_text(s.suspended_at_ms)),
        "suspension_reason": account.suspension.as_ref().and_then(|s| s.reason.clone()),
        "tokens": account.tokens.iter().map(|t| json!({
            "id": t.to_string(),
            "issued_at": time_text(i64::try_from(t.0.timestamp_ms()).unwrap_or(i64::MAX)),
        })).collect::<Vec<_>>(),
    })
}

/// `users list` and `users find`: a table, or one JSON object per line.
fn print_users(accounts: &[AdminUser], json: bool) {
    if json {
        for account in accounts {
            print_line(&account_json(account));
        }
        return;
    }
    let name_width = accounts.iter().map(|a| a.user.username.chars().count()).max().unwrap_or(0);
    let name_width = name_width.max("USERNAME".len());
    println!(
        "{:<20}  {:<name_width$}  {:<5}  {:<6}  {:<9}  {:>6}  CREATED",
        "ID", "USERNAME", "SID", "KIND", "STATUS", "TOKENS"
    );
    for account in accounts {
        let user = &account.user;
        println!(
            "{:<20}  {:<name_width$}  {:<5}  {:<6}  {:<9}  {:>6}  {}",
            user.user_id().to_string(),
            user.username,
            user.sid,
            kind_text(user),
            status_text(account),
            account.tokens.len(),
            created_text(user.user_id()),
        );
    }
}

/// `users show`: one `label: value` line per field, then the tokens.
fn account_text(store: &Store, account: &AdminUser) -> String {
    let user = &account.user;
    let none = || "-".to_owned();
    let owner = account.bot_owner.map(|owner| {
        let name = store
            .user_by_id(owner)
            .ok()
            .flatten()
            .map(|o| o.username)
            .unwrap_or_else(|| "?".to_owned());
        format!("{owner} ({name})")
    });
    let status = match &account.suspension {
        None => "active".to_owned(),
        Some(s) => format!(
            "suspended since {}{}",
            time_text(s.suspended_at_ms),
            s.reason.as_ref().map(|r| format!(" ({r})")).unwrap_or_default()
        ),
    };
    let rows: Vec<(&str, String)> = vec![
        ("id", user.user_id().to_string()),
        ("username", user.username.clone()),
        ("global name", user.global_name.clone().unwrap_or_else(none)),
        (
            "email",
            match &user.email {
                Some(email) => {
                    format!("{email} ({})", if user.verified { "verified" } else { "not verified" })
                }
                None => none(),
            },
        ),
        ("short id", user.sid.clone()),
        ("kind", kind_text(user).to_owned()),
        ("bot owner", owner.unwrap_or_else(none)),
        ("created", created_text(user.user_id())),
        ("badges", user.badges.to_string()),
        ("administrator", if user.is_admin { "yes" } else { "no" }.to_owned()),
        ("status", status),
        ("tokens", account.tokens.len().to_string()),
    ];
    let mut out = String::new();
    for (label, value) in rows {
        out.push_str(&format!("{:<15}{value}\n", format!("{label}:")));
    }
    for token in &account.tokens {
        let issued = time_text(i64::try_from(token.0.timestamp_ms()).unwrap_or(i64::MAX));
        out.push_str(&format!("  {token}  issued {issued}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_line_is_read_without_its_ending() {
        assert_eq!(read_line(&b"correct horse\r\nrest"[..], "x").unwrap(), "correct horse");
        assert_eq!(read_line(&b" spaced  \n"[..], "x").unwrap(), " spaced  ");
        assert_eq!(read_line(&b"no newline"[..], "x").unwrap(), "no newline");
        assert!(read_line(&b"\n"[..], "the password").unwrap_err().contains("no password"));
        assert!(read_line(&b""[..], "x").is_err());
    }

    #[test]
    fn field_errors_read_as_text_not_json() {
        let mut errors = FormErrors::new();
        errors.field("username", "USERNAME_INVALID_CHARACTERS", "Bad characters.");
        errors.field("password", "PASSWORD_TOO_WEAK", "Too weak.");
        let text = errors.to_string();
        assert!(text.contains("username: Bad characters. (USERNAME_INVALID_CHARACTERS)"), "{text}");
        assert!(text.contains("password: Too weak. (PASSWORD_TOO_WEAK)"), "{text}");
        assert!(!text.contains('{'), "{text}");
    }
}
