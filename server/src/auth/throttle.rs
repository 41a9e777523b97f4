//! Slows down password guessing: after too many failed logins for one account
//! or from one address within a window, further attempts are refused (429)
//! until the window has passed.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const ACCOUNT_LIMIT: u32 = 5;
pub const ADDRESS_LIMIT: u32 = 20;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

#[derive(Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginThrottle {
    /// `Err(wait)` when the account or the address is locked out.
    pub fn check(&self, username: &str, address: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut map = self.lock();
        map.retain(|_, (_, started)| now.duration_since(*started) < WINDOW);
        let mut wait = None;
        for (key, limit) in [(account_key(username), ACCOUNT_LIMIT), (address_key(address), ADDRESS_LIMIT)] {
            if let Some((count, started)) = map.get(&key) {
                if *count >= limit {
                    let left = WINDOW.saturating_sub(now.duration_since(*started));
                    wait = Some(wait.map_or(left, |w: Duration| w.max(left)));
                }
            }
        }
        wait.map_or(Ok(()), Err)
    }

    pub fn failed(&self, username: &str, address: &str) {
        let now = Instant::now();
        let mut map = self.lock();
        for key in [account_key(username), address_key(address)] {
            let entry = map.entry(key).or_insert((0, now));
            entry.0 += 1;
        }
    }

    /// A correct password clears the account's count (not the address's:
    /// one good login must not reset guessing against other accounts).
    pub fn succeeded(&self, username: &str) {
        self.lock().remove(&account_key(username));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u32, Instant)>> {
        match self.failures.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

fn account_key(username: &str) -> String {
    format!("account:{}", username.to_lowercase())
}

fn address_key(address: &str) -> String {
    format!("address:{address}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_locked_after_its_limit() {
        let throttle = LoginThrottle::default();
        for _ in 0..ACCOUNT_LIMIT {
            assert!(throttle.check("admin", "10.0.0.1").is_ok());
            throttle.failed("admin", "10.0.0.1");
        }
        let wait = throttle.check("admin", "10.0.0.2").expect_err("locked");
        assert!(wait > Duration::from_secs(14 * 60));
        assert!(throttle.check("other", "10.0.0.2").is_ok(), "other accounts from other addresses are unaffected");
    }

    #[test]
    fn an_address_is_locked_after_its_limit_across_accounts() {
        let throttle = LoginThrottle::default();
        for n in 0..ADDRESS_LIMIT {
            throttle.failed(&format!("user{n}"), "10.0.0.9");
        }
        assert!(throttle.check("fresh", "10.0.0.9").is_err());
        assert!(throttle.check("fresh", "10.0.0.10").is_ok());
    }

    #[test]
    fn success_clears_the_account_count() {
        let throttle = LoginThrottle::default();
        for _ in 0..ACCOUNT_LIMIT - 1 {
            throttle.failed("admin", "10.0.0.1");
        }
        throttle.succeeded("admin");
        throttle.failed("admin", "10.0.0.1");
        assert!(throttle.check("admin", "10.0.0.1").is_ok());
    }
}
