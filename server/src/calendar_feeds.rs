//! Fetches the calendar feeds display rules name: a new feed at once, then
//! every hour (a failed one again after a quarter of an hour), and when an
//! admin asks. Every fetch goes through the outbound client (its deadline,
//! size cap and address rules). Only an answer that parses replaces the
//! kept copy; the public configs are built again after every change, and
//! at the start of every hour (their business hours start at the hour).

use std::time::Duration;

use serde_json::{json, Map, Value};
use switchboard_core::hours::parse_calendar;
use switchboard_core::messages::CalendarFeedError;
use switchboard_core::wire::CalendarProblem;
use url::Url;

use crate::egress::{EgressError, Outbound};
use crate::state::AppState;
use crate::store::{now_rfc3339, unix_now};

/// A feed that answered is fetched again after this long.
const REFRESH_EVERY: Duration = Duration::from_secs(3600);
/// A feed that failed is tried again after this long.
const RETRY_AFTER: Duration = Duration::from_secs(15 * 60);
/// Largest feed read.
pub const MAX_FEED_BYTES: usize = 2 * 1024 * 1024;
const FETCH_TIMEOUT: Duration = Duration::from_secs(20);

pub async fn run(state: AppState) {
    let mut hour = unix_now() / 3600;
    loop {
        let changed = refresh_due(&state).await;
        let now_hour = unix_now() / 3600;
        if changed || now_hour != hour {
            hour = now_hour;
            state.store.refresh_public().await;
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(60)) => {}
            () = state.calendar_feeds.notified() => {}
        }
    }
}

/// When a feed last tried at `at` (RFC 3339) is due again: an hour after a
/// success, a quarter of an hour after a failure. `None`: unreadable, due now.
pub fn next_attempt(at: &str, succeeded: bool) -> Option<time::OffsetDateTime> {
    let wait = if succeeded {
        REFRESH_EVERY
    } else {
        RETRY_AFTER
    };
    time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|at| at + wait)
}

/// Fetches every feed that is due; whether any copy or status changed.
async fn refresh_due(state: &AppState) -> bool {
    let urls = state.store.snapshot().document.feed_urls();
    let calendars = state.store.calendars();
    calendars.retain(&urls);
    let now = time::OffsetDateTime::now_utc();
    let mut changed = false;
    for url in urls {
        let due = calendars
            .last_attempt(&url)
            .and_then(|(at, ok)| next_attempt(&at, ok))
            .is_none_or(|next| now >= next);
        if due {
            let _ = fetch(state, &url).await;
            changed = true;
        }
    }
    changed
}

/// Fetches `url` now and keeps what it gave; `Err` says why it failed (the
/// copy in use, if any, stays).
pub async fn fetch(state: &AppState, url: &str) -> Result<usize, CalendarProblem> {
    let at = now_rfc3339();
    let result = download(state, url).await.and_then(|text| {
        parse_calendar(&text)
            .map(|calendar| (text, calendar))
            .map_err(|problem| {
                problem_of(
                    CalendarFeedError::InvalidCalendar,
                    format!("the feed is not an iCalendar text: {problem}"),
                    json!({"problem": problem.to_string()}),
                )
            })
    });
    let calendars = state.store.calendars();
    match result {
        Ok((text, calendar)) => {
            let events = calendar.events.len();
            if let Err(error) = calendars.succeeded(url, &at, &text, calendar) {
                tracing::error!(%error, "cannot keep the copy of a calendar feed");
            }
            Ok(events)
        }
        Err((code, message, params)) => {
            tracing::warn!(url, code = code.as_str(), %message, "a calendar feed could not be read; its last good copy stays in use");
            let problem = CalendarProblem {
                code,
                message,
                params,
                at,
            };
            if let Err(error) = calendars.failed(url, problem.clone()) {
                tracing::error!(%error, "cannot keep the status of a calendar feed");
            }
            Err(problem)
        }
    }
}

type Failure = (CalendarFeedError, String, Map<String, Value>);

fn problem_of(code: CalendarFeedError, message: String, params: Value) -> Failure {
    let params = match params {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    (code, message, params)
}

async fn download(state: &AppState, url: &str) -> Result<String, Failure> {
    let parsed = Url::parse(url).map_err(|e| {
        problem_of(
            CalendarFeedError::Unreachable,
            format!("the URL cannot be requested: {e}"),
            json!({"detail": e.to_string()}),
        )
    })?;
    let mut request = Outbound::get(parsed).header(
        reqwest::header::ACCEPT,
        reqwest::header::HeaderValue::from_static("text/calendar, */*;q=0.5"),
    );
    request.timeout = FETCH_TIMEOUT;
    request.max_response_bytes = MAX_FEED_BYTES;
    let reply = state
        .egress
        .send(request)
        .await
        .map_err(|error| match &error {
            EgressError::NotAllowed { host, address } => problem_of(
                CalendarFeedError::NotAllowed,
                error.to_string(),
                json!({"host": host, "address": address}),
            ),
            EgressError::Timeout(_) => {
                problem_of(CalendarFeedError::Timeout, error.to_string(), json!({}))
            }
            EgressError::TooLarge { limit } => problem_of(
                CalendarFeedError::TooLarge,
                error.to_string(),
                json!({"limit": limit}),
            ),
            _ => problem_of(
                CalendarFeedError::Unreachable,
                error.to_string(),
                json!({"detail": error.to_string()}),
            ),
        })?;
    if reply.status != 200 {
        return Err(problem_of(
            CalendarFeedError::HttpStatus,
            format!(
                "the feed's server answered with HTTP status {}",
                reply.status
            ),
            json!({"status": reply.status}),
        ));
    }
    Ok(String::from_utf8_lossy(&reply.body).into_owned())
}
