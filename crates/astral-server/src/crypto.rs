//! Sealing of the two-factor secrets at rest (docs/security.md#two-factor-secrets): TOTP
//! secrets and backup codes are stored encrypted with the configured `mfa_key` (32 bytes, the
//! same on every instance), XChaCha20-Poly1305 with a random 24-byte nonce and the owner's id
//! as associated data, so a sealed value copied onto another account does not open there.
//!
//! Stored form: `v1.` + base64url(nonce ‖ ciphertext), the version naming key and cipher.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

const VERSION: &str = "v1.";
const NONCE_LEN: usize = 24;

/// The key two-factor secrets are sealed with. Its `Debug` shows nothing of it.
#[derive(Clone)]
pub struct MfaKey(XChaCha20Poly1305);

impl std::fmt::Debug for MfaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MfaKey(..)")
    }
}

impl MfaKey {
    /// Reads a key written as base64 (standard or URL-safe, padded or not) of exactly 32 bytes,
    /// e.g. the output of `head -c 32 /dev/urandom | base64` or `astral mfa-key`.
    pub fn from_base64(text: &str) -> Result<MfaKey, String> {
        let text = text.trim();
        let bytes = STANDARD
            .decode(text)
            .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')))
            .map_err(|_| "is not base64".to_owned())?;
        if bytes.len() != 32 {
            return Err(format!("must be 32 bytes of base64, not {}", bytes.len()));
        }
        XChaCha20Poly1305::new_from_slice(&bytes)
            .map(MfaKey)
            .map_err(|_| "must be 32 bytes of base64".to_owned())
    }

    /// A new random key, as `from_base64` reads it.
    pub fn generate_base64() -> String {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        STANDARD.encode(bytes)
    }

    /// Seals `plain` for the owner named by `context` (e.g. `totp:<user id>`).
    pub fn seal(&self, context: &str, plain: &[u8]) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .0
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad: context.as_bytes() })
            // Encryption fails only for plaintexts of ~256 GiB; ours are a few bytes.
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("{VERSION}{}", URL_SAFE_NO_PAD.encode(out))
    }

    /// Opens what `seal` made with the same key and context; `None` for anything else (another
    /// key, another owner, a damaged or foreign value).
    pub fn open(&self, context: &str, sealed: &str) -> Option<Vec<u8>> {
        let bytes = URL_SAFE_NO_PAD.decode(sealed.strip_prefix(VERSION)?).ok()?;
        if bytes.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        self.0
            .decrypt(
                XNonce::from_slice(nonce),
                Payload { msg: ciphertext, aad: context.as_bytes() },
            )
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> MfaKey {
        MfaKey::from_base64(&MfaKey::generate_base64()).unwrap()
    }

    #[test]
    fn a_sealed_value_opens_with_its_key_and_owner_only() {
        let (k, other) = (key(), key());
        let sealed = k.seal("totp:1", b"JBSWY3DPEHPK3PXP");
        assert!(sealed.starts_with("v1."), "{sealed}");
        assert!(!sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_eq!(k.open("totp:1", &sealed).as_deref(), Some(&b"JBSWY3DPEHPK3PXP"[..]));
        assert_eq!(k.open("totp:2", &sealed), None, "another owner");
        assert_eq!(other.open("totp:1", &sealed), None, "another key");
        assert_eq!(k.open("totp:1", "v1.AAAA"), None, "too short");
        assert_eq!(k.open("totp:1", "JBSWY3DPEHPK3PXP"), None, "not sealed");
        // A fresh nonce each time: the same secret never seals to the same text.
        assert_ne!(sealed, k.seal("totp:1", b"JBSWY3DPEHPK3PXP"));
    }

    #[test]
    fn keys_are_32_bytes_of_base64_and_never_printed() {
        assert!(MfaKey::from_base64("c2hvcnQ=").unwrap_err().contains("32 bytes"));
        assert!(MfaKey::from_base64("not base64!").is_err());
        let text = MfaKey::generate_base64();
        let url = URL_SAFE_NO_PAD.encode(STANDARD.decode(&text).unwrap());
        assert!(MfaKey::from_base64(&url).is_ok(), "URL-safe without padding");
        assert_eq!(format!("{:?}", key()), "MfaKey(..)");
    }
}
