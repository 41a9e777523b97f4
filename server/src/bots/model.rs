//! The model client: OpenAI-style chat completions, streamed.
//!
//! One request shape for the three kinds of endpoint, with their
//! differences: OpenAI takes `Authorization: Bearer`, a `model` and
//! `max_completion_tokens`, and reports usage in a last chunk when asked
//! (`stream_options`, which compatible servers read too); Azure OpenAI takes
//! `api-key`, names the model by the deployment in its URL and knows neither
//! `model` nor `stream_options` in 2023-05-15; compatible servers get the
//! classic `max_tokens`. Errors are
//! read leniently (the services and their gateways word them differently)
//! into [`ModelError`], which says what the admin can do about it.

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use serde_json::{json, Value};
use switchboard_core::chatbot::{EndpointKind, ModelSettings};
use url::Url;

use crate::egress::{Egress, EgressError, Outbound, Streaming};

/// A server-sent events stream is refused once one event grows past this.
const MAX_EVENT_BYTES: usize = 256 * 1024;
/// The whole streamed answer (every chunk's JSON) may be at most this long.
const MAX_STREAM_BYTES: usize = 8 * 1024 * 1024;
/// An error answer is read up to this size.
const MAX_ERROR_BYTES: usize = 64 * 1024;

/// How long a model call may take.
#[derive(Debug, Clone, Copy)]
pub struct ModelTimeouts {
    /// For the whole call, the answer streamed to its end.
    pub total: Duration,
    /// Between two pieces of the answer (and until the first).
    pub idle: Duration,
}

impl ModelTimeouts {
    pub fn new(total: Duration) -> Self {
        Self {
            total,
            idle: total.min(Duration::from_secs(30)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessage {
    pub role: &'static str,
    pub content: String,
}

pub struct ChatRequest<'a> {
    pub settings: &'a ModelSettings,
    pub api_key: Option<&'a str>,
    pub instructions: &'a str,
    pub messages: &'a [ChatMessage],
    pub max_tokens: u32,
    /// A pseudonymous id of who asks, for the service's abuse monitoring.
    pub user: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub total_tokens: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelEvent {
    Text(String),
    /// The end: why it stopped, and the usage if the service said.
    Finished {
        finish_reason: Option<String>,
        usage: Option<Usage>,
    },
}

/// Why the model gave no (whole) answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("the model service refused the API key ({status}): {message}")]
    Unauthorized { status: u16, message: String },
    #[error("the model service does not know this model or deployment: {message}")]
    NotFound { message: String },
    #[error("the model service is rate limiting this key")]
    RateLimited { retry_after: Option<u64> },
    #[error("the model service's quota for this key is used up: {message}")]
    QuotaExceeded { message: String },
    #[error("the model service's content filter refused the conversation")]
    ContentFiltered,
    #[error("the model service refused the request ({status}): {message}")]
    Rejected { status: u16, message: String },
    #[error("the model service failed ({status}): {message}")]
    Unavailable { status: u16, message: String },
    #[error("the model service did not answer in time")]
    Timeout,
    #[error("{0}")]
    Egress(EgressError),
    #[error("the model service's answer cannot be read: {0}")]
    BadAnswer(String),
}

impl From<EgressError> for ModelError {
    fn from(error: EgressError) -> Self {
        match error {
            EgressError::Timeout(_) => Self::Timeout,
            EgressError::TooLarge { limit } => {
                Self::BadAnswer(format!("the answer is larger than {limit} bytes"))
            }
            other => Self::Egress(other),
        }
    }
}

/// The body and headers of a request to `settings`' endpoint.
pub fn build_request(
    request: &ChatRequest<'_>,
    timeouts: ModelTimeouts,
) -> Result<Outbound, ModelError> {
    let kind = EndpointKind::of(&request.settings.endpoint);
    let url = Url::parse(&request.settings.endpoint)
        .map_err(|e| ModelError::Egress(EgressError::InvalidUrl(e.to_string())))?;
    let mut messages = Vec::with_capacity(request.messages.len() + 1);
    if !request.instructions.trim().is_empty() {
        messages.push(json!({"role": "system", "content": request.instructions}));
    }
    messages.extend(
        request
            .messages
            .iter()
            .map(|m| json!({"role": m.role, "content": m.content})),
    );
    let mut body = json!({"messages": messages, "stream": true});
    match kind {
        EndpointKind::OpenAi => {
            body["max_completion_tokens"] = json!(request.max_tokens);
        }
        EndpointKind::Azure | EndpointKind::Compatible => {
            body["max_tokens"] = json!(request.max_tokens);
        }
    }
    // Usage in a last chunk; Azure's 2023-05-15 refuses the field.
    if kind != EndpointKind::Azure {
        body["stream_options"] = json!({"include_usage": true});
    }
    if kind != EndpointKind::Azure {
        if let Some(model) = &request.settings.model {
            body["model"] = json!(model);
        }
    }
    if let Some(user) = &request.user {
        body["user"] = json!(user);
    }
    let mut outbound = Outbound::post(url, Bytes::from(body.to_string()))
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .header(
            reqwest::header::ACCEPT,
            HeaderValue::from_static("text/event-stream"),
        );
    if let Some(key) = request.api_key {
        let (name, value) = match kind {
            EndpointKind::Azure => (HeaderName::from_static("api-key"), key.to_string()),
            _ => (AUTHORIZATION, format!("Bearer {key}")),
        };
        let mut value = HeaderValue::from_str(&value).map_err(|_| ModelError::Rejected {
            status: 0,
            message: "the API key cannot be sent in a header".into(),
        })?;
        value.set_sensitive(true);
        outbound = outbound.header(name, value);
    }
    outbound.timeout = timeouts.total;
    outbound.max_response_bytes = MAX_STREAM_BYTES;
    Ok(outbound)
}

/// An answer being streamed.
pub struct ModelStream {
    response: Streaming,
    parser: SseParser,
    idle: Duration,
    pending: std::collections::VecDeque<ModelEvent>,
    finish_reason: Option<String>,
    usage: Option<Usage>,
    done: bool,
}

/// Sends the request; a refusal by the service is an error before any event.
pub async fn start(
    egress: &Egress,
    request: &ChatRequest<'_>,
    timeouts: ModelTimeouts,
) -> Result<ModelStream, ModelError> {
    let outbound = build_request(request, timeouts)?;
    let response = egress.open(outbound).await?;
    if !(200..300).contains(&response.status) {
        let status = response.status;
        let retry_after = retry_after(&response.headers);
        let body = read_capped(response, timeouts.idle).await;
        return Err(redacted(
            classify_error(status, retry_after, &body),
            request.api_key,
        ));
    }
    let is_event_stream = response
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("text/event-stream"));
    let mut stream = ModelStream {
        response,
        parser: SseParser::default(),
        idle: timeouts.idle,
        pending: Default::default(),
        finish_reason: None,
        usage: None,
        done: false,
    };
    if !is_event_stream {
        // A server that ignored `stream: true` answers with one JSON object.
        let body = stream.response_body().await?;
        stream.read_whole(&body)?;
    }
    Ok(stream)
}

async fn read_capped(mut response: Streaming, idle: Duration) -> Vec<u8> {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk(idle).await {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_ERROR_BYTES {
            body.truncate(MAX_ERROR_BYTES);
            break;
        }
    }
    body
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<u64> {
    let seconds = headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let millis = headers
        .get("retry-after-ms")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|ms| ms.div_ceil(1000));
    seconds.or(millis)
}

/// No message the server passes on may hold the key it sent.
fn redacted(error: ModelError, key: Option<&str>) -> ModelError {
    let Some(key) = key.filter(|k| k.len() >= 4) else {
        return error;
    };
    let clean = |text: String| text.replace(key, "***");
    match error {
        ModelError::Unauthorized { status, message } => ModelError::Unauthorized {
            status,
            message: clean(message),
        },
        ModelError::NotFound { message } => ModelError::NotFound {
            message: clean(message),
        },
        ModelError::QuotaExceeded { message } => ModelError::QuotaExceeded {
            message: clean(message),
        },
        ModelError::Rejected { status, message } => ModelError::Rejected {
            status,
            message: clean(message),
        },
        ModelError::Unavailable { status, message } => ModelError::Unavailable {
            status,
            message: clean(message),
        },
        other => other,
    }
}

/// Reads an error answer: OpenAI's `{"error": {"message", "code", "type"}}`,
/// Azure's variants (`{"error": {"code": "DeploymentNotFound"}}`,
/// `{"statusCode": 401, "message"}`, content filter refusals), or plain text.
pub fn classify_error(status: u16, retry_after: Option<u64>, body: &[u8]) -> ModelError {
    let json: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let error = json.get("error").unwrap_or(&json);
    let code = error
        .get("code")
        .and_then(|c| {
            c.as_str()
                .map(str::to_string)
                .or_else(|| c.as_u64().map(|n| n.to_string()))
        })
        .unwrap_or_default();
    let inner_code = error["innererror"]["code"].as_str().unwrap_or_default();
    let message: String = error
        .get("message")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| String::from_utf8_lossy(body).chars().take(300).collect())
        .chars()
        .take(500)
        .collect();
    match status {
        401 | 403 => ModelError::Unauthorized { status, message },
        404 => ModelError::NotFound { message },
        429 if code == "insufficient_quota" => ModelError::QuotaExceeded { message },
        429 => ModelError::RateLimited { retry_after },
        400 if code == "content_filter" || inner_code == "ResponsibleAIPolicyViolation" => {
            ModelError::ContentFiltered
        }
        300..=399 => ModelError::Unavailable {
            status,
            message:
                "the endpoint answered with a redirect, which is not followed; use the final URL"
                    .into(),
        },
        400..=499 => ModelError::Rejected { status, message },
        _ => ModelError::Unavailable { status, message },
    }
}

impl ModelStream {
    async fn response_body(&mut self) -> Result<Vec<u8>, ModelError> {
        let mut body = Vec::new();
        while let Some(chunk) = self.response.chunk(self.idle).await? {
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    fn read_whole(&mut self, body: &[u8]) -> Result<(), ModelError> {
        let json: Value = serde_json::from_slice(body)
            .map_err(|e| ModelError::BadAnswer(format!("not JSON: {e}")))?;
        let choice = &json["choices"][0];
        if let Some(text) = choice["message"]["content"].as_str() {
            if !text.is_empty() {
                self.pending.push_back(ModelEvent::Text(text.to_string()));
            }
        } else if choice.is_null() {
            return Err(ModelError::BadAnswer("the answer has no choices".into()));
        }
        self.finish_reason = choice["finish_reason"].as_str().map(str::to_string);
        self.usage = read_usage(&json["usage"]);
        self.finish();
        Ok(())
    }

    fn finish(&mut self) {
        self.done = true;
        self.pending.push_back(ModelEvent::Finished {
            finish_reason: self.finish_reason.take(),
            usage: self.usage.take(),
        });
    }

    /// The next event; `None` after [`ModelEvent::Finished`].
    pub async fn next(&mut self) -> Result<Option<ModelEvent>, ModelError> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Ok(Some(event));
            }
            if self.done {
                return Ok(None);
            }
            let Some(chunk) = self.response.chunk(self.idle).await? else {
                // The stream ended without `[DONE]`: what came is the answer,
                // unless it was cut before any reason to stop.
                if self.finish_reason.is_none() {
                    return Err(ModelError::BadAnswer(
                        "the stream ended before the answer did".into(),
                    ));
                }
                self.finish();
                continue;
            };
            for data in self.parser.feed(&chunk)? {
                if data.trim() == "[DONE]" {
                    self.finish();
                    break;
                }
                self.read_chunk(&data)?;
            }
        }
    }

    fn read_chunk(&mut self, data: &str) -> Result<(), ModelError> {
        let json: Value = serde_json::from_str(data)
            .map_err(|e| ModelError::BadAnswer(format!("a chunk is not JSON: {e}")))?;
        if json.get("error").is_some() {
            return Err(classify_error(500, None, data.as_bytes()));
        }
        if let Some(usage) = read_usage(&json["usage"]) {
            self.usage = Some(usage);
        }
        // Usage chunks and Azure's prompt-filter chunk have no choices.
        let Some(choice) = json["choices"].get(0) else {
            return Ok(());
        };
        if let Some(text) = choice["delta"]["content"].as_str() {
            if !text.is_empty() {
                self.pending.push_back(ModelEvent::Text(text.to_string()));
            }
        }
        if let Some(reason) = choice["finish_reason"].as_str() {
            if reason == "content_filter" {
                return Err(ModelError::ContentFiltered);
            }
            self.finish_reason = Some(reason.to_string());
        }
        Ok(())
    }
}

fn read_usage(value: &Value) -> Option<Usage> {
    let prompt = value["prompt_tokens"].as_u64()?;
    let completion = value["completion_tokens"].as_u64().unwrap_or(0);
    Some(Usage {
        prompt_tokens: prompt,
        completion_tokens: completion,
        total_tokens: value["total_tokens"]
            .as_u64()
            .unwrap_or(prompt + completion),
    })
}

/// Tokens to count when the service reports none: about one per three
/// characters (English runs near four, Japanese near one).
pub fn estimate_tokens(characters: usize) -> u64 {
    (characters as u64).div_ceil(3)
}

/// Splits a `text/event-stream` into its events' data, across reads.
#[derive(Debug, Default)]
pub struct SseParser {
    buffer: Vec<u8>,
    data: Vec<String>,
}

impl SseParser {
    /// The data of every event completed by `bytes`.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Vec<String>, ModelError> {
        self.buffer.extend_from_slice(bytes);
        let mut events = Vec::new();
        while let Some(end) = self.buffer.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.buffer.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                if !self.data.is_empty() {
                    events.push(self.data.join("\n"));
                    self.data.clear();
                }
            } else if let Some(value) = line.strip_prefix("data:") {
                self.data
                    .push(value.strip_prefix(' ').unwrap_or(value).to_string());
            }
            // `event:`, `id:`, `retry:` and `:` comments carry nothing we use.
        }
        let held = self.buffer.len() + self.data.iter().map(String::len).sum::<usize>();
        if held > MAX_EVENT_BYTES {
            return Err(ModelError::BadAnswer(format!(
                "an event is longer than {MAX_EVENT_BYTES} bytes"
            )));
        }
        Ok(events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_across_reads_with_crlf_and_comments_are_put_back_together() {
        let mut parser = SseParser::default();
        assert!(parser
            .feed(b": keep-alive\r\n\r\nda")
            .expect("ok")
            .is_empty());
        assert!(parser.feed(b"ta: {\"a\":").expect("ok").is_empty());
        assert_eq!(
            parser.feed(b"1}\r\n\r\ndata: [DONE]\n\n").expect("ok"),
            ["{\"a\":1}", "[DONE]"]
        );
        assert_eq!(
            parser
                .feed(b"event: x\ndata: one\ndata: two\n\n")
                .expect("ok"),
            ["one\ntwo"]
        );
        assert!(parser.feed(&vec![b'x'; MAX_EVENT_BYTES + 1]).is_err());
    }

    #[test]
    fn requests_follow_each_kind_of_service() {
        let messages = [ChatMessage {
            role: "user",
            content: "hi".into(),
        }];
        let body_of = |endpoint: &str, model: Option<&str>| {
            let settings = ModelSettings {
                endpoint: endpoint.into(),
                model: model.map(str::to_string),
            };
            let request = ChatRequest {
                settings: &settings,
                api_key: Some("sk-secret"),
                instructions: "Be brief.",
                messages: &messages,
                max_tokens: 100,
                user: None,
            };
            let outbound = build_request(&request, ModelTimeouts::new(Duration::from_secs(5)))
                .expect("request");
            let body: Value =
                serde_json::from_slice(outbound.body.as_deref().unwrap_or_default()).expect("json");
            let headers: Vec<String> = outbound
                .headers
                .iter()
                .map(|(n, _)| n.to_string())
                .collect();
            (body, headers)
        };
        let (openai, headers) = body_of(
            "https://api.openai.com/v1/chat/completions",
            Some("gpt-4o-mini"),
        );
        assert_eq!(openai["model"], "gpt-4o-mini");
        assert_eq!(openai["max_completion_tokens"], 100);
        assert_eq!(openai["stream_options"]["include_usage"], true);
        assert_eq!(openai["messages"][0]["role"], "system");
        assert!(headers.contains(&"authorization".to_string()));
        let (azure, headers) = body_of(
            "https://x.openai.azure.com/openai/deployments/d/chat/completions?api-version=2023-05-15",
            Some("ignored"),
        );
        assert_eq!(azure.get("model"), None);
        assert_eq!(azure.get("stream_options"), None);
        assert_eq!(azure["max_tokens"], 100);
        assert!(headers.contains(&"api-key".to_string()));
        assert!(!headers.contains(&"authorization".to_string()));
    }

    #[test]
    fn error_answers_are_told_apart() {
        assert!(matches!(
            classify_error(401, None, br#"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}"#),
            ModelError::Unauthorized { status: 401, .. }
        ));
        assert!(matches!(
            classify_error(401, None, br#"{"statusCode": 401, "message": "Access denied due to invalid subscription key or wrong API endpoint."}"#),
            ModelError::Unauthorized { message, .. } if message.starts_with("Access denied")
        ));
        assert!(matches!(
            classify_error(404, None, br#"{"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource does not exist."}}"#),
            ModelError::NotFound { .. }
        ));
        assert_eq!(
            classify_error(
                429,
                Some(3),
                br#"{"error":{"code":"rate_limit_exceeded","message":"slow down"}}"#
            ),
            ModelError::RateLimited {
                retry_after: Some(3)
            }
        );
        assert!(matches!(
            classify_error(429, None, br#"{"error":{"code":"insufficient_quota","message":"You exceeded your current quota"}}"#),
            ModelError::QuotaExceeded { .. }
        ));
        assert_eq!(
            classify_error(400, None, br#"{"error":{"message":"The response was filtered","type":null,"param":"prompt","code":"content_filter","status":400,"innererror":{"code":"ResponsibleAIPolicyViolation"}}}"#),
            ModelError::ContentFiltered
        );
        assert!(matches!(
            classify_error(503, None, b"upstream down"),
            ModelError::Unavailable { status: 503, .. }
        ));
        let leaked = ModelError::Unauthorized {
            status: 401,
            message: "bad key sk-secret-1234".into(),
        };
        assert_eq!(
            redacted(leaked, Some("sk-secret-1234")).to_string(),
            "the model service refused the API key (401): bad key ***"
        );
    }
}
