//! `/auth/*`: creating accounts and sessions.

pub mod login;
pub mod logout;
pub mod register;
