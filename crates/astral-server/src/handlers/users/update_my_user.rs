use actix_web::{patch, web, web::Json};
use astral_store::{StoreError, UserChanges};
use astral_types::form::{Field, FormReader};
use astral_types::user::{PrivateUser, UpdateMyUserRequest};
use astral_types::ErrorBody;

use crate::auth::Caller;
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::handlers::auth::register::conflict;
use crate::handlers::validate;
use crate::state::AppState;
use crate::wire;

/// Modify the current user.
///
/// Absent fields are left unchanged; `null` clears a nullable field (`global_name`). Unknown
/// fields are ignored. Returns the updated user.
#[utoipa::path(
    operation_id = "update_my_user",
    tag = "users",
    request_body(content = UpdateMyUserRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The updated user.", body = PrivateUser),
        (status = 400, description = "Invalid JSON (50109) or invalid fields (50035).", body = ErrorBody),
        (status = 401, description = "Missing, invalid or revoked token.", body = ErrorBody),
        (status = 413, description = "Body over the configured limit (40005).", body = ErrorBody),
        (status = "5XX", description = "Server or database failure.", body = ErrorBody),
    ),
    security(("BotToken" = []), ("BearerToken" = []), ("UserToken" = []))
)]
#[patch("/users/@me")]
pub async fn update_my_user(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody,
) -> Result<Json<PrivateUser>, ApiError> {
    let mut form = FormReader::new(&body.0).map_err(ApiError::form)?;
    let username = form.optional_string("username");
    let global_name = form.string("global_name");
    let locale = form.optional_string("locale");
    let errors = form.errors();
    let changes = UserChanges {
        username: username.and_then(|v| validate::username(errors, &state.username_rule, v)),
        global_name: match global_name {
            Field::Absent => None,
            Field::Null => Some(None),
            Field::Value(v) => validate::global_name(errors, v).map(Some),
        },
        locale: locale.and_then(|v| validate::locale(errors, v)),
    };
    form.finish().map_err(ApiError::form)?;

    let user_id = caller.id();
    match state
        .db(move |store| store.update_user(user_id, changes))
        .await?
    {
        Ok(user) => Ok(Json(wire::private_user(&user))),
        Err(StoreError::Conflict(field)) => Err(conflict(field)),
        // The account was deleted between authentication and the update.
        Err(StoreError::NotFound) => Err(ApiError::unauthorized()),
        Err(e) => Err(e.into()),
    }
}
