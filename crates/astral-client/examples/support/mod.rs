//! What every example needs: a client for the server and token named by the environment.
//!
//! `ASTRAL_URL` is the API base (default `http://127.0.0.1:8080/api/v10`); `ASTRAL_TOKEN` the
//! whole `Authorization` value: `Bot <token>` for a bot, the bare token for a person.

use astral_client::{auth_headers, reqwest, Client};

pub fn client_from_env() -> Result<Client, Box<dyn std::error::Error>> {
    let base =
        std::env::var("ASTRAL_URL").unwrap_or_else(|_| "http://127.0.0.1:8080/api/v10".to_owned());
    let token = std::env::var("ASTRAL_TOKEN")
        .map_err(|_| "set ASTRAL_TOKEN to `Bot <token>` (a bot) or the bare token (a person)")?;
    let http = reqwest::Client::builder()
        .default_headers(auth_headers(&token)?)
        .timeout(std::time::Duration::from_secs(30))
        .build()?;
    Ok(Client::new_with_client(&base, http))
}
