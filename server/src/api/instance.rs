//! `GET/PUT /instance/click-to-chat`: the instance settings.

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::IntoResponse;
use axum::Json;
use serde_json::json;
use switchboard_core::settings::InstanceChatSettings;

use super::extract::{check_if_match, etag, JsonBody};
use super::{ApiError, AppState};
use crate::store::{audit::changed_fields, AuditRecord, Versioned, Who};

fn respond(settings: &Versioned<InstanceChatSettings>) -> impl IntoResponse {
    let body = json!({ "settings": settings.value, "warnings": settings.value.warnings() });
    ([(header::ETAG, etag(settings.revision))], Json(body))
}

pub async fn get(State(state): State<AppState>) -> impl IntoResponse {
    respond(&state.store.snapshot().document.instance_click_to_chat)
}

pub async fn put(State(state): State<AppState>, who: Who, headers: HeaderMap, JsonBody(body): JsonBody) -> Result<impl IntoResponse, ApiError> {
    let parsed = InstanceChatSettings::from_json(&body).map_err(ApiError::Validation)?;
    let saved = state
        .store
        .update_audited(&who, |document| {
            check_if_match(&headers, document.instance_click_to_chat.revision)?;
            let changed = changed_fields(&json!(document.instance_click_to_chat.value), &json!(parsed.value));
            let revision = document.next_revision();
            document.instance_click_to_chat = Versioned { revision, value: parsed.value };
            let audit = AuditRecord::success("instance.click_to_chat.update", None).changed(changed);
            Ok::<_, ApiError>((document.instance_click_to_chat.clone(), audit))
        })
        .await?;
    Ok(respond(&saved))
}
