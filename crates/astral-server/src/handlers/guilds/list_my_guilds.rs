use actix_web::{get, web, web::Json, HttpRequest};
use astral_store::GuildPage;
use astral_types::guild::{GuildListQuery, MyGuild};
use astral_types::ErrorBody;

use super::permissions;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::query::query_pairs;
use crate::state::AppState;

async fn list(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
) -> Result<Vec<MyGuild>, ApiError> {
    let GuildListQuery {
        before,
        after,
        limit,
        with_counts,
    } = GuildListQuery::read(&query_pairs(req)).map_err(ApiError::form)?;
    let page = GuildPage {
        before,
        after,
        limit,
    };
    let me = caller.id();
    let guilds = state.run(move |store| store.my_guilds(me, page)).await?;
    let counts = if with_counts {
        let ids: Vec<i64> = guilds.iter().map(|g| g.id).collect();
        Some(state.run(move |store| store.member_counts(&ids)).await?)
    } else {
        None
    };
    Ok(guilds
        .iter()
        .map(|g| MyGuild {
            id: g.guild_id(),
            name: g.name.clone(),
            icon: g.icon.clone(),
            banner: g.banner.clone(),
            owner: g.owner() == me,
            permissions: permissions(g, me),
            features: Vec::new(),
            approximate_member_count: counts.as_ref().map(|c| c.get(&g.id).copied().unwrap_or(0)),
            approximate_presence_count: counts.as_ref().map(|_| 0),
        })
        .collect())
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
