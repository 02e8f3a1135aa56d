use actix_web::post;
use astral_types::session::AccountPasswordRequest;
use astral_types::ErrorBody;

use super::disable_my_account::close_my_account;
use crate::body::JsonBody;
use crate::handlers::relationships::BotsRefused;
use crate::handlers::{Authed, Reply};

/// Delete the current account (after a grace period).
///
/// Needs the current `password` (50035 `BASE_TYPE_REQUIRED` / `PASSWORD_DOES_NOT_MATCH`).
/// Every token of the account is revoked at once and the account is scheduled for deletion
/// after `deletion_grace_hours` (default 336, 14 days). Until then, logging in answers
/// 400 / 20011, and a login with `"undelete": true` restores the account. Then its data is
/// purged: its username, email and short id become free, and those who still see it (in 1:1
/// DMs, in their relationships) see "Deleted User". Refused while the caller owns a guild
/// (400 / 40011): transfer it (`PATCH /guilds/{guild_id}` `owner_id`) or delete it first.
/// People only: bots get 403 / 20001.
#[utoipa::path(
    tag = "users",
    request_body(content = AccountPasswordRequest, content_type = "application/json"),
    params(crate::reauth::MfaAuthorizationHeader),
    responses(
        (status = 204, description = "Scheduled for deletion; every token of the account is revoked."),
        (status = 400, description = "Invalid JSON (50109), a missing or wrong password (50035), or the caller owns guilds (40011).", body = ErrorBody),
        BotsRefused,
    )
)]
#[post("/users/@me/delete")]
pub async fn delete_my_account(cx: Authed, body: JsonBody) -> Reply {
    close_my_account(cx, body, true).await
}
