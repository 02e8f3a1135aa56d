//! The private account fields of issue 16 (table `user_accounts`): one row per user, made on
//! the first write; a user without one has every default (accounts older than the table).

use astral_types::user::{AccountToggles, AccountUpdate};
use astral_types::{TokenId, UserId};
use diesel::prelude::*;

use crate::conn::{lock_rows, LockedRows};
use crate::schema::{user_accounts, users};
use crate::tokens::delete_user_tokens;
use crate::users::{select_user, to_json, Json, UserRecord};
use crate::{Store, StoreError};

/// A user's account fields (defaults when they have no row).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = user_accounts)]
pub struct AccountRecord {
    pub pronouns: Option<String>,
    /// When the password was last set (epoch ms); `None` before this was recorded, or no
    /// password (bots).
    pub password_changed_ms: Option<i64>,
    pub premium_badge_hidden: bool,
    pub premium_badge_masked: bool,
    pub premium_badge_timestamp_hidden: bool,
    pub premium_badge_sequence_hidden: bool,
    pub premium_enabled_override: bool,
    pub has_dismissed_premium_onboarding: bool,
    pub has_unread_gift_inventory: bool,
    pub used_mobile_client: bool,
    /// Set through the CLI; it grants no API power.
    pub is_staff: bool,
    /// Set by the mailer when mail to the address was refused.
    pub email_bounced: bool,
    /// Set through the CLI: JSON string arrays.
    #[diesel(deserialize_as = String)]
    pub acls: Json<Vec<String>>,
    #[diesel(deserialize_as = String)]
    pub traits: Json<Vec<String>>,
    /// The avatar's mean colour, `0xRRGGBB`, computed at upload.
    pub avatar_color: Option<i32>,
}

impl Default for AccountRecord {
    fn default() -> Self {
        AccountRecord {
            pronouns: None,
            password_changed_ms: None,
            premium_badge_hidden: false,
            premium_badge_masked: false,
            premium_badge_timestamp_hidden: false,
            premium_badge_sequence_hidden: false,
            premium_enabled_override: false,
            has_dismissed_premium_onboarding: false,
            has_unread_gift_inventory: false,
            used_mobile_client: false,
            is_staff: false,
            email_bounced: false,
            acls: Json(Vec::new()),
            traits: Json(Vec::new()),
            avatar_color: None,
        }
    }
}

astral_types::partial_update! {
    /// What one write sets on the row (`None`: unchanged).
    #[derive(Debug, Clone, Default, AsChangeset)]
    #[diesel(table_name = user_accounts)]
    pub(crate) struct AccountChangeset {
        pub pronouns: Option<Option<String>>,
        pub password_changed_ms: Option<Option<i64>>,
        pub premium_badge_hidden: Option<bool>,
        pub premium_badge_masked: Option<bool>,
        pub premium_badge_timestamp_hidden: Option<bool>,
        pub premium_badge_sequence_hidden: Option<bool>,
        pub premium_enabled_override: Option<bool>,
        pub has_dismissed_premium_onboarding: Option<bool>,
        pub has_unread_gift_inventory: Option<bool>,
        pub used_mobile_client: Option<bool>,
        pub is_staff: Option<bool>,
        pub email_bounced: Option<bool>,
        pub acls: Option<String>,
        pub traits: Option<String>,
        pub avatar_color: Option<Option<i32>>,
    }
}

impl AccountChangeset {
    /// The stored part of a PATCH (`discriminator` and `accent_color` are `users` columns).
    pub(crate) fn from_update(update: &AccountUpdate) -> AccountChangeset {
        let AccountToggles {
            premium_badge_hidden,
            premium_badge_masked,
            premium_badge_timestamp_hidden,
            premium_badge_sequence_hidden,
            premium_enabled_override,
            has_dismissed_premium_onboarding,
            has_unread_gift_inventory,
            used_mobile_client,
        } = update.toggles.clone();
        AccountChangeset {
            pronouns: update.pronouns.clone(),
            premium_badge_hidden,
            premium_badge_masked,
            premium_badge_timestamp_hidden,
            premium_badge_sequence_hidden,
            premium_enabled_override,
            has_dismissed_premium_onboarding,
            has_unread_gift_inventory,
            used_mobile_client,
            ..AccountChangeset::default()
        }
    }
}

/// A new password, ready to store: its hash, when it was set, and the one token that stays
/// valid (by the hash of its secret).
#[derive(Debug, Clone)]
pub struct PasswordChange {
    pub password_hash: String,
    pub now_ms: i64,
    pub token_secret_hash: String,
    // issue 16 C-l
    /// The client the new token is issued to (the request's `User-Agent`).
    pub client: crate::SessionClient,
}

/// The account row of `id`, or the defaults when it has none.
pub(crate) fn select_account(
    conn: &mut crate::AnyConnection,
    id: UserId,
) -> QueryResult<AccountRecord> {
    Ok(on_backend!(conn, |c| user_accounts::table
        .find(id.as_i64())
        .select(AccountRecord::as_select())
        .get_result(c)
        .optional())?
    .unwrap_or_default())
}

/// Writes `changes` to the account row of `id`, making the row first if there is none. The
/// caller holds the user's row lock (or knows no one else writes it), so the row is made once.
pub(crate) fn write_account(
    conn: &mut crate::AnyConnection,
    id: UserId,
    changes: &AccountChangeset,
) -> QueryResult<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let exists = user_accounts::table.find(id.as_i64()).count().get_result::<i64>(conn)? > 0;
    if !exists {
        diesel::insert_into(user_accounts::table)
            .values(user_accounts::user_id.eq(id.as_i64()))
            .execute(conn)?;
    }
    diesel::update(user_accounts::table.find(id.as_i64())).set(changes).execute(conn)?;
    Ok(())
}

/// Sets a new password in the caller's transaction: the hash, when it changed, every token of
/// the user deleted and one new token recorded (`token_id`).
pub(crate) fn replace_password(
    conn: &mut crate::AnyConnection,
    id: UserId,
    token_id: TokenId,
    change: &PasswordChange,
) -> QueryResult<()> {
    diesel::update(users::table.find(id.as_i64()))
        .set(users::password_hash.eq(Some(&change.password_hash)))
        .execute(conn)?;
    let account = AccountChangeset {
        password_changed_ms: Some(Some(change.now_ms)),
        ..AccountChangeset::default()
    };
    write_account(conn, id, &account)?;
    delete_user_tokens(conn, id)?;
    let (hash, client) = (&change.token_secret_hash, &change.client);
    crate::sessions::insert_session_token(conn, token_id, id, hash, client, change.now_ms)?;
    Ok(())
}

impl Store {
    /// The password hash of `id`, for re-authentication; `None` for a bot or an unknown user.
    pub fn password_hash(&self, id: UserId) -> Result<Option<String>, StoreError> {
        let mut conn = self.conn()?;
        Ok(users::table
            .find(id.as_i64())
            .select(users::password_hash)
            .get_result::<Option<String>>(&mut conn)
            .optional()?
            .flatten())
    }

    /// The account fields of `id` (defaults without a row).
    pub fn account(&self, id: UserId) -> Result<AccountRecord, StoreError> {
        let mut conn = self.conn()?;
        Ok(select_account(&mut conn, id)?)
    }

    /// Marks a user as staff or not (the CLI). `NotFound` if there is no such user.
    pub fn set_staff(&self, id: UserId, is_staff: bool) -> Result<UserRecord, StoreError> {
        self.set_account_fields(
            id,
            AccountChangeset { is_staff: Some(is_staff), ..AccountChangeset::default() },
        )
    }

    /// Replaces a user's `acls` (the CLI; the caller checked the entries). `NotFound` if there
    /// is no such user.
    pub fn set_acls(&self, id: UserId, acls: &[String]) -> Result<UserRecord, StoreError> {
        let acls = Some(to_json(&acls)?);
        self.set_account_fields(id, AccountChangeset { acls, ..AccountChangeset::default() })
    }

    /// Replaces a user's `traits` (the CLI). `NotFound` if there is no such user.
    pub fn set_traits(&self, id: UserId, traits: &[String]) -> Result<UserRecord, StoreError> {
        let traits = Some(to_json(&traits)?);
        self.set_account_fields(id, AccountChangeset { traits, ..AccountChangeset::default() })
    }

    /// Records that mail to `address` was refused for good (an SMTP 5xx): the account whose
    /// address it still is gets `email_bounced` (and so `REQUIRE_VERIFIED_EMAIL`) until its
    /// email changes. `false` when no account has that address any more.
    pub fn mark_email_bounced(&self, address: &str) -> Result<bool, StoreError> {
        let key = crate::users::fold_case(address);
        self.write(|conn| {
            let Some(id) = users::table
                .filter(users::email_key.eq(&key))
                .select(users::id)
                .get_result::<i64>(conn)
                .optional()?
            else {
                return Ok(false);
            };
            lock_rows(conn, LockedRows::Users, &[id])?;
            let changes =
                AccountChangeset { email_bounced: Some(true), ..AccountChangeset::default() };
            write_account(conn, UserId::from_i64(id), &changes)?;
            Ok(true)
        })
    }

    fn set_account_fields(
        &self,
        id: UserId,
        changes: AccountChangeset,
    ) -> Result<UserRecord, StoreError> {
        self.write(|conn| {
            lock_rows(conn, LockedRows::Users, &[id.as_i64()])?;
            let Some(user) = select_user(conn, id).optional()? else {
                return Err(StoreError::NotFound);
            };
            write_account(conn, id, &changes)?;
            Ok(user)
        })
    }
}
