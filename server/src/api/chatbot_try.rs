//! `POST /chatbots/{id}/try` and `GET /chatbots/{id}/conversations/{conversation}/messages`:
//! the admin's "Try it" box. A tried message is a real conversation: it is
//! stored, sent to the bot's webhook and read by the bot API like a
//! visitor's. With a model, the answer streams back as server-sent events
//! and what it cost counts against the bot's daily budget, even when the
//! admin leaves before it ends. Replies the bot program posts later are
//! read with the second route.

use std::convert::Infallible;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::IntoResponse;
use axum::{Extension, Json};
use serde::Deserialize;
use switchboard_core::chatbot::{try_from_json, MAX_TURNS};
use switchboard_core::messages::{ApiCode, AuditAction};
use switchboard_core::wire;
use tokio::sync::mpsc;

use super::chatbots::{admins_only, chatbot};
use super::extract::{JsonBody, PathId, PathIds, QueryParams};
use super::openapi;
use super::ApiError;
use crate::auth::Principal;
use crate::bots::model::{self, ChatMessage, ChatRequest, ModelEvent};
use crate::bots::{chats::Chats, usage};
use crate::state::AppState;
use crate::store::conversations::{Author, ConversationEvent, ConversationRecord, Origin};
use crate::store::{AuditRecord, Who};

/// A stored record as the API shows it.
pub fn message_view(record: &ConversationRecord) -> wire::ChatMessage {
    let (kind, author, text) = match &record.event {
        ConversationEvent::Started { .. } => ("conversation_started", None, None),
        ConversationEvent::Message { author, text } => {
            let author = match author {
                Author::Visitor => "visitor",
                Author::Model => "model",
                Author::Bot => "bot",
            };
            ("message", Some(author.to_string()), Some(text.clone()))
        }
    };
    wire::ChatMessage {
        id: record.seq.to_string(),
        conversation: record.conversation.clone(),
        kind: kind.to_string(),
        author,
        text,
        at: record.at.clone(),
    }
}

fn unknown_conversation(id: &str) -> ApiError {
    ApiError::not_found(
        ApiCode::UnknownConversation,
        format!("there is no conversation {id:?} with this chatbot"),
    )
    .with_param("conversation", id)
}

/// The conversation so far, as the model reads it (the newest turns).
fn model_messages(history: &[ConversationRecord]) -> Vec<ChatMessage> {
    let turns: Vec<ChatMessage> = history
        .iter()
        .filter_map(|record| match &record.event {
            ConversationEvent::Message { author, text } => Some(ChatMessage {
                role: if *author == Author::Visitor {
                    "user"
                } else {
                    "assistant"
                },
                content: text.clone(),
            }),
            ConversationEvent::Started { .. } => None,
        })
        .collect();
    let skip = turns.len().saturating_sub(MAX_TURNS);
    turns.into_iter().skip(skip).collect()
}

fn event(name: &str, data: impl serde::Serialize) -> Option<Event> {
    Event::default().event(name).json_data(data).ok()
}

#[utoipa::path(
    post, path = "/chatbots/{id}/try", tag = "chatbots",
    operation_id = "try_chatbot",
    summary = "Talk to a chatbot",
    description = "Stores the admin's message in a conversation (a new one, or `conversation`), sends it to the bot's webhook, and \
        with a model streams its answer. The answer is `text/event-stream`: a `conversation` event (`TryStarted`), with a model \
        `delta` events (`{\"text\"}`), then `done` (`AnswerDone`) or `error` (`{\"code\", \"message\", \"params\"}`). \
        A refusal before the answer starts (budget used up, the service refusing the key) is an ordinary JSON error; the message is stored even then, and `params.conversation` names its conversation.",
    params(("id" = String, Path, example = "k3v9q2xm7d1a", description = "The chatbot's id")),
    request_body = wire::TryChat,
    security(("session" = [], "csrf_token" = [])),
    responses((status = 200, description = "The answer, streamed: each event's data is one of these", content_type = "text/event-stream", body = wire::TryEventData), openapi::ChatbotTryErrors)
)]
pub async fn try_chatbot(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    who: Who,
    PathId(id): PathId,
    JsonBody(body): JsonBody,
) -> Result<impl IntoResponse, ApiError> {
    admins_only(&principal)?;
    let (conversation, text) = try_from_json(&body).map_err(ApiError::Validation)?;
    let record = chatbot(&state.store.snapshot().document, &id)?.clone();
    let settings = &record.settings;
    if settings.model.is_none() && settings.webhook.is_none() && !settings.bot_api {
        return Err(ApiError::refused(
            ApiCode::NothingAnswers,
            "nothing would answer: set a model, a webhook or the bot API first",
        ));
    }
    let chats: &Chats = &state.chats;
    let conversation = match conversation {
        Some(conversation) => {
            if chats.log().bot_of(&conversation).as_deref() != Some(id.as_str()) {
                return Err(unknown_conversation(&conversation));
            }
            conversation
        }
        None => {
            let started = chats
                .start(
                    &id,
                    Origin::Try {
                        admin: who.actor.name.clone(),
                    },
                )
                .await?;
            state
                .store
                .record(
                    &who,
                    AuditRecord::success(AuditAction::ChatbotTry, Some(id.clone()))
                        .param("conversation", started.conversation.clone()),
                )
                .await;
            started.conversation
        }
    };
    let said = chats.visitor_says(&id, &conversation, text).await?;
    let started = wire::TryStarted {
        conversation: conversation.clone(),
        message: said.seq.to_string(),
        model: settings.model.is_some(),
    };
    let (events, receiver) = mpsc::channel::<Event>(32);
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver
            .recv()
            .await
            .map(|event| (Ok::<_, Infallible>(event), receiver))
    });
    let Some(model_settings) = settings.model.clone() else {
        // The webhook or the bot program answers, later.
        for event in [
            event("conversation", &started),
            event(
                "done",
                wire::AnswerDone {
                    finish_reason: None,
                    tokens: 0,
                    reported: false,
                    tokens_today: record.usage.on(&usage::today()),
                },
            ),
        ]
        .into_iter()
        .flatten()
        {
            let _ = events.try_send(event);
        }
        drop(events);
        return Ok(Sse::new(stream).keep_alive(KeepAlive::default()));
    };
    usage::check_budget(
        record.usage.on(&usage::today()),
        settings.daily_token_budget,
    )
    .map_err(|budget| {
        ApiError::refused(
            ApiCode::TokenBudgetExhausted,
            "the chatbot used up today's token budget",
        )
        .with_param("budget", budget)
        .with_param("conversation", conversation.clone())
    })?;
    let permit = std::sync::Arc::clone(&state.model_calls)
        .try_acquire_owned()
        .map_err(|_| {
            ApiError::refused(
                ApiCode::ModelBusy,
                "too many model calls are running; try again in a moment",
            )
            .with_param("retry_after", 1)
            .with_param("conversation", conversation.clone())
        })?;
    let history = {
        let log = std::sync::Arc::clone(chats.log());
        let conversation = conversation.clone();
        tokio::task::spawn_blocking(move || log.history(&conversation, MAX_TURNS * 2))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))??
    };
    let messages = model_messages(&history);
    let api_key = record.model_api_key.as_ref().map(|k| k.value.clone());
    let prompt_chars: usize = settings.instructions.chars().count()
        + messages
            .iter()
            .map(|m| m.content.chars().count())
            .sum::<usize>();
    let request = ChatRequest {
        settings: &model_settings,
        api_key: api_key.as_deref(),
        instructions: &settings.instructions,
        messages: &messages,
        max_tokens: settings.reply_limit,
        user: Some(format!("admin:{}", who.actor.name)),
    };
    let mut answer = match model::start(&state.egress, &request, state.model_timeouts).await {
        Ok(answer) => answer,
        Err(error) => {
            return Err(ApiError::from(error).with_param("conversation", conversation));
        }
    };
    if let Some(first) = event("conversation", &started) {
        let _ = events.try_send(first);
    }
    let (store, chats) = (state.store.clone(), std::sync::Arc::clone(&state.chats));
    let answer_chars_cap = settings.reply_limit as usize * 8;
    tokio::spawn(async move {
        let _permit = permit;
        let mut text = String::new();
        let outcome = loop {
            match answer.next().await {
                Ok(Some(ModelEvent::Text(piece))) => {
                    text.push_str(&piece);
                    // A server that ignores the token limit is cut off: no
                    // token is longer than eight characters.
                    if text.chars().count() > answer_chars_cap {
                        break Ok((Some("length".to_string()), None));
                    }
                    if let Some(delta) = event("delta", wire::AnswerDelta { text: piece }) {
                        // The admin may have left: keep reading to count the cost.
                        let _ = events.send(delta).await;
                    }
                }
                Ok(Some(ModelEvent::Finished {
                    finish_reason,
                    usage,
                })) => break Ok((finish_reason, usage)),
                Ok(None) => break Ok((None, None)),
                Err(error) => break Err(error),
            }
        };
        let (reported, tokens) = match &outcome {
            Ok((_, Some(usage))) => (true, usage.total_tokens),
            _ => (
                false,
                model::estimate_tokens(prompt_chars + text.chars().count()),
            ),
        };
        let today = usage::record(&store, &id, tokens).await.unwrap_or_default();
        // What the visitor saw is kept, even when the answer broke off.
        if !text.is_empty() {
            if let Err(error) = chats
                .bot_says(&id, &conversation, Author::Model, text)
                .await
            {
                tracing::error!(%error, "cannot store a model's answer");
            }
        }
        let last = match outcome {
            Ok((finish_reason, _)) => event(
                "done",
                wire::AnswerDone {
                    finish_reason,
                    tokens,
                    reported,
                    tokens_today: today,
                },
            ),
            Err(error) => event("error", ApiError::from(error).event_body()),
        };
        if let Some(last) = last {
            let _ = events.send(last).await;
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

#[derive(Debug, Deserialize)]
pub struct AfterQuery {
    #[serde(default)]
    after: Option<u64>,
}

#[utoipa::path(
    get, path = "/chatbots/{id}/conversations/{conversation}/messages", tag = "chatbots",
    operation_id = "list_conversation_messages",
    summary = "Read a conversation",
    description = "Its start and messages after `after` (a message id), oldest first: how the try box sees what the bot program replied.",
    params(("id" = String, Path, example = "k3v9q2xm7d1a", description = "The chatbot's id"), ("conversation" = String, Path, description = "The conversation's id"), ("after" = Option<u64>, Query, description = "Only what came after this message id")),
    security(("session" = [])),
    responses((status = 200, description = "OK", body = wire::ChatMessagePage), openapi::ConversationReadErrors)
)]
pub async fn conversation_messages(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    PathIds(id, conversation): PathIds,
    QueryParams(query): QueryParams<AfterQuery>,
) -> Result<Json<wire::ChatMessagePage>, ApiError> {
    admins_only(&principal)?;
    chatbot(&state.store.snapshot().document, &id)?;
    if state.chats.log().bot_of(&conversation).as_deref() != Some(id.as_str()) {
        return Err(unknown_conversation(&conversation));
    }
    let log = std::sync::Arc::clone(state.chats.log());
    let after = query.after.unwrap_or(0);
    let records = tokio::task::spawn_blocking(move || log.history(&conversation, 500))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    let messages: Vec<wire::ChatMessage> = records
        .iter()
        .filter(|r| r.seq > after)
        .map(message_view)
        .collect();
    let cursor = messages
        .last()
        .map(|m| m.id.clone())
        .unwrap_or_else(|| after.to_string());
    Ok(Json(wire::ChatMessagePage { messages, cursor }))
}
