//! A short, readable form of the client's errors.
//!
//! progenitor's `Error` prints, through `Display`, the whole response it holds — status, every
//! header and the body — and a crate cannot override a foreign type's `Display`. Logs and
//! messages want one line: the status, Discord's JSON code and message, and what to fix.
//! [`DiscordError`] gives that, and the parts a program acts on (the Discord body, the wait
//! of a 429).

// Hand-written: the workspace lints the crate root lifts for the generated code apply here.
#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use serde_json::Value;

use crate::{types, Error};

/// What a program and a person need from a failed call, without progenitor's full dump.
pub trait DiscordError {
    /// Discord's error body, for every error answer the contract documents (4XX and 5XX).
    fn discord(&self) -> Option<&types::Error>;

    /// How long to wait before retrying, for a 429 (`retry_after`, Discord's number of
    /// seconds after which the refusing bucket is full again).
    fn retry_after(&self) -> Option<Duration>;

    /// One line: `400 Bad Request: 50035 Invalid Form Body (username: BASE_TYPE_BAD_LENGTH
    /// Must be between 2 and 32 in length.)`, or what went wrong before any answer came.
    fn summary(&self) -> String;
}

impl DiscordError for Error<types::Error> {
    fn discord(&self) -> Option<&types::Error> {
        match self {
            Error::ErrorResponse(response) => Some(response.as_ref()),
            _ => None,
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        let seconds = self.discord()?.retry_after?;
        (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds))
    }

    fn summary(&self) -> String {
        match self {
            Error::ErrorResponse(response) => {
                let body: &types::Error = response.as_ref();
                let status = response.status();
                let mut line = status.to_string();
                // Generic errors repeat the status as their message ("401: Unauthorized").
                if body.message
                    != format!("{}: {}", status.as_u16(), status.canonical_reason().unwrap_or(""))
                {
                    line.push_str(": ");
                    if body.code != 0 {
                        line.push_str(&format!("{} ", body.code));
                    }
                    line.push_str(&body.message);
                }
                let mut details = Vec::new();
                field_errors(&Value::Object(body.errors.clone()), "", &mut details);
                if let Some(wait) = body.retry_after {
                    details.push(format!("retry after {wait} s"));
                }
                if !details.is_empty() {
                    line.push_str(&format!(" ({})", details.join("; ")));
                }
                line
            }
            Error::UnexpectedResponse(response) => {
                format!("{}: an answer the contract does not document", response.status())
            }
            Error::CommunicationError(e) => format!("no answer: {e}"),
            Error::InvalidRequest(e) => format!("invalid request: {e}"),
            Error::InvalidUpgrade(e) => format!("invalid upgrade: {e}"),
            Error::ResponseBodyError(e) => format!("the answer's body could not be read: {e}"),
            Error::InvalidResponsePayload(_, e) => {
                format!("the answer's body is not as documented: {e}")
            }
            Error::Custom(e) => e.clone(),
        }
    }
}

/// Collects `path: CODE message` for every `_errors` leaf of Discord's nested field errors.
fn field_errors(value: &Value, path: &str, out: &mut Vec<String>) {
    let Some(map) = value.as_object() else {
        return;
    };
    for (key, child) in map {
        if key == "_errors" {
            for e in child.as_array().into_iter().flatten() {
                let code = e["code"].as_str().unwrap_or("?");
                let message = e["message"].as_str().unwrap_or("");
                let at = if path.is_empty() { "body" } else { path };
                out.push(format!("{at}: {code} {message}"));
            }
        } else {
            let nested = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
            field_errors(child, &nested, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_field_errors_are_listed_with_their_paths() {
        let errors = json!({
            "username": {"_errors": [{"code": "BASE_TYPE_BAD_LENGTH", "message": "Must be between 2 and 32 in length."}]},
            "recipients": {"0": {"_errors": [{"code": "NUMBER_TYPE_COERCE", "message": "Value is not snowflake."}]}}
        });
        let mut out = Vec::new();
        field_errors(&errors, "", &mut out);
        out.sort();
        assert_eq!(
            out,
            [
                "recipients.0: NUMBER_TYPE_COERCE Value is not snowflake.",
                "username: BASE_TYPE_BAD_LENGTH Must be between 2 and 32 in length."
            ]
        );
    }
}
