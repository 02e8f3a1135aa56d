use actix_web::{get, web::Json};
use astral_types::channel::PrivateChannel;

use crate::handlers::{Authed, Reply};
use crate::wire;

/// List the current user's open DMs and group DMs.
///
/// All of them, by id (Discord does not page this list).
#[utoipa::path(
    tag = "channels",
    responses(
        (status = 200, description = "The channels.", body = Vec<PrivateChannel>),
    )
)]
#[get("/users/@me/channels")]
pub async fn list_my_private_channels(cx: Authed) -> Reply<Json<Vec<PrivateChannel>>> {
    let me = cx.me();
    let channels = cx.state.run(move |store| store.my_channels(me)).await?;
    Ok(Json(channels.iter().map(|c| wire::private_channel(c, me)).collect()))
}
