//! The REST API under `/api/v1`. Handlers are thin: parse with the domain
//! crate, change the store, answer.
//!
//! Two routers: `admin` (everything that reads or changes settings; the
//! authentication layer wraps it as a whole) and `public` (what the widget
//! reads from any origin).

pub mod error;
pub mod extract;
mod instance;
mod providers;
mod site_click_to_chat;
mod sites;
mod widget_config;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::Router;

use crate::store::Store;
pub use error::ApiError;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(admin_routes())
        .merge(public_routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(extract::BODY_LIMIT))
        .with_state(state)
}

/// Every route that reads or changes the configuration.
fn admin_routes() -> Router<AppState> {
    Router::new()
        .route("/providers", get(providers::list))
        .route("/instance/click-to-chat", get(instance::get).put(instance::put))
        .route("/sites", get(sites::list).post(sites::create))
        .route("/sites/{id}", get(sites::get).put(sites::update).delete(sites::delete))
        .route("/sites/{id}/click-to-chat", get(site_click_to_chat::get).put(site_click_to_chat::put))
        .route("/sites/{id}/click-to-chat/effective", get(site_click_to_chat::effective))
}

/// Readable by anyone, from any origin.
fn public_routes() -> Router<AppState> {
    Router::new().route("/widget/config", get(widget_config::get))
}

async fn not_found() -> ApiError {
    ApiError::NotFound { code: "not_found", message: "there is no such API endpoint".into() }
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
