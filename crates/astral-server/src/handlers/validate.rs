//! Field rules shared by several handlers. Each function records its errors under the field's
//! name and returns the value only when it is valid.

use astral_types::form::check_length;
use astral_types::locale::{is_locale, LOCALES};
use astral_types::FormErrors;

use crate::config::UsernameRule;

pub const GLOBAL_NAME_MAX: usize = 32;
pub const EMAIL_MAX: usize = 254;

pub fn username(errors: &mut FormErrors, rule: &UsernameRule, value: String) -> Option<String> {
    if !check_length(errors, "username", &value, rule.min_length, rule.max_length) {
        return None;
    }
    if !rule.pattern.is_match(&value) {
        errors.field(
            "username",
            "USERNAME_INVALID_CHARACTERS",
            format!("Username must match {}.", rule.pattern.as_str()),
        );
        return None;
    }
    // Discord reserves these two as mentions.
    if value.eq_ignore_ascii_case("everyone") || value.eq_ignore_ascii_case("here") {
        errors.field(
            "username",
            "USERNAME_INVALID_CONTAINS",
            "Username cannot be \"everyone\" or \"here\".",
        );
        return None;
    }
    Some(value)
}

pub fn global_name(errors: &mut FormErrors, value: String) -> Option<String> {
    check_length(errors, "global_name", &value, 1, GLOBAL_NAME_MAX).then_some(value)
}

pub fn locale(errors: &mut FormErrors, value: String) -> Option<String> {
    if is_locale(&value) {
        Some(value)
    } else {
        errors.field(
            "locale",
            "BASE_TYPE_CHOICES",
            format!("Value must be one of {}.", LOCALES.join(", ")),
        );
        None
    }
}

/// A deliberately plain check (one `@`, something on each side, a dot in the domain, no
/// spaces): the only real proof of an address is a verification mail.
pub fn email(errors: &mut FormErrors, value: String) -> Option<String> {
    let well_formed = value.len() <= EMAIL_MAX
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(value.split_once('@'), Some((local, domain))
            if !local.is_empty() && !domain.contains('@') && domain.contains('.')
               && !domain.starts_with('.') && !domain.ends_with('.'));
    if well_formed {
        Some(value)
    } else {
        errors.field(
            "email",
            "EMAIL_TYPE_INVALID_EMAIL",
            "Not a well formed email address.",
        );
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_the_rule() {
        let rule = UsernameRule::default();
        let mut e = FormErrors::new();
        assert!(username(&mut e, &rule, "astral-bot".into()).is_some());
        assert!(username(&mut e, &rule, "a.b_c-D9".into()).is_some());
        assert!(e.is_empty());
        for bad in [
            "a",
            &"x".repeat(33),
            "has space",
            "émile",
            "Everyone",
            "a@b",
        ] {
            let mut e = FormErrors::new();
            assert!(username(&mut e, &rule, bad.into()).is_none(), "{bad}");
            assert!(e.has_field("username"));
        }
    }

    #[test]
    fn emails_are_plausible() {
        for good in ["a@b.co", "first.last+tag@example.org"] {
            assert!(
                email(&mut FormErrors::new(), good.into()).is_some(),
                "{good}"
            );
        }
        for bad in [
            "", "a", "a@b", "@b.co", "a@@b.co", "a b@c.co", "a@.co", "a@co.",
        ] {
            assert!(email(&mut FormErrors::new(), bad.into()).is_none(), "{bad}");
        }
    }
}
