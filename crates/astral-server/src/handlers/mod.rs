//! One handler per file, grouped by resource. Handlers are thin: read the body or query with
//! its request type's reader (`astral_types`: it answers the typed, checked value or every
//! field error), call the store through `AppState`, map the store's answer to the wire.

pub mod auth;
pub mod channels;
pub mod gateway;
pub mod guilds;
pub mod health;
pub mod images;
pub mod invites;
pub mod members;
pub mod pride_flags;
pub mod readiness;
pub mod relationships;
pub mod users;

#[cfg(test)]
mod tests {
    use astral_types::ErrorKind;

    /// Discord's cap messages name the number ("Maximum number of guilds reached (100)"); the
    /// catalogue writes the message, the handlers own the cap: this keeps the two equal.
    #[test]
    fn cap_messages_name_the_caps_the_handlers_enforce() {
        for (kind, cap) in [
            (ErrorKind::TooManyGuilds, super::guilds::MAX_GUILDS),
            (ErrorKind::TooManyInvites, super::guilds::MAX_INVITES),
            (ErrorKind::TooManyFriends, super::relationships::MAX_FRIENDS),
            (ErrorKind::TooManyRecipients, super::channels::MAX_GROUP_DM_MEMBERS),
            (ErrorKind::TooManyGroupDms, super::channels::MAX_GROUP_DMS),
            (ErrorKind::TooManyPrideFlags, astral_types::pride_flag::MAX_PRIDE_FLAGS),
            (ErrorKind::TooManyMembers, super::members::MAX_MEMBERS),
        ] {
            let message = kind.entry().message;
            assert!(message.ends_with(&format!("({cap})")), "{message} vs cap {cap}");
        }
    }
}
