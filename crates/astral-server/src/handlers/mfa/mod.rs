//! Two-factor authentication (issue 16 C, docs/accounts.md#two-factor-authentication): finishing
//! an MFA-required answer's ticket, and the account's TOTP authenticator and backup codes.

pub mod finish_mfa;
