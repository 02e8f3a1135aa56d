//! The Discord error body, the one schema every non-2xx response of every operation uses.
//!
//! ```json
//! {"code": 50035, "message": "Invalid Form Body",
//!  "errors": {"username": {"_errors": [{"code": "BASE_TYPE_BAD_LENGTH", "message": "Must be between 2 and 32 in length."}]}}}
//! ```
//! Top-level `code` is Discord's integer JSON code; nested field codes are strings.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// Discord JSON error codes Astral answers with.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct JsonCode(pub i32);

impl JsonCode {
    /// General error; also what Discord sends with `401: Unauthorized` and `404: Not Found`.
    pub const GENERAL: JsonCode = JsonCode(0);
    pub const UNKNOWN_CHANNEL: JsonCode = JsonCode(10003);
    pub const UNKNOWN_GUILD: JsonCode = JsonCode(10004);
    pub const UNKNOWN_INVITE: JsonCode = JsonCode(10006);
    pub const UNKNOWN_USER: JsonCode = JsonCode(10013);
    pub const BOTS_CANNOT_USE: JsonCode = JsonCode(20001);
    pub const MAX_GUILDS: JsonCode = JsonCode(30001);
    pub const MAX_FRIENDS: JsonCode = JsonCode(30002);
    pub const MAX_RECIPIENTS: JsonCode = JsonCode(30004);
    pub const MAX_GROUP_DMS: JsonCode = JsonCode(30011);
    pub const MAX_INVITES: JsonCode = JsonCode(30016);
    pub const MISSING_ACCESS: JsonCode = JsonCode(50001);
    pub const DM_CHANNEL_ACTION: JsonCode = JsonCode(50003);
    pub const CANNOT_MESSAGE_USER: JsonCode = JsonCode(50007);
    pub const MISSING_PERMISSIONS: JsonCode = JsonCode(50013);
    pub const INVALID_RECIPIENTS: JsonCode = JsonCode(50033);
    pub const FRIEND_REQUESTS_DISABLED: JsonCode = JsonCode(80000);
    pub const NO_USER_WITH_TAG: JsonCode = JsonCode(80004);
    pub const REQUEST_ENTITY_TOO_LARGE: JsonCode = JsonCode(40005);
    pub const INVALID_FORM_BODY: JsonCode = JsonCode(50035);
    pub const INVALID_JSON: JsonCode = JsonCode(50109);
}

/// Every error Astral sends: Discord's error object. `errors` carries per-field errors (50035),
/// `retry_after` and `global` the rate-limit details (429).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    /// Discord JSON error code (0 for generic HTTP errors such as `401: Unauthorized`).
    pub code: i32,
    /// Human-readable message.
    pub message: String,
    /// Field errors, nested by JSON path; each leaf is `{"_errors": [FieldError, ...]}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>, nullable = false)]
    pub errors: Option<Value>,
    /// Seconds until the refusing bucket is full again, rounded up to the millisecond: after this
    /// wait its whole burst is admitted (429 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub retry_after: Option<f64>,
    /// Whether the global rate limit was hit (429 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub global: Option<bool>,
}

impl ErrorBody {
    pub fn new(code: JsonCode, message: impl Into<String>) -> Self {
        ErrorBody {
            code: code.0,
            message: message.into(),
            errors: None,
            retry_after: None,
            global: None,
        }
    }
}

/// One entry of an `_errors` list. Codes are strings such as `BASE_TYPE_BAD_LENGTH`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    pub code: String,
    pub message: String,
}

/// Collects field errors while a request body is read, then renders them in Discord's nesting.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FormErrors {
    root: Map<String, Value>,
}

impl FormErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn is_empty(&self) -> bool {
        self.root.is_empty()
    }

    /// Records an error at `path` (object keys, or array indices as strings). An empty path is a
    /// request-level error (`errors._errors`).
    pub fn add(&mut self, path: &[&str], code: &str, message: impl Into<String>) {
        let mut node = &mut self.root;
        for segment in path {
            let entry = node
                .entry((*segment).to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            node = match entry.as_object_mut() {
                Some(map) => map,
                None => return,
            };
        }
        let list = node
            .entry("_errors")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(items) = list {
            items.push(serde_json::json!({"code": code, "message": message.into()}));
        }
    }

    /// Shorthand for a top-level field.
    pub fn field(&mut self, name: &str, code: &str, message: impl Into<String>) {
        self.add(&[name], code, message);
    }

    /// Whether any error was recorded at exactly this top-level field.
    pub fn has_field(&self, name: &str) -> bool {
        self.root.contains_key(name)
    }

    /// The 50035 body.
    pub fn into_body(self) -> ErrorBody {
        ErrorBody {
            errors: Some(Value::Object(self.root)),
            ..ErrorBody::new(JsonCode::INVALID_FORM_BODY, "Invalid Form Body")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nests_like_discord() {
        let mut e = FormErrors::new();
        e.field(
            "username",
            "BASE_TYPE_BAD_LENGTH",
            "Must be between 2 and 32 in length.",
        );
        e.add(
            &["recipients", "0"],
            "BASE_TYPE_REQUIRED",
            "This field is required",
        );
        e.add(&[], "CONTENT_TYPE_INVALID", "Expected JSON");
        let body = serde_json::to_value(e.into_body()).unwrap();
        assert_eq!(
            body,
            json!({
                "code": 50035,
                "message": "Invalid Form Body",
                "errors": {
                    "username": {"_errors": [{"code": "BASE_TYPE_BAD_LENGTH", "message": "Must be between 2 and 32 in length."}]},
                    "recipients": {"0": {"_errors": [{"code": "BASE_TYPE_REQUIRED", "message": "This field is required"}]}},
                    "_errors": [{"code": "CONTENT_TYPE_INVALID", "message": "Expected JSON"}]
                }
            })
        );
    }

    #[test]
    fn optional_members_are_omitted() {
        let body =
            serde_json::to_value(ErrorBody::new(JsonCode::GENERAL, "401: Unauthorized")).unwrap();
        assert_eq!(body, json!({"message": "401: Unauthorized", "code": 0}));
    }
}
