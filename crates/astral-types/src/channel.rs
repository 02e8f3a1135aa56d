//! DM and group DM channels (Discord's `PrivateChannelResponse` and
//! `PrivateGroupChannelResponse`).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::ToSchema;

use crate::form::{FormReader, Invalid};
use crate::macros::optional_fields;
use crate::user::{choices, User};
use crate::{FormErrors, RequestSnowflake, Snowflake, UserId};

optional_fields! {
    /// A DM (type 1) or group DM (type 3). `recipients` never includes the caller. `name`,
    /// `icon` and `owner_id` are sent for group DMs only.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
    pub struct PrivateChannel {
        pub id: Snowflake,
        /// 1 DM, 3 group DM.
        #[serde(rename = "type")]
        pub kind: i32,
        /// Astral stores no messages: always `null`.
        #[schema(required = true, value_type = Option<String>)]
        pub last_message_id: Option<Snowflake>,
        /// Always 0.
        pub flags: i32,
        pub recipients: Vec<User>,
        /// Group DMs: the name, or `null`.
        #[schema(value_type = Option<String>)]
        pub name: Option<Option<String>>,
        /// Group DMs: the icon hash, or `null`.
        #[schema(value_type = Option<String>)]
        pub icon: Option<Option<String>>,
        /// Group DMs: the owner.
        pub owner_id: Option<UserId>,
    }
}

/// `type` of [`CreatePrivateChannelRequest`]: the server refuses anything but its `KINDS`.
fn private_channel_type() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
        .description(Some(
            "1 or 2 (Saryno): a DM; 3: a group DM. Otherwise decided by the number of recipients.",
        ))
        .enum_values(Some(CreatePrivateChannelRequest::KINDS))
}

optional_fields! {
    /// `POST /users/@me/channels`. Discord's `recipient_id` (one user) or `recipients` (one user:
    /// a DM; more: a group DM), Saryno's `recipient_ids` and `type` (2 = DM, 3 = group DM).
    #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
    pub struct CreatePrivateChannelRequest {
        pub recipient_id: Option<RequestSnowflake>,
        pub recipients: Option<Vec<RequestSnowflake>>,
        /// Saryno's name for `recipients`.
        pub recipient_ids: Option<Vec<RequestSnowflake>>,
        /// 1 or 2 (Saryno): a DM; 3: a group DM. Otherwise decided by the number of recipients.
        #[serde(rename = "type")]
        #[schema(nullable = false, schema_with = private_channel_type)]
        pub kind: Option<i32>,
    }
}

/// What `POST /users/@me/channels` asks for: its recipients, each once, in the order sent
/// (the caller may be among them), and whether a group DM is wanted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPrivateChannel {
    pub recipients: Vec<UserId>,
    pub group: bool,
}

/// A snowflake given as a string or a number.
fn snowflake(v: &Value) -> Option<Snowflake> {
    match v {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64().and_then(|n| n.to_string().parse().ok()),
        _ => None,
    }
}

impl CreatePrivateChannelRequest {
    /// The values of `type`.
    const KINDS: [i32; 3] = [1, 2, 3];
    /// The `type` that asks for a group DM.
    const GROUP: i64 = 3;

    pub fn read(body: &Value) -> Result<NewPrivateChannel, FormErrors> {
        let mut form = FormReader::new(body)?;
        let mut ids = Vec::new();
        // Null is refused, as for every field whose schema is not nullable.
        if let Ok(Some(v)) = form.optional_not_null("recipient_id") {
            match snowflake(v) {
                Some(id) => ids.push(UserId(id)),
                None => {
                    form.refuse("recipient_id", "NUMBER_TYPE_COERCE", "Value is not snowflake.");
                }
            }
        }
        for key in ["recipients", "recipient_ids"] {
            match form.optional_not_null(key) {
                Ok(None) | Err(_) => {}
                Ok(Some(Value::Array(items))) => {
                    for (i, item) in items.iter().enumerate() {
                        match snowflake(item) {
                            Some(id) => ids.push(UserId(id)),
                            None => form.errors().add(
                                &[key, &i.to_string()],
                                "NUMBER_TYPE_COERCE",
                                "Value is not snowflake.",
                            ),
                        }
                    }
                }
                Ok(Some(_)) => {
                    form.refuse(
                        key,
                        "LIST_TYPE_CONVERT",
                        "Only iterables may be used in a ListType",
                    );
                }
            }
        }
        let kind: Result<Option<i64>, Invalid> = match form.optional_not_null("type") {
            Err(invalid) => Err(invalid),
            Ok(None) => Ok(None),
            Ok(Some(Value::Number(n)))
                if n.as_i64()
                    .is_some_and(|k| Self::KINDS.iter().any(|kind| i64::from(*kind) == k)) =>
            {
                Ok(n.as_i64())
            }
            Ok(Some(_)) => Err(form.refuse(
                "type",
                "BASE_TYPE_CHOICES",
                format!("Value must be one of {}.", choices(&Self::KINDS)),
            )),
        };
        // First occurrence wins, in order. A set, not `Vec::contains`: a body may carry a
        // hundred thousand ids, and a quadratic scan of them held the worker for over a minute.
        let mut seen = HashSet::new();
        let unique: Vec<UserId> = ids.into_iter().filter(|id| seen.insert(*id)).collect();
        let mut errors = form.into_errors();
        if unique.is_empty() && errors.is_empty() {
            errors.field("recipient_id", "BASE_TYPE_REQUIRED", "This field is required");
        }
        let kind = crate::form::finish(errors, || kind)?;
        let group = kind == Some(Self::GROUP) || (kind.is_none() && unique.len() > 1);
        if !group && unique.len() > 1 {
            let mut errors = FormErrors::new();
            errors.field("recipients", "BASE_TYPE_MAX_LENGTH", "A DM has exactly one recipient.");
            return Err(errors);
        }
        Ok(NewPrivateChannel { recipients: unique, group })
    }
}
