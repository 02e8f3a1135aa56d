//! The profile answers: a user with pronouns.cc's profile fields on top of Discord's public
//! user. Users embedded elsewhere (relationships, DM recipients, guild members) stay Discord's
//! plain [`User`](crate::user::User).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::user::PrimaryGuild;
use crate::UserId;

/// A user as anyone may see them, with their public profile (`GET /users/{user_id}`):
/// Discord's public user fields, then pronouns.cc's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UserWithProfile {
    // Discord's public user (the fields of `User`).
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
    // pronouns.cc's short id and badges (docs/profiles.md#short-ids).
    /// The user's short id: 5 lowercase ASCII letters, unique; this operation finds the user
    /// by it.
    pub sid: String,
    /// Badges bitmask, set by an administrator through the `astral` CLI; it grants nothing.
    pub badges: i64,
}
