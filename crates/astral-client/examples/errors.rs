//! Handling Discord's errors: read the JSON code of a refusal, and wait out a 429.
//!
//! ```sh
//! ASTRAL_TOKEN="Bot <token>" cargo run -p astral-client --example errors
//! ```

mod support;

use astral_client::types::{UpdateMyUserRequest, UpdateMyUserRequestGlobalName};
use astral_client::DiscordError;

/// Discord's "Unknown User".
const UNKNOWN_USER: i32 = 10013;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = support::client_from_env()?;

    // A Discord error: the body's `code` says what happened, whatever the library.
    match client.get_user("1").await {
        Ok(user) => println!("found {}", user.username),
        Err(e) if e.discord().is_some_and(|body| body.code == UNKNOWN_USER) => {
            println!("no such user: {}", e.summary());
        }
        Err(e) => return Err(e.summary().into()),
    }

    // The generated types refuse what the contract refuses, before anything is sent.
    match "x".repeat(33).parse::<UpdateMyUserRequestGlobalName>() {
        Ok(_) => println!("unexpected: a 33-character global_name was accepted"),
        Err(e) => println!("refused before sending: {e}"),
    }

    // A 429: two PATCHes within 10 s. `retry_after` is how long to wait; after it the whole
    // bucket is free again.
    let patch =
        UpdateMyUserRequest { global_name: Some("Errors Example".parse()?), ..Default::default() };
    for attempt in 1..=3 {
        match client.update_my_user(None, &patch).await {
            Ok(_) => println!("PATCH {attempt}: ok"),
            Err(e) => match e.retry_after() {
                Some(wait) => {
                    println!("PATCH {attempt}: {}", e.summary());
                    tokio::time::sleep(wait).await;
                }
                None => return Err(e.summary().into()),
            },
        }
    }
    Ok(())
}
