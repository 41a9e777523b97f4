//! The built-in assistant's public chat API, for the chat panel on a site's
//! pages and on the bot's direct chat page. No admin credential: a bot is
//! reachable only while it is a site's chat (or has its direct link), a
//! conversation only with its own token, and everything anyone sends is
//! bounded (message length, rate limits per visitor and per address, model
//! calls at once, the bot's daily token budget). What is refused inside a
//! conversation is noted in it, so the admin reads why in its transcript.
//!
//! - `GET /chat/{bot}`: the bot's public profile
//! - `POST /chat/{bot}/conversations`: start one; the answer's token continues it
//! - `POST /chat/{bot}/conversations/{id}/messages`: say something; a model's
//!   answer streams back as in "Try it"
//! - `GET /chat/{bot}/conversations/{id}/messages`: the messages (waiting
//!   briefly for new ones: a bot program's replies come later)
//! - `PUT /chat/{bot}/conversations/{id}/messages/{message}/vote`

use std::collections::HashMap;
use std::sync::LazyLock;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use switchboard_core::errors::{ErrorCode, FieldErrors};
use switchboard_core::messages::ApiCode;
use switchboard_core::settings::named_chatbot;
use switchboard_core::visitor_chat::{
    feedback_from_json, message_from_json, start_from_json, Visitor, Vote,
};
use switchboard_core::wire;

use super::answer::{answer, Asker};
use super::authn::{bearer_token, ClientIp};
use super::chatbots::{image_url, unknown_chatbot};
use super::extract::{wait_seconds, JsonBody, PathId, PathIds, PathIds3, QueryParams};
use super::openapi;
use super::wait_slots::WaitPool;
use super::ApiError;
use crate::bots::visitor_tokens::TokenProblem;
use crate::rate_limit::{address_key, Limited};
use crate::state::AppState;
use crate::store::conversations::{Author, ConversationEvent, ConversationRecord, Origin};
use crate::store::{rules_name_chatbot, ChatbotRecord, Document};

/// Longest `wait` a read of messages may ask for.
pub const MAX_WAIT_SECONDS: u64 = 25;
/// Messages one read returns at most (the newest).
const MAX_MESSAGES: usize = 200;

/// Reads waiting at once: 512 in all, 4 per address.
fn waiting() -> &'static WaitPool {
    static POOL: LazyLock<WaitPool> = LazyLock::new(|| WaitPool::new(512, 4));
    &POOL
}

/// The bot, if visitors may reach it: it is some site's chat now, or it
/// has its direct chat page. Otherwise it does not exist for them.
fn reachable<'a>(document: &'a Document, id: &str) -> Result<&'a ChatbotRecord, ApiError> {
    let bot = document
        .chatbots
        .get(id)
        .ok_or_else(|| unknown_chatbot(id))?;
    let in_sites = bot.settings.site_chat && !document.chatbot_use(id).sites.is_empty();
    if in_sites || bot.settings.direct_link {
        Ok(bot)
    } else {
        Err(unknown_chatbot(id))
    }
}

fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

fn rfc3339(unix: u64) -> String {
    i64::try_from(unix)
        .ok()
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

fn rate_limited(limit: &str, limited: Limited) -> ApiError {
    let seconds = limited.retry_after.as_secs_f64().ceil().max(1.0) as u64;
    ApiError::refused(
        ApiCode::VisitorRateLimited,
        format!("too many messages; try again in {seconds} s"),
    )
    .with_param("retry_after", seconds)
    .with_param("limit", limit)
}

/// Checks the conversation token the request carries.
fn check_token(
    state: &AppState,
    headers: &HeaderMap,
    bot: &str,
    conversation: &str,
) -> Result<(), ApiError> {
    let token = bearer_token(headers).map_err(|_| {
        ApiError::unauthenticated(
            ApiCode::InvalidConversationToken,
            "send the conversation's token as Authorization: Bearer <token>",
        )
    })?;
    match state
        .visitor_tokens
        .check(&token, bot, conversation, now_unix())
    {
        // Deleted by an admin, or past the retention: never continued (a
        // message would bring back a conversation without its start).
        Ok(()) if state.chats.log().bot_of(conversation).as_deref() != Some(bot) => {
            Err(ApiError::unauthenticated(
                ApiCode::ConversationExpired,
                "this conversation is no longer kept; start a new conversation",
            ))
        }
        Ok(()) => Ok(()),
        Err(TokenProblem::Invalid) => Err(ApiError::unauthenticated(
            ApiCode::InvalidConversationToken,
            "this token is not this conversation's; start a new conversation",
        )),
        Err(TokenProblem::Expired) => Err(ApiError::unauthenticated(
            ApiCode::ConversationExpired,
            "this conversation's token has expired; start a new conversation",
        )),
    }
}

/// Counts one message or start from this address; refuses past the limit.
fn count_address(state: &AppState, ip: &ClientIp) -> Result<(), ApiError> {
    let key = address_key(ip.0.as_deref().unwrap_or("unknown"));
    state
        .visitor_limits
        .per_address
        .check(&key)
        .map_err(|limited| rate_limited("address", limited))
}

async fn history(
    state: &AppState,
    conversation: &str,
) -> Result<Vec<ConversationRecord>, ApiError> {
    let log = std::sync::Arc::clone(state.chats.log());
    let conversation = conversation.to_string();
    tokio::task::spawn_blocking(move || log.history(&conversation, MAX_MESSAGES * 2))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(ApiError::from)
}

/// Notes a refusal in the conversation, for its transcript.
async fn note_refusal(state: &AppState, bot: &str, conversation: &str, code: ApiCode) {
    let event = ConversationEvent::Refused {
        code: code.as_str().to_string(),
    };
    if let Err(error) = state.chats.note(bot, conversation, event).await {
        tracing::warn!(%error, "cannot note a refusal in a conversation");
    }
}

#[utoipa::path(
    get, path = "/chat/{bot}", tag = "visitor chat",
    operation_id = "get_bot_profile",
    summary = "A built-in assistant's public profile",
    description = "For the chat panel: name, description, images. Only while the bot is a site's chat or has its direct chat page; otherwise `unknown_chatbot`. From any origin.",
    params(("bot" = String, Path, example = "k3v9q2xm7d1a", description = "The chatbot's id")),
    responses((status = 200, description = "OK", body = wire::BotProfile), openapi::BotProfileErrors)
)]
pub async fn profile(
    State(state): State<AppState>,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    let snapshot = state.store.snapshot();
    let bot = reachable(&snapshot.document, &id)?;
    let settings = &bot.settings;
    let body = wire::BotProfile {
        id: bot.id.clone(),
        name: settings.name.clone(),
        description: settings.profile.description.clone(),
        url: settings.profile.url.clone(),
        photo: bot.photo.as_ref().map(|i| image_url(&bot.id, &i.file)),
        cover: bot.cover.as_ref().map(|i| image_url(&bot.id, &i.file)),
        streams: settings.model.is_some(),
    };
    Ok((
        [(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=60"),
        )],
        Json(body),
    )
        .into_response())
}

#[utoipa::path(
    post, path = "/chat/{bot}/conversations", tag = "visitor chat",
    operation_id = "start_visitor_conversation",
    summary = "Start a conversation with a built-in assistant",
    description = "`site`: the site whose chat the bot is (its effective settings must choose this bot); without it, the bot's direct chat page (the bot needs `direct_link`). \
        A signed-in visitor's `visitor` goes with the conversation. The answer's `token` continues it (send it as `Authorization: Bearer`) until `expires_at`. \
        Counts against the address's rate limit.",
    params(("bot" = String, Path, example = "k3v9q2xm7d1a", description = "The chatbot's id")),
    request_body = wire::StartConversation,
    responses((status = 201, description = "Started", body = wire::VisitorConversation), openapi::VisitorStartErrors)
)]
pub async fn start(
    State(state): State<AppState>,
    ip: ClientIp,
    PathId(id): PathId,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<wire::VisitorConversation>), ApiError> {
    let request = start_from_json(&body).map_err(ApiError::Validation)?;
    let origin = {
        let snapshot = state.store.snapshot();
        let document = &snapshot.document;
        let bot = reachable(document, &id)?;
        match &request.site {
            Some(site) => {
                let record = super::site(document, site)?;
                let effective = document.effective(record);
                // The site's chat, or the chatbot its display rules show
                // (outside hours, or for a page language).
                let in_rules = document
                    .rules_for(record)
                    .1
                    .is_some_and(|rules| rules_name_chatbot(&rules.value, &id));
                let chosen = effective.enabled()
                    && (named_chatbot(effective.provider, &effective.account) == Some(id.as_str())
                        || in_rules);
                if !chosen || !bot.settings.site_chat {
                    return Err(ApiError::refused(
                        ApiCode::NotThisSitesChat,
                        format!("chatbot {id:?} is not the chat of site {site:?}"),
                    )
                    .with_param("site", site.clone()));
                }
                // Signed in means an id, as on the loader's tag.
                let signed_in = request.visitor.as_ref().is_some_and(|v| v.id.is_some());
                if !effective.guest_users_allowed && !signed_in {
                    return Err(ApiError::forbidden(
                        ApiCode::GuestsNotAllowed,
                        "this site's chat is for signed-in visitors only",
                    ));
                }
                Origin::Site { site: site.clone() }
            }
            None if bot.settings.direct_link => Origin::Direct,
            None => {
                let mut errors = FieldErrors::default();
                errors.push(
                    "site",
                    ErrorCode::Required,
                    "site is required: this chatbot has no direct chat page",
                );
                return Err(ApiError::Validation(errors));
            }
        }
    };
    count_address(&state, &ip)?;
    let started = state.chats.start(&id, origin, request.visitor).await?;
    let (token, expires) = state
        .visitor_tokens
        .issue(&id, &started.conversation, now_unix())
        .ok_or_else(|| ApiError::Internal("cannot sign a conversation token".into()))?;
    Ok((
        StatusCode::CREATED,
        Json(wire::VisitorConversation {
            conversation: started.conversation,
            token,
            expires_at: rfc3339(expires),
        }),
    ))
}

/// The visitor as the conversation knows them now (the newest naming).
fn known_visitor(history: &[ConversationRecord]) -> Option<&Visitor> {
    history.iter().rev().find_map(|record| match &record.event {
        ConversationEvent::Started { visitor, .. } => visitor.as_ref(),
        ConversationEvent::Identified { visitor } => Some(visitor),
        _ => None,
    })
}

#[utoipa::path(
    post, path = "/chat/{bot}/conversations/{conversation}/messages", tag = "visitor chat",
    operation_id = "post_visitor_message",
    summary = "Say something to a built-in assistant",
    description = "Stores the message and sends it to the bot's webhook. With a model its answer streams back as `text/event-stream`, event by event as `POST /chatbots/{id}/try` describes; without one the stream ends at once and the answer comes later (read the messages). \
        Refused past the visitor's and the address's rate limits (`visitor_rate_limited`), the bot's daily budget or the model calls at once; refusals are noted in the conversation.",
    params(("bot" = String, Path, example = "k3v9q2xm7d1a", description = "The chatbot's id"), ("conversation" = String, Path, description = "The conversation's id")),
    request_body = wire::VisitorSays,
    security(("conversation_token" = [])),
    responses((status = 200, description = "The answer, streamed: each event's data is one of these", content_type = "text/event-stream", body = wire::TryEventData), openapi::VisitorMessageErrors)
)]
pub async fn say(
    State(state): State<AppState>,
    ip: ClientIp,
    headers: HeaderMap,
    PathIds(id, conversation): PathIds,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    check_token(&state, &headers, &id, &conversation)?;
    let request = message_from_json(&body).map_err(ApiError::Validation)?;
    let bot = reachable(&state.store.snapshot().document, &id)?.clone();
    if let Err(limited) = state.visitor_limits.per_visitor.check(&conversation) {
        if limited.first {
            note_refusal(&state, &id, &conversation, ApiCode::VisitorRateLimited).await;
        }
        return Err(rate_limited("visitor", limited));
    }
    let address = address_key(ip.0.as_deref().unwrap_or("unknown"));
    if let Err(limited) = state.visitor_limits.per_address.check(&address) {
        // Once per burst, like the visitor's own limit.
        if limited.first {
            note_refusal(&state, &id, &conversation, ApiCode::VisitorRateLimited).await;
        }
        return Err(rate_limited("address", limited));
    }
    if let Some(visitor) = request.visitor {
        let so_far = history(&state, &conversation).await?;
        if known_visitor(&so_far) != Some(&visitor) {
            state
                .chats
                .note(
                    &id,
                    &conversation,
                    ConversationEvent::Identified { visitor },
                )
                .await?;
        }
    }
    let said = state
        .chats
        .visitor_says(&id, &conversation, request.message)
        .await?;
    let started = wire::TryStarted {
        conversation: conversation.clone(),
        message: said.seq.to_string(),
        model: bot.settings.model.is_some(),
    };
    let user = format!("visitor:{conversation}");
    match answer(
        &state,
        &bot,
        conversation.clone(),
        started,
        user,
        Asker::Visitor,
    )
    .await
    {
        Ok(stream) => Ok(stream),
        Err(error) => {
            // The transcript has the code; the visitor no detail.
            note_refusal(&state, &id, &conversation, error.code()).await;
            Err(Asker::Visitor.shown(error))
        }
    }
}

/// The conversation's messages as the visitor sees them, with their votes.
fn visitor_view(records: &[ConversationRecord], after: u64) -> Vec<wire::VisitorMessage> {
    let mut votes: HashMap<u64, Option<Vote>> = HashMap::new();
    for record in records {
        if let ConversationEvent::Feedback { message, vote } = &record.event {
            votes.insert(*message, *vote);
        }
    }
    let messages: Vec<wire::VisitorMessage> = records
        .iter()
        .filter(|record| record.seq > after)
        .filter_map(|record| match &record.event {
            ConversationEvent::Message { author, text, .. } => Some(wire::VisitorMessage {
                id: record.seq.to_string(),
                author: if *author == Author::Visitor {
                    "visitor"
                } else {
                    "assistant"
                }
                .to_string(),
                text: text.clone(),
                at: record.at.clone(),
                vote: votes.get(&record.seq).copied().flatten(),
            }),
            _ => None,
        })
        .collect();
    let skip = messages.len().saturating_sub(MAX_MESSAGES);
    messages.into_iter().skip(skip).collect()
}

#[derive(Debug, Deserialize)]
pub struct ReadQuery {
    #[serde(default)]
    after: Option<u64>,
    #[serde(default)]
    wait: Option<u64>,
}

#[utoipa::path(
    get, path = "/chat/{bot}/conversations/{conversation}/messages", tag = "visitor chat",
    operation_id = "list_visitor_messages",
    summary = "Read a conversation with a built-in assistant",
    description = "Its messages after `after` (a message id; absent: the newest 200), oldest first, each answer with the visitor's vote. \
        With `wait` (seconds, at most 25), an empty answer waits that long for new ones (a bot program's reply).",
    params(("bot" = String, Path, example = "k3v9q2xm7d1a", description = "The chatbot's id"), ("conversation" = String, Path, description = "The conversation's id"),
        ("after" = Option<u64>, Query, description = "Only what came after this message id"), ("wait" = Option<u64>, Query, description = "Seconds to wait for new messages (0 to 25)")),
    security(("conversation_token" = [])),
    responses((status = 200, description = "OK", body = wire::VisitorMessagePage), openapi::VisitorReadErrors)
)]
pub async fn read(
    State(state): State<AppState>,
    ip: ClientIp,
    headers: HeaderMap,
    PathIds(id, conversation): PathIds,
    QueryParams(query): QueryParams<ReadQuery>,
) -> Result<Json<wire::VisitorMessagePage>, ApiError> {
    check_token(&state, &headers, &id, &conversation)?;
    let wait = wait_seconds(query.wait, MAX_WAIT_SECONDS)?;
    reachable(&state.store.snapshot().document, &id)?;
    let address = address_key(ip.0.as_deref().unwrap_or("unknown"));
    state
        .visitor_limits
        .reads
        .check(&address)
        .map_err(|limited| rate_limited("address", limited))?;
    let after = query.after.unwrap_or(0);
    let mut latest = state.chats.subscribe();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(wait);
    let mut slot = None;
    loop {
        let read_up_to = state.chats.log().last_seq_of(&conversation);
        let records = history(&state, &conversation).await?;
        let messages = visitor_view(&records, after);
        let page = |messages: Vec<wire::VisitorMessage>| {
            let cursor = messages
                .last()
                .map(|m| m.id.clone())
                .unwrap_or_else(|| after.to_string());
            Json(wire::VisitorMessagePage { messages, cursor })
        };
        if !messages.is_empty() || wait == 0 {
            return Ok(page(messages));
        }
        if slot.is_none() {
            match waiting().take(&address) {
                Some(taken) => slot = Some(taken),
                None => return Ok(page(messages)),
            }
        }
        // Every record anywhere wakes the waiters; only one of this
        // conversation's is worth reading its history again for.
        loop {
            let changed = tokio::time::timeout_at(deadline, latest.changed()).await;
            if !matches!(changed, Ok(Ok(()))) {
                return Ok(page(messages));
            }
            if state.chats.log().last_seq_of(&conversation) != read_up_to {
                break;
            }
        }
    }
}

#[utoipa::path(
    put, path = "/chat/{bot}/conversations/{conversation}/messages/{message}/vote", tag = "visitor chat",
    operation_id = "vote_on_answer",
    summary = "Thumbs up or down on an answer",
    description = "`null` takes the vote back. Only answers (not the visitor's own messages) take votes.",
    params(("bot" = String, Path, example = "k3v9q2xm7d1a", description = "The chatbot's id"), ("conversation" = String, Path, description = "The conversation's id"), ("message" = String, Path, description = "The answer's message id")),
    request_body = wire::VoteBody,
    security(("conversation_token" = [])),
    responses((status = 204, description = "Recorded"), openapi::VisitorVoteErrors)
)]
pub async fn vote(
    State(state): State<AppState>,
    ip: ClientIp,
    headers: HeaderMap,
    PathIds3(id, conversation, message): PathIds3,
    JsonBody(body): JsonBody,
) -> Result<StatusCode, ApiError> {
    check_token(&state, &headers, &id, &conversation)?;
    let vote = feedback_from_json(&body).map_err(ApiError::Validation)?;
    reachable(&state.store.snapshot().document, &id)?;
    // Votes are bounded with reads, not with the visitor's messages.
    state
        .visitor_limits
        .reads
        .check(&address_key(ip.0.as_deref().unwrap_or("unknown")))
        .map_err(|limited| rate_limited("address", limited))?;
    let unknown = || {
        ApiError::not_found(
            ApiCode::UnknownMessage,
            format!("there is no answer {message:?} in this conversation"),
        )
        .with_param("message", message.clone())
    };
    let seq: u64 = message.parse().map_err(|_| unknown())?;
    let records = history(&state, &conversation).await?;
    let is_answer = records.iter().any(|r| {
        r.seq == seq
            && matches!(&r.event, ConversationEvent::Message { author, .. } if *author != Author::Visitor)
    });
    if !is_answer {
        return Err(unknown());
    }
    state
        .chats
        .note(
            &id,
            &conversation,
            ConversationEvent::Feedback { message: seq, vote },
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
