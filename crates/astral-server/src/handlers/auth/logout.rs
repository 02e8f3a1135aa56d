use actix_web::post;

use crate::handlers::{no_content, Authed, Reply};

/// Log out: revoke the token this request was made with.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 204, description = "The token is revoked; using it again answers 401."),
    )
)]
#[post("/auth/logout")]
pub async fn logout(cx: Authed) -> Reply {
    let token_id = cx.caller.token_id;
    cx.state.run(move |store| store.revoke_token(token_id)).await?;
    no_content()
}
