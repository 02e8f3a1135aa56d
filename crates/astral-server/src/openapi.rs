//! The OpenAPI documents: the hand-maintained contract (`openapi/astral.json`, served at
//! `/openapi.json` and shown by Swagger UI at `/docs/`) and the one generated from the
//! handlers' annotations, which `cargo xtask spec-check` compares with it.

use std::sync::LazyLock;

use actix_web::App;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, RefOr};
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
    let (_, mut api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(configure_root)
        .configure(configure_api)
        .split_for_parts();
    let (_, root) = App::new()
        .into_utoipa_app()
        .configure(configure_root)
        .split_for_parts();
    let root_paths: Vec<String> = root.paths.paths.keys().cloned().collect();
    BodyDeadlineDocs.modify(&mut api);
    RateLimitDocs { root_paths }.modify(&mut api);
    EveryAnswerDocs.modify(&mut api);
    api
}

/// Every operation that reads a JSON body may answer 408 when the body arrives too slowly
/// (`crate::body`): documented here once rather than on each handler.
struct BodyDeadlineDocs;

impl Modify for BodyDeadlineDocs {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for operation in operations_mut(item) {
                if operation.request_body.is_none() {
                    continue;
                }
                operation.responses.responses.insert(
                    "408".to_owned(),
                    RefOr::T(
                        ResponseBuilder::new()
                            .description(
                                "The body did not arrive in time (`body_timeout_secs`, then \
                                 `body_min_bytes_per_sec`); the connection is closed.",
                            )
                            .content(
                                "application/json",
                                ContentBuilder::new()
                                    .schema(Some(Ref::from_schema_name("Error")))
                                    .build(),
                            )
                            .build(),
                    ),
                );
            }
        }
    }
}

/// Headers of every operation, root routes included: the request-log middleware wraps the
/// whole app (`crate::request_log`), so every answer carries `X-Request-Id`; and a 503 (the
/// database is unavailable, `crate::error`) or a 429 (the API's rate limits, or the CDN
/// routes' own, `handlers::images::limit`) says when to come back in `Retry-After`.
struct EveryAnswerDocs;

impl Modify for EveryAnswerDocs {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let request_id = header(
            Type::String,
            "The request's id, also on its log line: the caller's own `X-Request-Id` when it \
             is 1–64 of ASCII letters, digits, `-`, `_`, `.`, `:`, otherwise a fresh one.",
        );
        let retry_after = header(Type::Integer, "Whole seconds to wait before retrying.");
        for item in openapi.paths.paths.values_mut() {
            for operation in operations_mut(item) {
                for (status, response) in operation.responses.responses.iter_mut() {
                    let RefOr::T(response) = response else {
                        continue;
                    };
                    response
                        .headers
                        .insert("X-Request-Id".to_owned(), RefOr::T(request_id.clone()));
                    if status == "5XX" || status == "429" {
                        response
                            .headers
                            .insert("Retry-After".to_owned(), RefOr::T(retry_after.clone()));
                    }
                }
            }
        }
    }
}

/// The rate-limit middleware wraps every versioned route, so every versioned operation may
/// answer 429 and every answer carries the bucket headers (see `crate::ratelimit`). Documented
/// here once rather than on each handler. The headers are optional in the contract: with
/// `ASTRAL_RATE_LIMITS=off` they are not sent.
struct RateLimitDocs {
    root_paths: Vec<String>,
}

fn header(schema: Type, description: &str) -> Header {
    HeaderBuilder::new()
        .schema(Some(ObjectBuilder::new().schema_type(schema)))
        .description(Some(description))
        .build()
}

impl Modify for RateLimitDocs {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let bucket_headers = [
            (
                "X-RateLimit-Limit",
                header(Type::Integer, "The bucket's burst."),
            ),
            (
                "X-RateLimit-Remaining",
                header(Type::Integer, "Requests admissible now."),
            ),
            (
                "X-RateLimit-Reset",
                header(
                    Type::Number,
                    "Epoch seconds at which the bucket is full again (rounded up to the ms).",
                ),
            ),
            (
                "X-RateLimit-Reset-After",
                header(
                    Type::Number,
                    "Seconds until the bucket is full again (rounded up to the ms).",
                ),
            ),
            (
                "X-RateLimit-Bucket",
                header(Type::String, "Opaque id of the bucket."),
            ),
        ];
        let refusal_headers = [
            (
                "Retry-After",
                header(Type::Integer, "Whole seconds to wait."),
            ),
            (
                "X-RateLimit-Scope",
                header(Type::String, "`user`, `global` or `shared`."),
            ),
            (
                "X-RateLimit-Global",
                header(Type::Boolean, "`true` when a global limit was hit."),
            ),
            (
                "Via",
                header(
                    Type::String,
                    "`1.1 astral`, as Discord's proxy names itself.",
                ),
            ),
        ];
        for (path, item) in openapi.paths.paths.iter_mut() {
            if self.root_paths.contains(path) {
                continue;
            }
            for operation in operations_mut(item) {
                operation.responses.responses.insert(
                    "429".to_owned(),
                    RefOr::T(
                        ResponseBuilder::new()
                            .description("Rate limited: wait `retry_after` seconds.")
                            .content(
                                "application/json",
                                ContentBuilder::new()
                                    .schema(Some(Ref::from_schema_name("Error")))
                                    .build(),
                            )
                            .build(),
                    ),
                );
                for (status, response) in operation.responses.responses.iter_mut() {
                    let RefOr::T(response) = response else {
                        continue;
                    };
                    for (name, h) in &bucket_headers {
                        response
                            .headers
                            .insert((*name).to_owned(), RefOr::T(h.clone()));
                    }
                    // 503 (the database is unavailable) says when to come back, too.
                    if status == "5XX" {
                        response.headers.insert(
                            "Retry-After".to_owned(),
                            RefOr::T(refusal_headers[0].1.clone()),
                        );
                    }
                    if status == "429" {
                        for (name, h) in &refusal_headers {
                            response
                                .headers
                                .insert((*name).to_owned(), RefOr::T(h.clone()));
                        }
                    }
                }
            }
        }
    }
}

/// The operations of a path item (the methods Astral routes).
fn operations_mut(
    item: &mut utoipa::openapi::PathItem,
) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
    ]
    .into_iter()
    .flatten()
}
