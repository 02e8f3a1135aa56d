use actix_web::post;
use actix_web::web::Json;
use astral_types::mfa::{BackupCodesRequest, BackupCodesResponse};
use astral_types::ErrorBody;

use crate::body::JsonBody;
use crate::error::{ApiError, ErrorKind};
use crate::handlers::mfa::{fresh_codes, refused, wire_codes};
use crate::handlers::relationships::BotsRefused;
use crate::handlers::{Authed, Reply};
use crate::mfa;
use crate::reauth;

/// View the backup codes, or replace them (`regenerate: true`).
///
/// Discord's route, with one difference: Discord proves the request with a `key` it mails to
/// the account (and a `nonce`); Astral takes the current `password` instead (50035
/// `BASE_TYPE_REQUIRED` / `PASSWORD_DOES_NOT_MATCH`; `key` and `nonce` are ignored). Not
/// enabled: 400 / 60002. Regenerating replaces all ten codes: the old ones stop working.
/// People only: bots get 403 / 20001.
#[utoipa::path(
    tag = "users",
    request_body(content = BackupCodesRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The account's ten backup codes.", body = BackupCodesResponse),
        (status = 400, description = "Invalid JSON (50109), invalid fields or a missing or wrong password (50035), not enabled (60002).", body = ErrorBody),
        BotsRefused,
    )
)]
#[post("/users/@me/mfa/codes-verification")]
pub async fn get_backup_codes(cx: Authed, body: JsonBody) -> Reply<Json<BackupCodesResponse>> {
    let me = cx.users_only()?;
    let BackupCodesRequest { password, regenerate, .. } =
        BackupCodesRequest::read(&body.0).map_err(ApiError::form)?;
    reauth::require_password(&cx, password).await?;
    if !cx.caller.user.mfa_enabled {
        return Err(ApiError::new(ErrorKind::MfaNotEnabled));
    }
    let key = mfa::key(&cx.state)?.clone();
    if regenerate == Some(true) {
        let codes = mfa::new_backup_codes();
        let sealed = mfa::seal_backup_codes(&key, me, &codes);
        cx.state.decide(move |store| store.replace_backup_codes(me, &sealed), refused).await?;
        return Ok(Json(BackupCodesResponse { backup_codes: fresh_codes(me, &codes) }));
    }
    let stored = cx.state.run(move |store| store.backup_codes(me)).await?;
    if stored.is_empty() {
        // Turned off since the token was looked up.
        return Err(ApiError::new(ErrorKind::MfaNotEnabled));
    }
    let codes = mfa::open_backup_codes(&key, me, stored)?;
    Ok(Json(BackupCodesResponse { backup_codes: wire_codes(me, codes) }))
}
