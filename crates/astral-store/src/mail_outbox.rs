//! Mail kept in the database when no SMTP server is configured (issue 16 B), for
//! `astral mail outbox`. A row holds the mailed secret in clear; it expires with that secret.

use diesel::prelude::*;

use crate::schema::mail_outbox;
use crate::{AnyConnection, Store, StoreError};

/// A mail in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = mail_outbox)]
pub struct OutboxMail {
    pub id: i64,
    pub recipient: String,
    /// `verify`, `email_change` or `reset`.
    pub kind: String,
    pub subject: String,
    pub body: String,
    /// Epoch ms: the secret it carries is dead from then on.
    pub expires_ms: i64,
}

/// A mail to keep.
#[derive(Debug, Clone)]
pub struct NewOutboxMail {
    pub recipient: String,
    pub kind: String,
    pub subject: String,
    pub body: String,
    pub expires_ms: i64,
}

/// The most mails `outbox` answers at once.
pub const OUTBOX_PAGE_MAX: i64 = 1000;

pub(crate) fn purge_expired_mail(conn: &mut AnyConnection, now_ms: i64) -> QueryResult<usize> {
    diesel::delete(mail_outbox::table.filter(mail_outbox::expires_ms.le(now_ms))).execute(conn)
}

impl Store {
    /// Keeps a mail in the outbox.
    pub fn add_outbox_mail(&self, mail: NewOutboxMail) -> Result<(), StoreError> {
        let id = self.ids.next_id().as_i64();
        let mut conn = self.conn()?;
        diesel::insert_into(mail_outbox::table)
            .values((
                mail_outbox::id.eq(id),
                mail_outbox::recipient.eq(mail.recipient),
                mail_outbox::kind.eq(mail.kind),
                mail_outbox::subject.eq(mail.subject),
                mail_outbox::body.eq(mail.body),
                mail_outbox::expires_ms.eq(mail.expires_ms),
            ))
            .execute(&mut conn)?;
        Ok(())
    }

    /// The live mails, oldest first (at most [`OUTBOX_PAGE_MAX`]); dead ones are deleted.
    /// With `take`, the mails answered are deleted too (each is handed out once).
    pub fn outbox(&self, now_ms: i64, take: bool) -> Result<Vec<OutboxMail>, StoreError> {
        self.write(|conn| {
            purge_expired_mail(conn, now_ms)?;
            let mails = mail_outbox::table
                .order(mail_outbox::id.asc())
                .limit(OUTBOX_PAGE_MAX)
                .select(OutboxMail::as_select())
                .load::<OutboxMail>(conn)?;
            if take {
                let ids: Vec<i64> = mails.iter().map(|m| m.id).collect();
                diesel::delete(mail_outbox::table.filter(mail_outbox::id.eq_any(ids)))
                    .execute(conn)?;
            }
            Ok(mails)
        })
    }
}
