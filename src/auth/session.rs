//! Session tokens: 256 random bits, handed out once; only their SHA-256 is stored, so a
//! copy of the database does not let anyone sign in.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub const COOKIE_NAME: &str = "zm_session";

pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A coarse description of a client for the list of sessions: the browser family and
/// the system (`Chrome · Android`), `API` for a non-browser client. Nothing finer, so
/// the list is not a fingerprint.
pub fn coarse_user_agent(ua: Option<&str>) -> String {
    let Some(ua) = ua.filter(|u| u.contains("Mozilla/")) else {
        return "API".into();
    };
    let browser = if ua.contains("MicroMessenger") {
        "WeChat"
    } else if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("Firefox/") {
        "Firefox"
    } else if ua.contains("Chrome/") || ua.contains("Chromium/") {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else {
        "Browser"
    };
    let system = if ua.contains("Android") {
        "Android"
    } else if ua.contains("iPhone") || ua.contains("iPad") {
        "iOS"
    } else if ua.contains("Windows") {
        "Windows"
    } else if ua.contains("Mac OS X") {
        "macOS"
    } else if ua.contains("Linux") {
        "Linux"
    } else {
        "?"
    };
    format!("{browser} · {system}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agents_are_coarse() {
        assert_eq!(coarse_user_agent(None), "API");
        assert_eq!(coarse_user_agent(Some("reqwest/0.12")), "API");
        assert_eq!(
            coarse_user_agent(Some(
                "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) \
                 Chrome/120.0.0.0 Mobile Safari/537.36"
            )),
            "Chrome · Android"
        );
        assert_eq!(
            coarse_user_agent(Some(
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0"
            )),
            "Firefox · Windows"
        );
    }

    #[test]
    fn tokens_are_unique_and_hash_stably() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
    }
}
