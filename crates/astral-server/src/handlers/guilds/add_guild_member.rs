use actix_web::{put, HttpResponse};
use astral_store::BotAdded;
use astral_types::ErrorBody;

use super::{guild_refused, Guild};
use crate::handlers::path::InPath;
use crate::handlers::users::User;
use crate::handlers::{no_content, Authed, Reply};
use crate::wire;

/// Add a bot to a guild (owner only).
///
/// As when an owner authorises a bot: the target must be a bot account; people join by invite.
/// 201 with the member when added, 204 when it already was one.
#[utoipa::path(
    tag = "guilds",
    params(
        InPath<Guild>,
        ("user_id" = String, Path, description = "The bot's id."),
    ),
    responses(
        (status = 201, description = "Added.", body = astral_types::guild::GuildMember),
        (status = 204, description = "Already a member."),
        (status = 403, description = "Not the owner, or the target is not a bot (50013).", body = ErrorBody),
        (status = 404, description = "Unknown guild (10004) or user (10013).", body = ErrorBody),
    )
)]
#[put("/guilds/{guild_id}/members/{user_id}")]
pub async fn add_guild_member(cx: Authed, guild: InPath<Guild>, bot: InPath<User>) -> Reply {
    let (guild, owner, bot) = (guild.get()?, cx.me(), bot.get());
    match cx
        .state
        .decide(move |store| store.add_bot_to_guild(guild, owner, bot), guild_refused)
        .await?
    {
        BotAdded::Added(member) => Ok(HttpResponse::Created().json(wire::guild_member(&member))),
        BotAdded::AlreadyMember => no_content(),
    }
}
