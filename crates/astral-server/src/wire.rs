//! Store records to wire objects, in one place.

use astral_store::UserRecord;
use astral_types::user::{PrivateUser, User, PUBLIC_FLAGS_MASK};

fn public_flags(record: &UserRecord) -> i32 {
    // Discord's public flags fit in 31 bits; the mask keeps the cast lossless.
    (record.flags & PUBLIC_FLAGS_MASK & 0x7fff_ffff) as i32
}

/// What anyone may see of a user.
pub fn public_user(record: &UserRecord) -> User {
    User {
        id: record.user_id(),
        username: record.username.clone(),
        discriminator: record.discriminator.clone(),
        global_name: record.global_name.clone(),
        avatar: record.avatar.clone(),
        bot: record.bot,
        system: record.system,
        banner: record.banner.clone(),
        accent_color: record.accent_color,
        public_flags: public_flags(record),
        flags: i64::from(public_flags(record)),
        primary_guild: None,
    }
}

/// The caller's own account: the public projection plus the private fields, with all flags
/// rather than only the public ones.
pub fn private_user(record: &UserRecord) -> PrivateUser {
    let User {
        id,
        username,
        discriminator,
        global_name,
        avatar,
        bot,
        system,
        banner,
        accent_color,
        public_flags,
        flags: _,
        primary_guild,
    } = public_user(record);
    PrivateUser {
        id,
        username,
        discriminator,
        global_name,
        avatar,
        bot,
        system,
        banner,
        accent_color,
        public_flags,
        flags: record.flags,
        primary_guild,
        mfa_enabled: record.mfa_enabled,
        locale: record.locale.clone(),
        premium_type: record.premium_type,
        email: record.email.clone(),
        verified: record.verified,
    }
}

/// Epoch milliseconds as ISO 8601 in UTC (`2026-11-23T12:00:00.000+00:00`, Discord's form).
pub fn iso8601(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}+00:00",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso8601_matches_known_instants() {
        assert_eq!(super::iso8601(0), "1970-01-01T00:00:00.000+00:00");
        assert_eq!(
            super::iso8601(1_700_000_000_123),
            "2023-11-14T22:13:20.123+00:00"
        );
        assert_eq!(
            super::iso8601(951_782_400_000),
            "2000-02-29T00:00:00.000+00:00"
        );
    }
}
