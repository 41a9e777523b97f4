//! `GET/PUT /instance/click-to-chat`: the instance settings.

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::IntoResponse;
use axum::Json;
use serde_json::json;
use switchboard_core::messages::AuditAction;
use switchboard_core::settings::{check_named_chatbot, InstanceChatSettings};
use switchboard_core::wire;

use super::extract::{check_if_match, etag, JsonBody};
use super::openapi;
use super::{script_origins, ApiError};
use crate::state::AppState;
use crate::store::{audit::changed_fields, AuditRecord, Versioned, Who};
use switchboard_core::script_origin::script_origin_changes;

fn respond(settings: &Versioned<InstanceChatSettings>) -> impl IntoResponse {
    let body = wire::InstanceSettings {
        settings: settings.value.clone(),
        warnings: settings.value.warnings(),
    };
    ([(header::ETAG, etag(settings.revision))], Json(body))
}

#[utoipa::path(
    get, path = "/instance/click-to-chat", tag = "click-to-chat",
    operation_id = "get_instance_click_to_chat",
    summary = "The instance's Click to Chat settings",
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "OK", body = wire::InstanceSettings, headers(("ETag" = String, description = "The revision, for `If-Match`"))), openapi::SignedInRead)
)]
pub async fn get(State(state): State<AppState>) -> impl IntoResponse {
    respond(&state.store.snapshot().document.instance_click_to_chat)
}

#[utoipa::path(
    put, path = "/instance/click-to-chat", tag = "click-to-chat",
    operation_id = "put_instance_click_to_chat",
    summary = "Change the instance's Click to Chat settings",
    description = "Replaces them as a whole. A change of the origin visitors' pages load script from (a self-hosted provider's base URL) needs a signed-in admin.",
    params(("If-Match" = Option<String>, Header, description = "The revision (`ETag`) the change is based on; `*` or absent: any")),
    request_body = InstanceChatSettings,
    security(("api_key" = []), ("session" = [], "csrf_token" = [])),
    responses((status = 200, description = "OK", body = wire::InstanceSettings, headers(("ETag" = String, description = "The revision, for `If-Match`"))), openapi::InstanceChangeErrors)
)]
pub async fn put(
    State(state): State<AppState>,
    who: Who,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<impl IntoResponse, ApiError> {
    let parsed = InstanceChatSettings::from_json(&body).map_err(ApiError::Validation)?;
    let action = AuditAction::InstanceClickToChatUpdate;
    let saved = state
        .store
        .update_audited(&who, |document| {
            check_if_match(&headers, document.instance_click_to_chat.revision)?;
            check_named_chatbot(parsed.value.provider, &parsed.value.account, |bot| {
                document.chatbot_status(bot)
            })
            .map_err(ApiError::Validation)?;
            let current = &document.instance_click_to_chat.value;
            let origins = script_origins::check(
                &who,
                script_origin_changes(
                    (current.provider, &current.account),
                    (parsed.value.provider, &parsed.value.account),
                ),
            )?;
            let changed = changed_fields(&json!(current), &json!(parsed.value));
            let revision = document.next_revision();
            document.instance_click_to_chat = Versioned {
                revision,
                value: parsed.value,
            };
            let audit = AuditRecord::success(action, None)
                .changed(changed)
                .origins(origins);
            Ok::<_, ApiError>((document.instance_click_to_chat.clone(), audit))
        })
        .await;
    if let Err(error) = &saved {
        script_origins::record_refusal(&state.store, &who, action, None, error).await;
    }
    Ok(respond(&saved?))
}
