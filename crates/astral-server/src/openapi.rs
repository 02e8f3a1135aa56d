//! The OpenAPI documents: the hand-maintained contract (`openapi/astral.json`, served at
//! `/openapi.json` and shown by Swagger UI at `/docs/`) and the one generated from the
//! handlers' annotations, which `cargo xtask spec-check` compares with it.

use std::sync::LazyLock;

use actix_web::App;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use crate::routes::{configure_api, configure_root};

/// The contract, as committed.
pub const CONTRACT_JSON: &str = include_str!("../../../openapi/astral.json");

/// The contract parsed once. It is checked into the repository and parsed by the tests and by
/// spec-check, so a parse failure here would already have failed CI.
pub static CONTRACT: LazyLock<serde_json::Value> = LazyLock::new(|| {
    serde_json::from_str(CONTRACT_JSON).unwrap_or_else(|e| {
        tracing::error!(error = %e, "openapi/astral.json is not valid JSON");
        serde_json::Value::Null
    })
});

#[derive(OpenApi)]
#[openapi(
    info(title = "Astral", description = "Discord-compatible users API."),
    components(schemas(astral_types::ErrorBody, astral_types::FieldError)),
    modifiers(&SecuritySchemes)
)]
struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "BotToken",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "`Bot <token>`",
            ))),
        );
        components.add_security_scheme(
            "BearerToken",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "UserToken",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "`<token>` (a user token without scheme)",
            ))),
        );
    }
}

/// The document utoipa builds from the handlers, registered exactly as the server registers
/// them (paths without a version prefix; root routes included).
pub fn generated_document() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(configure_root)
        .configure(configure_api)
        .split_for_parts();
    api
}
