use actix_web::{post, HttpRequest, HttpResponse};
use astral_store::{NewUser, StoreError, UniqueField};
use astral_types::auth::{RegisterRequest, TokenResponse};
use astral_types::ErrorBody;

use crate::auth::{hash_password, new_token};
use crate::body::JsonBody;
use crate::error::ApiError;
use crate::handlers::{Reply, State};

/// Create an account.
///
/// Returns a token for the new account (shown once; only its hash is stored). With an `email`,
/// a verification token is mailed to it (`POST /auth/verify`).
#[utoipa::path(
    tag = "auth",
    request_body(content = RegisterRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "Account created.", body = TokenResponse,
            links(
                ("get_user" = (operation_id = "get_user", parameters(("user_id" = "$response.body#/user_id")))),
                ("get_user_profile" = (operation_id = "get_user_profile", parameters(("user_id" = "$response.body#/user_id")))),
                ("create_relationship" = (operation_id = "create_relationship", parameters(("user_id" = "$response.body#/user_id"))))
            )
        ),
        (status = 400, description = "Invalid JSON (50109) or invalid fields (50035), e.g. `USERNAME_ALREADY_TAKEN`, or `PASSWORD_TOO_WEAK` for a common or guessable password or one equal to the username or email.", body = ErrorBody),
    ),
    security()
)]
#[post("/auth/register")]
pub async fn register(state: State, req: HttpRequest, body: JsonBody) -> Reply {
    let draft = RegisterRequest::read(&body.0).map_err(ApiError::form)?;
    // The strength estimate costs milliseconds of CPU: on the password pool.
    let refusal = match draft.password_check() {
        Some(check) => state.password_pool.run(check).await?,
        None => None,
    };
    let RegisterRequest { username, password, email, global_name } =
        draft.finish(&state.username_rule, refusal).map_err(ApiError::form)?;

    let password_hash = state.password_pool.run(move || hash_password(&password)).await??;
    let new_user =
        NewUser { username, password_hash: Some(password_hash), email, global_name, bot: false };
    // issue 16 C-l: the token is a session like a login's, recorded with its client.
    let client = super::lifecycle::request_client(&req);
    let now_ms = state.now_ms();
    let created = state
        .db(move |store| {
            let user = store.create_user(new_user)?;
            let issued = new_token(user.user_id());
            let session =
                store.create_session(user.user_id(), &issued.secret_hash, client, now_ms)?;
            Ok((user, issued.token, session))
        })
        .await?;
    match created {
        // A new account is neither disabled nor deleting: a refusal here would be a bug.
        Ok((_, _, Err(refusal))) => {
            Err(ApiError::internal(format!("a new account was refused a session: {refusal:?}")))
        }
        Ok((user, token, Ok(_))) => {
            let user_id = user.user_id();
            // issue 16 B: an address given at registration gets its verification mail, after
            // the commit and off the answer's path.
            if user.email.is_some() {
                let state = state.clone();
                actix_web::rt::spawn(async move {
                    crate::mail::mail_verification_quietly(&state, user_id).await;
                });
            }
            Ok(HttpResponse::Created().json(TokenResponse { token, user_id }))
        }
        Err(StoreError::Conflict(field)) => Err(conflict(field)),
        Err(e) => Err(e.into()),
    }
}

/// The 50035 for a unique column that is already taken.
pub(crate) fn conflict(field: UniqueField) -> ApiError {
    match field {
        UniqueField::Email => {
            ApiError::field("email", "EMAIL_ALREADY_REGISTERED", "Email is already registered.")
        }
        // The store retries short ids itself; one here would be a bug.
        UniqueField::ShortId => ApiError::internal("a short-id collision escaped the store"),
        UniqueField::Username | UniqueField::Other => ApiError::field(
            "username",
            "USERNAME_ALREADY_TAKEN",
            "Username is unavailable. Try adding numbers, letters, underscores _ , or periods.",
        ),
        // Member keys are the members' handlers' (`handlers::members`); a user write cannot
        // meet them.
        UniqueField::MemberName | UniqueField::MemberSid => {
            ApiError::internal(format!("a user write collided on a {field}"))
        }
    }
}
