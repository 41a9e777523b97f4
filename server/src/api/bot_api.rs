//! The bot API, for a bot program with its bot's own key (`sbb_…`):
//! `GET /bot/messages` (new visitor messages, waiting briefly for them) and
//! `POST /bot/conversations/{id}/messages` (a reply). The key can do
//! nothing else: the admin routes do not know it, and it reads and answers
//! only its own bot's conversations.

use std::sync::LazyLock;
use std::time::Duration;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use switchboard_core::chatbot::reply_from_json;
use switchboard_core::errors::{ErrorCode, FieldError};
use switchboard_core::messages::ApiCode;
use switchboard_core::wire;

use super::authn::bearer_token;
use super::chatbot_try::message_view;
use super::extract::{wait_seconds, JsonBody, PathId, QueryParams};
use super::openapi;
use super::wait_slots::WaitPool;
use super::ApiError;
use crate::auth::api_keys;
use crate::bots::usage;
use crate::state::AppState;
use crate::store::conversations::{Author, ConversationEvent};

/// Longest `wait` a poll may ask for.
pub const MAX_WAIT_SECONDS: u64 = 30;
/// Polls waiting at once; more answer at once with what there is.
const MAX_WAITING: usize = 256;
/// Polls of one bot waiting at once.
const MAX_WAITING_PER_BOT: usize = 8;
const MAX_LIMIT: usize = 100;

/// The bot whose key the request carries.
pub struct BotKey {
    pub bot: String,
}

impl FromRequestParts<AppState> for BotKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if !parts
            .headers
            .contains_key(axum::http::header::AUTHORIZATION)
        {
            return Err(ApiError::unauthenticated(
                ApiCode::Unauthenticated,
                "send the bot's API key as Authorization: Bearer <key>",
            ));
        }
        let hash = api_keys::hash(&bearer_token(&parts.headers)?);
        let snapshot = state.store.snapshot();
        snapshot
            .document
            .chatbots
            .values()
            .find(|bot| {
                bot.settings.bot_api
                    && bot
                        .api_key
                        .as_ref()
                        .is_some_and(|key| api_keys::hashes_match(&key.hash, &hash))
            })
            .map(|bot| BotKey {
                bot: bot.id.clone(),
            })
            .ok_or_else(|| {
                ApiError::unauthenticated(
                    ApiCode::InvalidApiKey,
                    "this bot API key is not valid; it may have been regenerated, or the bot API turned off",
                )
            })
    }
}

#[derive(Debug, Deserialize)]
pub struct PollQuery {
    #[serde(default)]
    after: Option<u64>,
    #[serde(default)]
    wait: Option<u64>,
    #[serde(default)]
    limit: Option<usize>,
}

#[utoipa::path(
    get, path = "/bot/messages", tag = "bot",
    operation_id = "poll_bot_messages",
    summary = "New visitor messages",
    description = "Conversation starts and visitor messages of the key's bot after `after` (the `cursor` of the previous answer; 0 or absent: from the start), oldest first. \
        With `wait` (seconds, at most 30), an empty answer waits that long for new ones.",
    params(("after" = Option<u64>, Query, description = "The previous answer's cursor"), ("wait" = Option<u64>, Query, description = "Seconds to wait for new messages (0 to 30)"), ("limit" = Option<usize>, Query, description = "At most this many (1 to 100, default 100)")),
    security(("bot_key" = [])),
    responses((status = 200, description = "OK", body = wire::ChatMessagePage), openapi::BotPollErrors)
)]
pub async fn poll(
    State(state): State<AppState>,
    key: BotKey,
    QueryParams(query): QueryParams<PollQuery>,
) -> Result<Json<wire::ChatMessagePage>, ApiError> {
    let wait = wait_seconds(query.wait, MAX_WAIT_SECONDS)?;
    let limit = query.limit.unwrap_or(MAX_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::BadRequest(
            FieldError::new(
                "limit",
                ErrorCode::InvalidChoice,
                format!("limit is 1 to {MAX_LIMIT}"),
            )
            .with("max", MAX_LIMIT),
        ));
    }
    let mut latest = state.chats.subscribe();
    // A cursor past the end (a restored backup, a made-up one) reads from
    // the end: the bot sees what comes next, not nothing until it catches up.
    let mut from = query.after.unwrap_or(0).min(state.chats.log().last_seq());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(wait);
    let mut slot = None;
    loop {
        let log = std::sync::Arc::clone(state.chats.log());
        let bot = key.bot.clone();
        let (records, cursor) = tokio::task::spawn_blocking(move || log.after(&bot, from, limit))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))??;
        let messages: Vec<wire::ChatMessage> = records
            .iter()
            .filter(|r| match &r.event {
                ConversationEvent::Message { author, .. } => *author == Author::Visitor,
                other => other.is_for_the_bot(),
            })
            .filter_map(message_view)
            .collect();
        let page = |messages| {
            Json(wire::ChatMessagePage {
                messages,
                cursor: cursor.to_string(),
            })
        };
        // Answer at once with what there is, or when the log holds more
        // than one read went through (a bot catching up pages on at once).
        let more_to_read = cursor < state.chats.log().last_seq();
        if !messages.is_empty() || more_to_read || tokio::time::Instant::now() >= deadline {
            return Ok(page(messages));
        }
        from = cursor;
        if slot.is_none() {
            match waiting().take(&key.bot) {
                Some(taken) => slot = Some(taken),
                None => return Ok(page(messages)),
            }
        }
        let changed = tokio::time::timeout_at(deadline, latest.changed()).await;
        if !matches!(changed, Ok(Ok(()))) {
            return Ok(page(messages));
        }
    }
}

/// Polls waiting: at most [`MAX_WAITING`] in all and [`MAX_WAITING_PER_BOT`]
/// per bot, so one bot cannot take every slot.
fn waiting() -> &'static WaitPool {
    static POOL: LazyLock<WaitPool> =
        LazyLock::new(|| WaitPool::new(MAX_WAITING, MAX_WAITING_PER_BOT));
    &POOL
}

#[utoipa::path(
    post, path = "/bot/conversations/{id}/messages", tag = "bot",
    operation_id = "post_bot_reply",
    summary = "Reply in a conversation",
    description = "The bot program's answer, stored in the conversation (a conversation of the key's bot only).",
    params(("id" = String, Path, description = "The conversation's id")),
    request_body = wire::BotReply,
    security(("bot_key" = [])),
    responses((status = 201, description = "Stored", body = wire::ChatMessage), openapi::BotReplyErrors)
)]
pub async fn reply(
    State(state): State<AppState>,
    key: BotKey,
    PathId(conversation): PathId,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<wire::ChatMessage>), ApiError> {
    let text = reply_from_json(&body).map_err(ApiError::Validation)?;
    if state.chats.log().bot_of(&conversation).as_deref() != Some(key.bot.as_str()) {
        return Err(ApiError::not_found(
            ApiCode::UnknownConversation,
            format!("there is no conversation {conversation:?} with this bot"),
        )
        .with_param("conversation", conversation));
    }
    let record = state
        .chats
        .bot_says(&key.bot, &conversation, Author::Bot, text, None)
        .await?;
    let _ = usage::record(&state.store, &key.bot, 0).await;
    let view = message_view(&record)
        .ok_or_else(|| ApiError::Internal("a stored reply is not a message".into()))?;
    Ok((StatusCode::CREATED, Json(view)))
}
