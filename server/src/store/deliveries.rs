//! Webhook deliveries: the ones waiting to be (re)tried and the recent ones
//! done, per bot, behind [`DeliveryStore`]. The embedded implementation is
//! one JSON file, `webhook-deliveries.json`, rewritten atomically on every
//! change, so pending retries survive a restart.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::StoreError;

pub const DELIVERIES_FILE: &str = "webhook-deliveries.json";
/// Finished deliveries kept per bot, newest first.
pub const KEPT_PER_BOT: usize = 200;
/// Deliveries waiting per bot; beyond it the oldest waiting is given up.
pub const PENDING_PER_BOT: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    /// Every retry failed, or too many were waiting.
    Failed,
    /// Not sent any more: the bot's webhook is gone or was disabled (410).
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    pub at: String,
    pub duration_ms: u64,
    /// The receiver's status code, if it answered.
    pub response_status: Option<u16>,
    /// Why there was no answer, or what the answer said (shortened).
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// `webhook-id`: the same for every attempt, so receivers can dedupe.
    pub id: String,
    pub bot: String,
    pub event: String,
    /// The exact body sent (and signed).
    pub payload: String,
    pub created_at: String,
    pub status: DeliveryStatus,
    pub attempts: Vec<Attempt>,
    /// Unix milliseconds of the next attempt, while pending.
    pub next_attempt_at: Option<i64>,
    /// Why it stopped, when it did without being delivered.
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct OnDisk {
    deliveries: Vec<Delivery>,
}

/// The narrow interface the webhook worker and the API use.
pub trait DeliveryStore: Send + Sync {
    /// Adds a pending delivery (and gives up the oldest waiting one of its
    /// bot beyond [`PENDING_PER_BOT`]).
    fn add(&self, delivery: Delivery) -> Result<(), StoreError>;
    /// Replaces a delivery by id.
    fn put(&self, delivery: Delivery) -> Result<(), StoreError>;
    fn get(&self, id: &str) -> Option<Delivery>;
    /// Pending deliveries due at `now_ms`, oldest first, at most `limit`.
    fn due(&self, now_ms: i64, limit: usize) -> Vec<Delivery>;
    /// When the next pending delivery is due.
    fn next_due(&self) -> Option<i64>;
    /// A bot's deliveries, newest first.
    fn of_bot(&self, bot: &str, limit: usize) -> Vec<Delivery>;
    /// Cancels a bot's pending deliveries (its webhook is gone).
    fn cancel_bot(&self, bot: &str, reason: &str) -> Result<(), StoreError>;
    /// Forgets a deleted bot's deliveries.
    fn remove_bot(&self, bot: &str) -> Result<(), StoreError>;
}

pub struct FileDeliveryStore {
    path: PathBuf,
    deliveries: Mutex<Vec<Delivery>>,
}

impl FileDeliveryStore {
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        let path = data_dir.join(DELIVERIES_FILE);
        let deliveries = match fs::read(&path) {
            Ok(bytes) => {
                serde_json::from_slice::<OnDisk>(&bytes)
                    .map_err(|e| StoreError::Corrupt {
                        path: path.clone(),
                        detail: e.to_string(),
                    })?
                    .deliveries
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(StoreError::io(&path, "read", e)),
        };
        Ok(Self {
            path,
            deliveries: Mutex::new(deliveries),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Delivery>> {
        match self.deliveries.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Applies `change` to a copy, writes it, and only then keeps it.
    fn change(&self, change: impl FnOnce(&mut Vec<Delivery>)) -> Result<(), StoreError> {
        let mut current = self.lock();
        let mut next = current.clone();
        change(&mut next);
        trim(&mut next);
        self.write(&next)?;
        *current = next;
        Ok(())
    }

    fn write(&self, deliveries: &[Delivery]) -> Result<(), StoreError> {
        #[derive(Serialize)]
        struct Out<'a> {
            deliveries: &'a [Delivery],
        }
        let bytes = serde_json::to_vec(&Out { deliveries })
            .map_err(|e| StoreError::Encode(e.to_string()))?;
        super::file::write_atomically(&self.path, &bytes)
    }
}

/// Keeps at most [`KEPT_PER_BOT`] finished deliveries per bot (the newest).
fn trim(deliveries: &mut Vec<Delivery>) {
    let mut finished_seen: std::collections::HashMap<String, usize> = Default::default();
    let mut keep = vec![true; deliveries.len()];
    for (index, delivery) in deliveries.iter().enumerate().rev() {
        if delivery.status != DeliveryStatus::Pending {
            let seen = finished_seen.entry(delivery.bot.clone()).or_default();
            *seen += 1;
            if *seen > KEPT_PER_BOT {
                keep[index] = false;
            }
        }
    }
    let mut flags = keep.into_iter();
    deliveries.retain(|_| flags.next().unwrap_or(true));
}

impl DeliveryStore for FileDeliveryStore {
    fn add(&self, delivery: Delivery) -> Result<(), StoreError> {
        self.change(|all| {
            let bot = delivery.bot.clone();
            all.push(delivery);
            let pending: Vec<usize> = all
                .iter()
                .enumerate()
                .filter(|(_, d)| d.bot == bot && d.status == DeliveryStatus::Pending)
                .map(|(i, _)| i)
                .collect();
            if pending.len() > PENDING_PER_BOT {
                if let Some(oldest) = all.get_mut(pending[0]) {
                    oldest.status = DeliveryStatus::Failed;
                    oldest.next_attempt_at = None;
                    oldest.reason = Some(format!(
                        "more than {PENDING_PER_BOT} deliveries were waiting"
                    ));
                }
            }
        })
    }

    fn put(&self, delivery: Delivery) -> Result<(), StoreError> {
        self.change(|all| {
            if let Some(slot) = all.iter_mut().find(|d| d.id == delivery.id) {
                *slot = delivery;
            }
        })
    }

    fn get(&self, id: &str) -> Option<Delivery> {
        self.lock().iter().find(|d| d.id == id).cloned()
    }

    fn due(&self, now_ms: i64, limit: usize) -> Vec<Delivery> {
        let mut due: Vec<Delivery> = self
            .lock()
            .iter()
            .filter(|d| d.status == DeliveryStatus::Pending)
            .filter(|d| d.next_attempt_at.is_some_and(|at| at <= now_ms))
            .cloned()
            .collect();
        due.sort_by_key(|d| d.next_attempt_at);
        due.truncate(limit);
        due
    }

    fn next_due(&self) -> Option<i64> {
        self.lock()
            .iter()
            .filter(|d| d.status == DeliveryStatus::Pending)
            .filter_map(|d| d.next_attempt_at)
            .min()
    }

    fn of_bot(&self, bot: &str, limit: usize) -> Vec<Delivery> {
        self.lock()
            .iter()
            .rev()
            .filter(|d| d.bot == bot)
            .take(limit)
            .cloned()
            .collect()
    }

    fn cancel_bot(&self, bot: &str, reason: &str) -> Result<(), StoreError> {
        if !self
            .lock()
            .iter()
            .any(|d| d.bot == bot && d.status == DeliveryStatus::Pending)
        {
            return Ok(());
        }
        self.change(|all| {
            for delivery in all
                .iter_mut()
                .filter(|d| d.bot == bot && d.status == DeliveryStatus::Pending)
            {
                delivery.status = DeliveryStatus::Cancelled;
                delivery.next_attempt_at = None;
                delivery.reason = Some(reason.to_string());
            }
        })
    }

    fn remove_bot(&self, bot: &str) -> Result<(), StoreError> {
        if !self.lock().iter().any(|d| d.bot == bot) {
            return Ok(());
        }
        self.change(|all| all.retain(|d| d.bot != bot))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(id: &str, bot: &str, due: i64) -> Delivery {
        Delivery {
            id: id.into(),
            bot: bot.into(),
            event: "message.created".into(),
            payload: "{}".into(),
            created_at: "2026-12-01T00:00:00Z".into(),
            status: DeliveryStatus::Pending,
            attempts: vec![],
            next_attempt_at: Some(due),
            reason: None,
        }
    }

    #[test]
    fn pending_deliveries_survive_a_reopen_and_come_due_in_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let store = FileDeliveryStore::open(dir.path()).expect("open");
            store.add(delivery("b", "bot", 20)).expect("add");
            store.add(delivery("a", "bot", 10)).expect("add");
            store.add(delivery("later", "bot", 1000)).expect("add");
        }
        let store = FileDeliveryStore::open(dir.path()).expect("reopen");
        let due: Vec<String> = store.due(100, 10).into_iter().map(|d| d.id).collect();
        assert_eq!(due, ["a", "b"]);
        assert_eq!(store.next_due(), Some(10));
        let mut done = store.get("a").expect("a");
        done.status = DeliveryStatus::Delivered;
        done.next_attempt_at = None;
        store.put(done).expect("put");
        assert_eq!(store.due(100, 10).len(), 1);
        store.cancel_bot("bot", "webhook removed").expect("cancel");
        assert!(store.due(i64::MAX, 10).is_empty());
        assert_eq!(store.of_bot("bot", 10)[0].status, DeliveryStatus::Cancelled);
        store.remove_bot("bot").expect("remove");
        assert!(store.of_bot("bot", 10).is_empty());
    }

    #[test]
    fn finished_deliveries_are_capped_per_bot() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = FileDeliveryStore::open(dir.path()).expect("open");
        for n in 0..(KEPT_PER_BOT + 5) {
            let mut d = delivery(&format!("d{n}"), "bot", 0);
            d.status = DeliveryStatus::Delivered;
            store.add(d).expect("add");
        }
        let kept = store.of_bot("bot", usize::MAX);
        assert_eq!(kept.len(), KEPT_PER_BOT);
        assert_eq!(
            kept[0].id,
            format!("d{}", KEPT_PER_BOT + 4),
            "the newest first"
        );
    }
}
