use actix_web::{post, web, HttpResponse};

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// Log out: revoke the token this request was made with.
#[utoipa::path(
    operation_id = "logout",
    tag = "auth",
    responses(
        (status = 204, description = "The token is revoked; using it again answers 401."),
    )
)]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let token_id = caller.token_id;
    state.run(move |store| store.revoke_token(token_id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
