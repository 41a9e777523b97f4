//! Bounds on requests that wait for news (long polls): a pool of slots in
//! all and a share per key (a bot, an address), so one client cannot take
//! every slot. A request that gets no slot answers at once with what there is.

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::{Semaphore, SemaphorePermit};

pub struct WaitPool {
    total: Semaphore,
    max_per_key: usize,
    per_key: Mutex<HashMap<String, usize>>,
}

impl WaitPool {
    pub fn new(total: usize, max_per_key: usize) -> Self {
        Self {
            total: Semaphore::new(total),
            max_per_key,
            per_key: Mutex::new(HashMap::new()),
        }
    }

    /// A slot for `key`, or `None` when the pool or the key's share is full.
    pub fn take(&self, key: &str) -> Option<WaitSlot<'_>> {
        let mut per_key = self.per_key.lock().ok()?;
        let count = per_key.entry(key.to_string()).or_default();
        if *count >= self.max_per_key {
            return None;
        }
        let permit = self.total.try_acquire().ok()?;
        *count += 1;
        Some(WaitSlot {
            pool: self,
            key: key.to_string(),
            _permit: permit,
        })
    }
}

/// A request waiting; its slot is given back when it is dropped.
pub struct WaitSlot<'a> {
    pool: &'a WaitPool,
    key: String,
    _permit: SemaphorePermit<'a>,
}

impl Drop for WaitSlot<'_> {
    fn drop(&mut self) {
        if let Ok(mut per_key) = self.pool.per_key.lock() {
            if let Some(count) = per_key.get_mut(&self.key) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    per_key.remove(&self.key);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_bounded_in_all_and_per_key_and_come_back() {
        let pool = WaitPool::new(3, 2);
        let a1 = pool.take("a");
        let a2 = pool.take("a");
        assert!(a1.is_some() && a2.is_some());
        assert!(pool.take("a").is_none(), "a's share is full");
        let b1 = pool.take("b");
        assert!(b1.is_some());
        assert!(pool.take("c").is_none(), "the pool is full");
        drop(a1);
        assert!(pool.take("c").is_some(), "a slot came back");
        drop((a2, b1));
        assert!(pool.per_key.lock().expect("lock").len() <= 1);
    }
}
