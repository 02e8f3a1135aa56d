//! A person's own account lifecycle (issue 16 D): disabling, deletion after a grace period,
//! restoring by logging in with `undelete`, and the purge that turns a deleted account into a
//! tombstone ("Deleted User"). Apart from an administrator's suspension (`admin.rs`), which
//! nothing here lifts.

use astral_types::locale::DEFAULT_LOCALE;
use astral_types::UserId;
use diesel::prelude::*;

use crate::channels::{leave_group, GROUP_DM};
use crate::conn::{lock_rows, LockedRows};
use crate::schema::{
    account_secrets, bot_owners, channel_recipients, channels, guild_members, guilds, mail_outbox,
    pride_flags, profile_members, relationships, user_accounts, user_images, user_lifecycle,
    user_pride_flags, users,
};
use crate::short_ids::{with_fresh_short_id, USER_SHORT_ID};
use crate::tokens::delete_user_tokens;
use crate::{AnyConnection, Decided, Store, StoreError};

/// The name a purged account shows to those who still see it (in 1:1 DMs, in their
/// relationships), as Fluxer names it.
pub const DELETED_USER_NAME: &str = "Deleted User";

/// A user's lifecycle row (no row: active).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = user_lifecycle)]
pub struct Lifecycle {
    /// Disabled (or deleting) since, epoch ms.
    pub disabled_ms: Option<i64>,
    /// Purge after this, epoch ms.
    pub deletion_due_ms: Option<i64>,
    /// Purged at, epoch ms.
    pub deleted_ms: Option<i64>,
}

impl Lifecycle {
    /// Why the account cannot log in or be given a token, if it cannot.
    pub fn refusal(&self) -> Option<LifecycleRefusal> {
        if self.deleted_ms.is_some() {
            Some(LifecycleRefusal::Deleted)
        } else if self.deletion_due_ms.is_some() {
            Some(LifecycleRefusal::ScheduledForDeletion)
        } else if self.disabled_ms.is_some() {
            Some(LifecycleRefusal::Disabled)
        } else {
            None
        }
    }
}

/// Why a lifecycle use case did not happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LifecycleRefusal {
    /// The user owns guilds: they must transfer or delete them first.
    OwnsGuilds,
    /// Disabled by its owner (login answers 20013 unless `undelete`).
    Disabled,
    /// Scheduled for deletion (login answers 20011 unless `undelete`).
    ScheduledForDeletion,
    /// Purged: nothing restores it.
    Deleted,
    /// No such user.
    UnknownUser,
}

/// What disabling or deleting did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountClosed {
    /// Tokens revoked.
    pub tokens_revoked: usize,
}

/// What one purge attempt found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PurgeOutcome {
    Purged,
    /// Not scheduled, not yet due, or already purged (by another instance, say).
    NotDue,
    /// Still owns a guild (it acquired none since it was scheduled: owners cannot be
    /// scheduled, and no one can hand a guild to a disabled account): skipped.
    OwnsGuilds,
}

/// What a purge run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurgeReport {
    pub purged: Vec<UserId>,
    /// Due but skipped (they own guilds); logged by the caller.
    pub skipped: Vec<UserId>,
}

/// How many due accounts one purge run takes at most (the next run takes the rest).
pub const PURGE_BATCH: i64 = 500;

/// The user's lifecycle row, if any.
pub(crate) fn lifecycle_of(
    conn: &mut AnyConnection,
    user: UserId,
) -> QueryResult<Option<Lifecycle>> {
    user_lifecycle::table
        .find(user.as_i64())
        .select(Lifecycle::as_select())
        .get_result(conn)
        .optional()
}

/// Whether the user owns a guild.
pub(crate) fn owns_guilds(conn: &mut AnyConnection, user: UserId) -> QueryResult<bool> {
    let owned: i64 =
        guilds::table.filter(guilds::owner_id.eq(user.as_i64())).count().get_result(conn)?;
    Ok(owned > 0)
}

/// Whether the account may act and be given a token: no lifecycle row, or one restored.
pub(crate) fn is_active(conn: &mut AnyConnection, user: UserId) -> QueryResult<bool> {
    Ok(lifecycle_of(conn, user)?.and_then(|l| l.refusal()).is_none())
}

fn set_lifecycle(conn: &mut AnyConnection, user: UserId, state: Lifecycle) -> QueryResult<()> {
    let updated = diesel::update(user_lifecycle::table.find(user.as_i64()))
        .set((
            user_lifecycle::disabled_ms.eq(state.disabled_ms),
            user_lifecycle::deletion_due_ms.eq(state.deletion_due_ms),
            user_lifecycle::deleted_ms.eq(state.deleted_ms),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(user_lifecycle::table)
            .values((
                user_lifecycle::user_id.eq(user.as_i64()),
                user_lifecycle::disabled_ms.eq(state.disabled_ms),
                user_lifecycle::deletion_due_ms.eq(state.deletion_due_ms),
                user_lifecycle::deleted_ms.eq(state.deleted_ms),
            ))
            .execute(conn)?;
    }
    Ok(())
}

impl Store {
    /// The user disables their account (`deletion_due_ms: None`) or schedules its deletion
    /// (`Some(when)`): in one transaction on the locked user row, refused while they own a
    /// guild; otherwise the state is recorded and every token of theirs revoked.
    pub fn close_account(
        &self,
        user: UserId,
        now_ms: i64,
        deletion_due_ms: Option<i64>,
    ) -> Decided<AccountClosed, LifecycleRefusal> {
        self.write(|conn| {
            lock_rows(conn, LockedRows::Users, &[user.as_i64()])?;
            let known: i64 = users::table.find(user.as_i64()).count().get_result(conn)?;
            if known == 0 {
                return Ok(Err(LifecycleRefusal::UnknownUser));
            }
            if owns_guilds(conn, user)? {
                return Ok(Err(LifecycleRefusal::OwnsGuilds));
            }
            set_lifecycle(
                conn,
                user,
                Lifecycle { disabled_ms: Some(now_ms), deletion_due_ms, deleted_ms: None },
            )?;
            let tokens_revoked = delete_user_tokens(conn, user)?;
            // Mailed codes and tokens die with the sessions: none of them may bring a closed
            // account back (logging in with `undelete` does).
            diesel::delete(
                account_secrets::table.filter(account_secrets::user_id.eq(user.as_i64())),
            )
            .execute(conn)?;
            Ok(Ok(AccountClosed { tokens_revoked }))
        })
    }

    /// At login, after the password checked out: whether the account may log in. With
    /// `undelete`, a disabled or deleting account is restored (in the same transaction);
    /// without, it is refused as disabled or scheduled for deletion. A purged account is never
    /// restored (it has no password left to log in with anyway).
    pub fn login_lifecycle(&self, user: UserId, undelete: bool) -> Decided<(), LifecycleRefusal> {
        self.write(|conn| {
            lock_rows(conn, LockedRows::Users, &[user.as_i64()])?;
            let Some(state) = lifecycle_of(conn, user)? else {
                return Ok(Ok(()));
            };
            match state.refusal() {
                None => Ok(Ok(())),
                Some(LifecycleRefusal::Deleted) => Ok(Err(LifecycleRefusal::Deleted)),
                Some(_) if undelete => {
                    diesel::delete(user_lifecycle::table.find(user.as_i64())).execute(conn)?;
                    Ok(Ok(()))
                }
                Some(refusal) => Ok(Err(refusal)),
            }
        })
    }

    /// The user's lifecycle row, if any (tests, the CLI).
    pub fn lifecycle(&self, user: UserId) -> Result<Option<Lifecycle>, StoreError> {
        let mut conn = self.conn()?;
        Ok(lifecycle_of(&mut conn, user)?)
    }

    /// Purges every account whose deletion is due at `now_ms` (at most [`PURGE_BATCH`]), each
    /// in a transaction of its own ([`Store::purge_account`]).
    pub fn purge_due_accounts(&self, now_ms: i64) -> Result<PurgeReport, StoreError> {
        let due: Vec<i64> = {
            let mut conn = self.conn()?;
            user_lifecycle::table
                .filter(user_lifecycle::deletion_due_ms.le(now_ms))
                .filter(user_lifecycle::deleted_ms.is_null())
                .order(user_lifecycle::deletion_due_ms.asc())
                .select(user_lifecycle::user_id)
                .limit(PURGE_BATCH)
                .load(&mut conn)?
        };
        let mut report = PurgeReport::default();
        for id in due {
            let user = UserId::from_i64(id);
            match self.purge_account(user, now_ms)? {
                PurgeOutcome::Purged => report.purged.push(user),
                PurgeOutcome::OwnsGuilds => report.skipped.push(user),
                PurgeOutcome::NotDue => {}
            }
        }
        Ok(report)
    }

    /// Purges one account if its deletion is due at `now_ms` and it was not purged yet,
    /// re-checked in the transaction on the locked user row, so instances racing over the same
    /// account purge it once. The row stays as a tombstone: `Deleted User`, a username key no
    /// username can have (`#deleted:<id>`, freeing the name), discriminator `0000`, a fresh
    /// short id, no email, password, images or profile. Deleted: tokens, image records, pride
    /// flags, members, guild memberships, bot ownerships, the user's own relationship rows
    /// (others' rows stay: they see "Deleted User"), group DM memberships (the group passes to
    /// the remaining recipient with the lowest id; an emptied group is deleted). 1:1 DMs stay.
    pub fn purge_account(&self, user: UserId, now_ms: i64) -> Result<PurgeOutcome, StoreError> {
        let mut conn = self.writer()?;
        with_fresh_short_id(USER_SHORT_ID, |sid| {
            conn.transaction(|conn| {
                lock_rows(conn, LockedRows::Users, &[user.as_i64()])?;
                let due = match lifecycle_of(conn, user)? {
                    Some(Lifecycle { deletion_due_ms: Some(due), deleted_ms: None, .. }) => {
                        due <= now_ms
                    }
                    _ => false,
                };
                if !due {
                    return Ok(PurgeOutcome::NotDue);
                }
                if owns_guilds(conn, user)? {
                    return Ok(PurgeOutcome::OwnsGuilds);
                }
                let id = user.as_i64();
                // Mail still waiting in the outbox for the address goes with it.
                let address: Option<String> =
                    users::table.find(id).select(users::email).get_result(conn)?;
                if let Some(address) = address {
                    diesel::delete(mail_outbox::table.filter(mail_outbox::recipient.eq(address)))
                        .execute(conn)?;
                }
                diesel::delete(account_secrets::table.filter(account_secrets::user_id.eq(id)))
                    .execute(conn)?;
                // The private account fields (pronouns, flags, staff, acls, traits) all go.
                diesel::delete(user_accounts::table.filter(user_accounts::user_id.eq(id)))
                    .execute(conn)?;
                // issue 16 C: the authenticator and its backup codes.
                crate::mfa::delete_mfa(conn, user)?;
                diesel::update(users::table.find(id))
                    .set((
                        users::username.eq(DELETED_USER_NAME),
                        users::username_key.eq(format!("#deleted:{id}")),
                        users::discriminator.eq("0000"),
                        users::global_name.eq(None::<String>),
                        users::avatar.eq(None::<String>),
                        users::banner.eq(None::<String>),
                        users::accent_color.eq(None::<i32>),
                        users::locale.eq(DEFAULT_LOCALE),
                        users::email.eq(None::<String>),
                        users::email_key.eq(None::<String>),
                        users::verified.eq(false),
                        users::password_hash.eq(None::<String>),
                        users::bio.eq(None::<String>),
                        users::member_title.eq(None::<String>),
                        users::links.eq("[]"),
                        users::names.eq("[]"),
                        users::pronoun_entries.eq("[]"),
                        users::fields.eq("[]"),
                        users::timezone.eq(None::<String>),
                    ))
                    .execute(conn)?;
                diesel::update(users::table.find(id))
                    .set((
                        users::list_private.eq(false),
                        users::custom_preferences.eq("{}"),
                        users::sid.eq(&sid),
                        users::badges.eq(0),
                        users::is_admin.eq(false),
                        users::last_sid_reroll_ms.eq(None::<i64>),
                    ))
                    .execute(conn)?;
                delete_user_tokens(conn, user)?;
                diesel::delete(user_images::table.filter(user_images::user_id.eq(id)))
                    .execute(conn)?;
                diesel::delete(user_pride_flags::table.filter(user_pride_flags::user_id.eq(id)))
                    .execute(conn)?;
                diesel::delete(pride_flags::table.filter(pride_flags::user_id.eq(id)))
                    .execute(conn)?;
                diesel::delete(profile_members::table.filter(profile_members::owner_id.eq(id)))
                    .execute(conn)?;
                diesel::delete(guild_members::table.filter(guild_members::user_id.eq(id)))
                    .execute(conn)?;
                diesel::delete(bot_owners::table.filter(bot_owners::owner_id.eq(id)))
                    .execute(conn)?;
                diesel::delete(relationships::table.filter(relationships::user_id.eq(id)))
                    .execute(conn)?;
                let groups: Vec<i64> = channel_recipients::table
                    .inner_join(channels::table)
                    .filter(channel_recipients::user_id.eq(id))
                    .filter(channels::kind.eq(GROUP_DM))
                    .select(channels::id)
                    .load(conn)?;
                for group in groups {
                    lock_rows(conn, LockedRows::Channels, &[group])?;
                    leave_group(conn, group, user)?;
                }
                set_lifecycle(
                    conn,
                    user,
                    Lifecycle {
                        disabled_ms: None,
                        deletion_due_ms: None,
                        deleted_ms: Some(now_ms),
                    },
                )?;
                Ok(PurgeOutcome::Purged)
            })
        })
    }
}
