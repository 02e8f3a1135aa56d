//! Field rules used by more than one request: the username rule (set at run time), the email
//! check and the locale choice. Each check passes the value through or records its field error
//! (see [`crate::form::Invalid`]). Limits used by one request only live beside that request.

use regex::Regex;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};

use crate::form::{refuse, Invalid, Length};
use crate::locale::{is_locale, LOCALES};
use crate::FormErrors;

/// What a username must look like. The server's settings (`username_min_length`,
/// `username_max_length`, `username_pattern`) may change it; the contract documents the
/// default, [`UsernameRule::default`].
#[derive(Debug, Clone)]
pub struct UsernameRule {
    pub length: Length,
    pub pattern: Regex,
}

/// Why a configured username rule is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsernameRuleError {
    /// The minimum is 0 or above the maximum.
    Length,
    /// The pattern is not a regular expression.
    Pattern(String),
}

impl UsernameRule {
    /// 2–32 characters.
    pub const DEFAULT_LENGTH: Length = Length::new(2, 32);
    /// ASCII letters, digits, `_`, `.` and `-`.
    pub const DEFAULT_PATTERN: &'static str = "^[A-Za-z0-9_.-]+$";
    /// What a username's schema says of the rule.
    pub const DESCRIPTION: &'static str = "The default username rule; a server may set its own \
        length and pattern (`username_min_length`, `username_max_length`, `username_pattern`).";

    pub fn new(length: Length, pattern: &str) -> Result<Self, UsernameRuleError> {
        if length.min == 0 || length.min > length.max {
            return Err(UsernameRuleError::Length);
        }
        let pattern = Regex::new(pattern).map_err(|e| UsernameRuleError::Pattern(e.to_string()))?;
        Ok(UsernameRule { length, pattern })
    }

    /// Passes `value` through, or records why it is refused under the field `username`.
    pub fn check(&self, errors: &mut FormErrors, value: String) -> Result<String, Invalid> {
        self.check_field(errors, "username", value)
    }

    /// Like [`UsernameRule::check`], for a username sent under another name (pronouns.cc's
    /// `name`).
    pub fn check_field(
        &self,
        errors: &mut FormErrors,
        field: &str,
        value: String,
    ) -> Result<String, Invalid> {
        let value = self.length.check(errors, field, value)?;
        if !self.pattern.is_match(&value) {
            return Err(refuse(
                errors,
                field,
                "USERNAME_INVALID_CHARACTERS",
                format!("Username must match {}.", self.pattern.as_str()),
            ));
        }
        // Discord reserves these two as mentions.
        if value.eq_ignore_ascii_case("everyone") || value.eq_ignore_ascii_case("here") {
            return Err(refuse(
                errors,
                field,
                "USERNAME_INVALID_CONTAINS",
                "Username cannot be \"everyone\" or \"here\".",
            ));
        }
        Ok(value)
    }

    /// The default rule as a schema. Schemas are built once, for the contract, while the rule
    /// in force is a setting: the description says so.
    pub fn default_schema() -> ObjectBuilder {
        Self::DEFAULT_LENGTH
            .schema()
            .pattern(Some(Self::DEFAULT_PATTERN))
            .description(Some(Self::DESCRIPTION))
    }
}

impl Default for UsernameRule {
    fn default() -> Self {
        UsernameRule {
            length: Self::DEFAULT_LENGTH,
            pattern: Regex::new(Self::DEFAULT_PATTERN).unwrap_or_else(|_| unreachable!()),
        }
    }
}

/// The longest email address (RFC 5321's path limit).
pub const EMAIL_MAX_LENGTH: usize = 254;

/// A deliberately plain check (one `@`, something on each side, a dot in the domain, no
/// spaces): the only real proof of an address is a verification mail.
pub fn check_email(errors: &mut FormErrors, value: String) -> Result<String, Invalid> {
    let well_formed = value.len() <= EMAIL_MAX_LENGTH
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(value.split_once('@'), Some((local, domain))
            if !local.is_empty() && !domain.contains('@') && domain.contains('.')
               && !domain.starts_with('.') && !domain.ends_with('.'));
    if well_formed {
        Ok(value)
    } else {
        Err(refuse(errors, "email", "EMAIL_TYPE_INVALID_EMAIL", "Not a well formed email address."))
    }
}

/// `type: string, format: email` with [`EMAIL_MAX_LENGTH`].
pub fn email_schema() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
        .max_length(Some(EMAIL_MAX_LENGTH))
}

/// One of Discord's locales ([`LOCALES`]).
pub fn check_locale(errors: &mut FormErrors, value: String) -> Result<String, Invalid> {
    if is_locale(&value) {
        Ok(value)
    } else {
        Err(refuse(
            errors,
            "locale",
            "BASE_TYPE_CHOICES",
            format!("Value must be one of {}.", LOCALES.join(", ")),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_the_rule() {
        let rule = UsernameRule::default();
        let mut e = FormErrors::new();
        assert!(rule.check(&mut e, "astral-bot".into()).is_ok());
        assert!(rule.check(&mut e, "a.b_c-D9".into()).is_ok());
        assert!(e.is_empty());
        for bad in ["a", &"x".repeat(33), "has space", "émile", "Everyone", "a@b"] {
            let mut e = FormErrors::new();
            assert!(rule.check(&mut e, bad.into()).is_err(), "{bad}");
            assert!(e.has_field("username"));
        }
    }

    #[test]
    fn a_configured_rule_is_checked() {
        assert_eq!(
            UsernameRule::new(Length::new(0, 5), ".*").err(),
            Some(UsernameRuleError::Length)
        );
        assert_eq!(
            UsernameRule::new(Length::new(6, 5), ".*").err(),
            Some(UsernameRuleError::Length)
        );
        assert!(matches!(
            UsernameRule::new(Length::new(1, 5), "("),
            Err(UsernameRuleError::Pattern(_))
        ));
    }

    #[test]
    fn emails_are_plausible() {
        for good in ["a@b.co", "first.last+tag@example.org"] {
            assert!(check_email(&mut FormErrors::new(), good.into()).is_ok(), "{good}");
        }
        for bad in ["", "a", "a@b", "@b.co", "a@@b.co", "a b@c.co", "a@.co", "a@co."] {
            assert!(check_email(&mut FormErrors::new(), bad.into()).is_err(), "{bad}");
        }
    }
}
