//! `/users/@me/flags`: the caller's pride flag library (pronouns.cc's flags). User accounts
//! only: bots get 403 / 20001 (a bot has no pronouns.cc profile to show flags on). A flag of
//! another user is unknown to the caller (404 / 10080), exactly as an id nobody has.

pub mod create_pride_flag;
pub mod delete_pride_flag;
pub mod list_my_pride_flags;
pub mod update_pride_flag;

use astral_store::PrideFlagRefusal;

use astral_types::ErrorBody;

use crate::error::{ApiError, ErrorKind};

pub(crate) fn unknown_pride_flag() -> ApiError {
    ApiError::new(ErrorKind::UnknownPrideFlag)
}

/// [`unknown_pride_flag`] as the operations on one of the caller's flags document it.
#[derive(utoipa::IntoResponses)]
#[response(status = 404, description = "No such flag of the caller's (10080).")]
pub struct UnknownPrideFlag(pub ErrorBody);

snowflake_in_path!(
    /// The flag id in a path; one that is not a snowflake names no flag (404 / 10080).
    Flag = ["flag_id"], "The flag's id.", else unknown_pride_flag
);

/// What a refused flag use case answers. The selection's refusals are answered by
/// `PATCH /users/@me` as field errors under `pride_flags`, where the profile reads them.
pub(crate) fn pride_flag_refused(refusal: PrideFlagRefusal) -> ApiError {
    match refusal {
        PrideFlagRefusal::TooManyFlags => ApiError::new(ErrorKind::TooManyPrideFlags),
        PrideFlagRefusal::UnknownFlag
        | PrideFlagRefusal::TooManySelected
        | PrideFlagRefusal::NotYourFlag { .. }
        | PrideFlagRefusal::Duplicate { .. } => unknown_pride_flag(),
    }
}
