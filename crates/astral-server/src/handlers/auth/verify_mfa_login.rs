//! issue 16 C-l: finishing a login with a second factor, and the tickets that carry a login or
//! a reset from the password (or the mailed token) to the code
//! (docs/accounts.md#logging-in-with-two-factor-authentication).

use actix_web::{post, web::Json, HttpRequest};
use astral_store::SecretKind;
use astral_types::auth::{TokenResponse, VerifyMfaLoginRequest};
use astral_types::user::MFA_METHOD_NOT_SUPPORTED;
use astral_types::{ErrorBody, ErrorKind, FormErrors};

use crate::body::JsonBody;
use crate::error::ApiError;
use crate::handlers::{Reply, State};
use crate::mfa::Accepts;
use crate::reauth;

/// The `detail` of a login ticket whose login sent `undelete: true`: the account is restored
/// when the second factor checks out, not before.
pub(crate) const UNDELETE: &str = "undelete";

/// Finish a login with a second factor.
///
/// Finishes a login that answered `mfa: true`: the login's `ticket` and a `code`. `totp` takes
/// a TOTP code or a backup code, `backup` a backup code only; `sms` and `webauthn` are not
/// offered by this server (400, 50035 `MFA_METHOD_NOT_SUPPORTED` on the request). A TOTP code
/// is good once; a backup code is used up. A right code uses the ticket up and issues a
/// session token.
///
/// Wrong codes are counted on the ticket (the fifth ends it) and on the account's failed-login
/// bucket; the request is charged to the address's unauthenticated bucket like
/// `POST /auth/login`.
#[utoipa::path(
    tag = "auth",
    params(AuthenticatorTypeParam),
    request_body(content = VerifyMfaLoginRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "Logged in.", body = TokenResponse),
        (status = 400, description = "Invalid JSON (50109); missing fields (50035); `sms` or `webauthn` (50035 `MFA_METHOD_NOT_SUPPORTED`); an unknown, used or expired ticket (60006); a wrong or reused code (60008); the account is disabled (20013) or scheduled for deletion (20011) meanwhile.", body = ErrorBody),
        (status = 403, description = "The account is suspended by an administrator (20013).", body = ErrorBody),
        (status = 404, description = "Not one of `totp`, `backup`, `sms`, `webauthn` (0).", body = ErrorBody),
    ),
    security()
)]
#[post("/auth/mfa/{authenticator_type}")]
pub async fn verify_mfa_login(
    state: State,
    req: HttpRequest,
    body: JsonBody,
) -> Reply<Json<TokenResponse>> {
    // Read from the request rather than through `web::Path`, whose own (enum-less) parameter
    // would replace `AuthenticatorTypeParam` in the generated document.
    let accepts = match req.match_info().get("authenticator_type").unwrap_or_default() {
        astral_types::mfa::TOTP => Accepts::TotpOrBackup,
        astral_types::mfa::BACKUP => Accepts::Backup,
        // Discord's other two: named, and not offered here (request-level, as the path is).
        "sms" | "webauthn" => return Err(method_not_supported()),
        _ => return Err(ApiError::new(ErrorKind::RouteNotFound)),
    };
    let VerifyMfaLoginRequest { ticket, code } =
        VerifyMfaLoginRequest::read(&body.0).map_err(ApiError::form)?;
    let kind = SecretKind::MfaLoginTicket;
    let secret = reauth::redeem_ticket(&state, kind, None, &ticket, &code, accepts).await?;
    let user = secret.user();
    // As at login: said to whoever proved both factors; the token would not authenticate.
    if state.run(move |store| store.is_suspended(user)).await? {
        return Err(ApiError::new(ErrorKind::AccountDisabled));
    }
    let undelete = secret.detail.as_deref() == Some(UNDELETE);
    super::lifecycle::account_state_refusal(&state, user, undelete).await?;
    let token = super::lifecycle::issue_session_token(&state, &req, user).await?;
    Ok(Json(TokenResponse { token, user_id: user }))
}

/// The `authenticator_type` path parameter: Discord's four names (two of them refused here).
struct AuthenticatorTypeParam;

impl utoipa::IntoParams for AuthenticatorTypeParam {
    fn into_params(
        _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
    ) -> Vec<utoipa::openapi::path::Parameter> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        let schema = ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(["totp", "backup", "sms", "webauthn"]));
        let parameter = utoipa::openapi::path::ParameterBuilder::new()
            .name("authenticator_type")
            .parameter_in(utoipa::openapi::path::ParameterIn::Path)
            .description(Some(
                "`totp` (a TOTP or backup code) or `backup` (a backup code); `sms` and \
                 `webauthn` are not supported by this server.",
            ))
            .required(utoipa::openapi::Required::True)
            .example(Some(serde_json::json!("totp")))
            .schema(Some(schema));
        vec![parameter.build()]
    }
}

/// 50035 on the request: SMS and WebAuthn are not offered here.
pub(crate) fn method_not_supported() -> ApiError {
    let mut errors = FormErrors::new();
    errors.add(
        &[],
        MFA_METHOD_NOT_SUPPORTED,
        "This server does not support SMS or WebAuthn two-factor authentication.",
    );
    ApiError::form(errors)
}
