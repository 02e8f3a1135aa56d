use actix_web::{post, web::Json};
use astral_types::channel::{CreatePrivateChannelRequest, NewPrivateChannel, PrivateChannel};
use astral_types::{ErrorBody, UserId};

use super::{channel_refused, MAX_GROUP_DMS, MAX_GROUP_DM_MEMBERS};
use crate::body::JsonBody;
use crate::error::{ApiError, ErrorKind};
use crate::handlers::{Authed, Reply};
use crate::wire;

/// Open a DM or create a group DM.
///
/// One recipient (`recipient_id`, a one-element `recipients`, or Saryno's `type: 2`) opens the
/// 1:1 DM: the same channel every time, from either side; a closed one reopens. Two or more
/// (`recipients`, Saryno's `recipient_ids`), or `type: 3`, create a group DM owned by the
/// caller, at most 10 members in all, with the caller's friends only (403 / 50007 otherwise);
/// nobody can be in more than 10 group DMs (400 / 30011). Bots may open DMs but not create
/// group DMs (403 / 20001: Discord lets them only with the users' OAuth2 grants).
#[utoipa::path(
    tag = "channels",
    request_body(content = CreatePrivateChannelRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The channel.", body = PrivateChannel,
            links(
                ("delete_channel" = (operation_id = "delete_channel", parameters(("channel_id" = "$response.body#/id")))),
                ("add_group_dm_recipient" = (operation_id = "add_group_dm_recipient", parameters(("channel_id" = "$response.body#/id")))),
                ("remove_group_dm_recipient" = (operation_id = "remove_group_dm_recipient", parameters(("channel_id" = "$response.body#/id"))))
            )
        ),
        (status = 400, description = "Unknown recipient (50033), too many recipients (30004), a member already in 10 group DMs (30011), yourself or an invalid body (50035, 50109).", body = ErrorBody),
        (status = 403, description = "A recipient blocked you, or a group DM recipient is not your friend (50007); a bot creating a group DM (20001).", body = ErrorBody),
    )
)]
#[post("/users/@me/channels")]
pub async fn create_dm(cx: Authed, body: JsonBody) -> Reply<Json<PrivateChannel>> {
    let NewPrivateChannel { recipients, group } =
        CreatePrivateChannelRequest::read(&body.0).map_err(ApiError::form)?;
    let me = cx.me();
    let others: Vec<UserId> = recipients.into_iter().filter(|id| *id != me).collect();
    if others.is_empty() {
        return Err(ApiError::field(
            "recipient_id",
            "CHANNEL_RECIPIENT_SELF",
            "You cannot open a DM with yourself.",
        ));
    }
    if group && cx.caller.user.bot {
        return Err(ApiError::new(ErrorKind::BotsCannotUse));
    }
    // Who exists, blocks, friendship, bots, the group's size and the per-user cap are decided
    // by the store, in the transaction that opens or creates the channel.
    let record = if group {
        let mut members = vec![me];
        members.extend(&others);
        cx.state
            .run(move |store| {
                store.create_group_dm(me, &members, MAX_GROUP_DM_MEMBERS, MAX_GROUP_DMS)
            })
            .await?
    } else {
        let other = others[0];
        cx.state.run(move |store| store.open_dm(me, other)).await?
    }
    .map_err(channel_refused)?;
    Ok(Json(wire::private_channel(&record, me)))
}
