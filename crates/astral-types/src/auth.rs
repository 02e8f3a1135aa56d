//! Account creation and sessions: `/auth/register`, `/auth/login`, `/auth/logout`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::UserId;

/// `POST /auth/register`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RegisterRequest {
    #[schema(min_length = 2, max_length = 32, pattern = "^[A-Za-z0-9_.-]+$")]
    pub username: String,
    #[schema(min_length = 8, max_length = 256)]
    pub password: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, max_length = 254, format = Email)]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, min_length = 1, max_length = 32)]
    pub global_name: Option<String>,
}

/// `POST /auth/login`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// Username or email.
    pub login: String,
    pub password: String,
}

/// A freshly issued token. It is shown once; Astral keeps only a hash of its secret part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    pub token: String,
    pub user_id: UserId,
}
