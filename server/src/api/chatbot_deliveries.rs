//! `GET /chatbots/{id}/deliveries` and
//! `POST /chatbots/{id}/deliveries/{delivery}/resend`: a bot's webhook
//! delivery log, and "send again".

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use switchboard_core::messages::{ApiCode, AuditAction};
use switchboard_core::wire;

use super::chatbots::{admins_only, chatbot};
use super::extract::{PathId, PathIds};
use super::openapi;
use super::ApiError;
use crate::auth::Principal;
use crate::state::AppState;
use crate::store::deliveries::{Delivery, DeliveryStatus};
use crate::store::{AuditRecord, Who};

fn status_name(status: DeliveryStatus) -> &'static str {
    match status {
        DeliveryStatus::Pending => "pending",
        DeliveryStatus::Delivered => "delivered",
        DeliveryStatus::Failed => "failed",
        DeliveryStatus::Cancelled => "cancelled",
    }
}

fn rfc3339_of_ms(ms: i64) -> Option<String> {
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()?;
    at.replace_nanosecond(0)
        .ok()?
        .format(&time::format_description::well_known::Rfc3339)
        .ok()
}

fn view(delivery: &Delivery) -> wire::Delivery {
    wire::Delivery {
        id: delivery.id.clone(),
        event: delivery.event.clone(),
        created_at: delivery.created_at.clone(),
        status: status_name(delivery.status).to_string(),
        attempts: delivery
            .attempts
            .iter()
            .map(|a| wire::DeliveryAttempt {
                at: a.at.clone(),
                duration_ms: a.duration_ms,
                response_status: a.response_status,
                error: a.error.clone(),
            })
            .collect(),
        next_attempt_at: delivery.next_attempt_at.and_then(rfc3339_of_ms),
        reason: delivery.reason.clone(),
    }
}

#[utoipa::path(
    get, path = "/chatbots/{id}/deliveries", tag = "chatbots",
    operation_id = "list_chatbot_deliveries",
    summary = "A chatbot's webhook deliveries",
    description = "The newest 200 finished ones and every pending one, newest first, with each attempt's outcome.",
    params(("id" = String, Path, example = "k3v9q2xm7d1a", description = "The chatbot's id")),
    security(("session" = [])),
    responses((status = 200, description = "OK", body = wire::DeliveryList), openapi::ChatbotReadErrors)
)]
pub async fn list(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    PathId(id): PathId,
) -> Result<Json<wire::DeliveryList>, ApiError> {
    admins_only(&principal)?;
    let snapshot = state.store.snapshot();
    let bot = chatbot(&snapshot.document, &id)?;
    let deliveries = state.webhooks.deliveries().of_bot(&id, 2000);
    Ok(Json(wire::DeliveryList {
        deliveries: deliveries.iter().map(view).collect(),
        webhook_disabled: bot
            .webhook_disabled
            .as_ref()
            .map(|d| format!("{} ({})", d.reason, d.at)),
    }))
}

#[utoipa::path(
    post, path = "/chatbots/{id}/deliveries/{delivery}/resend", tag = "chatbots",
    operation_id = "resend_chatbot_delivery",
    summary = "Send a delivery again",
    description = "Tried again now with the same `webhook-id` (receivers that dedupe see it once), then retried on the schedule if it fails.",
    params(("id" = String, Path, example = "k3v9q2xm7d1a", description = "The chatbot's id"), ("delivery" = String, Path, description = "The delivery's id")),
    security(("session" = [], "csrf_token" = [])),
    responses((status = 202, description = "Queued", body = wire::Delivery), openapi::DeliveryResendErrors)
)]
pub async fn resend(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    who: Who,
    PathIds(id, delivery): PathIds,
) -> Result<(StatusCode, Json<wire::Delivery>), ApiError> {
    admins_only(&principal)?;
    let snapshot = state.store.snapshot();
    let bot = chatbot(&snapshot.document, &id)?;
    if bot.settings.webhook.is_none() {
        return Err(ApiError::refused(
            ApiCode::SecretNotInUse,
            "the chatbot has no webhook to send to",
        )
        .with_param("secret", "webhook_secret"));
    }
    let unknown = || {
        ApiError::not_found(
            ApiCode::UnknownDelivery,
            format!("there is no delivery {delivery:?} of this chatbot"),
        )
        .with_param("delivery", delivery.clone())
    };
    if state
        .webhooks
        .deliveries()
        .get(&delivery)
        .is_none_or(|d| d.bot != id)
    {
        return Err(unknown());
    }
    let webhooks = std::sync::Arc::clone(&state.webhooks);
    let target = delivery.clone();
    let queued = tokio::task::spawn_blocking(move || webhooks.resend(&target))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??
        .ok_or_else(unknown)?;
    state
        .store
        .record(
            &who,
            AuditRecord::success(AuditAction::ChatbotDeliveryResend, Some(id.clone()))
                .param("delivery", delivery.clone()),
        )
        .await;
    Ok((StatusCode::ACCEPTED, Json(view(&queued))))
}
