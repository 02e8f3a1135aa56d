use actix_web::{get, web, web::Json, HttpRequest};
use astral_store::GuildPage;
use astral_types::guild::MyGuild;
use astral_types::{ErrorBody, Snowflake};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::query::Query;
use crate::state::AppState;
use crate::wire;

/// Discord's paging of `GET /users/@me/guilds`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GuildListQuery {
    /// Guilds with ids before this one.
    #[param(value_type = Option<Snowflake>)]
    pub before: Option<String>,
    /// Guilds with ids after this one.
    #[param(value_type = Option<Snowflake>)]
    pub after: Option<String>,
    /// 1–200 (default 200).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i32>,
    /// Include `approximate_member_count` and `approximate_presence_count`
    /// (`true`/`false`, `1`/`0`).
    pub with_counts: Option<bool>,
}

async fn list(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
) -> Result<Vec<MyGuild>, ApiError> {
    let mut query = Query::of(req);
    let page = GuildPage {
        before: query.snowflake_bound("before"),
        after: query.snowflake_bound("after"),
        limit: query.integer("limit", 1, 200, 200),
    };
    let with_counts = query.bool("with_counts");
    query.finish()?;
    let me = caller.id();
    let guilds = state
        .run(move |store| store.my_guilds(me, page, with_counts))
        .await?;
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
        (status = 401, description = "Missing, invalid or revoked token.", body = ErrorBody),
        (status = "5XX", description = "Server or database failure.", body = ErrorBody),
    ),
    security(("BotToken" = []), ("BearerToken" = []), ("UserToken" = []))
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
        (status = 401, description = "Missing, invalid or revoked token.", body = ErrorBody),
        (status = "5XX", description = "Server or database failure.", body = ErrorBody),
    ),
    security(("BotToken" = []), ("BearerToken" = []), ("UserToken" = []))
)]
#[get("/users/@me/communities")]
pub async fn list_my_communities(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
) -> Result<Json<Vec<MyGuild>>, ApiError> {
    Ok(Json(list(&state, &caller, &req).await?))
}
