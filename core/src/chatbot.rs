//! Chatbots (seed 003): what an admin sets for one, and how it is checked.
//!
//! The settings are stored and returned as [`ChatbotSettings`]; the secrets
//! (the model's API key, the bot's own API key, the webhook's access token
//! and signing secret) are not part of them: the model key is written with
//! the settings (`model.api_key`, write-only), the others are issued by the
//! server and shown once.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::errors::{ErrorCode, FieldError, FieldErrors};
use crate::json::{integer_in, ObjectReader};

pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_READING_CHARS: usize = 100;
pub const MAX_DESCRIPTION_CHARS: usize = 500;
pub const MAX_INSTRUCTIONS_CHARS: usize = 8000;
pub const MAX_MODEL_CHARS: usize = 100;
pub const MAX_URL_CHARS: usize = 2000;
pub const MAX_MODEL_KEY_CHARS: usize = 500;
/// Tokens one answer may have (`max_tokens`).
pub const REPLY_LIMIT_RANGE: (u32, u32) = (16, 8192);
pub const DEFAULT_REPLY_LIMIT: u32 = 512;
/// Tokens (prompt and answer) the bot may use per day, UTC.
pub const DAILY_BUDGET_RANGE: (u64, u64) = (1_000, 1_000_000_000);
pub const DEFAULT_DAILY_BUDGET: u64 = 200_000;
/// The first Azure OpenAI API version with chat completions.
pub const MIN_AZURE_API_VERSION: &str = "2023-05-15";

/// What the admin sets for a chatbot (no secrets).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "name": "Support bot", "reading": "さぽーとぼっと", "bot_api": true, "site_chat": true, "direct_link": false,
    "model": {"endpoint": "https://llm.example.com/v1/chat/completions", "model": "llama-3.1-8b-instruct"},
    "webhook": {"url": "https://bots.example.com/switchboard", "access_token": true, "use_proxy": false},
    "profile": {"url": "https://www.example.com/help", "description": "Answers questions about orders."},
    "instructions": "Answer briefly and politely.", "reply_limit": 512, "daily_token_budget": 200000})))]
pub struct ChatbotSettings {
    /// The service name (連携サービス名), unique among the bots.
    pub name: String,
    /// Its reading (ふりがな), in kana; may be empty.
    #[serde(default)]
    pub reading: String,
    /// Whether the bot has its own API key for the bot API.
    pub bot_api: bool,
    /// Whether sites may use the bot as their chat.
    pub site_chat: bool,
    /// Whether the bot has a chat page of its own, `/chat/{id}`.
    pub direct_link: bool,
    /// The model that answers (ChatGPT settings); `null`: none.
    pub model: Option<ModelSettings>,
    /// Where visitor messages are sent; `null`: nowhere.
    pub webhook: Option<WebhookSettings>,
    pub profile: Profile,
    /// The system prompt sent before the conversation.
    #[serde(default)]
    pub instructions: String,
    /// At most this many tokens per answer.
    pub reply_limit: u32,
    /// At most this many tokens (prompts and answers) per day, UTC.
    pub daily_token_budget: u64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelSettings {
    /// An OpenAI-style chat completions URL (OpenAI, Azure OpenAI or compatible).
    pub endpoint: String,
    /// Required for OpenAI; Azure takes it from the deployment in the URL.
    #[serde(default)]
    pub model: Option<String>,
}

impl ModelSettings {
    /// What answered, for transcripts: the model, or Azure's deployment
    /// (the path segment after `/deployments/`).
    pub fn model_name(&self) -> String {
        if let Some(model) = &self.model {
            return model.clone();
        }
        let path = self.endpoint.split(['?', '#']).next().unwrap_or_default();
        path.split('/')
            .skip_while(|segment| *segment != "deployments")
            .nth(1)
            .filter(|name| !name.is_empty())
            .unwrap_or("model")
            .to_string()
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookSettings {
    pub url: String,
    /// Whether deliveries carry `Authorization: Bearer <access token>`.
    pub access_token: bool,
    /// Whether deliveries go through the server's `--egress-proxy`.
    pub use_proxy: bool,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Profile {
    /// An https page about the bot, shown to visitors.
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub description: String,
}

/// Which kind of service a model endpoint is: it decides the auth header,
/// whether `model` is sent, and the URL's shape.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndpointKind {
    /// `api.openai.com`: `Authorization: Bearer`, `model` required.
    OpenAi,
    /// `*.openai.azure.com` or a `/openai/deployments/` path: `api-key`, no model.
    Azure,
    /// Any other OpenAI-compatible server: `Authorization: Bearer` if a key is set.
    Compatible,
}

impl EndpointKind {
    pub fn of(endpoint: &str) -> Self {
        match split_url(endpoint) {
            Some(parts) if parts.host == "api.openai.com" => Self::OpenAi,
            Some(parts)
                if parts.host.ends_with(".openai.azure.com")
                    || parts.path.contains("/openai/deployments/") =>
            {
                Self::Azure
            }
            _ => Self::Compatible,
        }
    }

    /// Whether calls need an API key.
    pub fn needs_key(self) -> bool {
        !matches!(self, Self::Compatible)
    }
}

/// A write-only secret in a change: keep what is stored, set a new one, or clear it.
#[derive(Clone, PartialEq, Eq)]
pub enum SecretInput {
    Keep,
    Set(String),
    Clear,
}

impl std::fmt::Debug for SecretInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Keep => "Keep",
            Self::Set(_) => "Set(***)",
            Self::Clear => "Clear",
        })
    }
}

/// A chatbot as `POST` or `PUT` sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatbotInput {
    pub settings: ChatbotSettings,
    /// `model.api_key`: absent keeps the stored key, `null` clears it.
    pub model_api_key: SecretInput,
}

/// The parts of an `http(s)` URL the checks need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlParts {
    pub https: bool,
    /// Lowercase; an IPv6 address keeps its brackets.
    pub host: String,
    pub path: String,
    pub query: Option<String>,
}

/// Whether two URLs name the same scheme, host and port (where a secret may go).
pub fn same_host(a: &str, b: &str) -> bool {
    let origin = |url: &str| {
        let parts = split_url(url)?;
        let rest =
            strip_prefix_ignore_case(url.trim(), if parts.https { "https://" } else { "http://" })?;
        let authority = rest.split(['/', '?']).next()?.to_ascii_lowercase();
        Some((parts.https, authority))
    };
    matches!((origin(a), origin(b)), (Some(x), Some(y)) if x == y)
}

/// Splits `scheme://host[:port][/path][?query]`; `None` for anything else.
/// Strict: no credentials, fragments, spaces, quotes or angle brackets.
pub fn split_url(raw: &str) -> Option<UrlParts> {
    let (https, rest) = if let Some(rest) = strip_prefix_ignore_case(raw, "https://") {
        (true, rest)
    } else {
        (false, strip_prefix_ignore_case(raw, "http://")?)
    };
    let safe = |c: char| c.is_ascii_alphanumeric() || "-._~/:?=&%+[],;!$*()".contains(c);
    if !rest.chars().all(safe) {
        return None;
    }
    let (before_query, query) = match rest.split_once('?') {
        Some((before, query)) => (before, Some(query.to_string())),
        None => (rest, None),
    };
    let (authority, path) = match before_query.find('/') {
        Some(slash) => (&before_query[..slash], &before_query[slash..]),
        None => (before_query, ""),
    };
    let (host, port) = if let Some(end) = authority.strip_prefix('[').and_then(|a| a.find(']')) {
        let host = &authority[..end + 2];
        let after = &authority[end + 2..];
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let host = host.to_ascii_lowercase();
    let host_ok = if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        inner.parse::<std::net::Ipv6Addr>().is_ok()
    } else {
        crate::account::is_host_name(&host)
    };
    let port_ok = port.is_none_or(|p| {
        !p.is_empty()
            && p.chars().all(|c| c.is_ascii_digit())
            && p.parse::<u16>().is_ok_and(|p| p > 0)
    });
    if !host_ok || !port_ok || path.contains("//") {
        return None;
    }
    if path
        .split('/')
        .any(|segment| segment == "." || segment == "..")
    {
        return None;
    }
    Some(UrlParts {
        https,
        host,
        path: path.to_string(),
        query,
    })
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    text.get(..prefix.len())
        .filter(|head| head.eq_ignore_ascii_case(prefix))
        .map(|_| &text[prefix.len()..])
}

/// Checks a URL the server will call: `https`, or `http` to a host the
/// operator listed (`plain_http_allowed`).
fn check_outbound_url(
    field: &str,
    raw: &str,
    plain_http_allowed: &dyn Fn(&str) -> bool,
    errors: &mut FieldErrors,
) -> Option<UrlParts> {
    let raw = raw.trim();
    if raw.is_empty() {
        errors.push(field, ErrorCode::Required, format!("{field} is required"));
        return None;
    }
    if raw.chars().count() > MAX_URL_CHARS {
        errors.add(
            FieldError::new(
                field,
                ErrorCode::TooLong,
                format!("the URL must be at most {MAX_URL_CHARS} characters"),
            )
            .with("max", MAX_URL_CHARS),
        );
        return None;
    }
    let Some(parts) = split_url(raw) else {
        errors.push(
            field,
            ErrorCode::InvalidFormat,
            "must be a URL like https://host/path, without credentials, spaces or a #fragment",
        );
        return None;
    };
    if !parts.https && !plain_http_allowed(&parts.host) {
        errors.add(
            FieldError::new(
                field,
                ErrorCode::NotHttps,
                "must start with https:// (plain http only to a host the server's --egress-allow lists)",
            )
            .with("host", parts.host.clone()),
        );
        return None;
    }
    Some(parts)
}

/// The Azure shape: `/openai/deployments/{deployment}/chat/completions`
/// with `api-version` of 2023-05-15 or later.
fn check_azure(parts: &UrlParts, errors: &mut FieldErrors) {
    let field = "model.endpoint";
    let deployment = parts
        .path
        .strip_prefix("/openai/deployments/")
        .and_then(|rest| rest.strip_suffix("/chat/completions"))
        .filter(|d| !d.is_empty() && !d.contains('/'));
    if deployment.is_none() {
        errors.push(
            field,
            ErrorCode::InvalidFormat,
            "an Azure OpenAI endpoint is https://{resource}.openai.azure.com/openai/deployments/{deployment}/chat/completions?api-version=…",
        );
        return;
    }
    let version = parts.query.as_deref().and_then(|query| {
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix("api-version="))
    });
    match version {
        None => errors.add(
            FieldError::new(
                field,
                ErrorCode::Required,
                format!("an Azure OpenAI endpoint needs ?api-version= ({MIN_AZURE_API_VERSION} or later)"),
            )
            .with("min", MIN_AZURE_API_VERSION),
        ),
        Some(version) if !is_api_version(version) || version < MIN_AZURE_API_VERSION => errors
            .add(
                FieldError::new(
                    field,
                    ErrorCode::InvalidChoice,
                    format!("api-version must be a date like {MIN_AZURE_API_VERSION} (optionally -preview), {MIN_AZURE_API_VERSION} or later"),
                )
                .with("min", MIN_AZURE_API_VERSION),
            ),
        Some(_) => {}
    }
}

/// `YYYY-MM-DD` or `YYYY-MM-DD-preview`.
fn is_api_version(version: &str) -> bool {
    let date = version.strip_suffix("-preview").unwrap_or(version);
    let shaped = date.len() == 10
        && date.char_indices().all(|(i, c)| match i {
            4 | 7 => c == '-',
            _ => c.is_ascii_digit(),
        });
    let (month, day) = (
        date.get(5..7).and_then(|m| m.parse::<u8>().ok()),
        date.get(8..10).and_then(|d| d.parse::<u8>().ok()),
    );
    shaped
        && month.is_some_and(|m| (1..=12).contains(&m))
        && day.is_some_and(|d| (1..=31).contains(&d))
}

/// Kana (both scripts), the long-vowel mark, middle dot, spaces, and Latin
/// letters and digits (for names written in them).
fn is_reading(text: &str) -> bool {
    text.chars().all(|c| {
        matches!(c, '\u{3040}'..='\u{309F}' | '\u{30A0}'..='\u{30FF}' | '\u{31F0}'..='\u{31FF}' | '\u{FF66}'..='\u{FF9F}' | ' ' | '\u{3000}')
            || c.is_ascii_alphanumeric()
            || "-_.・".contains(c)
    })
}

/// Text shown to people: trimmed, at most `max` characters, no control or
/// invisible characters (line breaks allowed when `multiline`).
pub(crate) fn check_text(
    field: &str,
    raw: &str,
    max: usize,
    multiline: bool,
    errors: &mut FieldErrors,
) -> String {
    // Windows line breaks (a pasted address) are line breaks too.
    let text = raw.trim().replace("\r\n", "\n");
    if text.chars().count() > max {
        errors.add(
            FieldError::new(
                field,
                ErrorCode::TooLong,
                format!("{field} must be at most {max} characters"),
            )
            .with("max", max),
        );
    } else if text.chars().any(|c| {
        (c.is_control() && !(multiline && matches!(c, '\n' | '\t'))) || crate::text::is_invisible(c)
    }) {
        errors.push(
            field,
            ErrorCode::UnsafeCharacters,
            format!("{field} must not contain control or invisible characters"),
        );
    }
    text
}

fn optional_object<'a>(
    reader: &ObjectReader<'a>,
    key: &str,
    errors: &mut FieldErrors,
) -> Option<&'a Value> {
    match reader.get(key) {
        None | Some(Value::Null) => None,
        Some(value @ Value::Object(_)) => Some(value),
        Some(_) => {
            errors.push(
                reader.path(key),
                ErrorCode::WrongType,
                format!("{key} must be an object or null"),
            );
            None
        }
    }
}

fn bool_or(reader: &ObjectReader<'_>, key: &str, default: bool, errors: &mut FieldErrors) -> bool {
    match reader.get(key) {
        None => default,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            errors.push(
                reader.path(key),
                ErrorCode::WrongType,
                format!("{key} must be true or false"),
            );
            default
        }
    }
}

impl ChatbotInput {
    /// Reads a chatbot. `plain_http_allowed(host)` says whether the server
    /// may call `host` over plain http (it is in `--egress-allow`).
    pub fn from_json(
        body: &Value,
        plain_http_allowed: &dyn Fn(&str) -> bool,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let Some(reader) = ObjectReader::new(body, "", "the chatbot", &mut errors) else {
            return Err(errors);
        };
        reader.reject_unknown(
            &[
                "name",
                "reading",
                "bot_api",
                "site_chat",
                "direct_link",
                "model",
                "webhook",
                "profile",
                "instructions",
                "reply_limit",
                "daily_token_budget",
            ],
            &mut errors,
        );
        let name = match reader.string("name", true, &mut errors) {
            Some(raw) if raw.trim().is_empty() => {
                errors.push("name", ErrorCode::Required, "give the bot a name");
                String::new()
            }
            Some(raw) => {
                let name = check_text("name", raw, MAX_NAME_CHARS, false, &mut errors);
                if !errors.has("name") && crate::text::has_hidden_characters(&name) {
                    errors.push(
                        "name",
                        ErrorCode::InvisibleCharacters,
                        "the name must not contain invisible or text-direction characters",
                    );
                }
                name
            }
            None => String::new(),
        };
        let reading = reader
            .string("reading", false, &mut errors)
            .map(|raw| check_text("reading", raw, MAX_READING_CHARS, false, &mut errors))
            .unwrap_or_default();
        if !errors.has("reading") && !is_reading(&reading) {
            errors.push(
                "reading",
                ErrorCode::InvalidFormat,
                "the reading is written in kana (hiragana or katakana)",
            );
        }
        let bot_api = bool_or(&reader, "bot_api", false, &mut errors);
        let site_chat = bool_or(&reader, "site_chat", false, &mut errors);
        let direct_link = bool_or(&reader, "direct_link", false, &mut errors);
        let (model, model_api_key) = match optional_object(&reader, "model", &mut errors) {
            Some(value) => read_model(value, plain_http_allowed, &mut errors),
            None => (None, SecretInput::Clear),
        };
        let webhook = optional_object(&reader, "webhook", &mut errors)
            .and_then(|value| read_webhook(value, plain_http_allowed, &mut errors));
        let profile = match optional_object(&reader, "profile", &mut errors) {
            Some(value) => read_profile(value, &mut errors),
            None => Profile::default(),
        };
        let instructions = reader
            .string("instructions", false, &mut errors)
            .map(|raw| {
                check_text(
                    "instructions",
                    raw,
                    MAX_INSTRUCTIONS_CHARS,
                    true,
                    &mut errors,
                )
            })
            .unwrap_or_default();
        let reply_limit = integer_in(
            &reader,
            "reply_limit",
            (
                u64::from(REPLY_LIMIT_RANGE.0),
                u64::from(REPLY_LIMIT_RANGE.1),
            ),
            u64::from(DEFAULT_REPLY_LIMIT),
            &mut errors,
        ) as u32;
        let daily_token_budget = integer_in(
            &reader,
            "daily_token_budget",
            DAILY_BUDGET_RANGE,
            DEFAULT_DAILY_BUDGET,
            &mut errors,
        );
        errors.into_result(ChatbotInput {
            settings: ChatbotSettings {
                name,
                reading,
                bot_api,
                site_chat,
                direct_link,
                model,
                webhook,
                profile,
                instructions,
                reply_limit,
                daily_token_budget,
            },
            model_api_key,
        })
    }

    /// Whether the stored model key (set for the endpoint `stored_for`) is
    /// kept: only when the change keeps it and the host stays the same. A
    /// stored key is never sent to another host than the one it was given for.
    pub fn keeps_model_key(&self, stored_for: Option<&str>) -> bool {
        let Some(model) = &self.settings.model else {
            return false;
        };
        self.model_api_key == SecretInput::Keep
            && stored_for.is_some_and(|old| same_host(old, &model.endpoint))
    }

    /// The model's key after this change, given the endpoint the stored one
    /// (if any) was set for: an OpenAI or Azure endpoint cannot be without one.
    pub fn check_model_key(&self, stored_for: Option<&str>) -> Result<(), FieldErrors> {
        let Some(model) = &self.settings.model else {
            return Ok(());
        };
        let kind = EndpointKind::of(&model.endpoint);
        let will_have = match self.model_api_key {
            SecretInput::Keep => self.keeps_model_key(stored_for),
            SecretInput::Set(_) => true,
            SecretInput::Clear => false,
        };
        let moved = self.model_api_key == SecretInput::Keep
            && stored_for.is_some()
            && !self.keeps_model_key(stored_for);
        let mut errors = FieldErrors::default();
        if kind.needs_key() && !will_have {
            let message = if moved {
                "the endpoint's host changed: enter the API key for it (the stored key is only sent to the host it was given for)"
            } else {
                "an OpenAI or Azure OpenAI endpoint needs its API key"
            };
            errors.push("model.api_key", ErrorCode::Required, message);
        }
        errors.into_result(())
    }
}

fn read_model(
    value: &Value,
    plain_http_allowed: &dyn Fn(&str) -> bool,
    errors: &mut FieldErrors,
) -> (Option<ModelSettings>, SecretInput) {
    let Some(reader) = ObjectReader::new(value, "model", "model", errors) else {
        return (None, SecretInput::Keep);
    };
    reader.reject_unknown(&["endpoint", "model", "api_key"], errors);
    let endpoint = reader
        .string("endpoint", true, errors)
        .map(str::trim)
        .unwrap_or_default()
        .to_string();
    let parts = if errors.has("model.endpoint") {
        None
    } else {
        check_outbound_url("model.endpoint", &endpoint, plain_http_allowed, errors)
    };
    let kind = EndpointKind::of(&endpoint);
    if let Some(parts) = &parts {
        match kind {
            EndpointKind::Azure => check_azure(parts, errors),
            EndpointKind::OpenAi if parts.path != "/v1/chat/completions" => errors.push(
                "model.endpoint",
                ErrorCode::InvalidFormat,
                "OpenAI's endpoint is https://api.openai.com/v1/chat/completions",
            ),
            _ => {}
        }
    }
    let model = match reader.get("model") {
        None | Some(Value::Null) => None,
        Some(Value::String(raw)) if raw.trim().is_empty() => None,
        Some(Value::String(raw)) => {
            let model = raw.trim().to_string();
            if model.chars().count() > MAX_MODEL_CHARS {
                errors.add(
                    FieldError::new(
                        "model.model",
                        ErrorCode::TooLong,
                        format!("the model name must be at most {MAX_MODEL_CHARS} characters"),
                    )
                    .with("max", MAX_MODEL_CHARS),
                );
            } else if !model
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._:/@".contains(c))
            {
                errors.push(
                    "model.model",
                    ErrorCode::UnsafeCharacters,
                    "a model name has letters, digits and - . _ : / @ only",
                );
            }
            Some(model)
        }
        Some(_) => {
            errors.push("model.model", ErrorCode::WrongType, "model must be text");
            None
        }
    };
    if kind == EndpointKind::OpenAi && model.is_none() && !errors.has("model.model") {
        errors.push(
            "model.model",
            ErrorCode::Required,
            "OpenAI needs the model's name (e.g. gpt-4o-mini)",
        );
    }
    // Azure names the model by its deployment: a model sent would be ignored.
    let model = if kind == EndpointKind::Azure {
        None
    } else {
        model
    };
    let api_key = match reader.get("api_key") {
        None => SecretInput::Keep,
        Some(Value::Null) => SecretInput::Clear,
        Some(Value::String(raw)) => {
            let key = raw.trim();
            if key.is_empty() {
                SecretInput::Keep
            } else if key.chars().count() > MAX_MODEL_KEY_CHARS {
                errors.add(
                    FieldError::new(
                        "model.api_key",
                        ErrorCode::TooLong,
                        format!("the API key must be at most {MAX_MODEL_KEY_CHARS} characters"),
                    )
                    .with("max", MAX_MODEL_KEY_CHARS),
                );
                SecretInput::Keep
            } else if !key.chars().all(|c| c.is_ascii_graphic()) {
                errors.push(
                    "model.api_key",
                    ErrorCode::UnsafeCharacters,
                    "an API key has printable ASCII characters only",
                );
                SecretInput::Keep
            } else {
                SecretInput::Set(key.to_string())
            }
        }
        Some(_) => {
            errors.push(
                "model.api_key",
                ErrorCode::WrongType,
                "api_key must be text, or null to remove it",
            );
            SecretInput::Keep
        }
    };
    (Some(ModelSettings { endpoint, model }), api_key)
}

fn read_webhook(
    value: &Value,
    plain_http_allowed: &dyn Fn(&str) -> bool,
    errors: &mut FieldErrors,
) -> Option<WebhookSettings> {
    let reader = ObjectReader::new(value, "webhook", "webhook", errors)?;
    reader.reject_unknown(&["url", "access_token", "use_proxy"], errors);
    let url = reader
        .string("url", true, errors)
        .map(str::trim)
        .unwrap_or_default()
        .to_string();
    if !errors.has("webhook.url") {
        check_outbound_url("webhook.url", &url, plain_http_allowed, errors);
    }
    let access_token = bool_or(&reader, "access_token", false, errors);
    let use_proxy = bool_or(&reader, "use_proxy", false, errors);
    Some(WebhookSettings {
        url,
        access_token,
        use_proxy,
    })
}

fn read_profile(value: &Value, errors: &mut FieldErrors) -> Profile {
    let Some(reader) = ObjectReader::new(value, "profile", "profile", errors) else {
        return Profile::default();
    };
    reader.reject_unknown(&["url", "description"], errors);
    // `null` as the API shows an unset URL, so a read bot can be sent back.
    let raw_url = match reader.get("url") {
        Some(Value::Null) => None,
        _ => reader.string("url", false, errors),
    };
    let url = match raw_url.map(str::trim) {
        None | Some("") => None,
        Some(raw) => match crate::account::normalize_https_url(raw) {
            Ok(url) => Some(url),
            Err((code, message)) => {
                errors.push("profile.url", code, format!("the profile URL {message}"));
                None
            }
        },
    };
    let description = reader
        .string("description", false, errors)
        .map(|raw| {
            check_text(
                "profile.description",
                raw,
                MAX_DESCRIPTION_CHARS,
                true,
                errors,
            )
        })
        .unwrap_or_default();
    Profile { url, description }
}

/// Messages of a conversation sent to the model (the newest), and their length.
pub const MAX_TURNS: usize = 40;
pub const MAX_MESSAGE_CHARS: usize = 4000;

/// `POST /chatbots/{id}/try` body: `{"conversation"?, "message"}`.
pub fn try_from_json(body: &Value) -> Result<(Option<String>, String), FieldErrors> {
    let mut errors = FieldErrors::default();
    let Some(reader) = ObjectReader::new(body, "", "the message", &mut errors) else {
        return Err(errors);
    };
    reader.reject_unknown(&["conversation", "message"], &mut errors);
    let conversation = reader
        .string("conversation", false, &mut errors)
        .map(str::to_string);
    if conversation
        .as_deref()
        .is_some_and(|c| c.len() > 64 || !c.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
    {
        errors.push(
            "conversation",
            ErrorCode::InvalidFormat,
            "not a conversation id",
        );
    }
    let message = message_text(
        "message",
        reader.string("message", true, &mut errors),
        &mut errors,
    );
    errors.into_result((conversation, message))
}

/// `POST /bot/conversations/{id}/messages` body: `{"text"}`.
pub fn reply_from_json(body: &Value) -> Result<String, FieldErrors> {
    let mut errors = FieldErrors::default();
    let Some(reader) = ObjectReader::new(body, "", "the reply", &mut errors) else {
        return Err(errors);
    };
    reader.reject_unknown(&["text"], &mut errors);
    let text = message_text(
        "text",
        reader.string("text", true, &mut errors),
        &mut errors,
    );
    errors.into_result(text)
}

/// A message's text: 1 to [`MAX_MESSAGE_CHARS`] characters, line breaks allowed.
pub(crate) fn message_text(field: &str, raw: Option<&str>, errors: &mut FieldErrors) -> String {
    let Some(raw) = raw else {
        return String::new();
    };
    if raw.trim().is_empty() {
        errors.push(field, ErrorCode::Required, "a message needs text");
        return String::new();
    }
    check_text(field, raw, MAX_MESSAGE_CHARS, true, errors)
}

/// `POST /chatbots/{id}/regenerate` body: `{"secret": "api_key" | "webhook_token" | "webhook_secret"}`.
pub fn regenerate_from_json(body: &Value) -> Result<crate::wire::BotSecret, FieldErrors> {
    let mut errors = FieldErrors::default();
    let Some(reader) = ObjectReader::new(body, "", "the request", &mut errors) else {
        return Err(errors);
    };
    reader.reject_unknown(&["secret"], &mut errors);
    let secret = reader.string("secret", true, &mut errors).and_then(|name| {
        let parsed = serde_json::from_value(Value::from(name)).ok();
        if parsed.is_none() {
            errors.push(
                "secret",
                ErrorCode::InvalidChoice,
                "secret must be api_key, webhook_token or webhook_secret",
            );
        }
        parsed
    });
    match secret {
        Some(secret) if errors.is_empty() => Ok(secret),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_model_name_is_the_model_or_the_azure_deployment() {
        let openai = ModelSettings {
            endpoint: "https://api.openai.com/v1/chat/completions".into(),
            model: Some("gpt-4o-mini".into()),
        };
        assert_eq!(openai.model_name(), "gpt-4o-mini");
        let azure = ModelSettings {
            endpoint: "https://acme.openai.azure.com/openai/deployments/support-gpt4o/chat/completions?api-version=2024-06-01".into(),
            model: None,
        };
        assert_eq!(azure.model_name(), "support-gpt4o");
    }

    fn never(_: &str) -> bool {
        false
    }

    fn codes(body: Value) -> Vec<(String, ErrorCode)> {
        match ChatbotInput::from_json(&body, &never) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.0.into_iter().map(|e| (e.field, e.code)).collect(),
        }
    }

    fn with(field: &str, value: Value) -> Value {
        let mut body = json!({"name": "Support bot"});
        body[field] = value;
        body
    }

    #[test]
    fn a_bot_as_the_api_shows_it_can_be_sent_back() {
        let input = ChatbotInput::from_json(
            &json!({"name": "Support", "bot_api": true,
                "model": {"endpoint": "https://llm.example.com/v1/chat/completions"},
                "webhook": {"url": "https://bots.example.com/hook", "access_token": true, "use_proxy": false},
                "profile": {"url": "https://www.example.com/help", "description": "Hi"}}),
            &never,
        )
        .expect("valid");
        for settings in [
            input.settings.clone(),
            ChatbotSettings {
                profile: Profile::default(),
                model: None,
                webhook: None,
                ..input.settings
            },
        ] {
            let shown = serde_json::to_value(&settings).expect("json");
            let back =
                ChatbotInput::from_json(&shown, &never).expect("what the API shows is accepted");
            assert_eq!(back.settings, settings);
            assert_eq!(
                back.model_api_key,
                if settings.model.is_some() {
                    SecretInput::Keep
                } else {
                    SecretInput::Clear
                }
            );
        }
    }

    #[test]
    fn a_minimal_bot_gets_the_defaults() {
        let input =
            ChatbotInput::from_json(&json!({"name": " Support bot "}), &never).expect("valid");
        let settings = input.settings;
        assert_eq!(settings.name, "Support bot");
        assert_eq!(settings.reply_limit, DEFAULT_REPLY_LIMIT);
        assert_eq!(settings.daily_token_budget, DEFAULT_DAILY_BUDGET);
        assert!(!settings.bot_api && !settings.site_chat && !settings.direct_link);
        assert_eq!((settings.model, settings.webhook), (None, None));
    }

    #[test]
    fn names_readings_and_texts_are_checked() {
        assert_eq!(
            codes(json!({})),
            [("name".to_string(), ErrorCode::Required)]
        );
        assert_eq!(
            codes(json!({"name": "  "})),
            [("name".to_string(), ErrorCode::Required)]
        );
        assert_eq!(
            codes(json!({"name": "x".repeat(101)})),
            [("name".to_string(), ErrorCode::TooLong)]
        );
        assert_eq!(
            codes(json!({"name": "bot\u{202E}"})),
            [("name".to_string(), ErrorCode::UnsafeCharacters)]
        );
        assert!(codes(with("reading", json!("さぽーと ボット・ＡＩ"))).len() == 1);
        assert!(codes(with("reading", json!("さぽーと ボット・ai"))).is_empty());
        assert_eq!(
            codes(with("reading", json!("漢字"))),
            [("reading".to_string(), ErrorCode::InvalidFormat)]
        );
        assert_eq!(
            codes(with("instructions", json!("line one\nline two\u{0}"))),
            [("instructions".to_string(), ErrorCode::UnsafeCharacters)]
        );
        assert_eq!(
            codes(with("reply_limit", json!(8193))),
            [("reply_limit".to_string(), ErrorCode::InvalidChoice)]
        );
        assert_eq!(
            codes(with("daily_token_budget", json!("many"))),
            [("daily_token_budget".to_string(), ErrorCode::WrongType)]
        );
        assert_eq!(
            codes(with("extra", json!(1))),
            [("extra".to_string(), ErrorCode::UnknownField)]
        );
        assert_eq!(
            codes(with("profile", json!({"url": "http://example.com"}))),
            [("profile.url".to_string(), ErrorCode::NotHttps)]
        );
        assert_eq!(
            codes(with("profile", json!({"url": "javascript:alert(1)"}))),
            [("profile.url".to_string(), ErrorCode::NotHttps)]
        );
    }

    #[test]
    fn openai_needs_its_model_and_path_azure_its_shape_and_version() {
        let model = |endpoint: &str, model: Value| {
            codes(with(
                "model",
                json!({"endpoint": endpoint, "model": model, "api_key": "k"}),
            ))
        };
        assert!(model(
            "https://api.openai.com/v1/chat/completions",
            json!("gpt-4o-mini")
        )
        .is_empty());
        assert_eq!(
            model("https://api.openai.com/v1/chat/completions", json!(null)),
            [("model.model".to_string(), ErrorCode::Required)]
        );
        assert_eq!(
            model(
                "https://api.openai.com/v1/completions",
                json!("gpt-4o-mini")
            ),
            [("model.endpoint".to_string(), ErrorCode::InvalidFormat)]
        );
        let azure = "https://contoso.openai.azure.com/openai/deployments/chat4/chat/completions";
        assert!(model(&format!("{azure}?api-version=2023-05-15"), json!(null)).is_empty());
        assert!(model(&format!("{azure}?api-version=2024-10-21"), json!(null)).is_empty());
        assert!(model(
            &format!("{azure}?x=1&api-version=2024-08-01-preview"),
            json!(null)
        )
        .is_empty());
        assert_eq!(
            model(
                &format!("{azure}?api-version=2023-03-15-preview"),
                json!(null)
            ),
            [("model.endpoint".to_string(), ErrorCode::InvalidChoice)]
        );
        assert_eq!(
            model(&format!("{azure}?api-version=2024-13-99"), json!(null)),
            [("model.endpoint".to_string(), ErrorCode::InvalidChoice)]
        );
        assert_eq!(
            model(&format!("{azure}?api-version=latest"), json!(null)),
            [("model.endpoint".to_string(), ErrorCode::InvalidChoice)]
        );
        assert_eq!(
            model(azure, json!(null)),
            [("model.endpoint".to_string(), ErrorCode::Required)]
        );
        assert_eq!(
            model(
                "https://contoso.openai.azure.com/openai/chat/completions?api-version=2024-10-21",
                json!(null)
            ),
            [("model.endpoint".to_string(), ErrorCode::InvalidFormat)]
        );
        // Azure ignores a model; a self-hosted server may go without one.
        let input = ChatbotInput::from_json(
            &with(
                "model",
                json!({"endpoint": format!("{azure}?api-version=2024-10-21"), "model": "gpt-4o", "api_key": "k"}),
            ),
            &never,
        )
        .expect("valid");
        assert_eq!(input.settings.model.and_then(|m| m.model), None);
        assert!(model("https://llm.example.com/v1/chat/completions", json!(null)).is_empty());
        assert_eq!(
            EndpointKind::of("https://llm.example.com/v1/chat/completions"),
            EndpointKind::Compatible
        );
    }

    #[test]
    fn outbound_urls_are_https_unless_the_host_is_allowed() {
        let webhook = |url: &str, allowed: &dyn Fn(&str) -> bool| {
            ChatbotInput::from_json(&with("webhook", json!({"url": url})), allowed)
                .err()
                .map(|e| e.0[0].code)
        };
        assert_eq!(webhook("https://bots.example.com/hook?x=1", &never), None);
        assert_eq!(
            webhook("http://bots.example.com/hook", &never),
            Some(ErrorCode::NotHttps)
        );
        assert_eq!(
            webhook("http://127.0.0.1:9000/hook", &|h| h == "127.0.0.1"),
            None
        );
        assert_eq!(webhook("http://[::1]:9000/hook", &|h| h == "[::1]"), None);
        for bad in [
            "https://user:pw@bots.example.com/",
            "https://bots.example.com/a b",
            "https://bots.example.com/#x",
            "https://bots.example.com/../x",
            "https://bots.example.com:0/",
            "ftp://bots.example.com/",
            "https:///x",
        ] {
            assert!(webhook(bad, &never).is_some(), "{bad}");
        }
    }

    #[test]
    fn the_model_key_is_write_only_and_required_where_the_service_needs_one() {
        let input = |api_key: Option<Value>| {
            let mut model = json!({"endpoint": "https://api.openai.com/v1/chat/completions", "model": "gpt-4o-mini"});
            if let Some(key) = api_key {
                model["api_key"] = key;
            }
            ChatbotInput::from_json(&with("model", model), &never).expect("valid")
        };
        assert!(input(None).check_model_key(None).is_err());
        assert!(
            input(None)
                .check_model_key(Some("https://api.openai.com/v1/chat/completions"))
                .is_ok(),
            "absent keeps the stored one"
        );
        assert!(
            input(None)
                .check_model_key(Some("https://attacker.example.com/v1/chat/completions"))
                .is_err(),
            "a key stored for another host is not kept"
        );
        assert!(same_host(
            "https://a.example.com:8443/x",
            "https://A.example.com:8443/y?z"
        ));
        assert!(!same_host(
            "https://a.example.com/x",
            "http://a.example.com/x"
        ));
        assert!(!same_host(
            "https://a.example.com/x",
            "https://a.example.com:444/x"
        ));
        assert!(input(Some(json!("sk-test"))).check_model_key(None).is_ok());
        assert!(input(Some(json!(null)))
            .check_model_key(Some("https://api.openai.com/v1/chat/completions"))
            .is_err());
        assert_eq!(
            format!("{:?}", input(Some(json!("sk-secret"))).model_api_key),
            "Set(***)"
        );
        assert_eq!(
            codes(with(
                "model",
                json!({"endpoint": "https://api.openai.com/v1/chat/completions", "model": "m", "api_key": "a b"})
            )),
            [("model.api_key".to_string(), ErrorCode::UnsafeCharacters)]
        );
    }
}
