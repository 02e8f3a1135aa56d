//! Two-factor authentication (issue 16 C, docs/accounts.md#two-factor-authentication): an
//! account's TOTP authenticator (`user_mfa`) and its ten backup codes (`mfa_backup_codes`).
//! `users.mfa_enabled` says whether one is on and is written with them, in one transaction.
//!
//! The store never sees a secret in clear: the server seals the TOTP secret and the backup
//! codes with its `mfa_key` before they get here, and opens them itself. What the store
//! decides is the state: enabled or not, which 30-second step was last accepted (a code is good
//! once), which backup codes are used up.

use astral_types::{TokenId, UserId};
use diesel::prelude::*;

use crate::conn::{lock_rows, LockedRows};
use crate::schema::{mfa_backup_codes, user_mfa, users};
use crate::sessions::insert_session_token;
use crate::tokens::delete_user_tokens;
use crate::SessionClient;
use crate::{AnyConnection, Decided, Store, StoreError};

/// How many backup codes an account has.
pub const BACKUP_CODE_COUNT: usize = 10;

/// An account's authenticator: its sealed secret and the last step a code was accepted for.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = user_mfa)]
pub struct MfaRecord {
    pub totp_secret: String,
    pub totp_last_step: i64,
}

/// One backup code, sealed.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = mfa_backup_codes)]
pub struct BackupCodeRecord {
    pub position: i32,
    pub code: String,
    pub consumed: bool,
}

/// Why a two-factor change is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MfaRefusal {
    /// Enabling while enabled (Discord's 60001).
    AlreadyEnabled,
    /// Disabling, or reading backup codes, while not enabled (60002).
    NotEnabled,
    /// The account is gone.
    UnknownUser,
}

/// What enabling writes: the sealed secret, the step of the code that proved it (so that code
/// cannot be used again), the sealed backup codes, and the token that stays valid.
#[derive(Debug, Clone)]
pub struct TotpEnable<'a> {
    pub sealed_secret: &'a str,
    pub step: i64,
    pub sealed_codes: &'a [String],
    pub now_ms: i64,
    pub token_secret_hash: &'a str,
    /// The client the new token is issued to (a session: `GET /auth/sessions` lists it).
    pub client: &'a SessionClient,
}

/// Removes the authenticator and its codes and turns `mfa_enabled` off (disabling, purging).
pub(crate) fn delete_mfa(conn: &mut AnyConnection, user: UserId) -> QueryResult<()> {
    let id = user.as_i64();
    diesel::delete(mfa_backup_codes::table.filter(mfa_backup_codes::user_id.eq(id)))
        .execute(conn)?;
    diesel::delete(user_mfa::table.find(id)).execute(conn)?;
    diesel::update(users::table.find(id)).set(users::mfa_enabled.eq(false)).execute(conn)?;
    Ok(())
}

fn insert_codes(conn: &mut AnyConnection, user: UserId, sealed: &[String]) -> QueryResult<()> {
    let id = user.as_i64();
    diesel::delete(mfa_backup_codes::table.filter(mfa_backup_codes::user_id.eq(id)))
        .execute(conn)?;
    for (position, code) in sealed.iter().enumerate() {
        diesel::insert_into(mfa_backup_codes::table)
            .values((
                mfa_backup_codes::user_id.eq(id),
                mfa_backup_codes::position.eq(position as i32),
                mfa_backup_codes::code.eq(code),
                mfa_backup_codes::consumed.eq(false),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Whether `user` exists and has MFA on, on the locked row.
fn locked_mfa_enabled(conn: &mut AnyConnection, user: UserId) -> QueryResult<Option<bool>> {
    lock_rows(conn, LockedRows::Users, &[user.as_i64()])?;
    users::table.find(user.as_i64()).select(users::mfa_enabled).get_result(conn).optional()
}

impl Store {
    /// `user`'s authenticator, if MFA is on.
    pub fn mfa(&self, user: UserId) -> Result<Option<MfaRecord>, StoreError> {
        let mut conn = self.conn()?;
        Ok(user_mfa::table
            .find(user.as_i64())
            .select(MfaRecord::as_select())
            .get_result(&mut conn)
            .optional()?)
    }

    /// Turns TOTP on for `user`: stores the authenticator and the backup codes, sets
    /// `mfa_enabled`, and revokes every token of the account but the one recorded here
    /// (Discord answers the enabling request with a new token). One transaction.
    pub fn enable_totp(&self, user: UserId, enable: TotpEnable<'_>) -> Decided<(), MfaRefusal> {
        let token_id = TokenId(self.ids.next_id());
        self.write(|conn| {
            match locked_mfa_enabled(conn, user)? {
                None => return Ok(Err(MfaRefusal::UnknownUser)),
                Some(true) => return Ok(Err(MfaRefusal::AlreadyEnabled)),
                Some(false) => {}
            }
            diesel::insert_into(user_mfa::table)
                .values((
                    user_mfa::user_id.eq(user.as_i64()),
                    user_mfa::totp_secret.eq(enable.sealed_secret),
                    user_mfa::totp_last_step.eq(enable.step),
                    user_mfa::enabled_ms.eq(enable.now_ms),
                ))
                .execute(conn)?;
            insert_codes(conn, user, enable.sealed_codes)?;
            diesel::update(users::table.find(user.as_i64()))
                .set(users::mfa_enabled.eq(true))
                .execute(conn)?;
            delete_user_tokens(conn, user)?;
            let (hash, client) = (enable.token_secret_hash, enable.client);
            insert_session_token(conn, token_id, user, hash, client, enable.now_ms)?;
            Ok(Ok(()))
        })
    }

    /// Turns MFA off for `user`: the authenticator and codes go, and every token of the
    /// account is revoked but the one recorded here (`token_secret_hash`, a session of
    /// `client`). One transaction.
    pub fn disable_totp(
        &self,
        user: UserId,
        token_secret_hash: &str,
        client: &SessionClient,
        now_ms: i64,
    ) -> Decided<(), MfaRefusal> {
        let token_id = TokenId(self.ids.next_id());
        self.write(|conn| {
            match locked_mfa_enabled(conn, user)? {
                None => return Ok(Err(MfaRefusal::UnknownUser)),
                Some(false) => return Ok(Err(MfaRefusal::NotEnabled)),
                Some(true) => {}
            }
            delete_mfa(conn, user)?;
            delete_user_tokens(conn, user)?;
            insert_session_token(conn, token_id, user, token_secret_hash, client, now_ms)?;
            Ok(Ok(()))
        })
    }

    /// Records that a TOTP code of `step` was accepted for `user`: `true` when `step` is later
    /// than every step accepted before (the code is good), `false` when it is not (a code used
    /// again within its window, or an older one) or MFA is off. One conditional update, so of
    /// two concurrent uses of one code exactly one succeeds.
    pub fn accept_totp_step(&self, user: UserId, step: i64) -> Result<bool, StoreError> {
        self.write(|conn| {
            let updated = diesel::update(
                user_mfa::table
                    .filter(user_mfa::user_id.eq(user.as_i64()))
                    .filter(user_mfa::totp_last_step.lt(step)),
            )
            .set(user_mfa::totp_last_step.eq(step))
            .execute(conn)?;
            Ok(updated == 1)
        })
    }

    /// `user`'s backup codes (sealed), by position; empty when MFA is off.
    pub fn backup_codes(&self, user: UserId) -> Result<Vec<BackupCodeRecord>, StoreError> {
        let mut conn = self.conn()?;
        Ok(mfa_backup_codes::table
            .filter(mfa_backup_codes::user_id.eq(user.as_i64()))
            .order(mfa_backup_codes::position.asc())
            .select(BackupCodeRecord::as_select())
            .load(&mut conn)?)
    }

    /// Uses up `user`'s backup code at `position`: `true` if it was unused (one conditional
    /// update: of two concurrent uses, one succeeds).
    pub fn consume_backup_code(&self, user: UserId, position: i32) -> Result<bool, StoreError> {
        self.write(|conn| {
            let updated = diesel::update(
                mfa_backup_codes::table
                    .filter(mfa_backup_codes::user_id.eq(user.as_i64()))
                    .filter(mfa_backup_codes::position.eq(position))
                    .filter(mfa_backup_codes::consumed.eq(false)),
            )
            .set(mfa_backup_codes::consumed.eq(true))
            .execute(conn)?;
            Ok(updated == 1)
        })
    }

    /// Replaces all of `user`'s backup codes (regenerating them). Refused when MFA is off.
    pub fn replace_backup_codes(
        &self,
        user: UserId,
        sealed_codes: &[String],
    ) -> Decided<(), MfaRefusal> {
        self.write(|conn| {
            match locked_mfa_enabled(conn, user)? {
                None => return Ok(Err(MfaRefusal::UnknownUser)),
                Some(false) => return Ok(Err(MfaRefusal::NotEnabled)),
                Some(true) => {}
            }
            insert_codes(conn, user, sealed_codes)?;
            Ok(Ok(()))
        })
    }

    /// At start-up: how many accounts have an authenticator, and one of them with its sealed
    /// secret, so the server can tell a missing or wrong `mfa_key` before serving.
    pub fn mfa_key_probe(&self) -> Result<(i64, Option<(UserId, String)>), StoreError> {
        let mut conn = self.conn()?;
        let count: i64 = user_mfa::table.count().get_result(&mut conn)?;
        let sample = user_mfa::table
            .select((user_mfa::user_id, user_mfa::totp_secret))
            .order(user_mfa::user_id.asc())
            .limit(1)
            .load::<(i64, String)>(&mut conn)?
            .into_iter()
            .next()
            .map(|(id, secret)| (UserId::from_i64(id), secret));
        Ok((count, sample))
    }
}
