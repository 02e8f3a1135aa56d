//! pronouns.cc's profile shapes (names, pronoun entries, fields, links, custom preferences)
//! with their limits and readers. A user has them (`PATCH /users/@me`), and so will a
//! pronouns.cc member: every reader here takes the path it reads at and records its errors
//! there (`errors.fields.0.entries.3.value._errors`), so a member's reader can reuse them.
//!
//! A `status` is one of [`STATUSES`] or the id of one of the owner's custom preferences. The
//! ids are UUIDs, stored and answered in lowercase; a status naming a preference that is
//! deleted later becomes `okay` ([`reset_unknown_statuses`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
use utoipa::ToSchema;

use crate::form::{refuse_at, short, FormReader, Invalid, Length};
use crate::macros::optional_fields;
use crate::user::{list, pronouns_key};
use crate::FormErrors;

/// Declares a request body that takes the profile lists a user's and a member's bodies share,
/// each optional and replacing the stored list when present: `links`, `names`,
/// `pronoun_entries`, its pronouns.cc spelling `pronouns`, and `fields`. The body's own fields
/// go in the brace group before `profile_lists` and the one after it, in that order on the
/// wire and in the schema. `pronouns`' schema is the calling module's `pronouns_alias_schema`
/// (its description names the body's own rule).
macro_rules! request_with_profile_lists {
    ($($item:tt)*) => {
        $crate::macros::optional_fields! {
            {
                /// Replaces the links.
                #[schema(schema_with = crate::profile::links_schema)]
                pub links: Option<Vec<String>>,
                /// Replaces the names.
                #[schema(schema_with = crate::profile::names_schema)]
                pub names: Option<Vec<crate::profile::FieldEntry>>,
                /// Replaces the pronoun entries.
                #[schema(schema_with = crate::profile::pronoun_entries_schema)]
                pub pronoun_entries: Option<Vec<crate::profile::PronounEntry>>,
                /// pronouns.cc's name for `pronoun_entries` (an array).
                #[schema(schema_with = pronouns_alias_schema)]
                pub pronouns: Option<Vec<crate::profile::PronounEntry>>,
                /// Replaces the fields.
                #[schema(schema_with = crate::profile::fields_schema)]
                pub fields: Option<Vec<crate::profile::ProfileField>>,
            }
            $($item)*
        }
    };
}
pub(crate) use request_with_profile_lists;

/// `bio`: pronouns.cc's limit (Fluxer's 320 is reconciled by the account issue).
pub const BIO_LENGTH: Length = Length::new(1, 1000);
/// `member_title` (`null` means "Members").
pub const MEMBER_TITLE_LENGTH: Length = Length::new(1, 150);
/// At most this many `links`.
pub const MAX_LINKS: usize = 25;
/// One link.
pub const LINK_LENGTH: Length = Length::new(1, 256);
/// At most this many `names`.
pub const MAX_NAMES: usize = 50;
/// A name's or a field entry's `value`.
pub const ENTRY_VALUE_LENGTH: Length = Length::new(1, 100);
/// At most this many `pronoun_entries`.
pub const MAX_PRONOUN_ENTRIES: usize = 50;
/// A pronoun entry's `pronouns` (e.g. `they/them/their/theirs/themself`).
pub const PRONOUNS_LENGTH: Length = Length::new(1, 100);
/// A pronoun entry's `display_text`.
pub const PRONOUN_DISPLAY_TEXT_LENGTH: Length = Length::new(1, 100);
/// At most this many `fields`.
pub const MAX_FIELDS: usize = 25;
/// A field's `name`.
pub const FIELD_NAME_LENGTH: Length = Length::new(1, 100);
/// At most this many entries in one field.
pub const MAX_FIELD_ENTRIES: usize = 100;
/// At most this many `custom_preferences`.
pub const MAX_CUSTOM_PREFERENCES: usize = 50;
/// A custom preference's `icon` (an icon name, e.g. `heart-fill`).
pub const PREFERENCE_ICON_LENGTH: Length = Length::new(1, 50);
/// A custom preference's `tooltip`.
pub const PREFERENCE_TOOLTIP_LENGTH: Length = Length::new(1, 100);

/// `timezone`: an IANA zone name (the longest today is 32 characters).
pub const TIMEZONE_LENGTH: Length = Length::new(1, 64);

/// The built-in statuses; any other status is a custom preference's id.
pub const STATUSES: [&str; 5] = ["favourite", "okay", "jokingly", "friends_only", "avoid"];
/// What a status becomes when the custom preference it named is gone.
pub const DEFAULT_STATUS: &str = "okay";
/// A custom preference's id: a UUID (any case on the way in, lowercase once read).
pub const PREFERENCE_ID_PATTERN: &str =
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

/// A name or a field entry with how the owner feels about it (pronouns.cc's `field_entry`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldEntry {
    #[schema(schema_with = entry_value_schema)]
    pub value: String,
    #[schema(schema_with = status_schema)]
    pub status: String,
}

optional_fields! {
    /// A set of pronouns (pronouns.cc's `pronoun_entry`).
    #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
    pub struct PronounEntry {
        /// The forms, slash-separated, e.g. `they/them/their/theirs/themself`.
        #[schema(schema_with = pronouns_schema)]
        pub pronouns: String,
        /// What to show instead of `pronouns`, e.g. `they/them`; absent or `null` when none.
        #[schema(schema_with = display_text_schema)]
        pub display_text: Option<String>,
        #[schema(schema_with = status_schema)]
        pub status: String,
    }
}

/// A labelled list of entries (pronouns.cc's `field`), e.g. "Honorifics".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProfileField {
    #[schema(schema_with = field_name_schema)]
    pub name: String,
    #[schema(schema_with = field_entries_schema)]
    pub entries: Vec<FieldEntry>,
}

/// How big a custom preference shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PreferenceSize {
    Large,
    Normal,
    Small,
}

impl PreferenceSize {
    const ALL: [(PreferenceSize, &'static str); 3] = [
        (PreferenceSize::Large, "large"),
        (PreferenceSize::Normal, "normal"),
        (PreferenceSize::Small, "small"),
    ];
}

/// A status of the owner's own making, usable wherever a status is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CustomPreference {
    /// An icon's name (pronouns.cc uses Bootstrap Icons names, e.g. `heart-fill`).
    #[schema(schema_with = preference_icon_schema)]
    pub icon: String,
    #[schema(schema_with = preference_tooltip_schema)]
    pub tooltip: String,
    pub size: PreferenceSize,
    /// Shown greyed out.
    pub muted: bool,
    /// Listed among the favourites.
    pub favourite: bool,
}

/// Custom preferences by id (a lowercase UUID).
pub type CustomPreferences = BTreeMap<String, CustomPreference>;

fn entry_value_schema() -> ObjectBuilder {
    ENTRY_VALUE_LENGTH.schema()
}

fn pronouns_schema() -> ObjectBuilder {
    PRONOUNS_LENGTH.schema()
}

fn display_text_schema() -> ObjectBuilder {
    PRONOUN_DISPLAY_TEXT_LENGTH.nullable_schema()
}

fn field_name_schema() -> ObjectBuilder {
    FIELD_NAME_LENGTH.schema()
}

fn field_entries_schema() -> ArrayBuilder {
    ArrayBuilder::new().items(FieldEntry::schema_ref()).max_items(Some(MAX_FIELD_ENTRIES))
}

fn preference_icon_schema() -> ObjectBuilder {
    PREFERENCE_ICON_LENGTH.schema()
}

fn preference_tooltip_schema() -> ObjectBuilder {
    PREFERENCE_TOOLTIP_LENGTH.schema()
}

/// A status: a built-in one or a custom preference's id.
pub fn status_schema() -> ObjectBuilder {
    let id = PREFERENCE_ID_PATTERN.trim_start_matches('^').trim_end_matches('$');
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!("^({}|{id})$", STATUSES.join("|"))))
        .description(Some(format!(
            "One of `{}`, or the id of one of the owner's custom preferences.",
            STATUSES.join("`, `")
        )))
}

/// Helpers for the `ToSchema` of lists of these shapes.
pub(crate) trait SchemaRef {
    fn schema_ref() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>;
}

impl<T: ToSchema> SchemaRef for T {
    fn schema_ref() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::Ref::from_schema_name(T::name()).into()
    }
}

/// `links`, as a request or an answer carries them.
pub fn links_schema() -> ArrayBuilder {
    ArrayBuilder::new().items(LINK_LENGTH.schema()).max_items(Some(MAX_LINKS))
}

/// `names`.
pub fn names_schema() -> ArrayBuilder {
    ArrayBuilder::new().items(FieldEntry::schema_ref()).max_items(Some(MAX_NAMES))
}

/// `pronoun_entries`.
pub fn pronoun_entries_schema() -> ArrayBuilder {
    ArrayBuilder::new().items(PronounEntry::schema_ref()).max_items(Some(MAX_PRONOUN_ENTRIES))
}

/// `fields`.
pub fn fields_schema() -> ArrayBuilder {
    ArrayBuilder::new().items(ProfileField::schema_ref()).max_items(Some(MAX_FIELDS))
}

/// `custom_preferences`.
pub fn custom_preferences_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .additional_properties(Some(CustomPreference::schema_ref()))
        .max_properties(Some(MAX_CUSTOM_PREFERENCES))
        .description(Some(
            "Custom preferences by id (a UUID, answered in lowercase); usable as a `status`.",
        ))
}

/// A path inside a body, e.g. `["fields", "0", "entries", "3", "value"]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path(Vec<String>);

impl Path {
    pub fn root(name: &str) -> Self {
        Path(vec![name.to_owned()])
    }

    pub fn key(&self, key: &str) -> Self {
        let mut path = self.0.clone();
        path.push(key.to_owned());
        Path(path)
    }

    pub fn index(&self, index: usize) -> Self {
        self.key(&index.to_string())
    }

    /// Records an error here.
    pub fn refuse(
        &self,
        errors: &mut FormErrors,
        code: &str,
        message: impl Into<String>,
    ) -> Invalid {
        let segments: Vec<&str> = self.0.iter().map(String::as_str).collect();
        refuse_at(errors, &segments, code, message)
    }

    /// Records that the list or object here has more than `max` entries.
    pub fn too_long(&self, errors: &mut FormErrors, max: usize) -> Invalid {
        self.refuse(errors, "BASE_TYPE_MAX_LENGTH", format!("Must be {max} or fewer in length."))
    }

    /// Records why `value` is not the list or object expected here: `null` is refused with
    /// `null_message` (which says how to empty it), any other type with `convert` (code,
    /// message).
    fn not_a(
        &self,
        errors: &mut FormErrors,
        value: &Value,
        null_message: &str,
        convert: (&str, &str),
    ) -> Invalid {
        match value {
            Value::Null => self.refuse(errors, REQUIRED.0, null_message),
            _ => self.refuse(errors, convert.0, convert.1),
        }
    }
}

const REQUIRED: (&str, &str) = ("BASE_TYPE_REQUIRED", "This field is required");

/// A string of `length` characters, present and not null.
pub fn read_string(
    errors: &mut FormErrors,
    path: &Path,
    value: Option<&Value>,
    length: Length,
) -> Result<String, Invalid> {
    match value {
        Some(Value::String(s)) => checked_string(errors, path, s, length),
        other => Err(missing_or_not_a_string(errors, path, other)),
    }
}

/// A string of `length` characters, or `null` / absent (`None`).
pub fn read_optional_string(
    errors: &mut FormErrors,
    path: &Path,
    value: Option<&Value>,
    length: Length,
) -> Result<Option<String>, Invalid> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => checked_string(errors, path, s, length).map(Some),
        Some(other) => Err(not_a_string(errors, path, other)),
    }
}

fn checked_string(
    errors: &mut FormErrors,
    path: &Path,
    s: &str,
    length: Length,
) -> Result<String, Invalid> {
    if s.contains('\0') {
        // PostgreSQL cannot store NUL in text.
        return Err(path.refuse(
            errors,
            "STRING_TYPE_INVALID_CHARACTERS",
            "Must not contain NUL characters.",
        ));
    }
    if !length.contains(s) {
        return Err(path.refuse(errors, "BASE_TYPE_BAD_LENGTH", length.message()));
    }
    Ok(s.to_owned())
}

fn not_a_string(errors: &mut FormErrors, path: &Path, value: &Value) -> Invalid {
    path.refuse(
        errors,
        "STRING_TYPE_CONVERT",
        format!("Could not interpret \"{}\" as string.", short(value)),
    )
}

/// A boolean, present.
pub fn read_bool(
    errors: &mut FormErrors,
    path: &Path,
    value: Option<&Value>,
) -> Result<bool, Invalid> {
    match value {
        Some(Value::Bool(b)) => Ok(*b),
        None | Some(Value::Null) => Err(path.refuse(errors, REQUIRED.0, REQUIRED.1)),
        Some(other) => Err(path.refuse(
            errors,
            "BOOLEAN_TYPE_CONVERT",
            format!("Could not interpret \"{}\" as boolean.", short(other)),
        )),
    }
}

fn object<'v>(
    errors: &mut FormErrors,
    path: &Path,
    value: Option<&'v Value>,
) -> Result<&'v Map<String, Value>, Invalid> {
    match value {
        Some(Value::Object(map)) => Ok(map),
        None | Some(Value::Null) => Err(path.refuse(errors, REQUIRED.0, REQUIRED.1)),
        Some(_) => Err(path.refuse(
            errors,
            "DICT_TYPE_CONVERT",
            "Only dictionaries may be used in a DictType",
        )),
    }
}

/// A list of at most `max` items, each read by `item`; every item's errors are recorded.
/// `null` is refused: `[]` empties a list.
pub fn read_list<T>(
    errors: &mut FormErrors,
    path: &Path,
    value: &Value,
    max: usize,
    mut item: impl FnMut(&mut FormErrors, &Path, &Value) -> Result<T, Invalid>,
) -> Result<Vec<T>, Invalid> {
    let Value::Array(items) = value else {
        let null = "This field cannot be null; send [] to empty it.";
        let convert = ("LIST_TYPE_CONVERT", "Only iterables may be used in a ListType");
        return Err(path.not_a(errors, value, null, convert));
    };
    if items.len() > max {
        // Items past the cap are not read: their number is the client's to choose.
        return Err(path.too_long(errors, max));
    }
    let mut read = Vec::with_capacity(items.len());
    let mut invalid = None;
    for (i, v) in items.iter().enumerate() {
        match item(errors, &path.index(i), v) {
            Ok(value) => read.push(value),
            Err(e) => invalid = Some(e),
        }
    }
    match invalid {
        Some(e) => Err(e),
        None => Ok(read),
    }
}

/// A status as sent: a built-in one or a well-formed preference id (lowercased). Whether the
/// id names one of the owner's preferences is [`check_statuses`]'s to say.
fn read_status(
    errors: &mut FormErrors,
    path: &Path,
    value: Option<&Value>,
) -> Result<String, Invalid> {
    let status = match value {
        Some(Value::String(s)) => s,
        other => return Err(missing_or_not_a_string(errors, path, other)),
    };
    if STATUSES.contains(&status.as_str()) {
        return Ok(status.clone());
    }
    if is_preference_id(status) {
        return Ok(status.to_ascii_lowercase());
    }
    Err(unknown_status(errors, path))
}

/// The error for a value that should have been a string.
fn missing_or_not_a_string(errors: &mut FormErrors, path: &Path, value: Option<&Value>) -> Invalid {
    match value {
        None | Some(Value::Null) => path.refuse(errors, REQUIRED.0, REQUIRED.1),
        Some(other) => not_a_string(errors, path, other),
    }
}

fn unknown_status(errors: &mut FormErrors, path: &Path) -> Invalid {
    path.refuse(
        errors,
        "BASE_TYPE_CHOICES",
        format!(
            "Value must be one of ('{}') or the id of one of your custom preferences.",
            STATUSES.join("', '")
        ),
    )
}

/// Whether `s` is a UUID in its hyphenated form (any case).
pub fn is_preference_id(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// One of `names` or of a field's `entries`.
pub fn read_field_entry(
    errors: &mut FormErrors,
    path: &Path,
    value: &Value,
) -> Result<FieldEntry, Invalid> {
    let map = object(errors, path, Some(value))?;
    let entry_value = read_string(errors, &path.key("value"), map.get("value"), ENTRY_VALUE_LENGTH);
    let status = read_status(errors, &path.key("status"), map.get("status"));
    Ok(FieldEntry { value: entry_value?, status: status? })
}

/// One of `pronoun_entries`.
pub fn read_pronoun_entry(
    errors: &mut FormErrors,
    path: &Path,
    value: &Value,
) -> Result<PronounEntry, Invalid> {
    let map = object(errors, path, Some(value))?;
    let pronouns = read_string(errors, &path.key("pronouns"), map.get("pronouns"), PRONOUNS_LENGTH);
    let display_text = read_optional_string(
        errors,
        &path.key("display_text"),
        map.get("display_text"),
        PRONOUN_DISPLAY_TEXT_LENGTH,
    );
    let status = read_status(errors, &path.key("status"), map.get("status"));
    Ok(PronounEntry { pronouns: pronouns?, display_text: display_text?, status: status? })
}

/// One of `fields`.
pub fn read_profile_field(
    errors: &mut FormErrors,
    path: &Path,
    value: &Value,
) -> Result<ProfileField, Invalid> {
    let map = object(errors, path, Some(value))?;
    let name = read_string(errors, &path.key("name"), map.get("name"), FIELD_NAME_LENGTH);
    let entries_path = path.key("entries");
    let entries = match map.get("entries") {
        None => Err(entries_path.refuse(errors, REQUIRED.0, REQUIRED.1)),
        Some(v) => read_list(errors, &entries_path, v, MAX_FIELD_ENTRIES, read_field_entry),
    };
    Ok(ProfileField { name: name?, entries: entries? })
}

/// One link.
pub fn read_link(errors: &mut FormErrors, path: &Path, value: &Value) -> Result<String, Invalid> {
    read_string(errors, path, Some(value), LINK_LENGTH)
}

/// `custom_preferences`: an object of at most [`MAX_CUSTOM_PREFERENCES`] preferences by id.
pub fn read_custom_preferences(
    errors: &mut FormErrors,
    path: &Path,
    value: &Value,
) -> Result<CustomPreferences, Invalid> {
    let Value::Object(map) = value else {
        let null = "This field cannot be null; send {} to remove every custom preference.";
        let convert = ("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType");
        return Err(path.not_a(errors, value, null, convert));
    };
    if map.len() > MAX_CUSTOM_PREFERENCES {
        return Err(path.too_long(errors, MAX_CUSTOM_PREFERENCES));
    }
    let mut read = CustomPreferences::new();
    let mut invalid = None;
    for (id, v) in map {
        let here = path.key(id);
        if !is_preference_id(id) {
            invalid = Some(here.refuse(
                errors,
                "BASE_TYPE_INVALID_UUID",
                "A custom preference's id must be a UUID.",
            ));
            continue;
        }
        if read.contains_key(&id.to_ascii_lowercase()) {
            invalid = Some(here.refuse(
                errors,
                "BASE_TYPE_DUPLICATE",
                "This id is sent twice (ids are compared ignoring case).",
            ));
            continue;
        }
        match read_custom_preference(errors, &here, v) {
            Ok(preference) => {
                read.insert(id.to_ascii_lowercase(), preference);
            }
            Err(e) => invalid = Some(e),
        }
    }
    match invalid {
        Some(e) => Err(e),
        None => Ok(read),
    }
}

fn read_custom_preference(
    errors: &mut FormErrors,
    path: &Path,
    value: &Value,
) -> Result<CustomPreference, Invalid> {
    let map = object(errors, path, Some(value))?;
    let icon = read_string(errors, &path.key("icon"), map.get("icon"), PREFERENCE_ICON_LENGTH);
    let tooltip =
        read_string(errors, &path.key("tooltip"), map.get("tooltip"), PREFERENCE_TOOLTIP_LENGTH);
    let size_path = path.key("size");
    let size = match map.get("size") {
        Some(Value::String(s)) => match PreferenceSize::ALL.iter().find(|(_, name)| name == s) {
            Some((size, _)) => Ok(*size),
            None => Err(size_path.refuse(
                errors,
                "BASE_TYPE_CHOICES",
                "Value must be one of ('large', 'normal', 'small').",
            )),
        },
        other => Err(missing_or_not_a_string(errors, &size_path, other)),
    };
    let muted = read_bool(errors, &path.key("muted"), map.get("muted"));
    let favourite = read_bool(errors, &path.key("favourite"), map.get("favourite"));
    Ok(CustomPreference {
        icon: icon?,
        tooltip: tooltip?,
        size: size?,
        muted: muted?,
        favourite: favourite?,
    })
}

crate::partial_update! {
    /// The lists a change sets whose entries carry a status (names, pronoun entries, fields):
    /// `None` leaves a list unchanged. A user's profile update (`PATCH /users/@me`) and a member's
    /// body (`POST`/`PATCH /members`) both hold one.
    #[derive(Debug, Clone, PartialEq, Eq, Default)]
    pub struct ProfileLists {
        pub names: Option<Vec<FieldEntry>>,
        pub pronoun_entries: Option<Vec<PronounEntry>>,
        pub fields: Option<Vec<ProfileField>>,
    }
    spelled_as {
        /// The name `pronoun_entries` was sent under (`pronoun_entries` or `pronouns`), for the
        /// path of a status error.
        pub pronouns_key: &'static str,
    }
}

impl ProfileLists {
    /// Records an error at every status of the lists this change sets that names none of
    /// `preferences` (the custom preferences in effect once it is made).
    pub fn check_statuses(
        &self,
        errors: &mut FormErrors,
        preferences: &CustomPreferences,
    ) -> Result<(), Invalid> {
        let lists = StatusLists {
            names: self.names.as_deref().map(|l| ("names", l)),
            pronoun_entries: self.pronoun_entries.as_deref().map(|l| (self.pronouns_key, l)),
            fields: self.fields.as_deref().map(|l| ("fields", l)),
        };
        check_statuses(errors, &lists, preferences)
    }
}

/// The profile lists of a body declared with [`request_with_profile_lists!`] (`links`, `names`,
/// `pronoun_entries` or `pronouns`, `fields`) as read: each item checked, the statuses naming a
/// custom preference not yet ([`ProfileLists::check_statuses`]). A user's and a member's bodies
/// read them with this one reader.
#[derive(Debug)]
pub(crate) struct ProfileListsDraft {
    links: Result<Option<Vec<String>>, Invalid>,
    names: Result<Option<Vec<FieldEntry>>, Invalid>,
    pronoun_entries: Result<Option<Vec<PronounEntry>>, Invalid>,
    pronouns_key: &'static str,
    fields: Result<Option<Vec<ProfileField>>, Invalid>,
}

impl ProfileListsDraft {
    pub(crate) fn read(form: &mut FormReader<'_>) -> ProfileListsDraft {
        Self::read_lists(form, false)
    }

    /// [`ProfileListsDraft::read`] for a body that reads a plain-string `pronouns` itself
    /// (`PATCH /users/@me`, issue 16 A).
    pub(crate) fn read_with_plain_pronouns(form: &mut FormReader<'_>) -> ProfileListsDraft {
        Self::read_lists(form, true)
    }

    fn read_lists(form: &mut FormReader<'_>, plain_pronouns: bool) -> ProfileListsDraft {
        let links = list(form, "links", MAX_LINKS, read_link);
        let names = list(form, "names", MAX_NAMES, read_field_entry);
        let pronouns_key = pronouns_key(form, plain_pronouns);
        let pronoun_entries = list(form, pronouns_key, MAX_PRONOUN_ENTRIES, read_pronoun_entry);
        let fields = list(form, "fields", MAX_FIELDS, read_profile_field);
        ProfileListsDraft { links, names, pronoun_entries, pronouns_key, fields }
    }

    /// The lists that were sent and read, to check their statuses against the custom
    /// preferences the same body sets.
    pub(crate) fn status_lists(&self) -> StatusLists<'_> {
        StatusLists {
            names: self.names.as_ref().ok().and_then(Option::as_deref).map(|l| ("names", l)),
            pronoun_entries: (self.pronoun_entries.as_ref().ok())
                .and_then(Option::as_deref)
                .map(|l| (self.pronouns_key, l)),
            fields: self.fields.as_ref().ok().and_then(Option::as_deref).map(|l| ("fields", l)),
        }
    }

    /// `links` and the other lists, once every one was read.
    pub(crate) fn finish(self) -> Result<(Option<Vec<String>>, ProfileLists), Invalid> {
        let lists = ProfileLists {
            names: self.names?,
            pronoun_entries: self.pronoun_entries?,
            pronouns_key: self.pronouns_key,
            fields: self.fields?,
        };
        Ok((self.links?, lists))
    }
}

/// Lists whose statuses name custom preferences, each with the name it was sent under.
#[derive(Debug, Default)]
pub struct StatusLists<'a> {
    pub names: Option<(&'a str, &'a [FieldEntry])>,
    pub pronoun_entries: Option<(&'a str, &'a [PronounEntry])>,
    pub fields: Option<(&'a str, &'a [ProfileField])>,
}

/// Records a field error at every status that is a preference id not in `preferences` (the
/// preferences in effect once the change is made).
pub fn check_statuses(
    errors: &mut FormErrors,
    lists: &StatusLists<'_>,
    preferences: &CustomPreferences,
) -> Result<(), Invalid> {
    let mut invalid = None;
    let known = |status: &str| STATUSES.contains(&status) || preferences.contains_key(status);
    let mut check = |errors: &mut FormErrors, status: &str, path: Path| {
        if !known(status) {
            invalid = Some(unknown_status(errors, &path));
        }
    };
    if let Some((name, entries)) = lists.names {
        for (i, entry) in entries.iter().enumerate() {
            check(errors, &entry.status, Path::root(name).index(i).key("status"));
        }
    }
    if let Some((name, entries)) = lists.pronoun_entries {
        for (i, entry) in entries.iter().enumerate() {
            check(errors, &entry.status, Path::root(name).index(i).key("status"));
        }
    }
    if let Some((name, fields)) = lists.fields {
        for (i, field) in fields.iter().enumerate() {
            for (j, entry) in field.entries.iter().enumerate() {
                let path = Path::root(name).index(i).key("entries").index(j).key("status");
                check(errors, &entry.status, path);
            }
        }
    }
    match invalid {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Turns every status naming a preference not in `preferences` into [`DEFAULT_STATUS`]: what
/// deleting a custom preference does to the entries that used it. Answers whether anything
/// changed.
pub fn reset_unknown_statuses(
    names: &mut [FieldEntry],
    pronoun_entries: &mut [PronounEntry],
    fields: &mut [ProfileField],
    preferences: &CustomPreferences,
) -> bool {
    let mut changed = false;
    let mut reset = |status: &mut String| {
        if !STATUSES.contains(&status.as_str()) && !preferences.contains_key(status.as_str()) {
            *status = DEFAULT_STATUS.to_owned();
            changed = true;
        }
    };
    names.iter_mut().for_each(|e| reset(&mut e.status));
    pronoun_entries.iter_mut().for_each(|e| reset(&mut e.status));
    fields.iter_mut().flat_map(|f| f.entries.iter_mut()).for_each(|e| reset(&mut e.status));
    changed
}

/// `timezone`: an IANA zone name known to the time-zone database bundled with the server
/// (jiff's copy of the tz database), answered in its canonical spelling; `null` clears it.
pub fn read_timezone(
    errors: &mut FormErrors,
    path: &Path,
    value: Option<&Value>,
) -> Result<Option<String>, Invalid> {
    let Some(name) = read_optional_string(errors, path, value, TIMEZONE_LENGTH)? else {
        return Ok(None);
    };
    match jiff::tz::db().get(&name) {
        Ok(zone) => Ok(Some(zone.iana_name().map_or(name, str::to_owned))),
        Err(_) => Err(path.refuse(
            errors,
            "TIMEZONE_INVALID",
            "Must be an IANA time zone name, e.g. \"Europe/Berlin\".",
        )),
    }
}

/// `timezone` schema: nullable, see [`read_timezone`].
pub fn timezone_schema() -> ObjectBuilder {
    TIMEZONE_LENGTH.nullable_schema().description(Some(
        "An IANA time zone name (e.g. `Europe/Berlin`), or `null` for none (on PATCH: clears it).",
    ))
}

/// The offset from UTC in seconds of `timezone` at `now`, daylight saving included; `None`
/// for a name the bundled tz database does not know (no stored name is: each was checked).
pub fn utc_offset(timezone: &str, now: jiff::Timestamp) -> Option<i32> {
    let zone = jiff::tz::db().get(timezone).ok()?;
    Some(zone.to_offset(now).seconds())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn errors_of(errors: FormErrors) -> Value {
        serde_json::to_value(errors.into_body()).unwrap()["errors"].clone()
    }

    #[test]
    fn field_errors_carry_their_exact_path() {
        let mut errors = FormErrors::new();
        let body = json!([{"name": "a", "entries": [
            {"value": "x", "status": "okay"},
            {"value": "", "status": "okay"},
            {"value": "y", "status": "maybe"},
        ]}]);
        let read =
            read_list(&mut errors, &Path::root("fields"), &body, MAX_FIELDS, read_profile_field);
        assert!(read.is_err());
        let errors = errors_of(errors);
        let entries = &errors["fields"]["0"]["entries"];
        assert_eq!(entries["1"]["value"]["_errors"][0]["code"], "BASE_TYPE_BAD_LENGTH");
        assert_eq!(entries["2"]["status"]["_errors"][0]["code"], "BASE_TYPE_CHOICES");
        assert!(entries.get("0").is_none());
    }

    #[test]
    fn statuses_name_builtins_or_existing_preferences() {
        let id = "3f2b8e4a-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
        let mut errors = FormErrors::new();
        let entry = read_field_entry(
            &mut errors,
            &Path::root("names").index(0),
            &json!({"value": "Ada", "status": id.to_uppercase()}),
        )
        .unwrap();
        assert_eq!(entry.status, id);
        let names = [entry];
        let lists = StatusLists { names: Some(("names", &names)), ..Default::default() };
        let mut errors = FormErrors::new();
        assert!(check_statuses(&mut errors, &lists, &CustomPreferences::new()).is_err());
        assert_eq!(
            errors_of(errors)["names"]["0"]["status"]["_errors"][0]["code"],
            "BASE_TYPE_CHOICES"
        );
        let mut preferences = CustomPreferences::new();
        preferences.insert(
            id.to_owned(),
            CustomPreference {
                icon: "heart".into(),
                tooltip: "Love".into(),
                size: PreferenceSize::Normal,
                muted: false,
                favourite: true,
            },
        );
        let mut errors = FormErrors::new();
        assert!(check_statuses(&mut errors, &lists, &preferences).is_ok() && errors.is_empty());
        let mut names = names.to_vec();
        assert!(reset_unknown_statuses(&mut names, &mut [], &mut [], &CustomPreferences::new()));
        assert_eq!(names[0].status, DEFAULT_STATUS);
    }

    #[test]
    fn time_zones_are_iana_names() {
        let mut errors = FormErrors::new();
        let path = Path::root("timezone");
        let read = read_timezone(&mut errors, &path, Some(&json!("asia/kolkata"))).unwrap();
        assert_eq!(read.as_deref(), Some("Asia/Kolkata"));
        assert_eq!(utc_offset("Asia/Kolkata", jiff::Timestamp::now()), Some(19800));
        assert!(read_timezone(&mut errors, &path, Some(&json!("Mars/Olympus"))).is_err());
        assert!(read_timezone(&mut errors, &path, Some(&json!("+05:00"))).is_err());
        assert_eq!(read_timezone(&mut FormErrors::new(), &path, Some(&Value::Null)), Ok(None));
    }

    #[test]
    fn preference_ids_are_uuids() {
        assert!(is_preference_id("3f2b8e4a-1c2d-4e5f-8a9b-0c1d2e3f4a5b"));
        assert!(is_preference_id("3F2B8E4A-1C2D-4E5F-8A9B-0C1D2E3F4A5B"));
        for bad in
            ["", "okay", "3f2b8e4a1c2d4e5f8a9b0c1d2e3f4a5b", "3f2b8e4a-1c2d-4e5f-8a9b-0c1d2e3f4a5g"]
        {
            assert!(!is_preference_id(bad), "{bad}");
        }
    }
}
