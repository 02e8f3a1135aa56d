use actix_web::{put, web, HttpResponse};
use astral_store::BotAdded;
use astral_types::ErrorBody;

use super::{guild_id_in_path, guild_refused};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::handlers::users::user_id_in_path;
use crate::state::AppState;
use crate::wire;

/// Add a bot to a guild (owner only).
///
/// As when an owner authorises a bot: the target must be a bot account; people join by invite.
/// 201 with the member when added, 204 when it already was one.
#[utoipa::path(
    operation_id = "add_guild_member",
    tag = "guilds",
    params(
        ("guild_id" = String, Path, description = "The guild's id."),
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
pub async fn add_guild_member(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (guild_id, user_id) = path.into_inner();
    let guild = guild_id_in_path(&guild_id)?;
    let (owner, bot) = (caller.id(), user_id_in_path(&user_id));
    let outcome = state
        .run(move |store| store.add_bot_to_guild(guild, owner, bot))
        .await?
        .map_err(guild_refused)?;
    Ok(match outcome {
        BotAdded::Added(member) => HttpResponse::Created().json(wire::guild_member(&member)),
        BotAdded::AlreadyMember => HttpResponse::NoContent().finish(),
    })
}
