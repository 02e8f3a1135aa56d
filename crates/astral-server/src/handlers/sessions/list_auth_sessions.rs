use actix_web::{get, web::Json};
use astral_types::session::{AuthSessionList, SESSIONS_LISTED};

use crate::handlers::relationships::BotsRefused;
use crate::handlers::{Authed, Reply};
use crate::wire;

/// List the current user's sessions.
///
/// Each session is a token of the caller's: at most 50, the most recently used first, each with
/// an opaque `id_hash` (for `POST /auth/sessions/logout`), when it was last used (written at
/// most once every 5 minutes) and the client that logged in (`location` is always `null`).
/// People only: bots get 403 / 20001.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, description = "The caller's sessions.", body = AuthSessionList),
        BotsRefused,
    )
)]
#[get("/auth/sessions")]
pub async fn list_auth_sessions(cx: Authed) -> Reply<Json<AuthSessionList>> {
    let me = cx.users_only()?;
    let sessions = cx.state.run(move |store| store.sessions(me, SESSIONS_LISTED)).await?;
    Ok(Json(wire::auth_sessions(&sessions)))
}
