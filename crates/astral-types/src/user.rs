//! The user objects on the wire. Field sets and nullability follow Discord's `UserResponse`
//! (public) and `UserPIIResponse` (the caller's own account); nullable fields are always sent,
//! as `null` when unset.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, SchemaType, Type};
use utoipa::ToSchema;

use crate::form::{finish, Field, FormReader, Invalid, Length};
use crate::locale::AvailableLocalesEnum;
use crate::rules::{check_locale, UsernameRule};
use crate::{FormErrors, UserId};

/// A display name (`global_name`).
pub const GLOBAL_NAME_LENGTH: Length = Length::new(1, 32);
/// A friend's nickname.
pub const NICKNAME_LENGTH: Length = Length::new(1, 32);

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
    // pronouns.cc's short id and admin fields (docs/profiles.md#short-ids).
    /// The user's short id: 5 lowercase ASCII letters, unique; `GET /users/{user_id}` finds the
    /// user by it.
    pub sid: String,
    /// Badges bitmask, set by an administrator through the `astral` CLI; it grants nothing.
    pub badges: i64,
    /// Set through the `astral` CLI; it grants no API power.
    pub is_admin: bool,
    /// When the short id was last rerolled (ISO 8601), `null` if never.
    #[schema(required = true)]
    pub last_sid_reroll: Option<String>,
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
/// Read by [`UpdateMyUserRequest::read`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UpdateMyUserRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = new_username_schema)]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = new_global_name_schema)]
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

fn new_username_schema() -> ObjectBuilder {
    UsernameRule::default_schema()
        .description(Some(format!("New username. {}", UsernameRule::DESCRIPTION)))
}

fn new_global_name_schema() -> ObjectBuilder {
    GLOBAL_NAME_LENGTH.nullable_schema().description(Some("New display name; `null` clears it."))
}

impl UpdateMyUserRequest {
    /// Reads the body's fields. Decoding `avatar` and `banner` is the server's (on its image
    /// workers): it records a refused image in [`UserUpdateDraft::errors`], then
    /// [`UserUpdateDraft::finish`] checks the rest.
    pub fn read(body: &Value) -> Result<UserUpdateDraft, FormErrors> {
        let mut form = FormReader::new(body)?;
        let username = form.optional_string("username");
        let global_name = form.string("global_name");
        let locale = form.optional_string("locale");
        // A value that is not a string is recorded here and changes nothing.
        let avatar = form.string("avatar").unwrap_or_default();
        let banner = form.string("banner").unwrap_or_default();
        Ok(UserUpdateDraft {
            errors: form.into_errors(),
            username,
            global_name,
            locale,
            avatar,
            banner,
        })
    }
}

/// `PATCH /users/@me` read but not yet checked (see [`UpdateMyUserRequest::read`]).
#[derive(Debug)]
pub struct UserUpdateDraft {
    errors: FormErrors,
    username: Result<Option<String>, Invalid>,
    global_name: Result<Field<String>, Invalid>,
    locale: Result<Option<String>, Invalid>,
    /// As sent, for the server to decode.
    pub avatar: Field<String>,
    pub banner: Field<String>,
}

/// The checked changes of `PATCH /users/@me` but the images: `None` leaves a field unchanged,
/// `Some(None)` clears it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserUpdate {
    pub username: Option<String>,
    pub global_name: Option<Option<String>>,
    pub locale: Option<String>,
}

impl UserUpdateDraft {
    /// Where the server records a refused image.
    pub fn errors(&mut self) -> &mut FormErrors {
        &mut self.errors
    }

    /// Checks the other fields; any error recorded so far fails the whole update.
    pub fn finish(self, username_rule: &UsernameRule) -> Result<UserUpdate, FormErrors> {
        let UserUpdateDraft { mut errors, username, global_name, locale, .. } = self;
        let username =
            username.and_then(|v| v.map(|v| username_rule.check(&mut errors, v)).transpose());
        let global_name = global_name.and_then(|field| {
            field.check(|v| GLOBAL_NAME_LENGTH.check(&mut errors, "global_name", v))
        });
        let locale = locale.and_then(|v| v.map(|v| check_locale(&mut errors, v)).transpose());
        finish(errors, || {
            Ok(UserUpdate {
                username: username?,
                global_name: global_name?.into_patch(),
                locale: locale?,
            })
        })
    }
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

impl FriendRequest {
    /// `discriminator` as `null` is as absent.
    pub fn read(body: &Value) -> Result<FriendRequest, FormErrors> {
        let mut form = FormReader::new(body)?;
        let username = form.required_string("username");
        let discriminator = form.string("discriminator").map(|field| match field {
            Field::Value(d) => Some(d),
            Field::Null | Field::Absent => None,
        });
        form.finish(|| Ok(FriendRequest { username: username?, discriminator: discriminator? }))
    }
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

impl PutRelationship {
    /// Befriend.
    pub const BEFRIEND: i32 = 1;
    pub const BLOCK: i32 = 2;
    /// The values of `type`; absent or `null` befriends.
    const KINDS: [i32; 2] = [Self::BEFRIEND, Self::BLOCK];

    pub fn read(body: &Value) -> Result<PutRelationship, FormErrors> {
        let mut form = FormReader::new(body)?;
        let kind = match form.optional_integer("type") {
            Ok(None) => Ok(None),
            Ok(Some(k)) => match Self::KINDS.into_iter().find(|kind| i64::from(*kind) == k) {
                Some(kind) => Ok(Some(kind)),
                None => Err(form.refuse(
                    "type",
                    "BASE_TYPE_CHOICES",
                    format!("Value must be one of {}, not {k}.", choices(&Self::KINDS)),
                )),
            },
            Err(invalid) => Err(invalid),
        };
        form.finish(|| Ok(PutRelationship { kind: kind? }))
    }
}

/// `(1, 2)`: the values of an integer choice, as Discord's messages list them.
pub(crate) fn choices(values: &[i32]) -> String {
    let values: Vec<String> = values.iter().map(i32::to_string).collect();
    format!("({})", values.join(", "))
}

/// `type` of [`PutRelationship`]: the server refuses anything but its `KINDS` or `null`.
fn put_relationship_type() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Integer, Type::Null]))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
        .description(Some("1 (or absent): befriend; 2: block."))
        .enum_values(Some(PutRelationship::KINDS.into_iter().map(Some).chain([None])))
}

/// `PATCH /users/@me/relationships/{user_id}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PatchRelationship {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = nickname_schema)]
    pub nickname: Option<Option<String>>,
}

fn nickname_schema() -> ObjectBuilder {
    NICKNAME_LENGTH.nullable_schema().description(Some("`null` clears it."))
}

impl PatchRelationship {
    pub fn read(body: &Value) -> Result<PatchRelationship, FormErrors> {
        let mut form = FormReader::new(body)?;
        let nickname = form
            .string("nickname")
            .and_then(|field| field.check(|v| NICKNAME_LENGTH.check(form.errors(), "nickname", v)));
        form.finish(|| Ok(PatchRelationship { nickname: nickname?.into_patch() }))
    }
}
