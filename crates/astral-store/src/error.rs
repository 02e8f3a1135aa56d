//! What can go wrong in the store, sorted by what the caller should do about it. SQL text and
//! driver messages stay in `Internal`/`Connect` for the log; they are never sent to a client.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::conn::Backend;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row the operation needs does not exist.
    #[error("not found")]
    NotFound,
    /// A unique column already holds this value.
    #[error("{0} is already taken")]
    Conflict(UniqueField),
    /// Concurrent transactions got in each other's way (deadlock, serialization failure): the
    /// transaction was rolled back and running it again will succeed.
    #[error("concurrent transactions conflicted: {0}")]
    Contention(String),
    /// The database is busy, locked or unreachable right now; retrying later may succeed.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The database could not be reached at all (bad URL, server down, file not writable).
    #[error("cannot connect to {}: {message}", backend.name())]
    Connect { backend: Backend, message: String },
    /// The configuration is wrong (e.g. an unsupported URL scheme).
    #[error("{0}")]
    Config(String),
    /// Anything else: a bug or a broken database.
    #[error("database error: {0}")]
    Internal(String),
}

/// The unique columns a client can collide with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueField {
    Username,
    Email,
    /// `sid`: the store retries with another short id, so this never reaches a client.
    ShortId,
    /// A member name its owner already uses (ignoring case).
    MemberName,
    /// A member short id (drawn again).
    MemberSid,
    Other,
}

impl std::fmt::Display for UniqueField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            UniqueField::Username => "username",
            UniqueField::Email => "email",
            UniqueField::ShortId => "short id",
            UniqueField::MemberName => "member name",
            UniqueField::MemberSid => "member short id",
            UniqueField::Other => "value",
        })
    }
}

impl From<DieselError> for StoreError {
    fn from(e: DieselError) -> Self {
        let error = StoreError::from_diesel(e);
        // The connection that failed may be gone, and its siblings with it (a restart).
        if matches!(error, StoreError::Unavailable(_) | StoreError::Internal(_)) {
            crate::conn::doubt_connections();
        }
        error
    }
}

impl StoreError {
    fn from_diesel(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => StoreError::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                // PostgreSQL names the constraint; SQLite says "UNIQUE constraint failed: users.username_key".
                let text = format!("{} {}", info.constraint_name().unwrap_or(""), info.message());
                // Member keys first: `profile_members_name_key` ends like other key names.
                let field = if text.contains("profile_members_name_key")
                    || text.contains("profile_members.name_key")
                {
                    UniqueField::MemberName
                } else if text.contains("profile_members_sid_key")
                    || text.contains("profile_members.sid")
                {
                    UniqueField::MemberSid
                } else if text.contains("username_key") {
                    UniqueField::Username
                } else if text.contains("email_key") {
                    UniqueField::Email
                } else if text.contains("users_sid") || text.contains("users.sid") {
                    UniqueField::ShortId
                } else {
                    UniqueField::Other
                };
                StoreError::Conflict(field)
            }
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, info) => {
                StoreError::Contention(info.message().to_owned())
            }
            DieselError::DatabaseError(_, info) if info.message().contains("deadlock detected") => {
                StoreError::Contention(info.message().to_owned())
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                StoreError::Unavailable(info.message().to_owned())
            }
            DieselError::DatabaseError(_, info) if is_transient(info.message()) => {
                StoreError::Unavailable(info.message().to_owned())
            }
            other => StoreError::Internal(other.to_string()),
        }
    }
}

/// SQLite reports lock contention and a database file that went away as plain errors;
/// PostgreSQL reports a shutting-down server, a lost connection or a statement that ran out of
/// time. All of them are worth a retry, none of them is a bug.
fn is_transient(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    TRANSIENT_MESSAGES.iter().any(|transient| m.contains(transient))
}

/// What the messages of [`is_transient`]'s errors contain, lowercased.
const TRANSIENT_MESSAGES: [&str; 14] = [
    "database is locked",
    "database is busy",
    "database table is locked",
    "terminating connection",
    "the database system is",
    "server closed the connection",
    "no connection to the server",
    "could not receive data from server",
    "could not send data to server",
    "canceling statement due to statement timeout",
    "canceling statement due to lock timeout",
    // SQLite: the file was removed or renamed under an open connection
    // (SQLITE_READONLY_DBMOVED), or cannot be opened or read any more.
    "attempt to write a readonly database",
    "unable to open database file",
    "disk i/o error",
];

impl From<r2d2::Error> for StoreError {
    /// r2d2 only fails a checkout when no connection became available in time.
    fn from(e: r2d2::Error) -> Self {
        StoreError::Unavailable(e.to_string())
    }
}
