//! Keeps anonymous sign-in attempts from growing the audit log without bound.
//!
//! Wrong passwords are itemized up to [`ITEMIZED_PER_MINUTE`] a minute;
//! attempts refused by the throttle are never itemized one by one. What is
//! not itemized is counted and written as one summary entry per minute (at
//! the next attempt after the minute, or by the server's periodic flush).

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use switchboard_core::messages::{AuditAction, AuditCode};

use crate::store::{Actor, AuditRecord, Store, Who};

pub const ITEMIZED_PER_MINUTE: u32 = 10;
const PERIOD: Duration = Duration::from_secs(60);
/// Distinct addresses remembered for a summary (the count stops growing there).
const MAX_ADDRESSES: usize = 1000;

struct Period {
    started: Instant,
    itemized: u32,
    refused: u64,
    unitemized_failures: u64,
    addresses: HashSet<String>,
}

impl Period {
    fn new(now: Instant) -> Self {
        Self {
            started: now,
            itemized: 0,
            refused: 0,
            unitemized_failures: 0,
            addresses: HashSet::new(),
        }
    }

    fn summary(&self) -> Option<AuditRecord> {
        if self.refused == 0 && self.unitemized_failures == 0 {
            return None;
        }
        let detail = format!(
            "{} sign-in attempts refused while locked out and {} more wrong passwords in a minute, from {} addresses (not itemized)",
            self.refused,
            self.unitemized_failures,
            self.addresses.len()
        );
        Some(
            AuditRecord::failure(
                AuditAction::SessionLogin,
                None,
                AuditCode::NotItemized,
                detail,
            )
            .param("refused", self.refused)
            .param("failed", self.unitemized_failures)
            .param("addresses", self.addresses.len() as u64),
        )
    }
}

/// Writes a summary, if there is one; it is no one's in particular.
pub async fn record_summary(store: &Store, summary: Option<AuditRecord>) {
    if let Some(summary) = summary {
        store
            .record(
                &Who {
                    actor: Actor::anonymous(""),
                    ip: None,
                },
                summary,
            )
            .await;
    }
}

pub struct LoginAudit {
    period: Mutex<Period>,
}

impl Default for LoginAudit {
    fn default() -> Self {
        Self {
            period: Mutex::new(Period::new(Instant::now())),
        }
    }
}

/// What to write for one attempt.
pub struct Decision {
    /// Write the attempt's own entry.
    pub itemize: bool,
    /// A summary of the previous minute, to write first.
    pub summary: Option<AuditRecord>,
}

impl LoginAudit {
    /// A wrong password from `address`.
    pub fn failed(&self, address: &str) -> Decision {
        self.count(address, false)
    }

    /// An attempt refused by the throttle.
    pub fn refused(&self, address: &str) -> Decision {
        self.count(address, true)
    }

    /// The summary of a minute that has passed, if anything was counted.
    pub fn flush(&self) -> Option<AuditRecord> {
        let now = Instant::now();
        let mut period = self.lock();
        if now.duration_since(period.started) < PERIOD {
            return None;
        }
        let summary = period.summary();
        *period = Period::new(now);
        summary
    }

    fn count(&self, address: &str, refused: bool) -> Decision {
        let now = Instant::now();
        let mut period = self.lock();
        let mut summary = None;
        if now.duration_since(period.started) >= PERIOD {
            summary = period.summary();
            *period = Period::new(now);
        }
        let itemize = !refused && period.itemized < ITEMIZED_PER_MINUTE;
        if itemize {
            period.itemized += 1;
        } else {
            if refused {
                period.refused += 1;
            } else {
                period.unitemized_failures += 1;
            }
            if period.addresses.len() < MAX_ADDRESSES {
                period.addresses.insert(address.to_string());
            }
        }
        Decision { itemize, summary }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Period> {
        match self.period.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beyond_the_budget_attempts_are_counted_not_itemized() {
        let audit = LoginAudit::default();
        let itemized = (0..100)
            .filter(|n| audit.failed(&format!("10.0.0.{}", n % 7)).itemize)
            .count();
        assert_eq!(itemized, ITEMIZED_PER_MINUTE as usize);
        assert!(
            !audit.refused("10.0.0.1").itemize,
            "throttled attempts are never itemized"
        );
        let period = audit.lock();
        let summary = period.summary().expect("something was counted");
        assert_eq!(
            summary.params["failed"],
            100 - u64::from(ITEMIZED_PER_MINUTE)
        );
        assert_eq!(summary.params["refused"], 1);
        assert_eq!(summary.params["addresses"], 7);
    }
}
