//! Which methods the server serves at a path: Discord's 405 for a known path asked with a
//! method it lacks (with `Allow`), and `HEAD` wherever `GET` is served.
//!
//! The known routes are not listed here: they are read once from the OpenAPI document utoipa
//! builds from the one registration (`routes::configure_api`, under every prefix of
//! `routes::API_PREFIXES`, and `routes::configure_root` at the root), and matched with actix's
//! own `ResourceDef`, so a route added there is known here, with the same matching rules.
//!
//! `OPTIONS` is not served (Astral has no CORS): it answers 405 like any other method a path
//! lacks. The tooling routes `/openapi.json` and `/docs/` are not API routes and keep the 404.

use std::sync::LazyLock;

use actix_web::body::MessageBody;
use actix_web::dev::{ResourceDef, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderValue, ALLOW};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{App, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use utoipa::openapi::path::PathItem;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::AppExt;

use crate::error::{ApiError, ErrorKind};
use crate::routes::{configure_api, configure_root, API_PREFIXES};

/// One route template and the methods registered for it.
struct KnownRoute {
    pattern: ResourceDef,
    methods: Vec<Method>,
}

/// `Allow` lists methods in this order.
const METHOD_ORDER: [Method; 6] =
    [Method::GET, Method::HEAD, Method::POST, Method::PUT, Method::PATCH, Method::DELETE];

static KNOWN_ROUTES: LazyLock<Vec<KnownRoute>> = LazyLock::new(|| {
    let mut routes = Vec::new();
    for (path, methods) in registered(configure_api) {
        for prefix in API_PREFIXES {
            routes.push(KnownRoute {
                pattern: ResourceDef::new(format!("{prefix}{path}")),
                methods: methods.clone(),
            });
        }
    }
    for (path, methods) in registered(configure_root) {
        routes.push(KnownRoute { pattern: ResourceDef::new(path), methods });
    }
    routes
});

/// The path templates `configure` registers, with their methods.
fn registered(configure: fn(&mut ServiceConfig)) -> Vec<(String, Vec<Method>)> {
    let (_, document) = App::new().into_utoipa_app().configure(configure).split_for_parts();
    document.paths.paths.iter().map(|(path, item)| (path.clone(), methods_of(item))).collect()
}

fn methods_of(item: &PathItem) -> Vec<Method> {
    [
        (Method::GET, &item.get),
        (Method::POST, &item.post),
        (Method::PUT, &item.put),
        (Method::PATCH, &item.patch),
        (Method::DELETE, &item.delete),
        (Method::OPTIONS, &item.options),
        (Method::TRACE, &item.trace),
    ]
    .into_iter()
    .filter(|(_, operation)| operation.is_some())
    .map(|(method, _)| method)
    .collect()
}

/// The methods served at `path`, over every template it matches (`/users/@me` is both
/// `/users/@me` and `/users/{user_id}`), `HEAD` wherever `GET` is, in [`METHOD_ORDER`].
/// Empty when the path is not a known route.
pub fn allowed_methods(path: &str) -> Vec<Method> {
    let served: Vec<&Method> = KNOWN_ROUTES
        .iter()
        .filter(|route| route.pattern.is_match(path))
        .flat_map(|route| &route.methods)
        .collect();
    let has_get = served.contains(&&Method::GET);
    METHOD_ORDER
        .into_iter()
        .filter(|method| served.contains(&method) || (*method == Method::HEAD && has_get))
        .collect()
}

/// The answer to a request no route took: 405 with `Allow` when the path is known (Discord's
/// `405: Method Not Allowed`), otherwise Discord's `404: Not Found`.
pub async fn unrouted(req: HttpRequest) -> HttpResponse {
    // The path as actix routed it, so both sides match the same string.
    let allowed = allowed_methods(req.match_info().as_str());
    if allowed.is_empty() {
        return ApiError::new(ErrorKind::RouteNotFound).error_response();
    }
    let mut response = ApiError::new(ErrorKind::MethodNotAllowed).error_response();
    let allow = allowed.iter().map(Method::as_str).collect::<Vec<_>>().join(", ");
    // Method names are ASCII tokens, so this cannot fail.
    if let Ok(value) = HeaderValue::from_str(&allow) {
        response.headers_mut().insert(ALLOW, value);
    }
    response
}

/// Marks a request that arrived as `HEAD` and is routed as `GET`.
#[derive(Debug, Clone, Copy)]
pub struct ServedAsHead;

/// Serves `HEAD` as `GET` (RFC 9110: the same answer without the body). Routing then treats it
/// as the `GET` it stands for; the HTTP layer remembers the request was `HEAD` and sends the
/// headers only. The request keeps [`ServedAsHead`] in its extensions, for the one `GET` that
/// changes something (`GET /users/@me/reroll`), which must not act on a `HEAD`.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
        req.extensions_mut().insert(ServedAsHead);
    }
    next.call(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allow(path: &str) -> Vec<&'static str> {
        allowed_methods(path)
            .iter()
            .map(|m| match *m {
                Method::GET => "GET",
                Method::HEAD => "HEAD",
                Method::POST => "POST",
                Method::PUT => "PUT",
                Method::PATCH => "PATCH",
                Method::DELETE => "DELETE",
                _ => "other",
            })
            .collect()
    }

    #[test]
    fn methods_come_from_the_registration_under_every_prefix() {
        for prefix in API_PREFIXES {
            assert_eq!(allow(&format!("{prefix}/users/@me")), ["GET", "HEAD", "PATCH"]);
            assert_eq!(allow(&format!("{prefix}/auth/login")), ["POST"]);
            assert_eq!(
                allow(&format!("{prefix}/users/@me/relationships/42")),
                ["PUT", "PATCH", "DELETE"]
            );
        }
        assert_eq!(allow("/healthz"), ["GET", "HEAD"]);
        assert_eq!(allow("/avatars/1/a.png"), ["GET", "HEAD"]);
        for unknown in ["/nope", "/api/v8/users/@me", "/api/v10/healthz", "/users/@me", "/"] {
            assert!(allow(unknown).is_empty(), "{unknown}");
        }
    }
}
