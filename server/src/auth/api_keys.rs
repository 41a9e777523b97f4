//! API access keys: `sbk_` plus 32 random bytes (base64url). Only a SHA-256
//! hash is stored; the whole key is shown once.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::random_token;

pub const KEY_PREFIX: &str = "sbk_";
/// Characters of the key shown in lists ("sbk_" and eight more).
const VISIBLE: usize = 12;

pub struct NewKey {
    pub key: String,
    pub prefix: String,
    pub hash: String,
}

pub fn generate() -> NewKey {
    let key = format!("{KEY_PREFIX}{}", random_token(32));
    NewKey {
        prefix: key.chars().take(VISIBLE).collect(),
        hash: hash(&key),
        key,
    }
}

pub fn hash(key: &str) -> String {
    Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn hashes_match(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// A short random id for URLs (`/api-keys/{id}`).
pub fn new_id() -> String {
    random_token(9).replace(['-', '_'], "x").to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_long_random_and_only_their_hash_is_kept() {
        let a = generate();
        let b = generate();
        assert!(a.key.starts_with(KEY_PREFIX) && a.key.len() >= 40);
        assert_ne!(a.key, b.key);
        assert!(a.key.starts_with(&a.prefix) && a.prefix.len() == 12);
        assert_eq!(a.hash, hash(&a.key));
        assert!(!a.hash.contains(&a.key[4..]));
        assert!(hashes_match(&a.hash, &hash(&a.key)));
        assert!(!hashes_match(&a.hash, &b.hash));
    }
}
