//! Pieces several screens share.

pub mod chat_settings;
pub mod confirm;

use leptos::prelude::*;

/// `2026-11-22T16:44:32Z` → `2026-11-22 16:44 UTC`.
pub fn when(stamp: &str) -> String {
    match (stamp.get(..10), stamp.get(11..16)) {
        (Some(date), Some(time)) => format!("{date} {time} UTC"),
        _ => stamp.to_string(),
    }
}

/// "Copied." shows for a few seconds, then goes.
pub fn flash(shown: RwSignal<bool>) {
    shown.set(true);
    set_timeout(move || shown.set(false), std::time::Duration::from_secs(3));
}
