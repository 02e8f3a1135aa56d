//! Single-use secrets mailed to a user or handed back for the next step (issue 16 B): email
//! verification tokens, email-change codes and the `email_token` they turn into, password-reset
//! tokens. Only a SHA-256 of each secret is stored (the server computes it: `crate::` never sees
//! a secret), under a unique index, so a presented token is one indexed lookup. At most one
//! live row per (user, kind): issuing replaces the old one (a unique index holds it). A secret
//! is deleted when used; dead ones are purged.

use astral_types::{TokenId, UserId};
use diesel::prelude::*;

use crate::conn::{lock_rows, LockedRows};
use crate::schema::{account_secrets, users};
use crate::users::fold_case;
use crate::{AnyConnection, Decided, Store, StoreError};

/// What a secret is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    /// `POST /auth/verify`'s token; `detail` holds the address it was mailed to.
    EmailVerify,
    /// The 6-digit code of `PUT /users/@me/email`.
    EmailChangeCode,
    /// The `email_token` `PATCH /users/@me` takes to change a verified address.
    EmailChangeToken,
    /// `POST /auth/reset`'s token.
    PasswordReset,
    // issue 16 C
    /// The `ticket` a login answers when the account has MFA on, for `POST /auth/mfa/totp`.
    MfaLoginTicket,
    // issue 16 C-l
    /// The `ticket` `POST /auth/reset` answers when the account has MFA on, for the reset's
    /// second request (a kind of its own: it proves the mailed token, not the password, so it
    /// must not finish a login).
    MfaResetTicket,
    /// The `ticket` of an MFA-required answer (60003), for `POST /mfa/finish`.
    MfaTicket,
    /// The token `POST /mfa/finish` answers, sent back as `X-Discord-MFA-Authorization`.
    MfaAuthorization,
}

impl SecretKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SecretKind::EmailVerify => "email_verify",
            SecretKind::EmailChangeCode => "email_change_code",
            SecretKind::EmailChangeToken => "email_change_token",
            SecretKind::PasswordReset => "password_reset",
            SecretKind::MfaLoginTicket => "mfa_login_ticket",
            SecretKind::MfaTicket => "mfa_ticket",
            SecretKind::MfaAuthorization => "mfa_authorization",
            // issue 16 C-l
            SecretKind::MfaResetTicket => "mfa_reset_ticket",
        }
    }
}

/// Wrong email-change codes before the code is gone.
pub const MAX_CODE_ATTEMPTS: i32 = 5;

/// A stored secret (its hash only).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = account_secrets)]
pub struct AccountSecret {
    pub id: i64,
    pub user_id: i64,
    pub kind: String,
    pub secret_hash: String,
    pub detail: Option<String>,
    pub expires_ms: i64,
    pub attempts: i32,
}

impl AccountSecret {
    pub fn user(&self) -> UserId {
        UserId::from_i64(self.user_id)
    }
}

/// A secret to issue: its kind, hash, detail and expiry (epoch ms).
#[derive(Debug, Clone, Copy)]
pub struct NewSecret<'a> {
    pub kind: SecretKind,
    pub secret_hash: &'a str,
    pub detail: Option<&'a str>,
    pub expires_ms: i64,
}

/// Why a mail about the account's address is not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailRefusal {
    /// The account has no email address.
    NoEmail,
    /// `POST /auth/verify/resend`: the address is already verified.
    AlreadyVerified,
    /// `PUT /users/@me/email`: the address is not verified (change it with the password).
    NotVerified,
    /// The account is gone.
    NoSuchUser,
}

/// Issues `new` for `user`, replacing the user's live secret of that kind.
pub fn issue_secret(
    conn: &mut AnyConnection,
    id: i64,
    user: UserId,
    new: NewSecret<'_>,
) -> QueryResult<()> {
    diesel::delete(
        account_secrets::table
            .filter(account_secrets::user_id.eq(user.as_i64()))
            .filter(account_secrets::kind.eq(new.kind.as_str())),
    )
    .execute(conn)?;
    diesel::insert_into(account_secrets::table)
        .values((
            account_secrets::id.eq(id),
            account_secrets::user_id.eq(user.as_i64()),
            account_secrets::kind.eq(new.kind.as_str()),
            account_secrets::secret_hash.eq(new.secret_hash),
            account_secrets::detail.eq(new.detail),
            account_secrets::expires_ms.eq(new.expires_ms),
            account_secrets::attempts.eq(0),
        ))
        .execute(conn)?;
    Ok(())
}

/// Uses up the secret of `kind` with this hash: deletes it and answers it if it was live
/// (`None` for an unknown, expired or concurrently used one; an expired one is deleted too).
pub fn consume_secret(
    conn: &mut AnyConnection,
    kind: SecretKind,
    secret_hash: &str,
    now_ms: i64,
) -> QueryResult<Option<AccountSecret>> {
    let Some(found) = account_secrets::table
        .filter(account_secrets::secret_hash.eq(secret_hash))
        .filter(account_secrets::kind.eq(kind.as_str()))
        .select(AccountSecret::as_select())
        .get_result(conn)
        .optional()?
    else {
        return Ok(None);
    };
    // The delete decides: of two concurrent uses, one deletes the row and the other nothing.
    let deleted = diesel::delete(account_secrets::table.find(found.id)).execute(conn)?;
    Ok((deleted == 1 && found.expires_ms > now_ms).then_some(found))
}

/// The live secret of `kind` with this hash, without using it up.
pub fn peek_secret(
    conn: &mut AnyConnection,
    kind: SecretKind,
    secret_hash: &str,
    now_ms: i64,
) -> QueryResult<Option<AccountSecret>> {
    account_secrets::table
        .filter(account_secrets::secret_hash.eq(secret_hash))
        .filter(account_secrets::kind.eq(kind.as_str()))
        .filter(account_secrets::expires_ms.gt(now_ms))
        .select(AccountSecret::as_select())
        .get_result(conn)
        .optional()
}

/// Counts a wrong try against a secret; answers the tries so far.
pub fn bump_attempt(conn: &mut AnyConnection, id: i64) -> QueryResult<i32> {
    diesel::update(account_secrets::table.find(id))
        .set(account_secrets::attempts.eq(account_secrets::attempts + 1))
        .execute(conn)?;
    account_secrets::table.find(id).select(account_secrets::attempts).get_result(conn)
}

/// Deletes every dead secret; answers how many.
pub fn purge_expired(conn: &mut AnyConnection, now_ms: i64) -> QueryResult<usize> {
    diesel::delete(account_secrets::table.filter(account_secrets::expires_ms.le(now_ms)))
        .execute(conn)
}

/// Uses up `user`'s `email_token` (kind `email_change_token`) with this hash, inside the
/// caller's transaction: `true` when it was live and is now gone. For `PATCH /users/@me`
/// changing a verified address (the hash as the server's `mail::email_token_hash` makes it).
pub fn take_email_token(
    conn: &mut AnyConnection,
    user: UserId,
    secret_hash: &str,
    now_ms: i64,
) -> QueryResult<bool> {
    let deleted = diesel::delete(
        account_secrets::table
            .filter(account_secrets::user_id.eq(user.as_i64()))
            .filter(account_secrets::kind.eq(SecretKind::EmailChangeToken.as_str()))
            .filter(account_secrets::secret_hash.eq(secret_hash))
            .filter(account_secrets::expires_ms.gt(now_ms)),
    )
    .execute(conn)?;
    Ok(deleted == 1)
}

/// Equal strings, compared in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// An account's address as the mail use cases read it.
struct AccountEmail {
    email: Option<String>,
    verified: bool,
    bot: bool,
}

/// The account's address and whether it is verified, under the row lock; `NoSuchUser` if gone.
fn locked_email(conn: &mut AnyConnection, user: UserId) -> Decided<AccountEmail, EmailRefusal> {
    lock_rows(conn, LockedRows::Users, &[user.as_i64()])?;
    let found = users::table
        .find(user.as_i64())
        .select((users::email, users::verified, users::bot))
        .get_result::<(Option<String>, bool, bool)>(conn)
        .optional()?;
    Ok(found
        .map(|(email, verified, bot)| AccountEmail { email, verified, bot })
        .ok_or(EmailRefusal::NoSuchUser))
}

impl Store {
    /// Issues a secret of `kind` for `user` (replacing the live one of that kind) and answers
    /// the address to mail it to, in one write under the account's row lock: `mail_to` decides
    /// from the account's address as it is then whether a mail goes, and to which address (or
    /// why not); nothing is issued when it refuses, nor when the account is gone (`NoSuchUser`).
    /// A verification token records the address it is mailed to (`POST /auth/verify` checks
    /// it is still the account's).
    fn issue_mailed_secret(
        &self,
        user: UserId,
        kind: SecretKind,
        secret_hash: &str,
        expires_ms: i64,
        mail_to: impl FnOnce(AccountEmail) -> Result<String, EmailRefusal>,
    ) -> Decided<String, EmailRefusal> {
        let id = self.ids.next_id().as_i64();
        self.write(|conn| {
            let email = match locked_email(conn, user)?.and_then(mail_to) {
                Ok(email) => email,
                Err(refusal) => return Ok(Err(refusal)),
            };
            let detail = (kind == SecretKind::EmailVerify).then_some(email.as_str());
            issue_secret(conn, id, user, NewSecret { kind, secret_hash, detail, expires_ms })?;
            Ok(Ok(email))
        })
    }

    /// Issues a verification token for `user`'s unverified address (replacing any earlier
    /// one); answers the address to mail it to.
    pub fn issue_email_verification(
        &self,
        user: UserId,
        secret_hash: &str,
        expires_ms: i64,
    ) -> Decided<String, EmailRefusal> {
        self.issue_mailed_secret(user, SecretKind::EmailVerify, secret_hash, expires_ms, |found| {
            match found {
                AccountEmail { email: None, .. } => Err(EmailRefusal::NoEmail),
                AccountEmail { verified: true, .. } => Err(EmailRefusal::AlreadyVerified),
                AccountEmail { email: Some(email), .. } => Ok(email),
            }
        })
    }

    /// Issues an email-change code for `user`, whose address must be verified; answers the
    /// address to mail it to.
    pub fn issue_email_change_code(
        &self,
        user: UserId,
        code_hash: &str,
        expires_ms: i64,
    ) -> Decided<String, EmailRefusal> {
        let kind = SecretKind::EmailChangeCode;
        self.issue_mailed_secret(user, kind, code_hash, expires_ms, |found| {
            found.email.filter(|_| found.verified).ok_or(EmailRefusal::NotVerified)
        })
    }

    /// Checks `user`'s email-change code. Right: the code is used up and an `email_token`
    /// (`token`) issued in its place; `true`. Wrong: the try is counted, and the
    /// [`MAX_CODE_ATTEMPTS`]th wrong one deletes the code; `false`, as for no live code.
    pub fn redeem_email_change_code(
        &self,
        user: UserId,
        code_hash: &str,
        now_ms: i64,
        token: NewSecret<'_>,
    ) -> Result<bool, StoreError> {
        let id = self.ids.next_id().as_i64();
        self.write(|conn| {
            lock_rows(conn, LockedRows::Users, &[user.as_i64()])?;
            let found = account_secrets::table
                .filter(account_secrets::user_id.eq(user.as_i64()))
                .filter(account_secrets::kind.eq(SecretKind::EmailChangeCode.as_str()))
                .select(AccountSecret::as_select())
                .get_result(conn)
                .optional()?;
            let Some(found) = found else { return Ok(false) };
            if found.expires_ms <= now_ms {
                diesel::delete(account_secrets::table.find(found.id)).execute(conn)?;
                return Ok(false);
            }
            if !same(&found.secret_hash, code_hash) {
                if bump_attempt(conn, found.id)? >= MAX_CODE_ATTEMPTS {
                    diesel::delete(account_secrets::table.find(found.id)).execute(conn)?;
                }
                return Ok(false);
            }
            diesel::delete(account_secrets::table.find(found.id)).execute(conn)?;
            issue_secret(conn, id, user, token)?;
            Ok(true)
        })
    }

    /// `POST /auth/verify`: uses up the verification token; when the address it was mailed to
    /// is still the account's, marks it verified and records a new session token (`session`:
    /// the hash of its secret and its client; none when the account has two-factor
    /// authentication on). `None` for a dead token, one that is not `user`'s, or a changed
    /// address (the token is used up either way).
    pub fn verify_email(
        &self,
        secret_hash: &str,
        now_ms: i64,
        user: UserId,
        session: Option<(&str, crate::SessionClient)>,
    ) -> Result<Option<UserId>, StoreError> {
        let token_id = TokenId(self.ids.next_id());
        self.write(|conn| {
            let Some(secret) = consume_secret(conn, SecretKind::EmailVerify, secret_hash, now_ms)?
            else {
                return Ok(None);
            };
            if secret.user() != user {
                return Ok(None);
            }
            lock_rows(conn, LockedRows::Users, &[user.as_i64()])?;
            if crate::lifecycle::lifecycle_of(conn, user)?.and_then(|l| l.refusal()).is_some() {
                return Ok(None);
            }
            let current = users::table
                .find(user.as_i64())
                .select(users::email_key)
                .get_result::<Option<String>>(conn)
                .optional()?
                .flatten();
            let mailed = secret.detail.as_deref().map(fold_case);
            if current.is_none() || current != mailed {
                return Ok(None);
            }
            diesel::update(users::table.find(user.as_i64()))
                .set(users::verified.eq(true))
                .execute(conn)?;
            if let Some((token_hash, client)) = &session {
                crate::sessions::insert_session_token(
                    conn, token_id, user, token_hash, client, now_ms,
                )?;
            }
            Ok(Some(user))
        })
    }

    /// Whose live secret of `kind` this is, without using it up.
    pub fn live_secret_owner(
        &self,
        kind: SecretKind,
        secret_hash: &str,
        now_ms: i64,
    ) -> Result<Option<UserId>, StoreError> {
        let mut conn = self.conn()?;
        Ok(peek_secret(&mut conn, kind, secret_hash, now_ms)?.map(|s| s.user()))
    }

    /// `POST /auth/forgot`: the person `login` names (username or email, ignoring case) and
    /// their address, if they have one. Bots have no password to reset.
    pub fn password_reset_account(
        &self,
        login: &str,
    ) -> Result<Option<(UserId, String)>, StoreError> {
        let key = fold_case(login);
        let mut conn = self.conn()?;
        let found = users::table
            .filter(users::username_key.eq(&key).or(users::email_key.eq(&key)))
            .filter(users::bot.eq(false))
            .select((users::id, users::email))
            .first::<(i64, Option<String>)>(&mut conn)
            .optional()?;
        Ok(found.and_then(|(id, email)| Some((UserId::from_i64(id), email?))))
    }

    /// Issues a reset token for `user` (replacing an earlier one); answers the address to mail
    /// it to, `None` when the account has none (or is gone, or is a bot) meanwhile.
    pub fn issue_password_reset(
        &self,
        user: UserId,
        secret_hash: &str,
        expires_ms: i64,
    ) -> Result<Option<String>, StoreError> {
        let kind = SecretKind::PasswordReset;
        let issued = self.issue_mailed_secret(user, kind, secret_hash, expires_ms, |found| {
            // Which refusal does not matter: none is answered (`POST /auth/forgot` says the same
            // whatever happens).
            found.email.filter(|_| !found.bot).ok_or(EmailRefusal::NoEmail)
        })?;
        Ok(issued.ok())
    }

    /// `POST /auth/reset`, before the password is hashed: whose live reset token this is,
    /// with their username and email (the password rule's known words). Uses nothing up.
    pub fn password_reset_owner(
        &self,
        secret_hash: &str,
        now_ms: i64,
    ) -> Result<Option<(UserId, String, Option<String>)>, StoreError> {
        let mut conn = self.conn()?;
        let Some(secret) = peek_secret(&mut conn, SecretKind::PasswordReset, secret_hash, now_ms)?
        else {
            return Ok(None);
        };
        let found = users::table
            .find(secret.user_id)
            .select((users::username, users::email))
            .get_result::<(String, Option<String>)>(&mut conn)
            .optional()?;
        Ok(found.map(|(username, email)| (secret.user(), username, email)))
    }

    /// `POST /auth/reset`: in one transaction, uses up the reset token, sets the password
    /// hash, revokes every token of the account and records one new token (`token_hash`).
    /// `None` when the token is no longer live (used concurrently, or expired meanwhile).
    pub fn reset_password_with_token(
        &self,
        secret_hash: &str,
        now_ms: i64,
        password_hash: &str,
        token_hash: &str,
        client: crate::SessionClient,
    ) -> Result<Option<UserId>, StoreError> {
        let token_id = TokenId(self.ids.next_id());
        self.write(|conn| {
            let Some(secret) =
                consume_secret(conn, SecretKind::PasswordReset, secret_hash, now_ms)?
            else {
                return Ok(None);
            };
            let user = secret.user();
            lock_rows(conn, LockedRows::Users, &[user.as_i64()])?;
            // A disabled or deleting account is restored by logging in with `undelete`, not
            // by a reset: it gets no token here (the reset token is used up all the same).
            if crate::lifecycle::lifecycle_of(conn, user)?.and_then(|l| l.refusal()).is_some() {
                return Ok(None);
            }
            // The one way a password is replaced (PATCH /users/@me does the same): hash,
            // `password_last_changed_at`, every token revoked, one recorded.
            let change = crate::PasswordChange {
                password_hash: password_hash.to_owned(),
                now_ms,
                token_secret_hash: token_hash.to_owned(),
                client: client.clone(),
            };
            crate::accounts::replace_password(conn, user, token_id, &change)?;
            Ok(Some(user))
        })
    }

    // issue 16 C: tickets and the MFA authorization token.

    /// Issues `new` for `user`, replacing the user's live secret of that kind.
    pub fn issue_account_secret(&self, user: UserId, new: NewSecret<'_>) -> Result<(), StoreError> {
        let id = self.ids.next_id().as_i64();
        self.write(|conn| Ok(issue_secret(conn, id, user, new)?))
    }

    /// The live secret of `kind` with this hash, without using it up.
    pub fn live_secret(
        &self,
        kind: SecretKind,
        secret_hash: &str,
        now_ms: i64,
    ) -> Result<Option<AccountSecret>, StoreError> {
        let mut conn = self.conn()?;
        Ok(peek_secret(&mut conn, kind, secret_hash, now_ms)?)
    }

    /// Counts a wrong code against the secret `id` (a ticket); the [`MAX_CODE_ATTEMPTS`]th
    /// deletes it. Answers whether it is gone.
    pub fn count_wrong_code(&self, id: i64) -> Result<bool, StoreError> {
        self.write(|conn| {
            if bump_attempt(conn, id)? >= MAX_CODE_ATTEMPTS {
                diesel::delete(account_secrets::table.find(id)).execute(conn)?;
                return Ok(true);
            }
            Ok(false)
        })
    }

    /// Uses up the live secret of `kind` with this hash; answers whose it was (`None`: unknown,
    /// expired, or used concurrently).
    pub fn use_secret(
        &self,
        kind: SecretKind,
        secret_hash: &str,
        now_ms: i64,
    ) -> Result<Option<UserId>, StoreError> {
        self.write(|conn| Ok(consume_secret(conn, kind, secret_hash, now_ms)?.map(|s| s.user())))
    }

    /// Deletes every dead secret and outbox mail; answers how many of each.
    pub fn purge_expired_secrets(&self, now_ms: i64) -> Result<(usize, usize), StoreError> {
        self.write(|conn| {
            let secrets = purge_expired(conn, now_ms)?;
            let mails = crate::mail_outbox::purge_expired_mail(conn, now_ms)?;
            Ok((secrets, mails))
        })
    }
}
