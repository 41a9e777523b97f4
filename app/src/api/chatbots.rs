//! Chatbots: their settings, secrets, images, the try box's stream, the
//! conversation it reads replies from, and the webhook delivery log.

use gloo_net::http::Request;
use serde_json::{json, Value};
use wasm_bindgen::JsCast;

use super::{
    decoded, delete, error_from, finish, get_decoded, list, number, optional_text, send, text,
    Answer, ApiError, API,
};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Webhook {
    pub url: String,
    pub access_token: bool,
    pub use_proxy: bool,
}

/// `ChatbotSettings`, as the form edits it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BotSettings {
    pub name: String,
    pub reading: String,
    pub bot_api: bool,
    pub site_chat: bool,
    pub direct_link: bool,
    /// `(endpoint, model)`.
    pub model: Option<(String, Option<String>)>,
    pub webhook: Option<Webhook>,
    pub profile_url: Option<String>,
    pub description: String,
    pub instructions: String,
    pub reply_limit: u64,
    pub daily_token_budget: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hint {
    pub hint: String,
    pub set_at: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Secrets {
    pub model_api_key: Option<Hint>,
    pub api_key: Option<Hint>,
    pub webhook_token: Option<Hint>,
    pub webhook_secret: Option<Hint>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Chatbot {
    pub id: String,
    pub settings: BotSettings,
    pub model_kind: Option<String>,
    pub secrets: Secrets,
    pub photo: Option<String>,
    pub cover: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub last_activity_at: Option<String>,
    pub tokens_today: u64,
    /// Sites whose visitors get it as their chat now.
    pub used_in_sites: Vec<String>,
    /// The instance settings choose it (inheriting sites get it).
    pub used_by_instance: bool,
    /// Secrets issued by this answer: `(api_key | webhook_token | webhook_secret, value)`.
    pub issued: Vec<(String, String)>,
}

fn flag(v: &Value, key: &str) -> Option<bool> {
    v.get(key)?.as_bool()
}

fn hint(v: &Value, key: &str) -> Option<Hint> {
    let secret = v.get(key)?;
    Some(Hint {
        hint: text(secret, "hint")?,
        set_at: text(secret, "set_at")?,
    })
}

pub fn decode_settings(v: &Value) -> Option<BotSettings> {
    let model = match v.get("model")? {
        Value::Null => None,
        model => Some((text(model, "endpoint")?, optional_text(model, "model"))),
    };
    let webhook = match v.get("webhook")? {
        Value::Null => None,
        hook => Some(Webhook {
            url: text(hook, "url")?,
            access_token: flag(hook, "access_token")?,
            use_proxy: flag(hook, "use_proxy")?,
        }),
    };
    let profile = v.get("profile")?;
    Some(BotSettings {
        name: text(v, "name")?,
        reading: text(v, "reading")?,
        bot_api: flag(v, "bot_api")?,
        site_chat: flag(v, "site_chat")?,
        direct_link: flag(v, "direct_link")?,
        model,
        webhook,
        profile_url: optional_text(profile, "url"),
        description: text(profile, "description")?,
        instructions: text(v, "instructions")?,
        reply_limit: number(v, "reply_limit")?,
        daily_token_budget: number(v, "daily_token_budget")?,
    })
}

pub fn decode_chatbot(v: &Value) -> Option<Chatbot> {
    let secrets = v.get("secrets")?;
    let issued = v
        .get("issued")
        .and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    Some(Chatbot {
        id: text(v, "id")?,
        settings: decode_settings(v.get("settings")?)?,
        model_kind: optional_text(v, "model_kind"),
        secrets: Secrets {
            model_api_key: hint(secrets, "model_api_key"),
            api_key: hint(secrets, "api_key"),
            webhook_token: hint(secrets, "webhook_token"),
            webhook_secret: hint(secrets, "webhook_secret"),
        },
        photo: optional_text(v, "photo"),
        cover: optional_text(v, "cover"),
        created_at: text(v, "created_at")?,
        updated_at: text(v, "updated_at")?,
        last_activity_at: optional_text(v, "last_activity_at"),
        tokens_today: number(v, "tokens_today")?,
        used_in_sites: list(v.get("used_by")?, "sites", |s| s.as_str().map(String::from))?,
        used_by_instance: flag(v.get("used_by")?, "instance")?,
        issued,
    })
}

pub fn decode_chatbots(v: &Value) -> Option<Vec<Chatbot>> {
    list(v, "chatbots", decode_chatbot)
}

/// What the form sends for the model's key: keep the stored one, a new one, or none.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyChange {
    Keep,
    Set(String),
    Remove,
}

impl BotSettings {
    /// The request body (`ChatbotSettings`, with `model.api_key` when it changes).
    pub fn body(&self, key: &KeyChange) -> Value {
        let model = self.model.as_ref().map(|(endpoint, model)| {
            let mut body = json!({"endpoint": endpoint, "model": model});
            match key {
                KeyChange::Keep => {}
                KeyChange::Set(key) => body["api_key"] = json!(key),
                KeyChange::Remove => body["api_key"] = Value::Null,
            }
            body
        });
        let webhook = self.webhook.as_ref().map(
            |w| json!({"url": w.url, "access_token": w.access_token, "use_proxy": w.use_proxy}),
        );
        json!({
            "name": self.name, "reading": self.reading, "bot_api": self.bot_api,
            "site_chat": self.site_chat, "direct_link": self.direct_link,
            "model": model, "webhook": webhook,
            "profile": {"url": self.profile_url, "description": self.description},
            "instructions": self.instructions, "reply_limit": self.reply_limit,
            "daily_token_budget": self.daily_token_budget,
        })
    }
}

fn encode(id: &str) -> String {
    super::encode(id)
}

pub async fn chatbots() -> Result<Vec<Chatbot>, ApiError> {
    get_decoded("/chatbots", decode_chatbots)
        .await
        .map(|a| a.body)
}

pub async fn chatbot(id: &str) -> Result<Answer<Chatbot>, ApiError> {
    get_decoded(&format!("/chatbots/{}", encode(id)), decode_chatbot).await
}

pub async fn create_chatbot(csrf: &str, body: &Value) -> Result<Answer<Chatbot>, ApiError> {
    decoded(
        send(Request::post(&format!("{API}/chatbots")), csrf, None, body).await?,
        decode_chatbot,
    )
}

pub async fn save_chatbot(
    csrf: &str,
    id: &str,
    etag: Option<&str>,
    body: &Value,
) -> Result<Answer<Chatbot>, ApiError> {
    decoded(
        send(
            Request::put(&format!("{API}/chatbots/{}", encode(id))),
            csrf,
            etag,
            body,
        )
        .await?,
        decode_chatbot,
    )
}

pub async fn delete_chatbot(csrf: &str, id: &str) -> Result<(), ApiError> {
    delete(&format!("/chatbots/{}", encode(id)), csrf).await
}

pub async fn regenerate(csrf: &str, id: &str, secret: &str) -> Result<Answer<Chatbot>, ApiError> {
    decoded(
        send(
            Request::post(&format!("{API}/chatbots/{}/regenerate", encode(id))),
            csrf,
            None,
            &json!({"secret": secret}),
        )
        .await?,
        decode_chatbot,
    )
}

/// Uploads `file` as the bot's `photo` or `cover`.
pub async fn upload_image(
    csrf: &str,
    id: &str,
    slot: &str,
    file: &web_sys::File,
) -> Result<Answer<Chatbot>, ApiError> {
    let request = Request::put(&format!("{API}/chatbots/{}/{slot}", encode(id)))
        .header("X-CSRF-Token", csrf)
        .header("Content-Type", &file.type_())
        .body(wasm_bindgen::JsValue::from(file.clone()))
        .map_err(|_| ApiError::Network)?;
    decoded(finish(request.send().await).await?, decode_chatbot)
}

pub async fn clear_image(csrf: &str, id: &str, slot: &str) -> Result<Answer<Chatbot>, ApiError> {
    let request = Request::delete(&format!("{API}/chatbots/{}/{slot}", encode(id)))
        .header("X-CSRF-Token", csrf)
        .send()
        .await;
    decoded(finish(request).await?, decode_chatbot)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub id: String,
    pub kind: String,
    pub author: Option<String>,
    pub text: Option<String>,
    pub at: String,
}

pub fn decode_message(v: &Value) -> Option<Message> {
    Some(Message {
        id: text(v, "id")?,
        kind: text(v, "kind")?,
        author: optional_text(v, "author"),
        text: optional_text(v, "text"),
        at: text(v, "at")?,
    })
}

#[derive(Debug, Clone, PartialEq)]
pub struct MessagePage {
    pub messages: Vec<Message>,
    pub cursor: String,
}

pub fn decode_message_page(v: &Value) -> Option<MessagePage> {
    Some(MessagePage {
        messages: list(v, "messages", decode_message)?,
        cursor: text(v, "cursor")?,
    })
}

pub async fn conversation(
    id: &str,
    conversation: &str,
    after: &str,
) -> Result<MessagePage, ApiError> {
    get_decoded(
        &format!(
            "/chatbots/{}/conversations/{}/messages?after={}",
            encode(id),
            encode(conversation),
            encode(after)
        ),
        decode_message_page,
    )
    .await
    .map(|a| a.body)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub at: String,
    pub duration_ms: u64,
    pub response_status: Option<u64>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: String,
    pub event: String,
    pub created_at: String,
    pub status: String,
    pub attempts: Vec<Attempt>,
    pub next_attempt_at: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Deliveries {
    pub deliveries: Vec<Delivery>,
    pub webhook_disabled: Option<String>,
}

fn decode_attempt(v: &Value) -> Option<Attempt> {
    Some(Attempt {
        at: text(v, "at")?,
        duration_ms: number(v, "duration_ms")?,
        response_status: v.get("response_status").and_then(Value::as_u64),
        error: optional_text(v, "error"),
    })
}

pub fn decode_delivery(v: &Value) -> Option<Delivery> {
    Some(Delivery {
        id: text(v, "id")?,
        event: text(v, "event")?,
        created_at: text(v, "created_at")?,
        status: text(v, "status")?,
        attempts: list(v, "attempts", decode_attempt)?,
        next_attempt_at: optional_text(v, "next_attempt_at"),
        reason: optional_text(v, "reason"),
    })
}

pub fn decode_deliveries(v: &Value) -> Option<Deliveries> {
    Some(Deliveries {
        deliveries: list(v, "deliveries", decode_delivery)?,
        webhook_disabled: optional_text(v, "webhook_disabled"),
    })
}

pub async fn deliveries(id: &str) -> Result<Deliveries, ApiError> {
    get_decoded(
        &format!("/chatbots/{}/deliveries", encode(id)),
        decode_deliveries,
    )
    .await
    .map(|a| a.body)
}

pub async fn resend(csrf: &str, id: &str, delivery: &str) -> Result<Delivery, ApiError> {
    decoded(
        send(
            Request::post(&format!(
                "{API}/chatbots/{}/deliveries/{}/resend",
                encode(id),
                encode(delivery)
            )),
            csrf,
            None,
            &Value::Null,
        )
        .await?,
        decode_delivery,
    )
    .map(|a| a.body)
}

/// One event of a streamed answer.
#[derive(Debug, Clone, PartialEq)]
pub enum TryEvent {
    /// The conversation and the stored message's id; whether a model answers.
    Conversation {
        id: String,
        message: String,
        model: bool,
    },
    Delta(String),
    Done {
        tokens_today: u64,
    },
    Failed(ApiError),
}

/// Sends the admin's message and calls `on_event` for each event of the
/// answer as it streams in.
pub async fn try_message(
    csrf: &str,
    id: &str,
    conversation: Option<&str>,
    message: &str,
    on_event: impl Fn(TryEvent),
) -> Result<(), ApiError> {
    let mut body = json!({"message": message});
    if let Some(conversation) = conversation {
        body["conversation"] = json!(conversation);
    }
    let response = Request::post(&format!("{API}/chatbots/{}/try", encode(id)))
        .header("X-CSRF-Token", csrf)
        .json(&body)
        .map_err(|_| ApiError::Network)?
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    if !response.ok() {
        return Err(error_from(response).await);
    }
    let stream = response.body().ok_or(ApiError::Network)?;
    let reader: web_sys::ReadableStreamDefaultReader = stream
        .get_reader()
        .dyn_into()
        .map_err(|_| ApiError::Network)?;
    let mut buffer: Vec<u8> = Vec::new();
    let (mut name, mut data) = (String::new(), String::new());
    loop {
        let chunk = wasm_bindgen_futures::JsFuture::from(reader.read())
            .await
            .map_err(|_| ApiError::Network)?;
        let done = js_sys::Reflect::get(&chunk, &"done".into())
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true);
        if done {
            return Ok(());
        }
        if let Ok(value) = js_sys::Reflect::get(&chunk, &"value".into()) {
            buffer.extend(js_sys::Uint8Array::new(&value).to_vec());
        }
        // Whole lines only: a character split across reads stays in the buffer.
        while let Some(end) = buffer.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buffer.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\n', '\r']);
            if let Some(value) = line.strip_prefix("event:") {
                name = value.trim().to_string();
            } else if let Some(value) = line.strip_prefix("data:") {
                data.push_str(value.trim_start());
            } else if line.is_empty() && !data.is_empty() {
                let payload: Value = serde_json::from_str(&data).unwrap_or(Value::Null);
                let event = match name.as_str() {
                    "conversation" => {
                        text(&payload, "conversation").map(|id| TryEvent::Conversation {
                            id,
                            message: text(&payload, "message").unwrap_or_default(),
                            model: flag(&payload, "model").unwrap_or(false),
                        })
                    }
                    "delta" => text(&payload, "text").map(TryEvent::Delta),
                    "done" => Some(TryEvent::Done {
                        tokens_today: number(&payload, "tokens_today").unwrap_or(0),
                    }),
                    "error" => {
                        super::decode_error(502, &json!({"error": payload})).map(TryEvent::Failed)
                    }
                    _ => None,
                };
                if let Some(event) = event {
                    on_event(event);
                }
                name.clear();
                data.clear();
            }
        }
    }
}
