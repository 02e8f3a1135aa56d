use actix_web::{get, web::Json, HttpRequest};
use astral_store::GuildPage;
use astral_types::guild::{GuildListQuery, MyGuild};

use crate::error::ApiError;
use crate::handlers::{Authed, Reply};
use crate::query::{query_pairs, InvalidQuery};
use crate::wire;

operations! {
    [
        tag = "guilds",
        params(GuildListQuery),
        responses(
            (status = 200, description = "One page of guilds.", body = Vec<MyGuild>),
            InvalidQuery,
        )
    ]
    fn(cx: Authed, req: HttpRequest) -> Reply<Json<Vec<MyGuild>>> {
        let GuildListQuery { before, after, limit, with_counts } =
            GuildListQuery::read(&query_pairs(&req)).map_err(ApiError::form)?;
        let page = GuildPage { before, after, limit };
        let me = cx.me();
        let guilds = cx.state.run(move |store| store.my_guilds(me, page, with_counts)).await?;
        Ok(Json(guilds.iter().map(|g| wire::my_guild(g, me)).collect()))
    }

    /// List the current user's guilds.
    ///
    /// Ascending by id, keyset-paginated with `before` / `after` / `limit`.
    #[get("/users/@me/guilds")]
    pub async fn list_my_guilds;

    /// List the current user's communities (Saryno's name for `GET /users/@me/guilds`).
    #[get("/users/@me/communities")]
    pub async fn list_my_communities;
}
