//! twilight-http and twilight-model against Astral: every check of issue #8, driven through
//! twilight's own API and model types, one printed line per check, non-zero exit on failure.
//!
//! The fixture (accounts, guilds, the server's address) comes from `ASTRAL_COMPAT_FIXTURE`,
//! written by `cargo xtask compat`. twilight is pointed at Astral with its proxy option:
//! `Client::builder().proxy("127.0.0.1:PORT", true)`, i.e. `http://127.0.0.1:PORT/api/v10/…`.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use http::header::{HeaderValue, AUTHORIZATION};
use serde::Deserialize;
use twilight_http::api_error::ApiError;
use twilight_http::error::ErrorType;
use twilight_http::request::{Method, Request, RequestBuilder};
use twilight_http::routing::Route;
use twilight_http::Client;
use twilight_http_ratelimiting::RateLimiter;
use twilight_model::channel::ChannelType;
use twilight_model::id::marker::{GuildMarker, UserMarker};
use twilight_model::id::Id;
use twilight_model::user::{PremiumType, User, UserFlags};

use support::{events, http_get, Checks, Fixture};

/// A 16×16 PNG; twilight takes the data URI as a string and sends it as is.
const AVATAR_PNG_BASE64: &str = "iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAYAAAAf8/9hAAABKklEQVR42hXMwaBtIQAAwINwEUIIIYQQQgghhBBCCKHlX4YQQgbvT4vZzvd9//5+BCKJTKHS6Awmi83h8n0/AYFIIlOoNDqDyWJzuL8XBAGBSCJTqDQ6g8lic7jhBVFAIJLIFCqNzmCy2BxufEESEIgkMoVKozOYLDaHm16QBQQiiUyh0ugMJovN4eYXFAGBSCJTqDQ6g8lic7jlBVVAIJLIFCqNzmCy2BxufUETEIgkMoVKozOYLDaH217QBQQiiUyh0ugMJovN4fYXDAGBSCJTqDQ6g8lic7jjBVNAIJLIFCqNzmCy2BzufMESEIgkMoVKozOYLDaHu16wBQQiiUyh0ugMJovN4e4XHAGBSCJTqDQ6g8lic7jnBVdAIJLIFCqNzmCy2Bwu/wFy2bcfGIwPKgAAAABJRU5ErkJggg==";

/// Astral's default global bucket is 10/2s: a burst of 10, then 5 a second. twilight's global
/// limiter counts permits per one-second window, so 5 keeps it inside Astral's bucket.
const ASTRAL_GLOBAL_PER_SECOND: u16 = 5;

/// A relationship as Discord sends it; twilight-model has no type for it (bots have none),
/// but the `user` inside is twilight's own `User`.
#[derive(Debug, Deserialize)]
struct Relationship {
    id: Id<UserMarker>,
    #[serde(rename = "type")]
    kind: u8,
    user: User,
}

fn main() {
    let fixture = Fixture::from_env();
    events::install();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    // The whole suite is bounded: two 10 s waits for PATCH /users/@me and a few seconds of
    // global-bucket bursts fit well inside.
    let checks = runtime.block_on(async {
        match tokio::time::timeout(Duration::from_secs(240), run(&fixture)).await {
            Ok(checks) => checks,
            Err(_) => {
                println!("not ok - suite: did not finish within 240 s");
                std::process::exit(1);
            }
        }
    });
    std::process::exit(checks.finish());
}

/// twilight pointed at Astral: plain HTTP to the fixture's host and port. `None` limiter
/// means twilight's default (Discord's 50 per second global limit).
fn client(fixture: &Fixture, token: Option<&str>, limiter: Option<RateLimiter>) -> Client {
    let mut builder = Client::builder()
        .proxy(fixture.host_port(), true)
        .timeout(Duration::from_secs(30));
    if let Some(token) = token {
        builder = builder.token(token.to_owned());
    }
    if let Some(limiter) = limiter {
        builder = builder.ratelimiter(Some(limiter));
    }
    builder.build()
}

/// The status, JSON code and raw body of a failed twilight request.
fn api_failure(error: &twilight_http::Error) -> Option<(u16, u64, serde_json::Value)> {
    match error.kind() {
        ErrorType::Response {
            body,
            error: ApiError::General(general),
            status,
        } => Some((
            status.get(),
            general.code,
            serde_json::from_slice(body).unwrap_or(serde_json::Value::Null),
        )),
        _ => None,
    }
}

fn raw(
    method: Method,
    path: &str,
    bare_token: Option<&str>,
    body: Option<serde_json::Value>,
) -> Request {
    let mut builder = RequestBuilder::raw(method, path.to_owned());
    if let Some(body) = body {
        builder = builder.json(&body);
    }
    if let Some(token) = bare_token {
        // twilight puts "Bot " before any client token without a prefix; a person's token
        // goes bare, so it is sent per request instead of through the client.
        let value = HeaderValue::from_str(token).expect("token is a valid header value");
        builder = builder
            .use_authorization_token(false)
            .headers([(AUTHORIZATION, value)].into_iter());
    }
    builder.build().expect("raw request")
}

async fn run(fx: &Fixture) -> Checks {
    let mut checks = Checks::default();
    let bot = Arc::new(client(fx, Some(&fx.bot.token), None));
    let bot_id: Id<UserMarker> = fx.bot.id.parse().expect("bot id");
    let other_id: Id<UserMarker> = fx.other_user.id.parse().expect("other user id");

    // Log in with the bot token: twilight sends `Authorization: Bot <token>`.
    let me = match bot.current_user().await {
        Ok(response) => response.model().await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    checks.check("current user parses into twilight's CurrentUser", || {
        let me = me.as_ref().map_err(Clone::clone)?;
        ensure(me.id == bot_id, format!("id {} != {bot_id}", me.id))?;
        ensure(me.name == fx.bot.username, format!("name {}", me.name))?;
        ensure(me.bot, "bot is false")?;
        ensure(
            (1..=9999).contains(&me.discriminator),
            format!("discriminator {}", me.discriminator),
        )?;
        ensure(me.avatar.is_none(), "a fresh bot has an avatar")?;
        ensure(
            me.flags == Some(UserFlags::empty()),
            format!("flags {:?}", me.flags),
        )?;
        ensure(
            me.public_flags == Some(UserFlags::empty()),
            format!("public_flags {:?}", me.public_flags),
        )?;
        ensure(
            me.premium_type == Some(PremiumType::None),
            format!("premium_type {:?}", me.premium_type),
        )?;
        ensure(!me.mfa_enabled, "mfa_enabled")?;
        ensure(me.locale.is_some(), "no locale")?;
        ensure(me.verified.is_some(), "no verified")?;
        Ok(format!("{}#{:04} id {}", me.name, me.discriminator, me.id))
    });

    let other = match bot.user(other_id).await {
        Ok(response) => response.model().await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    checks.check("another user parses into twilight's User", || {
        let other = other.as_ref().map_err(Clone::clone)?;
        ensure(other.id == other_id, format!("id {}", other.id))?;
        ensure(
            other.name == fx.other_user.username,
            format!("name {}", other.name),
        )?;
        ensure(!other.bot, "bot is true")?;
        ensure(
            other.system == Some(false),
            format!("system {:?}", other.system),
        )?;
        ensure(
            (1..=9999).contains(&other.discriminator),
            format!("discriminator {}", other.discriminator),
        )?;
        ensure(
            other.public_flags == Some(UserFlags::empty()),
            format!("public_flags {:?}", other.public_flags),
        )?;
        ensure(other.email.is_none(), "another user's email is visible")?;
        Ok(format!("{}#{:04}", other.name, other.discriminator))
    });

    // An id no account has: Discord's Unknown User.
    let unknown = bot.user(Id::new(1)).await;
    checks.check("unknown user is 404 / 10013 (ApiError::General)", || {
        let error = unknown.as_ref().err().ok_or("request succeeded")?;
        let (status, code, _) = api_failure(error).ok_or(format!("not an API error: {error}"))?;
        ensure(status == 404 && code == 10013, format!("{status} / {code}"))?;
        Ok(format!("{status} / {code}"))
    });

    // Edit the username and the avatar in one PATCH; the data URI is the caller's to build.
    let new_name = format!("{}_ed", fx.bot.username);
    let data_uri = format!("data:image/png;base64,{AVATAR_PNG_BASE64}");
    let first_edit_sent = Instant::now();
    let edited = match bot
        .update_current_user()
        .username(&new_name)
        .avatar(Some(&data_uri))
        .await
    {
        Ok(response) => response.model().await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    let reread = match bot.current_user().await {
        Ok(response) => response.model().await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    checks.check("edit username and avatar; the change is seen", || {
        let edited = edited.as_ref().map_err(Clone::clone)?;
        let reread = reread.as_ref().map_err(Clone::clone)?;
        let hash = edited.avatar.ok_or("no avatar after the edit")?;
        ensure(edited.name == new_name, format!("name {}", edited.name))?;
        ensure(
            reread.name == new_name,
            format!("re-read name {}", reread.name),
        )?;
        ensure(
            reread.avatar == Some(hash),
            format!("re-read avatar {:?}", reread.avatar),
        )?;
        Ok(format!("avatar hash {hash} (twilight ImageHash)"))
    });

    // twilight builds no CDN URLs; the caller does, from the ImageHash's Display.
    if let Ok(edited) = &edited {
        if let Some(hash) = edited.avatar {
            let path = format!("/avatars/{}/{hash}.png?size=64", edited.id);
            let answer = http_get(&fx.host_port(), &path).await;
            checks.check(
                "avatar is served at the CDN path built from the hash",
                || {
                    let (status, content_type, len) = answer.clone()?;
                    ensure(status == 200, format!("{path}: {status}"))?;
                    ensure(
                        content_type == "image/png",
                        format!("content-type {content_type}"),
                    )?;
                    Ok(format!("GET {path}: 200 image/png, {len} bytes"))
                },
            );
        }
    }

    // A second edit within 10 s: Astral's PATCH /users/@me bucket is 1/10s, so it answers 429.
    // twilight must wait and retry on its own, and the edit must land.
    let before = events::snapshot();
    let second_name = format!("{}_2", fx.bot.username);
    let second = match bot.update_current_user().username(&second_name).await {
        Ok(response) => response.model().await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    let waited = first_edit_sent.elapsed();
    let seen = events::snapshot().since(&before);
    checks.check(
        "429 on the PATCH /users/@me bucket: twilight waits, retries, succeeds",
        || {
            let second = second.as_ref().map_err(Clone::clone)?;
            ensure(second.name == second_name, format!("name {}", second.name))?;
            ensure(
                waited >= Duration::from_secs(10),
                format!(
                    "finished {waited:?} after the first edit, before its 10 s bucket refilled"
                ),
            )?;
            ensure(
                seen.retries == 1,
                format!("{} retries after 429 (expected exactly 1)", seen.retries),
            )?;
            Ok(format!(
                "{} × 429 then success, {:.2} s after the first edit; {} request(s) sent",
                seen.retries,
                waited.as_secs_f64(),
                seen.permits
            ))
        },
    );

    // twilight only checks length and a few substrings; Astral's character rule is the
    // server's, so the field error comes back as Discord's 50035.
    let invalid = bot.update_current_user().username("has space").await;
    checks.check(
        "invalid username is 400 / 50035 with a username field error",
        || {
            let error = invalid.as_ref().err().ok_or("request succeeded")?;
            let (status, code, body) =
                api_failure(error).ok_or(format!("not an API error: {error}"))?;
            ensure(status == 400 && code == 50035, format!("{status} / {code}"))?;
            let field = &body["errors"]["username"]["_errors"][0]["code"];
            ensure(
                field.is_string(),
                format!("no username field error in {body}"),
            )?;
            Ok(format!("{status} / {code}, username: {field}"))
        },
    );
    let local = bot.update_current_user().username("a").await;
    checks.check(
        "too-short username is refused by twilight before sending",
        || {
            let error = local.as_ref().err().ok_or("request succeeded")?;
            ensure(
                matches!(error.kind(), ErrorType::Validation),
                format!("{error}"),
            )?;
            Ok("ErrorType::Validation".to_owned())
        },
    );

    // Open the DM twice: the same channel both times.
    let dm1 = match bot.create_private_channel(other_id).await {
        Ok(response) => response.model().await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    let dm2 = match bot.create_private_channel(other_id).await {
        Ok(response) => response.model().await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    checks.check("open a DM twice: the same private channel", || {
        let dm1 = dm1.as_ref().map_err(Clone::clone)?;
        let dm2 = dm2.as_ref().map_err(Clone::clone)?;
        ensure(dm1.id == dm2.id, format!("{} != {}", dm1.id, dm2.id))?;
        ensure(
            dm1.kind == ChannelType::Private,
            format!("kind {:?}", dm1.kind),
        )?;
        let recipients = dm1.recipients.as_deref().unwrap_or_default();
        ensure(
            recipients.iter().any(|u| u.id == other_id),
            "the other user is not a recipient",
        )?;
        Ok(format!("channel {}", dm1.id))
    });

    // twilight has the route but no method for it (bots rarely list DMs): a raw request.
    let dms = match bot
        .request::<Vec<twilight_model::channel::Channel>>(Request::from_route(
            &Route::GetUserPrivateChannels,
        ))
        .await
    {
        Ok(response) => response.model().await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    checks.check("list DMs (Route::GetUserPrivateChannels)", || {
        let dms = dms.as_ref().map_err(Clone::clone)?;
        let dm = dm1.as_ref().map_err(Clone::clone)?;
        ensure(
            dms.iter()
                .any(|c| c.id == dm.id && c.kind == ChannelType::Private),
            format!("DM {} missing from {} channels", dm.id, dms.len()),
        )?;
        Ok(format!("{} channel(s)", dms.len()))
    });

    // Page through the guilds two at a time with twilight's `after` / `limit`.
    let paged = page_guilds(&bot, 2).await;
    let mut expected: Vec<Id<GuildMarker>> = fx
        .guild_ids
        .iter()
        .chain(std::iter::once(&fx.leave_guild_id))
        .map(|id| id.parse().expect("guild id"))
        .collect();
    expected.sort();
    checks.check("list guilds with after/limit paging", || {
        let (ids, pages) = paged.as_ref().map_err(Clone::clone)?;
        ensure(
            *ids == expected,
            format!("paged {ids:?}, expected {expected:?}"),
        )?;
        Ok(format!("{} guilds in {pages} pages of ≤2", ids.len()))
    });

    let leave_id: Id<GuildMarker> = fx.leave_guild_id.parse().expect("leave guild id");
    let left = bot.leave_guild(leave_id).await.map(|r| r.status().get());
    let after_leave = page_guilds(&bot, 200).await;
    let again = bot.leave_guild(leave_id).await;
    checks.check(
        "leave a guild; it is gone; leaving again is 404 / 10004",
        || {
            let status = left.as_ref().map_err(|e| e.to_string())?;
            ensure(*status == 204, format!("leave answered {status}"))?;
            let (ids, _) = after_leave.as_ref().map_err(Clone::clone)?;
            ensure(!ids.contains(&leave_id), "still listed after leaving")?;
            let error = again.as_ref().err().ok_or("leaving twice succeeded")?;
            let (status, code, _) =
                api_failure(error).ok_or(format!("not an API error: {error}"))?;
            ensure(status == 404 && code == 10004, format!("{status} / {code}"))?;
            Ok(format!(
                "204, {} guilds left, then {status} / {code}",
                ids.len()
            ))
        },
    );

    // Relationships with a person's token, through twilight's raw request helper. The
    // client has no token; the bare user token travels in the request's own header.
    let person = client(fx, None, None);
    let user_token = fx.user.token.as_str();
    let friend_request = person
        .request::<twilight_http::response::marker::EmptyBody>(raw(
            Method::Put,
            &format!("users/@me/relationships/{other_id}"),
            Some(user_token),
            // The contract's body for a friend request; without one twilight sends no
            // Content-Type and Astral answers 50035 CONTENT_TYPE_INVALID.
            Some(serde_json::json!({})),
        ))
        .await
        .map(|r| r.status().get());
    let relationships = match person
        .request::<Vec<Relationship>>(raw(
            Method::Get,
            "users/@me/relationships",
            Some(user_token),
            None,
        ))
        .await
    {
        Ok(response) => response.model().await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    checks.check("relationships with a user token (raw request)", || {
        let status = friend_request.as_ref().map_err(|e| e.to_string())?;
        ensure(*status == 204, format!("friend request answered {status}"))?;
        let list = relationships.as_ref().map_err(Clone::clone)?;
        let entry = list
            .iter()
            .find(|r| r.id == other_id)
            .ok_or(format!("{other_id} not in {list:?}"))?;
        ensure(entry.kind == 4, format!("type {}", entry.kind))?;
        ensure(
            entry.user.id == other_id && entry.user.name == fx.other_user.username,
            format!("user {:?}", entry.user),
        )?;
        Ok(format!(
            "{} relationship(s); outgoing request (4) to {}",
            list.len(),
            entry.user.name
        ))
    });

    let refused = bot
        .request::<Vec<Relationship>>(raw(Method::Get, "users/@me/relationships", None, None))
        .await;
    checks.check("relationships with the bot token: 403 / 20001", || {
        let error = refused.as_ref().err().ok_or("a bot listed relationships")?;
        let (status, code, _) = api_failure(error).ok_or(format!("not an API error: {error}"))?;
        ensure(status == 403 && code == 20001, format!("{status} / {code}"))?;
        Ok(format!("{status} / {code}"))
    });

    checks.note(format!(
        "API version: twilight-http builds every URL as /api/v{} (API_VERSION is a constant, \
         the proxy option sets only the host), so /api/v9 and /api/v1 are not reachable through it",
        twilight_http::API_VERSION
    ));
    checks.check("twilight speaks /api/v10", || {
        ensure(
            twilight_http::API_VERSION == 10,
            format!("API_VERSION {}", twilight_http::API_VERSION),
        )?;
        Ok("API_VERSION = 10".to_owned())
    });

    // A bad token: 401 in Discord's shape, and twilight then refuses to send more.
    let stranger = client(fx, Some("not-a-token"), None);
    let unauthorized = stranger.current_user().await;
    let afterwards = stranger.current_user().await;
    checks.check("bad token: 401 / 0, then twilight stops sending", || {
        let error = unauthorized.as_ref().err().ok_or("request succeeded")?;
        let (status, code, body) =
            api_failure(error).ok_or(format!("not an API error: {error}"))?;
        ensure(status == 401 && code == 0, format!("{status} / {code}"))?;
        ensure(
            body["message"] == "401: Unauthorized",
            format!("body {body}"),
        )?;
        let error = afterwards
            .as_ref()
            .err()
            .ok_or("second request succeeded")?;
        ensure(
            matches!(error.kind(), ErrorType::Unauthorized),
            format!("second request: {error}"),
        )?;
        Ok("401 then ErrorType::Unauthorized without a request".to_owned())
    });

    // Bursts beyond Astral's global bucket (10/2s per token). With its default limiter
    // (Discord's 50 per second) twilight sends past the bucket; on a global 429 it retries
    // at once, paced only by that limiter. With the limiter set to Astral's rate it stays
    // inside. Either way every request must succeed.
    const BURST: usize = 30;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let default_burst = burst(Arc::clone(&bot), other_id, BURST).await;
    checks.check(
        "burst of 30 with twilight's default limiter: global 429s retried, all succeed",
        || {
            let (ok, elapsed, seen) = default_burst.clone();
            ensure(ok == BURST, format!("{ok}/{BURST} succeeded"))?;
            ensure(
                seen.global > 0,
                "no global 429: the burst never went past Astral's global bucket",
            )?;
            // twilight's own global limiter caps what it sends, retries included.
            let cap = 50.0 * (elapsed.as_secs_f64() + 1.0);
            ensure(
                (seen.permits as f64) <= cap,
                format!(
                    "{} requests in {elapsed:?}: more than twilight's 50/s",
                    seen.permits
                ),
            )?;
            Ok(format!(
                "{ok}/{BURST} ok in {:.2} s; {} requests sent, {} × 429 (global scope {})",
                elapsed.as_secs_f64(),
                seen.permits,
                seen.retries,
                seen.global
            ))
        },
    );

    tokio::time::sleep(Duration::from_secs(2)).await;
    let paced = Arc::new(client(
        fx,
        Some(&fx.bot.token),
        Some(RateLimiter::new(ASTRAL_GLOBAL_PER_SECOND)),
    ));
    let paced_burst = burst(paced, other_id, BURST).await;
    checks.check(
        "burst of 30 with RateLimiter::new(5): paced inside Astral's bucket, all succeed",
        || {
            let (ok, elapsed, seen) = paced_burst.clone();
            ensure(ok == BURST, format!("{ok}/{BURST} succeeded"))?;
            ensure(
                seen.retries == 0,
                format!("{} × 429 despite the limiter", seen.retries),
            )?;
            Ok(format!(
                "{ok}/{BURST} ok in {:.2} s; {} requests sent, no 429",
                elapsed.as_secs_f64(),
                seen.permits
            ))
        },
    );

    // A herd: two processes of the same bot, each configured as documented
    // (`RateLimiter::new(5)`), send 12 requests each at once. Each limiter alone stays inside
    // Astral's bucket; together they go past it, and every request must still succeed.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let processes = [(); 2].map(|()| {
        Arc::new(client(
            fx,
            Some(&fx.bot.token),
            Some(RateLimiter::new(ASTRAL_GLOBAL_PER_SECOND)),
        ))
    });
    let herd_result = herd(&processes, other_id, HERD / 2).await;
    checks.check(
        "herd of 24 from two processes of one bot (RateLimiter::new(5) each): all succeed",
        || {
            let (ok, elapsed, seen) = herd_result.clone();
            ensure(ok == HERD, format!("{ok}/{HERD} succeeded"))?;
            ensure(
                seen.permits == HERD as u64 + seen.retries,
                format!(
                    "{} requests for {HERD} with {} × 429",
                    seen.permits, seen.retries
                ),
            )?;
            ensure(
                seen.retries <= HERD_MAX_429,
                format!("{} × 429 (at most {HERD_MAX_429})", seen.retries),
            )?;
            Ok(format!(
                "{ok}/{HERD} ok in {:.2} s; {} requests sent, {} × 429 (global scope {})",
                elapsed.as_secs_f64(),
                seen.permits,
                seen.retries,
                seen.global
            ))
        },
    );

    checks
}

/// The herd check: requests at once on one token, over two processes.
const HERD: usize = 24;
/// The most 429s the herd may meet (see the check).
const HERD_MAX_429: u64 = 18;

/// `per_client` concurrent GET /users/{id} on each client at once.
async fn herd(
    clients: &[Arc<Client>],
    user: Id<UserMarker>,
    per_client: usize,
) -> (usize, Duration, events::Counts) {
    let before = events::snapshot();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for client in clients {
        for _ in 0..per_client {
            let client = Arc::clone(client);
            tasks.spawn(async move {
                match client.user(user).await {
                    Ok(response) => response.model().await.is_ok(),
                    Err(_) => false,
                }
            });
        }
    }
    let mut ok = 0;
    while let Some(done) = tasks.join_next().await {
        if matches!(done, Ok(true)) {
            ok += 1;
        }
    }
    (ok, started.elapsed(), events::snapshot().since(&before))
}

fn ensure(condition: bool, message: impl Into<String>) -> Result<(), String> {
    if condition {
        Ok(())
    } else {
        Err(message.into())
    }
}

/// All of the bot's guild ids, ascending, `limit` per page with `after`, and the page count.
async fn page_guilds(client: &Client, limit: u16) -> Result<(Vec<Id<GuildMarker>>, usize), String> {
    let mut ids = Vec::new();
    let mut pages = 0;
    loop {
        let mut request = client.current_user_guilds().limit(limit);
        if let Some(last) = ids.last() {
            request = request.after(*last);
        }
        let page = request
            .await
            .map_err(|e| e.to_string())?
            .models()
            .await
            .map_err(|e| e.to_string())?;
        pages += 1;
        for guild in &page {
            if guild.owner {
                return Err(format!("the bot owns guild {}", guild.id));
            }
        }
        let done = page.len() < usize::from(limit);
        ids.extend(page.iter().map(|g| g.id));
        if done || pages > 50 {
            return Ok((ids, pages));
        }
    }
}

/// `count` concurrent GET /users/{id}: how many succeeded, how long it took, what twilight did.
async fn burst(
    client: Arc<Client>,
    user: Id<UserMarker>,
    count: usize,
) -> (usize, Duration, events::Counts) {
    herd(std::slice::from_ref(&client), user, count).await
}
