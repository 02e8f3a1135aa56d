//! One error type for every handler. Each variant knows its HTTP status and Discord JSON code;
//! internal causes are logged with the place they came from and never sent to the client.

use std::panic::Location;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use astral_store::StoreError;
use astral_types::{ErrorBody, FormErrors, JsonCode};

use crate::request_log::FailureCause;

#[derive(Debug)]
pub enum ErrorKind {
    /// Missing, malformed, unknown or revoked token.
    Unauthorized,
    /// 10013.
    UnknownUser,
    /// No route matched.
    RouteNotFound,
    /// A known path, asked with a method it does not serve (`crate::methods`).
    MethodNotAllowed,
    /// 50035 with field errors.
    InvalidForm(FormErrors),
    /// 50109.
    InvalidJson,
    /// Body over the configured limit (40005).
    PayloadTooLarge,
    /// The database is busy or unreachable; the client may retry.
    Unavailable,
    /// A bug or a broken database.
    Internal,
    /// Any other refusal Discord answers with its own JSON code (e.g. 403 / 20001 "Bots cannot
    /// use this endpoint", 400 / 30002 "Maximum number of friends reached").
    Discord {
        status: u16,
        code: JsonCode,
        message: &'static str,
    },
}

#[derive(Debug)]
pub struct ApiError {
    pub kind: ErrorKind,
    cause: Option<String>,
    location: &'static Location<'static>,
}

impl ApiError {
    #[track_caller]
    pub fn new(kind: ErrorKind) -> Self {
        ApiError {
            kind,
            cause: None,
            location: Location::caller(),
        }
    }

    #[track_caller]
    pub fn with_cause(kind: ErrorKind, cause: impl std::fmt::Display) -> Self {
        ApiError {
            kind,
            cause: Some(cause.to_string()),
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
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::with_cause(ErrorKind::Internal, cause)
    }

    /// A refusal with its own Discord code.
    #[track_caller]
    pub fn discord(status: u16, code: JsonCode, message: &'static str) -> Self {
        Self::new(ErrorKind::Discord {
            status,
            code,
            message,
        })
    }

    /// 403 / 20001: the endpoint is for user accounts only (Discord refuses bots on it).
    #[track_caller]
    pub fn bots_cannot_use() -> Self {
        Self::discord(
            403,
            JsonCode::BOTS_CANNOT_USE,
            "Bots cannot use this endpoint",
        )
    }

    /// A single field error as a 50035.
    #[track_caller]
    pub fn field(name: &str, code: &str, message: &str) -> Self {
        let mut errors = FormErrors::new();
        errors.field(name, code, message);
        Self::form(errors)
    }

    pub fn body(&self) -> ErrorBody {
        match &self.kind {
            ErrorKind::Unauthorized => ErrorBody::new(JsonCode::GENERAL, "401: Unauthorized"),
            ErrorKind::UnknownUser => ErrorBody::new(JsonCode::UNKNOWN_USER, "Unknown User"),
            ErrorKind::RouteNotFound => ErrorBody::new(JsonCode::GENERAL, "404: Not Found"),
            ErrorKind::MethodNotAllowed => {
                ErrorBody::new(JsonCode::GENERAL, "405: Method Not Allowed")
            }
            ErrorKind::InvalidForm(errors) => errors.clone().into_body(),
            ErrorKind::InvalidJson => ErrorBody::new(
                JsonCode::INVALID_JSON,
                "The request body contains invalid JSON.",
            ),
            ErrorKind::PayloadTooLarge => ErrorBody::new(
                JsonCode::REQUEST_ENTITY_TOO_LARGE,
                "Request entity too large",
            ),
            ErrorKind::Unavailable => ErrorBody::new(JsonCode::GENERAL, "503: Service Unavailable"),
            ErrorKind::Internal => ErrorBody::new(JsonCode::GENERAL, "500: Internal Server Error"),
            ErrorKind::Discord { code, message, .. } => ErrorBody::new(*code, *message),
        }
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

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self.kind {
            ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorKind::UnknownUser | ErrorKind::RouteNotFound => StatusCode::NOT_FOUND,
            ErrorKind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorKind::InvalidForm(_) | ErrorKind::InvalidJson => StatusCode::BAD_REQUEST,
            ErrorKind::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorKind::Discord { status, .. } => {
                StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST)
            }
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        if matches!(self.kind, ErrorKind::Unavailable) {
            response.insert_header((header::RETRY_AFTER, "1"));
        }
        let mut response = response.json(self.body());
        // The cause goes on the request's log line (crate::request_log), with its request id;
        // refusals (4xx) are the client's doing and need no cause there.
        if matches!(self.kind, ErrorKind::Internal | ErrorKind::Unavailable) {
            response
                .extensions_mut()
                .insert(FailureCause(self.to_string()));
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
