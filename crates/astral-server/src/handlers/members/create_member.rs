use actix_web::{post, web::Json};
use astral_store::{NewProfileMember, Store};
use astral_types::member::{CreateProfileMemberRequest, ProfileMember};
use astral_types::ErrorBody;

use super::{member_refused, read_member_body, MAX_MEMBERS};
use crate::body::ImageJsonBody;
use crate::error::ApiError;
use crate::handlers::{Authed, Reply};
use crate::wire;

/// Create a member.
///
/// pronouns.cc's members: profiles kept under the caller's account (not guild members). `name`
/// is required and unique among the caller's members ignoring case (50035
/// `MEMBER_NAME_ALREADY_TAKEN`); `pronouns` as an array is accepted for `pronoun_entries`. A
/// user has at most 500 members (400 / 39001). Nothing is created unless every field is valid.
/// Bots have no members (403 / 20001). 503 (with `Retry-After`) when the image workers stay
/// busy.
#[utoipa::path(
    tag = "members",
    request_body(content = CreateProfileMemberRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The new member.", body = ProfileMember,
            links(
                ("get_member" = (operation_id = "get_member", parameters(("member_id" = "$response.body#/id")))),
                ("update_member" = (operation_id = "update_member", parameters(("member_id" = "$response.body#/id")))),
                ("delete_member" = (operation_id = "delete_member", parameters(("member_id" = "$response.body#/id"))))
            )
        ),
        (status = 400, description = "Invalid JSON (50109), invalid fields (50035), or the caller has 500 members already (39001).", body = ErrorBody),
        (status = 403, description = "Bots have no members (20001).", body = ErrorBody),
    )
)]
#[post("/members")]
pub async fn create_member(cx: Authed, body: ImageJsonBody) -> Reply<Json<ProfileMember>> {
    let owner = cx.users_only()?;
    let draft = CreateProfileMemberRequest::read(&body.0).map_err(ApiError::form)?;
    let (input, avatar) = read_member_body(&cx.state, draft, None).await?;
    let new = NewProfileMember {
        // `read` requires it on create.
        name: input.name.ok_or_else(|| ApiError::internal("a member without a name"))?,
        display_name: input.display_name.flatten(),
        bio: input.bio.flatten(),
        avatar: avatar.flatten(),
        links: input.links.unwrap_or_default(),
        names: input.lists.names.unwrap_or_default(),
        pronoun_entries: input.lists.pronoun_entries.unwrap_or_default(),
        pronouns_key: input.lists.pronouns_key,
        fields: input.lists.fields.unwrap_or_default(),
        hidden: input.hidden.unwrap_or(false),
    };
    let create = move |store: &Store| store.create_profile_member(owner, new, MAX_MEMBERS);
    Ok(Json(wire::profile_member(&cx.state.decide(create, member_refused).await?)))
}
