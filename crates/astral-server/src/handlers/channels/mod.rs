//! DMs and group DMs: `/users/@me/channels` and `/channels/{channel_id}`.

pub mod add_group_dm_recipient;
pub mod create_dm;
pub mod delete_channel;
pub mod list_my_private_channels;
pub mod remove_group_dm_recipient;

use astral_store::{ChannelRecord, GroupRefusal, RelationshipKind, DM};
use astral_types::channel::PrivateChannel;
use astral_types::{Snowflake, UserId};

use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;
use crate::wire;

/// Discord's group DM limit: 10 members in all.
pub const MAX_GROUP_DM_MEMBERS: i64 = 10;

/// Discord's limit on group DMs per user (JSON code 30011, "Maximum number of group DMs reached
/// (10)"): a user is in at most 10, whoever created them. Counted for every member when a group
/// is created or grows, so nobody can be put into more.
pub const MAX_GROUP_DMS: i64 = 10;

pub(crate) fn unknown_channel() -> ApiError {
    ApiError::new(ErrorKind::UnknownChannel)
}

pub(crate) fn cannot_message() -> ApiError {
    ApiError::new(ErrorKind::CannotMessageUser)
}

pub(crate) fn group_full() -> ApiError {
    ApiError::new(ErrorKind::TooManyRecipients)
}

/// What a refused group DM creation or addition answers.
pub(crate) fn group_refused(refusal: GroupRefusal) -> ApiError {
    match refusal {
        GroupRefusal::Full => group_full(),
        GroupRefusal::NotAGroup => not_a_group(),
        // Discord's answer to adding someone who is not your friend (or a bot, which nobody
        // can befriend): the same as for a user who blocked you, so it tells nothing more.
        GroupRefusal::NotAFriend => cannot_message(),
        GroupRefusal::TooManyGroups => ApiError::new(ErrorKind::TooManyGroupDms),
    }
}

pub(crate) fn not_a_group() -> ApiError {
    ApiError::new(ErrorKind::DmChannelAction)
}

/// The channel as `me` sees it: the other recipients only.
pub(crate) fn channel_object(record: &ChannelRecord, me: UserId) -> PrivateChannel {
    let group = record.channel.kind != DM;
    PrivateChannel {
        id: record.channel_id(),
        kind: record.channel.kind,
        last_message_id: None,
        flags: 0,
        recipients: record
            .recipients
            .iter()
            .filter(|u| u.user_id() != me)
            .map(wire::public_user)
            .collect(),
        name: group.then(|| record.channel.name.clone()),
        icon: group.then(|| record.channel.icon.clone()),
        owner_id: record
            .channel
            .owner_id
            .filter(|_| group)
            .map(UserId::from_i64),
    }
}

/// The channel named in the path, if `me` is in it; 404 / 10003 otherwise.
pub(crate) async fn my_channel(
    state: &AppState,
    channel_id: &str,
    me: UserId,
) -> Result<ChannelRecord, ApiError> {
    let id: Snowflake = channel_id.parse().map_err(|_| unknown_channel())?;
    state
        .run(move |store| store.channel_for(id, me))
        .await?
        .ok_or_else(unknown_channel)
}

/// Whether `other` blocked `me` (then `me` may not open a DM with them or add them).
pub(crate) async fn blocked_by(
    state: &AppState,
    other: UserId,
    me: UserId,
) -> Result<bool, ApiError> {
    Ok(state
        .run(move |store| store.relationship_kind(other, me))
        .await?
        == Some(RelationshipKind::Blocked))
}
