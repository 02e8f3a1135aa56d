//! DM and group DM channels (Discord's `PrivateChannelResponse` and
//! `PrivateGroupChannelResponse`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::user::User;
use crate::{Snowflake, UserId};

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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub name: Option<Option<String>>,
    /// Group DMs: the icon hash, or `null`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub icon: Option<Option<String>>,
    /// Group DMs: the owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub owner_id: Option<UserId>,
}

/// `type` of [`CreatePrivateChannelRequest`]: the server refuses anything but 1, 2 or 3.
fn private_channel_type() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Integer)
        .format(Some(utoipa::openapi::schema::SchemaFormat::KnownFormat(
            utoipa::openapi::schema::KnownFormat::Int32,
        )))
        .description(Some(
            "1 or 2 (Saryno): a DM; 3: a group DM. Otherwise decided by the number of recipients.",
        ))
        .enum_values(Some([1, 2, 3]))
        .build()
}

/// `POST /users/@me/channels`. Discord's `recipient_id` (one user) or `recipients` (one user:
/// a DM; more: a group DM), Saryno's `recipient_ids` and `type` (2 = DM, 3 = group DM).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CreatePrivateChannelRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub recipient_id: Option<Snowflake>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub recipients: Option<Vec<Snowflake>>,
    /// Saryno's name for `recipients`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub recipient_ids: Option<Vec<Snowflake>>,
    /// 1 or 2 (Saryno): a DM; 3: a group DM. Otherwise decided by the number of recipients.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, schema_with = private_channel_type)]
    pub kind: Option<i32>,
}
