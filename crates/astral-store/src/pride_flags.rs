//! Pride flags: a user's flag library (create, list, edit, delete, capped per user) and the
//! ordered selection of them that their profile shows. One method per use case, each deciding
//! inside one transaction.

use std::collections::HashSet;

use astral_types::pride_flag::MAX_PROFILE_PRIDE_FLAGS;
use astral_types::{Snowflake, UserId};
use diesel::prelude::*;

use crate::conn::{lock_rows, user_at_cap, LockedRows};
use crate::schema::{pride_flags, user_pride_flags};
use crate::{AnyConnection, Decided, Store, StoreError};

/// A stored pride flag.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = pride_flags)]
pub struct PrideFlagRecord {
    pub id: i64,
    pub user_id: i64,
    pub hash: String,
    pub name: String,
    pub description: Option<String>,
}

owned_record_ids!(PrideFlagRecord { flag_id: id, owner: user_id });

/// A flag to create: its normalised image's hash (the image is stored before), name and
/// description, as checked by `astral_types::pride_flag`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPrideFlagRecord {
    pub hash: String,
    pub name: String,
    pub description: Option<String>,
}

/// An edit: `None` leaves a column alone, `Some(None)` clears the description.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrideFlagEdit {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
}

/// Why a pride flag use case did not happen, decided in the transaction that would have acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrideFlagRefusal {
    /// No such flag, or another user's (which is the same to the caller: 404).
    UnknownFlag,
    /// The user has the maximum number of flags already.
    TooManyFlags,
    /// The selection names more than [`MAX_PROFILE_PRIDE_FLAGS`] flags.
    TooManySelected,
    /// The selection's id at `index` is not one of the user's flags.
    NotYourFlag { index: usize },
    /// The selection's id at `index` was named earlier in the list already.
    Duplicate { index: usize },
}

fn flag_count(conn: &mut AnyConnection, user: UserId) -> QueryResult<i64> {
    pride_flags::table.filter(pride_flags::user_id.eq(user.as_i64())).count().get_result(conn)
}

/// `flag` if it is `user`'s.
fn own_flag(
    conn: &mut AnyConnection,
    user: UserId,
    flag: Snowflake,
) -> QueryResult<Option<PrideFlagRecord>> {
    pride_flags::table
        .find(flag.as_i64())
        .filter(pride_flags::user_id.eq(user.as_i64()))
        .select(PrideFlagRecord::as_select())
        .get_result(conn)
        .optional()
}

impl Store {
    /// Creates a flag for `user`, unless they have `max_flags` already (counted under the
    /// user's row lock, so concurrent creations cannot pass the cap together).
    pub fn create_pride_flag(
        &self,
        user: UserId,
        new: NewPrideFlagRecord,
        max_flags: i64,
    ) -> Decided<PrideFlagRecord, PrideFlagRefusal> {
        let record = PrideFlagRecord {
            id: self.ids.next_id().as_i64(),
            user_id: user.as_i64(),
            hash: new.hash,
            name: new.name,
            description: new.description,
        };
        self.write(|conn| {
            if user_at_cap(conn, user, max_flags, flag_count)? {
                return Ok(Err(PrideFlagRefusal::TooManyFlags));
            }
            diesel::insert_into(pride_flags::table)
                .values((
                    pride_flags::id.eq(record.id),
                    pride_flags::user_id.eq(record.user_id),
                    pride_flags::hash.eq(&record.hash),
                    pride_flags::name.eq(&record.name),
                    pride_flags::description.eq(&record.description),
                ))
                .execute(conn)?;
            Ok(Ok(record))
        })
    }

    /// `user`'s flags, oldest first. Bounded by the cap on creation.
    pub fn pride_flags(&self, user: UserId) -> Result<Vec<PrideFlagRecord>, StoreError> {
        let mut conn = self.conn()?;
        Ok(pride_flags::table
            .filter(pride_flags::user_id.eq(user.as_i64()))
            .order(pride_flags::id.asc())
            .select(PrideFlagRecord::as_select())
            .load(&mut conn)?)
    }

    /// Edits `user`'s flag `flag`; another user's flag is unknown.
    pub fn update_pride_flag(
        &self,
        user: UserId,
        flag: Snowflake,
        edit: PrideFlagEdit,
    ) -> Decided<PrideFlagRecord, PrideFlagRefusal> {
        self.write(|conn| {
            let Some(mut record) = own_flag(conn, user, flag)? else {
                return Ok(Err(PrideFlagRefusal::UnknownFlag));
            };
            if let Some(name) = edit.name {
                record.name = name;
            }
            if let Some(description) = edit.description {
                record.description = description;
            }
            diesel::update(pride_flags::table.find(record.id))
                .set((
                    pride_flags::name.eq(&record.name),
                    pride_flags::description.eq(&record.description),
                ))
                .execute(conn)?;
            Ok(Ok(record))
        })
    }

    /// Deletes `user`'s flag `flag`, and with it its place in their profile's selection.
    pub fn delete_pride_flag(
        &self,
        user: UserId,
        flag: Snowflake,
    ) -> Decided<(), PrideFlagRefusal> {
        self.write(|conn| {
            // The foreign key cascades too; said here so the rule does not rest on it alone.
            diesel::delete(
                user_pride_flags::table
                    .filter(user_pride_flags::user_id.eq(user.as_i64()))
                    .filter(user_pride_flags::flag_id.eq(flag.as_i64())),
            )
            .execute(conn)?;
            let deleted = diesel::delete(
                pride_flags::table
                    .find(flag.as_i64())
                    .filter(pride_flags::user_id.eq(user.as_i64())),
            )
            .execute(conn)?;
            Ok(if deleted == 0 { Err(PrideFlagRefusal::UnknownFlag) } else { Ok(()) })
        })
    }

    /// Replaces the flags `user`'s profile shows with `ids`, in that order. Refuses (and
    /// changes nothing) when there are more than [`MAX_PROFILE_PRIDE_FLAGS`], or when an id
    /// is not one of the user's flags or repeats an earlier one, naming the first such index.
    /// `PATCH /users/@me` applies the same rules inside its own transaction (`update_user`).
    pub fn set_profile_pride_flags(
        &self,
        user: UserId,
        ids: &[Snowflake],
    ) -> Decided<(), PrideFlagRefusal> {
        self.write(|conn| {
            lock_rows(conn, LockedRows::Users, &[user.as_i64()])?;
            if let Some(refusal) = selection_refusals(conn, user, ids)?.into_iter().next() {
                return Ok(Err(refusal));
            }
            replace_selection(conn, user, ids)?;
            Ok(Ok(()))
        })
    }

    /// The flags `user`'s profile shows, in their order.
    pub fn profile_pride_flags(&self, user: UserId) -> Result<Vec<PrideFlagRecord>, StoreError> {
        self.read(|conn| Ok(selected_flags(conn, user)?))
    }

    /// Whether some user's flag has the image `hash` (the CDN route serves only those).
    pub fn pride_flag_image_exists(&self, hash: &str) -> Result<bool, StoreError> {
        let mut conn = self.conn()?;
        let n = pride_flags::table
            .filter(pride_flags::hash.eq(hash))
            .select(pride_flags::id)
            .limit(1)
            .load::<i64>(&mut conn)?
            .len();
        Ok(n > 0)
    }
}

/// Every reason `ids` cannot be `user`'s selection, in index order (empty: it can): too many,
/// or for each index an id that is not one of the user's flags or repeats an earlier one. The
/// caller holds the user's row lock, so a flag deleted concurrently is either gone before
/// this check or removed (by the delete's transaction and its cascade) after the write.
pub(crate) fn selection_refusals(
    conn: &mut AnyConnection,
    user: UserId,
    ids: &[Snowflake],
) -> QueryResult<Vec<PrideFlagRefusal>> {
    if ids.len() > MAX_PROFILE_PRIDE_FLAGS {
        return Ok(vec![PrideFlagRefusal::TooManySelected]);
    }
    let wanted: Vec<i64> = ids.iter().map(|id| id.as_i64()).collect();
    let owned: HashSet<i64> = pride_flags::table
        .filter(pride_flags::user_id.eq(user.as_i64()))
        .filter(pride_flags::id.eq_any(&wanted))
        .select(pride_flags::id)
        .load::<i64>(conn)?
        .into_iter()
        .collect();
    let mut seen = HashSet::new();
    let mut refusals = Vec::new();
    for (index, id) in wanted.iter().enumerate() {
        if !owned.contains(id) {
            refusals.push(PrideFlagRefusal::NotYourFlag { index });
        } else if !seen.insert(*id) {
            refusals.push(PrideFlagRefusal::Duplicate { index });
        }
    }
    Ok(refusals)
}

/// Replaces `user`'s selection with `ids` (checked by [`selection_refusals`]).
pub(crate) fn replace_selection(
    conn: &mut AnyConnection,
    user: UserId,
    ids: &[Snowflake],
) -> QueryResult<()> {
    diesel::delete(user_pride_flags::table.filter(user_pride_flags::user_id.eq(user.as_i64())))
        .execute(conn)?;
    // At most MAX_PROFILE_PRIDE_FLAGS rows (checked before), so the position fits an i32;
    // one statement each keeps to what both backends insert alike.
    for (position, id) in ids.iter().enumerate() {
        diesel::insert_into(user_pride_flags::table)
            .values((
                user_pride_flags::user_id.eq(user.as_i64()),
                user_pride_flags::position.eq(position as i32),
                user_pride_flags::flag_id.eq(id.as_i64()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The flags `user`'s profile shows, in their order (at most [`MAX_PROFILE_PRIDE_FLAGS`]).
pub(crate) fn selected_flags(
    conn: &mut AnyConnection,
    user: UserId,
) -> QueryResult<Vec<PrideFlagRecord>> {
    on_backend!(conn, |c| user_pride_flags::table
        .inner_join(pride_flags::table)
        .filter(user_pride_flags::user_id.eq(user.as_i64()))
        .order(user_pride_flags::position.asc())
        .select(PrideFlagRecord::as_select())
        .load(c))
}
