//! Reading a JSON request body field by field, the way Discord validates forms: every problem
//! is collected (not just the first) and reported under the field's name with a string code.
//!
//! Each request type's reader (`RegisterRequest::read`, …) pulls typed fields out of a
//! `serde_json::Value` with [`FormReader`] (query strings: [`QueryReader`]); a wrong type, a
//! missing required field or a bad length becomes a `FormErrors` entry, never a serde message.
//! Every field is a `Result<T, Invalid>`, and [`finish`] answers either the whole checked
//! value or every recorded error. Unknown fields are ignored, as Discord ignores them.

use serde_json::{Map, Value};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, SchemaType, Type};

use crate::{FormErrors, Snowflake};

/// The contract's pattern for a string the form reader reads: no NUL, which
/// [`FormReader::string`] refuses (50035 `STRING_TYPE_INVALID_CHARACTERS`).
pub const NO_NUL_PATTERN: &str = "^[^\\u0000]*$";

/// A field of a PATCH-like body: absent (leave unchanged), `null` (clear) or a value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Field<T> {
    #[default]
    Absent,
    Null,
    Value(T),
}

impl<T> Field<T> {
    /// `None` for absent, `Some(None)` for null, `Some(Some(v))` for a value.
    pub fn into_patch(self) -> Option<Option<T>> {
        match self {
            Field::Absent => None,
            Field::Null => Some(None),
            Field::Value(v) => Some(Some(v)),
        }
    }

    /// Checks a value (absent and `null` pass as they are).
    pub fn check(self, check: impl FnOnce(T) -> Result<T, Invalid>) -> Result<Self, Invalid> {
        match self {
            Field::Value(v) => check(v).map(Field::Value),
            other => Ok(other),
        }
    }
}

/// Proof that an error was recorded for a field. Every reader and check answers
/// `Result<T, Invalid>`; only this crate makes an `Invalid`, and only right after recording
/// the field's error, so [`finish`] never needs a value that is not there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invalid(());

/// Records an error under the top-level field `name` and returns the proof of it.
pub(crate) fn refuse(
    errors: &mut FormErrors,
    name: &str,
    code: &str,
    message: impl Into<String>,
) -> Invalid {
    errors.field(name, code, message);
    Invalid(())
}

/// Records an error at a nested `path` (`["fields", "0", "name"]`) and returns the proof of it.
pub(crate) fn refuse_at(
    errors: &mut FormErrors,
    path: &[&str],
    code: &str,
    message: impl Into<String>,
) -> Invalid {
    errors.add(path, code, message);
    Invalid(())
}

/// The read value when nothing was recorded, every recorded error otherwise. `build` puts the
/// fields together with `?`: a field that is `Invalid` had its error recorded, so the answer
/// is never an empty 50035.
pub fn finish<T>(
    errors: FormErrors,
    build: impl FnOnce() -> Result<T, Invalid>,
) -> Result<T, FormErrors> {
    match build() {
        Ok(value) if errors.is_empty() => Ok(value),
        Ok(_) | Err(Invalid(())) => Err(errors),
    }
}

pub struct FormReader<'a> {
    object: &'a Map<String, Value>,
    errors: FormErrors,
}

const REQUIRED: (&str, &str) = ("BASE_TYPE_REQUIRED", "This field is required");

impl<'a> FormReader<'a> {
    /// The body must be a JSON object.
    pub fn new(body: &'a Value) -> Result<Self, FormErrors> {
        match body.as_object() {
            Some(object) => Ok(FormReader { object, errors: FormErrors::new() }),
            None => {
                let mut errors = FormErrors::new();
                errors.add(&[], "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType");
                Err(errors)
            }
        }
    }

    pub fn errors(&mut self) -> &mut FormErrors {
        &mut self.errors
    }

    /// What was recorded, for a reader whose last checks run elsewhere (see [`finish`]).
    pub fn into_errors(self) -> FormErrors {
        self.errors
    }

    /// See [`finish`].
    pub fn finish<T>(self, build: impl FnOnce() -> Result<T, Invalid>) -> Result<T, FormErrors> {
        finish(self.errors, build)
    }

    /// A field as sent (`None` when absent), for shapes the typed readers do not cover.
    pub fn value(&mut self, name: &str) -> Option<&'a Value> {
        #[cfg(test)]
        tests::note_read(name);
        self.object.get(name)
    }

    /// Records an error under `name`; see [`Invalid`].
    pub fn refuse(&mut self, name: &str, code: &str, message: impl Into<String>) -> Invalid {
        refuse(&mut self.errors, name, code, message)
    }

    /// A string field. Strings containing NUL are refused here once for every field (schemas
    /// say so with [`NO_NUL_PATTERN`] where a check of the contract needs it), because
    /// PostgreSQL cannot store them in `text` and would otherwise fail deep in the store.
    pub fn string(&mut self, name: &str) -> Result<Field<String>, Invalid> {
        match self.value(name) {
            None => Ok(Field::Absent),
            Some(Value::Null) => Ok(Field::Null),
            Some(Value::String(s)) if s.contains('\0') => Err(self.refuse(
                name,
                "STRING_TYPE_INVALID_CHARACTERS",
                "Must not contain NUL characters.",
            )),
            Some(Value::String(s)) => Ok(Field::Value(s.clone())),
            Some(other) => Err(self.refuse(
                name,
                "STRING_TYPE_CONVERT",
                format!("Could not interpret \"{}\" as string.", short(other)),
            )),
        }
    }

    /// An integer field that may be absent or null (both `None`).
    pub fn optional_integer(&mut self, name: &str) -> Result<Option<i64>, Invalid> {
        match self.value(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) if n.as_i64().is_some() => Ok(n.as_i64()),
            Some(other) => Err(self.refuse(
                name,
                "NUMBER_TYPE_COERCE",
                format!("Value \"{}\" is not int.", short(other)),
            )),
        }
    }

    /// A boolean that may be absent but, when present, is not null (`BASE_TYPE_REQUIRED`, as for
    /// [`FormReader::optional_string`]); another type is `BOOLEAN_TYPE_CONVERT`.
    pub fn optional_bool(&mut self, name: &str) -> Result<Option<bool>, Invalid> {
        match self.value(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::Null) => Err(self.refuse(name, REQUIRED.0, "This field cannot be null")),
            Some(other) => Err(self.refuse(
                name,
                "BOOLEAN_TYPE_CONVERT",
                format!("Value \"{}\" is not a boolean.", short(other)),
            )),
        }
    }

    /// A field of any shape that may be absent but, when present, is not null
    /// (`BASE_TYPE_REQUIRED`, as for [`FormReader::optional_string`]).
    pub fn optional_not_null(&mut self, name: &str) -> Result<Option<&'a Value>, Invalid> {
        match self.value(name) {
            Some(Value::Null) => Err(self.refuse(name, REQUIRED.0, "This field cannot be null")),
            other => Ok(other),
        }
    }

    /// A string that must be present and not null.
    pub fn required_string(&mut self, name: &str) -> Result<String, Invalid> {
        match self.string(name)? {
            Field::Value(s) => Ok(s),
            Field::Null | Field::Absent => Err(self.refuse(name, REQUIRED.0, REQUIRED.1)),
        }
    }

    /// A string that may be absent but, when present, is not null.
    pub fn optional_string(&mut self, name: &str) -> Result<Option<String>, Invalid> {
        match self.string(name)? {
            Field::Value(s) => Ok(Some(s)),
            Field::Absent => Ok(None),
            Field::Null => Err(self.refuse(name, REQUIRED.0, "This field cannot be null")),
        }
    }
}

/// A length in characters (Unicode scalar values, as Discord counts): one named constant per
/// limit, read by the check and by the schema alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Length {
    pub min: usize,
    pub max: usize,
}

impl Length {
    pub const fn new(min: usize, max: usize) -> Self {
        Length { min, max }
    }

    pub fn contains(self, value: &str) -> bool {
        (self.min..=self.max).contains(&value.chars().count())
    }

    /// The field error for a value outside the bounds.
    pub fn message(self) -> String {
        format!("Must be between {} and {} in length.", self.min, self.max)
    }

    /// Passes `value` through, or records `BASE_TYPE_BAD_LENGTH` under `name`.
    pub fn check(
        self,
        errors: &mut FormErrors,
        name: &str,
        value: String,
    ) -> Result<String, Invalid> {
        if self.contains(&value) {
            Ok(value)
        } else {
            Err(refuse(errors, name, "BASE_TYPE_BAD_LENGTH", self.message()))
        }
    }

    /// `type: string` with these bounds, for a field's `schema_with`.
    pub fn schema(self) -> ObjectBuilder {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(self.min))
            .max_length(Some(self.max))
    }

    /// Like [`Length::schema`], for a field where `null` clears the value.
    pub fn nullable_schema(self) -> ObjectBuilder {
        self.schema().schema_type(SchemaType::from_iter([Type::String, Type::Null]))
    }
}

/// An integer query parameter's bounds and its value when absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntegerRange {
    pub min: i64,
    pub max: i64,
    pub default: i64,
}

impl IntegerRange {
    /// `type: integer` with these bounds, for a parameter's `schema_with`.
    pub fn schema(self) -> ObjectBuilder {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
            .minimum(Some(self.min))
            .maximum(Some(self.max))
            .description(Some(format!("{}–{} (default {}).", self.min, self.max, self.default)))
    }
}

/// Query-string parameters, read so that a bad value is a Discord-shaped 400 (50035 with a
/// field error) rather than a framework's plain-text one. Unknown parameters are ignored.
pub struct QueryReader<'a> {
    pairs: &'a [(String, String)],
    errors: FormErrors,
}

impl<'a> QueryReader<'a> {
    /// The decoded `name=value` pairs, in order; of repeated names the first counts.
    pub fn new(pairs: &'a [(String, String)]) -> Self {
        QueryReader { pairs, errors: FormErrors::new() }
    }

    fn raw(&self, name: &str) -> Option<&'a str> {
        #[cfg(test)]
        tests::note_read(name);
        self.pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Discord's boolean forms: `true`/`false`, `True`/`False`, `1`/`0`; absent is `false`.
    pub fn bool(&mut self, name: &str) -> Result<bool, Invalid> {
        match self.raw(name) {
            None => Ok(false),
            Some("true" | "True" | "1") => Ok(true),
            Some("false" | "False" | "0") => Ok(false),
            Some(other) => Err(refuse(
                &mut self.errors,
                name,
                "BOOLEAN_TYPE_COERCE",
                format!("Value \"{other}\" is not a boolean."),
            )),
        }
    }

    /// A paging bound (`before`, `after`): any value of Discord's snowflake pattern, one beyond
    /// the stored range lying past every id (`Snowflake::parse_bound`).
    pub fn snowflake_bound(&mut self, name: &str) -> Result<Option<Snowflake>, Invalid> {
        let Some(raw) = self.raw(name) else {
            return Ok(None);
        };
        Snowflake::parse_bound(raw).map(Some).map_err(|_| {
            refuse(
                &mut self.errors,
                name,
                "NUMBER_TYPE_COERCE",
                format!("Value \"{raw}\" is not snowflake."),
            )
        })
    }

    /// The bounds of a page of ids: `before` and `after` ([`Self::snowflake_bound`]) and
    /// `limit` within `limit` (its default when absent). Every bad one is recorded.
    pub fn id_page(&mut self, limit: IntegerRange) -> Result<IdPageBounds, Invalid> {
        let before = self.snowflake_bound("before");
        let after = self.snowflake_bound("after");
        let limit = self.integer("limit", limit);
        Ok(IdPageBounds { before: before?, after: after?, limit: limit? })
    }

    /// An integer within `range`, or its default when absent.
    pub fn integer(&mut self, name: &str, range: IntegerRange) -> Result<i64, Invalid> {
        let Some(raw) = self.raw(name) else {
            return Ok(range.default);
        };
        match raw.parse::<i64>() {
            Ok(n) if (range.min..=range.max).contains(&n) => Ok(n),
            Ok(_) => Err(refuse(
                &mut self.errors,
                name,
                "NUMBER_TYPE_MAX",
                format!("Must be between {} and {}.", range.min, range.max),
            )),
            Err(_) => Err(refuse(
                &mut self.errors,
                name,
                "NUMBER_TYPE_COERCE",
                format!("Value \"{raw}\" is not int."),
            )),
        }
    }

    /// See [`finish`].
    pub fn finish<T>(self, build: impl FnOnce() -> Result<T, Invalid>) -> Result<T, FormErrors> {
        finish(self.errors, build)
    }
}

/// `before`, `after` and `limit` of a paged list query, as read ([`QueryReader::id_page`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdPageBounds {
    pub before: Option<Snowflake>,
    pub after: Option<Snowflake>,
    pub limit: i64,
}

/// A bounded rendering of a bad value for an error message.
pub(crate) fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 64 {
        let cut: String = s.chars().take(61).collect();
        format!("{cut}...")
    } else {
        s
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;
    use std::cell::RefCell;
    use std::collections::BTreeSet;

    thread_local! {
        /// The names the readers looked up on this thread: what a request reader reads.
        static READ: RefCell<BTreeSet<String>> = const { RefCell::new(BTreeSet::new()) };
    }

    pub(crate) fn note_read(name: &str) {
        READ.with(|read| read.borrow_mut().insert(name.to_owned()));
    }

    /// The field names `read` looks up.
    pub(crate) fn names_read(read: impl FnOnce()) -> BTreeSet<String> {
        READ.with(|names| names.borrow_mut().clear());
        read();
        READ.with(|names| names.take())
    }

    #[test]
    fn distinguishes_absent_null_and_value() {
        let body = json!({"a": null, "b": "x"});
        let mut r = FormReader::new(&body).unwrap();
        assert_eq!(r.string("a"), Ok(Field::Null));
        assert_eq!(r.string("b"), Ok(Field::Value("x".into())));
        assert_eq!(r.string("c"), Ok(Field::Absent));
        assert_eq!(r.finish(|| Ok(())), Ok(()));
    }

    #[test]
    fn collects_every_error() {
        let body = json!({"a": 5, "b": null, "n": "x\u{0}y"});
        let mut r = FormReader::new(&body).unwrap();
        assert!(r.string("a").is_err());
        assert!(r.required_string("b").is_err());
        assert!(r.required_string("c").is_err());
        assert!(r.string("n").is_err());
        let errors = r.finish(|| Ok(())).unwrap_err().into_body();
        let errors = serde_json::to_value(errors).unwrap();
        assert_eq!(errors["errors"]["a"]["_errors"][0]["code"], "STRING_TYPE_CONVERT");
        assert_eq!(errors["errors"]["b"]["_errors"][0]["code"], "BASE_TYPE_REQUIRED");
        assert_eq!(errors["errors"]["c"]["_errors"][0]["code"], "BASE_TYPE_REQUIRED");
        assert_eq!(errors["errors"]["n"]["_errors"][0]["code"], "STRING_TYPE_INVALID_CHARACTERS");
    }

    #[test]
    fn an_invalid_field_is_never_built() {
        let body = json!({"a": 5});
        let mut r = FormReader::new(&body).unwrap();
        let a = r.required_string("a");
        let read = r.finish(|| a);
        assert!(read.unwrap_err().has_field("a"));
    }

    #[test]
    fn non_objects_are_a_request_level_error() {
        let errors = FormReader::new(&json!([1, 2])).err().unwrap();
        let body = serde_json::to_value(errors.into_body()).unwrap();
        assert_eq!(body["errors"]["_errors"][0]["code"], "DICT_TYPE_CONVERT");
    }

    #[test]
    fn lengths_count_characters() {
        let mut e = FormErrors::new();
        let length = Length::new(1, 3);
        assert!(length.check(&mut e, "n", "ééé".into()).is_ok());
        assert!(e.is_empty());
        assert!(length.check(&mut e, "n", "éééé".into()).is_err());
        assert!(e.has_field("n"));
    }

    #[test]
    fn query_values_are_checked() {
        let pairs: Vec<(String, String)> = [("limit", "0"), ("flag", "maybe"), ("id", "x")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let range = IntegerRange { min: 1, max: 10, default: 10 };
        let mut q = QueryReader::new(&pairs);
        assert!(q.integer("limit", range).is_err());
        assert_eq!(q.integer("absent", range), Ok(10));
        assert!(q.bool("flag").is_err());
        assert!(q.snowflake_bound("id").is_err());
        let body = serde_json::to_value(q.finish(|| Ok(())).unwrap_err().into_body()).unwrap();
        assert_eq!(body["errors"]["limit"]["_errors"][0]["code"], "NUMBER_TYPE_MAX");
        assert_eq!(body["errors"]["flag"]["_errors"][0]["code"], "BOOLEAN_TYPE_COERCE");
        assert_eq!(body["errors"]["id"]["_errors"][0]["code"], "NUMBER_TYPE_COERCE");
    }
}
