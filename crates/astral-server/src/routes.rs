//! The one registration of every route. The server mounts [`configure_api`] under each version
//! prefix; [`crate::openapi::generated_document`] builds the OpenAPI document from the same
//! functions without a prefix, so routing and document cannot disagree.

use utoipa_actix_web::service_config::ServiceConfig;

use crate::handlers::{
    auth, channels, gateway, guilds, health, images, invites, members, pride_flags, readiness,
    relationships, users,
};
// issue 16 D
use crate::handlers::sessions;
// issue 16 C
use crate::handlers::mfa;

/// Every JSON route behaves identically under these prefixes (Discord's v10 and v9, and
/// Astral's own v1).
pub const API_PREFIXES: [&str; 3] = ["/api/v10", "/api/v9", "/api/v1"];

/// The versioned JSON API.
pub fn configure_api(cfg: &mut ServiceConfig) {
    cfg.service(auth::register::register)
        .service(auth::login::login)
        .service(auth::logout::logout)
        // `/users/@me…` before `/users/{user_id}`: actix tries resources in registration order.
        .service(relationships::list_my_relationships::list_my_relationships)
        .service(relationships::send_friend_request::send_friend_request)
        .service(relationships::create_relationship::create_relationship)
        .service(relationships::update_relationship::update_relationship)
        .service(relationships::delete_relationship::delete_relationship)
        .service(channels::create_dm::create_dm)
        .service(channels::list_my_private_channels::list_my_private_channels)
        .service(guilds::list_my_guilds::list_my_guilds)
        .service(guilds::list_my_guilds::list_my_communities)
        .service(guilds::get_my_guild_member::get_my_guild_member)
        .service(guilds::leave_guild::leave_guild)
        .service(guilds::leave_guild::leave_community)
        .service(pride_flags::list_my_pride_flags::list_my_pride_flags)
        .service(pride_flags::create_pride_flag::create_pride_flag)
        .service(pride_flags::update_pride_flag::update_pride_flag)
        .service(pride_flags::delete_pride_flag::delete_pride_flag)
        .service(users::get_my_user::get_my_user)
        .service(users::update_my_user::update_my_user)
        .service(users::reroll_my_short_id::reroll_my_short_id)
        .service(users::reroll_my_short_id::reroll_my_short_id_post)
        .service(users::get_user_profile::get_user_profile)
        .service(members::list_user_members::list_user_members)
        .service(users::get_user::get_user)
        .service(members::create_member::create_member)
        .service(members::get_member::get_member)
        .service(members::update_member::update_member)
        .service(members::delete_member::delete_member)
        .service(guilds::create_guild::create_guild)
        .service(guilds::get_guild::get_guild)
        .service(guilds::create_guild_invite::create_guild_invite)
        .service(guilds::add_guild_member::add_guild_member)
        .service(invites::accept_invite::accept_invite)
        .service(channels::delete_channel::delete_channel)
        .service(channels::add_group_dm_recipient::add_group_dm_recipient)
        .service(channels::remove_group_dm_recipient::remove_group_dm_recipient)
        .service(gateway::get_gateway::get_gateway)
        .service(gateway::get_gateway::get_bot_gateway)
        // issue 16 D
        .service(sessions::list_auth_sessions::list_auth_sessions)
        .service(sessions::logout_auth_sessions::logout_auth_sessions)
        .service(users::disable_my_account::disable_my_account)
        .service(users::delete_my_account::delete_my_account)
        .service(guilds::update_guild::update_guild)
        .service(guilds::delete_guild::delete_guild)
        // issue 16 B: email and forgotten passwords.
        .service(auth::forgot_password::forgot_password)
        .service(auth::reset_password::reset_password)
        .service(auth::verify_email::verify_email)
        .service(auth::resend_verification_email::resend_verification_email)
        .service(users::change_my_email_challenge::change_my_email_challenge)
        .service(users::verify_email_change_code::verify_email_change_code)
        // issue 16 C: two-factor authentication.
        .service(mfa::finish_mfa::finish_mfa)
        .service(mfa::enable_totp::enable_totp)
        .service(mfa::disable_totp::disable_totp)
        .service(mfa::get_backup_codes::get_backup_codes)
        .service(auth::verify_mfa_login::verify_mfa_login);
}

/// Routes at the root only.
pub fn configure_root(cfg: &mut ServiceConfig) {
    cfg.service(health::get_health)
        .service(readiness::get_readiness)
        .service(images::get_user_avatar::get_user_avatar)
        .service(images::get_user_avatar::get_user_banner)
        .service(images::get_member_avatar::get_member_avatar)
        .service(images::get_default_avatar::get_default_avatar)
        .service(images::get_pride_flag_image::get_pride_flag_image);
}
