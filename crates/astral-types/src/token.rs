//! The token format, in one place for the server (issuing, authenticating) and the bench's
//! seeder (which writes tokens straight into the store).
//!
//! A token looks like Discord's: `base64(user_id).base64(issued_at).secret`. Only a SHA-256 of
//! the secret is stored, so a leaked database holds no usable token. The first part names the
//! token's owner, which the server checks against the stored owner, so a secret cannot be
//! replayed under another id.
//!
//! `Authorization` accepts `Bot <token>`, `Bearer <token>` (an alias of the user token; Astral
//! has no OAuth2 scopes) and a bare token.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::UserId;

/// A token as handed to its owner once, and the hash of its secret that is stored.
pub struct IssuedToken {
    pub token: String,
    pub secret_hash: String,
}

/// A new token for `user_id`: 32 random bytes of secret, issued now.
pub fn new_token(user_id: UserId) -> IssuedToken {
    let mut secret = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut secret);
    let secret = URL_SAFE_NO_PAD.encode(secret);
    let issued_at = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let token = format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(user_id.to_string()),
        URL_SAFE_NO_PAD.encode(issued_at.to_be_bytes()),
        secret
    );
    IssuedToken { token, secret_hash: hash_secret(&secret) }
}

fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The parts of a presented token that matter: whose it claims to be, and its secret's hash.
#[derive(Debug, PartialEq, Eq)]
pub struct PresentedToken {
    pub user_id: UserId,
    pub secret_hash: String,
}

/// Parses an `Authorization` header value. `None` for anything that is not a well-formed token.
pub fn parse_authorization(value: &str) -> Option<PresentedToken> {
    let value = value.trim();
    let token = strip_scheme(value, "Bot ")
        .or_else(|| strip_scheme(value, "Bearer "))
        .unwrap_or(value)
        .trim();
    let mut parts = token.split('.');
    let (id_part, _issued, secret) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || secret.is_empty() {
        return None;
    }
    let id_text = String::from_utf8(URL_SAFE_NO_PAD.decode(id_part).ok()?).ok()?;
    let user_id: UserId = id_text.parse().ok()?;
    Some(PresentedToken { user_id, secret_hash: hash_secret(secret) })
}

fn strip_scheme<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let head = value.get(..scheme.len())?;
    head.eq_ignore_ascii_case(scheme).then(|| &value[scheme.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Snowflake;

    #[test]
    fn tokens_round_trip_under_every_scheme() {
        let id = UserId(Snowflake(175928847299117063));
        let issued = new_token(id);
        for header in [
            format!("Bot {}", issued.token),
            format!("Bearer {}", issued.token),
            format!("bot {}", issued.token),
            issued.token.clone(),
        ] {
            let p = parse_authorization(&header).expect(&header);
            assert_eq!(p.user_id, id);
            assert_eq!(p.secret_hash, issued.secret_hash);
        }
        assert!(!issued.token.contains(&issued.secret_hash));
    }

    #[test]
    fn malformed_tokens_are_refused() {
        for bad in
            ["", "Bot ", "a.b", "a.b.c.d", "Bot !!.x.y", "Bearer MTIz.x.", "bm90LWFuLWlk.x.y"]
        {
            assert_eq!(parse_authorization(bad), None, "{bad:?}");
        }
    }
}
