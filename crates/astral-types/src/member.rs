//! pronouns.cc's members (`ProfileMember`): profiles a user keeps under their account, not
//! guild members. Their profile-shaped fields (links, names, pronoun entries, fields) have the
//! user profile's shapes and rules.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::schema::ObjectBuilder;
use utoipa::{IntoParams, ToSchema};

use crate::form::{
    finish, Field, FormReader, IdPageBounds, IntegerRange, Invalid, Length, QueryReader,
};
use crate::macros::optional_fields;
use crate::profile::request_with_profile_lists;
use crate::profile::{
    pronoun_entries_schema, FieldEntry, ProfileField, ProfileLists, ProfileListsDraft,
    PronounEntry, BIO_LENGTH,
};
use crate::{FormErrors, Snowflake, UserId};

/// A member's name: 1–100 characters (pronouns.cc's), none of [`MEMBER_NAME_FORBIDDEN`].
pub const MEMBER_NAME_LENGTH: Length = Length::new(1, 100);
/// A member's display name (pronouns.cc's 1–100; a member has no Discord rule to follow).
pub const MEMBER_DISPLAY_NAME_LENGTH: Length = Length::new(1, 100);
/// Characters a member name may not hold: it is a path segment of pronouns.cc's profile URLs
/// (`/@user/member`), so nothing a URL gives a meaning to (`/`, `\`, `?`, `#`, `@`), and no
/// control character. Every other character, letters of any script and emoji included, is
/// allowed.
pub const MEMBER_NAME_FORBIDDEN: [char; 5] = ['/', '\\', '?', '#', '@'];

/// At most this many members in a profile's `members` (`UserWithProfile`,
/// `PrivateUserWithProfile`): the first by id that are not hidden. The full list is paged at
/// `GET /users/{user_id}/members`; the cap bounds a profile's answer.
pub const MAX_PROFILE_MEMBERS: usize = 50;

const MEMBER_NAME_RULE: &str = "1–100 characters; not `/`, `\\`, `?`, `#`, `@` nor control \
                                characters, and not `.` or `..` (a name is a URL path segment)";

/// Declares a member answer: pronouns.cc's partial member (`id`, `sid`, `name`, `display_name`,
/// `bio`, `avatar`, `links`, `names`, `pronoun_entries`; each documented here once), with the
/// full member's own fields in the first brace group (after `sid`) and in the one after
/// `partial_member` (at the end).
macro_rules! profile_member {
    (
        $(#[$meta:meta])*
        pub struct $name:ident { $($after_sid:tt)* }
        partial_member
        { $($after:tt)* }
    ) => {
        optional_fields! {
            $(#[$meta])*
            pub struct $name {
                pub id: Snowflake,
                /// 6 lowercase letters, unique: `GET /members/{member_id}` takes it in place of the id.
                pub sid: String,
                $($after_sid)*
                /// Unique among the owner's members, ignoring case.
                pub name: String,
                #[schema(required = true)]
                pub display_name: Option<String>,
                #[schema(required = true)]
                pub bio: Option<String>,
                /// Avatar hash, served at `/member-avatars/{member_id}/{hash}.{ext}`.
                #[schema(required = true)]
                pub avatar: Option<String>,
                pub links: Vec<String>,
                pub names: Vec<FieldEntry>,
                /// pronouns.cc's `pronouns` (structured entries; `pronouns` is a plain string elsewhere).
                pub pronoun_entries: Vec<PronounEntry>,
                $($after)*
            }
        }
    };
}

profile_member! {
    /// A member as its owner, and anyone allowed to see it, sees it.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
    pub struct ProfileMember {
        /// The user whose member this is.
        pub owner_id: UserId,
    }
    partial_member
    {
        pub fields: Vec<ProfileField>,
        /// Seen by the owner alone (others never see a hidden member, so they always see `false`).
        pub hidden: bool,
    }
}

profile_member! {
    /// pronouns.cc's "partial member", as a profile's `members` lists them.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
    pub struct PartialProfileMember {}
    partial_member
    {}
}

/// Declares a member body (`POST /members`, `PATCH /members/{member_id}`): the `name` field
/// given (required on create), `display_name`, `bio`, `avatar` with the description given, the
/// profile lists and `hidden`. Create and update differ in `name` and `avatar`'s description only.
macro_rules! member_request {
    (
        $(#[$meta:meta])*
        pub struct $name:ident { $($name_field:tt)* }
        $(#[doc = $avatar_doc:literal])*
        avatar
    ) => {
        request_with_profile_lists! {
            $(#[$meta])*
            pub struct $name {
                $($name_field)*
                #[schema(schema_with = member_display_name_schema)]
                pub display_name: Option<Option<String>>,
                #[schema(schema_with = member_bio_schema)]
                pub bio: Option<Option<String>>,
                $(#[doc = $avatar_doc])*
                #[schema(value_type = Option<String>)]
                pub avatar: Option<Option<String>>,
            }
            profile_lists
            {
                /// Seen by the owner alone.
                pub hidden: Option<bool>,
            }
        }
    };
}

member_request! {
    /// `POST /members`: `name` is required, the rest optional. Read by
    /// [`CreateProfileMemberRequest::read`].
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
    pub struct CreateProfileMemberRequest {
        #[schema(schema_with = member_name_schema)]
        pub name: String,
    }
    /// A PNG, JPEG or WebP image as a data URI (`data:image/png;base64,…`) or raw base64 (at
    /// most 10 MiB, 4096×4096 pixels; pronouns.cc takes no GIF); absent or `null` for none.
    avatar
}

member_request! {
    /// `PATCH /members/{member_id}`: every field optional, absent ones unchanged. Read by
    /// [`ProfileMemberRequest::read`].
    #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
    pub struct ProfileMemberRequest {
        #[schema(schema_with = member_name_schema)]
        pub name: Option<String>,
    }
    /// A PNG, JPEG or WebP image as a data URI (`data:image/png;base64,…`) or raw base64 (at
    /// most 10 MiB, 4096×4096 pixels; pronouns.cc takes no GIF); the current hash (no change);
    /// or `null` to remove it.
    avatar
}

fn member_name_schema() -> ObjectBuilder {
    MEMBER_NAME_LENGTH
        .schema()
        .pattern(Some("^(?!\\.{1,2}$)[^/\\\\?#@\\u0000-\\u001f\\u007f-\\u009f]*$"))
        .description(Some(format!(
            "{MEMBER_NAME_RULE}; unique among the owner's members ignoring case."
        )))
}

fn member_bio_schema() -> ObjectBuilder {
    BIO_LENGTH.nullable_schema().description(Some("The user's rule (`bio`); `null` clears it."))
}

fn pronouns_alias_schema() -> utoipa::openapi::schema::ArrayBuilder {
    pronoun_entries_schema().description(Some(
        "pronouns.cc's name for `pronoun_entries` (an array). Sent with `pronoun_entries`, the \
         two must be equal. A string (plain pronouns) is not supported: 50035.",
    ))
}

fn member_display_name_schema() -> ObjectBuilder {
    MEMBER_DISPLAY_NAME_LENGTH.nullable_schema().description(Some("`null` clears it."))
}

/// A member name as [`MEMBER_NAME_LENGTH`] and [`MEMBER_NAME_FORBIDDEN`] allow it.
fn check_member_name(errors: &mut FormErrors, name: String) -> Result<String, Invalid> {
    let name = MEMBER_NAME_LENGTH.check(errors, "name", name)?;
    let bad = name.chars().any(|c| MEMBER_NAME_FORBIDDEN.contains(&c) || c.is_control());
    if bad || name == "." || name == ".." {
        return Err(crate::form::refuse(
            errors,
            "name",
            "MEMBER_NAME_INVALID_CHARACTERS",
            format!("Member names are {MEMBER_NAME_RULE}."),
        ));
    }
    Ok(name)
}

impl CreateProfileMemberRequest {
    /// Reads a create body: [`ProfileMemberRequest::read`] with `name` required.
    pub fn read(body: &Value) -> Result<ProfileMemberDraft, FormErrors> {
        ProfileMemberRequest::read(body, true)
    }
}

impl ProfileMemberRequest {
    /// Reads a create (`name` required) or an update (every field optional) body, with the
    /// user profile's readers and limits. Decoding `avatar` is the server's (on its image
    /// workers): it records a refused image in [`ProfileMemberDraft::errors`], then
    /// [`ProfileMemberDraft::finish`] checks the rest. Whether a status naming a custom
    /// preference names one of the owner's is the store's to say
    /// ([`ProfileLists::check_statuses`]), where the owner's preferences are read.
    pub fn read(body: &Value, creating: bool) -> Result<ProfileMemberDraft, FormErrors> {
        let mut form = FormReader::new(body)?;
        let name = if creating {
            form.required_string("name").map(Some)
        } else {
            form.optional_string("name")
        };
        let display_name = form.string("display_name");
        let bio = form
            .string("bio")
            .and_then(|field| field.check(|v| BIO_LENGTH.check(form.errors(), "bio", v)));
        let avatar = form.string("avatar").unwrap_or_default();
        let lists = ProfileListsDraft::read(&mut form);
        let hidden = form.optional_bool("hidden");
        Ok(ProfileMemberDraft {
            errors: form.into_errors(),
            name,
            display_name,
            bio,
            lists,
            hidden,
            avatar,
        })
    }
}

/// A member body read but not yet checked (see [`ProfileMemberRequest::read`]).
#[derive(Debug)]
pub struct ProfileMemberDraft {
    errors: FormErrors,
    name: Result<Option<String>, Invalid>,
    display_name: Result<Field<String>, Invalid>,
    bio: Result<Field<String>, Invalid>,
    lists: ProfileListsDraft,
    hidden: Result<Option<bool>, Invalid>,
    /// As sent, for the server to decode.
    pub avatar: Field<String>,
}

crate::partial_update! {
    /// The checked fields of a member body but the avatar: `None` leaves a field unchanged (on
    /// create: empty or unset), `Some(None)` clears it.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct ProfileMemberInput {
        pub name: Option<String>,
        pub display_name: Option<Option<String>>,
        pub bio: Option<Option<String>>,
        pub links: Option<Vec<String>>,
        /// Names, pronoun entries and fields; their statuses are checked against the owner's
        /// custom preferences where the change is made ([`ProfileLists::check_statuses`]).
        pub lists: ProfileLists,
        pub hidden: Option<bool>,
    }
}

impl ProfileMemberDraft {
    /// Where the server records a refused image.
    pub fn errors(&mut self) -> &mut FormErrors {
        &mut self.errors
    }

    /// Checks the other fields; any error recorded so far fails the whole body.
    pub fn finish(self) -> Result<ProfileMemberInput, FormErrors> {
        let ProfileMemberDraft { mut errors, name, display_name, bio, lists, hidden, .. } = self;
        let name = name.and_then(|v| v.map(|v| check_member_name(&mut errors, v)).transpose());
        let display_name = display_name.and_then(|field| {
            field.check(|v| MEMBER_DISPLAY_NAME_LENGTH.check(&mut errors, "display_name", v))
        });
        finish(errors, || {
            let (links, lists) = lists.finish()?;
            Ok(ProfileMemberInput {
                name: name?,
                display_name: display_name?.into_patch(),
                bio: bio?.into_patch(),
                links,
                lists,
                hidden: hidden?,
            })
        })
    }
}

/// Discord-style paging of `GET /users/{user_id}/members`.
#[derive(Debug, Clone, PartialEq, Eq, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MemberListQuery {
    /// Members with ids before this one.
    pub before: Option<Snowflake>,
    /// Members with ids after this one.
    pub after: Option<Snowflake>,
    #[param(schema_with = member_list_limit_schema)]
    pub limit: i64,
}

impl MemberListQuery {
    /// Members per page.
    pub const LIMIT: IntegerRange = IntegerRange { min: 1, max: 100, default: 100 };

    /// `pairs`: the query string's decoded `name=value` pairs.
    pub fn read(pairs: &[(String, String)]) -> Result<MemberListQuery, FormErrors> {
        let mut query = QueryReader::new(pairs);
        let page = query.id_page(Self::LIMIT);
        query.finish(|| {
            let IdPageBounds { before, after, limit } = page?;
            Ok(MemberListQuery { before, after, limit })
        })
    }
}

fn member_list_limit_schema() -> ObjectBuilder {
    MemberListQuery::LIMIT.schema()
}

/// A member's short id: 6 lowercase ASCII letters.
pub fn is_member_sid(value: &str) -> bool {
    value.len() == 6 && value.bytes().all(|b| b.is_ascii_lowercase())
}
