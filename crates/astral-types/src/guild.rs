//! Guilds as the users resource sees them, and the user profile.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::user::User;
use crate::{Snowflake, UserId};

/// A guild (`POST /guilds`, `GET /guilds/{guild_id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Guild {
    pub id: Snowflake,
    pub name: String,
    #[schema(required = true)]
    pub icon: Option<String>,
    #[schema(required = true)]
    pub banner: Option<String>,
    pub owner_id: UserId,
    /// Always empty: Astral has no guild features.
    pub features: Vec<String>,
    /// Number of members.
    pub approximate_member_count: i64,
}

/// `POST /guilds`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CreateGuildRequest {
    /// 2–100 characters, no NUL (the form reader refuses NUL in every string:
    /// `STRING_TYPE_INVALID_CHARACTERS`).
    #[schema(min_length = 2, max_length = 100, pattern = "^[^\\u0000]*$")]
    pub name: String,
}

/// One of the caller's guilds (`GET /users/@me/guilds`): Discord's partial guild.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MyGuild {
    pub id: Snowflake,
    pub name: String,
    #[schema(required = true)]
    pub icon: Option<String>,
    #[schema(required = true)]
    pub banner: Option<String>,
    /// Whether the caller owns the guild.
    pub owner: bool,
    /// The caller's permissions in the guild, as a decimal string.
    pub permissions: String,
    pub features: Vec<String>,
    /// With `with_counts`: the number of members.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub approximate_member_count: Option<i64>,
    /// With `with_counts`: members online. Astral has no gateway (no presence), so 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub approximate_presence_count: Option<i64>,
}

/// A guild member (Discord's `PrivateGuildMemberResponse`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GuildMember {
    pub user: User,
    #[schema(required = true)]
    pub nick: Option<String>,
    #[schema(required = true)]
    pub avatar: Option<String>,
    #[schema(required = true)]
    pub banner: Option<String>,
    pub roles: Vec<String>,
    /// ISO 8601.
    pub joined_at: String,
    #[schema(required = true)]
    pub premium_since: Option<String>,
    pub deaf: bool,
    pub mute: bool,
    pub flags: i32,
    pub pending: bool,
    #[schema(required = true)]
    pub communication_disabled_until: Option<String>,
    /// The member's permissions, as a decimal string.
    pub permissions: String,
}

/// An invite (`POST /guilds/{guild_id}/invites`, `POST /invites/{code}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Invite {
    pub code: String,
    pub guild_id: Snowflake,
}

/// A guild both users are in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MutualGuild {
    pub id: Snowflake,
    /// The other user's nickname there (Astral has none: always `null`).
    #[schema(required = true)]
    pub nick: Option<String>,
}

/// `GET /users/{user_id}/profile`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UserProfile {
    pub user: User,
    /// With `with_mutual_guilds`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub mutual_guilds: Option<Vec<MutualGuild>>,
    /// With `with_mutual_friends`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub mutual_friends: Option<Vec<User>>,
    /// With `with_mutual_friends_count`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub mutual_friends_count: Option<i64>,
}
