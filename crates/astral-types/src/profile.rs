//! TEMPORARY minimal profile shapes for the members branch, to be replaced by the shared
//! `profile.rs` of the profile work (branch `profile`) when it is merged: the same names, the
//! same rules, written once there.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder};
use utoipa::ToSchema;

use crate::form::{Field, FormReader, Invalid, Length};
use crate::FormErrors;

/// A bio (pronouns.cc's 1–1000), users' and members' alike.
pub const BIO_LENGTH: Length = Length::new(1, 1000);
/// One profile link.
pub const LINK_LENGTH: Length = Length::new(1, 256);
/// Links per profile.
pub const MAX_LINKS: usize = 25;
/// A name entry's or field entry's value.
pub const ENTRY_VALUE_LENGTH: Length = Length::new(1, 100);
/// Names per profile.
pub const MAX_NAMES: usize = 50;
/// Pronoun entries per profile.
pub const MAX_PRONOUN_ENTRIES: usize = 50;
/// A pronoun entry's pronouns (`they/them/their/theirs/themself`).
pub const PRONOUNS_LENGTH: Length = Length::new(1, 100);
/// A pronoun entry's display text.
pub const DISPLAY_TEXT_LENGTH: Length = Length::new(1, 100);
/// Fields per profile.
pub const MAX_FIELDS: usize = 25;
/// A field's name.
pub const FIELD_NAME_LENGTH: Length = Length::new(1, 100);
/// Entries per field.
pub const MAX_FIELD_ENTRIES: usize = 100;

/// pronouns.cc's built-in statuses.
pub const BUILT_IN_STATUSES: [&str; 5] = ["favourite", "okay", "jokingly", "friends_only", "avoid"];

/// `{value, status}`: a name or a field's entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldEntry {
    #[schema(schema_with = entry_value_schema)]
    pub value: String,
    /// `favourite`, `okay`, `jokingly`, `friends_only`, `avoid`, or a custom preference's uuid.
    pub status: String,
}

/// `{pronouns, display_text?, status}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PronounEntry {
    #[schema(schema_with = pronouns_schema)]
    pub pronouns: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = display_text_schema)]
    pub display_text: Option<String>,
    /// `favourite`, `okay`, `jokingly`, `friends_only`, `avoid`, or a custom preference's uuid.
    pub status: String,
}

/// `{name, entries[]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProfileField {
    #[schema(schema_with = field_name_schema)]
    pub name: String,
    #[schema(schema_with = field_entries_schema)]
    pub entries: Vec<FieldEntry>,
}

/// The statuses an entry may have: the built-in ones and the owner's custom preferences.
#[derive(Debug, Clone, Default)]
pub struct StatusChoices {
    pub custom: Vec<String>,
}

impl StatusChoices {
    fn allows(&self, status: &str) -> bool {
        BUILT_IN_STATUSES.contains(&status) || self.custom.iter().any(|c| c == status)
    }
}

pub fn bio_schema() -> ObjectBuilder {
    BIO_LENGTH.nullable_schema().description(Some("`null` clears it."))
}

fn list_of(schema: &str, max: usize) -> ArrayBuilder {
    ArrayBuilder::new().items(utoipa::openapi::Ref::from_schema_name(schema)).max_items(Some(max))
}

pub fn names_schema() -> ArrayBuilder {
    list_of("FieldEntry", MAX_NAMES)
}

pub fn pronoun_entries_schema() -> ArrayBuilder {
    list_of("PronounEntry", MAX_PRONOUN_ENTRIES)
}

pub fn fields_schema() -> ArrayBuilder {
    list_of("ProfileField", MAX_FIELDS)
}

fn entry_value_schema() -> ObjectBuilder {
    ENTRY_VALUE_LENGTH.schema()
}

fn pronouns_schema() -> ObjectBuilder {
    PRONOUNS_LENGTH.schema()
}

fn display_text_schema() -> ObjectBuilder {
    DISPLAY_TEXT_LENGTH.schema()
}

fn field_name_schema() -> ObjectBuilder {
    FIELD_NAME_LENGTH.schema()
}

fn field_entries_schema() -> ArrayBuilder {
    list_of("FieldEntry", MAX_FIELD_ENTRIES)
}

pub fn links_schema() -> ArrayBuilder {
    ArrayBuilder::new().items(LINK_LENGTH.schema()).max_items(Some(MAX_LINKS))
}

pub fn read_bio(form: &mut FormReader<'_>, name: &str) -> Result<Field<String>, Invalid> {
    let bio = form.string(name)?;
    bio.check(|v| BIO_LENGTH.check(form.errors(), name, v))
}

fn too_many(errors: &mut FormErrors, path: &[&str], max: usize) -> Invalid {
    errors.add(path, "BASE_TYPE_MAX_LENGTH", format!("Must be {max} or fewer in length."));
    crate::form::invalid()
}

fn array<'a>(
    form: &mut FormReader<'a>,
    name: &str,
    max: usize,
) -> Result<Option<&'a Vec<Value>>, Invalid> {
    match form.value(name) {
        None => Ok(None),
        Some(Value::Array(items)) if items.len() > max => {
            Err(too_many(form.errors(), &[name], max))
        }
        Some(Value::Array(items)) => Ok(Some(items)),
        Some(Value::Null) => {
            Err(form.refuse(name, "BASE_TYPE_REQUIRED", "This field cannot be null"))
        }
        Some(_) => Err(form.refuse(name, "LIST_TYPE_CONVERT", "Must be a list.")),
    }
}

fn string_at(
    errors: &mut FormErrors,
    path: &[&str],
    value: Option<&Value>,
    length: Length,
) -> Result<String, Invalid> {
    match value {
        Some(Value::String(s)) if s.contains('\0') => {
            errors.add(path, "STRING_TYPE_INVALID_CHARACTERS", "Must not contain NUL characters.");
            Err(crate::form::invalid())
        }
        Some(Value::String(s)) if length.contains(s) => Ok(s.clone()),
        Some(Value::String(_)) => {
            errors.add(path, "BASE_TYPE_BAD_LENGTH", length.message());
            Err(crate::form::invalid())
        }
        None | Some(Value::Null) => {
            errors.add(path, "BASE_TYPE_REQUIRED", "This field is required");
            Err(crate::form::invalid())
        }
        Some(_) => {
            errors.add(path, "STRING_TYPE_CONVERT", "Must be a string.");
            Err(crate::form::invalid())
        }
    }
}

fn status_at(
    errors: &mut FormErrors,
    path: &[&str],
    value: Option<&Value>,
    statuses: &StatusChoices,
) -> Result<String, Invalid> {
    let status = string_at(errors, path, value, Length::new(1, 36))?;
    if statuses.allows(&status) {
        Ok(status)
    } else {
        errors.add(
            path,
            "BASE_TYPE_CHOICES",
            "Value must be one of favourite, okay, jokingly, friends_only, avoid, or a custom \
             preference's uuid.",
        );
        Err(crate::form::invalid())
    }
}

pub fn read_links(form: &mut FormReader<'_>, name: &str) -> Result<Option<Vec<String>>, Invalid> {
    let Some(items) = array(form, name, MAX_LINKS)? else {
        return Ok(None);
    };
    let mut out = Vec::new();
    let mut failed = None;
    for (i, item) in items.iter().enumerate() {
        let index = i.to_string();
        match string_at(form.errors(), &[name, &index], Some(item), LINK_LENGTH) {
            Ok(v) => out.push(v),
            Err(e) => failed = Some(e),
        }
    }
    failed.map_or(Ok(Some(out)), Err)
}

fn entry_at(
    errors: &mut FormErrors,
    path: &[&str],
    item: &Value,
    statuses: &StatusChoices,
) -> Result<FieldEntry, Invalid> {
    let Some(object) = item.as_object() else {
        errors.add(path, "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType");
        return Err(crate::form::invalid());
    };
    let value =
        string_at(errors, &[path, &["value"]].concat(), object.get("value"), ENTRY_VALUE_LENGTH);
    let status = status_at(errors, &[path, &["status"]].concat(), object.get("status"), statuses);
    Ok(FieldEntry { value: value?, status: status? })
}

fn entries_at(
    errors: &mut FormErrors,
    path: &[&str],
    items: &[Value],
    statuses: &StatusChoices,
) -> Result<Vec<FieldEntry>, Invalid> {
    let mut out = Vec::new();
    let mut failed = None;
    for (i, item) in items.iter().enumerate() {
        let index = i.to_string();
        match entry_at(errors, &[path, &[index.as_str()]].concat(), item, statuses) {
            Ok(v) => out.push(v),
            Err(e) => failed = Some(e),
        }
    }
    failed.map_or(Ok(out), Err)
}

pub fn read_field_entries(
    form: &mut FormReader<'_>,
    name: &str,
    statuses: &StatusChoices,
) -> Result<Option<Vec<FieldEntry>>, Invalid> {
    let Some(items) = array(form, name, MAX_NAMES)? else {
        return Ok(None);
    };
    entries_at(form.errors(), &[name], items, statuses).map(Some)
}

/// `pronoun_entries`, or pronouns.cc's `pronouns` when it is an array (a string `pronouns` is
/// another seed's field, not read here). Both with different values is a field error.
pub fn read_pronoun_entries(
    form: &mut FormReader<'_>,
    statuses: &StatusChoices,
) -> Result<Option<Vec<PronounEntry>>, Invalid> {
    let entries = pronoun_entries_at(form, "pronoun_entries", statuses);
    let alias = match form.value("pronouns") {
        Some(Value::Array(_)) => pronoun_entries_at(form, "pronouns", statuses),
        _ => Ok(None),
    };
    match (entries?, alias?) {
        (Some(a), Some(b)) if a != b => Err(form.refuse(
            "pronouns",
            "FIELD_ALIAS_CONFLICT",
            "`pronouns` and `pronoun_entries` name one field: send one, or both alike.",
        )),
        (Some(a), _) => Ok(Some(a)),
        (None, b) => Ok(b),
    }
}

fn pronoun_entries_at(
    form: &mut FormReader<'_>,
    name: &str,
    statuses: &StatusChoices,
) -> Result<Option<Vec<PronounEntry>>, Invalid> {
    let Some(items) = array(form, name, MAX_PRONOUN_ENTRIES)? else {
        return Ok(None);
    };
    let errors = form.errors();
    let mut out = Vec::new();
    let mut failed = None;
    for (i, item) in items.iter().enumerate() {
        let index = i.to_string();
        let Some(object) = item.as_object() else {
            errors.add(
                &[name, &index],
                "DICT_TYPE_CONVERT",
                "Only dictionaries may be used in a DictType",
            );
            failed = Some(crate::form::invalid());
            continue;
        };
        let pronouns =
            string_at(errors, &[name, &index, "pronouns"], object.get("pronouns"), PRONOUNS_LENGTH);
        let display_text = match object.get("display_text") {
            None | Some(Value::Null) => Ok(None),
            v => {
                string_at(errors, &[name, &index, "display_text"], v, DISPLAY_TEXT_LENGTH).map(Some)
            }
        };
        let status = status_at(errors, &[name, &index, "status"], object.get("status"), statuses);
        match (pronouns, display_text, status) {
            (Ok(pronouns), Ok(display_text), Ok(status)) => {
                out.push(PronounEntry { pronouns, display_text, status })
            }
            _ => failed = Some(crate::form::invalid()),
        }
    }
    failed.map_or(Ok(Some(out)), Err)
}

pub fn read_fields(
    form: &mut FormReader<'_>,
    name: &str,
    statuses: &StatusChoices,
) -> Result<Option<Vec<ProfileField>>, Invalid> {
    let Some(items) = array(form, name, MAX_FIELDS)? else {
        return Ok(None);
    };
    let errors = form.errors();
    let mut out = Vec::new();
    let mut failed = None;
    for (i, item) in items.iter().enumerate() {
        let index = i.to_string();
        let Some(object) = item.as_object() else {
            errors.add(
                &[name, &index],
                "DICT_TYPE_CONVERT",
                "Only dictionaries may be used in a DictType",
            );
            failed = Some(crate::form::invalid());
            continue;
        };
        let field_name =
            string_at(errors, &[name, &index, "name"], object.get("name"), FIELD_NAME_LENGTH);
        let entries = match object.get("entries") {
            Some(Value::Array(entries)) if entries.len() > MAX_FIELD_ENTRIES => {
                Err(too_many(errors, &[name, &index, "entries"], MAX_FIELD_ENTRIES))
            }
            Some(Value::Array(entries)) => {
                entries_at(errors, &[name, &index, "entries"], entries, statuses)
            }
            None => Ok(Vec::new()),
            Some(_) => {
                errors.add(&[name, &index, "entries"], "LIST_TYPE_CONVERT", "Must be a list.");
                Err(crate::form::invalid())
            }
        };
        match (field_name, entries) {
            (Ok(name), Ok(entries)) => out.push(ProfileField { name, entries }),
            _ => failed = Some(crate::form::invalid()),
        }
    }
    failed.map_or(Ok(Some(out)), Err)
}
