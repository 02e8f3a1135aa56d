//! The user objects on the wire. Field sets and nullability follow Discord's `UserResponse`
//! (public) and `UserPIIResponse` (the caller's own account); nullable fields are always sent,
//! as `null` when unset.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::schema::{
    ArrayBuilder, KnownFormat, ObjectBuilder, SchemaFormat, SchemaType, Type,
};
use utoipa::ToSchema;

use crate::form::{finish, Field, FormReader, Invalid, Length};
use crate::locale::AvailableLocalesEnum;
use crate::macros::optional_fields;
use crate::member::{PartialProfileMember, MAX_PROFILE_MEMBERS};
use crate::pride_flag::{read_pride_flag_id, PrideFlag, SelectionError, MAX_PROFILE_PRIDE_FLAGS};
use crate::profile::request_with_profile_lists;
use crate::profile::SchemaRef;
use crate::profile::{
    check_statuses, custom_preferences_schema, fields_schema, links_schema, names_schema,
    pronoun_entries_schema, read_custom_preferences, read_list, read_timezone, timezone_schema,
    CustomPreferences, FieldEntry, Path, ProfileField, ProfileLists, ProfileListsDraft,
    PronounEntry, BIO_LENGTH, MEMBER_TITLE_LENGTH,
};
use crate::rules::{check_locale, UsernameRule};
use crate::{FormErrors, Snowflake, UserId};

/// A display name (`global_name`).
pub const GLOBAL_NAME_LENGTH: Length = Length::new(1, 32);
/// A friend's nickname.
pub const NICKNAME_LENGTH: Length = Length::new(1, 32);

/// Discord's public user flags occupy the low 32 bits; everything Astral sets today is public.
pub const PUBLIC_FLAGS_MASK: i64 = 0xffff_ffff;

/// Declares a user answer: Discord's public user fields (its `UserResponse`), each documented
/// here once, then the answer's own fields. [`User`] is the bare one; `user_with_profile!`
/// adds a pronouns.cc profile.
macro_rules! discord_user {
    ($($item:tt)*) => {
        optional_fields! {
            {
                pub id: UserId,
                /// Unique (ignoring case) account name.
                pub username: String,
                /// Random 4-digit tag, e.g. `"0007"`.
                pub discriminator: String,
                /// Display name, if set.
                #[schema(required = true)]
                pub global_name: Option<String>,
                /// Avatar hash, if set.
                #[schema(required = true)]
                pub avatar: Option<String>,
                pub bot: bool,
                pub system: bool,
                /// Banner hash, if set.
                #[schema(required = true)]
                pub banner: Option<String>,
                /// Banner colour as an integer `0xRRGGBB`, if set.
                #[schema(required = true)]
                pub accent_color: Option<i32>,
                /// Public flags bitfield.
                pub public_flags: i32,
                /// Flags bitfield (on public objects: the public flags).
                pub flags: i64,
                /// The user's primary guild tag. Astral has none yet, so this is always `null`.
                #[schema(required = true)]
                pub primary_guild: Option<PrimaryGuild>,
            }
            $($item)*
        }
    };
}

discord_user! {
    /// A user as anyone may see them (`GET /users/{user_id}`).
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
    pub struct User {}
}

/// Declares a user answer with a pronouns.cc profile: Discord's public user fields
/// (`discord_user!`), the answer's own fields in the first brace group, the profile fields, then the
/// answer's fields in the second brace group. `utc_offset_doc`, when given, is `utc_offset`'s
/// description in the schema (the contract describes it on the public answer only).
macro_rules! user_with_profile {
    (
        $(#[$meta:meta])*
        pub struct $name:ident { $($before:tt)* }
        profile($(utc_offset_doc = $utc_offset_doc:literal)?)
        { $($after:tt)* }
    ) => {
        discord_user! {
            $(#[$meta])*
            pub struct $name {
                $($before)*
                /// The user's description, if set.
                #[schema(required = true, schema_with = bio_answer_schema)]
                pub bio: Option<String>,
                /// The member list's heading; `null` means "Members".
                #[schema(required = true, schema_with = member_title_answer_schema)]
                pub member_title: Option<String>,
                #[schema(schema_with = links_schema)]
                pub links: Vec<String>,
                #[schema(schema_with = names_schema)]
                pub names: Vec<FieldEntry>,
                /// pronouns.cc's `pronouns` (Discord's `pronouns` is a plain string).
                #[schema(schema_with = pronoun_entries_schema)]
                pub pronoun_entries: Vec<PronounEntry>,
                #[schema(schema_with = fields_schema)]
                pub fields: Vec<ProfileField>,
                $(#[doc = $utc_offset_doc])?
                #[schema(required = true)]
                pub utc_offset: Option<i32>,
                #[schema(schema_with = custom_preferences_schema)]
                pub custom_preferences: CustomPreferences,
                #[schema(schema_with = shown_pride_flags_schema)]
                pub pride_flags: Vec<PrideFlag>,
                #[schema(schema_with = shown_members_schema)]
                pub members: Vec<PartialProfileMember>,
                $($after)*
            }
        }
    };
}

user_with_profile! {
    /// A user with their pronouns.cc profile (`GET /users/{user_id}`, a profile's `user`):
    /// Discord's public user plus the profile fields; `created_at`, `timezone` and `list_private`
    /// only when the caller is that user.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
    pub struct UserWithProfile {
        /// The user's short id: 5 lowercase ASCII letters, unique; `GET /users/{user_id}` finds the
        /// user by it.
        pub sid: String,
        /// Badges bitmask, set by an administrator through the `astral` CLI; it grants nothing.
        pub badges: i64,
    }
    profile(utc_offset_doc = "The current offset of the user's time zone from UTC in seconds \
                              (daylight saving\n\
                              included); `null` without a time zone.")
    {
        /// Self only: when the account was created (ISO 8601; from its id).
        pub created_at: Option<String>,
        /// Self only: the IANA time zone, or `null`.
        #[schema(schema_with = timezone_schema)]
        pub timezone: Option<Option<String>>,
        /// Self only: whether the member list is hidden from others.
        pub list_private: Option<bool>,
        /// Self only: set through the `astral` CLI; it grants no API power.
        pub is_admin: Option<bool>,
        /// Self only: when the short id was last rerolled (ISO 8601), `null` if never.
        #[schema(value_type = Option<String>, nullable = true)]
        pub last_sid_reroll: Option<Option<String>>,
    }
}

user_with_profile! {
    /// The caller's own account with their pronouns.cc profile (`GET /users/@me`, the answer of
    /// `PATCH /users/@me`): Discord's private user plus the profile and self-only fields.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
    pub struct PrivateUserWithProfile {
        /// Whether two-factor authentication is enabled.
        pub mfa_enabled: bool,
        /// One of Discord's locales; `en-US` by default.
        #[schema(value_type = AvailableLocalesEnum)]
        pub locale: String,
        /// 0 none, 1 Nitro Classic, 2 Nitro, 3 Nitro Basic.
        pub premium_type: i32,
        /// The account's email, if one was given.
        #[schema(required = true)]
        pub email: Option<String>,
        /// Whether the email was verified.
        pub verified: bool,
        // pronouns.cc's short id and admin fields (docs/profiles.md#short-ids).
        /// The user's short id: 5 lowercase ASCII letters, unique; `GET /users/{user_id}` finds the
        /// user by it.
        pub sid: String,
        /// Badges bitmask, set by an administrator through the `astral` CLI; it grants nothing.
        pub badges: i64,
        /// Set through the `astral` CLI; it grants no API power.
        pub is_admin: bool,
        /// When the short id was last rerolled (ISO 8601), `null` if never.
        #[schema(required = true)]
        pub last_sid_reroll: Option<String>,
    }
    profile()
    {
        /// When the account was created (ISO 8601; from its id).
        pub created_at: String,
        #[schema(required = true, schema_with = timezone_schema)]
        pub timezone: Option<String>,
        pub list_private: bool,
    }
}

fn shown_pride_flags_schema() -> ArrayBuilder {
    ArrayBuilder::new()
        .items(PrideFlag::schema_ref())
        .max_items(Some(MAX_PROFILE_PRIDE_FLAGS))
        .description(Some(
            "pronouns.cc's `flags`: the pride flags the profile shows, in the user's order \
             (`PATCH /users/@me`'s `pride_flags`).",
        ))
}

fn shown_members_schema() -> ArrayBuilder {
    ArrayBuilder::new()
        .items(PartialProfileMember::schema_ref())
        .max_items(Some(MAX_PROFILE_MEMBERS))
        .description(Some(format!(
            "The user's members that are not hidden (to everyone, the user included), the first \
         {MAX_PROFILE_MEMBERS} by id; none for others when the user's `list_private` is set. \
         The full list, paged, is `GET /users/{{user_id}}/members`."
        )))
}

fn bio_answer_schema() -> ObjectBuilder {
    BIO_LENGTH.nullable_schema()
}

fn member_title_answer_schema() -> ObjectBuilder {
    MEMBER_TITLE_LENGTH.nullable_schema()
}

/// Discord's `UserPrimaryGuildResponse`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PrimaryGuild {
    #[schema(required = true)]
    pub identity_guild_id: Option<String>,
    #[schema(required = true)]
    pub identity_enabled: Option<bool>,
    #[schema(required = true)]
    pub tag: Option<String>,
    #[schema(required = true)]
    pub badge: Option<String>,
}

request_with_profile_lists! {
    /// `PATCH /users/@me`. Absent fields stay unchanged; `null` clears a nullable one.
    /// Read by [`UpdateMyUserRequest::read`].
    #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
    pub struct UpdateMyUserRequest {
        #[schema(schema_with = new_username_schema)]
        pub username: Option<String>,
        /// pronouns.cc's name for `username`, under the same rule.
        #[schema(schema_with = name_alias_schema)]
        pub name: Option<String>,
        #[schema(schema_with = new_global_name_schema)]
        pub global_name: Option<Option<String>>,
        /// pronouns.cc's name for `global_name`, under the same rule.
        #[schema(schema_with = display_name_alias_schema)]
        pub display_name: Option<Option<String>>,
        /// One of Discord's locales.
        #[schema(value_type = Option<AvailableLocalesEnum>, nullable = false)]
        pub locale: Option<String>,
        /// New avatar: a PNG, JPEG, GIF or WebP image as a data URI (`data:image/png;base64,…`) or
        /// raw base64 (at most 10 MiB, 4096×4096 pixels); the current hash (no change); or `null`
        /// to remove it.
        #[schema(value_type = Option<String>)]
        pub avatar: Option<Option<String>>,
        /// New banner, like `avatar`.
        #[schema(value_type = Option<String>)]
        pub banner: Option<Option<String>>,
        #[schema(schema_with = bio_schema)]
        pub bio: Option<Option<String>>,
        #[schema(schema_with = member_title_schema)]
        pub member_title: Option<Option<String>>,
    }
    profile_lists
    {
        #[schema(schema_with = timezone_schema)]
        pub timezone: Option<Option<String>>,
        /// Whether the member list is hidden from others.
        pub list_private: Option<bool>,
        /// Replaces the custom preferences. Statuses that named a removed preference become `okay`.
        #[schema(schema_with = custom_preferences_schema)]
        pub custom_preferences: Option<CustomPreferences>,
        /// pronouns.cc's name for `pride_flags` when an array; Discord's integer `flags`, which a
        /// PATCH cannot set, is ignored as Discord ignores it. Any JSON value.
        #[schema(schema_with = flags_schema)]
        pub flags: Option<Value>,
        /// Replaces the pride flags the profile shows.
        #[schema(schema_with = pride_flags_schema)]
        pub pride_flags: Option<Vec<String>>,
    }
}

fn new_username_schema() -> ObjectBuilder {
    UsernameRule::default_schema()
        .description(Some(format!("New username. {}", UsernameRule::DESCRIPTION)))
}

fn name_alias_schema() -> ObjectBuilder {
    UsernameRule::default_schema().description(Some(
        "pronouns.cc's name for `username`, under the same rule. Sent with `username`, the two \
         must be equal.",
    ))
}

fn new_global_name_schema() -> ObjectBuilder {
    GLOBAL_NAME_LENGTH.nullable_schema().description(Some("New display name; `null` clears it."))
}

fn display_name_alias_schema() -> ObjectBuilder {
    GLOBAL_NAME_LENGTH.nullable_schema().description(Some(
        "pronouns.cc's name for `global_name`, under Discord's rule (1–32, not 100). Sent with \
         `global_name`, the two must be equal.",
    ))
}

fn bio_schema() -> ObjectBuilder {
    BIO_LENGTH.nullable_schema().description(Some("`null` clears it."))
}

fn member_title_schema() -> ObjectBuilder {
    MEMBER_TITLE_LENGTH
        .nullable_schema()
        .description(Some("The member list's heading; `null` means \"Members\"."))
}

fn pronouns_alias_schema() -> ArrayBuilder {
    pronoun_entries_schema().description(Some(
        "pronouns.cc's name for `pronoun_entries` (an array). Sent with `pronoun_entries`, the \
         two must be equal. A string (plain pronouns) is not supported yet: 50035.",
    ))
}

fn flags_schema() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(SchemaType::AnyValue).description(Some(
        "An array is pronouns.cc's name for `pride_flags`, under the same rules (errors at \
         `flags.N`); sent with `pride_flags`, the two must be equal. Anything else (Discord's \
         integer `flags`, which a PATCH cannot set) is ignored.",
    ))
}

fn pride_flags_schema() -> ArrayBuilder {
    ArrayBuilder::new()
        .items(Snowflake::schema_ref())
        .max_items(Some(MAX_PROFILE_PRIDE_FLAGS))
        .description(Some(
            "The pride flags the profile shows, in this order: ids of the caller's own flags \
         (`GET /users/@me/flags`), each once; `[]` shows none. An id that is not one of the \
         caller's flags, or one listed twice, is a field error at its index \
         (`pride_flags.N`); nothing is changed.",
        ))
}

/// Where a field is sent under two names.
const ALIAS_CONFLICT: &str = "FIELD_ALIAS_CONFLICT";
/// A field Astral documents but does not take yet.
const NOT_SUPPORTED: &str = "FIELD_NOT_SUPPORTED";

impl UpdateMyUserRequest {
    /// Reads the body's fields. Decoding `avatar` and `banner` is the server's (on its image
    /// workers): it records a refused image in [`UserUpdateDraft::errors`], then
    /// [`UserUpdateDraft::finish`] checks the rest.
    pub fn read(body: &Value) -> Result<UserUpdateDraft, FormErrors> {
        let mut form = FormReader::new(body)?;
        let username_key = alias(&mut form, "username", "name");
        let username = form.optional_string(username_key);
        let global_name_key = alias(&mut form, "global_name", "display_name");
        let global_name = form.string(global_name_key);
        let locale = form.optional_string("locale");
        // A value that is not a string is recorded here and changes nothing.
        let avatar = form.string("avatar").unwrap_or_default();
        let banner = form.string("banner").unwrap_or_default();
        let bio = form
            .string("bio")
            .and_then(|field| field.check(|v| BIO_LENGTH.check(form.errors(), "bio", v)));
        let member_title = form.string("member_title").and_then(|field| {
            field.check(|v| MEMBER_TITLE_LENGTH.check(form.errors(), "member_title", v))
        });
        let lists = ProfileListsDraft::read(&mut form);
        let timezone = match form.value("timezone") {
            None => Ok(None),
            value => read_timezone(form.errors(), &Path::root("timezone"), value).map(Some),
        };
        let list_private = match form.value("list_private") {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => {
                let message = format!("Could not interpret \"{other}\" as boolean.");
                Err(form.refuse("list_private", "BOOLEAN_TYPE_CONVERT", message))
            }
        };
        let custom_preferences = match form.value("custom_preferences") {
            None => Ok(None),
            Some(v) => read_custom_preferences(form.errors(), &Path::root("custom_preferences"), v)
                .map(Some),
        };
        let pride_flags_key = pride_flags_key(&mut form);
        let pride_flags =
            list(&mut form, pride_flags_key, MAX_PROFILE_PRIDE_FLAGS, read_pride_flag_id);
        Ok(UserUpdateDraft {
            errors: form.into_errors(),
            username_key,
            username,
            global_name_key,
            global_name,
            locale,
            avatar,
            banner,
            profile: ProfileDraft {
                bio,
                member_title,
                lists,
                timezone,
                list_private,
                custom_preferences,
                pride_flags,
                pride_flags_key,
            },
        })
    }
}

/// Which of a field's two names to read: `name` if only the alias was sent, `canonical`
/// otherwise. Both sent with different values is a field error on the alias.
fn alias(form: &mut FormReader<'_>, canonical: &'static str, alias: &'static str) -> &'static str {
    match (form.value(canonical), form.value(alias)) {
        (None, Some(_)) => alias,
        (Some(a), Some(b)) if a != b => {
            form.refuse(
                alias,
                ALIAS_CONFLICT,
                format!("`{alias}` and `{canonical}` are one field; they were sent with different values."),
            );
            canonical
        }
        _ => canonical,
    }
}

/// `pronoun_entries`, or pronouns.cc's `pronouns` when that is an array. A `pronouns` that is
/// not an array is Fluxer's and Discord's plain string, which is not taken yet.
pub(crate) fn pronouns_key(form: &mut FormReader<'_>) -> &'static str {
    match form.value("pronouns") {
        None => "pronoun_entries",
        Some(Value::Array(_)) => alias(form, "pronoun_entries", "pronouns"),
        Some(_) => {
            form.refuse(
                "pronouns",
                NOT_SUPPORTED,
                "Plain-string pronouns are not supported yet; send pronoun entries as an array \
                 (`pronoun_entries`).",
            );
            "pronoun_entries"
        }
    }
}

/// `pride_flags`, or pronouns.cc's `flags` when that is an array. Any other `flags` is
/// Discord's integer bitfield, which a PATCH cannot set: ignored, as on Discord.
fn pride_flags_key(form: &mut FormReader<'_>) -> &'static str {
    match form.value("flags") {
        Some(Value::Array(_)) => alias(form, "pride_flags", "flags"),
        _ => "pride_flags",
    }
}

/// A list field: absent is `None`.
pub(crate) fn list<T>(
    form: &mut FormReader<'_>,
    name: &str,
    max: usize,
    item: impl FnMut(&mut FormErrors, &Path, &Value) -> Result<T, Invalid>,
) -> Result<Option<Vec<T>>, Invalid> {
    match form.value(name) {
        None => Ok(None),
        Some(v) => read_list(form.errors(), &Path::root(name), v, max, item).map(Some),
    }
}

/// The pronouns.cc fields of `PATCH /users/@me`, read (statuses not yet checked).
#[derive(Debug)]
struct ProfileDraft {
    bio: Result<Field<String>, Invalid>,
    member_title: Result<Field<String>, Invalid>,
    lists: ProfileListsDraft,
    timezone: Result<Option<Option<String>>, Invalid>,
    list_private: Result<Option<bool>, Invalid>,
    custom_preferences: Result<Option<CustomPreferences>, Invalid>,
    pride_flags: Result<Option<Vec<Snowflake>>, Invalid>,
    pride_flags_key: &'static str,
}

/// `PATCH /users/@me` read but not yet checked (see [`UpdateMyUserRequest::read`]).
#[derive(Debug)]
pub struct UserUpdateDraft {
    errors: FormErrors,
    /// The name each was sent under (`username` or `name`, `global_name` or `display_name`),
    /// for the path of its errors.
    username_key: &'static str,
    username: Result<Option<String>, Invalid>,
    global_name_key: &'static str,
    global_name: Result<Field<String>, Invalid>,
    locale: Result<Option<String>, Invalid>,
    /// As sent, for the server to decode.
    pub avatar: Field<String>,
    pub banner: Field<String>,
    profile: ProfileDraft,
}

/// The checked changes of `PATCH /users/@me` but the images: `None` leaves a field unchanged,
/// `Some(None)` clears it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserUpdate {
    pub username: Option<String>,
    pub global_name: Option<Option<String>>,
    pub locale: Option<String>,
    pub profile: ProfileUpdate,
}

crate::partial_update! {
    /// The checked pronouns.cc changes of `PATCH /users/@me`. Statuses naming a custom preference
    /// were checked against `custom_preferences` when the body set them; otherwise they are
    /// checked against the stored ones where the change is made ([`ProfileLists::check_statuses`]).
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct ProfileUpdate {
        pub bio: Option<Option<String>>,
        pub member_title: Option<Option<String>>,
        pub links: Option<Vec<String>>,
        /// Names, pronoun entries and fields ([`ProfileLists::check_statuses`]).
        pub lists: ProfileLists,
        pub timezone: Option<Option<String>>,
        pub list_private: Option<bool>,
        pub custom_preferences: Option<CustomPreferences>,
        /// The pride flags to show, in order; well formed and at most
        /// [`MAX_PROFILE_PRIDE_FLAGS`], but whether each is the user's own, and listed once, is
        /// decided where the change is made ([`ProfileUpdate::refuse_pride_flag`]).
        pub pride_flags: Option<Vec<Snowflake>>,
    }
    spelled_as {
        /// The name `pride_flags` was sent under (`pride_flags` or `flags`), for the path of an
        /// error.
        pub pride_flags_key: &'static str,
    }
}

impl ProfileUpdate {
    /// Records the store's refusal of a listed pride flag, at its index under the name the
    /// list was sent as (`pride_flags.2` or `flags.2`).
    pub fn refuse_pride_flag(&self, errors: &mut FormErrors, error: SelectionError) -> Invalid {
        let path = Path::root(self.pride_flags_key);
        match error {
            SelectionError::NotYours { index } => path.index(index).refuse(
                errors,
                "BASE_TYPE_CHOICES",
                "Value must be the id of one of your pride flags.",
            ),
            SelectionError::Duplicate { index } => path.index(index).refuse(
                errors,
                "BASE_TYPE_DUPLICATE",
                "This pride flag is listed already.",
            ),
            SelectionError::TooMany => path.too_long(errors, MAX_PROFILE_PRIDE_FLAGS),
        }
    }
}

impl UserUpdateDraft {
    /// Where the server records a refused image.
    pub fn errors(&mut self) -> &mut FormErrors {
        &mut self.errors
    }

    /// Checks the other fields; any error recorded so far fails the whole update.
    pub fn finish(self, username_rule: &UsernameRule) -> Result<UserUpdate, FormErrors> {
        let UserUpdateDraft {
            mut errors,
            username_key,
            username,
            global_name_key,
            global_name,
            locale,
            profile,
            ..
        } = self;
        let username = username.and_then(|v| {
            v.map(|v| username_rule.check_field(&mut errors, username_key, v)).transpose()
        });
        let global_name = global_name.and_then(|field| {
            field.check(|v| GLOBAL_NAME_LENGTH.check(&mut errors, global_name_key, v))
        });
        let locale = locale.and_then(|v| v.map(|v| check_locale(&mut errors, v)).transpose());
        let profile = finish_profile(&mut errors, profile);
        finish(errors, || {
            Ok(UserUpdate {
                username: username?,
                global_name: global_name?.into_patch(),
                locale: locale?,
                profile: profile?,
            })
        })
    }
}

fn finish_profile(errors: &mut FormErrors, draft: ProfileDraft) -> Result<ProfileUpdate, Invalid> {
    // Statuses are checked against the preferences sent, whatever else is wrong, so that one
    // answer lists every error.
    if let Ok(Some(preferences)) = &draft.custom_preferences {
        check_statuses(errors, &draft.lists.status_lists(), preferences)?;
    }
    let (links, lists) = draft.lists.finish()?;
    Ok(ProfileUpdate {
        bio: draft.bio?.into_patch(),
        member_title: draft.member_title?.into_patch(),
        links,
        lists,
        timezone: draft.timezone?,
        list_private: draft.list_private?,
        custom_preferences: draft.custom_preferences?,
        pride_flags: draft.pride_flags?,
        pride_flags_key: draft.pride_flags_key,
    })
}

/// One of the caller's relationships (Discord numbering: 1 friend, 2 blocked, 3 incoming
/// request, 4 outgoing request).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Relationship {
    /// The other user's id.
    pub id: UserId,
    /// 1 friend, 2 blocked, 3 incoming request, 4 outgoing request.
    #[serde(rename = "type")]
    pub kind: i32,
    pub user: User,
    /// The caller's nickname for a friend.
    #[schema(required = true)]
    pub nickname: Option<String>,
    /// When the relationship took its current type (ISO 8601).
    pub since: String,
}

optional_fields! {
    /// `POST /users/@me/relationships`: a friend request by username.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
    pub struct FriendRequest {
        pub username: String,
        /// Accepted for compatibility; if given and not `"0"`, it must match.
        #[schema(nullable = true)]
        pub discriminator: Option<String>,
    }
}

impl FriendRequest {
    /// `discriminator` as `null` is as absent.
    pub fn read(body: &Value) -> Result<FriendRequest, FormErrors> {
        let mut form = FormReader::new(body)?;
        let username = form.required_string("username");
        let discriminator = form.string("discriminator").map(|field| match field {
            Field::Value(d) => Some(d),
            Field::Null | Field::Absent => None,
        });
        form.finish(|| Ok(FriendRequest { username: username?, discriminator: discriminator? }))
    }
}

optional_fields! {
    /// `PUT /users/@me/relationships/{user_id}`: `{}` sends or accepts a friend request,
    /// `{"type": 2}` blocks.
    #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
    pub struct PutRelationship {
        /// 1 (or absent): befriend; 2: block.
        #[serde(rename = "type")]
        #[schema(schema_with = put_relationship_type)]
        pub kind: Option<i32>,
    }
}

impl PutRelationship {
    /// Befriend.
    pub const BEFRIEND: i32 = 1;
    pub const BLOCK: i32 = 2;
    /// The values of `type`; absent or `null` befriends.
    const KINDS: [i32; 2] = [Self::BEFRIEND, Self::BLOCK];

    pub fn read(body: &Value) -> Result<PutRelationship, FormErrors> {
        let mut form = FormReader::new(body)?;
        let kind = match form.optional_integer("type") {
            Ok(None) => Ok(None),
            Ok(Some(k)) => match Self::KINDS.into_iter().find(|kind| i64::from(*kind) == k) {
                Some(kind) => Ok(Some(kind)),
                None => Err(form.refuse(
                    "type",
                    "BASE_TYPE_CHOICES",
                    format!("Value must be one of {}, not {k}.", choices(&Self::KINDS)),
                )),
            },
            Err(invalid) => Err(invalid),
        };
        form.finish(|| Ok(PutRelationship { kind: kind? }))
    }
}

/// `(1, 2)`: the values of an integer choice, as Discord's messages list them.
pub(crate) fn choices(values: &[i32]) -> String {
    let values: Vec<String> = values.iter().map(i32::to_string).collect();
    format!("({})", values.join(", "))
}

/// `type` of [`PutRelationship`]: the server refuses anything but its `KINDS` or `null`.
fn put_relationship_type() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Integer, Type::Null]))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
        .description(Some("1 (or absent): befriend; 2: block."))
        .enum_values(Some(PutRelationship::KINDS.into_iter().map(Some).chain([None])))
}

optional_fields! {
    /// `PATCH /users/@me/relationships/{user_id}`.
    #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
    pub struct PatchRelationship {
        #[schema(schema_with = nickname_schema)]
        pub nickname: Option<Option<String>>,
    }
}

fn nickname_schema() -> ObjectBuilder {
    NICKNAME_LENGTH.nullable_schema().description(Some("`null` clears it."))
}

impl PatchRelationship {
    pub fn read(body: &Value) -> Result<PatchRelationship, FormErrors> {
        let mut form = FormReader::new(body)?;
        let nickname = form
            .string("nickname")
            .and_then(|field| field.check(|v| NICKNAME_LENGTH.check(form.errors(), "nickname", v)));
        form.finish(|| Ok(PatchRelationship { nickname: nickname?.into_patch() }))
    }
}
