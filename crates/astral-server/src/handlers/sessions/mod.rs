//! `/auth/sessions` (issue 16 D): a person's sessions, which are their tokens, in Discord's
//! shape. Bots have none (403 / 20001).

pub mod list_auth_sessions;
pub mod logout_auth_sessions;

use astral_store::SessionClient;
use astral_types::TokenId;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// A token's last use is written at most this often (on the first authenticated request
/// after it), never on every request.
pub const SESSION_TOUCH_MS: i64 = 5 * 60 * 1000;

/// The opaque name of a session: base64url (no padding) of its token id's 8 big-endian bytes.
pub fn id_hash(token: TokenId) -> String {
    URL_SAFE_NO_PAD.encode(token.as_i64().to_be_bytes())
}

/// The token an [`id_hash`] names; `None` for text that is no id hash.
pub fn token_of_id_hash(hash: &str) -> Option<TokenId> {
    let bytes: [u8; 8] = URL_SAFE_NO_PAD.decode(hash).ok()?.try_into().ok()?;
    Some(TokenId::from_i64(i64::from_be_bytes(bytes)))
}

/// The operating system and client a `User-Agent` names, from a short list (`None` when it
/// names none of them). Only these fixed names are stored, never the header itself.
pub fn client_of_user_agent(user_agent: Option<&str>) -> SessionClient {
    let Some(ua) = user_agent else {
        return SessionClient::default();
    };
    let has = |needle: &str| ua.contains(needle);
    let os = if has("Windows") {
        Some("Windows")
    } else if has("Android") {
        Some("Android")
    } else if has("iPhone") || has("iPad") || has("iPod") {
        Some("iOS")
    } else if has("Mac OS X") || has("Macintosh") {
        Some("macOS")
    } else if has("Linux") || has("X11") {
        Some("Linux")
    } else {
        None
    };
    let platform = if has("discord/") || has("Discord/") {
        Some("Discord Client")
    } else if has("discord.py") {
        Some("discord.py")
    } else if has("discord.js") || has("@discordjs") {
        Some("discord.js")
    } else if has("twilight") {
        Some("Twilight")
    } else if has("DiscordBot") {
        Some("DiscordBot")
    } else if has("Edg/") {
        Some("Edge")
    } else if has("OPR/") || has("Opera") {
        Some("Opera")
    } else if has("Firefox/") {
        Some("Firefox")
    } else if has("Chrome/") || has("Chromium/") {
        Some("Chrome")
    } else if has("Safari/") {
        Some("Safari")
    } else if has("curl/") {
        Some("curl")
    } else {
        None
    };
    SessionClient { os: os.map(str::to_owned), platform: platform.map(str::to_owned) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use astral_types::Snowflake;

    #[test]
    fn id_hashes_name_their_token() {
        let token = TokenId(Snowflake(1_574_000_000_000_000_123));
        let hash = id_hash(token);
        assert_eq!(hash.len(), 11);
        assert_eq!(token_of_id_hash(&hash), Some(token));
        for bad in ["", "!!", "AAAA", "AAAAAAAAAAAAAAAA"] {
            assert_eq!(token_of_id_hash(bad), None, "{bad}");
        }
    }

    #[test]
    fn user_agents_name_a_known_client() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
        let c = client_of_user_agent(Some(firefox));
        assert_eq!((c.os.as_deref(), c.platform.as_deref()), (Some("Linux"), Some("Firefox")));
        let dpy = "DiscordBot (https://github.com/Rapptz/discord.py 2.4.0) Python/3.12 aiohttp/3.9";
        let c = client_of_user_agent(Some(dpy));
        assert_eq!((c.os, c.platform.as_deref()), (None, Some("discord.py")));
        assert_eq!(client_of_user_agent(None), SessionClient::default());
        assert_eq!(client_of_user_agent(Some("something else")), SessionClient::default());
    }
}
