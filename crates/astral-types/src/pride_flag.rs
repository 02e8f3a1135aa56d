//! Pride flags (pronouns.cc's `flags`, named `pride_flags` here because Discord's `flags` is an
//! integer): a user's library of flag images with a name and an optional description (alt
//! text), and the ordered selection of them shown on the profile.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
use utoipa::ToSchema;

use crate::form::{short, Field, FormReader, Invalid, Length, NO_NUL_PATTERN};
use crate::macros::optional_fields;
use crate::profile::Path;
use crate::{FormErrors, Snowflake};

/// A flag's name (pronouns.cc: 1–100).
pub const PRIDE_FLAG_NAME_LENGTH: Length = Length::new(1, 100);
/// A flag's description when it is edited (pronouns.cc: 1–500; `null` clears it).
pub const PRIDE_FLAG_DESCRIPTION_LENGTH: Length = Length::new(1, 500);
/// A flag's description when it is created: pronouns.cc gives no minimum there, so an empty
/// description is accepted and means none (`null`).
pub const NEW_PRIDE_FLAG_DESCRIPTION_LENGTH: Length = Length::new(0, 500);
/// How many flags one user may have in their library (pronouns.cc's own cap). Creating one
/// more is 400 / 30080 ("Maximum number of pride flags reached (500)").
pub const MAX_PRIDE_FLAGS: i64 = 500;
/// How many of their flags a user may show on their profile (`pride_flags`), in order: more
/// than a profile can sensibly show, and it bounds the profile answer.
pub const MAX_PROFILE_PRIDE_FLAGS: usize = 100;

/// Why a flag id of `PATCH /users/@me`'s `pride_flags` was refused by the store, which decides
/// ownership and repeats in the update's transaction. Recorded with
/// `ProfileUpdate::refuse_pride_flag`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectionError {
    /// The id at `index` is not one of the user's flags (another user's, or none at all).
    NotYours { index: usize },
    /// The id at `index` was listed earlier already.
    Duplicate { index: usize },
    /// More than [`MAX_PROFILE_PRIDE_FLAGS`] ids.
    TooMany,
}

/// One id of `PATCH /users/@me`'s `pride_flags`: a snowflake as a string (Discord's form; a
/// JSON number would lose digits in JavaScript clients).
pub(crate) fn read_pride_flag_id(
    errors: &mut FormErrors,
    path: &Path,
    value: &Value,
) -> Result<Snowflake, Invalid> {
    match value {
        Value::String(s) => s.parse::<Snowflake>().map_err(|_| {
            path.refuse(
                errors,
                "NUMBER_TYPE_COERCE",
                format!("Value \"{}\" is not snowflake.", short(value)),
            )
        }),
        other => Err(path.refuse(
            errors,
            "STRING_TYPE_CONVERT",
            format!("Could not interpret \"{}\" as string.", short(other)),
        )),
    }
}

/// A pride flag (`GET /users/@me/flags`, and the profile's `pride_flags`). The image is at
/// `/flags/{hash}.webp` (server root).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PrideFlag {
    pub id: Snowflake,
    /// The image's hash: 32 lowercase hex characters; the image is `/flags/{hash}.webp`.
    pub hash: String,
    pub name: String,
    /// Description or alt text, if any.
    #[schema(required = true)]
    pub description: Option<String>,
}

optional_fields! {
    /// `POST /users/@me/flags`. Read by [`CreatePrideFlagRequest::read`]; decoding `flag` is the
    /// server's (on its image workers).
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
    pub struct CreatePrideFlagRequest {
        /// The flag image: a PNG, JPEG or WebP image as a data URI (`data:image/png;base64,…`) or
        /// raw base64, at most 10 MiB and 4096×4096 pixels (GIF is refused). It is stored as a
        /// lossless WebP scaled to fit 512×512. A refused image is 50035 `IMAGE_INVALID`.
        pub flag: String,
        #[schema(schema_with = pride_flag_name_schema)]
        pub name: String,
        #[schema(schema_with = new_pride_flag_description_schema)]
        pub description: Option<String>,
    }
}

optional_fields! {
    /// `PATCH /users/@me/flags/{flag_id}`: absent fields stay unchanged.
    #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
    pub struct UpdatePrideFlagRequest {
        #[schema(schema_with = pride_flag_name_schema)]
        pub name: Option<String>,
        #[schema(schema_with = pride_flag_description_schema)]
        pub description: Option<Option<String>>,
    }
}

fn pride_flag_name_schema() -> ObjectBuilder {
    PRIDE_FLAG_NAME_LENGTH
        .schema()
        .pattern(Some(NO_NUL_PATTERN))
        .description(Some("The flag's name, no NUL."))
}

fn new_pride_flag_description_schema() -> ObjectBuilder {
    // No `minLength: 0`: it says nothing, and the generated client would check a length < 0.
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .max_length(Some(NEW_PRIDE_FLAG_DESCRIPTION_LENGTH.max))
        .pattern(Some(NO_NUL_PATTERN))
        .description(Some("Description or alt text, no NUL; empty or `null` means none."))
}

fn pride_flag_description_schema() -> ObjectBuilder {
    PRIDE_FLAG_DESCRIPTION_LENGTH
        .nullable_schema()
        .pattern(Some(NO_NUL_PATTERN))
        .description(Some("New description or alt text, no NUL; `null` clears it."))
}

/// `POST /users/@me/flags` read but for the image: the server takes it
/// ([`NewPrideFlagDraft::take_flag`]), decodes it on its image workers, records a refusal
/// ([`NewPrideFlagDraft::refuse_flag`]) and hands the outcome to [`NewPrideFlagDraft::finish`],
/// so that every field's error is answered at once.
#[derive(Debug)]
pub struct NewPrideFlagDraft {
    errors: FormErrors,
    flag: Option<Result<String, Invalid>>,
    name: Result<String, Invalid>,
    description: Result<Option<String>, Invalid>,
}

/// A checked `POST /users/@me/flags` body (the image is the server's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPrideFlag {
    pub name: String,
    pub description: Option<String>,
}

impl CreatePrideFlagRequest {
    pub fn read(body: &Value) -> Result<NewPrideFlagDraft, FormErrors> {
        let mut form = FormReader::new(body)?;
        let flag = Some(form.required_string("flag"));
        let name = form
            .required_string("name")
            .and_then(|name| PRIDE_FLAG_NAME_LENGTH.check(form.errors(), "name", name));
        let description = form.string("description").and_then(|field| match field {
            Field::Value(text) if text.is_empty() => Ok(None),
            Field::Value(text) => NEW_PRIDE_FLAG_DESCRIPTION_LENGTH
                .check(form.errors(), "description", text)
                .map(Some),
            Field::Absent | Field::Null => Ok(None),
        });
        Ok(NewPrideFlagDraft { errors: form.into_errors(), flag, name, description })
    }
}

impl NewPrideFlagDraft {
    /// The `flag` field as sent, for the server to decode (its error is recorded already when
    /// it is missing or not a string). Taken once; a second call answers the same error proof.
    pub fn take_flag(&mut self) -> Result<String, Invalid> {
        match self.flag.take() {
            Some(flag) => flag,
            None => Err(self.refuse_flag("The image was already taken.")),
        }
    }

    /// Records the decoder's refusal of the image (`IMAGE_INVALID` on `flag`).
    pub fn refuse_flag(&mut self, message: impl Into<String>) -> Invalid {
        crate::form::refuse(&mut self.errors, "flag", "IMAGE_INVALID", message)
    }

    /// The checked fields and the decoded image, or every recorded error.
    pub fn finish<T>(self, image: Result<T, Invalid>) -> Result<(NewPrideFlag, T), FormErrors> {
        let NewPrideFlagDraft { errors, flag: _, name, description } = self;
        crate::form::finish(errors, || {
            Ok((NewPrideFlag { name: name?, description: description? }, image?))
        })
    }
}

/// A checked `PATCH /users/@me/flags/{flag_id}` body: `None` leaves a field unchanged,
/// `Some(None)` clears the description.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrideFlagChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
}

impl UpdatePrideFlagRequest {
    pub fn read(body: &Value) -> Result<PrideFlagChanges, FormErrors> {
        let mut form = FormReader::new(body)?;
        let name = form.optional_string("name").and_then(|name| match name {
            Some(name) => PRIDE_FLAG_NAME_LENGTH.check(form.errors(), "name", name).map(Some),
            None => Ok(None),
        });
        let description = form.string("description").and_then(|field| {
            field.check(|text| {
                PRIDE_FLAG_DESCRIPTION_LENGTH.check(form.errors(), "description", text)
            })
        });
        form.finish(|| Ok(PrideFlagChanges { name: name?, description: description?.into_patch() }))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn limits_hold_at_their_boundaries() {
        let at = |n: usize| "ä".repeat(n);
        let ok = json!({"flag": "x", "name": at(100), "description": at(500)});
        let mut draft = CreatePrideFlagRequest::read(&ok).unwrap();
        let image = draft.take_flag();
        assert_eq!(image, Ok("x".to_owned()));
        assert_eq!(draft.finish(image).unwrap().0.description, Some(at(500)));
        let long = json!({"flag": "x", "name": at(101), "description": at(501)});
        let errors = CreatePrideFlagRequest::read(&long).unwrap().finish(Ok(())).unwrap_err();
        assert!(errors.has_field("name") && errors.has_field("description"));
        let patch = json!({"name": "", "description": ""});
        let errors = UpdatePrideFlagRequest::read(&patch).unwrap_err();
        assert!(errors.has_field("name") && errors.has_field("description"));
    }

    #[test]
    fn an_empty_new_description_is_none_and_null_clears_an_edited_one() {
        let body = json!({"flag": "x", "name": "Flag", "description": ""});
        let (new, ()) = CreatePrideFlagRequest::read(&body).unwrap().finish(Ok(())).unwrap();
        assert_eq!(new.description, None);
        let changes = UpdatePrideFlagRequest::read(&json!({"description": null})).unwrap();
        assert_eq!(changes, PrideFlagChanges { name: None, description: Some(None) });
        let errors = UpdatePrideFlagRequest::read(&json!({"name": null})).unwrap_err();
        assert!(errors.has_field("name"));
    }

    #[test]
    fn a_refused_image_is_reported_with_the_other_fields() {
        let mut draft = CreatePrideFlagRequest::read(&json!({"flag": "x", "name": ""})).unwrap();
        let image = draft.take_flag().and_then(|_| Err::<(), _>(draft.refuse_flag("Not one.")));
        let errors = draft.finish(image).unwrap_err();
        assert!(errors.has_field("flag") && errors.has_field("name"));
    }

    #[test]
    fn a_missing_flag_and_name_are_both_reported() {
        let mut draft = CreatePrideFlagRequest::read(&json!({})).unwrap();
        let image = draft.take_flag();
        let errors = draft.finish(image).unwrap_err();
        assert!(errors.has_field("flag") && errors.has_field("name"));
    }
}
