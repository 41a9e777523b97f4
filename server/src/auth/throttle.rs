//! Slows down password guessing without locking the account's owner out.
//!
//! Every attempt is counted *before* its password is checked
//! ([`LoginThrottle::begin`]), so a burst of simultaneous attempts gets no more
//! checks than the same attempts sent one at a time. Two counters apply:
//!
//! - per account **and** address: after [`PAIR_LIMIT`] failures that address
//!   must wait before trying that account again, and each further failure
//!   doubles the wait (1, 2, 4, … up to [`MAX_DELAY`] minutes). Another
//!   address with no recent failures signs in as usual, so nobody can lock
//!   the only admin out by guessing wrong on purpose.
//! - per address: after [`ADDRESS_LIMIT`] failures within [`WINDOW`] across
//!   all accounts, that address waits until the window has passed.
//!
//! The table is bounded ([`MAX_ENTRIES`]): when full, the entries idle longest
//! make room, so no stream of new names or addresses can grow it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures of one account from one address before it has to wait.
pub const PAIR_LIMIT: u32 = 5;
/// Failures from one address (any accounts) within [`WINDOW`] before it has to wait.
pub const ADDRESS_LIMIT: u32 = 20;
/// How long failures are remembered.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// The first wait after [`PAIR_LIMIT`] failures; it doubles with each further one.
pub const FIRST_DELAY: Duration = Duration::from_secs(60);
/// The longest wait.
pub const MAX_DELAY: Duration = Duration::from_secs(60 * 60);
/// Entries the table keeps at most.
pub const MAX_ENTRIES: usize = 20_000;

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    /// The last attempt counted (failures are forgotten [`WINDOW`] after it).
    last: Instant,
    /// No attempt is checked before this.
    locked_until: Option<Instant>,
}

/// An attempt that has been counted as a failure in advance; [`LoginThrottle::succeeded`]
/// takes it back when the password was right.
#[derive(Debug)]
pub struct Attempt {
    pair: String,
    address: String,
    /// The locks before this attempt, restored if it is cancelled.
    previous_locks: [Option<Instant>; 2],
}

/// Why an attempt was refused without checking its password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub retry_after: Duration,
}

#[derive(Default)]
pub struct LoginThrottle {
    entries: Mutex<HashMap<String, Entry>>,
}

impl LoginThrottle {
    /// Counts an attempt of `username` from `address` as a failure unless it
    /// is refused outright. Call [`Self::succeeded`] if the password is right.
    pub fn begin(&self, username: &str, address: &str) -> Result<Attempt, Refused> {
        self.begin_at(username, address, Instant::now())
    }

    fn begin_at(&self, username: &str, address: &str, now: Instant) -> Result<Attempt, Refused> {
        let pair = pair_key(username, address);
        let address = address_key(address);
        let mut map = self.lock();
        let mut wait = Duration::ZERO;
        for key in [&pair, &address] {
            if let Some(entry) = map.get_mut(key.as_str()) {
                forget_if_stale(entry, now);
                if let Some(until) = entry.locked_until {
                    wait = wait.max(until.saturating_duration_since(now));
                }
            }
        }
        if !wait.is_zero() {
            return Err(Refused { retry_after: wait });
        }
        make_room(&mut map, now);
        let previous_locks = [
            map.get(&pair).and_then(|e| e.locked_until),
            map.get(&address).and_then(|e| e.locked_until),
        ];
        let pair_entry = map.entry(pair.clone()).or_insert(Entry {
            failures: 0,
            last: now,
            locked_until: None,
        });
        pair_entry.failures += 1;
        pair_entry.last = now;
        if pair_entry.failures >= PAIR_LIMIT {
            let doublings = (pair_entry.failures - PAIR_LIMIT).min(16);
            let delay = FIRST_DELAY.saturating_mul(1 << doublings).min(MAX_DELAY);
            pair_entry.locked_until = Some(now + delay);
        }
        let address_entry = map.entry(address.clone()).or_insert(Entry {
            failures: 0,
            last: now,
            locked_until: None,
        });
        address_entry.failures += 1;
        address_entry.last = now;
        if address_entry.failures >= ADDRESS_LIMIT {
            address_entry.locked_until = Some(now + WINDOW);
        }
        Ok(Attempt {
            pair,
            address,
            previous_locks,
        })
    }

    /// The password was right: the attempt was not a failure after all. The
    /// account's count from this address starts again; the address keeps its
    /// other failures (one good login must not reset guessing of other accounts).
    pub fn succeeded(&self, attempt: Attempt) {
        let mut map = self.lock();
        map.remove(&attempt.pair);
        if let Some(entry) = map.get_mut(&attempt.address) {
            entry.failures = entry.failures.saturating_sub(1);
            if entry.failures < ADDRESS_LIMIT {
                entry.locked_until = None;
            }
        }
    }

    /// The password could not be checked (the server was busy): the attempt
    /// does not count, and imposes no wait.
    pub fn cancel(&self, attempt: Attempt) {
        let mut map = self.lock();
        for (key, previous) in [
            (&attempt.pair, attempt.previous_locks[0]),
            (&attempt.address, attempt.previous_locks[1]),
        ] {
            if let Some(entry) = map.get_mut(key.as_str()) {
                entry.failures = entry.failures.saturating_sub(1);
                entry.locked_until = previous;
                if entry.failures == 0 && previous.is_none() {
                    map.remove(key.as_str());
                }
            }
        }
    }

    /// Entries in the table (for tests and bounds).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        match self.entries.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

fn forget_if_stale(entry: &mut Entry, now: Instant) {
    if is_stale(entry, now) {
        *entry = Entry {
            failures: 0,
            last: now,
            locked_until: None,
        };
    } else if entry.locked_until.is_some_and(|until| until <= now) {
        entry.locked_until = None;
    }
}

/// Failures are forgotten [`WINDOW`] after the last attempt *or the end of
/// the last wait*, whichever is later: otherwise a long wait would expire
/// together with the failures that caused it, and the delays would never grow.
fn is_stale(entry: &Entry, now: Instant) -> bool {
    let quiet_since = entry
        .locked_until
        .map_or(entry.last, |until| until.max(entry.last));
    now >= quiet_since && now.duration_since(quiet_since) >= WINDOW
}

/// Keeps the table under [`MAX_ENTRIES`] (two entries are about to be added).
fn make_room(map: &mut HashMap<String, Entry>, now: Instant) {
    if map.len() + 2 <= MAX_ENTRIES {
        return;
    }
    map.retain(|_, entry| !is_stale(entry, now));
    while map.len() + 2 > MAX_ENTRIES {
        // Entries that are not waiting go first (idle longest first); a
        // waiting one only when nothing else is left (soonest to end first),
        // so a flood of new names cannot flush the guesser's own waits.
        let victim = map
            .iter()
            .filter(|(_, e)| e.locked_until.is_none_or(|until| until <= now))
            .min_by_key(|(_, e)| e.last)
            .or_else(|| map.iter().min_by_key(|(_, e)| e.locked_until))
            .map(|(key, _)| key.clone());
        let Some(victim) = victim else {
            break;
        };
        map.remove(&victim);
    }
}

fn pair_key(username: &str, address: &str) -> String {
    format!("{}\u{0}{}", username.to_lowercase(), network(address))
}

fn address_key(address: &str) -> String {
    format!("\u{0}{}", network(address))
}

/// What one client controls: an IPv4 address, or an IPv6 /64 (one
/// customer's network gets a whole /64, so single IPv6 addresses are free).
fn network(address: &str) -> String {
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let segments = v6.segments();
            format!(
                "{:x}:{:x}:{:x}:{:x}::/64",
                segments[0], segments[1], segments[2], segments[3]
            )
        }
        Ok(std::net::IpAddr::V6(v6)) => v6
            .to_ipv4_mapped()
            .map_or_else(|| address.to_string(), |v4| v4.to_string()),
        _ => address.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guessing_address_waits_but_the_owner_signs_in_from_elsewhere() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..PAIR_LIMIT {
            throttle
                .begin_at("admin", "10.0.0.1", now)
                .expect("counted");
        }
        let refused = throttle
            .begin_at("admin", "10.0.0.1", now)
            .expect_err("locked");
        assert_eq!(refused.retry_after, FIRST_DELAY);
        let attempt = throttle
            .begin_at("admin", "10.0.0.2", now)
            .expect("another address is not locked");
        throttle.succeeded(attempt);
        assert!(
            throttle.begin_at("other", "10.0.0.1", now).is_ok(),
            "other accounts from that address are not locked"
        );
    }

    #[test]
    fn each_failure_after_the_limit_doubles_the_wait() {
        let throttle = LoginThrottle::default();
        let mut now = Instant::now();
        for _ in 0..PAIR_LIMIT {
            throttle
                .begin_at("admin", "10.0.0.1", now)
                .expect("counted");
        }
        let mut waits = Vec::new();
        for _ in 0..4 {
            let wait = throttle
                .begin_at("admin", "10.0.0.1", now)
                .expect_err("locked")
                .retry_after;
            waits.push(wait.as_secs() / 60);
            now += wait;
            throttle
                .begin_at("admin", "10.0.0.1", now)
                .expect("the wait is over");
        }
        assert_eq!(waits, [1, 2, 4, 8]);
    }

    #[test]
    fn attempts_count_before_their_check_so_a_burst_gets_the_limit_and_no_more() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        let admitted: Vec<Attempt> = (0..60)
            .filter_map(|_| throttle.begin_at("admin", "10.0.0.1", now).ok())
            .collect();
        assert_eq!(admitted.len() as u32, PAIR_LIMIT);
    }

    #[test]
    fn an_address_is_locked_after_its_limit_across_accounts() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        for n in 0..ADDRESS_LIMIT {
            throttle
                .begin_at(&format!("user{n}"), "10.0.0.9", now)
                .expect("counted");
        }
        assert_eq!(
            throttle
                .begin_at("fresh", "10.0.0.9", now)
                .expect_err("locked")
                .retry_after,
            WINDOW
        );
        assert!(throttle.begin_at("fresh", "10.0.0.10", now).is_ok());
    }

    #[test]
    fn success_takes_its_attempt_back_and_failures_are_forgotten_after_the_window() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..PAIR_LIMIT - 1 {
            throttle
                .begin_at("admin", "10.0.0.1", now)
                .expect("counted");
        }
        let good = throttle
            .begin_at("admin", "10.0.0.1", now)
            .expect("counted");
        throttle.succeeded(good);
        for _ in 0..PAIR_LIMIT - 1 {
            throttle
                .begin_at("admin", "10.0.0.1", now)
                .expect("counted again from zero");
        }
        let later = now + WINDOW;
        for _ in 0..PAIR_LIMIT - 1 {
            throttle
                .begin_at("admin", "10.0.0.1", later)
                .expect("forgotten");
        }
    }

    #[test]
    fn waits_keep_growing_past_the_window() {
        let throttle = LoginThrottle::default();
        let mut now = Instant::now();
        for _ in 0..PAIR_LIMIT {
            throttle
                .begin_at("admin", "10.0.0.1", now)
                .expect("counted");
        }
        let mut last = Duration::ZERO;
        for _ in 0..8 {
            let wait = throttle
                .begin_at("admin", "10.0.0.1", now)
                .expect_err("locked")
                .retry_after;
            assert!(wait >= last, "{wait:?} after {last:?}");
            last = wait;
            now += wait;
            throttle
                .begin_at("admin", "10.0.0.1", now)
                .expect("the wait is over");
        }
        assert_eq!(last, MAX_DELAY, "the doubling reaches the cap");
    }

    #[test]
    fn one_ipv6_network_is_one_client_and_a_cancelled_attempt_leaves_no_wait() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        for n in 0..PAIR_LIMIT {
            throttle
                .begin_at("admin", &format!("2001:db8:1:2::{n:x}"), now)
                .expect("counted");
        }
        assert!(
            throttle
                .begin_at("admin", "2001:db8:1:2:ffff::1", now)
                .is_err(),
            "same /64"
        );
        assert!(
            throttle.begin_at("admin", "2001:db8:1:3::1", now).is_ok(),
            "another /64"
        );

        let fresh = LoginThrottle::default();
        for _ in 0..PAIR_LIMIT - 1 {
            fresh.begin_at("admin", "10.0.0.1", now).expect("counted");
        }
        let fifth = fresh
            .begin_at("admin", "10.0.0.1", now)
            .expect("counted, and it sets a wait");
        fresh.cancel(fifth);
        assert!(
            fresh.begin_at("admin", "10.0.0.1", now).is_ok(),
            "the cancelled attempt set no wait"
        );
    }

    #[test]
    fn a_flood_of_new_names_does_not_flush_a_guessers_wait() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..PAIR_LIMIT {
            throttle
                .begin_at("admin", "10.9.9.9", now)
                .expect("counted");
        }
        for n in 0..(MAX_ENTRIES + 100) {
            let _ = throttle.begin_at(
                &format!("name{n}"),
                &format!("10.{}.{}.{}", n >> 16 & 255, n >> 8 & 255, n & 255),
                now,
            );
        }
        assert!(
            throttle.begin_at("admin", "10.9.9.9", now).is_err(),
            "still waiting"
        );
    }

    #[test]
    fn the_table_stays_bounded_whatever_names_arrive() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        for n in 0..(MAX_ENTRIES + 500) {
            let _ = throttle.begin_at(
                &format!("name{n}"),
                &format!("10.{}.{}.{}", n >> 16 & 255, n >> 8 & 255, n & 255),
                now,
            );
        }
        assert!(throttle.len() <= MAX_ENTRIES, "{}", throttle.len());
    }
}
