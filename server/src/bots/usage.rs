//! Counting what a bot's model calls cost against its daily budget.

use crate::store::{now_rfc3339, Store, StoreError};

/// Today in UTC, `YYYY-MM-DD`: the day token budgets count.
pub fn today() -> String {
    now_rfc3339().chars().take(10).collect()
}

/// Whether `bot` may call its model now: `Err(budget)` when today's tokens
/// have reached it.
pub fn check_budget(used_today: u64, budget: u64) -> Result<(), u64> {
    if used_today >= budget {
        Err(budget)
    } else {
        Ok(())
    }
}

/// Adds `tokens` to today's count of `bot` and marks it active; returns
/// today's total. Bookkeeping, not a settings change: the revision stays.
pub async fn record(store: &Store, bot: &str, tokens: u64) -> Result<u64, StoreError> {
    let day = today();
    store
        .update(|document| {
            let Some(record) = document.chatbots.get_mut(bot) else {
                return Ok(0);
            };
            record.usage.add(&day, tokens);
            record.last_activity_at = Some(now_rfc3339());
            Ok::<_, StoreError>(record.usage.on(&day))
        })
        .await
}
