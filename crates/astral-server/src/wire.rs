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
