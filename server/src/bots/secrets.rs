//! The secrets the server issues for a bot. Each is long and random, with a
//! prefix that says what it is (and lets secret scanners find leaked ones).

use base64::Engine;
use rand_core::{OsRng, RngCore};

use crate::auth::{api_keys, random_token};

/// The bot's own API key: only for the bot API, only for this bot.
pub const BOT_KEY_PREFIX: &str = "sbb_";
/// Sent as `Authorization: Bearer` with webhook deliveries.
pub const WEBHOOK_TOKEN_PREFIX: &str = "sbt_";
/// Standard Webhooks' prefix for a signing secret (base64 after it).
pub const WEBHOOK_SECRET_PREFIX: &str = "whsec_";

pub fn bot_key() -> api_keys::NewKey {
    let key = format!("{BOT_KEY_PREFIX}{}", random_token(32));
    api_keys::NewKey {
        prefix: key.chars().take(12).collect(),
        hash: api_keys::hash(&key),
        key,
    }
}

pub fn webhook_token() -> String {
    format!("{WEBHOOK_TOKEN_PREFIX}{}", random_token(32))
}

/// 32 random bytes, standard base64, as the Standard Webhooks libraries read it.
pub fn webhook_secret() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    format!(
        "{WEBHOOK_SECRET_PREFIX}{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_prefixed_random_and_decodable() {
        let (a, b) = (webhook_secret(), webhook_secret());
        assert_ne!(a, b);
        let raw = base64::engine::general_purpose::STANDARD
            .decode(a.trim_start_matches(WEBHOOK_SECRET_PREFIX))
            .expect("base64");
        assert_eq!(raw.len(), 32);
        let key = bot_key();
        assert!(key.key.starts_with(BOT_KEY_PREFIX) && key.key.len() > 40);
        assert_eq!(key.hash, api_keys::hash(&key.key));
        assert!(webhook_token().starts_with(WEBHOOK_TOKEN_PREFIX));
    }
}
