//! Answering a conversation's newest message, for the admin's "Try it" box
//! and for visitors alike. With a model, its answer streams back as
//! server-sent events (`conversation`, `delta`…, then `done` or `error`),
//! is stored naming the model, and what it cost counts against the bot's
//! daily budget, even when the asker leaves before it ends. Without one,
//! the stream says so at once: the webhook or the bot program answers
//! later, and the asker reads that with a messages route.

use std::convert::Infallible;

use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use switchboard_core::chatbot::MAX_TURNS;
use switchboard_core::messages::ApiCode;
use switchboard_core::wire;
use tokio::sync::mpsc;

use super::ApiError;
use crate::bots::model::{self, ChatMessage, ChatRequest, ModelEvent};
use crate::bots::{chats::Chats, usage};
use crate::state::AppState;
use crate::store::conversations::{Author, ConversationEvent, ConversationRecord};
use crate::store::ChatbotRecord;

/// The conversation so far, as the model reads it (the newest turns).
fn model_messages(history: &[ConversationRecord]) -> Vec<ChatMessage> {
    let turns: Vec<ChatMessage> = history
        .iter()
        .filter_map(|record| match &record.event {
            ConversationEvent::Message { author, text, .. } => Some(ChatMessage {
                role: if *author == Author::Visitor {
                    "user"
                } else {
                    "assistant"
                },
                content: text.clone(),
            }),
            _ => None,
        })
        .collect();
    let skip = turns.len().saturating_sub(MAX_TURNS);
    turns.into_iter().skip(skip).collect()
}

fn event(name: &str, data: impl serde::Serialize) -> Option<Event> {
    Event::default().event(name).json_data(data).ok()
}

/// The answer stream (`text/event-stream`).
pub type AnswerStream = Response;

/// Who is asking: an admin sees what the model service said; a visitor
/// only the code (never the service's words, which can quote a key, nor our
/// own addresses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asker {
    Admin,
    Visitor,
}

impl Asker {
    pub fn shown(self, error: ApiError) -> ApiError {
        use ApiCode::*;
        match (self, error.code()) {
            (
                Asker::Visitor,
                code @ (ModelUnauthorized | ModelNotFound | ModelRateLimited | ModelQuotaExceeded
                | ModelContentFiltered | ModelRejected | ModelUnavailable | ModelTimeout
                | EgressRefused),
            ) => ApiError::refused(
                code,
                "the assistant cannot answer right now; try again later",
            ),
            _ => error,
        }
    }
}

/// Answers the newest message of `conversation` (stored already, `started`
/// says which). `user` goes to the model service as its end-user id. A
/// refusal before the answer starts (budget, model calls at once, the
/// service refusing) is an error naming the conversation.
pub async fn answer(
    state: &AppState,
    record: &ChatbotRecord,
    conversation: String,
    started: wire::TryStarted,
    user: String,
    asker: Asker,
) -> Result<AnswerStream, ApiError> {
    let settings = &record.settings;
    let id = record.id.clone();
    let (events, receiver) = mpsc::channel::<Event>(32);
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver
            .recv()
            .await
            .map(|event| (Ok::<_, Infallible>(event), receiver))
    });
    let Some(model_settings) = record.settings.model.clone() else {
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
                    message: None,
                },
            ),
        ]
        .into_iter()
        .flatten()
        {
            let _ = events.try_send(event);
        }
        drop(events);
        return Ok(Sse::new(stream)
            .keep_alive(KeepAlive::default())
            .into_response());
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
    let chats: &Chats = &state.chats;
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
        user: Some(user),
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
    let model_name = model_settings.model_name().to_string();
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
        let stored = if text.is_empty() {
            None
        } else {
            match chats
                .bot_says(&id, &conversation, Author::Model, text, Some(model_name))
                .await
            {
                Ok(record) => Some(record.seq.to_string()),
                Err(error) => {
                    tracing::error!(%error, "cannot store a model's answer");
                    None
                }
            }
        };
        let last = match outcome {
            Ok((finish_reason, _)) => event(
                "done",
                wire::AnswerDone {
                    finish_reason,
                    tokens,
                    reported,
                    tokens_today: today,
                    message: stored,
                },
            ),
            Err(error) => event("error", asker.shown(ApiError::from(error)).event_body()),
        };
        if let Some(last) = last {
            let _ = events.send(last).await;
        }
    });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}
