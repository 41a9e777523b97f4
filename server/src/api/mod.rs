//! The REST API under `/api/v1`. Handlers are thin: parse with the domain
//! crate, change the store, answer.
//!
//! Two routers: `admin` (everything that reads or changes settings; the
//! authentication layer wraps it as a whole) and `public` (what the widget
//! reads from any origin).

mod account;
mod answer;
mod api_keys;
mod audit;
pub mod authn;
mod bot_api;
mod chatbot_deliveries;
mod chatbot_images;
pub mod chatbot_try;
pub mod chatbots;
pub mod conversations;
mod display_rules;
pub mod error;
pub mod extract;
mod instance;
pub mod openapi;
mod providers;
mod script_origins;
mod session;
mod setup;
mod site_click_to_chat;
mod site_csp;
mod sites;
mod visitor_chat;
mod wait_slots;
mod widget_config;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, Method};
use axum::middleware::{from_fn_with_state, map_response};
use axum::response::Response;
use axum::Router;
use tower_http::cors::{AllowOrigin, CorsLayer};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;
use crate::store::{Document, SiteRecord};
use authn::require_auth;
pub use error::ApiError;
use switchboard_core::messages::ApiCode;

pub fn router(state: AppState) -> Router {
    let (admin, _) = admin_routes().split_for_parts();
    let (public, _) = public_routes().split_for_parts();
    Router::new()
        .merge(admin.route_layer(from_fn_with_state(state.clone(), require_auth)))
        .merge(public)
        .merge(visitor_router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(extract::BODY_LIMIT))
        .layer(map_response(api_headers))
        .with_state(state)
}

/// The OpenAPI document: [`openapi::ApiDoc`]'s description and schemes, with
/// every operation as the routers below register it.
pub fn document() -> serde_json::Value {
    let mut document = openapi::ApiDoc::openapi();
    document.merge(admin_routes().into_openapi());
    document.merge(public_routes().into_openapi());
    document.merge(visitor_routes().into_openapi());
    openapi::tightened(&document)
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

/// Every route that reads or changes the configuration; `router` puts them
/// behind the one authentication layer.
fn admin_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(session::whoami, session::logout))
        .routes(routes!(account::change_password))
        .routes(routes!(account::sign_out_everywhere))
        .routes(routes!(api_keys::list, api_keys::create))
        .routes(routes!(api_keys::update, api_keys::delete))
        .routes(routes!(audit::list))
        .routes(routes!(chatbots::list, chatbots::create))
        .routes(routes!(chatbots::get, chatbots::update, chatbots::delete))
        .routes(routes!(chatbots::regenerate))
        .routes(routes!(chatbot_try::try_chatbot))
        .routes(routes!(chatbot_try::conversation_messages))
        .routes(routes!(conversations::list))
        .routes(routes!(conversations::export))
        .routes(routes!(conversations::get, conversations::delete))
        .routes(routes!(
            conversations::settings,
            conversations::put_settings
        ))
        .routes(routes!(chatbot_deliveries::list))
        .routes(routes!(chatbot_deliveries::resend))
        .routes(routes!(chatbot_images::photo, chatbot_images::clear_photo))
        .routes(routes!(chatbot_images::cover, chatbot_images::clear_cover))
        .routes(routes!(providers::list))
        .routes(routes!(instance::get, instance::put))
        .routes(routes!(sites::list, sites::create))
        .routes(routes!(sites::get, sites::update, sites::delete))
        .routes(routes!(site_click_to_chat::get, site_click_to_chat::put))
        .routes(routes!(site_click_to_chat::effective))
        .routes(routes!(display_rules::get_instance))
        .routes(routes!(display_rules::get_site))
        .routes(routes!(display_rules::refresh_instance))
        .routes(routes!(display_rules::refresh_site))
        .routes(routes!(display_rules::test_instance))
        .routes(routes!(display_rules::test_site))
        .merge(
            // Rules may carry an uploaded calendar: a larger body than elsewhere.
            OpenApiRouter::new()
                .routes(routes!(display_rules::put_instance))
                .routes(routes!(display_rules::put_site))
                .layer(DefaultBodyLimit::max(extract::LARGE_BODY_LIMIT)),
        )
        .routes(routes!(site_csp::get))
}

/// Reachable without signing in: the widget's config (from any origin),
/// first-run setup, signing in, this API's description, and the bot API
/// (with a bot's own key, not an admin's).
fn public_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(widget_config::get))
        .routes(routes!(setup::status, setup::create))
        .routes(routes!(session::login))
        .routes(routes!(openapi::document_json))
        // The bot API authenticates with the bot's own key (its extractor).
        .routes(routes!(bot_api::poll))
        .routes(routes!(bot_api::reply))
}

/// The built-in assistant's chat API, public like the routes above.
fn visitor_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(visitor_chat::profile))
        .routes(routes!(visitor_chat::start))
        .routes(routes!(visitor_chat::say, visitor_chat::read))
        .routes(routes!(visitor_chat::vote))
}

/// [`visitor_routes`] from any origin (the panel runs on the sites' pages),
/// preflights answered and cached for a day. The layer goes on after the
/// 405 fallback, which would otherwise take OPTIONS past it.
fn visitor_router() -> Router<AppState> {
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods([Method::GET, Method::POST, Method::PUT])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .expose_headers([header::RETRY_AFTER])
        .max_age(std::time::Duration::from_secs(86_400));
    let (routes, _) = visitor_routes().split_for_parts();
    routes
        .method_not_allowed_fallback(method_not_allowed)
        .layer(cors)
        .layer(axum::middleware::from_fn(only_preflights))
}

/// The CORS layer answers every `OPTIONS`; only a browser's preflight (it
/// names the method it asks for) is one. Any other is a method these
/// routes do not have.
async fn only_preflights(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use axum::response::IntoResponse;
    let preflight = request.method() != Method::OPTIONS
        || request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if preflight {
        next.run(request).await
    } else {
        method_not_allowed().await.into_response()
    }
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
