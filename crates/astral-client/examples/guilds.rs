//! Page through every guild of the current user, 200 at a time (Discord's maximum), with
//! member counts.
//!
//! ```sh
//! ASTRAL_TOKEN="Bot <token>" cargo run -p astral-client --example guilds
//! ```

mod support;

use std::num::NonZeroU32;

use astral_client::types::Snowflake;
use astral_client::DiscordError;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = support::client_from_env()?;
    let limit = NonZeroU32::new(200);
    let mut after: Option<Snowflake> = None;
    let mut total = 0;
    loop {
        // Pages are ordered by id; `after` is the last id of the previous page.
        let page = client
            .list_my_guilds(after.as_ref(), None, limit, Some(true))
            .await
            .map_err(|e| e.summary())?
            .into_inner();
        for guild in &page {
            println!("{} {} ({:?} members)", *guild.id, guild.name, guild.approximate_member_count);
        }
        total += page.len();
        match page.last() {
            Some(last) if page.len() == 200 => after = Some(last.id.clone()),
            _ => break,
        }
    }
    println!("{total} guilds");
    Ok(())
}
