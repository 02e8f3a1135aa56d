//! Sessions and the account lifecycle (issue 16 D): `GET /auth/sessions`,
//! `POST /auth/sessions/logout`, `POST /users/@me/disable`, `POST /users/@me/delete`.
//!
//! A session is a token. Its `id_hash` is opaque to clients: base64url (no padding) of the
//! token id's 8 big-endian bytes, so it names one token without being the token (the id is no
//! secret: a snowflake).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder};
use utoipa::ToSchema;

use crate::form::{refuse_at, FormReader, Invalid, Length};
use crate::macros::optional_fields;
use crate::FormErrors;

/// How many sessions `GET /auth/sessions` answers at most (Discord's 50), newest first.
pub const SESSIONS_LISTED: i64 = 50;

/// How many `session_id_hashes` one logout names: 1–64 (Discord's bounds).
pub const LOGOUT_HASHES: std::ops::RangeInclusive<usize> = 1..=64;

/// The length of one `session_id_hashes` entry. An id hash is 11 characters; a longer or
/// shorter one names no session (ignored, as an unknown one is), but the bound keeps a body
/// from carrying large strings.
pub const SESSION_ID_HASH_LENGTH: Length = Length::new(1, 64);

optional_fields! {
    /// Where and on what a session was started (from the login's `User-Agent`). `location` is
    /// always `null`: Astral has no address-to-place lookup.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
    pub struct SessionClientInfo {
        /// `Windows`, `macOS`, `Linux`, `Android`, `iOS` or `null` (unknown).
        #[schema(required = true)]
        pub os: Option<String>,
        /// The client: a browser's name, `Discord Client`, `discord.py`, … or `null`.
        #[schema(required = true)]
        pub platform: Option<String>,
        /// Always `null`.
        #[schema(required = true)]
        pub location: Option<String>,
    }
}

/// One session (a token) of the caller.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuthSession {
    /// Names the session in `POST /auth/sessions/logout`; opaque.
    pub id_hash: String,
    /// When the token was last used, to within about 5 minutes (Astral writes it at most once
    /// every 5 minutes); its issue time if it was never used.
    pub approx_last_used_time: String,
    pub client_info: SessionClientInfo,
}

/// `GET /auth/sessions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuthSessionList {
    /// At most 50, the most recently used first.
    #[schema(max_items = 50)]
    pub user_sessions: Vec<AuthSession>,
}

/// `POST /auth/sessions/logout`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LogoutSessionsRequest {
    /// 1–64 `id_hash`es of the caller's sessions; one naming no session of the caller's is
    /// ignored. The current session may be named.
    #[schema(schema_with = hashes_schema)]
    pub session_id_hashes: Vec<String>,
}

fn hashes_schema() -> ArrayBuilder {
    ArrayBuilder::new()
        .items(SESSION_ID_HASH_LENGTH.schema())
        .min_items(Some(*LOGOUT_HASHES.start()))
        .max_items(Some(*LOGOUT_HASHES.end()))
}

impl LogoutSessionsRequest {
    pub fn read(body: &Value) -> Result<LogoutSessionsRequest, FormErrors> {
        const KEY: &str = "session_id_hashes";
        let mut form = FormReader::new(body)?;
        let hashes: Result<Vec<String>, Invalid> = match form.value(KEY) {
            None | Some(Value::Null) => {
                Err(form.refuse(KEY, "BASE_TYPE_REQUIRED", "This field is required"))
            }
            Some(Value::Array(items)) if !LOGOUT_HASHES.contains(&items.len()) => Err(form.refuse(
                KEY,
                "BASE_TYPE_BAD_LENGTH",
                format!(
                    "Must be between {} and {} in length.",
                    LOGOUT_HASHES.start(),
                    LOGOUT_HASHES.end()
                ),
            )),
            Some(Value::Array(items)) => {
                let mut hashes = Vec::with_capacity(items.len());
                let mut invalid = None;
                for (i, item) in items.iter().enumerate() {
                    let index = i.to_string();
                    let path = [KEY, index.as_str()];
                    match item {
                        Value::String(s) if SESSION_ID_HASH_LENGTH.contains(s) => {
                            hashes.push(s.clone())
                        }
                        Value::String(_) => {
                            invalid = Some(refuse_at(
                                form.errors(),
                                &path,
                                "BASE_TYPE_BAD_LENGTH",
                                SESSION_ID_HASH_LENGTH.message(),
                            ))
                        }
                        _ => {
                            invalid = Some(refuse_at(
                                form.errors(),
                                &path,
                                "STRING_TYPE_CONVERT",
                                "Could not interpret value as string.",
                            ))
                        }
                    }
                }
                match invalid {
                    Some(invalid) => Err(invalid),
                    None => Ok(hashes),
                }
            }
            Some(_) => Err(form.refuse(
                KEY,
                "LIST_TYPE_CONVERT",
                "Only iterables may be used in a ListType",
            )),
        };
        form.finish(|| Ok(LogoutSessionsRequest { session_id_hashes: hashes? }))
    }
}

optional_fields! {
    /// `POST /users/@me/disable` and `POST /users/@me/delete`: the current password.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
    pub struct AccountPasswordRequest {
        /// The account's current password. Missing: 50035 `BASE_TYPE_REQUIRED`; wrong: 50035
        /// `PASSWORD_DOES_NOT_MATCH`.
        #[schema(schema_with = password_schema)]
        pub password: Option<String>,
    }
}

fn password_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .description(Some("The account's current password."))
}

impl AccountPasswordRequest {
    pub fn read(body: &Value) -> Result<AccountPasswordRequest, FormErrors> {
        let mut form = FormReader::new(body)?;
        let password = form.optional_string("password");
        form.finish(|| Ok(AccountPasswordRequest { password: password? }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn logout_reads_one_to_sixty_four_hashes() {
        let read = LogoutSessionsRequest::read(&json!({"session_id_hashes": ["a", "b"]})).unwrap();
        assert_eq!(read.session_id_hashes, ["a", "b"]);
        for bad in [
            json!({}),
            json!({"session_id_hashes": []}),
            json!({"session_id_hashes": vec!["a"; 65]}),
            json!({"session_id_hashes": "a"}),
            json!({"session_id_hashes": [1]}),
            json!({"session_id_hashes": ["x".repeat(65)]}),
        ] {
            let errors = LogoutSessionsRequest::read(&bad).unwrap_err();
            assert!(errors.has_field("session_id_hashes"), "{bad}");
        }
    }
}
