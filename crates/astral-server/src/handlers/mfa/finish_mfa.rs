use actix_web::{post, web::Json};
use astral_store::{NewSecret, SecretKind};
use astral_types::mfa::{FinishMfaRequest, FinishMfaResponse, BACKUP};

use crate::body::{InvalidBody, JsonBody};
use crate::error::ApiError;
use crate::handlers::relationships::BotsRefused;
use crate::handlers::{Authed, Reply};
use crate::mail;
use crate::mfa::Accepts;
use crate::reauth::{self, MFA_AUTHORIZATION_MS};

/// Finish an MFA-required answer.
///
/// A sensitive request by an account with two-factor authentication on, sent without a second
/// factor, is answered 401 / 60003 with `mfa.ticket`. This call finishes that ticket with a
/// code (`mfa_type` `totp`: a TOTP code or a backup code; `backup`: a backup code) and answers
/// a token: send it as `X-Discord-MFA-Authorization` with the refused request (and any other
/// sensitive request) within 5 minutes. A ticket is the caller's own and single use; a wrong
/// code is 400 / 60008 and the fifth wrong one ends the ticket (400 / 60006 from then on).
/// Wrong codes also fill the account's failed-login bucket (429 past it). People only.
#[utoipa::path(
    tag = "auth",
    request_body(content = FinishMfaRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The MFA authorization token, good for 5 minutes.", body = FinishMfaResponse),
        InvalidBody,
        BotsRefused,
    )
)]
#[post("/mfa/finish")]
pub async fn finish_mfa(cx: Authed, body: JsonBody) -> Reply<Json<FinishMfaResponse>> {
    let me = cx.users_only()?;
    let FinishMfaRequest { ticket, mfa_type, data } =
        FinishMfaRequest::read(&body.0).map_err(ApiError::form)?;
    let accepts = if mfa_type == BACKUP { Accepts::Backup } else { Accepts::TotpOrBackup };
    // The caller's own ticket only; used up, and of two finishes racing on it one gets the token.
    reauth::redeem_ticket(&cx.state, SecretKind::MfaTicket, Some(me), &ticket, &data, accepts)
        .await?;
    let now_ms = cx.state.now_ms();
    let token = format!("mfa.{}", mail::new_secret());
    let token_hash = mail::secret_hash(SecretKind::MfaAuthorization, &token);
    let expires_ms = now_ms.saturating_add(MFA_AUTHORIZATION_MS);
    cx.state
        .run(move |store| {
            let new = NewSecret {
                kind: SecretKind::MfaAuthorization,
                secret_hash: &token_hash,
                detail: None,
                expires_ms,
            };
            store.issue_account_secret(me, new)
        })
        .await?;
    Ok(Json(FinishMfaResponse { token }))
}
