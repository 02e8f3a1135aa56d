//! `/invites/{code}`.

pub mod accept_invite;
