//! Reading a JSON request body field by field, the way Discord validates forms: every problem
//! is collected (not just the first) and reported under the field's name with a string code.
//!
//! Handlers receive a `serde_json::Value` and pull typed fields out of it; a wrong type, a
//! missing required field or a bad length becomes a `FormErrors` entry, never a serde message.
//! Unknown fields are ignored, as Discord ignores them.

use serde_json::{Map, Value};

use crate::FormErrors;

/// A field of a PATCH-like body: absent (leave unchanged), `null` (clear) or a value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Field<T> {
    #[default]
    Absent,
    Null,
    Value(T),
}

impl<T> Field<T> {
    pub fn is_absent(&self) -> bool {
        matches!(self, Field::Absent)
    }

    /// `None` for absent, `Some(None)` for null, `Some(Some(v))` for a value.
    pub fn into_patch(self) -> Option<Option<T>> {
        match self {
            Field::Absent => None,
            Field::Null => Some(None),
            Field::Value(v) => Some(Some(v)),
        }
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
            Some(object) => Ok(FormReader {
                object,
                errors: FormErrors::new(),
            }),
            None => {
                let mut errors = FormErrors::new();
                errors.add(
                    &[],
                    "DICT_TYPE_CONVERT",
                    "Only dictionaries may be used in a DictType",
                );
                Err(errors)
            }
        }
    }

    pub fn errors(&mut self) -> &mut FormErrors {
        &mut self.errors
    }

    /// Ok when nothing was recorded.
    pub fn finish(self) -> Result<(), FormErrors> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }

    /// A string field. Strings containing NUL are refused here once for every field, because
    /// PostgreSQL cannot store them in `text` and would otherwise fail deep in the store.
    pub fn string(&mut self, name: &str) -> Field<String> {
        match self.object.get(name) {
            None => Field::Absent,
            Some(Value::Null) => Field::Null,
            Some(Value::String(s)) if s.contains('\0') => {
                self.errors.field(
                    name,
                    "STRING_TYPE_INVALID_CHARACTERS",
                    "Must not contain NUL characters.",
                );
                Field::Absent
            }
            Some(Value::String(s)) => Field::Value(s.clone()),
            Some(other) => {
                self.errors.field(
                    name,
                    "STRING_TYPE_CONVERT",
                    format!("Could not interpret \"{}\" as string.", short(other)),
                );
                Field::Absent
            }
        }
    }

    /// An integer field that may be absent or null (both `None`).
    pub fn optional_integer(&mut self, name: &str) -> Option<i64> {
        match self.object.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64(),
            Some(other) => {
                self.errors.field(
                    name,
                    "NUMBER_TYPE_COERCE",
                    format!("Value \"{}\" is not int.", short(other)),
                );
                None
            }
        }
    }

    /// A string that must be present and not null.
    pub fn required_string(&mut self, name: &str) -> Option<String> {
        match self.string(name) {
            Field::Value(s) => Some(s),
            Field::Null | Field::Absent => {
                if !self.errors.has_field(name) {
                    self.errors.field(name, REQUIRED.0, REQUIRED.1);
                }
                None
            }
        }
    }

    /// A string that may be absent but, when present, is not null.
    pub fn optional_string(&mut self, name: &str) -> Option<String> {
        match self.string(name) {
            Field::Value(s) => Some(s),
            Field::Absent => None,
            Field::Null => {
                self.errors
                    .field(name, REQUIRED.0, "This field cannot be null");
                None
            }
        }
    }
}

/// Checks a length in characters (Unicode scalar values), as Discord counts.
pub fn check_length(
    errors: &mut FormErrors,
    name: &str,
    value: &str,
    min: usize,
    max: usize,
) -> bool {
    let len = value.chars().count();
    if len < min || len > max {
        errors.field(
            name,
            "BASE_TYPE_BAD_LENGTH",
            format!("Must be between {min} and {max} in length."),
        );
        false
    } else {
        true
    }
}

/// A bounded rendering of a bad value for an error message.
fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 64 {
        let cut: String = s.chars().take(61).collect();
        format!("{cut}...")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn distinguishes_absent_null_and_value() {
        let body = json!({"a": null, "b": "x"});
        let mut r = FormReader::new(&body).unwrap();
        assert_eq!(r.string("a"), Field::Null);
        assert_eq!(r.string("b"), Field::Value("x".into()));
        assert_eq!(r.string("c"), Field::Absent);
        assert!(r.finish().is_ok());
    }

    #[test]
    fn collects_every_error() {
        let body = json!({"a": 5, "b": null, "n": "x\u{0}y"});
        let mut r = FormReader::new(&body).unwrap();
        assert_eq!(r.string("a"), Field::Absent);
        assert_eq!(r.required_string("b"), None);
        assert_eq!(r.required_string("c"), None);
        assert_eq!(r.string("n"), Field::Absent);
        let errors = serde_json::to_value(r.finish().unwrap_err().into_body()).unwrap();
        assert_eq!(
            errors["errors"]["a"]["_errors"][0]["code"],
            "STRING_TYPE_CONVERT"
        );
        assert_eq!(
            errors["errors"]["b"]["_errors"][0]["code"],
            "BASE_TYPE_REQUIRED"
        );
        assert_eq!(
            errors["errors"]["c"]["_errors"][0]["code"],
            "BASE_TYPE_REQUIRED"
        );
        assert_eq!(
            errors["errors"]["n"]["_errors"][0]["code"],
            "STRING_TYPE_INVALID_CHARACTERS"
        );
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
        assert!(check_length(&mut e, "n", "ééé", 1, 3));
        assert!(!check_length(&mut e, "n", "éééé", 1, 3));
        assert!(e.has_field("n"));
    }
}
