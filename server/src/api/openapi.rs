//! The OpenAPI 3.1 document of the REST API, served at `/api/v1/openapi.json`.
//!
//! Built from the wire types' schemas (`switchboard_core::wire`, derived with
//! `utoipa`) and each handler's `#[utoipa::path]`, which the router collects as
//! it registers the handler: a route cannot exist undocumented. The error
//! answers of an operation are written as the list of codes it can answer
//! (the `errors!` groups below); their statuses and descriptions come from
//! [`ApiCode::status`] and [`ApiCode::doc`], the same table the answers use.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum::http::{header, HeaderValue};
use axum::response::IntoResponse;
use bytes::Bytes;

use serde_json::{json, Value};
use switchboard_core::errors::{ErrorCode, FieldError};
use switchboard_core::messages::ApiCode;
use switchboard_core::site::Site;
use utoipa::openapi::example::ExampleBuilder;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr};
use utoipa::{Modify, OpenApi};

/// The security schemes' names, as the operations' `security(...)` use them.
pub const API_KEY: &str = "api_key";
pub const SESSION: &str = "session";
pub const CSRF_TOKEN: &str = "csrf_token";
pub const BOT_KEY: &str = "bot_key";
pub const CONVERSATION_TOKEN: &str = "conversation_token";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Switchboard REST API",
        description = "Manage Switchboard's sites, Click to Chat settings and API keys, and read what the widget loads.\n\n\
            Authenticate with an API key (`Authorization: Bearer <key>`; create one in the admin app under Integrations → API access keys) \
            or, from the admin app, with the session cookie plus the session's CSRF token in `X-CSRF-Token` on every change.\n\n\
            Every error is `{\"error\": {\"status\", \"code\", \"message\", \"params\", \"fields\"}}`: `code` (and `fields[].code`) \
            are stable and documented per operation; `message` is English for people. A refused request changes nothing.\n\n\
            Records that can change carry a revision as `ETag`; send it back as `If-Match` to refuse a change when someone else \
            changed the record in between (`412 precondition_failed`).",
        license(name = "MIT OR Apache-2.0"),
    ),
    servers((url = "/api/v1")),
    components(schemas(switchboard_core::wire::ErrorBody)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "setup", description = "First run: the first administrator."),
        (name = "session", description = "Signing in and out of the admin app."),
        (name = "account", description = "The signed-in administrator's own account."),
        (name = "api-keys", description = "API access keys (managed by a signed-in administrator only)."),
        (name = "click-to-chat", description = "Which chat provider loads, for which site and visitor."),
        (name = "sites", description = "The websites that embed the widget."),
        (name = "chatbots", description = "Chatbots: a model, a webhook or a bot program answers visitors (managed by a signed-in administrator only)."),
        (name = "bot", description = "The bot API: a bot program reads its bot's new visitor messages and replies, with the bot's own key."),
        (name = "visitor chat", description = "The built-in assistant's public chat API, for the chat panel on a site's pages and the bot's direct chat page (from any origin)."),
        (name = "conversations", description = "Conversations with chatbots: list, read, delete, export, and how long they are kept."),
        (name = "audit", description = "Who changed what, when, from where."),
        (name = "widget", description = "What visitors' browsers read (public, cacheable)."),
        (name = "meta", description = "This document."),
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            API_KEY,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API access key: `Authorization: Bearer <key>`. Keys cannot manage keys, \
                         change passwords, or change where visitors' pages load script from.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            BOT_KEY,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A chatbot's own API key (`sbb_…`, issued when the bot API is turned on):                          the bot API only, for that bot only.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            CONVERSATION_TOKEN,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A visitor's conversation token (`sbc1.…`, from `POST /chat/{bot}/conversations`): that conversation only, until it expires.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            SESSION,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "switchboard_session",
                "The admin app's session cookie, set by `POST /session` \
                 (named `__Host-switchboard_session` when the server's public URL is https).",
            ))),
        );
        components.add_security_scheme(
            CSRF_TOKEN,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-CSRF-Token",
                "With the session cookie, every change also sends the session's `csrf_token` \
                 and comes from the admin app's own origin.",
            ))),
        );
    }
}

/// The error answers of one operation: for each status its codes can have,
/// the error body with `code` limited to those codes, and one example per code.
pub fn error_responses(codes: &[ApiCode]) -> BTreeMap<String, RefOr<Response>> {
    let mut by_status: BTreeMap<u16, Vec<ApiCode>> = BTreeMap::new();
    for code in codes {
        let listed = by_status.entry(code.status()).or_default();
        if !listed.contains(code) {
            listed.push(*code);
        }
    }
    by_status
        .into_iter()
        .map(|(status, codes)| (status.to_string(), RefOr::T(error_response(status, &codes))))
        .collect()
}

fn error_response(status: u16, codes: &[ApiCode]) -> Response {
    let description = codes
        .iter()
        .map(|code| match code.doc() {
            "" => format!("`{}`", code.as_str()),
            doc => format!("`{}`: {doc}", code.as_str()),
        })
        .collect::<Vec<_>>()
        .join("\n\n");
    let only_these_codes = ObjectBuilder::new().property(
        "error",
        ObjectBuilder::new().property(
            "code",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(codes.iter().map(|code| code.as_str()))),
        ),
    );
    let schema = Schema::AllOf(
        AllOfBuilder::new()
            .item(Ref::from_schema_name("ErrorBody"))
            .item(only_these_codes)
            .build(),
    );
    let examples = codes.iter().map(|code| {
        let example = ExampleBuilder::new()
            .summary(code.as_str())
            .value(Some(error_example(status, *code)))
            .build();
        (code.as_str(), example)
    });
    let mut response = ResponseBuilder::new().description(description);
    if status == 429 {
        response = response.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::Integer)))
                .description(Some("Seconds to wait before trying again"))
                .build(),
        );
    }
    response
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(schema))
                .examples_from_iter(examples)
                .build(),
        )
        .build()
}

fn error_example(status: u16, code: ApiCode) -> Value {
    // Real refusals, from the domain's own parsers.
    let fields = match code {
        ApiCode::ValidationFailed => Site::create_from_json(
            &json!({"id": "Marketing JP", "name": "Marketing", "domains": ["example.jp"]}),
        )
        .err()
        .map(|errors| errors.0),
        ApiCode::Conflict => {
            let shop = Site {
                id: "shop".into(),
                name: "Shop".into(),
                domains: vec!["example.jp".into()],
            };
            let new = Site {
                id: "marketing-jp".into(),
                name: "Marketing".into(),
                domains: vec!["example.jp".into()],
            };
            Some(new.conflicts([&shop], true).0)
        }
        ApiCode::BadRequest => Some(vec![FieldError::new(
            "If-Match",
            ErrorCode::InvalidFormat,
            "If-Match must be * or a list of quoted revisions, as the ETag header gives them",
        )]),
        _ => None,
    }
    .unwrap_or_default();
    let params = match code {
        ApiCode::TooManyAttempts | ApiCode::ServerBusy => json!({"retry_after": 30}),
        ApiCode::UnknownSite => json!({"site": "marketing-jp"}),
        ApiCode::PayloadTooLarge => json!({"limit": super::extract::BODY_LIMIT}),
        ApiCode::InvalidJson => json!({"line": 1, "column": 12}),
        _ => json!({}),
    };
    let message = match code.doc() {
        "" => code.as_str().replace('_', " "),
        doc => doc.to_string(),
    };
    json!({"error": {"status": status, "code": code, "message": message, "params": params, "fields": fields}})
}

/// Declares response groups for `#[utoipa::path(responses(...))]`, each the
/// union of code lists.
macro_rules! errors {
    ($($(#[$doc:meta])* $name:ident = [$($part:expr),* $(,)?];)*) => {
        $(
            $(#[$doc])*
            pub struct $name;

            impl utoipa::IntoResponses for $name {
                fn responses() -> BTreeMap<String, RefOr<Response>> {
                    let parts: &[&[ApiCode]] = &[$($part),*];
                    error_responses(&parts.concat())
                }
            }
        )*
    };
}

use ApiCode::*;

/// No valid credentials.
const SIGNED_IN: &[ApiCode] = &[
    Unauthenticated,
    SessionEnded,
    InvalidApiKey,
    MalformedAuthorization,
];
/// A change made with the session cookie: CSRF token and own origin.
const SESSION_CHANGE: &[ApiCode] = &[CsrfTokenMissing, CrossOrigin];
/// A JSON request body.
const BODY: &[ApiCode] = &[
    InvalidJson,
    UnsupportedMediaType,
    PayloadTooLarge,
    ValidationFailed,
];
/// `If-Match` (a malformed one is `bad_request`).
const REVISION: &[ApiCode] = &[BadRequest, PreconditionFailed];
/// A path segment that is not valid (e.g. bad percent-encoding).
const PATH: &[ApiCode] = &[BadRequest];
/// The password checks' throttle and concurrency limit.
const PASSWORD_CHECK: &[ApiCode] = &[TooManyAttempts, ServerBusy];
/// A change the store could not write (a full or read-only disk): nothing
/// was changed.
const STORE: &[ApiCode] = &[StorageError];

errors! {
    SignedInRead = [SIGNED_IN];
    SignedInChange = [SIGNED_IN, SESSION_CHANGE];
    SessionOnlyRead = [SIGNED_IN, &[ApiKeyNotAllowed]];
    SessionOnlyChange = [SIGNED_IN, SESSION_CHANGE, &[NotASession]];
    PasswordChangeErrors = [STORE, SIGNED_IN, SESSION_CHANGE, BODY, PASSWORD_CHECK, &[NotASession]];
    LoginErrors = [BODY, PASSWORD_CHECK, &[WrongPassword, CrossOrigin]];
    SetupErrors = [STORE, BODY, &[ServerBusy, AlreadySetUp, SetupHostNotAllowed, CrossOrigin]];
    ApiKeyCreateErrors = [STORE, SIGNED_IN, SESSION_CHANGE, BODY, &[ApiKeyNotAllowed, Conflict]];
    ApiKeyUpdateErrors = [STORE, SIGNED_IN, SESSION_CHANGE, BODY, PATH, &[ApiKeyNotAllowed, UnknownApiKey, Conflict]];
    ApiKeyDeleteErrors = [STORE, SIGNED_IN, SESSION_CHANGE, PATH, &[ApiKeyNotAllowed, UnknownApiKey]];
    AuditErrors = [SIGNED_IN, &[BadRequest]];
    InstanceChangeErrors = [STORE, SIGNED_IN, SESSION_CHANGE, BODY, REVISION, &[SignedInAdminRequired]];
    SiteCreateErrors = [STORE, SIGNED_IN, SESSION_CHANGE, BODY, &[Conflict]];
    SiteReadErrors = [SIGNED_IN, PATH, &[UnknownSite]];
    SiteUpdateErrors = [STORE, SIGNED_IN, SESSION_CHANGE, BODY, REVISION, PATH, &[UnknownSite, Conflict]];
    SiteDeleteErrors = [STORE, SIGNED_IN, SESSION_CHANGE, REVISION, PATH, &[UnknownSite]];
    SiteChatChangeErrors = [STORE, SIGNED_IN, SESSION_CHANGE, BODY, REVISION, PATH, &[UnknownSite, SignedInAdminRequired]];
    WidgetConfigErrors = [&[BadRequest, UnknownSite]];
    ChatbotCreateErrors = [STORE, SIGNED_IN, SESSION_CHANGE, BODY, &[ApiKeyNotAllowed, Conflict]];
    ChatbotReadErrors = [SIGNED_IN, PATH, &[ApiKeyNotAllowed, UnknownChatbot]];
    ChatbotUpdateErrors = [STORE, SIGNED_IN, SESSION_CHANGE, BODY, REVISION, PATH, &[ApiKeyNotAllowed, UnknownChatbot, Conflict]];
    ChatbotDeleteErrors = [STORE, SIGNED_IN, SESSION_CHANGE, REVISION, PATH, &[ApiKeyNotAllowed, UnknownChatbot, ChatbotInUse]];
    ChatbotRegenerateErrors = [STORE, SIGNED_IN, SESSION_CHANGE, BODY, PATH, &[ApiKeyNotAllowed, UnknownChatbot, SecretNotInUse]];
    ChatbotImageErrors = [STORE, SIGNED_IN, SESSION_CHANGE, PATH, &[ApiKeyNotAllowed, UnknownChatbot, PayloadTooLarge, UnsupportedImageType, InvalidImage]];
    ChatbotTryErrors = [STORE, SIGNED_IN, SESSION_CHANGE, BODY, PATH, &[ApiKeyNotAllowed, UnknownChatbot, UnknownConversation, NothingAnswers, TokenBudgetExhausted, ModelBusy, ModelUnauthorized, ModelNotFound, ModelRateLimited, ModelQuotaExceeded, ModelContentFiltered, ModelRejected, ModelUnavailable, ModelTimeout, EgressRefused]];
    ConversationReadErrors = [SIGNED_IN, PATH, &[ApiKeyNotAllowed, UnknownChatbot, UnknownConversation, BadRequest]];
    DeliveryResendErrors = [SIGNED_IN, SESSION_CHANGE, PATH, &[ApiKeyNotAllowed, UnknownChatbot, UnknownDelivery, SecretNotInUse]];
    BotPollErrors = [STORE, &[Unauthenticated, InvalidApiKey, MalformedAuthorization, BadRequest]];
    BotReplyErrors = [STORE, BODY, PATH, &[Unauthenticated, InvalidApiKey, MalformedAuthorization, UnknownConversation]];
    BotProfileErrors = [PATH, &[UnknownChatbot]];
    VisitorStartErrors = [STORE, BODY, PATH, &[UnknownChatbot, UnknownSite, NotThisSitesChat, GuestsNotAllowed, VisitorRateLimited]];
    VisitorMessageErrors = [STORE, BODY, PATH, &[InvalidConversationToken, ConversationExpired, UnknownChatbot, UnknownConversation, VisitorRateLimited, NothingAnswers, TokenBudgetExhausted, ModelBusy, ModelUnauthorized, ModelNotFound, ModelRateLimited, ModelQuotaExceeded, ModelContentFiltered, ModelRejected, ModelUnavailable, ModelTimeout, EgressRefused]];
    VisitorReadErrors = [STORE, PATH, &[InvalidConversationToken, ConversationExpired, UnknownChatbot, BadRequest, VisitorRateLimited]];
    VisitorVoteErrors = [STORE, BODY, PATH, &[InvalidConversationToken, ConversationExpired, UnknownChatbot, UnknownConversation, UnknownMessage, VisitorRateLimited]];
    ChatbotImageClearErrors = [STORE, SIGNED_IN, SESSION_CHANGE, PATH, &[ApiKeyNotAllowed, UnknownChatbot]];
    ConversationListErrors = [SIGNED_IN, &[BadRequest, ValidationFailed]];
    ConversationErrors = [STORE, SIGNED_IN, PATH, &[UnknownConversation]];
    ConversationDeleteErrors = [STORE, SIGNED_IN, SESSION_CHANGE, PATH, &[UnknownConversation]];
    ConversationSettingsErrors = [STORE, SIGNED_IN, SESSION_CHANGE, BODY];
    RulesRefreshErrors = [SIGNED_IN, SESSION_CHANGE, PATH, &[UnknownSite, BadRequest]];
}

/// The document as JSON, with what utoipa cannot say: every response header
/// it lists is always sent (`required`), and request bodies may hold no
/// other keys than their schema's (the parsers refuse unknown fields).
pub fn tightened(document: &utoipa::openapi::OpenApi) -> Value {
    let mut json = match serde_json::to_value(document) {
        Ok(json) => json,
        Err(error) => {
            tracing::error!(%error, "cannot serialize the OpenAPI document");
            return Value::Null;
        }
    };
    let mut request_schemas = Vec::new();
    if let Some(paths) = json["paths"].as_object_mut() {
        for operation in paths
            .values_mut()
            .filter_map(Value::as_object_mut)
            .flat_map(|item| item.values_mut())
        {
            if let Some(reference) =
                operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str()
            {
                request_schemas.push(
                    reference
                        .trim_start_matches("#/components/schemas/")
                        .to_string(),
                );
            }
            let Some(responses) = operation
                .get_mut("responses")
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            for response in responses.values_mut() {
                describe_event_stream(response);
            }
            for headers in responses
                .values_mut()
                .filter_map(|r| r.get_mut("headers"))
                .filter_map(Value::as_object_mut)
            {
                for header in headers.values_mut().filter_map(Value::as_object_mut) {
                    header.insert("required".into(), Value::Bool(true));
                }
            }
        }
    }
    for name in request_schemas {
        if let Some(schema) = json["components"]["schemas"]
            .get_mut(&name)
            .and_then(Value::as_object_mut)
        {
            schema.insert("additionalProperties".into(), Value::Bool(false));
        }
    }
    json
}

/// A `text/event-stream` answer's schema describes each event, as OpenAPI
/// reads event streams: an object with the event's name and its data, here
/// JSON of the schema the handler named (utoipa can only name that one).
fn describe_event_stream(response: &mut Value) {
    // `get_mut`, not indexing: indexing would add `"content": null`.
    let Some(media) = response
        .get_mut("content")
        .and_then(|content| content.get_mut("text/event-stream"))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let Some(data) = media.get("schema").cloned() else {
        return;
    };
    media.insert(
        "schema".into(),
        json!({
            "type": "object",
            "required": ["event", "data"],
            "properties": {
                "event": {"type": "string"},
                "data": {"type": "string", "contentMediaType": "application/json", "contentSchema": data},
                "id": {"type": "string"},
                "retry": {"type": "integer"}
            }
        }),
    );
}

/// This document, built once (it depends only on the code).
#[utoipa::path(
    get, path = "/openapi.json", tag = "meta",
    operation_id = "get_openapi_document",
    summary = "This API's OpenAPI 3.1 document",
    responses((status = 200, body = Object, content_type = "application/json", description = "The document"))
)]
pub async fn document_json() -> impl IntoResponse {
    static DOCUMENT: OnceLock<Bytes> = OnceLock::new();
    let body = DOCUMENT.get_or_init(|| match serde_json::to_vec(&super::document()) {
        Ok(json) => Bytes::from(json),
        Err(error) => {
            tracing::error!(%error, "cannot serialize the OpenAPI document");
            Bytes::new()
        }
    });
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            // It changes only with the server's version: caches may keep it a while.
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        body.clone(),
    )
}
