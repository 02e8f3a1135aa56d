use actix_web::{patch, web::Json, HttpRequest};
use astral_media::{decode_upload, Upload};
use astral_store::{PasswordChange, StoreError, UserChanges, UserUpdateRefusal};
use astral_types::form::Field;
use astral_types::password;
use astral_types::user::{
    PrivateUserWithProfile, SensitiveUpdate, UpdateMyUserRequest, UserUpdate,
};
use astral_types::{ErrorBody, ErrorKind};

use crate::auth::{hash_password, new_token};
use crate::body::{ImageJsonBody, InvalidBody};
use crate::error::ApiError;
use crate::handlers::auth::register::conflict;
use crate::handlers::images::image_error;
use crate::handlers::{Authed, Reply};
use crate::reauth::{Needs, Proofs};
use crate::{reauth, wire};

/// Modify the current user.
///
/// Absent fields are left unchanged; `null` clears a nullable field (`global_name`, `avatar`,
/// `banner`, `bio`, `member_title`, `timezone`). The pronouns.cc profile fields, their limits
/// and the aliases `name`, `display_name`, `pronouns` and `flags` (both as arrays) are
/// described in the request schema; a `status` naming none of the caller's custom preferences
/// (those in effect after the change) is a field error at its path, and so is a `pride_flags`
/// id that is not one of the caller's flags or is listed twice. `avatar` and `banner` take a PNG, JPEG,
/// GIF or WebP image as a data URI (`data:image/png;base64,…`) or raw base64, at most 10 MiB
/// and 4096×4096 pixels; the user object then carries its hash; an animated GIF's frames ×
/// width × height may be at most 2^26. Unknown fields are ignored. Nothing is changed unless
/// every field is valid. Returns the updated user; 503 (with `Retry-After`) when the image
/// workers stay busy.
///
/// Account fields (docs/accounts.md): a person changing `username` (or `name`),
/// `discriminator`, `email` or the password (`new_password`) sends the current `password`
/// (missing: 50035 `BASE_TYPE_REQUIRED`; wrong: 50035 `PASSWORD_DOES_NOT_MATCH`; too many wrong
/// ones for the account: 429); a value equal to the stored one is no change and needs none.
/// Bots change `username`, `discriminator` and images without a password and are refused `email`
/// and `new_password` (403 / 20001). A new password revokes every token of the account: the
/// answer carries the one new `token`. With two-factor authentication on, the second factor
/// takes the password's place (a new password needs both): without one the answer is
/// 401 / 60003 with a ticket for `POST /mfa/finish`, whose token goes in
/// `X-Discord-MFA-Authorization`; Fluxer's inline `mfa_method: "totp"` + `mfa_code` work too.
/// `mfa_method` `sms`/`webauthn` and `webauthn_*` are 50035 `MFA_METHOD_NOT_SUPPORTED`.
#[utoipa::path(
    tag = "users",
    request_body(content = UpdateMyUserRequest, content_type = "application/json"),
    params(crate::reauth::MfaAuthorizationHeader),
    responses(
        (status = 200, description = "The updated user.", body = PrivateUserWithProfile),
        InvalidBody,
        (status = 403, description = "A bot sent `email` or `new_password` (20001).", body = ErrorBody),
    )
)]
#[patch("/users/@me")]
pub async fn update_my_user(
    cx: Authed,
    req: HttpRequest,
    body: ImageJsonBody,
) -> Reply<Json<PrivateUserWithProfile>> {
    let mut draft = UpdateMyUserRequest::read(&body.0).map_err(ApiError::form)?;
    let avatar = std::mem::take(&mut draft.avatar);
    let banner = std::mem::take(&mut draft.banner);

    // Images are decoded (CPU-heavy) on the image workers, never the database's threads; busy
    // workers answer 503. A value equal to the current hash is a no-op, as the Astral seed's
    // PATCH example sends the hash back.
    let current = (cx.caller.user.avatar.clone(), cx.caller.user.banner.clone());
    let (avatar, banner) = cx
        .state
        .images
        .decode(move || (read_image(avatar, current.0), read_image(banner, current.1)))
        .await
        .map_err(image_error)?;

    let errors = draft.errors();
    let mut uploads = Vec::new();
    let mut image_change = |name: &str, outcome: ImageField| match outcome {
        ImageField::Unchanged => None,
        ImageField::Clear => Some(None),
        ImageField::Upload(upload) => {
            let hash = upload.hash.clone();
            uploads.push(upload);
            Some(Some(hash))
        }
        ImageField::Invalid(message) => {
            errors.field(name, "IMAGE_INVALID", message);
            None
        }
    };
    // Discord's and Fluxer's `avatar_color`: the new avatar's mean colour, stored with it.
    let avatar_color = match &avatar {
        ImageField::Unchanged | ImageField::Invalid(_) => None,
        ImageField::Clear => Some(None),
        ImageField::Upload(upload) => Some(upload.mean_color.and_then(|c| i32::try_from(c).ok())),
    };
    let avatar = image_change("avatar", avatar);
    let banner = image_change("banner", banner);
    // Every field error at once: a refused image is recorded above, the rest are checked here.
    let update = draft.finish(&cx.state.username_rule).map_err(ApiError::form)?;
    let UserUpdate { username, global_name, locale, profile, account, sensitive } = update;
    let Authorized { email, email_token, password } =
        authorize_sensitive(&cx, &req, username.as_deref(), &account, sensitive).await?;
    let email_changed = email.is_some();
    let (password, token) = match password {
        Some((change, token)) => (Some(change), Some(token)),
        None => (None, None),
    };
    let changes = UserChanges {
        username,
        global_name,
        locale,
        avatar,
        banner,
        profile,
        account,
        email,
        password,
        email_token,
        avatar_color,
    };

    // Stored before the user row points at them. Content-addressed: should the update below
    // fail, an unreferenced file is harmless, and a retry finds it in place.
    if !uploads.is_empty() {
        let originals = uploads.into_iter().map(|u| (u.hash, u.bytes)).collect();
        cx.state.images.store_originals(originals).await.map_err(image_error)?;
    }

    let user_id = cx.me();
    match cx.state.db(move |store| store.update_user(user_id, changes)).await? {
        Ok(Ok(user)) => {
            // A new address gets its verification mail, after the commit and off the answer's
            // path (docs/accounts.md#email).
            if email_changed {
                let state = cx.state.clone();
                actix_web::rt::spawn(async move {
                    crate::mail::mail_verification_quietly(&state, user_id).await;
                });
            }
            Ok(Json(match token {
                Some(token) => wire::private_user_with_token(&user, token),
                None => wire::private_user_with_profile(&user),
            }))
        }
        Ok(Err(UserUpdateRefusal::FieldErrors(errors))) => Err(ApiError::form(errors)),
        Err(StoreError::Conflict(field)) => Err(conflict(field)),
        // The account was deleted between authentication and the update.
        Err(StoreError::NotFound) => Err(ApiError::unauthorized()),
        Err(e) => Err(e.into()),
    }
}

/// What an `avatar` / `banner` field asks for.
enum ImageField {
    Unchanged,
    Clear,
    Upload(Upload),
    Invalid(String),
}

fn read_image(field: Field<String>, current: Option<String>) -> ImageField {
    match field {
        Field::Absent => ImageField::Unchanged,
        Field::Null => ImageField::Clear,
        Field::Value(v) if current.as_deref() == Some(v.as_str()) => ImageField::Unchanged,
        Field::Value(v) => match decode_upload(&v) {
            Ok(upload) => ImageField::Upload(upload),
            Err(e) => ImageField::Invalid(e.0),
        },
    }
}

// issue 16 A: re-authentication, email and password.

/// What a sensitive change is allowed to write: the new email (with the `email_token` to use
/// up when it replaces a verified one), and the new password ready to store with the token it
/// leaves valid.
struct Authorized {
    email: Option<String>,
    email_token: Option<(String, i64)>,
    password: Option<(PasswordChange, String)>,
}

/// Decides whether the caller may make the sensitive part of the change
/// (docs/accounts.md#re-authentication) and prepares it. A field equal to the stored value is
/// no change. People send their current password for a changed username or discriminator, an
/// email or a new password (and any password sent is checked); bots need none for their
/// username and are refused `email` and `new_password`.
async fn authorize_sensitive(
    cx: &Authed,
    req: &HttpRequest,
    username: Option<&str>,
    account: &astral_types::user::AccountUpdate,
    sensitive: SensitiveUpdate,
) -> Result<Authorized, ApiError> {
    let me = &cx.caller.user;
    let SensitiveUpdate { password, new_password, email, email_token, mfa_code } = sensitive;
    let renames = username.is_some_and(|u| u != me.username)
        || account.discriminator.as_ref().is_some_and(|d| *d != me.discriminator);
    // A code from an account without two-factor authentication proves nothing: said, not
    // ignored.
    if mfa_code.is_some() && !me.mfa_enabled {
        return Err(ApiError::new(ErrorKind::MfaNotEnabled));
    }
    let email = email.filter(|e| me.email.as_deref() != Some(e.as_str()));
    let account_change = email.is_some() || new_password.is_some();
    if me.bot {
        if account_change {
            return Err(ApiError::new(ErrorKind::BotsCannotUse));
        }
    } else if renames || account_change {
        // A new password needs the current one even with MFA on: it replaces what it proves.
        let needs =
            if new_password.is_some() { Needs::PasswordAndMfa } else { Needs::PasswordOrMfa };
        reauth::reauthenticate(cx, needs, Proofs { password, mfa_code }).await?;
    } else if password.is_some() {
        // A password sent with no change that needs it is checked all the same.
        reauth::require_password(cx, password).await?;
    }
    let email_token = match &email {
        Some(_) if me.email.is_some() && me.verified => Some(email_token_use(cx, email_token)?),
        _ => None,
    };
    let Some(new_password) = new_password else {
        return Ok(Authorized { email, email_token, password: None });
    };
    // The rule knows the account as it will be: its new username and email, if changed.
    let known_username = username.unwrap_or(&me.username).to_owned();
    let known_email = email.clone().or_else(|| me.email.clone());
    let password_hash = cx
        .state
        .password_pool
        .run(move || {
            let account = password::Account {
                username: Some(&known_username),
                email: known_email.as_deref(),
            };
            match password::refusal(&new_password, account) {
                Some(refusal) => {
                    Err(ApiError::field("new_password", refusal.code, &refusal.message))
                }
                None => hash_password(&new_password),
            }
        })
        .await??;
    let issued = new_token(cx.me());
    let change = PasswordChange {
        password_hash,
        now_ms: cx.state.now_ms(),
        token_secret_hash: issued.secret_hash,
        // issue 16 C-l: the new token is a session of the client that asked.
        client: crate::handlers::auth::lifecycle::request_client(req),
    };
    Ok(Authorized { email, email_token, password: Some((change, issued.token)) })
}

/// The `email_token` a change of a verified email needs (`PUT /users/@me/email` mails a code
/// to the current address, `POST /users/@me/email/verify-code` turns it into this token): its
/// hash, as `account_secrets` stores it, with the time now. The store uses it up in the
/// update's transaction (`TOKEN_INVALID` on `email_token` when unknown, used or expired).
fn email_token_use(cx: &Authed, email_token: Option<String>) -> Result<(String, i64), ApiError> {
    match email_token {
        Some(token) => Ok((crate::mail::email_token_hash(&token), cx.state.now_ms())),
        None => Err(ApiError::field(
            "email_token",
            "BASE_TYPE_REQUIRED",
            "Changing a verified email needs the `email_token` from POST /users/@me/email/verify-code.",
        )),
    }
}
