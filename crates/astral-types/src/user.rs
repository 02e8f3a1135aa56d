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
use crate::password::{length_refusal, PASSWORD_LENGTH, PASSWORD_MAX};
use crate::pride_flag::{read_pride_flag_id, PrideFlag, SelectionError, MAX_PROFILE_PRIDE_FLAGS};
use crate::profile::request_with_profile_lists;
use crate::profile::SchemaRef;
use crate::profile::{
    check_statuses, custom_preferences_schema, fields_schema, links_schema, names_schema,
    pronoun_entries_schema, read_custom_preferences, read_list, read_timezone, timezone_schema,
    CustomPreferences, FieldEntry, Path, ProfileField, ProfileLists, ProfileListsDraft,
    PronounEntry, BIO_LENGTH, MEMBER_TITLE_LENGTH,
};
use crate::rules::{check_email, check_locale, email_schema, UsernameRule};
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
        // issue 16 A: the private account fields of Fluxer's `PATCH /users/@me` answer
        // (docs/accounts.md#the-private-user).
        /// Discord's and Fluxer's plain-string pronouns (at most 40 characters), if set;
        /// pronouns.cc's list is `pronoun_entries`.
        #[schema(required = true, schema_with = plain_pronouns_answer_schema)]
        pub pronouns: Option<String>,
        /// The avatar's mean colour `0xRRGGBB` (its visible pixels, weighed by opacity), computed
        /// when it is uploaded; `null` without an avatar, or for one uploaded before Astral kept it.
        #[schema(required = true)]
        pub avatar_color: Option<i32>,
        /// The banner colour shown without a banner (`avatar_color` then); `null` otherwise.
        #[schema(required = true)]
        pub banner_color: Option<i32>,
        /// Astral has no phone numbers: always `null`.
        #[schema(required = true)]
        pub phone: Option<String>,
        #[schema(schema_with = authenticator_types_schema)]
        pub authenticator_types: Vec<i32>,
        /// Set by an administrator through the `astral` CLI; it grants no API power.
        pub is_staff: bool,
        #[schema(schema_with = acls_schema)]
        pub acls: Vec<String>,
        #[schema(schema_with = traits_schema)]
        pub traits: Vec<String>,
        /// Astral has no billing: always `null`.
        #[schema(required = true)]
        pub premium_since: Option<String>,
        /// Astral has no billing: always `null`.
        #[schema(required = true)]
        pub premium_until: Option<String>,
        /// Astral has no billing: always `false`.
        pub premium_will_cancel: bool,
        /// Astral has no billing: always `null`.
        #[schema(required = true)]
        pub premium_billing_cycle: Option<String>,
        /// Astral has no billing: always `null`.
        #[schema(required = true)]
        pub premium_lifetime_sequence: Option<i32>,
        /// Stored as sent on `PATCH /users/@me`.
        pub premium_badge_hidden: bool,
        /// Stored as sent on `PATCH /users/@me`.
        pub premium_badge_masked: bool,
        /// Stored as sent on `PATCH /users/@me`.
        pub premium_badge_timestamp_hidden: bool,
        /// Stored as sent on `PATCH /users/@me`.
        pub premium_badge_sequence_hidden: bool,
        /// Astral has no billing: always `true`.
        pub premium_purchase_disabled: bool,
        /// Stored as sent on `PATCH /users/@me`.
        pub premium_enabled_override: bool,
        /// When the password was last changed (ISO 8601); `null` for a bot, or when it was
        /// set before Astral recorded it.
        #[schema(required = true)]
        pub password_last_changed_at: Option<String>,
        #[schema(schema_with = required_actions_schema)]
        pub required_actions: Vec<String>,
        /// Discord's "not yet known" (Astral has no date of birth): always `null`.
        #[schema(required = true)]
        pub nsfw_allowed: Option<bool>,
        /// Stored as sent on `PATCH /users/@me`.
        pub has_dismissed_premium_onboarding: bool,
        /// Astral has no billing: always `false`.
        pub has_ever_purchased: bool,
        /// Stored as sent on `PATCH /users/@me`.
        pub has_unread_gift_inventory: bool,
        /// Astral has no gifts: always 0.
        pub unread_gift_inventory_count: i32,
        /// Stored as sent on `PATCH /users/@me`.
        pub used_mobile_client: bool,
        /// Astral has no bulk message deletion: always `null`.
        #[schema(required = true)]
        pub pending_bulk_message_deletion: Option<PendingBulkMessageDeletion>,
        /// Whether mail to the email address was refused (set by the mailer).
        pub email_bounced: bool,
        /// Only in the answer of a `PATCH /users/@me` that changed the password: the one token
        /// that is valid now (every earlier one was revoked).
        pub token: Option<String>,
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

// issue 16 A
/// Fluxer's scheduled bulk deletion of a user's messages. Astral has none: the field is always
/// `null`; the shape is documented for clients that read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PendingBulkMessageDeletion {
    /// When the deletion runs (ISO 8601).
    pub scheduled_at: String,
    pub channel_count: i32,
    pub message_count: i32,
}

/// Plain-string `pronouns` (Discord, Fluxer): at most 40 characters; `""` on PATCH clears.
pub const PLAIN_PRONOUNS_LENGTH: Length = Length::new(0, 40);
/// At most this many `acls` and `traits` (Fluxer's limit), each [`ACCOUNT_LABEL_LENGTH`].
pub const MAX_ACCOUNT_LABELS: usize = 100;
/// One `acls` or `traits` entry.
pub const ACCOUNT_LABEL_LENGTH: Length = Length::new(1, 64);
/// At most this many `required_actions` (Fluxer's limit).
pub const MAX_REQUIRED_ACTIONS: usize = 20;
/// `accent_color`: `0xRRGGBB`.
pub const ACCENT_COLOR_MAX: i64 = 0xff_ffff;
/// Discord's required action for an account whose email is not verified.
pub const REQUIRE_VERIFIED_EMAIL: &str = "REQUIRE_VERIFIED_EMAIL";
/// The field error for `mfa_method`, `mfa_code`, `webauthn_response`, `webauthn_challenge`.
pub const MFA_METHOD_NOT_SUPPORTED: &str = "MFA_METHOD_NOT_SUPPORTED";
/// The field error for `email: null`.
pub const EMAIL_CANNOT_BE_REMOVED: &str = "EMAIL_CANNOT_BE_REMOVED";

fn plain_pronouns_answer_schema() -> ObjectBuilder {
    // No `minLength: 0` (it says nothing, and the generated client's check of it warns).
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .max_length(Some(PLAIN_PRONOUNS_LENGTH.max))
        .description(Some(
            "Discord's and Fluxer's plain-string pronouns (at most 40 characters), if set; \
         pronouns.cc's list is `pronoun_entries`.",
        ))
}

fn authenticator_types_schema() -> ArrayBuilder {
    ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32))),
        )
        .max_items(Some(10))
        .description(Some(
            "Discord's numbering (1 WebAuthn, 2 TOTP, 3 SMS): `[2]` while TOTP is on, `[]` \
             otherwise (Astral offers no WebAuthn or SMS).",
        ))
}

fn account_labels_schema(what: &str) -> ArrayBuilder {
    ArrayBuilder::new()
        .items(ACCOUNT_LABEL_LENGTH.schema())
        .max_items(Some(MAX_ACCOUNT_LABELS))
        .description(Some(format!(
            "{what}, set by an administrator through the `astral` CLI; they grant no API power."
        )))
}

fn acls_schema() -> ArrayBuilder {
    account_labels_schema("Access-control entries")
}

fn traits_schema() -> ArrayBuilder {
    account_labels_schema("Traits")
}

fn required_actions_schema() -> ArrayBuilder {
    ArrayBuilder::new()
        .items(ObjectBuilder::new().schema_type(Type::String))
        .max_items(Some(MAX_REQUIRED_ACTIONS))
        .description(Some(
            "What the user must do, in Discord's strings: `REQUIRE_VERIFIED_EMAIL` while an email \
             is set but not verified; `[]` otherwise.",
        ))
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
        // issue 16 A: Fluxer's account fields (docs/accounts.md).
        #[schema(schema_with = discriminator_schema)]
        pub discriminator: Option<String>,
        #[schema(schema_with = current_password_schema)]
        pub password: Option<String>,
        #[schema(schema_with = new_password_schema)]
        pub new_password: Option<String>,
        #[schema(schema_with = new_email_schema)]
        pub email: Option<String>,
        /// Proof that the owner of a verified email agreed to change it: the `token` of
        /// `POST /users/@me/email/verify-code` (single use).
        pub email_token: Option<String>,
        #[schema(schema_with = accent_color_schema)]
        pub accent_color: Option<Option<i32>>,
        /// Stored and answered.
        pub premium_badge_hidden: Option<bool>,
        /// Stored and answered.
        pub premium_badge_masked: Option<bool>,
        /// Stored and answered.
        pub premium_badge_timestamp_hidden: Option<bool>,
        /// Stored and answered.
        pub premium_badge_sequence_hidden: Option<bool>,
        /// Stored and answered (Astral has no billing; it changes nothing else).
        pub premium_enabled_override: Option<bool>,
        /// Stored and answered.
        pub has_dismissed_premium_onboarding: Option<bool>,
        /// Stored and answered.
        pub has_unread_gift_inventory: Option<bool>,
        /// Stored and answered.
        pub used_mobile_client: Option<bool>,
        #[schema(schema_with = mfa_method_schema)]
        pub mfa_method: Option<String>,
        #[schema(schema_with = mfa_code_schema)]
        pub mfa_code: Option<String>,
        #[schema(schema_with = webauthn_response_schema)]
        pub webauthn_response: Option<Value>,
        #[schema(schema_with = mfa_not_supported_string)]
        pub webauthn_challenge: Option<String>,
    }
}

/// The discriminator rule: 1 to 4 digits, stored zero-padded (`"7"` → `"0007"`).
pub const DISCRIMINATOR_PATTERN: &str = r"^\d{1,4}$";

/// Checks a discriminator ([`DISCRIMINATOR_PATTERN`]) and answers it zero-padded.
pub fn check_discriminator(errors: &mut FormErrors, value: String) -> Result<String, Invalid> {
    if (1..=4).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(format!("{value:0>4}"))
    } else {
        Err(crate::form::refuse(
            errors,
            "discriminator",
            "BASE_TYPE_REGEX_MISMATCH",
            format!("Must match {DISCRIMINATOR_PATTERN} (1 to 4 digits)."),
        ))
    }
}

fn discriminator_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(DISCRIMINATOR_PATTERN))
        .description(Some(
        "1 to 4 digits, stored zero-padded (`\"7\"` becomes `\"0007\"`). Usernames are unique, \
             so it never collides. A change needs `password` (people; bots need none).",
    ))
}

fn current_password_schema() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String).max_length(Some(PASSWORD_MAX)).description(Some(
        "The current password: required (people only) to change `username`, `name`, \
             `discriminator`, `email` or `new_password`; checked whenever sent. Missing: 50035 \
             `BASE_TYPE_REQUIRED`; wrong: 50035 `PASSWORD_DOES_NOT_MATCH`; too many wrong ones \
             for the account: 429.",
    ))
}

fn new_password_schema() -> ObjectBuilder {
    PASSWORD_LENGTH.schema().description(Some(
        "A new password, under the registration rule (errors at `new_password`). Needs \
         `password`; bots are refused (20001). Every token of the account is revoked and the \
         answer carries the one new `token`.",
    ))
}

fn new_email_schema() -> ObjectBuilder {
    email_schema().description(Some(
        "A new email, stored unverified. Needs `password`; bots are refused (20001). Changing a \
         verified email also needs `email_token` (50035 `BASE_TYPE_REQUIRED` / `TOKEN_INVALID` on it). \
         An email cannot be removed: `null` is 50035 `EMAIL_CANNOT_BE_REMOVED`.",
    ))
}

fn accent_color_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Integer, Type::Null]))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
        .minimum(Some(0))
        .maximum(Some(ACCENT_COLOR_MAX))
        .description(Some("The banner colour `0xRRGGBB`; `null` clears it."))
}

fn mfa_method_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(["totp", "sms", "webauthn"]))
        .description(Some(
            "Fluxer's inline second factor, with `mfa_code`: `totp` (a TOTP or backup code). \
             `sms` and `webauthn` are 50035 `MFA_METHOD_NOT_SUPPORTED`: this server offers \
             neither.",
        ))
}

fn mfa_code_schema() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String).description(Some(
        "Fluxer's inline second factor: a TOTP code (6 digits) or a backup code, in place of the \
         `X-Discord-MFA-Authorization` header when the account has two-factor authentication on \
         (a wrong one is 400 / 60008).",
    ))
}

fn mfa_not_supported_string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String).description(Some(
        "Not supported by this server (no WebAuthn): 50035 `MFA_METHOD_NOT_SUPPORTED`.",
    ))
}

fn webauthn_response_schema() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::Object).description(Some(
        "Not supported by this server (no WebAuthn): 50035 `MFA_METHOD_NOT_SUPPORTED`.",
    ))
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

fn pronouns_alias_schema() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(SchemaType::AnyValue).description(Some(
        "A string (at most 40 characters) is Discord's and Fluxer's plain pronouns, answered as \
         `pronouns`; `null` or `\"\"` clears them. An array is pronouns.cc's name for \
         `pronoun_entries`, under the same rules; sent with `pronoun_entries`, the two must be \
         equal.",
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
        // A string `pronouns` is the plain pronouns (read below), an array pronouns.cc's list.
        let lists = ProfileListsDraft::read_with_plain_pronouns(&mut form);
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
        let account = AccountDraft::read(&mut form);
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
            account,
        })
    }
}

// issue 16 A: the account fields of `PATCH /users/@me`.
/// The account fields of `PATCH /users/@me` as read.
#[derive(Debug)]
struct AccountDraft {
    discriminator: Result<Option<String>, Invalid>,
    password: Result<Option<String>, Invalid>,
    new_password: Result<Option<String>, Invalid>,
    email: Result<Option<String>, Invalid>,
    email_token: Result<Option<String>, Invalid>,
    accent_color: Result<Option<Option<i32>>, Invalid>,
    pronouns: Result<Option<Option<String>>, Invalid>,
    toggles: Result<AccountToggles, Invalid>,
    mfa_code: Result<Option<String>, Invalid>,
}

/// The WebAuthn proofs Fluxer takes inline; this server has no WebAuthn.
const WEBAUTHN_FIELDS: [&str; 2] = ["webauthn_response", "webauthn_challenge"];

impl AccountDraft {
    fn read(form: &mut FormReader<'_>) -> AccountDraft {
        let discriminator = form
            .optional_string("discriminator")
            .and_then(|v| v.map(|d| check_discriminator(form.errors(), d)).transpose());
        let password = form.optional_string("password");
        let new_password = form.optional_string("new_password").and_then(|v| match v {
            Some(p) => match length_refusal(&p) {
                None => Ok(Some(p)),
                Some(refusal) => Err(form.refuse("new_password", refusal.code, refusal.message)),
            },
            None => Ok(None),
        });
        let email = match form.string("email") {
            Ok(Field::Absent) => Ok(None),
            Ok(Field::Null) => Err(form.refuse(
                "email",
                EMAIL_CANNOT_BE_REMOVED,
                "An email cannot be removed, only changed.",
            )),
            Ok(Field::Value(v)) => check_email(form.errors(), v).map(Some),
            Err(invalid) => Err(invalid),
        };
        let email_token = form.optional_string("email_token");
        let accent_color = match form.value("accent_color") {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(Value::Number(n)) if n.as_i64().is_some() => {
                let v = n.as_i64().unwrap_or_default();
                match i32::try_from(v) {
                    Ok(c) if (0..=ACCENT_COLOR_MAX).contains(&v) => Ok(Some(Some(c))),
                    _ => Err(form.refuse(
                        "accent_color",
                        if v < 0 { "NUMBER_TYPE_MIN" } else { "NUMBER_TYPE_MAX" },
                        format!("Must be between 0 and {ACCENT_COLOR_MAX}."),
                    )),
                }
            }
            Some(other) => Err(form.refuse(
                "accent_color",
                "NUMBER_TYPE_COERCE",
                format!("Value \"{other}\" is not int."),
            )),
        };
        let pronouns = match form.value("pronouns") {
            // pronouns.cc's list, read with the other lists.
            None | Some(Value::Array(_)) => Ok(None),
            Some(_) => match form.string("pronouns") {
                Ok(Field::Value(v)) => PLAIN_PRONOUNS_LENGTH
                    .check(form.errors(), "pronouns", v)
                    .map(|v| Some(Some(v).filter(|v| !v.is_empty()))),
                Ok(_) => Ok(Some(None)),
                Err(invalid) => Err(invalid),
            },
        };
        let toggles = AccountToggles::read(form);
        // Fluxer's inline second factor: `mfa_method: "totp"` with `mfa_code` (a TOTP or backup
        // code); SMS and WebAuthn are not offered here.
        let mut mfa_code = match form.optional_string("mfa_method") {
            Ok(None) => Ok(None),
            Ok(Some(method)) if method == crate::mfa::TOTP => Ok(None),
            Ok(Some(_)) => Err(form.refuse(
                "mfa_method",
                MFA_METHOD_NOT_SUPPORTED,
                "This server does not support SMS or WebAuthn two-factor authentication.",
            )),
            Err(invalid) => Err(invalid),
        };
        let totp_named =
            form.value("mfa_method").is_some_and(|v| v.as_str() == Some(crate::mfa::TOTP));
        let code = match form.optional_string("mfa_code") {
            Ok(None) if totp_named => Err(form.refuse(
                "mfa_code",
                "BASE_TYPE_REQUIRED",
                "This field is required with `mfa_method`.",
            )),
            other => other,
        };
        mfa_code = match (mfa_code, code) {
            (Ok(_), Ok(code)) => Ok(code),
            (Err(invalid), _) | (_, Err(invalid)) => Err(invalid),
        };
        // Null is refused as for every field whose schema is not nullable.
        for name in WEBAUTHN_FIELDS {
            mfa_code = match form.optional_not_null(name) {
                Ok(None) => mfa_code,
                Ok(Some(_)) => Err(form.refuse(
                    name,
                    MFA_METHOD_NOT_SUPPORTED,
                    "This server does not support SMS or WebAuthn two-factor authentication.",
                )),
                Err(invalid) => Err(invalid),
            };
        }
        AccountDraft {
            discriminator,
            password,
            new_password,
            email,
            email_token,
            accent_color,
            pronouns,
            toggles,
            mfa_code,
        }
    }
}

/// Declares the account's stored flags a PATCH may set, each read as an optional boolean.
macro_rules! account_toggles {
    ($($name:ident),* $(,)?) => {
        crate::partial_update! {
            /// The flags Fluxer's clients set on the account (`premium_badge_hidden`, …):
            /// stored and answered, changing nothing else. `None` leaves one unchanged.
            #[derive(Debug, Clone, PartialEq, Eq, Default)]
            pub struct AccountToggles {
                $(pub $name: Option<bool>,)*
            }
        }

        impl AccountToggles {
            fn read(form: &mut FormReader<'_>) -> Result<AccountToggles, Invalid> {
                $(let $name = optional_bool(form, stringify!($name));)*
                Ok(AccountToggles { $($name: $name?,)* })
            }
        }
    };
}

account_toggles! {
    premium_badge_hidden,
    premium_badge_masked,
    premium_badge_timestamp_hidden,
    premium_badge_sequence_hidden,
    premium_enabled_override,
    has_dismissed_premium_onboarding,
    has_unread_gift_inventory,
    used_mobile_client,
}

/// A boolean that may be absent (`None`); `null` or another type is refused.
fn optional_bool(form: &mut FormReader<'_>, name: &str) -> Result<Option<bool>, Invalid> {
    match form.value(name) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => {
            let message = format!("Could not interpret \"{other}\" as boolean.");
            Err(form.refuse(name, "BOOLEAN_TYPE_CONVERT", message))
        }
    }
}

crate::partial_update! {
    /// The checked account changes of `PATCH /users/@me` that the store writes as they are
    /// (the sensitive ones, `email` and the password, are the server's to authorize).
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct AccountUpdate {
        /// Zero-padded.
        pub discriminator: Option<String>,
        pub accent_color: Option<Option<i32>>,
        /// The plain pronouns; `Some(None)` clears them.
        pub pronouns: Option<Option<String>>,
        pub toggles: AccountToggles,
    }
}

/// The sensitive part of `PATCH /users/@me`, checked for shape: the server decides whether
/// the caller may make it (re-authentication, bots, the email rules).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SensitiveUpdate {
    /// The current password, as sent.
    pub password: Option<String>,
    /// Passed the length rule; the strength rule needs the account ([`crate::password`]).
    pub new_password: Option<String>,
    pub email: Option<String>,
    pub email_token: Option<String>,
    /// Fluxer's inline second factor (`mfa_code`, with `mfa_method: "totp"` or none).
    pub mfa_code: Option<String>,
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
/// not an array is Fluxer's and Discord's plain string: read by the caller when
/// `plain_pronouns` (a user's account), refused otherwise (a member has none).
pub(crate) fn pronouns_key(form: &mut FormReader<'_>, plain_pronouns: bool) -> &'static str {
    match form.value("pronouns") {
        None => "pronoun_entries",
        Some(Value::Array(_)) => alias(form, "pronoun_entries", "pronouns"),
        // The caller reads the plain string (`PATCH /users/@me`).
        Some(_) if plain_pronouns => "pronoun_entries",
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
    account: AccountDraft,
}

/// The checked changes of `PATCH /users/@me` but the images: `None` leaves a field unchanged,
/// `Some(None)` clears it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserUpdate {
    pub username: Option<String>,
    pub global_name: Option<Option<String>>,
    pub locale: Option<String>,
    pub profile: ProfileUpdate,
    pub account: AccountUpdate,
    pub sensitive: SensitiveUpdate,
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
            account,
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
                account: AccountUpdate {
                    discriminator: account.discriminator?,
                    accent_color: account.accent_color?,
                    pronouns: account.pronouns?,
                    toggles: account.toggles?,
                },
                sensitive: SensitiveUpdate {
                    password: account.password?,
                    new_password: account.new_password?,
                    email: account.email?,
                    email_token: account.email_token?,
                    mfa_code: account.mfa_code?,
                },
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
