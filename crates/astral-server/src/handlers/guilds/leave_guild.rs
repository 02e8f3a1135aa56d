use actix_web::delete;
use astral_types::ErrorBody;

use super::{guild_refused, Guild, NotInGuild};
use crate::handlers::path::InPath;
use crate::handlers::{no_content, Authed, Reply};

operations! {
    [
        tag = "guilds",
        responses(
            (status = 204, description = "Left."),
            (status = 400, description = "The owner cannot leave (50035 `GUILD_OWNER_CANNOT_LEAVE`).", body = ErrorBody),
            NotInGuild,
        )
    ]
    fn(cx: Authed, guild: InPath<Guild>) -> Reply {
        // A guild the caller is not in is unknown to them.
        let (guild, me) = (guild.get()?, cx.me());
        cx.state.decide(move |store| store.leave_guild(guild, me), guild_refused).await?;
        no_content()
    }

    /// Leave a guild.
    ///
    /// The owner cannot leave (400, 50035 `GUILD_OWNER_CANNOT_LEAVE`).
    #[delete("/users/@me/guilds/{guild_id}")]
    params(InPath<Guild>)
    pub async fn leave_guild;

    /// Leave a community (Saryno's name for `DELETE /users/@me/guilds/{guild_id}`).
    #[delete("/users/@me/communities/{community_id}")]
    params(("community_id" = String, Path, description = "The guild's id."))
    pub async fn leave_community;
}
