//! DMs and group DMs: `/users/@me/channels` and `/channels/{channel_id}`.

pub mod add_group_dm_recipient;
pub mod create_dm;
pub mod delete_channel;
pub mod list_my_private_channels;
pub mod remove_group_dm_recipient;

use astral_store::ChannelRefusal;

use crate::error::{ApiError, ErrorKind};
use crate::handlers::users::unknown_user;

/// Discord's group DM limit: 10 members in all.
pub const MAX_GROUP_DM_MEMBERS: i64 = 10;

/// Discord's limit on group DMs per user (JSON code 30011, "Maximum number of group DMs reached
/// (10)"): a user is in at most 10, whoever created them. Counted for every member when a group
/// is created or grows, so nobody can be put into more.
pub const MAX_GROUP_DMS: i64 = 10;

pub(crate) fn unknown_channel() -> ApiError {
    ApiError::new(ErrorKind::UnknownChannel)
}

snowflake_in_path!(
    /// The channel id in a path; one that is not a snowflake is an unknown channel (404 / 10003).
    Channel = ["channel_id"], "The channel's id.", else unknown_channel
);

pub(crate) fn cannot_message() -> ApiError {
    ApiError::new(ErrorKind::CannotMessageUser)
}

/// What a refused channel use case answers.
pub(crate) fn channel_refused(refusal: ChannelRefusal) -> ApiError {
    match refusal {
        ChannelRefusal::UnknownChannel => unknown_channel(),
        ChannelRefusal::UnknownUser => unknown_user(),
        ChannelRefusal::InvalidRecipients => ApiError::new(ErrorKind::InvalidRecipients),
        ChannelRefusal::BlockedByRecipient => cannot_message(),
        ChannelRefusal::Full => ApiError::new(ErrorKind::TooManyRecipients),
        ChannelRefusal::NotAGroup => ApiError::new(ErrorKind::DmChannelAction),
        ChannelRefusal::NotOwner => ApiError::new(ErrorKind::MissingPermissions),
        // Discord's answer to adding someone who is not your friend (or a bot, which nobody
        // can befriend): the same as for a user who blocked you, so it tells nothing more.
        ChannelRefusal::NotAFriend => cannot_message(),
        ChannelRefusal::TooManyGroups => ApiError::new(ErrorKind::TooManyGroupDms),
    }
}
