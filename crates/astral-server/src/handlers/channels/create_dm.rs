use actix_web::{post, web, web::Json};
use astral_types::channel::{CreatePrivateChannelRequest, PrivateChannel};
use astral_types::{ErrorBody, FormErrors, Snowflake, UserId};
use serde_json::Value;

use super::{
    blocked_by, cannot_message, channel_object, group_full, group_refused, MAX_GROUP_DMS,
    MAX_GROUP_DM_MEMBERS,
};
use crate::auth::Caller;
use crate::body::JsonBody;
use crate::error::{ApiError, ErrorKind};
use crate::state::AppState;

/// A snowflake given as a string or a number.
fn snowflake(v: &Value) -> Option<Snowflake> {
    match v {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64().and_then(|n| n.to_string().parse().ok()),
        _ => None,
    }
}

/// The recipients and whether a group is wanted, with Discord-shaped field errors.
fn read(body: &Value) -> Result<(Vec<UserId>, bool), ApiError> {
    let object = body.as_object().ok_or_else(|| {
        let mut e = FormErrors::new();
        e.add(
            &[],
            "DICT_TYPE_CONVERT",
            "Only dictionaries may be used in a DictType",
        );
        ApiError::form(e)
    })?;
    let mut errors = FormErrors::new();
    let mut ids = Vec::new();
    if let Some(v) = object.get("recipient_id").filter(|v| !v.is_null()) {
        match snowflake(v) {
            Some(id) => ids.push(UserId(id)),
            None => errors.field(
                "recipient_id",
                "NUMBER_TYPE_COERCE",
                "Value is not snowflake.",
            ),
        }
    }
    for key in ["recipients", "recipient_ids"] {
        match object.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    match snowflake(item) {
                        Some(id) => ids.push(UserId(id)),
                        None => errors.add(
                            &[key, &i.to_string()],
                            "NUMBER_TYPE_COERCE",
                            "Value is not snowflake.",
                        ),
                    }
                }
            }
            Some(_) => errors.field(
                key,
                "LIST_TYPE_CONVERT",
                "Only iterables may be used in a ListType",
            ),
        }
    }
    let kind = match object.get("type") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) if matches!(n.as_i64(), Some(1..=3)) => n.as_i64(),
        Some(_) => {
            errors.field(
                "type",
                "BASE_TYPE_CHOICES",
                "Value must be one of (1, 2, 3).",
            );
            None
        }
    };
    // First occurrence wins, in order. A set, not `Vec::contains`: a body may carry a hundred
    // thousand ids, and a quadratic scan of them held the worker for over a minute.
    let mut seen = std::collections::HashSet::new();
    let unique: Vec<UserId> = ids.into_iter().filter(|id| seen.insert(*id)).collect();
    if unique.is_empty() && errors.is_empty() {
        errors.field(
            "recipient_id",
            "BASE_TYPE_REQUIRED",
            "This field is required",
        );
    }
    if !errors.is_empty() {
        return Err(ApiError::form(errors));
    }
    let group = kind == Some(3) || (kind.is_none() && unique.len() > 1);
    if !group && unique.len() > 1 {
        return Err(ApiError::field(
            "recipients",
            "BASE_TYPE_MAX_LENGTH",
            "A DM has exactly one recipient.",
        ));
    }
    Ok((unique, group))
}

/// Open a DM or create a group DM.
///
/// One recipient (`recipient_id`, a one-element `recipients`, or Saryno's `type: 2`) opens the
/// 1:1 DM: the same channel every time, from either side; a closed one reopens. Two or more
/// (`recipients`, Saryno's `recipient_ids`), or `type: 3`, create a group DM owned by the
/// caller, at most 10 members in all, with the caller's friends only (403 / 50007 otherwise);
/// nobody can be in more than 10 group DMs (400 / 30011). Bots may open DMs but not create
/// group DMs (403 / 20001: Discord lets them only with the users' OAuth2 grants).
#[utoipa::path(
    operation_id = "create_dm",
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
        (status = 401, description = "Missing, invalid or revoked token.", body = ErrorBody),
        (status = 403, description = "A recipient blocked you, or a group DM recipient is not your friend (50007); a bot creating a group DM (20001).", body = ErrorBody),
        (status = 413, description = "Body over the configured limit (40005).", body = ErrorBody),
        (status = "5XX", description = "Server or database failure.", body = ErrorBody),
    ),
    security(("BotToken" = []), ("BearerToken" = []), ("UserToken" = []))
)]
#[post("/users/@me/channels")]
pub async fn create_dm(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody,
) -> Result<Json<PrivateChannel>, ApiError> {
    let (recipients, group) = read(&body.0)?;
    let me = caller.id();
    let others: Vec<UserId> = recipients.into_iter().filter(|id| *id != me).collect();
    if others.is_empty() {
        return Err(ApiError::field(
            "recipient_id",
            "CHANNEL_RECIPIENT_SELF",
            "You cannot open a DM with yourself.",
        ));
    }
    if group && caller.user.bot {
        return Err(ApiError::new(ErrorKind::BotsCannotUse));
    }
    if group && others.len() as i64 + 1 > MAX_GROUP_DM_MEMBERS {
        return Err(group_full());
    }
    let ids = others.clone();
    let found = state
        .run(move |store| {
            ids.iter()
                .map(|id| store.user_by_id(*id))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    if found.iter().any(Option::is_none) {
        return Err(ApiError::new(ErrorKind::InvalidRecipients));
    }
    let record = if group {
        // Friendship, bots and the per-user cap are decided by the store, in the transaction
        // that creates the group.
        let mut members = vec![me];
        members.extend(&others);
        state
            .run(move |store| store.create_group_dm(me, &members, MAX_GROUP_DMS))
            .await?
            .map_err(group_refused)?
    } else {
        let other = others[0];
        if blocked_by(&state, other, me).await? {
            return Err(cannot_message());
        }
        state.run(move |store| store.open_dm(me, other)).await?
    };
    Ok(Json(channel_object(&record, me)))
}
