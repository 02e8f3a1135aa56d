//! pronouns.cc's members: profiles a user keeps under their account (not guild members). One
//! method per use case, each deciding who may see or change a member inside its transaction.

use astral_types::form::Invalid;
use astral_types::member::ProfileMemberInput;
use astral_types::member::MAX_PROFILE_MEMBERS;
use astral_types::profile::{
    check_statuses, reset_unknown_statuses, CustomPreferences, FieldEntry, ProfileField,
    PronounEntry, StatusLists,
};
use astral_types::{FormErrors, Snowflake, UserId};
use diesel::prelude::*;

use crate::conn::{lock_rows, user_at_cap, LockedRows};
use crate::schema::{profile_member_images, profile_members, users};
use crate::short_ids::{with_fresh_short_id, MEMBER_SHORT_ID};
use crate::users::{to_json, Json};
use crate::{AnyConnection, Decided, Store, StoreError, UniqueField};

record_with_profile_lists! {
    /// A member row. The lists are stored as JSON text (as a user's profile lists are).
    #[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
    #[diesel(table_name = profile_members)]
    pub struct ProfileMemberRecord {
        pub id: i64,
        pub owner_id: i64,
        pub sid: String,
        pub name: String,
        pub display_name: Option<String>,
        pub bio: Option<String>,
        pub avatar: Option<String>,
        pub hidden: bool,
    }
}

owned_record_ids!(ProfileMemberRecord { member_id: id, owner: owner_id });

/// How a path names a member: its id, or its short id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberKey {
    Id(Snowflake),
    Sid(String),
}

/// A new member, checked but for the statuses naming custom preferences (the store checks
/// those against the owner's).
#[derive(Debug, Clone)]
pub struct NewProfileMember {
    pub name: String,
    pub display_name: Option<String>,
    pub bio: Option<String>,
    /// The avatar's hash, its image already stored.
    pub avatar: Option<String>,
    pub links: Vec<String>,
    pub names: Vec<FieldEntry>,
    pub pronoun_entries: Vec<PronounEntry>,
    /// The name `pronoun_entries` was sent under, for the path of a status error.
    pub pronouns_key: &'static str,
    pub fields: Vec<ProfileField>,
    pub hidden: bool,
}

astral_types::partial_update! {
    /// A partial update: the body's checked fields, and the avatar's hash (its image already
    /// stored; `Some(None)` clears it).
    #[derive(Debug, Clone, Default)]
    pub struct ProfileMemberChanges {
        pub input: ProfileMemberInput,
        pub avatar: Option<Option<String>>,
    }
}

#[derive(AsChangeset)]
#[diesel(table_name = profile_members)]
struct MemberChangeset {
    name: Option<String>,
    name_key: Option<String>,
    display_name: Option<Option<String>>,
    bio: Option<Option<String>>,
    avatar: Option<Option<String>>,
    links: Option<String>,
    names: Option<String>,
    pronoun_entries: Option<String>,
    fields: Option<String>,
    hidden: Option<bool>,
}

impl MemberChangeset {
    fn of(changes: ProfileMemberChanges) -> Result<Self, StoreError> {
        let c = changes.input;
        Ok(MemberChangeset {
            name_key: c.name.as_deref().map(name_key),
            name: c.name,
            display_name: c.display_name,
            bio: c.bio,
            avatar: changes.avatar,
            links: c.links.as_ref().map(to_json).transpose()?,
            names: c.lists.names.as_ref().map(to_json).transpose()?,
            pronoun_entries: c.lists.pronoun_entries.as_ref().map(to_json).transpose()?,
            fields: c.lists.fields.as_ref().map(to_json).transpose()?,
            hidden: c.hidden,
        })
    }
}

/// Which page of a user's members (ordered by id).
pub type MemberPage = crate::IdPage;

/// Why a member use case did not happen, decided inside its transaction.
#[derive(Debug, Clone, PartialEq)]
pub enum MemberRefusal {
    /// Statuses naming none of the owner's custom preferences (field errors at their paths).
    UnknownStatuses(FormErrors),
    /// No such member, or one the caller may not see or change: the same answer, so a
    /// member's existence does not leak.
    UnknownMember,
    /// The owner has a member of this name (ignoring case) already.
    NameTaken,
    /// The owner has the maximum number of members already.
    TooManyMembers,
}

/// Member names are unique per owner ignoring case: the key column holds the lowercased form.
fn name_key(name: &str) -> String {
    crate::users::fold_case(name)
}

fn find_member(
    conn: &mut AnyConnection,
    key: &MemberKey,
) -> QueryResult<Option<ProfileMemberRecord>> {
    let query = profile_members::table.select(ProfileMemberRecord::as_select()).into_boxed();
    let query = match key {
        MemberKey::Id(id) => query.filter(profile_members::id.eq(id.as_i64())),
        MemberKey::Sid(sid) => query.filter(profile_members::sid.eq(sid.as_str())),
    };
    query.get_result(conn).optional()
}

/// `owner`'s member under `key`; anyone else's, like one that does not exist, is `None`, so
/// that changing a member does not tell whether another user's id exists.
fn find_owned_member(
    conn: &mut AnyConnection,
    key: &MemberKey,
    owner: UserId,
) -> QueryResult<Option<ProfileMemberRecord>> {
    Ok(find_member(conn, key)?.filter(|member| member.owner() == owner))
}

/// Whether `owner` keeps their member list private (pronouns.cc's `list_private`).
fn lists_privately(conn: &mut AnyConnection, owner: i64) -> QueryResult<bool> {
    Ok(on_backend!(conn, |c| users::table
        .find(owner)
        .select(users::list_private)
        .get_result::<bool>(c)
        .optional())?
    .unwrap_or(false))
}

/// The owner's custom preferences: what a status other than the built-in ones may name.
fn preferences_of(conn: &mut AnyConnection, owner: i64) -> Result<CustomPreferences, StoreError> {
    let text: String =
        users::table.find(owner).select(users::custom_preferences).get_result(conn)?;
    Json::<CustomPreferences>::try_from(text)
        .map(|json| json.0)
        .map_err(|e| StoreError::Internal(format!("custom_preferences of {owner}: {e}")))
}

/// Field errors at every status that `check` finds naming none of the owner's custom
/// preferences.
fn unknown_statuses(
    conn: &mut AnyConnection,
    owner: i64,
    check: impl FnOnce(&mut FormErrors, &CustomPreferences) -> Result<(), Invalid>,
) -> Result<Option<FormErrors>, StoreError> {
    let preferences = preferences_of(conn, owner)?;
    let mut errors = FormErrors::new();
    Ok(check(&mut errors, &preferences).is_err().then_some(errors))
}

/// Whether `viewer` may see `member`: its owner always; anyone else only a member that is
/// not hidden, of an owner whose list is not private.
fn visible(
    conn: &mut AnyConnection,
    member: &ProfileMemberRecord,
    viewer: Option<UserId>,
) -> QueryResult<bool> {
    if viewer == Some(member.owner()) {
        return Ok(true);
    }
    Ok(!member.hidden && !lists_privately(conn, member.owner_id)?)
}

fn name_taken(
    conn: &mut AnyConnection,
    owner: i64,
    key: &str,
    except: Option<i64>,
) -> QueryResult<bool> {
    let mut query = profile_members::table
        .filter(profile_members::owner_id.eq(owner))
        .filter(profile_members::name_key.eq(key))
        .into_boxed();
    if let Some(id) = except {
        query = query.filter(profile_members::id.ne(id));
    }
    Ok(query.count().get_result::<i64>(conn)? > 0)
}

/// How many members `owner` has (their cap is `MAX_PROFILE_MEMBERS`).
fn member_count(conn: &mut AnyConnection, owner: UserId) -> QueryResult<i64> {
    profile_members::table
        .filter(profile_members::owner_id.eq(owner.as_i64()))
        .count()
        .get_result(conn)
}

fn sid_taken(conn: &mut AnyConnection, sid: &str) -> QueryResult<bool> {
    let n: i64 =
        profile_members::table.filter(profile_members::sid.eq(sid)).count().get_result(conn)?;
    Ok(n > 0)
}

/// Records that `member` has had avatar `hash` (once).
fn remember_image(conn: &mut AnyConnection, member: i64, hash: &str) -> QueryResult<()> {
    let known: i64 = profile_member_images::table.find((member, hash)).count().get_result(conn)?;
    if known == 0 {
        diesel::insert_into(profile_member_images::table)
            .values((
                profile_member_images::member_id.eq(member),
                profile_member_images::hash.eq(hash),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A unique index turned a write down: which refusal it means.
fn refusal_for_conflict(e: StoreError) -> Result<MemberRefusal, StoreError> {
    match e {
        StoreError::Conflict(UniqueField::MemberName) => Ok(MemberRefusal::NameTaken),
        other => Err(other),
    }
}

impl Store {
    /// `owner` creates a member, unless they have `max_members` already or one of that name
    /// (ignoring case). Both are decided under a lock on the owner's row, so concurrent creates
    /// run one after the other; the unique index on `(owner_id, name_key)` backs the name rule.
    pub fn create_profile_member(
        &self,
        owner: UserId,
        new: NewProfileMember,
        max_members: i64,
    ) -> Decided<ProfileMemberRecord, MemberRefusal> {
        let id = self.ids.next_id().as_i64();
        let key = name_key(&new.name);
        let mut conn = self.writer()?;
        // Another member holding the drawn short id (found, or inserted concurrently) is
        // `Conflict(MemberSid)`: drawn again.
        let created = with_fresh_short_id(MEMBER_SHORT_ID, |sid| {
            conn.transaction(|conn| {
                if user_at_cap(conn, owner, max_members, member_count)? {
                    return Ok(Err(MemberRefusal::TooManyMembers));
                }
                let lists = StatusLists {
                    names: Some(("names", &new.names)),
                    pronoun_entries: Some((new.pronouns_key, &new.pronoun_entries)),
                    fields: Some(("fields", &new.fields)),
                };
                let check =
                    |errors: &mut _, preferences: &_| check_statuses(errors, &lists, preferences);
                if let Some(errors) = unknown_statuses(conn, owner.as_i64(), check)? {
                    return Ok(Err(MemberRefusal::UnknownStatuses(errors)));
                }
                if name_taken(conn, owner.as_i64(), &key, None)? {
                    return Ok(Err(MemberRefusal::NameTaken));
                }
                if sid_taken(conn, &sid)? {
                    return Err(StoreError::Conflict(UniqueField::MemberSid));
                }
                diesel::insert_into(profile_members::table)
                    .values((
                        profile_members::id.eq(id),
                        profile_members::owner_id.eq(owner.as_i64()),
                        profile_members::sid.eq(&sid),
                        profile_members::name.eq(&new.name),
                        profile_members::name_key.eq(&key),
                        profile_members::display_name.eq(&new.display_name),
                        profile_members::bio.eq(&new.bio),
                        profile_members::avatar.eq(&new.avatar),
                        profile_members::links.eq(to_json(&new.links)?),
                        profile_members::names.eq(to_json(&new.names)?),
                        profile_members::pronoun_entries.eq(to_json(&new.pronoun_entries)?),
                        profile_members::fields.eq(to_json(&new.fields)?),
                        profile_members::hidden.eq(new.hidden),
                    ))
                    .execute(conn)?;
                if let Some(hash) = &new.avatar {
                    remember_image(conn, id, hash)?;
                }
                let record = find_member(conn, &MemberKey::Id(Snowflake::from_i64(id)))?;
                record.map(Ok).ok_or(StoreError::NotFound)
            })
        });
        match created {
            Err(e) => refusal_for_conflict(e).map(Err),
            Ok(outcome) => Ok(outcome),
        }
    }

    /// The member a path names, if `viewer` (`None`: anonymous) may see it.
    pub fn profile_member(
        &self,
        viewer: Option<UserId>,
        key: MemberKey,
    ) -> Result<Option<ProfileMemberRecord>, StoreError> {
        self.read(|conn| {
            let Some(member) = find_member(conn, &key)? else {
                return Ok(None);
            };
            Ok(visible(conn, &member, viewer)?.then_some(member))
        })
    }

    /// The owner changes their member. Anyone else's member, like one that does not exist, is
    /// `UnknownMember`. A new name must not be another of the owner's members' (ignoring case).
    pub fn update_profile_member(
        &self,
        owner: UserId,
        key: MemberKey,
        changes: ProfileMemberChanges,
    ) -> Decided<ProfileMemberRecord, MemberRefusal> {
        let new_avatar = changes.avatar.clone().flatten();
        let empty = changes.is_empty();
        let outcome = self.write(|conn| {
            let Some(member) = find_owned_member(conn, &key, owner)? else {
                return Ok(Err(MemberRefusal::UnknownMember));
            };
            if empty {
                return Ok(Ok(member));
            }
            // The owner's row is locked so their preferences cannot change under the check.
            lock_rows(conn, LockedRows::Users, &[member.owner_id])?;
            let check = |errors: &mut _, preferences: &_| {
                changes.input.lists.check_statuses(errors, preferences)
            };
            if let Some(errors) = unknown_statuses(conn, member.owner_id, check)? {
                return Ok(Err(MemberRefusal::UnknownStatuses(errors)));
            }
            if let Some(key) = changes.input.name.as_deref().map(name_key) {
                if name_taken(conn, member.owner_id, &key, Some(member.id))? {
                    return Ok(Err(MemberRefusal::NameTaken));
                }
            }
            let changeset = MemberChangeset::of(changes.clone())?;
            diesel::update(profile_members::table.find(member.id)).set(&changeset).execute(conn)?;
            if let Some(hash) = &new_avatar {
                remember_image(conn, member.id, hash)?;
            }
            let id = MemberKey::Id(member.member_id());
            find_member(conn, &id)?.map(Ok).ok_or(StoreError::NotFound)
        });
        match outcome {
            Err(e) => refusal_for_conflict(e).map(Err),
            ok => ok,
        }
    }

    /// The owner deletes their member; anyone else's is `UnknownMember`.
    pub fn delete_profile_member(
        &self,
        owner: UserId,
        key: MemberKey,
    ) -> Decided<(), MemberRefusal> {
        self.write(|conn| {
            let Some(member) = find_owned_member(conn, &key, owner)? else {
                return Ok(Err(MemberRefusal::UnknownMember));
            };
            diesel::delete(profile_members::table.find(member.id)).execute(conn)?;
            Ok(Ok(()))
        })
    }

    /// One page of `owner`'s members as `viewer` sees them, ascending by id; `None` if there is
    /// no such user. Others see the members that are not hidden, and none at all when the
    /// owner's list is private. An index range on `(owner_id, id)`: the cost is the page's.
    pub fn user_profile_members(
        &self,
        viewer: Option<UserId>,
        owner: UserId,
        page: MemberPage,
    ) -> Result<Option<Vec<ProfileMemberRecord>>, StoreError> {
        self.read(|conn| {
            let exists: i64 =
                crate::schema::users::table.find(owner.as_i64()).count().get_result(conn)?;
            if exists == 0 {
                return Ok(None);
            }
            let is_owner = viewer == Some(owner);
            if !is_owner && lists_privately(conn, owner.as_i64())? {
                return Ok(Some(Vec::new()));
            }
            Ok(Some(page_of_members(conn, owner, is_owner, page)?))
        })
    }

    /// Whether `member` ever had `hash` as its avatar.
    pub fn member_has_image(&self, member: Snowflake, hash: &str) -> Result<bool, StoreError> {
        let mut conn = self.conn()?;
        let n: i64 = profile_member_images::table
            .find((member.as_i64(), hash))
            .count()
            .get_result(&mut conn)?;
        Ok(n > 0)
    }
}

/// The members `owner`'s profile shows (its `members`): the first
/// [`MAX_PROFILE_MEMBERS`] by id that are not hidden — for the owner too, as pronouns.cc's
/// profile lists them; the full list, hidden ones included for the owner, is
/// `GET /users/{user_id}/members` — and none for others when the owner's list is private.
pub(crate) fn members_on_profile(
    conn: &mut AnyConnection,
    owner: UserId,
    viewer_is_owner: bool,
) -> QueryResult<Vec<ProfileMemberRecord>> {
    if !viewer_is_owner && lists_privately(conn, owner.as_i64())? {
        return Ok(Vec::new());
    }
    // A small constant (50): the cast cannot truncate.
    let page = MemberPage { before: None, after: None, limit: MAX_PROFILE_MEMBERS as i64 };
    page_of_members(conn, owner, false, page)
}

/// Turns every status of `owner`'s members that names none of `preferences` into `okay`: the
/// owner deleted that custom preference (`update_user`, in its transaction, under the owner's
/// row lock, which member writes take too). Only the members that change are written.
pub(crate) fn reset_member_statuses(
    conn: &mut AnyConnection,
    owner: UserId,
    preferences: &CustomPreferences,
) -> Result<(), StoreError> {
    let members: Vec<ProfileMemberRecord> = profile_members::table
        .filter(profile_members::owner_id.eq(owner.as_i64()))
        .select(ProfileMemberRecord::as_select())
        .load(conn)?;
    for mut member in members {
        let changed = reset_unknown_statuses(
            &mut member.names.0,
            &mut member.pronoun_entries.0,
            &mut member.fields.0,
            preferences,
        );
        if changed {
            diesel::update(profile_members::table.find(member.id))
                .set((
                    profile_members::names.eq(to_json(&member.names.0)?),
                    profile_members::pronoun_entries.eq(to_json(&member.pronoun_entries.0)?),
                    profile_members::fields.eq(to_json(&member.fields.0)?),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// With `before`, the page that ends just before it; otherwise the page that starts just after
/// `after` (as `Store::my_guilds`).
fn page_of_members(
    conn: &mut AnyConnection,
    owner: UserId,
    with_hidden: bool,
    page: MemberPage,
) -> QueryResult<Vec<ProfileMemberRecord>> {
    on_backend!(conn, |c| {
        let mut query = profile_members::table
            .filter(profile_members::owner_id.eq(owner.as_i64()))
            .select(ProfileMemberRecord::as_select())
            .limit(page.limit)
            .into_boxed();
        if !with_hidden {
            query = query.filter(profile_members::hidden.eq(false));
        }
        if let Some(after) = page.after {
            query = query.filter(profile_members::id.gt(after.as_i64()));
        }
        if let Some(before) = page.before {
            let mut rows: Vec<ProfileMemberRecord> = query
                .filter(profile_members::id.lt(before.as_i64()))
                .order(profile_members::id.desc())
                .load(c)?;
            rows.reverse();
            Ok(rows)
        } else {
            query.order(profile_members::id.asc()).load(c)
        }
    })
}
