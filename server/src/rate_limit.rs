//! Rate limits for what anyone on the internet may ask (the built-in
//! assistant's public chat API): a generic cell rate limit per key.
//!
//! Each key holds one instant, the "theoretical arrival time" (GCRA): a
//! request is allowed when that instant is at most `burst` intervals ahead
//! of now, and each allowed request moves it one interval on. So a key gets
//! `burst` requests at once and then one per interval; a burst of
//! simultaneous requests gets no more than the same requests one by one
//! (the check and the update happen under one lock).
//!
//! The table is bounded ([`MAX_KEYS`]): when full, keys whose limit has
//! fully recovered are dropped first, then the ones that recover soonest,
//! so no stream of new keys can grow it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Keys one limiter remembers at most.
pub const MAX_KEYS: usize = 50_000;

pub struct RateLimiter {
    interval: Duration,
    burst: u32,
    keys: Mutex<HashMap<String, Entry>>,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    /// The theoretical arrival time of the next request.
    tat: Instant,
    /// Refused since last allowed.
    refused: bool,
}

/// A refused request: when the next one would be allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    pub retry_after: Duration,
    /// The first refusal since the key was last allowed (worth recording once).
    pub first: bool,
}

impl RateLimiter {
    /// `per_minute` requests a minute, up to `per_minute` of them at once.
    pub fn per_minute(per_minute: u32) -> Self {
        let per_minute = per_minute.max(1);
        Self {
            interval: Duration::from_secs(60) / per_minute,
            burst: per_minute,
            keys: Mutex::new(HashMap::new()),
        }
    }

    pub fn check(&self, key: &str) -> Result<(), Limited> {
        self.check_at(key, Instant::now())
    }

    fn check_at(&self, key: &str, now: Instant) -> Result<(), Limited> {
        let mut keys = self
            .keys
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let limit = now + self.interval * self.burst;
        let tat = keys.get(key).map_or(now, |e| e.tat.max(now));
        let next = tat + self.interval;
        if next > limit {
            let first = keys
                .get_mut(key)
                .is_some_and(|entry| !std::mem::replace(&mut entry.refused, true));
            return Err(Limited {
                retry_after: next - limit,
                first,
            });
        }
        if keys.len() >= MAX_KEYS && !keys.contains_key(key) {
            make_room(&mut keys, now);
        }
        keys.insert(
            key.to_string(),
            Entry {
                tat: next,
                refused: false,
            },
        );
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.keys.lock().map(|k| k.len()).unwrap_or_default()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn make_room(keys: &mut HashMap<String, Entry>, now: Instant) {
    keys.retain(|_, entry| entry.tat > now);
    if keys.len() >= MAX_KEYS {
        // Everyone is limited: drop the tenth that recovers soonest.
        let mut times: Vec<Instant> = keys.values().map(|e| e.tat).collect();
        times.sort_unstable();
        let cut = times[times.len() / 10];
        keys.retain(|_, entry| entry.tat > cut);
    }
}

/// The key for an address: IPv4 as it is, IPv6 by its /64 (one subscriber's
/// network, which hands its hosts addresses by the billion).
pub fn address_key(address: &str) -> String {
    match address.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(IpAddr::V6(v6)) => v6
            .to_ipv4_mapped()
            .map(|v4| v4.to_string())
            .unwrap_or_default(),
        _ => address.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_one_per_interval_and_the_first_refusal_is_marked() {
        let limiter = RateLimiter::per_minute(3);
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.check_at("a", start), Ok(()));
        }
        let refused = limiter.check_at("a", start).expect_err("fourth at once");
        assert!(refused.first);
        assert_eq!(refused.retry_after, Duration::from_secs(20));
        assert!(!limiter.check_at("a", start).expect_err("again").first);
        assert_eq!(limiter.check_at("b", start), Ok(()), "other keys are apart");
        let later = start + Duration::from_secs(20);
        assert_eq!(limiter.check_at("a", later), Ok(()));
        assert!(limiter.check_at("a", later).expect_err("one only").first);
    }

    #[test]
    fn the_table_stays_bounded() {
        let limiter = RateLimiter::per_minute(1);
        let now = Instant::now();
        for i in 0..MAX_KEYS + 100 {
            let _ = limiter.check_at(&format!("k{i}"), now);
        }
        assert!(limiter.len() <= MAX_KEYS);
    }

    #[test]
    fn ipv6_addresses_count_by_their_64() {
        assert_eq!(address_key("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
        assert_eq!(address_key("2001:db8:1:2:ffff::1"), "2001:db8:1:2::/64");
        assert_eq!(address_key("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(address_key("192.0.2.7"), "192.0.2.7");
    }
}
