//! `PUT/DELETE /chatbots/{id}/photo` and `/cover`: a bot's profile images.
//! The body is the image itself (`image/png`, `image/jpeg` or `image/webp`,
//! at most 2 MB); what is kept is re-encoded from its pixels.

use std::sync::OnceLock;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::Extension;
use switchboard_core::messages::{ApiCode, AuditAction};
use tokio::sync::Semaphore;

use super::chatbots::{admins_only, chatbot, respond_current, unknown_chatbot};
use super::extract::PathId;
use super::openapi;
use super::ApiError;
use crate::auth::Principal;
use crate::profile_image::{self, ImageError, Slot, MAX_UPLOAD_BYTES};
use crate::state::AppState;
use crate::store::{now_rfc3339, AuditRecord, ChatbotRecord, StoredImage, Who};

/// Decoding is CPU- and memory-heavy: two at a time at most.
fn decoders() -> &'static Semaphore {
    static DECODERS: OnceLock<Semaphore> = OnceLock::new();
    DECODERS.get_or_init(|| Semaphore::new(2))
}

fn slot_mut(record: &mut ChatbotRecord, slot: Slot) -> &mut Option<StoredImage> {
    match slot {
        Slot::Photo => &mut record.photo,
        Slot::Cover => &mut record.cover,
    }
}

async fn read_body(headers: &HeaderMap, body: Body) -> Result<bytes::Bytes, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_UPLOAD_BYTES as u64) {
        return Err(ApiError::PayloadTooLarge {
            limit: MAX_UPLOAD_BYTES,
        });
    }
    axum::body::to_bytes(body, MAX_UPLOAD_BYTES)
        .await
        .map_err(|_| ApiError::PayloadTooLarge {
            limit: MAX_UPLOAD_BYTES,
        })
}

async fn put_image(
    state: AppState,
    principal: Principal,
    who: Who,
    id: String,
    headers: HeaderMap,
    body: Body,
    slot: Slot,
) -> Result<axum::response::Response, ApiError> {
    admins_only(&principal)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    if profile_image::declared_format(&content_type).is_none() {
        return Err(ApiError::refused(
            ApiCode::UnsupportedImageType,
            ImageError::UnsupportedType.to_string(),
        ));
    }
    // Unknown bots are refused before their upload is read.
    chatbot(&state.store.snapshot().document, &id)?;
    let bytes = read_body(&headers, body).await?;
    let permit = decoders()
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let clean = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        profile_image::sanitize(&bytes, &content_type, slot)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(|error| {
        ApiError::refused(ApiCode::InvalidImage, error.to_string())
            .with_param("detail", error.to_string())
    })?;
    let revision_hint = state.store.snapshot().document.last_revision + 1;
    let file = format!(
        "{}-{revision_hint}-{}.{}",
        slot.as_str(),
        crate::auth::api_keys::new_id(),
        clean.extension
    );
    let image = StoredImage {
        file: file.clone(),
        content_type: clean.content_type.to_string(),
        width: clean.width,
        height: clean.height,
    };
    let (images, bot, name) = (state.images.clone(), id.clone(), file.clone());
    let bytes = clean.bytes;
    tokio::task::spawn_blocking(move || images.write(&bot, &name, &bytes))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(format!("cannot write the image: {e}")))?;
    let result = state
        .store
        .update_audited(&who, |document| {
            let revision = document.next_revision();
            let record = document
                .chatbots
                .get_mut(&id)
                .ok_or_else(|| unknown_chatbot(&id))?;
            let old = slot_mut(record, slot).replace(image);
            record.revision = revision;
            record.updated_at = now_rfc3339();
            let audit = AuditRecord::success(AuditAction::ChatbotImageSet, Some(id.clone()))
                .changed(vec![slot.as_str().to_string()])
                .param("slot", slot.as_str())
                .param("name", record.settings.name.clone());
            Ok::<_, ApiError>(((record.clone(), old), audit))
        })
        .await;
    match result {
        Ok((record, old)) => {
            if let Some(old) = old {
                let images = state.images.clone();
                let bot = id.clone();
                let _ = tokio::task::spawn_blocking(move || images.remove(&bot, &old.file)).await;
            }
            Ok(respond_current(&state.store.snapshot().document, &record))
        }
        Err(error) => {
            let images = state.images.clone();
            let _ = tokio::task::spawn_blocking(move || images.remove(&id, &file)).await;
            Err(error)
        }
    }
}

async fn clear_image(
    state: AppState,
    principal: Principal,
    who: Who,
    id: String,
    slot: Slot,
) -> Result<axum::response::Response, ApiError> {
    admins_only(&principal)?;
    let (record, old) = state
        .store
        .update_audited(&who, |document| {
            let revision = document.next_revision();
            let record = document
                .chatbots
                .get_mut(&id)
                .ok_or_else(|| unknown_chatbot(&id))?;
            let old = slot_mut(record, slot).take();
            if old.is_some() {
                record.revision = revision;
                record.updated_at = now_rfc3339();
            }
            let audit = AuditRecord::success(AuditAction::ChatbotImageClear, Some(id.clone()))
                .changed(if old.is_some() {
                    vec![slot.as_str().to_string()]
                } else {
                    Vec::new()
                })
                .param("slot", slot.as_str())
                .param("name", record.settings.name.clone());
            Ok::<_, ApiError>(((record.clone(), old), audit))
        })
        .await?;
    if let Some(old) = old {
        let images = state.images.clone();
        let _ = tokio::task::spawn_blocking(move || images.remove(&id, &old.file)).await;
    }
    Ok(respond_current(&state.store.snapshot().document, &record))
}

macro_rules! image_routes {
    ($($put:ident, $clear:ident, $slot:expr, $path:literal, $what:literal;)*) => {$(
        #[utoipa::path(
            put, path = $path, tag = "chatbots",
            operation_id = concat!("set_chatbot_", stringify!($put)),
            summary = concat!("Set a chatbot's ", $what),
            description = "The body is the image: `image/png`, `image/jpeg` or `image/webp`, at most 2 MB. It is decoded, scaled down if large, and re-encoded without metadata (JPEG stays JPEG; PNG and WebP become PNG).",
            params(("id" = String, Path, example = "k3v9q2xm7d1a", description = "The chatbot's id")),
            request_body(content = Vec<u8>, content_type = "image/png", description = "The image (also image/jpeg or image/webp)"),
            security(("session" = [], "csrf_token" = [])),
            responses((status = 200, description = "OK", body = switchboard_core::wire::Chatbot), openapi::ChatbotImageErrors)
        )]
        pub async fn $put(
            State(state): State<AppState>,
            Extension(principal): Extension<Principal>,
            who: Who,
            PathId(id): PathId,
            headers: HeaderMap,
            body: Body,
        ) -> Result<axum::response::Response, ApiError> {
            put_image(state, principal, who, id, headers, body, $slot).await
        }

        #[utoipa::path(
            delete, path = $path, tag = "chatbots",
            operation_id = concat!("clear_chatbot_", stringify!($put)),
            summary = concat!("Clear a chatbot's ", $what),
            params(("id" = String, Path, example = "k3v9q2xm7d1a", description = "The chatbot's id")),
            security(("session" = [], "csrf_token" = [])),
            responses((status = 200, description = "OK", body = switchboard_core::wire::Chatbot), openapi::ChatbotImageClearErrors)
        )]
        pub async fn $clear(
            State(state): State<AppState>,
            Extension(principal): Extension<Principal>,
            who: Who,
            PathId(id): PathId,
        ) -> Result<axum::response::Response, ApiError> {
            clear_image(state, principal, who, id, $slot).await
        }
    )*};
}

image_routes! {
    photo, clear_photo, Slot::Photo, "/chatbots/{id}/photo", "photo";
    cover, clear_cover, Slot::Cover, "/chatbots/{id}/cover", "cover photo";
}
