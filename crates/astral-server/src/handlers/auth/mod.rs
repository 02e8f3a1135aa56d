//! `/auth/*`: creating accounts and sessions.

pub mod login;
pub mod logout;
pub mod register;
// issue 16 D
pub(crate) mod lifecycle;
