//! Re-authentication: what a person proves, beyond holding a token, before a sensitive change
//! (docs/accounts.md#re-authentication). One place for every route that needs it.
//!
//! Without two-factor authentication that is the current password. With it on, it is a second
//! factor (Discord's flow): a request without one is answered 401 / 60003 with a ticket; the
//! client finishes the ticket with a code at `POST /mfa/finish`, gets a short-lived token and
//! sends the same request again with it in `X-Discord-MFA-Authorization`. Fluxer's clients
//! send the code inline instead (`mfa_method: "totp"`, `mfa_code`), which is taken too.
//!
//! Failed checks, wrong passwords and wrong codes alike, are charged to the account's
//! failed-login bucket (the one `/auth/login` charges), so a stolen token cannot be used to
//! guess faster than a login can: past the bucket the answer is 429 before anything is checked.
//! A right answer gives its place back. The 60003 answer is a step of the protocol: it is not
//! counted as an invalid request and gives back its rate-limit charge (`crate::ratelimit`).

use astral_store::{AccountSecret, NewSecret, SecretKind};
use astral_types::mfa::MfaChallenge;
use astral_types::{ErrorKind, FormErrors, UserId};

use crate::auth::verify_password;
use crate::error::ApiError;
use crate::handlers::Authed;
use crate::mail;
use crate::mfa::{self, Accepts};
use crate::state::AppState;

/// The field error for a wrong password (Discord's, as Litecord answers it).
pub(crate) const PASSWORD_DOES_NOT_MATCH: &str = "PASSWORD_DOES_NOT_MATCH";

/// The header that carries `POST /mfa/finish`'s token (Discord's name).
pub const MFA_AUTHORIZATION: &str = "x-discord-mfa-authorization";

/// The `X-Discord-MFA-Authorization` header of the operations that may answer 60003, for their
/// annotations.
#[derive(utoipa::IntoParams)]
#[into_params(names("X-Discord-MFA-Authorization"), parameter_in = Header)]
pub struct MfaAuthorizationHeader(
    /// With two-factor authentication on: the token of `POST /mfa/finish`, which answers the
    /// 401 / 60003 this operation gives without a second factor.
    #[allow(dead_code)]
    #[param(nullable = false)]
    Option<String>,
);

/// How long an MFA ticket (60003's, a login's) lives.
pub(crate) const MFA_TICKET_MS: i64 = 5 * 60 * 1000;
/// How long `POST /mfa/finish`'s token is good for (Discord: 5 minutes).
pub(crate) const MFA_AUTHORIZATION_MS: i64 = 5 * 60 * 1000;

/// What a route needs a person to prove.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Needs {
    /// The password; with MFA on, the second factor in its place (a username or email change,
    /// disabling or deleting the account).
    PasswordOrMfa,
    /// The password, and with MFA on the second factor as well (a new password: it replaces
    /// the secret it proves).
    PasswordAndMfa,
    /// With MFA on, the second factor; without, nothing (logging sessions out).
    MfaIfEnabled,
}

/// What the request brought: a `password`, and an inline code (Fluxer's `mfa_code`).
#[derive(Debug, Default)]
pub(crate) struct Proofs {
    pub password: Option<String>,
    pub mfa_code: Option<String>,
}

/// Checks that the caller (a person: a bot is 403 / 20001) proved what `needs` asks
/// (docs/accounts.md#re-authentication). A password sent is always checked. Missing password:
/// 50035 `password` `BASE_TYPE_REQUIRED`; wrong: 50035 `password` `PASSWORD_DOES_NOT_MATCH`;
/// MFA on and no second factor: 401 / 60003 with a ticket; a wrong code: 400 / 60008; too many
/// wrong answers for the account: 429.
pub(crate) async fn reauthenticate(
    cx: &Authed,
    needs: Needs,
    proofs: Proofs,
) -> Result<(), ApiError> {
    let user = cx.users_only()?;
    let Proofs { password, mfa_code } = proofs;
    let password_sent = password.is_some();
    if let Some(password) = password {
        check_password(cx, password).await?;
    }
    let mfa_on = cx.caller.user.mfa_enabled;
    let password_needed = match needs {
        Needs::PasswordAndMfa => true,
        Needs::PasswordOrMfa => !mfa_on,
        Needs::MfaIfEnabled => false,
    };
    if password_needed && !password_sent {
        return Err(ApiError::field("password", "BASE_TYPE_REQUIRED", "This field is required"));
    }
    if !mfa_on {
        return Ok(());
    }
    require_second_factor(&cx.state, user, cx.mfa_authorization.as_deref(), mfa_code).await
}

/// Checks the caller's current `password` alone, whatever their MFA (Discord asks the password
/// for backup codes and enabling TOTP). People only. Errors as [`reauthenticate`]'s.
pub(crate) async fn require_password(
    cx: &Authed,
    password: Option<String>,
) -> Result<(), ApiError> {
    cx.users_only()?;
    let Some(password) = password else {
        return Err(ApiError::field("password", "BASE_TYPE_REQUIRED", "This field is required"));
    };
    check_password(cx, password).await
}

/// Checks a second factor for `user` (MFA on): the `X-Discord-MFA-Authorization` token, else
/// an inline code (TOTP or backup), else 401 / 60003 with a fresh ticket.
pub(crate) async fn require_second_factor(
    state: &AppState,
    user: UserId,
    authorization: Option<&str>,
    code: Option<String>,
) -> Result<(), ApiError> {
    if let Some(token) = authorization {
        let (hash, now_ms) =
            (mail::secret_hash(SecretKind::MfaAuthorization, token), state.now_ms());
        let owner = state
            .run(move |store| store.live_secret(SecretKind::MfaAuthorization, &hash, now_ms))
            .await?
            .map(|secret| secret.user());
        if owner == Some(user) {
            return Ok(());
        }
        // A stale or foreign token proves nothing: ask again, as for none.
    }
    match code {
        Some(code) => check_code(state, user, &code, Accepts::TotpOrBackup).await,
        None => Err(mfa_required(state, user).await?),
    }
}

/// The 401 / 60003 answer with a fresh ticket for `POST /mfa/finish`.
pub(crate) async fn mfa_required(state: &AppState, user: UserId) -> Result<ApiError, ApiError> {
    let ticket = issue_ticket(state, user, SecretKind::MfaTicket, None).await?;
    Ok(ApiError::new(ErrorKind::MfaRequired(MfaChallenge::totp(ticket))))
}

/// Issues a ticket of `kind` for `user` (replacing their earlier one of that kind), valid 5
/// minutes, with `detail` (a login's `undelete`) recorded on it.
pub(crate) async fn issue_ticket(
    state: &AppState,
    user: UserId,
    kind: SecretKind,
    detail: Option<&'static str>,
) -> Result<String, ApiError> {
    let ticket = mail::new_secret();
    let hash = mail::secret_hash(kind, &ticket);
    let expires_ms = state.now_ms().saturating_add(MFA_TICKET_MS);
    state
        .run(move |store| {
            let new = NewSecret { kind, secret_hash: &hash, detail, expires_ms };
            store.issue_account_secret(user, new)
        })
        .await?;
    Ok(ticket)
}

/// Checks a ticket of `kind` (and, when `caller` is given, that it is theirs) and a code of its
/// user, and uses the ticket up: an unknown, expired, used or another account's ticket →
/// 400 / 60006; a wrong code → 400 / 60008, counted on the ticket (the fifth
/// wrong one deletes it) and on the account's failed-login bucket (`reauth::check_code`; past
/// it, 429). Answers the ticket as it was.
pub(crate) async fn redeem_ticket(
    state: &AppState,
    kind: SecretKind,
    caller: Option<UserId>,
    ticket: &str,
    code: &str,
    accepts: Accepts,
) -> Result<AccountSecret, ApiError> {
    let invalid_ticket = || ApiError::new(ErrorKind::InvalidMfaTicket);
    let hash = mail::secret_hash(kind, ticket);
    let (peeked, now_ms) = (hash.clone(), state.now_ms());
    let live = state.run(move |store| store.live_secret(kind, &peeked, now_ms)).await?;
    let Some(secret) = live.filter(|s| caller.is_none_or(|caller| s.user() == caller)) else {
        return Err(invalid_ticket());
    };
    let user = secret.user();
    match check_code(state, user, code, accepts).await {
        Ok(()) => {}
        Err(e) if matches!(e.kind, ErrorKind::InvalidMfaCode) => {
            let id = secret.id;
            state.run(move |store| store.count_wrong_code(id)).await?;
            return Err(e);
        }
        // Two-factor authentication was turned off since the ticket was issued: the ticket
        // proves nothing any more.
        Err(e) if matches!(e.kind, ErrorKind::MfaNotEnabled) => {
            let now_ms = state.now_ms();
            state.run(move |store| store.use_secret(kind, &hash, now_ms)).await?;
            return Err(invalid_ticket());
        }
        Err(e) => return Err(e),
    }
    // Used up now; of two requests that both had a right code, one gets here first.
    let now_ms = state.now_ms();
    match state.run(move |store| store.use_secret(kind, &hash, now_ms)).await? {
        Some(owner) if owner == user => Ok(secret),
        _ => Err(invalid_ticket()),
    }
}

/// Checks (and uses up) a second-factor `code` of `user`, charged to the account's
/// failed-login bucket: wrong → 400 / 60008; too many wrong → 429; MFA off → 60002.
pub(crate) async fn check_code(
    state: &AppState,
    user: UserId,
    code: &str,
    accepts: Accepts,
) -> Result<(), ApiError> {
    let attempt = begin_attempt(state, user).await?;
    match mfa::use_code(state, user, code, accepts).await? {
        Some(_) => {
            succeeded(state, attempt).await;
            Ok(())
        }
        None => Err(ApiError::new(ErrorKind::InvalidMfaCode)),
    }
}

/// Admits one check of a password or code for `user` against the account's failed-login
/// bucket (refused: 429), holding its place until it is known to have succeeded.
async fn begin_attempt(
    state: &AppState,
    user: UserId,
) -> Result<Option<astral_ratelimit::LoginAttempt>, ApiError> {
    let Some(limiter) = &state.limiter else { return Ok(None) };
    // The same account key login uses, so every kind of guess fills one bucket.
    let (check, reserved) = limiter.begin_reauth(&format!("id:{user}")).await;
    if let Some(refusal) = &check.refusal {
        return Err(ApiError::rate_limited(refusal, &check));
    }
    Ok(reserved)
}

async fn succeeded(state: &AppState, attempt: Option<astral_ratelimit::LoginAttempt>) {
    if let (Some(limiter), Some(attempt)) = (&state.limiter, attempt) {
        limiter.login_succeeded(attempt).await;
    }
}

/// The current password of the caller, checked on the password pool.
async fn check_password(cx: &Authed, password: String) -> Result<(), ApiError> {
    let user_id = cx.me();
    let attempt = begin_attempt(&cx.state, user_id).await?;
    // The hash is read now (not from the token lookup, which never reads it), so a password
    // changed a moment ago is the one checked.
    let hash = cx.state.run(move |store| store.password_hash(user_id)).await?;
    let verified =
        cx.state.password_pool.run(move || verify_password(&password, hash.as_deref())).await?;
    if !verified {
        let mut errors = FormErrors::new();
        errors.field("password", PASSWORD_DOES_NOT_MATCH, "Password does not match.");
        return Err(ApiError::form(errors));
    }
    succeeded(&cx.state, attempt).await;
    Ok(())
}
