//! `POST /chatbots/{id}/try`: the admin's "Try it" box. The conversation
//! goes to the bot's model with its instructions, and the answer streams
//! back as server-sent events. What the call cost counts against the bot's
//! daily budget, even when the admin leaves before the answer ends.

use std::convert::Infallible;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::IntoResponse;
use axum::Extension;
use switchboard_core::chatbot::try_from_json;
use switchboard_core::messages::{ApiCode, AuditAction};
use switchboard_core::wire;
use tokio::sync::mpsc;

use super::chatbots::{admins_only, chatbot};
use super::extract::{JsonBody, PathId};
use super::openapi;
use super::ApiError;
use crate::auth::Principal;
use crate::bots::model::{self, ChatMessage, ChatRequest, ModelEvent};
use crate::bots::usage;
use crate::state::AppState;
use crate::store::{AuditRecord, Who};

#[utoipa::path(
    post, path = "/chatbots/{id}/try", tag = "chatbots",
    operation_id = "try_chatbot",
    summary = "Talk to a chatbot's model",
    description = "Sends the conversation (ending with the admin's message) to the bot's model with its instructions. \
        The answer is `text/event-stream`: `delta` events (`{\"text\"}`), then `done` (`AnswerDone`) or `error` (`{\"code\", \"message\", \"params\"}`). \
        A refusal before the answer starts (no model, budget used up, the service refusing the key) is an ordinary JSON error.",
    params(("id" = String, Path, description = "The chatbot's id")),
    request_body = wire::TryChat,
    security(("session" = [], "csrf_token" = [])),
    responses((status = 200, description = "The answer, streamed", content_type = "text/event-stream", body = String), openapi::ChatbotTryErrors)
)]
pub async fn try_chatbot(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    who: Who,
    PathId(id): PathId,
    JsonBody(body): JsonBody,
) -> Result<impl IntoResponse, ApiError> {
    admins_only(&principal)?;
    let turns = try_from_json(&body).map_err(ApiError::Validation)?;
    let snapshot = state.store.snapshot();
    let record = chatbot(&snapshot.document, &id)?;
    let Some(settings) = record.settings.model.clone() else {
        return Err(ApiError::refused(
            ApiCode::NoModel,
            "the chatbot has no ChatGPT settings; set an endpoint first",
        ));
    };
    let budget = record.settings.daily_token_budget;
    usage::check_budget(record.usage.on(&usage::today()), budget).map_err(|budget| {
        ApiError::refused(
            ApiCode::TokenBudgetExhausted,
            "the chatbot used up today's token budget",
        )
        .with_param("budget", budget)
    })?;
    let permit = std::sync::Arc::clone(&state.model_calls)
        .try_acquire_owned()
        .map_err(|_| {
            ApiError::refused(
                ApiCode::ModelBusy,
                "too many model calls are running; try again in a moment",
            )
            .with_param("retry_after", 1)
        })?;
    let api_key = record.model_api_key.as_ref().map(|k| k.value.clone());
    let instructions = record.settings.instructions.clone();
    let max_tokens = record.settings.reply_limit;
    let messages: Vec<ChatMessage> = turns
        .iter()
        .map(|t| ChatMessage {
            role: t.role.as_str(),
            content: t.content.clone(),
        })
        .collect();
    let prompt_chars: usize = instructions.chars().count()
        + messages
            .iter()
            .map(|m| m.content.chars().count())
            .sum::<usize>();
    drop(snapshot);
    state
        .store
        .record(
            &who,
            AuditRecord::success(AuditAction::ChatbotTry, Some(id.clone())),
        )
        .await;
    let request = ChatRequest {
        settings: &settings,
        api_key: api_key.as_deref(),
        instructions: &instructions,
        messages: &messages,
        max_tokens,
        user: Some(format!("admin:{}", who.actor.name)),
    };
    let started = model::start(&state.egress, &request, state.model_timeouts).await;
    let mut stream = match started {
        Ok(stream) => stream,
        Err(error) => {
            // A refused call may still have cost the prompt; count nothing
            // the service did not say, but mark the bot as tried.
            let _ = usage::record(&state.store, &id, 0).await;
            return Err(error.into());
        }
    };
    let (events, receiver) = mpsc::channel::<Event>(32);
    let store = state.store.clone();
    tokio::spawn(async move {
        let _permit = permit;
        let mut answer_chars = 0usize;
        let outcome = loop {
            match stream.next().await {
                Ok(Some(ModelEvent::Text(text))) => {
                    answer_chars += text.chars().count();
                    let event = Event::default()
                        .event("delta")
                        .json_data(serde_json::json!({"text": text}));
                    if let Ok(event) = event {
                        // The admin may have left: keep reading to count the cost.
                        let _ = events.send(event).await;
                    }
                }
                Ok(Some(ModelEvent::Finished {
                    finish_reason,
                    usage,
                })) => {
                    break Ok((finish_reason, usage));
                }
                Ok(None) => break Ok((None, None)),
                Err(error) => break Err(error),
            }
        };
        let (reported, tokens) = match &outcome {
            Ok((_, Some(usage))) => (true, usage.total_tokens),
            _ => (false, model::estimate_tokens(prompt_chars + answer_chars)),
        };
        let today = usage::record(&store, &id, tokens).await.unwrap_or_default();
        let event = match outcome {
            Ok((finish_reason, _)) => Event::default().event("done").json_data(wire::AnswerDone {
                finish_reason,
                tokens,
                reported,
                tokens_today: today,
            }),
            Err(error) => Event::default()
                .event("error")
                .json_data(ApiError::from(error).event_body()),
        };
        if let Ok(event) = event {
            let _ = events.send(event).await;
        }
    });
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver
            .recv()
            .await
            .map(|event| (Ok::<_, Infallible>(event), receiver))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
