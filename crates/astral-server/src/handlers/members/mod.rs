//! `/members/*` and `GET /users/{user_id}/members`: pronouns.cc's members, profiles a user
//! keeps under their account (not guild members).
//!
//! Only the owner creates, edits or deletes a member; anyone else, for a member of another
//! user, gets 404 Unknown Member (19001), as for a member that does not exist, so existence
//! does not leak. Hidden members, and every member of a user whose list is private, are the
//! owner's alone: others (and anonymous callers) get 404 for the member and leave them out of
//! the list. Reads need no token.

pub mod create_member;
pub mod delete_member;
pub mod get_member;
pub mod list_user_members;
pub mod update_member;

use astral_media::{decode_upload, ImageKind};
use astral_store::{MemberKey, MemberRefusal};
use astral_types::form::Field;
use astral_types::member::{is_member_sid, ProfileMemberDraft, ProfileMemberInput};
use astral_types::ErrorBody;

use crate::error::{ApiError, ErrorKind};
use crate::handlers::images::image_error;
use crate::handlers::path::PathKind;
use crate::state::AppState;

/// The most members one user may have (JSON code 39001, "Maximum number of members reached
/// (500)"): pronouns.cc's own cap is 500 too.
pub const MAX_MEMBERS: i64 = 500;

pub(crate) fn unknown_member() -> ApiError {
    ApiError::new(ErrorKind::UnknownMember)
}

/// [`unknown_member`] as the owner's writes document it.
#[derive(utoipa::IntoResponses)]
#[response(status = 404, description = "Unknown member, or another user's (19001).")]
pub struct UnknownMember(pub ErrorBody);

/// The member a path names: a snowflake is an id, 6 lowercase letters a short id; anything
/// else names no member (404 / 19001).
pub(crate) enum Member {}

impl PathKind for Member {
    const NAMES: &'static [&'static str] = &["member_id"];
    const DESCRIPTION: &'static str =
        "The member's id (a snowflake) or short id (6 lowercase letters).";
    type Value = Result<MemberKey, ApiError>;
    fn read(segment: &str) -> Self::Value {
        if let Ok(id) = segment.parse() {
            Ok(MemberKey::Id(id))
        } else if is_member_sid(segment) {
            Ok(MemberKey::Sid(segment.to_owned()))
        } else {
            Err(unknown_member())
        }
    }
}

/// What a refused member use case answers.
pub(crate) fn member_refused(refusal: MemberRefusal) -> ApiError {
    match refusal {
        MemberRefusal::UnknownStatuses(errors) => ApiError::form(errors),
        MemberRefusal::UnknownMember => unknown_member(),
        MemberRefusal::TooManyMembers => ApiError::new(ErrorKind::TooManyMembers),
        MemberRefusal::NameTaken => ApiError::field(
            "name",
            "MEMBER_NAME_ALREADY_TAKEN",
            "You already have a member with this name.",
        ),
    }
}

/// What an `avatar` field asks for.
pub(crate) enum AvatarField {
    Unchanged,
    Clear,
    Upload(astral_media::Upload),
    Invalid(String),
}

/// Decodes `avatar` (on the image workers; busy workers are a 503) and records a refused
/// image in the draft; then checks the rest of the body, every error at once. A value equal to
/// `current` (the member's hash) changes nothing.
pub(crate) async fn read_member_body(
    state: &AppState,
    mut draft: ProfileMemberDraft,
    current: Option<String>,
) -> Result<(ProfileMemberInput, Option<Option<String>>), ApiError> {
    let avatar = std::mem::take(&mut draft.avatar);
    let avatar = match avatar {
        Field::Absent => AvatarField::Unchanged,
        Field::Null => AvatarField::Clear,
        Field::Value(v) if current.as_deref() == Some(v.as_str()) => AvatarField::Unchanged,
        Field::Value(v) => {
            state.images.decode(move || read_avatar(&v)).await.map_err(image_error)?
        }
    };
    let (avatar, upload) = match avatar {
        AvatarField::Unchanged => (None, None),
        AvatarField::Clear => (Some(None), None),
        AvatarField::Upload(upload) => (Some(Some(upload.hash.clone())), Some(upload)),
        AvatarField::Invalid(message) => {
            draft.errors().field("avatar", "IMAGE_INVALID", message);
            (None, None)
        }
    };
    let input = draft.finish().map_err(ApiError::form)?;
    // Stored before a member row points at it. Content-addressed: should the write fail, an
    // unreferenced file is harmless, and a retry finds it in place.
    if let Some(upload) = upload {
        state
            .images
            .store_originals(vec![(upload.hash, upload.bytes)])
            .await
            .map_err(image_error)?;
    }
    Ok((input, avatar))
}

/// pronouns.cc takes PNG, JPEG and WebP member avatars; GIF is refused.
fn read_avatar(value: &str) -> AvatarField {
    match decode_upload(value) {
        Ok(upload) if upload.kind == ImageKind::Gif => {
            AvatarField::Invalid("Member avatars must be a PNG, JPEG or WebP image.".to_owned())
        }
        Ok(upload) => AvatarField::Upload(upload),
        Err(e) => AvatarField::Invalid(e.0),
    }
}
