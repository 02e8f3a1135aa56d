use actix_web::post;

use crate::auth::Caller;
use crate::handlers::{no_content, Reply, State};

/// Log out: revoke the token this request was made with.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 204, description = "The token is revoked; using it again answers 401."),
    )
)]
#[post("/auth/logout")]
pub async fn logout(state: State, caller: Caller) -> Reply {
    let token_id = caller.token_id;
    state.run(move |store| store.revoke_token(token_id)).await?;
    no_content()
}
