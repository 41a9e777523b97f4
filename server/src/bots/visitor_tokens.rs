//! A visitor's conversation token: what the chat panel keeps in the
//! visitor's browser to continue a conversation across page loads.
//!
//! `sbc1.<expires, unix seconds>.<HMAC-SHA256 of bot, conversation and
//! expiry, base64url>`: checked without reading the log, tied to one bot
//! and one conversation, and dead after its expiry. The key lives in
//! `chat-token.key` under the data directory (0600), made at first start.

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use base64::Engine;
use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use sha2::Sha256;

const KEY_FILE: &str = "chat-token.key";
const PREFIX: &str = "sbc1";

pub struct VisitorTokens {
    key: [u8; 32],
    pub lifetime_days: u32,
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    /// Not a token of ours, or for another conversation.
    Invalid,
    Expired,
}

impl VisitorTokens {
    pub fn open(data_dir: &Path, lifetime_days: u32) -> anyhow::Result<Self> {
        let path = data_dir.join(KEY_FILE);
        let key = match fs::read(&path) {
            Ok(bytes) => bytes
                .try_into()
                .map_err(|_| anyhow::anyhow!("{} is not a 32-byte key", path.display()))?,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                OsRng.fill_bytes(&mut key);
                let mut file = fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&path)?;
                file.write_all(&key)?;
                file.sync_all()?;
                key
            }
            Err(error) => return Err(error.into()),
        };
        Ok(Self { key, lifetime_days })
    }

    /// (HMAC takes keys of any length: `None` does not happen.)
    fn mac(&self, bot: &str, conversation: &str, expires: u64) -> Option<Hmac<Sha256>> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).ok()?;
        mac.update(format!("{bot}\n{conversation}\n{expires}").as_bytes());
        Some(mac)
    }

    /// A token for `conversation` with `bot`, and when it expires (unix seconds).
    pub fn issue(&self, bot: &str, conversation: &str, now: u64) -> Option<(String, u64)> {
        let expires = now + u64::from(self.lifetime_days) * 86_400;
        let tag = self
            .mac(bot, conversation, expires)?
            .finalize()
            .into_bytes();
        let tag = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(tag);
        Some((format!("{PREFIX}.{expires}.{tag}"), expires))
    }

    pub fn check(
        &self,
        token: &str,
        bot: &str,
        conversation: &str,
        now: u64,
    ) -> Result<(), TokenProblem> {
        let mut parts = token.splitn(3, '.');
        let (Some(PREFIX), Some(expires), Some(tag)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenProblem::Invalid);
        };
        let expires_text = expires;
        let expires: u64 = expires.parse().map_err(|_| TokenProblem::Invalid)?;
        // One spelling only (no `+`, no leading zeros).
        if expires.to_string() != expires_text {
            return Err(TokenProblem::Invalid);
        }
        let tag = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| TokenProblem::Invalid)?;
        // verify_slice compares in constant time.
        self.mac(bot, conversation, expires)
            .ok_or(TokenProblem::Invalid)?
            .verify_slice(&tag)
            .map_err(|_| TokenProblem::Invalid)?;
        if expires <= now {
            return Err(TokenProblem::Expired);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_opens_its_own_conversation_until_it_expires() {
        let dir = tempfile::tempdir().expect("tempdir");
        let tokens = VisitorTokens::open(dir.path(), 7).expect("open");
        let (token, expires) = tokens.issue("bot1", "c_1", 1_000).expect("issued");
        assert_eq!(expires, 1_000 + 7 * 86_400);
        assert_eq!(tokens.check(&token, "bot1", "c_1", 2_000), Ok(()));
        assert_eq!(
            tokens.check(&token, "bot1", "c_2", 2_000),
            Err(TokenProblem::Invalid)
        );
        assert_eq!(
            tokens.check(&token, "bot2", "c_1", 2_000),
            Err(TokenProblem::Invalid)
        );
        assert_eq!(
            tokens.check(&token, "bot1", "c_1", expires),
            Err(TokenProblem::Expired)
        );
        // A later expiry written in is not signed.
        let forged = token.replacen(&expires.to_string(), &(expires + 1).to_string(), 1);
        assert_eq!(
            tokens.check(&forged, "bot1", "c_1", 2_000),
            Err(TokenProblem::Invalid)
        );
        assert_eq!(
            tokens.check("sbc1..", "bot1", "c_1", 2_000),
            Err(TokenProblem::Invalid)
        );
        for respelled in [format!("+{expires}"), format!("0{expires}")] {
            let other = token.replacen(&expires.to_string(), &respelled, 1);
            assert_eq!(
                tokens.check(&other, "bot1", "c_1", 2_000),
                Err(TokenProblem::Invalid)
            );
        }
        // The key survives a restart; the file is the owner's only.
        let again = VisitorTokens::open(dir.path(), 7).expect("reopen");
        assert_eq!(again.check(&token, "bot1", "c_1", 2_000), Ok(()));
        let mode = fs::metadata(dir.path().join(KEY_FILE))
            .expect("key")
            .permissions();
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
            0o600
        );
    }
}
