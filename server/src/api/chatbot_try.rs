//! `POST /chatbots/{id}/try` and `GET /chatbots/{id}/conversations/{conversation}/messages`:
//! the admin's "Try it" box. A tried message is a real conversation: it is
//! stored, sent to the bot's webhook and read by the bot API like a
//! visitor's. With a model, the answer streams back as server-sent events
//! and what it cost counts against the bot's daily budget, even when the
//! admin leaves before it ends. Replies the bot program posts later are
//! read with the second route.

use axum::extract::State;
use axum::{Extension, Json};
use serde::Deserialize;
use switchboard_core::chatbot::try_from_json;
use switchboard_core::messages::{ApiCode, AuditAction};
use switchboard_core::wire;

use super::answer::{answer, AnswerStream, Asker};
use super::chatbots::{admins_only, chatbot};
use super::extract::{JsonBody, PathId, PathIds, QueryParams};
use super::openapi;
use super::ApiError;
use crate::auth::Principal;
use crate::bots::chats::Chats;
use crate::state::AppState;
use crate::store::conversations::{Author, ConversationEvent, ConversationRecord, Origin};
use crate::store::{AuditRecord, Who};

/// A stored start or message as the API shows it (votes, refusals and
/// identities are the transcript's, not the bot's: `None`).
pub fn message_view(record: &ConversationRecord) -> Option<wire::ChatMessage> {
    let (kind, author, text) = match &record.event {
        ConversationEvent::Started { .. } => ("conversation_started", None, None),
        ConversationEvent::Message { author, text, .. } => {
            let author = match author {
                Author::Visitor => "visitor",
                Author::Model => "model",
                Author::Bot => "bot",
            };
            ("message", Some(author.to_string()), Some(text.clone()))
        }
        _ => return None,
    };
    Some(wire::ChatMessage {
        id: record.seq.to_string(),
        conversation: record.conversation.clone(),
        kind: kind.to_string(),
        author,
        text,
        at: record.at.clone(),
    })
}

fn unknown_conversation(id: &str) -> ApiError {
    ApiError::not_found(
        ApiCode::UnknownConversation,
        format!("there is no conversation {id:?} with this chatbot"),
    )
    .with_param("conversation", id)
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
) -> Result<AnswerStream, ApiError> {
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
                    None,
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
    let user = format!("admin:{}", who.actor.name);
    answer(&state, &record, conversation, started, user, Asker::Admin).await
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
        .filter_map(message_view)
        .collect();
    let cursor = messages
        .last()
        .map(|m| m.id.clone())
        .unwrap_or_else(|| after.to_string());
    Ok(Json(wire::ChatMessagePage { messages, cursor }))
}
