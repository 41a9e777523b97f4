//! The admin's view of conversations with chatbots: `GET /conversations`
//! (by site, bot and date), `GET /conversations/{id}` (the transcript),
//! `DELETE /conversations/{id}`, `GET /conversations/export` (a date range
//! as JSON Lines or CSV) and `GET/PUT /conversation-settings` (how many
//! days they are kept). Deletions and exports are audited.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use switchboard_core::errors::{ErrorCode, FieldError, FieldErrors};
use switchboard_core::messages::{ApiCode, AuditAction};
use switchboard_core::transcripts::{csv_row, ConversationSettings, ExportFormat, CSV_COLUMNS};
use switchboard_core::wire;

use super::extract::{JsonBody, PathId, QueryParams};
use super::openapi;
use super::ApiError;
use crate::state::AppState;
use crate::store::conversations::{
    ConversationEvent, ConversationFilter, ConversationRecord, ConversationSummary, Origin,
    OriginFilter,
};
use crate::store::{AuditRecord, Document, Who};
use switchboard_core::visitor_chat::Vote;

const MAX_LIMIT: usize = 200;
/// Records a transcript shows, the newest.
const TRANSCRIPT_RECORDS: usize = 2000;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    bot: Option<String>,
    site: Option<String>,
    origin: Option<String>,
    since: Option<String>,
    until: Option<String>,
    before: Option<String>,
    limit: Option<String>,
    format: Option<String>,
}

fn invalid(field: &str, code: ErrorCode, message: String) -> FieldError {
    FieldError::new(field, code, message)
}

/// A time as the log stamps records (RFC 3339, UTC, to the second), from a
/// date (`since`: its first second, `until`: its last, in UTC) or any RFC
/// 3339 time.
fn instant(field: &str, raw: &str, end_of_day: bool) -> Result<String, FieldError> {
    use time::format_description::well_known::Rfc3339;
    let bad = || {
        invalid(
            field,
            ErrorCode::InvalidFormat,
            format!("{field} must be a date (2026-12-01) or an RFC 3339 time (2026-12-01T00:00:00Z; in a URL an offset's + is %2B)"),
        )
    };
    let at = if raw.len() == 10 {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let date = time::Date::parse(raw, &format).map_err(|_| bad())?;
        let time = if end_of_day {
            time::Time::from_hms(23, 59, 59).map_err(|_| bad())?
        } else {
            time::Time::MIDNIGHT
        };
        date.with_time(time).assume_utc()
    } else {
        time::OffsetDateTime::parse(raw, &Rfc3339)
            .map_err(|_| bad())?
            // Checked: near the end of year 9999 a time may not exist in UTC.
            .checked_to_offset(time::UtcOffset::UTC)
            .ok_or_else(bad)?
            .replace_nanosecond(0)
            .map_err(|_| bad())?
    };
    at.format(&Rfc3339).map_err(|_| bad())
}

impl ListQuery {
    /// The filter it asks for; every problem at once.
    fn filter(&self, errors: &mut FieldErrors) -> ConversationFilter {
        let mut filter = ConversationFilter {
            bot: self.bot.clone().filter(|b| !b.is_empty()),
            ..Default::default()
        };
        let site = self.site.clone().filter(|s| !s.is_empty());
        filter.origin = match (self.origin.as_deref(), site) {
            (None | Some("") | Some("site"), Some(site)) => Some(OriginFilter::Site(site)),
            (Some(_), Some(_)) => {
                errors.add(invalid(
                    "origin",
                    ErrorCode::InvalidChoice,
                    "a site's conversations are those of origin site; leave origin out".into(),
                ));
                None
            }
            (None | Some(""), None) => None,
            (Some("direct"), None) => Some(OriginFilter::Direct),
            (Some("try"), None) => Some(OriginFilter::Try),
            (Some(_), None) => {
                errors.add(
                    invalid(
                        "origin",
                        ErrorCode::InvalidChoice,
                        "origin must be direct or try (or give site)".into(),
                    )
                    .with("choices", vec!["direct", "try"]),
                );
                None
            }
        };
        for (field, raw, end) in [("since", &self.since, false), ("until", &self.until, true)] {
            match raw
                .as_deref()
                .filter(|r| !r.is_empty())
                .map(|r| instant(field, r, end))
            {
                Some(Ok(at)) if end => filter.until = Some(at),
                Some(Ok(at)) => filter.since = Some(at),
                Some(Err(error)) => errors.add(error),
                None => {}
            }
        }
        if let (Some(since), Some(until)) = (&filter.since, &filter.until) {
            if since > until {
                errors.add(invalid(
                    "until",
                    ErrorCode::InvalidChoice,
                    "until must not be before since".into(),
                ));
            }
        }
        filter
    }
}

fn bad_query(errors: FieldErrors) -> ApiError {
    ApiError::Validation(errors)
}

/// The list's view of a summary.
pub fn item(document: &Document, summary: &ConversationSummary) -> wire::ConversationItem {
    let (origin, site, admin) = match &summary.origin {
        Some(Origin::Site { site }) => ("site", Some(site.clone()), None),
        Some(Origin::Direct) => ("direct", None, None),
        Some(Origin::Try { admin }) => ("try", None, Some(admin.clone())),
        None => ("unknown", None, None),
    };
    let count = |wanted: Vote| summary.votes.iter().filter(|(_, v)| *v == wanted).count();
    wire::ConversationItem {
        id: summary.id.clone(),
        bot: summary.bot.clone(),
        bot_name: document
            .chatbots
            .get(&summary.bot)
            .map(|b| b.settings.name.clone()),
        origin: origin.into(),
        site,
        admin,
        visitor: summary.visitor.clone(),
        started_at: summary.started_at.clone(),
        last_at: summary.last_at.clone(),
        messages: summary.messages,
        votes_up: u32::try_from(count(Vote::Up)).unwrap_or(u32::MAX),
        votes_down: u32::try_from(count(Vote::Down)).unwrap_or(u32::MAX),
        refusals: summary.refusals,
        models: summary.models.clone(),
    }
}

fn unknown_conversation(id: &str) -> ApiError {
    ApiError::not_found(
        ApiCode::UnknownConversation,
        format!("there is no conversation {id:?}"),
    )
    .with_param("conversation", id)
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))
}

#[utoipa::path(
    get, path = "/conversations", tag = "conversations",
    operation_id = "list_conversations",
    summary = "List conversations",
    description = "With chatbots: on sites, on a bot's direct page, and admins' \"Try it\". The newest started first; a conversation is in a date range when it had activity in it.",
    params(
        ("site" = Option<String>, Query, description = "Only this site's"),
        ("origin" = Option<String>, Query, description = "`direct` or `try` (for a site's, give `site`)"),
        ("bot" = Option<String>, Query, description = "Only this chatbot's"),
        ("since" = Option<String>, Query, description = "A date (UTC) or RFC 3339 time"),
        ("until" = Option<String>, Query, description = "A date (UTC, to its end) or RFC 3339 time"),
        ("before" = Option<String>, Query, description = "The previous page's `next`"),
        ("limit" = Option<u64>, Query, minimum = 1, maximum = 200, description = "1 to 200 (default 50)"),
    ),
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "OK", body = wire::ConversationList), openapi::ConversationListErrors)
)]
pub async fn list(
    State(state): State<AppState>,
    QueryParams(query): QueryParams<ListQuery>,
) -> Result<Json<wire::ConversationList>, ApiError> {
    let mut errors = FieldErrors::default();
    let filter = query.filter(&mut errors);
    let before = match query.before.as_deref() {
        None | Some("") => None,
        Some(raw) => match raw.parse::<u64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.add(invalid(
                    "before",
                    ErrorCode::InvalidFormat,
                    "before must be a page's next value".into(),
                ));
                None
            }
        },
    };
    let limit = match query.limit.as_deref().map(str::parse::<usize>) {
        None => 50,
        Some(Ok(n)) if (1..=MAX_LIMIT).contains(&n) => n,
        Some(_) => {
            errors.add(
                invalid(
                    "limit",
                    ErrorCode::InvalidFormat,
                    format!("limit must be a whole number from 1 to {MAX_LIMIT}"),
                )
                .with("max", MAX_LIMIT),
            );
            50
        }
    };
    if query.format.is_some() {
        errors.add(invalid(
            "format",
            ErrorCode::UnknownField,
            "format is for the export".into(),
        ));
    }
    if !errors.is_empty() {
        return Err(bad_query(errors));
    }
    let log = Arc::clone(state.chats.log());
    let (page, total) = blocking(move || log.list(&filter, before, limit + 1)).await?;
    let document = &state.store.snapshot().document;
    let next = (page.len() > limit)
        .then(|| page.get(limit - 1).map(|k| k.first_seq.to_string()))
        .flatten();
    let conversations = page.iter().take(limit).map(|k| item(document, k)).collect();
    Ok(Json(wire::ConversationList {
        conversations,
        total,
        next,
    }))
}

fn entry(record: &ConversationRecord) -> wire::TranscriptEntry {
    let mut entry = wire::TranscriptEntry {
        seq: record.seq,
        at: record.at.clone(),
        event: String::new(),
        author: None,
        text: None,
        model: None,
        message: None,
        vote: None,
        code: None,
        visitor: None,
    };
    let event = match &record.event {
        ConversationEvent::Started { visitor, .. } => {
            entry.visitor.clone_from(visitor);
            "started"
        }
        ConversationEvent::Message {
            author,
            text,
            model,
        } => {
            entry.author = serde_json::to_value(author)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string));
            entry.text = Some(text.clone());
            entry.model.clone_from(model);
            "message"
        }
        ConversationEvent::Identified { visitor } => {
            entry.visitor = Some(visitor.clone());
            "identified"
        }
        ConversationEvent::Feedback { message, vote } => {
            entry.message = Some(*message);
            entry.vote = *vote;
            "feedback"
        }
        ConversationEvent::Refused { code } => {
            entry.code = Some(code.clone());
            "refused"
        }
    };
    entry.event = event.into();
    entry
}

#[utoipa::path(
    get, path = "/conversations/{id}", tag = "conversations",
    operation_id = "get_conversation",
    summary = "Read a conversation's transcript",
    description = "Every message (with the model that wrote each answer), the visitor's votes, who the visitor said they are, and what a limit refused.",
    params(("id" = String, Path, example = "c_x2k9fjw0qa7m3b1z", description = "The conversation's id")),
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "OK", body = wire::Transcript), openapi::ConversationErrors)
)]
pub async fn get(
    State(state): State<AppState>,
    PathId(id): PathId,
) -> Result<Json<wire::Transcript>, ApiError> {
    let log = Arc::clone(state.chats.log());
    let Some(summary) = log.summary(&id) else {
        return Err(unknown_conversation(&id));
    };
    let conversation = id.clone();
    let records = blocking(move || log.history(&conversation, TRANSCRIPT_RECORDS)).await??;
    let truncated = records.first().is_some_and(|r| r.seq > summary.first_seq);
    Ok(Json(wire::Transcript {
        conversation: item(&state.store.snapshot().document, &summary),
        entries: records.iter().map(entry).collect(),
        truncated,
    }))
}

#[utoipa::path(
    delete, path = "/conversations/{id}", tag = "conversations",
    operation_id = "delete_conversation",
    summary = "Delete a conversation",
    description = "Every record of it, from disk. Irreversible; audited. A visitor who continues it starts a new one.",
    params(("id" = String, Path, example = "c_x2k9fjw0qa7m3b1z", description = "The conversation's id")),
    security(("api_key" = []), ("session" = [], "csrf_token" = [])),
    responses((status = 204, description = "Deleted"), openapi::ConversationDeleteErrors)
)]
pub async fn delete(
    State(state): State<AppState>,
    who: Who,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    let log = Arc::clone(state.chats.log());
    let Some(summary) = log.summary(&id) else {
        return Err(unknown_conversation(&id));
    };
    let conversation = id.clone();
    if !blocking(move || log.delete(&conversation)).await?? {
        return Err(unknown_conversation(&id));
    }
    let mut record = AuditRecord::success(AuditAction::ConversationDelete, Some(id))
        .param("bot", summary.bot.clone())
        .param("started_at", summary.started_at.clone());
    if let Some(Origin::Site { site }) = &summary.origin {
        record = record.param("site", site.clone());
    }
    state.store.record(&who, record).await;
    Ok(StatusCode::NO_CONTENT)
}

/// The CSV row of a record.
fn csv_line(record: &ConversationRecord, summary: Option<&ConversationSummary>) -> String {
    let entry = entry(record);
    let (origin, site) = match summary.and_then(|k| k.origin.as_ref()) {
        Some(Origin::Site { site }) => ("site", site.as_str()),
        Some(Origin::Direct) => ("direct", ""),
        Some(Origin::Try { .. }) => ("try", ""),
        None => ("unknown", ""),
    };
    // Who the visitor is as last known, on every row.
    let visitor = summary
        .and_then(|k| k.visitor.clone())
        .or_else(|| entry.visitor.clone())
        .unwrap_or_default();
    let (seq, message) = (
        record.seq.to_string(),
        entry.message.map(|m| m.to_string()).unwrap_or_default(),
    );
    let vote = match entry.vote {
        Some(Vote::Up) => "up",
        Some(Vote::Down) => "down",
        None => "",
    };
    csv_row([
        seq.as_str(),
        &record.at,
        &record.conversation,
        &record.bot,
        origin,
        site,
        &entry.event,
        entry.author.as_deref().unwrap_or_default(),
        entry.text.as_deref().unwrap_or_default(),
        entry.model.as_deref().unwrap_or_default(),
        &message,
        vote,
        entry.code.as_deref().unwrap_or_default(),
        visitor.id.as_deref().unwrap_or_default(),
        visitor.name.as_deref().unwrap_or_default(),
        visitor.email.as_deref().unwrap_or_default(),
    ])
}

#[utoipa::path(
    get, path = "/conversations/export", tag = "conversations",
    operation_id = "export_conversations",
    summary = "Export conversations of a date range",
    description = "Every record of the conversations the list shows for the same filters (active between `since` and `until`, both required; each conversation whole), oldest first, as a download: JSON Lines (each line a record as stored) or CSV (UTF-8 with a byte order mark; a field a spreadsheet would run as a formula starts with `'`). Audited.",
    params(
        ("since" = String, Query, example = "2026-12-01", description = "A date (UTC) or RFC 3339 time"),
        ("until" = String, Query, example = "2026-12-31", description = "A date (UTC, to its end) or RFC 3339 time"),
        ("format" = String, Query, example = "csv", description = "`jsonl` or `csv`"),
        ("site" = Option<String>, Query, description = "Only this site's"),
        ("origin" = Option<String>, Query, description = "`direct` or `try`"),
        ("bot" = Option<String>, Query, description = "Only this chatbot's"),
    ),
    security(("api_key" = []), ("session" = [])),
    responses(
        (status = 200, description = "The export", content(
            (String = "application/jsonl"),
            (String = "text/csv"),
        ), headers(("Content-Disposition" = String, description = "attachment, with a file name"))),
        openapi::ConversationListErrors
    )
)]
pub async fn export(
    State(state): State<AppState>,
    who: Who,
    QueryParams(query): QueryParams<ListQuery>,
) -> Result<Response, ApiError> {
    let mut errors = FieldErrors::default();
    let filter = query.filter(&mut errors);
    for (field, given) in [("since", &filter.since), ("until", &filter.until)] {
        if given.is_none() && !errors.has(field) {
            errors.push(field, ErrorCode::Required, format!("{field} is required"));
        }
    }
    let format = match query.format.as_deref().map(ExportFormat::parse) {
        Some(Some(format)) => Some(format),
        given => {
            let (code, message) = match given {
                None => (ErrorCode::Required, "format is required (jsonl or csv)"),
                Some(_) => (ErrorCode::InvalidChoice, "format must be jsonl or csv"),
            };
            errors
                .add(invalid("format", code, message.into()).with("choices", vec!["jsonl", "csv"]));
            None
        }
    };
    for (field, given) in [("before", &query.before), ("limit", &query.limit)] {
        if given.is_some() {
            errors.add(invalid(
                field,
                ErrorCode::UnknownField,
                format!("{field} is for the list, not the export"),
            ));
        }
    }
    let (Some(format), true) = (format, errors.is_empty()) else {
        return Err(bad_query(errors));
    };
    let (since, until) = (
        filter.since.clone().unwrap_or_default(),
        filter.until.clone().unwrap_or_default(),
    );
    let mut record = AuditRecord::success(AuditAction::ConversationsExport, None)
        .param("since", since.clone())
        .param("until", until.clone())
        .param("format", format.extension());
    for (name, value) in [
        ("bot", &query.bot),
        ("site", &query.site),
        ("origin", &query.origin),
    ] {
        if let Some(value) = value.as_ref().filter(|v| !v.is_empty()) {
            record = record.param(name, value.clone());
        }
    }
    state.store.record(&who, record).await;

    // Streamed: read a line at a time on a blocking thread, at most a few
    // chunks ahead of the client (a slow download holds no more memory).
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(8);
    let log = Arc::clone(state.chats.log());
    tokio::task::spawn_blocking(move || {
        let mut chunk = Vec::with_capacity(64 * 1024);
        if format == ExportFormat::Csv {
            chunk.extend_from_slice("\u{feff}".as_bytes());
            chunk.extend_from_slice(csv_row(CSV_COLUMNS).as_bytes());
        }
        let mut open = true;
        let read = log.export(&filter, &mut |record, summary| {
            match format {
                ExportFormat::Csv => chunk.extend_from_slice(csv_line(record, summary).as_bytes()),
                ExportFormat::JsonLines => {
                    if serde_json::to_writer(&mut chunk, record).is_ok() {
                        chunk.push(b'\n');
                    }
                }
            }
            if chunk.len() >= 60 * 1024 {
                let full = std::mem::replace(&mut chunk, Vec::with_capacity(64 * 1024));
                open = sender.blocking_send(Ok(full)).is_ok();
            }
            open
        });
        let last = match read {
            Ok(()) => Ok(chunk),
            Err(error) => {
                tracing::error!(%error, "a conversation export stopped");
                Err(std::io::Error::other("the export could not be read"))
            }
        };
        if open {
            let _ = sender.blocking_send(last);
        }
    });
    let mut receiver = receiver;
    let stream = futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx));
    let day = |at: &str| at.chars().take(10).collect::<String>();
    let name = format!(
        "conversations-{}-{}.{}",
        day(&since),
        day(&until),
        format.extension()
    );
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

#[utoipa::path(
    get, path = "/conversation-settings", tag = "conversations",
    operation_id = "get_conversation_settings",
    summary = "How long conversations are kept",
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "OK", body = ConversationSettings), openapi::SignedInRead)
)]
pub async fn settings(State(state): State<AppState>) -> Json<ConversationSettings> {
    Json(state.store.snapshot().document.conversation_settings)
}

#[utoipa::path(
    put, path = "/conversation-settings", tag = "conversations",
    operation_id = "put_conversation_settings",
    summary = "Change how long conversations are kept",
    description = "The server removes conversations last active longer ago than `retention_days`, within the hour.",
    request_body = ConversationSettings,
    security(("api_key" = []), ("session" = [], "csrf_token" = [])),
    responses((status = 200, description = "OK", body = ConversationSettings), openapi::ConversationSettingsErrors)
)]
pub async fn put_settings(
    State(state): State<AppState>,
    who: Who,
    JsonBody(body): JsonBody,
) -> Result<Json<ConversationSettings>, ApiError> {
    let parsed = ConversationSettings::from_json(&body).map_err(ApiError::Validation)?;
    let saved = state
        .store
        .update_audited(&who, |document| {
            let before = document.conversation_settings;
            document.conversation_settings = parsed;
            let changed = if before == parsed {
                Vec::new()
            } else {
                vec!["retention_days".to_string()]
            };
            let audit = AuditRecord::success(AuditAction::ConversationSettingsUpdate, None)
                .changed(changed)
                .param("retention_days", parsed.retention_days);
            Ok::<_, ApiError>((parsed, audit))
        })
        .await?;
    state.retention.notify_one();
    Ok(Json(saved))
}
