//! Query-string parameters read by hand, so that a bad value is a Discord-shaped 400 (50035
//! with a field error) rather than actix's plain-text one.

use actix_web::{web, HttpRequest};
use astral_types::{FormErrors, Snowflake};

use crate::error::ApiError;

pub struct Query {
    pairs: Vec<(String, String)>,
    pub errors: FormErrors,
}

impl Query {
    pub fn of(req: &HttpRequest) -> Query {
        let pairs = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
            .map(|q| q.into_inner())
            .unwrap_or_default();
        Query {
            pairs,
            errors: FormErrors::new(),
        }
    }

    fn raw(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Discord's boolean forms: `true`/`false`, `True`/`False`, `1`/`0`.
    pub fn bool(&mut self, name: &str) -> bool {
        match self.raw(name) {
            None => false,
            Some("true" | "True" | "1") => true,
            Some("false" | "False" | "0") => false,
            Some(other) => {
                let message = format!("Value \"{other}\" is not a boolean.");
                self.errors.field(name, "BOOLEAN_TYPE_COERCE", message);
                false
            }
        }
    }

    /// A paging bound (`before`, `after`): any value of Discord's snowflake pattern, one beyond
    /// the stored range lying past every id (`Snowflake::parse_bound`).
    pub fn snowflake_bound(&mut self, name: &str) -> Option<Snowflake> {
        let raw = self.raw(name)?.to_owned();
        match Snowflake::parse_bound(&raw) {
            Ok(id) => Some(id),
            Err(_) => {
                self.errors.field(
                    name,
                    "NUMBER_TYPE_COERCE",
                    format!("Value \"{raw}\" is not snowflake."),
                );
                None
            }
        }
    }

    /// An integer within `min..=max`, or `default` when absent.
    pub fn integer(&mut self, name: &str, min: i64, max: i64, default: i64) -> i64 {
        let Some(raw) = self.raw(name).map(str::to_owned) else {
            return default;
        };
        match raw.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => n,
            Ok(_) => {
                self.errors.field(
                    name,
                    "NUMBER_TYPE_MAX",
                    format!("Must be between {min} and {max}."),
                );
                default
            }
            Err(_) => {
                self.errors.field(
                    name,
                    "NUMBER_TYPE_COERCE",
                    format!("Value \"{raw}\" is not int."),
                );
                default
            }
        }
    }

    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::form(self.errors))
        }
    }
}
