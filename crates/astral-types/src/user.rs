//! The user objects on the wire. Field sets and nullability follow Discord's `UserResponse`
//! (public) and `UserPIIResponse` (the caller's own account); nullable fields are always sent,
//! as `null` when unset.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::locale::AvailableLocalesEnum;
use crate::UserId;

/// Discord's public user flags occupy the low 32 bits; everything Astral sets today is public.
pub const PUBLIC_FLAGS_MASK: i64 = 0xffff_ffff;

/// A user as anyone may see them (`GET /users/{user_id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct User {
    pub id: UserId,
    /// Unique (ignoring case) account name.
    pub username: String,
    /// Random 4-digit tag, e.g. `"0007"`.
    pub discriminator: String,
    /// Display name, if set.
    #[schema(required = true)]
    pub global_name: Option<String>,
    /// Avatar hash, if set.
    #[schema(required = true)]
    pub avatar: Option<String>,
    pub bot: bool,
    pub system: bool,
    /// Banner hash, if set.
    #[schema(required = true)]
    pub banner: Option<String>,
    /// Banner colour as an integer `0xRRGGBB`, if set.
    #[schema(required = true)]
    pub accent_color: Option<i32>,
    /// Public flags bitfield.
    pub public_flags: i32,
    /// Flags bitfield (on public objects: the public flags).
    pub flags: i64,
    /// The user's primary guild tag. Astral has none yet, so this is always `null`.
    #[schema(required = true)]
    pub primary_guild: Option<PrimaryGuild>,
}

/// The caller's own account (`GET /users/@me`): the public fields plus the private ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PrivateUser {
    pub id: UserId,
    pub username: String,
    pub discriminator: String,
    #[schema(required = true)]
    pub global_name: Option<String>,
    #[schema(required = true)]
    pub avatar: Option<String>,
    pub bot: bool,
    pub system: bool,
    #[schema(required = true)]
    pub banner: Option<String>,
    #[schema(required = true)]
    pub accent_color: Option<i32>,
    pub public_flags: i32,
    pub flags: i64,
    #[schema(required = true)]
    pub primary_guild: Option<PrimaryGuild>,
    /// Whether two-factor authentication is enabled.
    pub mfa_enabled: bool,
    /// One of Discord's locales; `en-US` by default.
    #[schema(value_type = AvailableLocalesEnum)]
    pub locale: String,
    /// 0 none, 1 Nitro Classic, 2 Nitro, 3 Nitro Basic.
    pub premium_type: i32,
    /// The account's email, if one was given.
    #[schema(required = true)]
    pub email: Option<String>,
    /// Whether the email was verified.
    pub verified: bool,
}

/// Discord's `UserPrimaryGuildResponse`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PrimaryGuild {
    #[schema(required = true)]
    pub identity_guild_id: Option<String>,
    #[schema(required = true)]
    pub identity_enabled: Option<bool>,
    #[schema(required = true)]
    pub tag: Option<String>,
    #[schema(required = true)]
    pub badge: Option<String>,
}

/// `PATCH /users/@me`. Absent fields stay unchanged; `null` clears a nullable one.
/// The server reads this body with the form reader (for Discord-shaped field errors); this type
/// describes it for the contract.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UpdateMyUserRequest {
    /// New username (see the username rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        nullable = false,
        min_length = 2,
        max_length = 32,
        pattern = "^[A-Za-z0-9_.-]+$"
    )]
    pub username: Option<String>,
    /// New display name, 1–32 characters; `null` clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 32)]
    pub global_name: Option<Option<String>>,
    /// One of Discord's locales.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<AvailableLocalesEnum>, nullable = false)]
    pub locale: Option<String>,
    /// New avatar: a PNG, JPEG, GIF or WebP image as a data URI (`data:image/png;base64,…`) or
    /// raw base64 (at most 10 MiB, 4096×4096 pixels); the current hash (no change); or `null`
    /// to remove it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub avatar: Option<Option<String>>,
    /// New banner, like `avatar`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub banner: Option<Option<String>>,
}

/// One of the caller's relationships (Discord numbering: 1 friend, 2 blocked, 3 incoming
/// request, 4 outgoing request).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Relationship {
    /// The other user's id.
    pub id: UserId,
    /// 1 friend, 2 blocked, 3 incoming request, 4 outgoing request.
    #[serde(rename = "type")]
    pub kind: i32,
    pub user: User,
    /// The caller's nickname for a friend.
    #[schema(required = true)]
    pub nickname: Option<String>,
    /// When the relationship took its current type (ISO 8601).
    pub since: String,
}

/// `POST /users/@me/relationships`: a friend request by username.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FriendRequest {
    pub username: String,
    /// Accepted for compatibility; if given and not `"0"`, it must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = true)]
    pub discriminator: Option<String>,
}

/// `PUT /users/@me/relationships/{user_id}`: `{}` sends or accepts a friend request,
/// `{"type": 2}` blocks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PutRelationship {
    /// 1 (or absent): befriend; 2: block.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = put_relationship_type)]
    pub kind: Option<i32>,
}

/// `type` of [`PutRelationship`]: the server refuses anything but 1, 2 or `null`.
fn put_relationship_type() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{SchemaType, Type};
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Integer, Type::Null]))
        .format(Some(utoipa::openapi::schema::SchemaFormat::KnownFormat(
            utoipa::openapi::schema::KnownFormat::Int32,
        )))
        .description(Some("1 (or absent): befriend; 2: block."))
        .enum_values(Some([Some(1), Some(2), None]))
        .build()
}

/// `PATCH /users/@me/relationships/{user_id}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PatchRelationship {
    /// 1–32 characters; `null` clears it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 32)]
    pub nickname: Option<Option<String>>,
}
