//! Authenticate, read and change the current user, upload an avatar.
//!
//! ```sh
//! ASTRAL_TOKEN="Bot <token>" cargo run -p astral-client --example quickstart -- [avatar.png]
//! ```

mod support;

use astral_client::types::{UpdateMyUserRequest, UpdateMyUserRequestGlobalName};
use astral_client::DiscordError;
use base64::Engine;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = support::client_from_env()?;

    // Who am I? The token decides; a bad one answers 401.
    let me = client.get_my_user().await.map_err(|e| e.summary())?.into_inner();
    println!("signed in as {} ({})", me.username, *me.id);

    // Change the display name. Only the fields that are set are sent.
    let name: UpdateMyUserRequestGlobalName = "Astral Quickstart".parse()?;
    let patch = UpdateMyUserRequest { global_name: Some(name), ..Default::default() };
    let me = client.update_my_user(None, &patch).await.map_err(|e| e.summary())?.into_inner();
    println!("display name: {:?}", me.global_name);

    // An avatar travels as a data URI. PATCH /users/@me allows one request per 10 s per
    // token: wait what the 429 says, then send it again.
    if let Some(path) = std::env::args().nth(1) {
        let bytes = std::fs::read(&path)?;
        let mime = match path.rsplit('.').next() {
            Some("jpg" | "jpeg") => "image/jpeg",
            Some("gif") => "image/gif",
            Some("webp") => "image/webp",
            _ => "image/png",
        };
        let data = base64::engine::general_purpose::STANDARD.encode(bytes);
        let patch = UpdateMyUserRequest {
            avatar: Some(format!("data:{mime};base64,{data}")),
            ..Default::default()
        };
        let me = loop {
            match client.update_my_user(None, &patch).await {
                Ok(me) => break me.into_inner(),
                Err(e) => match e.retry_after() {
                    Some(wait) => {
                        println!("rate limited, waiting {wait:?}");
                        tokio::time::sleep(wait).await;
                    }
                    None => return Err(e.summary().into()),
                },
            }
        };
        if let Some(hash) = &me.avatar {
            // CDN paths hang off the server root, not the API base.
            println!("avatar: /avatars/{}/{hash}.png", *me.id);
        }
    }
    Ok(())
}
