//! Removes conversations past the retention the admin set: at start, every
//! hour, and at once when the setting changes. Each sweep that removes any
//! leaves an audit entry by the server.

use std::sync::Arc;
use std::time::Duration;

use switchboard_core::messages::AuditAction;

use crate::state::AppState;
use crate::store::audit::Actor;
use crate::store::{AuditRecord, Who};

const EVERY: Duration = Duration::from_secs(3600);

pub async fn run(state: AppState) {
    loop {
        sweep(&state).await;
        tokio::select! {
            () = tokio::time::sleep(EVERY) => {}
            () = state.retention.notified() => {}
        }
    }
}

/// The start of the retention window `days` before now, as records are stamped.
fn cutoff(days: u32) -> String {
    let at = time::OffsetDateTime::now_utc() - time::Duration::days(i64::from(days));
    at.replace_nanosecond(0)
        .unwrap_or(at)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// One pass; how many conversations it removed.
pub async fn sweep(state: &AppState) -> usize {
    let days = state
        .store
        .snapshot()
        .document
        .conversation_settings
        .retention_days;
    let log = Arc::clone(state.chats.log());
    let cutoff = cutoff(days);
    let removed =
        match tokio::task::spawn_blocking(move || log.remove_inactive_before(&cutoff)).await {
            Ok(Ok(removed)) => removed,
            Ok(Err(error)) => {
                tracing::error!(%error, "cannot remove conversations past the retention");
                return 0;
            }
            Err(error) => {
                tracing::error!(%error, "the retention sweep stopped");
                return 0;
            }
        };
    if removed > 0 {
        let who = Who {
            actor: Actor::system(),
            ip: None,
        };
        let record = AuditRecord::success(AuditAction::ConversationsExpire, None)
            .param("removed", removed)
            .param("retention_days", days);
        state.store.record(&who, record).await;
        tracing::info!(removed, days, "removed conversations past the retention");
    }
    removed
}
