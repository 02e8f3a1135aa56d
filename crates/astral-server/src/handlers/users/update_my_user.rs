use actix_web::{patch, web::Json};
use astral_media::{decode_upload, Upload};
use astral_store::{StoreError, UserChanges, UserUpdateRefusal};
use astral_types::form::Field;
use astral_types::user::{PrivateUserWithProfile, UpdateMyUserRequest};

use crate::body::{ImageJsonBody, InvalidBody};
use crate::error::ApiError;
use crate::handlers::auth::register::conflict;
use crate::handlers::images::image_error;
use crate::handlers::{Authed, Reply};
use crate::wire;

/// Modify the current user.
///
/// Absent fields are left unchanged; `null` clears a nullable field (`global_name`, `avatar`,
/// `banner`, `bio`, `member_title`, `timezone`). The pronouns.cc profile fields, their limits
/// and the aliases `name`, `display_name`, `pronouns` and `flags` (both as arrays) are
/// described in the request schema; a `status` naming none of the caller's custom preferences
/// (those in effect after the change) is a field error at its path, and so is a `pride_flags`
/// id that is not one of the caller's flags or is listed twice. `avatar` and `banner` take a PNG, JPEG,
/// GIF or WebP image as a data URI (`data:image/png;base64,…`) or raw base64, at most 10 MiB
/// and 4096×4096 pixels; the user object then carries its hash; an animated GIF's frames ×
/// width × height may be at most 2^26. Unknown fields are ignored. Nothing is changed unless
/// every field is valid. Returns the updated user; 503 (with `Retry-After`) when the image
/// workers stay busy.
#[utoipa::path(
    tag = "users",
    request_body(content = UpdateMyUserRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The updated user.", body = PrivateUserWithProfile),
        InvalidBody,
    )
)]
#[patch("/users/@me")]
pub async fn update_my_user(
    cx: Authed,
    body: ImageJsonBody,
) -> Reply<Json<PrivateUserWithProfile>> {
    let mut draft = UpdateMyUserRequest::read(&body.0).map_err(ApiError::form)?;
    let avatar = std::mem::take(&mut draft.avatar);
    let banner = std::mem::take(&mut draft.banner);

    // Images are decoded (CPU-heavy) on the image workers, never the database's threads; busy
    // workers answer 503. A value equal to the current hash is a no-op, as the Astral seed's
    // PATCH example sends the hash back.
    let current = (cx.caller.user.avatar.clone(), cx.caller.user.banner.clone());
    let (avatar, banner) = cx
        .state
        .images
        .decode(move || (read_image(avatar, current.0), read_image(banner, current.1)))
        .await
        .map_err(image_error)?;

    let errors = draft.errors();
    let mut uploads = Vec::new();
    let mut image_change = |name: &str, outcome: ImageField| match outcome {
        ImageField::Unchanged => None,
        ImageField::Clear => Some(None),
        ImageField::Upload(upload) => {
            let hash = upload.hash.clone();
            uploads.push(upload);
            Some(Some(hash))
        }
        ImageField::Invalid(message) => {
            errors.field(name, "IMAGE_INVALID", message);
            None
        }
    };
    let avatar = image_change("avatar", avatar);
    let banner = image_change("banner", banner);
    // Every field error at once: a refused image is recorded above, the rest are checked here.
    let update = draft.finish(&cx.state.username_rule).map_err(ApiError::form)?;
    let changes = UserChanges {
        username: update.username,
        global_name: update.global_name,
        locale: update.locale,
        avatar,
        banner,
        profile: update.profile,
    };

    // Stored before the user row points at them. Content-addressed: should the update below
    // fail, an unreferenced file is harmless, and a retry finds it in place.
    if !uploads.is_empty() {
        let originals = uploads.into_iter().map(|u| (u.hash, u.bytes)).collect();
        cx.state.images.store_originals(originals).await.map_err(image_error)?;
    }

    let user_id = cx.me();
    match cx.state.db(move |store| store.update_user(user_id, changes)).await? {
        Ok(Ok(user)) => Ok(Json(wire::private_user_with_profile(&user))),
        Ok(Err(UserUpdateRefusal::FieldErrors(errors))) => Err(ApiError::form(errors)),
        Err(StoreError::Conflict(field)) => Err(conflict(field)),
        // The account was deleted between authentication and the update.
        Err(StoreError::NotFound) => Err(ApiError::unauthorized()),
        Err(e) => Err(e.into()),
    }
}

/// What an `avatar` / `banner` field asks for.
enum ImageField {
    Unchanged,
    Clear,
    Upload(Upload),
    Invalid(String),
}

fn read_image(field: Field<String>, current: Option<String>) -> ImageField {
    match field {
        Field::Absent => ImageField::Unchanged,
        Field::Null => ImageField::Clear,
        Field::Value(v) if current.as_deref() == Some(v.as_str()) => ImageField::Unchanged,
        Field::Value(v) => match decode_upload(&v) {
            Ok(upload) => ImageField::Upload(upload),
            Err(e) => ImageField::Invalid(e.0),
        },
    }
}
