use actix_web::{post, web, HttpResponse};
use astral_types::auth::{LoginRequest, TokenResponse};
use astral_types::form::FormReader;
use astral_types::{ErrorBody, FormErrors};

use crate::auth::{issue_token, verify_password};
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::state::AppState;

/// Log in with a username or email and a password.
///
/// Each login issues a new token; earlier tokens stay valid until logged out.
#[utoipa::path(
    operation_id = "login",
    tag = "auth",
    request_body(content = LoginRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Logged in.", body = TokenResponse),
        (status = 400, description = "Invalid JSON (50109), missing fields or wrong credentials (50035 `INVALID_LOGIN`).", body = ErrorBody),
        (status = 413, description = "Body over the configured limit (40005).", body = ErrorBody),
        (status = "5XX", description = "Server or database failure.", body = ErrorBody),
    )
)]
#[post("/auth/login")]
pub async fn login(state: web::Data<AppState>, body: JsonBody) -> Result<HttpResponse, ApiError> {
    let mut form = FormReader::new(&body.0).map_err(ApiError::form)?;
    let login = form.required_string("login");
    let password = form.required_string("password");
    form.finish().map_err(ApiError::form)?;
    let (Some(login), Some(password)) = (login, password) else {
        return Err(ApiError::internal("validated fields missing"));
    };

    let account = state.run(move |store| store.user_for_login(&login)).await?;
    let (user, hash) = match account {
        Some((user, hash)) => (Some(user), hash),
        None => (None, None),
    };
    let verified = state
        .password_pool
        .run(move || verify_password(&password, hash.as_deref()))
        .await?;
    let Some(user) = user.filter(|_| verified) else {
        let mut errors = FormErrors::new();
        errors.field("login", "INVALID_LOGIN", "Login or password is invalid.");
        errors.field("password", "INVALID_LOGIN", "Login or password is invalid.");
        return Err(ApiError::form(errors));
    };
    let user_id = user.user_id();
    let token = state.run(move |store| issue_token(store, user_id)).await?;
    Ok(HttpResponse::Ok().json(TokenResponse { token, user_id }))
}
