use actix_web::post;
use astral_types::session::LogoutSessionsRequest;

use super::token_of_id_hash;
use crate::body::{InvalidBody, JsonBody};
use crate::error::ApiError;
use crate::handlers::relationships::{BotsRefused, Done};
use crate::handlers::{no_content, Authed, Reply};
use crate::reauth::{self, Needs, Proofs};

/// Log out sessions of the current user.
///
/// Ends the caller's sessions named by `session_id_hashes` (1–64 `id_hash`es from
/// `GET /auth/sessions`; the current session may be among them). A hash that names no session
/// of the caller's (another user's, an unknown one) is ignored. People only: bots get
/// 403 / 20001.
#[utoipa::path(
    tag = "auth",
    request_body(content = LogoutSessionsRequest, content_type = "application/json"),
    params(crate::reauth::MfaAuthorizationHeader),
    responses(
        Done,
        InvalidBody,
        BotsRefused,
    )
)]
#[post("/auth/sessions/logout")]
pub async fn logout_auth_sessions(cx: Authed, body: JsonBody) -> Reply {
    let me = cx.users_only()?;
    let LogoutSessionsRequest { session_id_hashes } =
        LogoutSessionsRequest::read(&body.0).map_err(ApiError::form)?;
    // issue 16 C: with two-factor authentication on, a second factor (Discord marks it `mfa`).
    reauth::reauthenticate(&cx, Needs::MfaIfEnabled, Proofs::default()).await?;
    let ids: Vec<_> = session_id_hashes.iter().filter_map(|h| token_of_id_hash(h)).collect();
    cx.state.run(move |store| store.end_sessions(me, &ids)).await?;
    no_content()
}
