use super::{pride_flag_refused, Flag, UnknownPrideFlag};
use crate::handlers::path::InPath;
use crate::handlers::relationships::BotsRefused;
use crate::handlers::{no_content, Authed, Deleted, Reply};
use actix_web::delete;

/// Delete one of the current user's pride flags.
///
/// It is removed from the profile's `pride_flags` too. Another user's flag is unknown
/// (404 / 10080).
#[utoipa::path(
    tag = "pride-flags",
    params(InPath<Flag>),
    responses(
        Deleted,
        BotsRefused,
        UnknownPrideFlag,
    )
)]
#[delete("/users/@me/flags/{flag_id}")]
pub async fn delete_pride_flag(cx: Authed, flag: InPath<Flag>) -> Reply {
    let (me, flag) = (cx.users_only()?, flag.get()?);
    cx.state.decide(move |store| store.delete_pride_flag(me, flag), pride_flag_refused).await?;
    no_content()
}
