//! `GET /chatbot-images/{bot}/{file}`: a bot's current profile images, for
//! visitors' pages (the assistant's header, the direct chat page). Only
//! files the store names as a bot's current photo or cover are served; each
//! upload has a new name, so an answer can be cached for good.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/chatbot-images/{bot}/{file}", get(image))
        .with_state(state)
}

async fn image(
    State(state): State<AppState>,
    Path((bot, file)): Path<(String, String)>,
) -> Response {
    let snapshot = state.store.snapshot();
    let current = snapshot.document.chatbots.get(&bot).and_then(|record| {
        [&record.photo, &record.cover]
            .into_iter()
            .flatten()
            .find(|image| image.file == file)
            .cloned()
    });
    let Some(current) = current else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let images = state.images.clone();
    let read = tokio::task::spawn_blocking(move || images.read(&bot, &file)).await;
    let Ok(Some(bytes)) = read else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let content_type = HeaderValue::from_str(&current.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    (
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            ),
            (
                header::HeaderName::from_static("cross-origin-resource-policy"),
                HeaderValue::from_static("cross-origin"),
            ),
        ],
        bytes,
    )
        .into_response()
}
