//! `GET /chat/{bot}`: a chatbot's direct chat page, for bots with the direct
//! link on. A full page: the bot's cover photo and profile, and the same
//! panel visitors of sites get (the assistant's launcher, in its full-page
//! mode). Served with a strict CSP: scripts, connections and images from
//! Switchboard only, no inline script or style (the panel styles itself
//! through CSSOM), never framed.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::state::AppState;

const CSP: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self'; \
     style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/chat/{bot}", get(page))
        .with_state(state)
}

/// Text for HTML (element content and quoted attributes).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Japanese when the visitor's browser prefers it over English.
fn japanese(headers: &HeaderMap) -> bool {
    let accepted = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let first = |tag: &str| {
        accepted
            .split(',')
            .position(|part| part.trim().starts_with(tag))
    };
    match (first("ja"), first("en")) {
        (Some(ja), Some(en)) => ja < en,
        (Some(_), None) => true,
        _ => false,
    }
}

fn headers(status: StatusCode, body: String) -> Response {
    (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CSP),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (header::VARY, HeaderValue::from_static("accept-language")),
        ],
        body,
    )
        .into_response()
}

async fn page(
    State(state): State<AppState>,
    Path(bot): Path<String>,
    request_headers: HeaderMap,
) -> Response {
    let snapshot = state.store.snapshot();
    let ja = japanese(&request_headers);
    let lang = if ja { "ja" } else { "en" };
    let Some(record) = snapshot
        .document
        .chatbots
        .get(&bot)
        .filter(|record| record.settings.direct_link)
    else {
        let text = if ja {
            "このチャットはありません。"
        } else {
            "There is no such chat."
        };
        return headers(
            StatusCode::NOT_FOUND,
            format!("<!doctype html><html lang=\"{lang}\"><meta charset=\"utf-8\"><title>{text}</title><main><h1>{text}</h1></main></html>"),
        );
    };
    let name = escape(&record.settings.name);
    let id = escape(&record.id);
    let body = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{name}</title>\
         <script src=\"/assistant/launcher.js\" data-bot=\"{id}\" async></script></head>\
         <body><main id=\"chat\" aria-label=\"{name}\"></main></body></html>"
    );
    headers(StatusCode::OK, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped_and_the_language_follows_the_browser() {
        assert_eq!(escape("<b>\"A&B\"'"), "&lt;b&gt;&quot;A&amp;B&quot;&#39;");
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::ACCEPT_LANGUAGE,
                HeaderValue::from_str(value).expect("header"),
            );
            japanese(&headers)
        };
        assert!(with("ja,en-US;q=0.9"));
        assert!(with("ja-JP"));
        assert!(!with("en-US,ja;q=0.8"));
        assert!(!with("fr"));
        assert!(!japanese(&HeaderMap::new()));
    }
}
