use super::{member_refused, Member, UnknownMember};
use crate::handlers::path::InPath;
use crate::handlers::{no_content, Authed, Deleted, Reply};
use actix_web::delete;

/// Delete a member.
///
/// By id or short id; the owner's only (anyone else gets 404 / 19001, as for a member that
/// does not exist).
#[utoipa::path(
    tag = "members",
    params(InPath<Member>),
    responses(
        Deleted,
        UnknownMember,
    )
)]
#[delete("/members/{member_id}")]
pub async fn delete_member(cx: Authed, member: InPath<Member>) -> Reply {
    let (key, me) = (member.get()?, cx.me());
    cx.state.decide(move |store| store.delete_profile_member(me, key), member_refused).await?;
    no_content()
}
