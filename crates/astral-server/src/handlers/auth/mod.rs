//! `/auth/*`: creating accounts and sessions.

pub mod login;
pub mod logout;
pub mod register;
// issue 16 D
pub(crate) mod lifecycle;
// issue 16 B
pub mod forgot_password;
pub mod resend_verification_email;
pub mod reset_password;
pub mod verify_email;
// issue 16 C-l
pub mod verify_mfa_login;
