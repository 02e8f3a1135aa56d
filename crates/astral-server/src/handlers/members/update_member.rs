use actix_web::{patch, web::Json};
use astral_store::{ProfileMemberChanges, Store};
use astral_types::form::Field;
use astral_types::member::{ProfileMember, ProfileMemberRequest};

use super::{member_refused, read_member_body, unknown_member, Member, UnknownMember};
use crate::body::{ImageJsonBody, InvalidBody};
use crate::error::ApiError;
use crate::handlers::path::InPath;
use crate::handlers::{Authed, Reply};
use crate::wire;

/// Modify a member.
///
/// By id or short id; the owner's only (anyone else gets 404 / 19001, as for a member that
/// does not exist). Absent fields are unchanged; `null` clears `display_name`, `bio` and
/// `avatar`. A new `name` must not be another of the owner's members' (50035
/// `MEMBER_NAME_ALREADY_TAKEN`). Nothing is changed unless every field is valid.
#[utoipa::path(
    tag = "members",
    params(InPath<Member>),
    request_body(content = ProfileMemberRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The updated member.", body = ProfileMember),
        InvalidBody,
        UnknownMember,
    )
)]
#[patch("/members/{member_id}")]
pub async fn update_member(
    cx: Authed,
    member: InPath<Member>,
    body: ImageJsonBody,
) -> Reply<Json<ProfileMember>> {
    let (key, me) = (member.get()?, cx.me());
    let draft = ProfileMemberRequest::read(&body.0, false).map_err(ApiError::form)?;
    // Another user's member is refused before an image is decoded for it; a value equal to
    // the member's current avatar hash changes nothing. The update itself decides again.
    let current = match draft.avatar {
        Field::Value(_) => {
            let lookup = key.clone();
            let member = cx
                .state
                .run(move |store| store.profile_member(Some(me), lookup))
                .await?
                .filter(|m| m.owner() == me)
                .ok_or_else(unknown_member)?;
            member.avatar
        }
        _ => None,
    };
    let (input, avatar) = read_member_body(&cx.state, draft, current).await?;
    let changes = ProfileMemberChanges { input, avatar };
    let update = move |store: &Store| store.update_profile_member(me, key, changes);
    Ok(Json(wire::profile_member(&cx.state.decide(update, member_refused).await?)))
}
