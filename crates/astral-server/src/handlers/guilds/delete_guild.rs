use actix_web::delete;
use astral_types::ErrorBody;

use super::{guild_refused, UnknownGuild};
use crate::handlers::path::InPath;
use crate::handlers::{no_content, Authed, Deleted, Reply};

/// Delete a guild (the owner only).
///
/// Its memberships and invites go with it. A member who is not the owner gets 403 / 50013,
/// someone who is not a member 403 / 50001.
#[utoipa::path(
    tag = "guilds",
    params(InPath<super::Guild>),
    responses(
        Deleted,
        (status = 403, description = "Not a member (50001), or not the owner (50013).", body = ErrorBody),
        UnknownGuild,
    )
)]
#[delete("/guilds/{guild_id}")]
pub async fn delete_guild(cx: Authed, guild: InPath<super::Guild>) -> Reply {
    let (guild, me) = (guild.get()?, cx.me());
    cx.state.decide(move |store| store.delete_guild(guild, me), guild_refused).await?;
    no_content()
}
