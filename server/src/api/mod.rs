//! The REST API under `/api/v1`. Handlers are thin: parse with the domain
//! crate, change the store, answer.
//!
//! Two routers: `admin` (everything that reads or changes settings; the
//! authentication layer wraps it as a whole) and `public` (what the widget
//! reads from any origin).

mod account;
mod api_keys;
mod audit;
pub mod authn;
pub mod error;
pub mod extract;
mod instance;
mod providers;
mod script_origins;
mod session;
mod setup;
mod site_click_to_chat;
mod site_csp;
mod sites;
mod widget_config;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue};
use axum::middleware::{from_fn_with_state, map_response};
use axum::response::Response;
use axum::routing::{delete, get, post, put};
use axum::Router;

use crate::state::AppState;
use crate::store::{Document, SiteRecord};
use authn::require_auth;
pub use error::ApiError;
use switchboard_core::messages::ApiCode;

pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(admin_routes(state.clone()))
        .merge(public_routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(extract::BODY_LIMIT))
        .layer(map_response(api_headers))
        .with_state(state)
}

/// Admin answers (sessions with their CSRF token, settings, the audit log)
/// are never stored by a browser or proxy; only answers that say otherwise
/// (the public widget config) are cacheable. JSON is never sniffed as HTML.
async fn api_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// Every route that reads or changes the configuration, behind the one
/// authentication layer.
fn admin_routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/session", get(session::whoami).delete(session::logout))
        .route("/account/password", put(account::change_password))
        .route("/account/sessions", delete(account::sign_out_everywhere))
        .route("/api-keys", get(api_keys::list).post(api_keys::create))
        .route(
            "/api-keys/{id}",
            put(api_keys::update).delete(api_keys::delete),
        )
        .route("/audit", get(audit::list))
        .route("/providers", get(providers::list))
        .route(
            "/instance/click-to-chat",
            get(instance::get).put(instance::put),
        )
        .route("/sites", get(sites::list).post(sites::create))
        .route(
            "/sites/{id}",
            get(sites::get).put(sites::update).delete(sites::delete),
        )
        .route(
            "/sites/{id}/click-to-chat",
            get(site_click_to_chat::get).put(site_click_to_chat::put),
        )
        .route(
            "/sites/{id}/click-to-chat/effective",
            get(site_click_to_chat::effective),
        )
        .route("/sites/{id}/csp", get(site_csp::get))
        .route_layer(from_fn_with_state(state, require_auth))
}

/// Reachable without signing in: the widget's config (from any origin),
/// first-run setup, and signing in.
fn public_routes() -> Router<AppState> {
    Router::new()
        .route("/widget/config", get(widget_config::get))
        .route("/setup", get(setup::status).post(setup::create))
        .route("/session", post(session::login))
}

/// The site `id`, or the API's 404 for it.
fn site<'a>(document: &'a Document, id: &str) -> Result<&'a SiteRecord, ApiError> {
    document
        .sites
        .get(id)
        .ok_or_else(|| ApiError::unknown_site(id))
}

fn site_mut<'a>(document: &'a mut Document, id: &str) -> Result<&'a mut SiteRecord, ApiError> {
    document
        .sites
        .get_mut(id)
        .ok_or_else(|| ApiError::unknown_site(id))
}

async fn not_found() -> ApiError {
    ApiError::not_found(ApiCode::NotFound, "there is no such API endpoint")
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
