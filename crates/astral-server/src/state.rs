//! What every handler can reach: the store and the validation rules from the configuration.

use std::sync::Arc;

use astral_media::ImageWorkers;
use astral_ratelimit::{Clock, Limiter};
use astral_store::{Store, StoreError};

use crate::error::{ApiError, ErrorKind};
use astral_types::rules::UsernameRule;

pub struct AppState {
    pub store: Arc<Store>,
    pub username_rule: UsernameRule,
    pub max_body_bytes: usize,
    /// `None` when rate limiting is switched off.
    pub limiter: Option<Arc<Limiter>>,
    /// Discord's friend limit (1000); lower in tests.
    pub max_friends: i64,
    /// Size limit of bodies without images, and the body-read deadline (`crate::body`).
    pub body: crate::body::BodyLimits,
    /// argon2 hashing/verification and the password strength check (`crate::auth`).
    pub password_pool: Arc<crate::pool::BoundedPool>,
    /// Parsing large JSON bodies (`crate::body`).
    pub json_pool: Arc<crate::pool::BoundedPool>,
    /// Uploaded avatars and banners, and where image work runs (its own threads, never the
    /// database's): upload validation, the media store, single-flight renders, the default
    /// avatar cache (docs/images.md). The media store is reached only through it.
    pub images: Arc<ImageWorkers>,
    /// The per-address limit on the CDN routes; `None` when off.
    pub image_rate_limit: Option<Arc<crate::handlers::images::AddressLimit>>,
    /// "Now" for the rules that depend on time (the short-id reroll's cooldown); tests move a
    /// `ManualClock` by hand.
    pub clock: Arc<dyn Clock>,
    /// Prometheus series of this instance (`crate::metrics`), served on the metrics listener.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Set when shutdown has begun (SIGTERM): `/readyz` answers 503 from then on.
    pub shutting_down: Arc<std::sync::atomic::AtomicBool>,
    // issue 16 D
    /// How long after `POST /users/@me/delete` the account is purged (`deletion_grace_hours`),
    /// in milliseconds.
    pub deletion_grace_ms: i64,
    /// Where account mail goes: SMTP or the outbox table (`crate::mail`; issue 16 B).
    pub mailer: Arc<crate::mail::Mailer>,
    // issue 16 C
    /// The key two-factor secrets are sealed with (`mfa_key`); `None`: MFA cannot be enabled.
    pub mfa_key: Option<crate::crypto::MfaKey>,
    /// Where a request hands its token's use for `GET /auth/sessions` (`crate::last_use`),
    /// written off the request path.
    pub last_use: crate::last_use::LastUseRecorder,
}

impl AppState {
    /// Runs blocking store work on actix's blocking thread pool, so the async workers never
    /// wait on the database. Store errors come back as they are, for the handler to map.
    pub async fn db<T, F>(&self, f: F) -> Result<Result<T, StoreError>, ApiError>
    where
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let store = Arc::clone(&self.store);
        actix_web::web::block(move || f(&store))
            .await
            .map_err(|e| ApiError::with_cause(ErrorKind::Internal, e))
    }

    /// Now, in milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        i64::try_from(self.clock.now_us() / 1000).unwrap_or(i64::MAX)
    }

    /// Like [`AppState::db`], for calls whose errors need no special mapping.
    pub async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&Store) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        Ok(self.db(f).await??)
    }

    /// Like [`AppState::run`], for a use case that answers its outcome or a refusal enum
    /// (`GuildRefusal`, …): the refusal is answered as `refused` maps it.
    pub async fn decide<T, R, F>(
        &self,
        f: F,
        refused: impl FnOnce(R) -> ApiError,
    ) -> Result<T, ApiError>
    where
        F: FnOnce(&Store) -> Result<Result<T, R>, StoreError> + Send + 'static,
        T: Send + 'static,
        R: Send + 'static,
    {
        self.run(f).await?.map_err(refused)
    }

    /// Like [`AppState::run`], for a read that may find nothing: nothing is answered as
    /// `missing` says (an unknown guild, member, user, …).
    pub async fn find<T, F>(&self, f: F, missing: impl FnOnce() -> ApiError) -> Result<T, ApiError>
    where
        F: FnOnce(&Store) -> Result<Option<T>, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        self.run(f).await?.ok_or_else(missing)
    }
}
