//! Guilds as the users resource sees them, and the user profile.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::schema::ObjectBuilder;
use utoipa::{IntoParams, ToSchema};

use crate::form::{FormReader, IdPageBounds, IntegerRange, Length, QueryReader, NO_NUL_PATTERN};
use crate::macros::optional_fields;
use crate::user::{User, UserWithProfile};
use crate::{FormErrors, Snowflake, UserId};

/// A guild's name.
pub const GUILD_NAME_LENGTH: Length = Length::new(2, 100);

/// Declares a guild answer: Discord's partial guild fields (`id`, `name`, `icon`, `banner`), then
/// the answer's own.
macro_rules! partial_guild {
    ($($item:tt)*) => {
        optional_fields! {
            {
                pub id: Snowflake,
                pub name: String,
                #[schema(required = true)]
                pub icon: Option<String>,
                #[schema(required = true)]
                pub banner: Option<String>,
            }
            $($item)*
        }
    };
}

partial_guild! {
    /// A guild (`POST /guilds`, `GET /guilds/{guild_id}`).
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
    pub struct Guild {
        pub owner_id: UserId,
        /// Always empty: Astral has no guild features.
        pub features: Vec<String>,
        /// Number of members.
        pub approximate_member_count: i64,
    }
}

/// `POST /guilds`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CreateGuildRequest {
    #[schema(schema_with = guild_name_schema)]
    pub name: String,
}

fn guild_name_schema() -> ObjectBuilder {
    GUILD_NAME_LENGTH.schema().pattern(Some(NO_NUL_PATTERN)).description(Some(
        "No NUL (the form reader refuses NUL in every string: \
             `STRING_TYPE_INVALID_CHARACTERS`).",
    ))
}

impl CreateGuildRequest {
    pub fn read(body: &Value) -> Result<CreateGuildRequest, FormErrors> {
        let mut form = FormReader::new(body)?;
        let name = form
            .required_string("name")
            .and_then(|name| GUILD_NAME_LENGTH.check(form.errors(), "name", name));
        form.finish(|| Ok(CreateGuildRequest { name: name? }))
    }
}

// issue 16 D
optional_fields! {
    /// `PATCH /guilds/{guild_id}` (the owner only): rename the guild, or hand it to another
    /// member (`owner_id`: a person, not a bot, who is a member of the guild).
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
    pub struct UpdateGuildRequest {
        #[schema(schema_with = guild_name_schema)]
        pub name: Option<String>,
        /// The new owner: a member of the guild, a person (not a bot) whose account is active.
        #[schema(schema_with = owner_id_schema)]
        pub owner_id: Option<UserId>,
    }
}

fn owner_id_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .pattern(Some("^(0|[1-9][0-9]*)$"))
        .description(Some(
            "The new owner's id: a member of the guild, a person (not a bot), not disabled \
             (50035 `BASE_TYPE_CHOICES` otherwise).",
        ))
}

impl UpdateGuildRequest {
    pub fn read(body: &Value) -> Result<UpdateGuildRequest, FormErrors> {
        let mut form = FormReader::new(body)?;
        let name = form.optional_string("name").and_then(|name| {
            name.map(|n| GUILD_NAME_LENGTH.check(form.errors(), "name", n)).transpose()
        });
        let owner_id = match form.value("owner_id") {
            None => Ok(None),
            // A guild always has an owner: null is no owner to transfer to.
            Some(Value::Null) => {
                Err(form.refuse("owner_id", "BASE_TYPE_REQUIRED", "This field cannot be null"))
            }
            Some(Value::String(s)) if s.parse::<Snowflake>().is_ok() => {
                Ok(s.parse::<Snowflake>().ok().map(UserId))
            }
            Some(Value::Number(n)) if n.as_u64().is_some() => {
                Ok(n.as_u64().and_then(|n| n.to_string().parse::<Snowflake>().ok()).map(UserId))
            }
            Some(_) => {
                Err(form.refuse("owner_id", "NUMBER_TYPE_COERCE", "Value is not snowflake."))
            }
        };
        form.finish(|| Ok(UpdateGuildRequest { name: name?, owner_id: owner_id? }))
    }
}

/// Discord's paging of `GET /users/@me/guilds`.
#[derive(Debug, Clone, PartialEq, Eq, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GuildListQuery {
    /// Guilds with ids before this one.
    pub before: Option<Snowflake>,
    /// Guilds with ids after this one.
    pub after: Option<Snowflake>,
    #[param(schema_with = guild_list_limit_schema)]
    pub limit: i64,
    /// Include `approximate_member_count` and `approximate_presence_count`
    /// (`true`/`false`, `1`/`0`).
    #[param(required = false)]
    pub with_counts: bool,
}

impl GuildListQuery {
    /// Guilds per page.
    pub const LIMIT: IntegerRange = IntegerRange { min: 1, max: 200, default: 200 };

    /// `pairs`: the query string's decoded `name=value` pairs.
    pub fn read(pairs: &[(String, String)]) -> Result<GuildListQuery, FormErrors> {
        let mut query = QueryReader::new(pairs);
        let page = query.id_page(Self::LIMIT);
        let with_counts = query.bool("with_counts");
        query.finish(|| {
            let IdPageBounds { before, after, limit } = page?;
            Ok(GuildListQuery { before, after, limit, with_counts: with_counts? })
        })
    }
}

fn guild_list_limit_schema() -> ObjectBuilder {
    GuildListQuery::LIMIT.schema()
}

partial_guild! {
    /// One of the caller's guilds (`GET /users/@me/guilds`): Discord's partial guild.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
    pub struct MyGuild {
        /// Whether the caller owns the guild.
        pub owner: bool,
        /// The caller's permissions in the guild, as a decimal string.
        pub permissions: String,
        pub features: Vec<String>,
        /// With `with_counts`: the number of members.
        pub approximate_member_count: Option<i64>,
        /// With `with_counts`: members online. Astral has no gateway (no presence), so 0.
        pub approximate_presence_count: Option<i64>,
    }
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

/// The query of `GET /users/{user_id}/profile`.
#[derive(Debug, Clone, PartialEq, Eq, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProfileQuery {
    /// Include `mutual_guilds`.
    #[param(required = false)]
    pub with_mutual_guilds: bool,
    /// Include `mutual_friends`.
    #[param(required = false)]
    pub with_mutual_friends: bool,
    /// Include `mutual_friends_count`.
    #[param(required = false)]
    pub with_mutual_friends_count: bool,
}

impl ProfileQuery {
    /// `pairs`: the query string's decoded `name=value` pairs.
    pub fn read(pairs: &[(String, String)]) -> Result<ProfileQuery, FormErrors> {
        let mut query = QueryReader::new(pairs);
        let with_mutual_guilds = query.bool("with_mutual_guilds");
        let with_mutual_friends = query.bool("with_mutual_friends");
        let with_mutual_friends_count = query.bool("with_mutual_friends_count");
        query.finish(|| {
            Ok(ProfileQuery {
                with_mutual_guilds: with_mutual_guilds?,
                with_mutual_friends: with_mutual_friends?,
                with_mutual_friends_count: with_mutual_friends_count?,
            })
        })
    }
}

/// Discord's `user_profile` of a profile: what Astral has of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct UserProfileMetadata {
    /// The user's `bio`.
    #[schema(required = true)]
    pub bio: Option<String>,
}

optional_fields! {
    /// `GET /users/{user_id}/profile`.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
    pub struct UserProfile {
        /// The user with their pronouns.cc profile (self-only fields when it is the caller).
        pub user: UserWithProfile,
        /// Discord's profile metadata; its `bio` is the user's `bio`.
        pub user_profile: UserProfileMetadata,
        /// With `with_mutual_guilds`.
        pub mutual_guilds: Option<Vec<MutualGuild>>,
        /// With `with_mutual_friends`.
        pub mutual_friends: Option<Vec<User>>,
        /// With `with_mutual_friends_count`.
        pub mutual_friends_count: Option<i64>,
    }
}
