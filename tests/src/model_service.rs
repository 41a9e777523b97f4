//! A stand-in for OpenAI's and Azure OpenAI's chat completions, since
//! neither can run here. It speaks their wire formats: the request bodies,
//! the auth headers (`Authorization: Bearer` / `api-key`), streamed answers
//! as `data: {chunk}` … `data: [DONE]` with a usage chunk when asked
//! (`stream_options.include_usage`), and their error bodies.
//!
//! What it answers depends on the last user message:
//! - `#ratelimit`: 429 `rate_limit_exceeded` with `Retry-After: 7`;
//! - `#quota`: 429 `insufficient_quota`;
//! - `#filter`: Azure's 400 `content_filter` refusal;
//! - `#filtered-answer`: a stream that ends with `finish_reason: content_filter`;
//! - `#slow`: waits 30 s before answering;
//! - `#drop`: a stream cut after two chunks, without a reason to stop;
//! - `#fail`: 500;
//! - anything else: `Echo: <message>`, streamed a few characters per chunk.
//!
//! `/redirect/...` answers 307 to the real path (a client must not follow).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

/// The key the stand-in accepts.
pub const GOOD_KEY: &str = "sk-standin-good-key-1234";
/// The Azure deployment it has.
pub const DEPLOYMENT: &str = "chat4";
/// Tokens every answer reports as its usage.
pub const TOKENS_PER_ANSWER: u64 = 600;

/// A request as the stand-in received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Value,
}

#[derive(Clone, Default)]
struct Shared {
    received: Arc<Mutex<Vec<Received>>>,
}

pub struct ModelService {
    pub addr: SocketAddr,
    shared: Shared,
    _server: tokio::task::JoinHandle<()>,
}

impl ModelService {
    pub async fn start() -> anyhow::Result<Self> {
        let shared = Shared::default();
        let app = Router::new()
            .route("/v1/chat/completions", post(openai))
            .route(
                "/openai/deployments/{deployment}/chat/completions",
                post(azure),
            )
            .route("/redirect/v1/chat/completions", post(redirect))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            addr,
            shared,
            _server: server,
        })
    }

    /// `http://127.0.0.1:port/v1/chat/completions` (an OpenAI-compatible server).
    pub fn openai_url(&self) -> String {
        format!("http://{}/v1/chat/completions", self.addr)
    }

    pub fn azure_url(&self, deployment: &str, api_version: &str) -> String {
        format!(
            "http://{}/openai/deployments/{deployment}/chat/completions?api-version={api_version}",
            self.addr
        )
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared
            .received
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }
}

fn record(shared: &Shared, path: String, headers: &HeaderMap, body: &Value) {
    if let Ok(mut received) = shared.received.lock() {
        received.push(Received {
            path,
            headers: headers.clone(),
            body: body.clone(),
        });
    }
}

fn openai_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {"message": message, "type": "invalid_request_error", "param": null, "code": code}})),
    )
        .into_response()
}

async fn openai(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    record(&shared, "/v1/chat/completions".into(), &headers, &body);
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if bearer != Some(GOOD_KEY) {
        return openai_error(
            StatusCode::UNAUTHORIZED,
            "invalid_api_key",
            &format!(
                "Incorrect API key provided: {}. You can find your API key at https://platform.openai.com/account/api-keys.",
                bearer.unwrap_or_default()
            ),
        );
    }
    if body["model"].as_str().is_none() {
        return openai_error(
            StatusCode::BAD_REQUEST,
            "missing_required_parameter",
            "you must provide a model parameter",
        );
    }
    answer(&body, true).await
}

async fn azure(
    State(shared): State<Shared>,
    Path(deployment): Path<String>,
    Query(query): Query<std::collections::HashMap<String, String>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    record(
        &shared,
        format!("/openai/deployments/{deployment}/chat/completions"),
        &headers,
        &body,
    );
    if !query.contains_key("api-version") {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"error": {"code": "404", "message": "Resource not found"}})),
        )
            .into_response();
    }
    if headers.get("api-key").and_then(|v| v.to_str().ok()) != Some(GOOD_KEY) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"statusCode": 401, "message": "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource."})),
        )
            .into_response();
    }
    if deployment != DEPLOYMENT {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"error": {"code": "DeploymentNotFound", "message": "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again."}})),
        )
            .into_response();
    }
    answer(&body, false).await
}

async fn redirect() -> Response {
    (
        StatusCode::TEMPORARY_REDIRECT,
        [("location", "/v1/chat/completions")],
    )
        .into_response()
}

fn last_user_message(body: &Value) -> String {
    body["messages"]
        .as_array()
        .and_then(|messages| {
            messages
                .iter()
                .rev()
                .find(|m| m["role"] == "user")
                .and_then(|m| m["content"].as_str())
        })
        .unwrap_or_default()
        .to_string()
}

fn chunk(delta: Value, finish_reason: Value) -> String {
    let chunk = json!({
        "id": "chatcmpl-standin", "object": "chat.completion.chunk", "created": 1_764_000_000, "model": "standin",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]
    });
    format!("data: {chunk}\n\n")
}

fn usage() -> Value {
    json!({"prompt_tokens": TOKENS_PER_ANSWER - 100, "completion_tokens": 100, "total_tokens": TOKENS_PER_ANSWER})
}

async fn answer(body: &Value, openai: bool) -> Response {
    let message = last_user_message(body);
    match message.trim() {
        "#ratelimit" => {
            let mut response = openai_error(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limit_exceeded",
                "Rate limit reached for requests",
            );
            response
                .headers_mut()
                .insert("retry-after", axum::http::HeaderValue::from_static("7"));
            return response;
        }
        "#quota" => {
            return openai_error(
                StatusCode::TOO_MANY_REQUESTS,
                "insufficient_quota",
                "You exceeded your current quota, please check your plan and billing details.",
            )
        }
        "#filter" => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": {"message": "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.", "type": null, "param": "prompt", "code": "content_filter", "status": 400,
                    "innererror": {"code": "ResponsibleAIPolicyViolation", "content_filter_result": {"hate": {"filtered": true, "severity": "high"}, "self_harm": {"filtered": false, "severity": "safe"}, "sexual": {"filtered": false, "severity": "safe"}, "violence": {"filtered": false, "severity": "safe"}}}}})),
            )
                .into_response()
        }
        "#fail" => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({"error": {"message": "The server had an error while processing your request.", "type": "server_error", "param": null, "code": null}})),
            )
                .into_response()
        }
        "#slow" => tokio::time::sleep(Duration::from_secs(30)).await,
        _ => {}
    }
    let text = format!("Echo: {message}");
    if body["stream"] != json!(true) {
        let mut whole = json!({
            "id": "chatcmpl-standin", "object": "chat.completion", "created": 1_764_000_000, "model": "standin",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": usage()
        });
        if !openai {
            whole["prompt_filter_results"] = json!([]);
        }
        return Json(whole).into_response();
    }
    let include_usage = body["stream_options"]["include_usage"] == json!(true);
    let mut events: Vec<String> = Vec::new();
    if !openai {
        // Azure's first chunk may carry only the prompt filter's results.
        events.push(format!(
            "data: {}\n\n",
            json!({"id": "", "object": "", "created": 0, "model": "", "choices": [], "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {}}]})
        ));
    }
    events.push(": keep-alive\n\n".into());
    events.push(chunk(
        json!({"role": "assistant", "content": ""}),
        Value::Null,
    ));
    let characters: Vec<char> = text.chars().collect();
    for piece in characters.chunks(4) {
        events.push(chunk(
            json!({"content": piece.iter().collect::<String>()}),
            Value::Null,
        ));
    }
    match message.trim() {
        "#drop" => events.truncate(events.len().min(4)),
        "#filtered-answer" => events.push(chunk(json!({}), json!("content_filter"))),
        _ => {
            events.push(chunk(json!({}), json!("stop")));
            if include_usage {
                events.push(format!(
                    "data: {}\n\n",
                    json!({"id": "chatcmpl-standin", "object": "chat.completion.chunk", "created": 1_764_000_000, "model": "standin", "choices": [], "usage": usage()})
                ));
            }
            events.push("data: [DONE]\n\n".into());
        }
    }
    // Each event its own write, some split in two, with small pauses: as a
    // real service streams.
    let stream = futures_util::stream::unfold(events.into_iter(), |mut events| async move {
        let event = events.next()?;
        tokio::time::sleep(Duration::from_millis(15)).await;
        Some((Ok::<_, std::convert::Infallible>(event), events))
    });
    Response::builder()
        .header("content-type", "text/event-stream")
        .header("cache-control", "no-cache")
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}
