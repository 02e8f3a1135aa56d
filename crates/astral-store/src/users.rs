//! Users: creation, lookup and profile changes.

use astral_types::locale::DEFAULT_LOCALE;
use astral_types::pride_flag::SelectionError;
use astral_types::profile::{reset_unknown_statuses, CustomPreferences};
use astral_types::user::{AccountUpdate, ProfileUpdate};
use astral_types::{FormErrors, Snowflake, TokenId, UserId};
use diesel::dsl::exists;
use diesel::prelude::*;
use rand::Rng;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::accounts::{
    replace_password, select_account, write_account, AccountChangeset, AccountRecord,
    PasswordChange,
};
use crate::conn::{lock_rows, read_transaction, LockedRows};
use crate::guilds::mutual_guilds;
use crate::members::{members_on_profile, reset_member_statuses};
use crate::pride_flags::{replace_selection, selected_flags, selection_refusals};
use crate::relationships::{kind_of, mutual_friends, RelationshipKind};
use crate::schema::{
    bot_owners, profile_members, user_accounts, user_images, user_pride_flags, users,
};
use crate::short_ids::{is_sid, with_fresh_short_id, USER_SHORT_ID};
use crate::{Decided, PrideFlagRecord, PrideFlagRefusal, ProfileMemberRecord, Store, StoreError};

/// A user row, without the password hash.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRecord {
    #[diesel(deserialize_as = i64)]
    pub id: UserIdColumn,
    pub username: String,
    pub discriminator: String,
    pub global_name: Option<String>,
    pub avatar: Option<String>,
    pub banner: Option<String>,
    pub accent_color: Option<i32>,
    pub locale: String,
    pub email: Option<String>,
    pub verified: bool,
    pub bot: bool,
    pub system: bool,
    pub mfa_enabled: bool,
    pub flags: i64,
    pub premium_type: i32,
    /// pronouns.cc's short id: 5 lowercase ASCII letters, unique.
    pub sid: String,
    /// Badges bitmask, set by an administrator through the CLI; it grants nothing.
    pub badges: i64,
    /// Set through the CLI; it grants no API power.
    pub is_admin: bool,
    /// When the short id was last rerolled (epoch ms); `None` if never.
    pub last_sid_reroll_ms: Option<i64>,
}

/// A value stored as JSON text (the same on both backends). Only values of astral-types'
/// checked shapes are written, so a row that does not parse is a broken database: the read
/// fails (a 500 with its cause logged) rather than showing an empty profile.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned> TryFrom<String> for Json<T> {
    type Error = serde_json::Error;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        serde_json::from_str(&text).map(Json)
    }
}

pub(crate) fn to_json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Internal(e.to_string()))
}

record_with_profile_lists! {
    /// A user's pronouns.cc profile columns. Read only where a profile is answered: users listed
    /// elsewhere (friends, recipients, members) are plain [`UserRecord`]s.
    #[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
    #[diesel(table_name = users)]
    pub struct ProfileColumns {
        pub bio: Option<String>,
        pub member_title: Option<String>,
        pub timezone: Option<String>,
        pub list_private: bool,
        #[diesel(deserialize_as = String)]
        pub custom_preferences: Json<CustomPreferences>,
    }
}

/// A user with their profile as one viewer sees it, read in one snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct UserWithProfileRecord {
    pub user: UserRecord,
    pub profile: ProfileColumns,
    /// The pride flags the profile shows, in the user's order.
    pub pride_flags: Vec<PrideFlagRecord>,
    /// The members the profile shows to the viewer it was read for
    /// (`members::members_on_profile`).
    pub members: Vec<ProfileMemberRecord>,
}

/// The caller's own account: their user with their profile and their account fields, read in
/// one snapshot (`GET /users/@me`, the answer of `PATCH /users/@me`).
#[derive(Debug, Clone, PartialEq)]
pub struct PrivateUserRecord {
    pub user: UserWithProfileRecord,
    pub account: AccountRecord,
}

/// Why `update_user` changed nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum UserUpdateRefusal {
    /// Fields the database decides on were refused (field errors at their paths): statuses
    /// naming none of the user's custom preferences, pride flags that are not the user's or
    /// are listed twice.
    FieldErrors(FormErrors),
}

/// `users.id` read straight into a typed id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserIdColumn(pub UserId);

impl From<i64> for UserIdColumn {
    fn from(v: i64) -> Self {
        UserIdColumn(UserId::from_i64(v))
    }
}

impl UserRecord {
    pub fn user_id(&self) -> UserId {
        self.id.0
    }
}

/// What creating an account needs. Validation happens before this point.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    /// argon2id PHC string; `None` for bots, which only ever use tokens.
    pub password_hash: Option<String>,
    pub email: Option<String>,
    pub global_name: Option<String>,
    pub bot: bool,
}

astral_types::partial_update! {
    /// A partial update: `None` leaves a column alone, `Some(None)` clears a nullable one.
    #[derive(Debug, Clone, Default)]
    pub struct UserChanges {
        pub username: Option<String>,
        pub global_name: Option<Option<String>>,
        pub locale: Option<String>,
        /// A new avatar hash (its image already stored), or `Some(None)` to clear.
        pub avatar: Option<Option<String>>,
        pub banner: Option<Option<String>>,
        /// The pronouns.cc fields, checked but for statuses naming stored custom preferences.
        pub profile: ProfileUpdate,
        // issue 16 A
        /// Discriminator, accent colour, plain pronouns and the stored flags.
        pub account: AccountUpdate,
        /// A new email (authorized by the server), stored unverified.
        pub email: Option<String>,
        /// A new password: every token of the user is replaced by the one it names.
        pub password: Option<PasswordChange>,
        /// The `email_token` proving the owner of a verified address agreed to change it: its
        /// hash (as `account_secrets` stores it) and the time now. It is used up in the
        /// update's transaction, before anything is written; an unknown, used or expired one
        /// refuses the update (`TOKEN_INVALID` on `email_token`).
        pub email_token: Option<(String, i64)>,
        /// The new avatar's mean colour (`0xRRGGBB`; `Some(None)`: none, or no avatar).
        pub avatar_color: Option<Option<i32>>,
    }
}

astral_types::partial_update! {
    #[derive(AsChangeset)]
    #[diesel(table_name = users)]
    struct UserChangeset {
        username: Option<String>,
        username_key: Option<String>,
        global_name: Option<Option<String>>,
        locale: Option<String>,
        avatar: Option<Option<String>>,
        banner: Option<Option<String>>,
        bio: Option<Option<String>>,
        member_title: Option<Option<String>>,
        links: Option<String>,
        names: Option<String>,
        pronoun_entries: Option<String>,
        fields: Option<String>,
        timezone: Option<Option<String>>,
        list_private: Option<bool>,
        custom_preferences: Option<String>,
        discriminator: Option<String>,
        accent_color: Option<Option<i32>>,
        email: Option<Option<String>>,
        email_key: Option<Option<String>>,
        verified: Option<bool>,
    }
}

/// The columns only an administrator sets (through the CLI).
#[derive(AsChangeset)]
#[diesel(table_name = users)]
struct AdminFields {
    badges: Option<i64>,
    is_admin: Option<bool>,
}

/// A user's profile as another user sees it.
#[derive(Debug, Clone)]
pub struct ProfileRecord {
    pub user: UserWithProfileRecord,
    /// The guilds both are in; `None` when not asked for, or when the user blocked the viewer.
    pub mutual_guilds: Option<Vec<Snowflake>>,
    /// The friends both have; `None` when not asked for, or when the user blocked the viewer.
    pub mutual_friends: Option<Vec<UserRecord>>,
}

/// Which image a hash is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageSlot {
    Avatar,
    Banner,
}

impl ImageSlot {
    pub fn as_str(self) -> &'static str {
        match self {
            ImageSlot::Avatar => "avatar",
            ImageSlot::Banner => "banner",
        }
    }
}

/// A new user row: the one shape every writer of users uses (`insert_user`, and the bench's
/// seeding behind the `bench-seed` feature), so a new column is added in one place.
#[derive(Insertable)]
#[diesel(table_name = users)]
pub(crate) struct UserInsert {
    pub(crate) id: i64,
    pub(crate) username: String,
    pub(crate) username_key: String,
    pub(crate) discriminator: String,
    pub(crate) global_name: Option<String>,
    pub(crate) locale: String,
    pub(crate) email: Option<String>,
    pub(crate) email_key: Option<String>,
    pub(crate) password_hash: Option<String>,
    pub(crate) bot: bool,
    pub(crate) sid: String,
}

/// Usernames and emails are unique ignoring case: the key column holds the lowercased form.
pub(crate) fn fold_case(s: &str) -> String {
    s.to_lowercase()
}

pub(crate) fn random_discriminator() -> String {
    format!("{:04}", rand::thread_rng().gen_range(1..=9999))
}

/// What `GET /users/{user_id}` names: an id, a username or a short id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserLookup {
    /// A snowflake: that id, then (all-digit usernames exist) that username.
    Id(UserId, String),
    /// Anything else: that username (ignoring case), then that short id.
    Name(String),
}

/// Why a short-id reroll was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RerollRefusal {
    /// The last reroll was less than the cooldown ago; retry in this many milliseconds.
    TooSoon { retry_after_ms: i64 },
}

impl Store {
    /// Creates a user. A taken username or email is `Conflict`, decided by the database's
    /// unique indexes (so two concurrent registrations cannot both win).
    /// Its short id is random, drawn again on a collision ([`with_fresh_short_id`]).
    pub fn create_user(&self, new: NewUser) -> Result<UserRecord, StoreError> {
        self.insert_user(new, None)
    }

    /// Creates a bot account (`astral bots create`), recording `owner` as the person who runs
    /// it, in the same transaction. `NotFound` if the owner is gone.
    pub fn create_bot(
        &self,
        new: NewUser,
        owner: Option<UserId>,
    ) -> Result<UserRecord, StoreError> {
        self.insert_user(NewUser { bot: true, ..new }, owner)
    }

    fn insert_user(&self, new: NewUser, owner: Option<UserId>) -> Result<UserRecord, StoreError> {
        let id = UserId(self.ids.next_id());
        let mut insert = UserInsert {
            id: id.as_i64(),
            username_key: fold_case(&new.username),
            username: new.username,
            discriminator: random_discriminator(),
            global_name: new.global_name,
            locale: DEFAULT_LOCALE.to_owned(),
            email_key: new.email.as_deref().map(fold_case),
            email: new.email,
            password_hash: new.password_hash,
            bot: new.bot,
            sid: String::new(),
        };
        let mut conn = self.writer()?;
        with_fresh_short_id(USER_SHORT_ID, |sid| {
            insert.sid = sid;
            conn.transaction(|conn| {
                diesel::insert_into(users::table).values(&insert).execute(conn)?;
                if insert.password_hash.is_some() {
                    // issue 16 A: `password_last_changed_at` starts at the account's creation.
                    let created_ms = i64::try_from(id.0.timestamp_ms()).unwrap_or(i64::MAX);
                    diesel::insert_into(user_accounts::table)
                        .values((
                            user_accounts::user_id.eq(id.as_i64()),
                            user_accounts::password_changed_ms.eq(Some(created_ms)),
                        ))
                        .execute(conn)?;
                }
                if let Some(owner) = owner {
                    lock_rows(conn, LockedRows::Users, &[owner.as_i64()])?;
                    if select_user(conn, owner).optional()?.is_none() {
                        return Err(StoreError::NotFound);
                    }
                    diesel::insert_into(bot_owners::table)
                        .values((
                            bot_owners::bot_id.eq(id.as_i64()),
                            bot_owners::owner_id.eq(owner.as_i64()),
                        ))
                        .execute(conn)?;
                }
                Ok(select_user(conn, id)?)
            })
        })
    }

    /// The user `lookup` names: see [`UserLookup`] for the order. One snapshot.
    pub fn find_user(&self, lookup: UserLookup) -> Result<Option<UserRecord>, StoreError> {
        self.read(|conn| Ok(find_user_in(conn, lookup)?))
    }

    /// [`Store::find_user`] with the user's profile as `viewer` (`None`: anonymous) sees it,
    /// in one snapshot.
    pub fn find_user_with_profile(
        &self,
        lookup: UserLookup,
        viewer: Option<UserId>,
    ) -> Result<Option<UserWithProfileRecord>, StoreError> {
        let mut conn = self.conn()?;
        if let UserLookup::Id(id, _) = &lookup {
            if let PlainUser::Found(found) = select_plain_user(&mut conn, *id)? {
                return Ok(Some(found.user));
            }
        }
        read_transaction(&mut conn, |conn| {
            Ok(match find_user_in(conn, lookup)? {
                Some(user) => select_user_with_profile(conn, user.user_id(), viewer)?,
                None => None,
            })
        })
    }

    /// Gives `id` a new random short id unless its last reroll is less than `cooldown_ms` before
    /// `now_ms`; records `now_ms` as the reroll's time. The check and the write are one
    /// transaction on the locked user row, so two concurrent rerolls of one user cannot both
    /// pass; the unique index keeps concurrent rerolls of different users apart. `NotFound` if
    /// the user is gone.
    pub fn reroll_sid(
        &self,
        id: UserId,
        now_ms: i64,
        cooldown_ms: i64,
    ) -> Decided<PrivateUserRecord, RerollRefusal> {
        let mut conn = self.writer()?;
        with_fresh_short_id(USER_SHORT_ID, |sid| {
            conn.transaction(|conn| {
                lock_rows(conn, LockedRows::Users, &[id.as_i64()])?;
                let last = users::table
                    .find(id.as_i64())
                    .select(users::last_sid_reroll_ms)
                    .get_result::<Option<i64>>(conn)?;
                if let Some(last) = last {
                    let next = last.saturating_add(cooldown_ms);
                    if now_ms < next {
                        return Ok(Err(RerollRefusal::TooSoon { retry_after_ms: next - now_ms }));
                    }
                }
                diesel::update(users::table.find(id.as_i64()))
                    .set((users::sid.eq(&sid), users::last_sid_reroll_ms.eq(Some(now_ms))))
                    .execute(conn)?;
                Ok(Ok(own_profile(conn, id)?))
            })
        })
    }

    /// Sets a user's badges bitmask (the CLI). `NotFound` if there is no such user.
    pub fn set_badges(&self, id: UserId, badges: i64) -> Result<UserRecord, StoreError> {
        self.set_admin_fields(id, AdminFields { badges: Some(badges), is_admin: None })
    }

    /// Marks a user as an administrator or not (the CLI). `NotFound` if there is no such user.
    pub fn set_admin(&self, id: UserId, is_admin: bool) -> Result<UserRecord, StoreError> {
        self.set_admin_fields(id, AdminFields { badges: None, is_admin: Some(is_admin) })
    }

    fn set_admin_fields(&self, id: UserId, fields: AdminFields) -> Result<UserRecord, StoreError> {
        self.write(|conn| {
            let updated =
                diesel::update(users::table.find(id.as_i64())).set(&fields).execute(conn)?;
            if updated == 0 {
                return Err(StoreError::NotFound);
            }
            Ok(select_user(conn, id)?)
        })
    }

    pub fn user_by_id(&self, id: UserId) -> Result<Option<UserRecord>, StoreError> {
        let mut conn = self.conn()?;
        Ok(select_user(&mut conn, id).optional()?)
    }

    /// A user with their profile as they see it themselves, in one snapshot; `None` if there
    /// is no such user.
    pub fn user_with_profile(&self, id: UserId) -> Result<Option<PrivateUserRecord>, StoreError> {
        let mut conn = self.conn()?;
        match select_plain_user(&mut conn, id)? {
            PlainUser::Missing => Ok(None),
            PlainUser::Found(user) => Ok(Some(*user)),
            PlainUser::WithLists => own_user_with_lists(&mut conn, id),
        }
    }

    /// [`Store::user_with_profile`] for a user already known to have pride flags or members
    /// (`OwnProfileRead::HasLists`): the several-statement read in one snapshot, without
    /// asking again. Right for any user, only slower for those without lists.
    pub fn user_with_lists(&self, id: UserId) -> Result<Option<PrivateUserRecord>, StoreError> {
        let mut conn = self.conn()?;
        own_user_with_lists(&mut conn, id)
    }

    /// `user`'s profile as `viewer` sees it, with the mutual guilds and friends asked for, in
    /// one snapshot; `None` if there is no such user. A user who blocked the viewer shows
    /// nothing beyond themselves.
    pub fn user_profile(
        &self,
        viewer: UserId,
        user: UserId,
        with_guilds: bool,
        with_friends: bool,
    ) -> Result<Option<ProfileRecord>, StoreError> {
        self.read(|conn| {
            let Some(record) = select_user_with_profile(conn, user, Some(viewer))? else {
                return Ok(None);
            };
            let shown = kind_of(conn, user, viewer)? != Some(RelationshipKind::Blocked);
            let mutual_guilds =
                if with_guilds && shown { Some(mutual_guilds(conn, viewer, user)?) } else { None };
            let mutual_friends = if with_friends && shown {
                Some(mutual_friends(conn, viewer, user)?)
            } else {
                None
            };
            Ok(Some(ProfileRecord { user: record, mutual_guilds, mutual_friends }))
        })
    }

    /// Looks an account up by username or email (both ignoring case) and returns it with its
    /// password hash, for login.
    pub fn user_for_login(
        &self,
        login: &str,
    ) -> Result<Option<(UserRecord, Option<String>)>, StoreError> {
        let key = fold_case(login);
        let mut conn = self.conn()?;
        let found = users::table
            .filter(users::username_key.eq(&key).or(users::email_key.eq(&key)))
            .select((UserRecord::as_select(), users::password_hash))
            .first::<(UserRecord, Option<String>)>(&mut conn)
            .optional()?;
        Ok(found)
    }

    /// Applies `changes` and returns the updated user with their profile. `NotFound` if the
    /// user is gone. In the one transaction, with the user's row locked: statuses of the lists
    /// sent are checked against the custom preferences in effect afterwards (the stored ones
    /// when the change sets none), and the pride flags to show must be the user's own, each
    /// once; any refusal refuses the whole update (every such field error at once, nothing
    /// written). When the custom preferences change, stored statuses naming a removed one
    /// become `okay`, in the user's own lists and in their members'.
    pub fn update_user(
        &self,
        id: UserId,
        changes: UserChanges,
    ) -> Decided<PrivateUserRecord, UserUpdateRefusal> {
        if changes.is_empty() {
            return self.read(|conn| Ok(Ok(own_profile(conn, id)?)));
        }
        let new_images: Vec<(ImageSlot, String)> = [
            (ImageSlot::Avatar, changes.avatar.clone().flatten()),
            (ImageSlot::Banner, changes.banner.clone().flatten()),
        ]
        .into_iter()
        .filter_map(|(slot, hash)| hash.map(|h| (slot, h)))
        .collect();
        let profile = changes.profile;
        let account = &changes.account;
        let token_id = changes.password.as_ref().map(|_| TokenId(self.ids.next_id()));
        let mut conn = self.writer()?;
        conn.transaction(|conn| {
            lock_rows(conn, LockedRows::Users, &[id.as_i64()])?;
            let Some(stored) = users::table
                .find(id.as_i64())
                .select(ProfileColumns::as_select())
                .get_result(conn)
                .optional()?
            else {
                return Err(StoreError::NotFound);
            };
            let preferences =
                profile.custom_preferences.as_ref().unwrap_or(&stored.custom_preferences.0);
            let mut errors = FormErrors::new();
            // Both checks run, so that one answer lists every error.
            let _ = profile.lists.check_statuses(&mut errors, preferences);
            if let Some(ids) = &profile.pride_flags {
                for refusal in selection_refusals(conn, id, ids)? {
                    let error = match refusal {
                        PrideFlagRefusal::NotYourFlag { index } => {
                            SelectionError::NotYours { index }
                        }
                        PrideFlagRefusal::Duplicate { index } => {
                            SelectionError::Duplicate { index }
                        }
                        // The reader bounds the list; said here so the rule does not rest on it.
                        PrideFlagRefusal::TooManySelected => SelectionError::TooMany,
                        PrideFlagRefusal::UnknownFlag | PrideFlagRefusal::TooManyFlags => continue,
                    };
                    let _ = profile.refuse_pride_flag(&mut errors, error);
                }
            }
            if !errors.is_empty() {
                return Ok(Err(UserUpdateRefusal::FieldErrors(errors)));
            }
            if let Some((hash, now_ms)) = &changes.email_token {
                if !crate::take_email_token(conn, id, hash, *now_ms)? {
                    errors.field("email_token", "TOKEN_INVALID", "Invalid or expired token.");
                    return Ok(Err(UserUpdateRefusal::FieldErrors(errors)));
                }
            }
            let mut names = profile.lists.names.clone();
            let mut pronoun_entries = profile.lists.pronoun_entries.clone();
            let mut fields = profile.lists.fields.clone();
            if let Some(preferences) = &profile.custom_preferences {
                // A list not sent keeps its entries; those naming a removed preference are
                // reset (a list sent was checked against the new preferences above).
                let mut kept_names = stored.names.0.clone();
                let mut kept_pronouns = stored.pronoun_entries.0.clone();
                let mut kept_fields = stored.fields.0.clone();
                if names.is_none()
                    && reset_unknown_statuses(&mut kept_names, &mut [], &mut [], preferences)
                {
                    names = Some(kept_names);
                }
                if pronoun_entries.is_none()
                    && reset_unknown_statuses(&mut [], &mut kept_pronouns, &mut [], preferences)
                {
                    pronoun_entries = Some(kept_pronouns);
                }
                if fields.is_none()
                    && reset_unknown_statuses(&mut [], &mut [], &mut kept_fields, preferences)
                {
                    fields = Some(kept_fields);
                }
            }
            let changeset = UserChangeset {
                username_key: changes.username.as_deref().map(fold_case),
                username: changes.username.clone(),
                global_name: changes.global_name.clone(),
                locale: changes.locale.clone(),
                avatar: changes.avatar.clone(),
                banner: changes.banner.clone(),
                bio: profile.bio.clone(),
                member_title: profile.member_title.clone(),
                links: profile.links.as_ref().map(to_json).transpose()?,
                names: names.as_ref().map(to_json).transpose()?,
                pronoun_entries: pronoun_entries.as_ref().map(to_json).transpose()?,
                fields: fields.as_ref().map(to_json).transpose()?,
                timezone: profile.timezone.clone(),
                list_private: profile.list_private,
                custom_preferences: profile.custom_preferences.as_ref().map(to_json).transpose()?,
                discriminator: account.discriminator.clone(),
                accent_color: account.accent_color,
                email: changes.email.clone().map(Some),
                email_key: changes.email.as_deref().map(|e| Some(fold_case(e))),
                // A new address is unverified until its owner proves it (the email workstream).
                verified: changes.email.as_ref().map(|_| false),
            };
            // A change of the pride flags alone leaves the row as it is (and diesel refuses an
            // empty changeset); the row's existence was checked above, under its lock.
            if !changeset.is_empty() {
                diesel::update(users::table.find(id.as_i64())).set(&changeset).execute(conn)?;
            }
            if let Some(ids) = &profile.pride_flags {
                replace_selection(conn, id, ids)?;
            }
            if let Some(preferences) = &profile.custom_preferences {
                reset_member_statuses(conn, id, preferences)?;
            }
            let mut account_changes = AccountChangeset::from_update(account);
            account_changes.avatar_color = changes.avatar_color;
            if changes.email.is_some() {
                // A bounce was the old address's.
                account_changes.email_bounced = Some(false);
            }
            write_account(conn, id, &account_changes)?;
            if let (Some(change), Some(token_id)) = (&changes.password, token_id) {
                replace_password(conn, id, token_id, change)?;
            }
            for (slot, hash) in &new_images {
                // Uploading an image the user had before records nothing new.
                let known = user_images::table
                    .find((id.as_i64(), slot.as_str(), hash.as_str()))
                    .count()
                    .get_result::<i64>(conn)?;
                if known == 0 {
                    diesel::insert_into(user_images::table)
                        .values((
                            user_images::user_id.eq(id.as_i64()),
                            user_images::kind.eq(slot.as_str()),
                            user_images::hash.eq(hash),
                        ))
                        .execute(conn)?;
                }
            }
            Ok(Ok(own_profile(conn, id)?))
        })
    }

    /// Whether `user_id` ever uploaded `hash` as this kind of image.
    pub fn user_has_image(
        &self,
        user_id: UserId,
        slot: ImageSlot,
        hash: &str,
    ) -> Result<bool, StoreError> {
        let mut conn = self.conn()?;
        let n = user_images::table
            .find((user_id.as_i64(), slot.as_str(), hash))
            .count()
            .get_result::<i64>(&mut conn)?;
        Ok(n > 0)
    }
}

pub(crate) fn select_user(conn: &mut crate::AnyConnection, id: UserId) -> QueryResult<UserRecord> {
    on_backend!(conn, |c| users::table
        .find(id.as_i64())
        .select(UserRecord::as_select())
        .get_result(c))
}

/// The user `lookup` names ([`UserLookup`]).
fn find_user_in(
    conn: &mut crate::AnyConnection,
    lookup: UserLookup,
) -> QueryResult<Option<UserRecord>> {
    // PostgreSQL refuses NUL in text (an error, not "no row"); no name or short id has one.
    let (UserLookup::Id(_, text) | UserLookup::Name(text)) = &lookup;
    if text.contains('\0') {
        return Ok(None);
    }
    let by_name = |conn: &mut crate::AnyConnection, name: &str| {
        users::table
            .filter(users::username_key.eq(fold_case(name)))
            .select(UserRecord::as_select())
            .get_result(conn)
            .optional()
    };
    Ok(match lookup {
        UserLookup::Id(id, text) => match select_user(conn, id).optional()? {
            Some(user) => Some(user),
            None => by_name(conn, &text)?,
        },
        UserLookup::Name(name) => match by_name(conn, &name)? {
            Some(user) => Some(user),
            None if is_sid(&fold_case(&name)) => users::table
                .filter(users::sid.eq(fold_case(&name)))
                .select(UserRecord::as_select())
                .get_result(conn)
                .optional()?,
            None => None,
        },
    })
}

/// What [`select_plain_user`] found.
enum PlainUser {
    Missing,
    /// The user, who has neither pride flags nor members, as anyone sees them, and their
    /// account (its defaults when they have no account row).
    Found(Box<PrivateUserRecord>),
    /// The user has pride flags or members: their lists need more statements, in one
    /// snapshot ([`select_user_with_profile`]).
    WithLists,
}

/// Whether a user has pride flags or members: a column for the one-statement reads, which
/// serve only users without either ([`select_plain_user`], `Store::token_owner`).
#[diesel::dsl::auto_type]
pub(crate) fn has_lists() -> _ {
    exists(user_pride_flags::table.filter(user_pride_flags::user_id.eq(users::id)))
        .or(exists(profile_members::table.filter(profile_members::owner_id.eq(users::id))))
}

/// The answer of a user without pride flags or members, from the columns of one statement:
/// their account row's, or its defaults when they have none (as `select_account`).
pub(crate) fn plain_user(
    user: UserRecord,
    profile: ProfileColumns,
    account: Option<AccountRecord>,
) -> PrivateUserRecord {
    PrivateUserRecord {
        user: UserWithProfileRecord { user, profile, pride_flags: Vec::new(), members: Vec::new() },
        account: account.unwrap_or_default(),
    }
}

/// User `id` in one statement when they have no pride flags and no members, as most users:
/// the user, profile and account columns and whether either list has a row. One statement
/// sees one snapshot by itself, so the read needs no transaction, which on PostgreSQL is two
/// round trips of the four this saves (docs/performance.md).
fn select_plain_user(conn: &mut crate::AnyConnection, id: UserId) -> QueryResult<PlainUser> {
    let row = on_backend!(conn, |c| users::table
        .left_join(user_accounts::table)
        .filter(users::id.eq(id.as_i64()))
        .select((
            UserRecord::as_select(),
            ProfileColumns::as_select(),
            Option::<AccountRecord>::as_select(),
            has_lists(),
        ))
        .get_result::<(UserRecord, ProfileColumns, Option<AccountRecord>, bool)>(c)
        .optional())?;
    Ok(match row {
        None => PlainUser::Missing,
        Some((_, _, _, true)) => PlainUser::WithLists,
        Some((user, profile, account, false)) => {
            PlainUser::Found(Box::new(plain_user(user, profile, account)))
        }
    })
}

/// User `id` with their profile as `viewer` sees it: the row, the pride flags shown and the
/// members shown. Several queries: the caller runs them in one transaction (one snapshot).
fn select_user_with_profile(
    conn: &mut crate::AnyConnection,
    id: UserId,
    viewer: Option<UserId>,
) -> QueryResult<Option<UserWithProfileRecord>> {
    let Some((user, profile)) = on_backend!(conn, |c| users::table
        .find(id.as_i64())
        .select((UserRecord::as_select(), ProfileColumns::as_select()))
        .get_result::<(UserRecord, ProfileColumns)>(c)
        .optional())?
    else {
        return Ok(None);
    };
    let pride_flags = selected_flags(conn, id)?;
    let members = members_on_profile(conn, id, viewer == Some(id))?;
    Ok(Some(UserWithProfileRecord { user, profile, pride_flags, members }))
}

/// The user's own profile, as they see it; `NotFound` if they are gone. One statement for a
/// user without pride flags or members ([`select_plain_user`]); the caller's transaction
/// (the write that changed them, or a read) makes it one snapshot otherwise.
fn own_profile(
    conn: &mut crate::AnyConnection,
    id: UserId,
) -> Result<PrivateUserRecord, StoreError> {
    match select_plain_user(conn, id)? {
        PlainUser::Missing => Err(StoreError::NotFound),
        PlainUser::Found(user) => Ok(*user),
        PlainUser::WithLists => own_profile_with_lists(conn, id),
    }
}

/// [`own_profile_with_lists`] in its own snapshot; `None` if there is no such user.
fn own_user_with_lists(
    conn: &mut crate::AnyConnection,
    id: UserId,
) -> Result<Option<PrivateUserRecord>, StoreError> {
    read_transaction(conn, |conn| match own_profile_with_lists(conn, id) {
        Ok(user) => Ok(Some(user)),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e),
    })
}

/// [`own_profile`] in several statements, whatever the user has: the path for users with
/// lists, and the reference the one-statement reads are tested against.
pub(crate) fn own_profile_with_lists(
    conn: &mut crate::AnyConnection,
    id: UserId,
) -> Result<PrivateUserRecord, StoreError> {
    let user = select_user_with_profile(conn, id, Some(id))?.ok_or(StoreError::NotFound)?;
    Ok(PrivateUserRecord { user, account: select_account(conn, id)? })
}
