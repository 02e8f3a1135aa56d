//! The OpenAPI documents: the hand-maintained contract (`openapi/astral.json`, served at
//! `/openapi.json` and shown by Swagger UI at `/docs/`) and the one generated from the
//! handlers' annotations, which `cargo xtask spec-check` compares with it.

use actix_web::App;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use crate::routes::{configure_api, configure_root};

/// The contract, as committed.
pub const CONTRACT_JSON: &str = include_str!("../../../openapi/astral.json");

#[derive(OpenApi)]
#[openapi(
    info(title = "Astral", description = "Discord-compatible users API."),
    // The profile shapes are referenced from `schema_with` functions, which utoipa does not
    // follow to collect them.
    components(schemas(
        astral_types::ErrorBody,
        astral_types::FieldError,
        astral_types::profile::FieldEntry,
        astral_types::profile::PronounEntry,
        astral_types::profile::ProfileField,
        astral_types::profile::CustomPreference,
        astral_types::profile::PreferenceSize,
        astral_types::pride_flag::PrideFlag,
        astral_types::member::PartialProfileMember,
    )),
    // Every operation needs a token unless its annotation says `security()` (public).
    security(("Token" = [])),
    modifiers(&SecuritySchemes)
)]
struct ApiDoc;

/// One scheme: Bot and user tokens travel in the same header, and only its value differs, so
/// Swagger UI's "Authorize" dialog has one field, filled with the whole header value.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "Token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "The `Authorization` header, entered whole: `Bot <token>` for a bot, the token \
                 alone for a person.",
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
    let (_, root) = App::new().into_utoipa_app().configure(configure_root).split_for_parts();
    let root_paths: Vec<String> = root.paths.paths.keys().cloned().collect();
    SharedAnswers { root_paths }.modify(&mut api);
    api
}

/// The answers and headers that come from the layers around the handlers rather than from a
/// handler itself, documented here once instead of on each handler (the contract has them once
/// too, under `components/responses` and `components/headers`):
///
/// - 401 on every operation that needs a token (the `Caller` extractor, `crate::auth`);
/// - 408 and 413 on every operation that reads a JSON body (`crate::body`);
/// - 429 and the bucket headers on every versioned operation: the rate-limit middleware wraps
///   them all (`crate::ratelimit`); the headers are optional, as with `ASTRAL_RATE_LIMITS=off`
///   they are not sent;
/// - 5XX on every operation that does not document a 5xx answer of its own (a store failure,
///   or the middleware's token lookup when the database is away: even `/gateway` can answer
///   503 when a token is presented);
/// - `X-Request-Id` on every answer, root routes included: the request-log middleware wraps the
///   whole app (`crate::request_log`);
/// - `Retry-After` on every 429 and 5xx answer (the rate limits, the CDN routes' own limit,
///   503 when the database or the image workers are unavailable).
///
/// The image routes (tag `cdn`: the avatars and banners, the default avatars) answer alike,
/// from `handlers::images`: 304 to a matching `If-None-Match`, 400 for a bad `size`, their
/// own per-address 429 (`handlers::images::limit`) and a 5XX that is 503 when the image workers
/// stay busy. A handler's own answer for one of these statuses wins.
struct SharedAnswers {
    root_paths: Vec<String>,
}

impl Modify for SharedAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let document_security = openapi.security.clone().unwrap_or_default();
        let [request_id, retry_after] = [Headers::REQUEST_ID, Headers::RETRY_AFTER].map(header);
        let bucket_headers = Headers::BUCKET.map(|h| (h.0, header(h)));
        let refusal_headers = Headers::REFUSAL.map(|h| (h.0, header(h)));
        for (path, item) in openapi.paths.paths.iter_mut() {
            let versioned = !self.root_paths.contains(path);
            for operation in operations_mut(item) {
                let authenticated =
                    !operation.security.as_ref().unwrap_or(&document_security).is_empty();
                let reads_body = operation.request_body.is_some();
                let image_route = operation.tags.iter().flatten().any(|tag| tag == "cdn");
                let responses = &mut operation.responses.responses;
                if image_route {
                    let not_modified = ResponseBuilder::new()
                        .description("Not modified (`If-None-Match` matched the `ETag`).")
                        .build();
                    responses.entry("304".to_owned()).or_insert(RefOr::T(not_modified));
                }
                let mut shared = Vec::new();
                if image_route {
                    shared.push(("400", "Invalid `size`."));
                    shared.push((
                        "429",
                        "Too many image requests from this address (`image_rate_limit`).",
                    ));
                    shared.push((
                        "5XX",
                        "Server failure; 503 with `Retry-After` when the image workers stay busy.",
                    ));
                }
                if authenticated {
                    shared.push(("401", "Missing, invalid or revoked token."));
                }
                if reads_body {
                    shared.push((
                        "408",
                        "The body did not arrive in time (`body_timeout_secs`, then \
                         `body_min_bytes_per_sec`); the connection is closed.",
                    ));
                    shared.push(("413", "Body over the configured limit (40005)."));
                }
                if versioned {
                    shared.push(("429", "Rate limited: wait `retry_after` seconds."));
                }
                if !responses.keys().any(|status| status.starts_with('5')) {
                    shared.push(("5XX", "Server or database failure."));
                }
                for (status, description) in shared {
                    responses
                        .entry(status.to_owned())
                        .or_insert_with(|| RefOr::T(error_answer(description)));
                }
                for (status, response) in responses.iter_mut() {
                    let RefOr::T(response) = response else {
                        continue;
                    };
                    let headers = &mut response.headers;
                    headers.insert(Headers::REQUEST_ID.0.to_owned(), RefOr::T(request_id.clone()));
                    if versioned {
                        for (name, h) in &bucket_headers {
                            headers.insert((*name).to_owned(), RefOr::T(h.clone()));
                        }
                    }
                    if status == "429" || status.starts_with('5') {
                        headers.insert(
                            Headers::RETRY_AFTER.0.to_owned(),
                            RefOr::T(retry_after.clone()),
                        );
                    }
                    if status == "429" && versioned {
                        for (name, h) in &refusal_headers {
                            headers.insert((*name).to_owned(), RefOr::T(h.clone()));
                        }
                    }
                }
            }
        }
    }
}

/// An answer with the Discord error body.
fn error_answer(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new().schema(Some(Ref::from_schema_name("Error"))).build(),
        )
        .build()
}

/// A header: its name, type and description (each described once, here).
type HeaderDoc = (&'static str, Type, &'static str);

/// The headers of [`SharedAnswers`].
struct Headers;

impl Headers {
    const REQUEST_ID: HeaderDoc = (
        "X-Request-Id",
        Type::String,
        "The request's id, also on its log line: the caller's own `X-Request-Id` when it is \
         1–64 of ASCII letters, digits, `-`, `_`, `.`, `:`, otherwise a fresh one.",
    );
    const RETRY_AFTER: HeaderDoc = (
        "Retry-After",
        Type::Integer,
        "Whole seconds to wait before retrying (429, and 503 when the database or the image \
         workers are unavailable).",
    );
    /// On every answer of a versioned operation when the rate limits are on.
    const BUCKET: [HeaderDoc; 5] = [
        ("X-RateLimit-Limit", Type::Integer, "The bucket's burst."),
        ("X-RateLimit-Remaining", Type::Integer, "Requests admissible now."),
        (
            "X-RateLimit-Reset",
            Type::Number,
            "Epoch seconds at which the bucket is full again (rounded up to the ms).",
        ),
        (
            "X-RateLimit-Reset-After",
            Type::Number,
            "Seconds until the bucket is full again (rounded up to the ms).",
        ),
        ("X-RateLimit-Bucket", Type::String, "Opaque id of the bucket."),
    ];
    /// On the rate limits' 429 only.
    const REFUSAL: [HeaderDoc; 3] = [
        ("X-RateLimit-Scope", Type::String, "`user`, `global` or `shared`."),
        ("X-RateLimit-Global", Type::Boolean, "`true` when a global limit was hit."),
        ("Via", Type::String, "`1.1 astral`, as Discord's proxy names itself."),
    ];
}

fn header((_, schema, description): HeaderDoc) -> Header {
    HeaderBuilder::new()
        .schema(Some(ObjectBuilder::new().schema_type(schema)))
        .description(Some(description))
        .build()
}

/// The operations of a path item (the methods Astral routes).
fn operations_mut(
    item: &mut utoipa::openapi::PathItem,
) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch]
        .into_iter()
        .flatten()
}
