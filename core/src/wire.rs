//! The REST API's answers as types: the server serializes these, and the
//! admin app's decoders are tested against the server's real answers (see
//! `tests/tests/wire_contract.rs`). One home for the shape of every body.
//!
//! Request bodies are here as their documented shape (for the OpenAPI
//! document and for clients), but the server reads each with its validating
//! parser in the domain modules (`admin`, `settings`, `site`), which names
//! every field it refuses; a server test holds every example below against
//! its parser.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::account::Account;
use crate::catalog::ProviderId;
use crate::display_rules::{Chat, DisplayRules, Loading, PublicRules};
use crate::errors::{FieldError, FieldWarning};
use crate::messages::{ApiCode, CalendarFeedError};
use crate::resolution::{Inactive, Reason, Source};
use crate::settings::{ChatSettings, InstanceChatSettings, Strategy};
use crate::site::Site;

/// `GET /setup`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", schema(example = json!({"needed": false})))]
pub struct SetupStatus {
    pub needed: bool,
}

/// `POST /setup` and `POST /session`: the session the cookie names.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", schema(example = json!({"username": "admin", "csrf_token": "Zk3mQ8vT1xR7bN2cW5yH9pL4sD6fG0aJ"})))]
pub struct SignedIn {
    pub username: String,
    pub csrf_token: String,
}

/// `GET /session`: who the credentials belong to.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", schema(example = json!({"kind": "api_key", "api_key": {"id": "q7x2mfkd3a9b", "name": "Deploy pipeline"}})))]
pub enum WhoAmI {
    User {
        username: String,
        csrf_token: String,
    },
    ApiKey {
        api_key: KeyName,
    },
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyName {
    pub id: String,
    pub name: String,
}

/// An API key as listed; `key` (the whole secret) only in the answer that
/// created or regenerated it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", schema(example = json!({"id": "q7x2mfkd3a9b", "name": "Deploy pipeline", "prefix": "sbk_Jq3vR8tX", "created_at": "2026-11-30T09:12:44Z", "created_by": "admin", "last_used_at": "2026-12-01T08:00:02Z", "regenerated_at": null})))]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub created_at: String,
    pub created_by: String,
    pub last_used_at: Option<String>,
    pub regenerated_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// `GET /api-keys`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", schema(example = json!({"api_keys": [{"id": "q7x2mfkd3a9b", "name": "Deploy pipeline", "prefix": "sbk_Jq3vR8tX", "created_at": "2026-11-30T09:12:44Z", "created_by": "admin", "last_used_at": "2026-12-01T08:00:02Z", "regenerated_at": null}]})))]
pub struct ApiKeyList {
    pub api_keys: Vec<ApiKey>,
}

/// `GET /sites`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", schema(example = json!({"sites": [{"id": "marketing-jp", "name": "Marketing (Japan)", "domains": ["www.example.jp", "example.jp"]}]})))]
pub struct SiteList {
    pub sites: Vec<Site>,
}

/// `GET` and `PUT /instance/click-to-chat`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", schema(example = json!({"settings": {"enabled": true, "site_settings_strategy": "inherit_or_override", "provider": "crisp", "account": {"website_id": "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c"}, "guest_users_allowed": false}, "warnings": []})))]
pub struct InstanceSettings {
    pub settings: InstanceChatSettings,
    pub warnings: Vec<FieldWarning>,
}

/// `GET` and `PUT /sites/{id}/click-to-chat`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", schema(example = json!({"settings": {"enabled": true, "provider": "crisp", "account": {"website_id": "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c"}, "guest_users_allowed": true}, "saved": true, "warnings": []})))]
pub struct SiteSettings {
    pub settings: ChatSettings,
    /// The site has settings of its own (else these are the defaults).
    pub saved: bool,
    pub warnings: Vec<FieldWarning>,
}

/// A code with its English wording.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explained<C> {
    pub code: C,
    pub message: String,
}

/// `GET /sites/{id}/click-to-chat/effective`: what applies, and why.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", schema(example = json!({"site": "marketing-jp", "enabled": true, "strategy": "inherit_or_override", "source": "site", "reason": {"code": "site_configured", "message": "This site has its own provider and account, which override the instance settings (strategy: Inherit or Override)."}, "inactive": null, "provider": "crisp", "account": {"website_id": "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c"}, "guest_users_allowed": true})))]
pub struct Effective {
    pub site: String,
    pub enabled: bool,
    pub strategy: Strategy,
    pub source: Source,
    pub reason: Explained<Reason>,
    pub inactive: Option<Explained<Inactive>>,
    pub provider: Option<ProviderId>,
    /// Without secrets.
    pub account: Account,
    pub guest_users_allowed: bool,
    /// The display rules that apply (those of `source`), as the widget gets them.
    #[serde(default)]
    pub rules: PublicRules,
    /// Whether `source` has display rules saved (none: every page, always, at once).
    #[serde(default)]
    pub rules_saved: bool,
}

/// `GET/PUT /instance/click-to-chat/rules` and `/sites/{id}/click-to-chat/rules`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulesView {
    pub rules: DisplayRules,
    /// `false`: none saved yet (revision 0); these are the defaults.
    pub saved: bool,
    /// The calendar of `rules.hours`, if it has one.
    pub calendar: Option<CalendarStatus>,
    /// The open intervals of the coming week (Unix seconds, UTC), the
    /// calendar's closures taken out; empty without business hours.
    pub upcoming: Vec<[i64; 2]>,
    pub warnings: Vec<FieldWarning>,
}

/// A calendar's state: for a feed, its last fetches.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarStatus {
    /// `feed` or `file`.
    pub kind: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    /// RFC 3339.
    #[serde(default)]
    pub last_attempt: Option<String>,
    #[serde(default)]
    pub last_success: Option<String>,
    /// The last fetch failed: the copy of `last_success` (if any) stays in use.
    #[serde(default)]
    pub last_error: Option<CalendarProblem>,
    /// Events in the copy in use.
    pub events: usize,
    /// Events that could not be used, each `line N: why`.
    #[serde(default)]
    pub skipped: Vec<String>,
    #[serde(default)]
    pub next_refresh: Option<String>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarProblem {
    pub code: CalendarFeedError,
    pub message: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub params: Map<String, Value>,
    pub at: String,
}

/// `GET …/rules/test`: would the chat show on this page, and why.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleTest {
    pub shows: bool,
    /// What would load (`null`: nothing).
    pub chat: Option<Chat>,
    pub loading: Loading,
    /// The time tested (Unix seconds).
    pub at: i64,
    /// Each rule's say, in the order the loader asks them.
    pub steps: Vec<RuleStep>,
}

/// One step of a [`RuleTest`]: `code` and its `params` (a pattern, a time).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleStep {
    pub code: String,
    pub message: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub params: Map<String, Value>,
}

/// `GET /sites/{id}/csp`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Csp {
    pub site: String,
    pub provider: Option<ProviderId>,
    pub switchboard_origin: String,
    pub directives: BTreeMap<String, Vec<String>>,
    /// The directives as one header value.
    pub policy: String,
    pub note: String,
    /// `official` or `derived`.
    pub note_code: String,
}

/// `GET /audit`: one page, newest first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditPage<Entry> {
    pub entries: Vec<Entry>,
    pub page: usize,
    pub per_page: usize,
    pub total: usize,
    pub pages: usize,
}

/// Every error answer: `{"error": {…}}`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub status: u16,
    pub code: ApiCode,
    /// English, for API users; the admin app words `code` and `params`.
    pub message: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub params: Map<String, Value>,
    /// At most 50; `params.more_fields` counts the rest.
    pub fields: Vec<FieldError>,
}

/// `POST /setup` (the first admin) and `POST /session` (signing in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"username": "admin", "password": "correct horse battery staple"})))]
pub struct Credentials {
    /// 1 to 32 lowercase letters, digits, `.`, `_` or `-`.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z0-9][a-z0-9._-]{0,31}$"))]
    pub username: String,
    /// At most 256 characters; at setup at least 10, not a common one, not
    /// containing the user name.
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub password: String,
}

/// `PUT /account/password`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"current_password": "correct horse battery staple", "new_password": "a different long passphrase"})))]
pub struct PasswordChange {
    pub current_password: String,
    /// The same rules as at setup.
    pub new_password: String,
}

/// `POST /api-keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"name": "Deploy pipeline"})))]
pub struct NewApiKey {
    /// 1 to 100 characters, unique among the keys.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name: String,
}

/// `PUT /api-keys/{id}`: a new name, a new secret, or both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"name": "Deploy pipeline (2027)", "regenerate": true})))]
pub struct ApiKeyChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = false, min_length = 1, max_length = 100))]
    pub name: Option<String>,
    /// `true`: a new secret; the old one stops working at once.
    #[serde(default)]
    pub regenerate: bool,
}

/// `PUT /sites/{id}`: the site's name and domains (its id never changes;
/// if sent, it must be the current one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"name": "Marketing (Japan)", "domains": ["www.example.jp", "example.jp"]})))]
pub struct SiteChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, required = false))]
    pub id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub domains: Vec<String>,
}

/// `GET /providers`: the catalog the admin app builds its forms from.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderCatalog {
    pub providers: &'static [crate::catalog::Provider],
    /// What hiding does for each provider, by its id (display rules).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub hide: BTreeMap<&'static str, crate::text::Localized>,
}

/// A stored secret as the API shows it: whether it is set, and how it ends.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretState {
    /// The last four characters (the bot's API key: its first twelve, `prefix`).
    pub hint: String,
    pub set_at: String,
}

/// A chatbot's secrets as listed: never their values.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ChatbotSecrets {
    /// The model's API key (written with the settings).
    pub model_api_key: Option<SecretState>,
    /// The bot's own key for the bot API (when `bot_api`).
    pub api_key: Option<SecretState>,
    /// Sent as `Authorization: Bearer` with deliveries (when `webhook.access_token`).
    pub webhook_token: Option<SecretState>,
    /// The `whsec_` secret deliveries are signed with (when a webhook is set).
    pub webhook_secret: Option<SecretState>,
}

/// Secrets just issued: in the answer that created them, this once.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IssuedSecrets {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<String>,
}

impl IssuedSecrets {
    pub fn is_empty(&self) -> bool {
        self.api_key.is_none() && self.webhook_token.is_none() && self.webhook_secret.is_none()
    }
}

/// `GET /chatbots/{id}`, and the answer to every change of one.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "id": "k3v9q2xm7d1a",
    "settings": {"name": "Support bot", "reading": "さぽーとぼっと", "bot_api": true, "site_chat": true, "direct_link": false,
        "model": {"endpoint": "https://api.openai.com/v1/chat/completions", "model": "gpt-4o-mini"},
        "webhook": null, "profile": {"url": null, "description": "Answers questions about orders."},
        "instructions": "Answer briefly and politely.", "reply_limit": 512, "daily_token_budget": 200000},
    "model_kind": "open_ai",
    "secrets": {"model_api_key": {"hint": "…x7Qa", "set_at": "2026-12-01T09:00:00Z"}, "api_key": {"hint": "sbb_Jq3vR8tX", "set_at": "2026-12-01T09:00:00Z"}, "webhook_token": null, "webhook_secret": null},
    "photo": "/chatbot-images/k3v9q2xm7d1a/photo-7.png", "cover": null,
    "created_at": "2026-12-01T09:00:00Z", "updated_at": "2026-12-01T09:00:00Z", "last_activity_at": null,
    "tokens_today": 0, "used_by": {"sites": [], "instance": false, "site_settings": []}})))]
pub struct Chatbot {
    pub id: String,
    pub settings: crate::chatbot::ChatbotSettings,
    /// How the server calls the model (`null` without a model).
    pub model_kind: Option<crate::chatbot::EndpointKind>,
    pub secrets: ChatbotSecrets,
    /// The profile photo's URL (public), if one is set.
    pub photo: Option<String>,
    /// The cover photo's URL (public), if one is set.
    pub cover: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// The last time the bot answered, was tried, or used the bot API.
    pub last_activity_at: Option<String>,
    /// Tokens the model used today (UTC), against `daily_token_budget`.
    pub tokens_today: u64,
    /// Where the bot is a site's chat (the built-in assistant).
    pub used_by: ChatbotUse,
    /// Only in the answer that issued them.
    #[serde(default, skip_serializing_if = "IssuedSecrets::is_empty")]
    pub issued: IssuedSecrets,
}

/// Where a chatbot is a site's chat. A bot named here cannot be deleted or
/// lose `site_chat` until those settings choose another chat.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatbotUse {
    /// Sites whose visitors get this bot as their chat now (their effective settings).
    pub sites: Vec<String>,
    /// The instance settings name it (sites that inherit them get it).
    pub instance: bool,
    /// Sites whose own settings name it, whether those apply or not.
    pub site_settings: Vec<String>,
}

impl ChatbotUse {
    pub fn is_named(&self) -> bool {
        self.instance || !self.site_settings.is_empty()
    }
}

/// `GET /chatbots`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", schema(example = json!({"chatbots": []})))]
pub struct ChatbotList {
    pub chatbots: Vec<Chatbot>,
}

/// `POST /chatbots/{id}/regenerate`: which secret to replace.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BotSecret {
    ApiKey,
    WebhookToken,
    WebhookSecret,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", schema(example = json!({"secret": "webhook_secret"})))]
pub struct Regenerate {
    pub secret: BotSecret,
}

/// `POST /chatbots/{id}/try`: the admin's next message, in a new
/// conversation or one the try box started. The answer is a
/// `text/event-stream`: a `conversation` event (`TryStarted`), then with a
/// model `delta` events (`{"text"}`), then `done` (`AnswerDone`) or `error`
/// (`{"code", "message", "params"}`, an API error code).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", schema(example = json!({"message": "When do you open?"})))]
pub struct TryChat {
    /// The conversation to continue (from an earlier `conversation` event); absent: a new one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<String>,
    pub message: String,
}

/// The `conversation` event of a tried message.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TryStarted {
    pub conversation: String,
    /// The stored message's position (read later messages after it).
    pub message: String,
    /// Whether a model answers (then `delta` events follow).
    pub model: bool,
}

/// A conversation's start or message, as the bot API and the admin app read it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", schema(example = json!({"id": "42", "conversation": "c_x8Kq2mZt9LwA3bYd", "kind": "message", "author": "visitor", "text": "When do you open?", "at": "2026-12-01T09:00:00Z"})))]
pub struct ChatMessage {
    /// Its position: pass it as `after` to read what came later.
    pub id: String,
    pub conversation: String,
    /// `conversation_started` or `message`.
    pub kind: String,
    /// `visitor`, `model` or `bot` (messages only).
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
    pub at: String,
}

/// `GET /bot/messages` and `GET /chatbots/{id}/conversations/{conversation}/messages`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", schema(example = json!({"messages": [{"id": "42", "conversation": "c_x8Kq2mZt9LwA3bYd", "kind": "message", "author": "visitor", "text": "When do you open?", "at": "2026-12-01T09:00:00Z"}], "cursor": "42"})))]
pub struct ChatMessagePage {
    pub messages: Vec<ChatMessage>,
    /// Send it back as `after` to read on from here.
    pub cursor: String,
}

/// `POST /bot/conversations/{id}/messages`: the bot program's reply.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", schema(example = json!({"text": "We open at 9:00."})))]
pub struct BotReply {
    /// 1 to 4,000 characters.
    pub text: String,
}

/// One try of a webhook delivery.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryAttempt {
    pub at: String,
    pub duration_ms: u64,
    pub response_status: Option<u16>,
    pub error: Option<String>,
}

/// A webhook delivery, as the delivery log lists it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// The `webhook-id` the receiver sees (the same on every attempt).
    pub id: String,
    /// `conversation.started` or `message.created`.
    pub event: String,
    pub created_at: String,
    /// `pending`, `delivered`, `failed` or `cancelled`.
    pub status: String,
    pub attempts: Vec<DeliveryAttempt>,
    pub next_attempt_at: Option<String>,
    pub reason: Option<String>,
}

/// `GET /chatbots/{id}/deliveries`: newest first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", schema(example = json!({"deliveries": [{"id": "msg_2xQm8Zk1", "event": "message.created", "created_at": "2026-12-01T09:00:00Z", "status": "delivered", "attempts": [{"at": "2026-12-01T09:00:00Z", "duration_ms": 84, "response_status": 200, "error": null}], "next_attempt_at": null, "reason": null}], "webhook_disabled": null})))]
pub struct DeliveryList {
    pub deliveries: Vec<Delivery>,
    /// Why deliveries are stopped (the receiver answered 410 Gone), if they are.
    pub webhook_disabled: Option<String>,
}

/// The `done` event of a streamed answer.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerDone {
    pub finish_reason: Option<String>,
    /// Tokens this answer cost (reported by the service, or estimated).
    pub tokens: u64,
    /// Whether `tokens` is the service's figure (`false`: an estimate).
    pub reported: bool,
    pub tokens_today: u64,
    /// The stored answer's message id (none without a model's text).
    #[serde(default)]
    pub message: Option<String>,
}

/// A `delta` event: the next piece of the answer.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerDelta {
    pub text: String,
}

/// An `error` event: the answer broke off (an API error code).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerError {
    pub code: ApiCode,
    pub message: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub params: Map<String, Value>,
}

/// The data of each event of `POST /chatbots/{id}/try`'s stream:
/// `conversation`, `delta`, then `done` or `error`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TryEventData {
    Conversation(TryStarted),
    Delta(AnswerDelta),
    Done(AnswerDone),
    Error(AnswerError),
}

/// `GET /chat/{bot}`: what a visitor's chat panel shows of a bot.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", schema(example = json!({"id": "k3v9q2xm7d1a", "name": "Support bot", "description": "Answers questions about orders.", "url": "https://www.example.com/help", "photo": "/chatbot-images/k3v9q2xm7d1a/photo-7.png", "cover": null, "streams": true})))]
pub struct BotProfile {
    pub id: String,
    pub name: String,
    pub description: String,
    pub url: Option<String>,
    /// Image URLs, relative to Switchboard's origin.
    pub photo: Option<String>,
    pub cover: Option<String>,
    /// A model answers at once (streamed); otherwise answers come later.
    pub streams: bool,
}

/// `POST /chat/{bot}/conversations`: the new conversation and the token
/// that continues it (keep it; send it as `Authorization: Bearer`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", schema(example = json!({"conversation": "c_x8Kq2mZt9LwA3bYd", "token": "sbc1.1767225600.Qm9…", "expires_at": "2027-01-01T00:00:00Z"})))]
pub struct VisitorConversation {
    pub conversation: String,
    pub token: String,
    pub expires_at: String,
}

/// One message as the visitor sees it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorMessage {
    pub id: String,
    /// `visitor` or `assistant` (the model or the bot program).
    pub author: String,
    pub text: String,
    pub at: String,
    /// The visitor's vote on this answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vote: Option<crate::visitor_chat::Vote>,
}

/// `GET /chat/{bot}/conversations/{id}/messages`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", schema(example = json!({"messages": [{"id": "42", "author": "visitor", "text": "When do you open?", "at": "2026-12-01T09:00:00Z"}], "cursor": "42"})))]
pub struct VisitorMessagePage {
    pub messages: Vec<VisitorMessage>,
    /// Send it back as `after` to read on from here.
    pub cursor: String,
}

/// `PUT /chat/{bot}/conversations/{id}/messages/{message}/vote`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", schema(example = json!({"vote": "up"})))]
pub struct VoteBody {
    /// `up`, `down`, or `null` to take the vote back.
    pub vote: Option<crate::visitor_chat::Vote>,
}

/// `POST /chat/{bot}/conversations` body.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", schema(example = json!({"site": "marketing-jp", "visitor": {"id": "u-1042", "name": "Hanako Yamada", "email": "hanako@example.jp"}})))]
pub struct StartConversation {
    /// The site whose chat this is; absent on the bot's direct chat page.
    pub site: Option<String>,
    /// A signed-in visitor; absent for a guest.
    pub visitor: Option<crate::visitor_chat::Visitor>,
}

/// `POST /chat/{bot}/conversations/{id}/messages` body.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", schema(example = json!({"message": "When do you open?"})))]
pub struct VisitorSays {
    pub message: String,
    /// Who the visitor is now, when they signed in since the start.
    pub visitor: Option<crate::visitor_chat::Visitor>,
}

/// A conversation as the admin's list shows it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", schema(example = json!({"id": "c_x2k9fjw0qa7m3b1z", "bot": "faq0bot0jp01", "bot_name": "FAQ", "origin": "site", "site": "marketing-jp", "visitor": {"name": "山田 花子"}, "started_at": "2026-12-01T09:00:00Z", "last_at": "2026-12-01T09:04:10Z", "messages": 6, "votes_up": 1, "votes_down": 0, "refusals": 0, "models": ["gpt-4o-mini"]})))]
pub struct ConversationItem {
    pub id: String,
    pub bot: String,
    /// The bot's name now (absent once the bot is deleted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_name: Option<String>,
    /// `site` (a site's chat), `direct` (the bot's direct page), `try` (an
    /// admin's "Try it"), or `unknown` (its start is no longer on record).
    pub origin: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// The admin who tried the bot, for `try`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin: Option<String>,
    /// Who the visitor said they are (unverified), last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visitor: Option<crate::visitor_chat::Visitor>,
    pub started_at: String,
    pub last_at: String,
    pub messages: u32,
    pub votes_up: u32,
    pub votes_down: u32,
    /// Messages a limit refused.
    pub refusals: u32,
    /// The models that answered.
    pub models: Vec<String>,
}

/// `GET /conversations`: the newest started first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationList {
    pub conversations: Vec<ConversationItem>,
    /// How many the filters take in all.
    pub total: usize,
    /// Send it back as `before` for the next page; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// One record of a transcript.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptEntry {
    pub seq: u64,
    pub at: String,
    /// `started`, `message`, `identified`, `feedback` or `refused`.
    pub event: String,
    /// For messages: `visitor`, `model` or `bot`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The model that wrote it (the model's messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// For feedback: the `seq` of the answer voted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<u64>,
    /// For feedback: the vote, absent when taken back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vote: Option<crate::visitor_chat::Vote>,
    /// For refusals: the API code the visitor got (`visitor_rate_limited`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// For starts and identifications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visitor: Option<crate::visitor_chat::Visitor>,
}

/// `GET /conversations/{id}`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transcript {
    pub conversation: ConversationItem,
    /// Oldest first: the newest 2,000 records.
    pub entries: Vec<TranscriptEntry>,
    /// Older records exist than `entries` holds.
    pub truncated: bool,
}
