//! Every error Astral answers, and the Discord error body they all use.
//!
//! ```json
//! {"code": 50035, "message": "Invalid Form Body",
//!  "errors": {"username": {"_errors": [{"code": "BASE_TYPE_BAD_LENGTH", "message": "Must be between 2 and 32 in length."}]}}}
//! ```
//! Top-level `code` is Discord's integer JSON code; nested field codes are strings.
//!
//! The catalogue ([`ErrorKind`]) lives here, with the body, because its status, code and message
//! are wire format like the body itself: the form reader's 50035 is built from it too. The
//! server adds only what HTTP needs on top (headers, the cause it logs).

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::macros::optional_fields;

/// A Discord JSON error code (0 is Discord's general code, sent with plain HTTP errors such as
/// `401: Unauthorized`). The codes Astral answers are written in [`ErrorKind`]'s table.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct JsonCode(pub i32);

/// One row of the catalogue: what an [`ErrorKind`] answers.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ErrorEntry {
    /// The kind's name (`UnknownUser`), to say which entry a check is about.
    pub name: &'static str,
    /// HTTP status.
    pub status: u16,
    pub code: JsonCode,
    pub message: &'static str,
}

/// Declares [`ErrorKind`] from one table, one row per kind: `Kind(detail) = status, code,
/// "message";`. From the rows it builds the enum, [`ErrorKind::CATALOGUE`] and
/// [`ErrorKind::entry`], so a kind cannot exist without its row nor answer anything else.
macro_rules! error_catalogue {
    ($(
        $(#[$doc:meta])*
        $kind:ident $(($detail:ty))? = $status:literal, $code:literal, $message:literal;
    )+) => {
        /// Every error Astral answers, each with its status, Discord JSON code and message
        /// (the table below is the one place they are written; [`ErrorKind::body`] builds the
        /// body from it). Two kinds carry more: a 50035 its field errors, a 429 its wait.
        #[derive(Debug, Clone, PartialEq)]
        pub enum ErrorKind {
            $($(#[$doc])* $kind $(($detail))?,)+
        }

        impl ErrorKind {
            /// Every row of the table, in its order (docs/api.md's error table is held to it).
            pub const CATALOGUE: &'static [ErrorEntry] = &[$(
                ErrorEntry {
                    name: stringify!($kind),
                    status: $status,
                    code: JsonCode($code),
                    message: $message,
                },
            )+];

            /// This kind's row.
            pub fn entry(&self) -> ErrorEntry {
                /// The kinds without their details, in the table's order: a kind's number is
                /// the index of its row in [`ErrorKind::CATALOGUE`].
                enum Row {
                    $($kind,)+
                }
                let row = match self {
                    $(ErrorKind::$kind { .. } => Row::$kind,)+
                };
                Self::CATALOGUE[row as usize]
            }
        }
    };
}

error_catalogue! {
    /// Field errors (the form reader's, or a handler's own such as `USERNAME_ALREADY_TAKEN`).
    InvalidForm(FormErrors) = 400, 50035, "Invalid Form Body";
    /// The body is not JSON: malformed, truncated, invalid UTF-8, nested too deep.
    InvalidJson = 400, 50109, "The request body contains invalid JSON.";
    /// The guilds-per-user cap (`handlers::guilds::MAX_GUILDS`).
    TooManyGuilds = 400, 30001, "Maximum number of guilds reached (100)";
    /// The friends cap.
    TooManyFriends = 400, 30002, "Maximum number of friends reached (1000)";
    /// A group DM already has its 10 members.
    TooManyRecipients = 400, 30004, "Maximum number of recipients reached (10)";
    /// The group-DMs-per-user cap.
    TooManyGroupDms = 400, 30011, "Maximum number of group DMs reached (10)";
    /// The invites-per-guild cap.
    TooManyInvites = 400, 30016, "Maximum number of invites reached (1000)";
    /// The pride-flags-per-user cap (`pride_flag::MAX_PRIDE_FLAGS`). Not a Discord code
    /// (Discord has no pride flags): one of Astral's own in Discord's "maximum reached" range.
    TooManyPrideFlags = 400, 30080, "Maximum number of pride flags reached (500)";
    /// The members-per-user cap (`handlers::members::MAX_MEMBERS`). Astral's own code: Discord's
    /// "maximum" digit 3, then 9 for Astral (Discord's maximums are 30xxx).
    TooManyMembers = 400, 39001, "Maximum number of members reached (500)";
    /// A group DM action asked of a 1:1 DM.
    DmChannelAction = 400, 50003, "Cannot execute action on a DM channel";
    /// A DM recipient that does not exist.
    InvalidRecipients = 400, 50033, "Invalid Recipient(s)";
    /// A friend request to someone who blocked the sender.
    FriendRequestsDisabled = 400, 80000, "Incoming friend requests disabled.";
    /// A friend request by username that names nobody.
    NoUserWithTag = 400, 80004, "No users with DiscordTag exist";
    /// Missing, malformed, unknown or revoked token.
    Unauthorized = 401, 0, "401: Unauthorized";
    /// The endpoint is for user accounts only (Discord refuses bots on it).
    BotsCannotUse = 403, 20001, "Bots cannot use this endpoint";
    /// Logging in, with the right password, to an account an administrator suspended
    /// (`astral users suspend`). Discord's code for a disabled account (discord-userdoccers'
    /// login: "account disabled (20013)"); its tokens answer 401 meanwhile, as a suspended
    /// Discord account's do.
    AccountDisabled = 403, 20013, "This account is disabled";
    /// A guild the caller is not a member of.
    MissingAccess = 403, 50001, "Missing Access";
    /// Someone who blocked the caller, or is not their friend, in a group DM.
    CannotMessageUser = 403, 50007, "Cannot send messages to this user";
    /// An action only a guild's or group DM's owner may take.
    MissingPermissions = 403, 50013, "Missing Permissions";
    /// A second short-id reroll within the cooldown (an hour). Astral's own code, not
    /// Discord's: pronouns.cc's number for this refusal (docs/api.md).
    ShortIdRerollTooSoon(Cooldown) = 403, 2004, "You can only reroll your short ID once an hour.";
    /// No route matched (and unknown CDN images).
    RouteNotFound = 404, 0, "404: Not Found";
    /// `/gateway` and `/gateway/bot`: Astral is REST-only.
    NoGateway = 404, 0, "404: Not Found (Astral is REST-only: there is no gateway)";
    UnknownChannel = 404, 10003, "Unknown Channel";
    UnknownGuild = 404, 10004, "Unknown Guild";
    UnknownInvite = 404, 10006, "Unknown Invite";
    UnknownUser = 404, 10013, "Unknown User";
    /// A pride flag that does not exist, or is another user's. Astral's own code, in
    /// Discord's "unknown resource" range.
    UnknownPrideFlag = 404, 10080, "Unknown Pride Flag";
    /// A pronouns.cc member (a profile a user keeps, not a guild member: Discord's 10007) that
    /// does not exist or that the caller may not see or change. Astral's own code: Discord's
    /// "unknown" digit 1, then 9 for Astral (Discord's unknowns are 10xxx).
    UnknownMember = 404, 19001, "Unknown Member";
    /// A known path, asked with a method it does not serve (the server adds `Allow`).
    MethodNotAllowed = 405, 0, "405: Method Not Allowed";
    /// The body arrived too slowly.
    RequestTimeout = 408, 0, "408: Request Timeout";
    /// A body over the route's limit.
    PayloadTooLarge = 413, 40005, "Request entity too large";
    /// A rate-limit bucket refused (the server adds `Retry-After` and the bucket's headers).
    RateLimited(RateLimit) = 429, 0, "You are being rate limited.";
    /// A bug or a broken database; the cause is logged, never sent.
    Internal = 500, 0, "500: Internal Server Error";
    /// The database or a worker pool is busy or unreachable; the client may retry.
    Unavailable = 503, 0, "503: Service Unavailable";
    // issue 16 D: the account lifecycle (docs/accounts.md).
    /// Logging in, with the right password, to an account its owner disabled
    /// (`POST /users/@me/disable`), without `undelete`. Discord's code and message; 400 as on
    /// Discord (an administrator's suspension is the 403 `AccountDisabled`).
    AccountSelfDisabled = 400, 20013, "This account is disabled";
    /// Logging in, with the right password, to an account scheduled for deletion
    /// (`POST /users/@me/delete`), without `undelete`.
    AccountScheduledForDeletion = 400, 20011, "This account is scheduled for deletion.";
    /// `POST /users/@me/delete` while the caller owns guilds.
    OwnsGuildsCannotDelete = 400, 40011,
        "You must transfer ownership of any owned guilds before deleting your account.";
    /// `POST /users/@me/disable` while the caller owns guilds.
    OwnsGuildsCannotDisable = 400, 40015,
        "You must transfer ownership of any owned guilds before disabling your account.";
    // issue 16 C: two-factor authentication (docs/accounts.md#two-factor-authentication).
    /// `POST /users/@me/mfa/totp/enable` while TOTP is on.
    MfaAlreadyEnabled = 400, 60001, "This account is already enrolled in two-factor authentication.";
    /// Disabling TOTP, or reading backup codes, while it is off.
    MfaNotEnabled = 400, 60002, "This account is not enrolled in two-factor authentication.";
    /// A sensitive change by an account with MFA on, without a proof: the body's `mfa` carries a
    /// ticket for `POST /mfa/finish`. Never counted as an invalid request (docs/rate-limits.md).
    MfaRequired(crate::mfa::MfaChallenge) = 401, 60003, "Two factor is required for this operation";
    /// Enabling TOTP without a valid base32 `secret` (16 to 64 characters).
    InvalidMfaSecret = 400, 60005, "Invalid two-factor secret";
    /// An unknown, expired or used-up MFA ticket.
    InvalidMfaTicket = 400, 60006, "Invalid two-factor auth ticket";
    /// A wrong, reused or malformed TOTP or backup code.
    InvalidMfaCode = 400, 60008, "Invalid two-factor code";
}

impl ErrorKind {
    /// The body this error answers with.
    pub fn body(&self) -> ErrorBody {
        let entry = self.entry();
        let mut body = ErrorBody {
            code: entry.code.0,
            message: entry.message.to_owned(),
            errors: None,
            retry_after: None,
            global: None,
            mfa: None,
        };
        // Only these kinds carry details (see the table).
        match self {
            ErrorKind::InvalidForm(errors) => {
                body.errors = Some(Value::Object(errors.root.clone()))
            }
            ErrorKind::RateLimited(limit) => {
                body.retry_after = Some(limit.retry_after_ms as f64 / 1000.0);
                body.global = Some(limit.global);
            }
            ErrorKind::MfaRequired(challenge) => body.mfa = Some(challenge.clone()),
            ErrorKind::ShortIdRerollTooSoon(cooldown) => {
                body.retry_after = Some(cooldown.retry_after_ms as f64 / 1000.0);
            }
            _ => {}
        }
        body
    }
}

/// What a 429 tells besides its message: how long to wait, and whether the global limit refused.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Milliseconds until the refusing bucket is full again.
    pub retry_after_ms: u64,
    pub global: bool,
}

impl RateLimit {
    /// Rounded up to the millisecond: a client that waits exactly `retry_after` must get in.
    pub fn after_micros(retry_after_us: u64, global: bool) -> RateLimit {
        RateLimit { retry_after_ms: retry_after_us.div_ceil(1000), global }
    }

    /// The `Retry-After` header's whole seconds: rounded up, at least 1.
    pub fn retry_after_secs(&self) -> u64 {
        self.retry_after_ms.div_ceil(1000).max(1)
    }
}

/// How long a refused action must wait (the short-id reroll's cooldown), sent as `retry_after`
/// in seconds like a 429's.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Cooldown {
    /// Milliseconds until the action is allowed again.
    pub retry_after_ms: u64,
}

optional_fields! {
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
        #[schema(value_type = Option<Object>, nullable = false)]
        pub errors: Option<Value>,
        /// Seconds until the refusing bucket is full again, rounded up to the millisecond: after this
        /// wait its whole burst is admitted (429); on a refused short-id reroll (403, 2004), seconds
        /// until a reroll is allowed again.
        pub retry_after: Option<f64>,
        /// Whether the global rate limit was hit (429 only).
        pub global: Option<bool>,
        /// What an MFA-required answer (401, 60003) asks for: a ticket for `POST /mfa/finish`
        /// and the methods that finish it.
        pub mfa: Option<crate::mfa::MfaChallenge>,
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
    /// Every error as recorded, by dotted path (empty: request-level), for the plain-text
    /// rendering ([`fmt::Display`]) that callers outside HTTP (the CLI) show.
    recorded: Vec<(String, FieldError)>,
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
        let message = message.into();
        let error = FieldError { code: code.to_owned(), message: message.clone() };
        self.recorded.push((path.join("."), error));
        let mut node = &mut self.root;
        for segment in path {
            let entry =
                node.entry((*segment).to_owned()).or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            node = match entry.as_object_mut() {
                Some(map) => map,
                None => return,
            };
        }
        let list = node.entry("_errors").or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(items) = list {
            items.push(serde_json::json!({"code": code, "message": message}));
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
        ErrorKind::InvalidForm(self).body()
    }
}

/// `field: message (CODE)` for each error, in the order recorded, separated by `; `: what the
/// API would answer as a 50035 body, without the JSON.
impl fmt::Display for FormErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.recorded.is_empty() {
            return f.write_str(ErrorKind::InvalidForm(FormErrors::new()).entry().message);
        }
        for (i, (path, error)) in self.recorded.iter().enumerate() {
            let field = if path.is_empty() { "request" } else { path };
            let separator = if i == 0 { "" } else { "; " };
            write!(f, "{separator}{field}: {} ({})", error.message, error.code)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_as_plain_text_in_the_order_recorded() {
        assert_eq!(FormErrors::new().to_string(), "Invalid Form Body");
        let mut e = FormErrors::new();
        e.add(&["names", "0", "value"], "BASE_TYPE_REQUIRED", "This field is required");
        e.add(&[], "BASE_TYPE_BAD_JSON", "Bad.");
        assert_eq!(
            e.to_string(),
            "names.0.value: This field is required (BASE_TYPE_REQUIRED); request: Bad. (BASE_TYPE_BAD_JSON)"
        );
    }

    #[test]
    fn nests_like_discord() {
        let mut e = FormErrors::new();
        e.field("username", "BASE_TYPE_BAD_LENGTH", "Must be between 2 and 32 in length.");
        e.add(&["recipients", "0"], "BASE_TYPE_REQUIRED", "This field is required");
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
        let body = serde_json::to_value(ErrorKind::Unauthorized.body()).unwrap();
        assert_eq!(body, json!({"message": "401: Unauthorized", "code": 0}));
    }

    #[test]
    fn a_429_carries_its_wait() {
        let limit = RateLimit::after_micros(1_500_001, true);
        assert_eq!(limit.retry_after_ms, 1_501);
        assert_eq!(limit.retry_after_secs(), 2);
        assert_eq!(RateLimit::after_micros(1, false).retry_after_secs(), 1);
        let body = serde_json::to_value(ErrorKind::RateLimited(limit).body()).unwrap();
        assert_eq!(
            body,
            json!({"message": "You are being rate limited.", "retry_after": 1.501, "global": true, "code": 0})
        );
    }

    #[test]
    fn the_catalogue_names_each_answer_once() {
        let entries = ErrorKind::CATALOGUE;
        for (i, a) in entries.iter().enumerate() {
            assert!((400..600).contains(&a.status), "{}: {}", a.name, a.status);
            for b in &entries[i + 1..] {
                assert_ne!(a.name, b.name);
                assert!(
                    (a.status, a.code, a.message) != (b.status, b.code, b.message),
                    "{} and {} answer the same",
                    a.name,
                    b.name
                );
            }
        }
        let unknown_user = ErrorKind::UnknownUser.entry();
        assert!(entries.contains(&unknown_user));
        assert_eq!(
            (unknown_user.status, unknown_user.code, unknown_user.message),
            (404, JsonCode(10013), "Unknown User")
        );
    }
}
