//! One error type for every handler: a kind from the catalogue (`astral_types::ErrorKind`,
//! which fixes its status, Discord JSON code, message and body), the cause it came from and the
//! place it was raised. Causes are logged with that place and never sent to the client.

use std::panic::Location;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use astral_ratelimit::{Check, Refusal};
use astral_store::StoreError;
use astral_types::FormErrors;
pub use astral_types::{ErrorKind, RateLimit};

use crate::request_log::FailureCause;

/// Whatever made a request fail, kept as the error it was (its `source` chain included).
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug)]
pub struct ApiError {
    pub kind: ErrorKind,
    cause: Option<Cause>,
    /// The limiter's refusal behind a 429 ([`ApiError::rate_limited`]), which the answer
    /// describes (`crate::ratelimit::describe_refusal`).
    limited: Option<Box<(Refusal, Check)>>,
    location: &'static Location<'static>,
}

impl ApiError {
    #[track_caller]
    pub fn new(kind: ErrorKind) -> Self {
        ApiError { kind, cause: None, limited: None, location: Location::caller() }
    }

    #[track_caller]
    pub fn with_cause(kind: ErrorKind, cause: impl Into<Cause>) -> Self {
        ApiError { kind, cause: Some(cause.into()), limited: None, location: Location::caller() }
    }

    /// The 429 of a limiter's `refusal`, whichever bucket refused (a route's in the middleware,
    /// failed logins in a handler, an account's mail): every one is answered alike, with
    /// `Retry-After`, `X-RateLimit-Scope`, `Via` and the headers of `check`'s bucket, and is
    /// counted under that bucket in the metrics (docs/rate-limits.md).
    #[track_caller]
    pub fn rate_limited(refusal: &Refusal, check: &Check) -> Self {
        let limit = RateLimit::after_micros(refusal.retry_after_us, refusal.global);
        ApiError {
            kind: ErrorKind::RateLimited(limit),
            cause: None,
            limited: Some(Box::new((refusal.clone(), check.clone()))),
            location: Location::caller(),
        }
    }

    #[track_caller]
    pub fn unauthorized() -> Self {
        Self::new(ErrorKind::Unauthorized)
    }

    #[track_caller]
    pub fn form(errors: FormErrors) -> Self {
        Self::new(ErrorKind::InvalidForm(errors))
    }

    #[track_caller]
    pub fn internal(cause: impl Into<Cause>) -> Self {
        Self::with_cause(ErrorKind::Internal, cause)
    }

    /// A single field error as a 50035.
    #[track_caller]
    pub fn field(name: &str, code: &str, message: &str) -> Self {
        let mut errors = FormErrors::new();
        errors.field(name, code, message);
        Self::form(errors)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} at {}", self.kind, self.location)?;
        if let Some(cause) = &self.cause {
            write!(f, ": {cause}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause.as_deref().map(|cause| cause as &(dyn std::error::Error + 'static))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        // Every status in the catalogue is a valid one (astral-types checks they are 4xx/5xx).
        StatusCode::from_u16(self.kind.entry().status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        match &self.kind {
            ErrorKind::Unavailable => {
                response.insert_header((header::RETRY_AFTER, "1"));
            }
            ErrorKind::RateLimited(limit) => {
                response.insert_header((header::RETRY_AFTER, limit.retry_after_secs().to_string()));
            }
            _ => {}
        }
        let mut response = response.json(self.kind.body());
        if let Some(limited) = &self.limited {
            crate::ratelimit::describe_refusal(&mut response, &limited.0, &limited.1);
        }
        // issue 16 C: the client finishes the challenge and retries (crate::ratelimit).
        if matches!(self.kind, ErrorKind::MfaRequired(_)) {
            response.extensions_mut().insert(crate::ratelimit::ProtocolStep);
        }
        // The cause goes on the request's log line (crate::request_log), with its request id;
        // refusals (4xx) are the client's doing and need no cause there.
        if matches!(self.kind, ErrorKind::Internal | ErrorKind::Unavailable) {
            response.extensions_mut().insert(FailureCause(self.to_string()));
        } else {
            tracing::debug!(error = %self, "request refused");
        }
        response
    }
}

impl From<StoreError> for ApiError {
    /// The store's errors that a handler did not map itself. `NotFound` and `Conflict` reaching
    /// this point mean the handler forgot a case, which is a bug, hence 500.
    #[track_caller]
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) | StoreError::Connect { .. } | StoreError::Contention(_) => {
                ApiError::with_cause(ErrorKind::Unavailable, e)
            }
            _ => ApiError::internal(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;
    use serde_json::{json, Value};

    fn body_of(response: HttpResponse) -> Value {
        let bytes = response.into_body().try_into_bytes().expect("a whole body");
        serde_json::from_slice(&bytes).expect("a JSON body")
    }

    #[test]
    fn the_cause_is_kept_and_logged_with_its_place_but_never_sent() {
        let line = line!() + 1;
        let error = ApiError::from(StoreError::Unavailable("SQLITE_BUSY on users".into()));
        let cause =
            std::error::Error::source(&error).and_then(|cause| cause.downcast_ref::<StoreError>());
        assert!(matches!(cause, Some(StoreError::Unavailable(_))), "{cause:?}");
        let response = error.error_response();
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "1");
        let logged = response
            .extensions()
            .get::<FailureCause>()
            .map(|cause| cause.0.clone())
            .unwrap_or_default();
        // The place is this test's line (`From` tracks its caller), not the conversion's.
        let place = format!("{}:{line}", file!());
        assert!(logged.contains("SQLITE_BUSY on users"), "{logged}");
        assert!(logged.contains(&place), "{logged} lacks {place}");
        assert_eq!(body_of(response), json!({"message": "503: Service Unavailable", "code": 0}));
    }

    #[test]
    fn a_429_says_when_to_come_back_in_its_header_and_body() {
        let limit = RateLimit::after_micros(1_500_001, false);
        let response = ApiError::new(ErrorKind::RateLimited(limit)).error_response();
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers().get(header::RETRY_AFTER).unwrap(), "2");
        assert_eq!(
            body_of(response),
            json!({"message": "You are being rate limited.", "retry_after": 1.501, "global": false, "code": 0})
        );
    }

    #[test]
    fn a_limiter_refusal_describes_its_bucket_and_is_counted_under_it() {
        use astral_ratelimit::{BucketKind, Decision, Scope};
        let decision = Decision {
            admitted: false,
            limit: 10,
            remaining: 0,
            reset_after_us: 600_000_000,
            retry_after_us: 600_000_000,
            new_tat_us: 0,
        };
        let refusal = Refusal {
            kind: BucketKind::FailedLoginsPerAccount,
            scope: Scope::Shared,
            global: false,
            retry_after_us: decision.retry_after_us,
        };
        let check = Check {
            decision,
            bucket_id: "failed-logins".into(),
            now_us: 1_000_000,
            refusal: Some(refusal.clone()),
        };
        let response = ApiError::rate_limited(&refusal, &check).error_response();
        assert_eq!(response.status(), 429);
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok());
        assert_eq!(
            [
                "retry-after",
                "x-ratelimit-scope",
                "via",
                "x-ratelimit-limit",
                "x-ratelimit-remaining",
                "x-ratelimit-reset-after",
                "x-ratelimit-reset",
                "x-ratelimit-bucket",
                "x-ratelimit-global",
            ]
            .map(header),
            [
                Some("600"),
                Some("shared"),
                Some("1.1 astral"),
                Some("10"),
                Some("0"),
                Some("600.000"),
                Some("601.000"),
                Some("failed-logins"),
                None,
            ]
        );
        let counted = response.extensions().get::<crate::metrics::RefusedBy>().map(|r| r.0);
        assert_eq!(counted, Some("failed_logins_per_account"));
    }
}
