//! `/users/*`.

pub mod get_my_user;
pub mod get_user;
pub mod get_user_profile;
pub mod update_my_user;
