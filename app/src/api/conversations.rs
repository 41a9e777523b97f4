//! Conversations with chatbots: the list, a transcript, deleting one, the
//! export's address, and how many days they are kept.

use gloo_net::http::Request;
use serde_json::{json, Value};

use super::{decoded, delete, get_decoded, list, number, optional_text, send, text, ApiError, API};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct VisitorInfo {
    pub id: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
}

impl VisitorInfo {
    /// Name and e-mail as one line ("" for a guest).
    pub fn label(&self) -> String {
        match (&self.name, &self.email) {
            (Some(name), Some(email)) => format!("{name} <{email}>"),
            (Some(one), None) | (None, Some(one)) => one.clone(),
            (None, None) => self.id.clone().unwrap_or_default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    pub id: String,
    pub bot: String,
    pub bot_name: Option<String>,
    /// `site`, `direct`, `try` or `unknown`.
    pub origin: String,
    pub site: Option<String>,
    pub admin: Option<String>,
    pub visitor: Option<VisitorInfo>,
    pub started_at: String,
    pub last_at: String,
    pub messages: u64,
    pub votes_up: u64,
    pub votes_down: u64,
    pub refusals: u64,
    pub models: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConversationList {
    pub conversations: Vec<Conversation>,
    pub total: u64,
    pub next: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub seq: u64,
    pub at: String,
    pub event: String,
    pub author: Option<String>,
    pub text: Option<String>,
    pub model: Option<String>,
    pub message: Option<u64>,
    pub vote: Option<String>,
    pub code: Option<String>,
    pub visitor: Option<VisitorInfo>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Transcript {
    pub conversation: Conversation,
    pub entries: Vec<Entry>,
    pub truncated: bool,
}

fn decode_visitor(v: &Value) -> Option<VisitorInfo> {
    v.is_object().then(|| VisitorInfo {
        id: optional_text(v, "id"),
        name: optional_text(v, "name"),
        email: optional_text(v, "email"),
    })
}

pub fn decode_conversation(v: &Value) -> Option<Conversation> {
    Some(Conversation {
        id: text(v, "id")?,
        bot: text(v, "bot")?,
        bot_name: optional_text(v, "bot_name"),
        origin: text(v, "origin")?,
        site: optional_text(v, "site"),
        admin: optional_text(v, "admin"),
        visitor: v.get("visitor").and_then(decode_visitor),
        started_at: text(v, "started_at")?,
        last_at: text(v, "last_at")?,
        messages: number(v, "messages")?,
        votes_up: number(v, "votes_up")?,
        votes_down: number(v, "votes_down")?,
        refusals: number(v, "refusals")?,
        models: v
            .get("models")?
            .as_array()?
            .iter()
            .filter_map(|m| m.as_str().map(String::from))
            .collect(),
    })
}

pub fn decode_list(v: &Value) -> Option<ConversationList> {
    Some(ConversationList {
        conversations: list(v, "conversations", decode_conversation)?,
        total: number(v, "total")?,
        next: optional_text(v, "next"),
    })
}

fn decode_entry(v: &Value) -> Option<Entry> {
    Some(Entry {
        seq: number(v, "seq")?,
        at: text(v, "at")?,
        event: text(v, "event")?,
        author: optional_text(v, "author"),
        text: optional_text(v, "text"),
        model: optional_text(v, "model"),
        message: v.get("message").and_then(Value::as_u64),
        vote: optional_text(v, "vote"),
        code: optional_text(v, "code"),
        visitor: v.get("visitor").and_then(decode_visitor),
    })
}

pub fn decode_transcript(v: &Value) -> Option<Transcript> {
    Some(Transcript {
        conversation: decode_conversation(v.get("conversation")?)?,
        entries: list(v, "entries", decode_entry)?,
        truncated: v.get("truncated")?.as_bool()?,
    })
}

/// What the list and the export are about; empty fields are left out.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Filter {
    /// A site's id, or `direct` / `try` (an origin of their own).
    pub place: String,
    pub bot: String,
    /// RFC 3339 times (the admin's dates, in their time zone).
    pub since: String,
    pub until: String,
}

impl Filter {
    /// The query string (without `?`), with `extra` pairs after.
    pub fn query(&self, extra: &[(&str, &str)]) -> String {
        let place = match self.place.as_str() {
            "direct" | "try" => ("origin", self.place.as_str()),
            site => ("site", site),
        };
        let pairs = [
            place,
            ("bot", self.bot.as_str()),
            ("since", self.since.as_str()),
            ("until", self.until.as_str()),
        ];
        pairs
            .iter()
            .chain(extra)
            .filter(|(_, value)| !value.is_empty())
            .map(|(key, value)| format!("{key}={}", super::encode(value)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

pub async fn conversations(
    filter: &Filter,
    before: Option<&str>,
) -> Result<ConversationList, ApiError> {
    let query = filter.query(&[("before", before.unwrap_or_default())]);
    get_decoded(&format!("/conversations?{query}"), decode_list)
        .await
        .map(|a| a.body)
}

pub async fn transcript(id: &str) -> Result<Transcript, ApiError> {
    get_decoded(
        &format!("/conversations/{}", super::encode(id)),
        decode_transcript,
    )
    .await
    .map(|a| a.body)
}

pub async fn delete_conversation(csrf: &str, id: &str) -> Result<(), ApiError> {
    delete(&format!("/conversations/{}", super::encode(id)), csrf).await
}

/// The export's address: the browser downloads it with the session cookie.
pub fn export_url(filter: &Filter, format: &str) -> String {
    format!(
        "{API}/conversations/export?{}",
        filter.query(&[("format", format)])
    )
}

fn decode_retention(v: &Value) -> Option<u64> {
    number(v, "retention_days")
}

pub async fn retention_days() -> Result<u64, ApiError> {
    get_decoded("/conversation-settings", decode_retention)
        .await
        .map(|a| a.body)
}

pub async fn save_retention_days(csrf: &str, days: &Value) -> Result<u64, ApiError> {
    decoded(
        send(
            Request::put(&format!("{API}/conversation-settings")),
            csrf,
            None,
            &json!({"retention_days": days}),
        )
        .await?,
        decode_retention,
    )
    .map(|a| a.body)
}
