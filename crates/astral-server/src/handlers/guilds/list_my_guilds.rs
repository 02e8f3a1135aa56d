use actix_web::{get, web, web::Json, HttpRequest};
use astral_store::GuildPage;
use astral_types::guild::{GuildListQuery, MyGuild};
use astral_types::ErrorBody;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::query::query_pairs;
use crate::state::AppState;
use crate::wire;

async fn list(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
) -> Result<Vec<MyGuild>, ApiError> {
    let GuildListQuery { before, after, limit, with_counts } =
        GuildListQuery::read(&query_pairs(req)).map_err(ApiError::form)?;
    let page = GuildPage { before, after, limit };
    let me = caller.id();
    let guilds = state.run(move |store| store.my_guilds(me, page, with_counts)).await?;
    Ok(guilds.iter().map(|g| wire::my_guild(g, me)).collect())
}

/// List the current user's guilds.
///
/// Ascending by id, keyset-paginated with `before` / `after` / `limit`.
#[utoipa::path(
    operation_id = "list_my_guilds",
    tag = "guilds",
    params(GuildListQuery),
    responses(
        (status = 200, description = "One page of guilds.", body = Vec<MyGuild>),
        (status = 400, description = "Invalid query parameter (50035).", body = ErrorBody),
    )
)]
#[get("/users/@me/guilds")]
pub async fn list_my_guilds(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<Json<Vec<MyGuild>>, ApiError> {
    Ok(Json(list(&state, &caller, &req).await?))
}

/// List the current user's communities (Saryno's name for `GET /users/@me/guilds`).
#[utoipa::path(
    operation_id = "list_my_communities",
    tag = "guilds",
    params(GuildListQuery),
    responses(
        (status = 200, description = "One page of guilds.", body = Vec<MyGuild>),
        (status = 400, description = "Invalid query parameter (50035).", body = ErrorBody),
    )
)]
#[get("/users/@me/communities")]
pub async fn list_my_communities(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<Json<Vec<MyGuild>>, ApiError> {
    Ok(Json(list(&state, &caller, &req).await?))
}
