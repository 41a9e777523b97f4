//! `GET/POST /chatbots`, `GET/PUT/DELETE /chatbots/{id}`,
//! `POST /chatbots/{id}/regenerate`: chatbots and their secrets.
//!
//! Only a signed-in admin manages bots: a bot's settings decide where
//! visitors' messages go and hold model keys, so a leaked API key must not
//! be able to read them or point them elsewhere. Secrets are write-only:
//! the model key is written with the settings, the others are issued here
//! and shown once, in the answer that issued them.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::json;

use switchboard_core::chatbot::{
    regenerate_from_json, same_host, ChatbotInput, ChatbotSettings, EndpointKind, SecretInput,
};
use switchboard_core::errors::{ErrorCode, FieldError, FieldErrors};
use switchboard_core::messages::{ApiCode, AuditAction};
use switchboard_core::wire::{self, BotSecret};

use super::authn::signed_in_admin_only;
use super::extract::{check_if_match, etag, JsonBody, PathId};
use super::openapi;
use super::ApiError;
use crate::auth::Principal;
use crate::bots::secrets;
use crate::state::AppState;
use crate::store::{
    audit::changed_fields, now_rfc3339, AuditRecord, ChatbotRecord, Document, HashedSecret,
    StoredSecret, Who,
};

pub fn admins_only(principal: &Principal) -> Result<(), ApiError> {
    signed_in_admin_only(
        principal,
        "API keys cannot manage chatbots; sign in to the admin app",
    )
}

pub fn image_url(id: &str, file: &str) -> String {
    format!("/chatbot-images/{id}/{file}")
}

pub fn view(document: &Document, record: &ChatbotRecord) -> wire::Chatbot {
    let state = |secret: &Option<StoredSecret>| {
        secret.as_ref().map(|s| wire::SecretState {
            hint: s.hint(),
            set_at: s.set_at.clone(),
        })
    };
    wire::Chatbot {
        id: record.id.clone(),
        settings: record.settings.clone(),
        model_kind: record
            .settings
            .model
            .as_ref()
            .map(|m| EndpointKind::of(&m.endpoint)),
        secrets: wire::ChatbotSecrets {
            model_api_key: state(&record.model_api_key),
            api_key: record.api_key.as_ref().map(|k| wire::SecretState {
                hint: k.prefix.clone(),
                set_at: k.set_at.clone(),
            }),
            webhook_token: state(&record.webhook_token),
            webhook_secret: state(&record.webhook_secret),
        },
        photo: record
            .photo
            .as_ref()
            .map(|i| image_url(&record.id, &i.file)),
        cover: record
            .cover
            .as_ref()
            .map(|i| image_url(&record.id, &i.file)),
        created_at: record.created_at.clone(),
        updated_at: record.updated_at.clone(),
        last_activity_at: record.last_activity_at.clone(),
        tokens_today: record.usage.on(&crate::bots::usage::today()),
        used_by: document.chatbot_use(&record.id),
        issued: wire::IssuedSecrets::default(),
    }
}

fn respond(document: &Document, record: &ChatbotRecord, issued: wire::IssuedSecrets) -> Response {
    let mut body = view(document, record);
    body.issued = issued;
    (
        [
            (header::ETAG, etag(record.revision)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        Json(body),
    )
        .into_response()
}

/// The bot as it is now, with its ETag.
pub fn respond_current(document: &Document, record: &ChatbotRecord) -> Response {
    respond(document, record, wire::IssuedSecrets::default())
}

pub fn unknown_chatbot(id: &str) -> ApiError {
    ApiError::not_found(
        ApiCode::UnknownChatbot,
        format!("there is no chatbot {id:?}"),
    )
    .with_param("chatbot", id)
}

pub fn chatbot<'a>(document: &'a Document, id: &str) -> Result<&'a ChatbotRecord, ApiError> {
    document.chatbots.get(id).ok_or_else(|| unknown_chatbot(id))
}

/// What names the bot as a site's chat, when anything does: such a bot keeps
/// `site_chat` and is not deleted, so no site's chat silently disappears.
fn named_as_site_chat(document: &Document, id: &str) -> Option<wire::ChatbotUse> {
    Some(document.chatbot_use(id)).filter(wire::ChatbotUse::is_named)
}

fn in_use_message(used: &wire::ChatbotUse) -> String {
    let mut users: Vec<String> = used
        .site_settings
        .iter()
        .map(|site| format!("site {site:?}"))
        .collect();
    if used.instance {
        users.insert(0, "the instance".into());
    }
    format!(
        "the Click to Chat settings or display rules of {} choose this chatbot (switched on or not); choose another chat there first",
        users.join(", ")
    )
}

fn name_taken(document: &Document, name: &str, except: Option<&str>) -> Result<(), ApiError> {
    if document
        .chatbots
        .values()
        .any(|b| b.settings.name == name && Some(b.id.as_str()) != except)
    {
        let mut errors = FieldErrors::default();
        errors.push(
            "name",
            ErrorCode::AlreadyTaken,
            format!("another chatbot is already named {name:?}"),
        );
        return Err(ApiError::Conflict(errors));
    }
    Ok(())
}

fn parse(state: &AppState, body: &serde_json::Value) -> Result<ChatbotInput, ApiError> {
    let policy = state.egress.policy();
    ChatbotInput::from_json(body, &|host| policy.lists(host)).map_err(ApiError::Validation)
}

/// Gives `record` the secrets its settings need and drops those they no
/// longer use; returns the ones issued now, and the names of what changed.
fn reconcile_secrets(
    record: &mut ChatbotRecord,
    model_key: SecretInput,
    now: &str,
) -> (wire::IssuedSecrets, Vec<String>) {
    let mut issued = wire::IssuedSecrets::default();
    let mut changed = Vec::new();
    let settings = &record.settings;
    match (settings.model.is_some(), model_key) {
        (false, _) | (true, SecretInput::Clear) => {
            if record.model_api_key.take().is_some() {
                changed.push("model.api_key".to_string());
            }
        }
        (true, SecretInput::Set(key)) => {
            if record.model_api_key.as_ref().map(|s| &s.value) != Some(&key) {
                record.model_api_key = Some(StoredSecret::new(key, now.to_string()));
                changed.push("model.api_key".to_string());
            }
        }
        (true, SecretInput::Keep) => {}
    }
    if settings.bot_api && record.api_key.is_none() {
        let key = secrets::bot_key();
        record.api_key = Some(HashedSecret {
            prefix: key.prefix,
            hash: key.hash,
            set_at: now.to_string(),
            last_used_at: None,
        });
        issued.api_key = Some(key.key);
        changed.push("api_key".to_string());
    } else if !settings.bot_api && record.api_key.take().is_some() {
        changed.push("api_key".to_string());
    }
    let webhook = settings.webhook.as_ref();
    if webhook.is_some() && record.webhook_secret.is_none() {
        let secret = secrets::webhook_secret();
        record.webhook_secret = Some(StoredSecret::new(secret.clone(), now.to_string()));
        issued.webhook_secret = Some(secret);
        changed.push("webhook_secret".to_string());
    } else if webhook.is_none() && record.webhook_secret.take().is_some() {
        changed.push("webhook_secret".to_string());
    }
    let wants_token = webhook.is_some_and(|w| w.access_token);
    if wants_token && record.webhook_token.is_none() {
        let token = secrets::webhook_token();
        record.webhook_token = Some(StoredSecret::new(token.clone(), now.to_string()));
        issued.webhook_token = Some(token);
        changed.push("webhook_token".to_string());
    } else if !wants_token && record.webhook_token.take().is_some() {
        changed.push("webhook_token".to_string());
    }
    (issued, changed)
}

/// A `PUT` replaces the whole settings: every field is sent (a missing one
/// would otherwise quietly become its default, turning the bot API off).
fn require_every_field(body: &serde_json::Value) -> Result<(), ApiError> {
    let mut errors = FieldErrors::default();
    for field in [
        "name",
        "bot_api",
        "site_chat",
        "direct_link",
        "model",
        "webhook",
        "profile",
        "reply_limit",
        "daily_token_budget",
    ] {
        if body.get(field).is_none() {
            errors.push(
                field,
                ErrorCode::Required,
                format!("{field} is required: PUT replaces the whole settings (null for none)"),
            );
        }
    }
    errors.into_result(()).map_err(ApiError::Validation)
}

fn new_id(document: &Document) -> String {
    loop {
        let id = crate::auth::api_keys::new_id();
        if !document.chatbots.contains_key(&id) {
            return id;
        }
    }
}

#[utoipa::path(
    get, path = "/chatbots", tag = "chatbots",
    operation_id = "list_chatbots",
    summary = "List chatbots",
    description = "With their settings; secrets only as hints (the last characters).",
    security(("session" = [])),
    responses((status = 200, description = "OK", body = wire::ChatbotList), openapi::SessionOnlyRead)
)]
pub async fn list(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Result<Json<wire::ChatbotList>, ApiError> {
    admins_only(&principal)?;
    let snapshot = state.store.snapshot();
    let mut bots: Vec<&ChatbotRecord> = snapshot.document.chatbots.values().collect();
    bots.sort_by(|a, b| {
        (a.settings.reading.as_str(), a.settings.name.as_str())
            .cmp(&(b.settings.reading.as_str(), b.settings.name.as_str()))
    });
    Ok(Json(wire::ChatbotList {
        chatbots: bots
            .into_iter()
            .map(|bot| view(&snapshot.document, bot))
            .collect(),
    }))
}

#[utoipa::path(
    post, path = "/chatbots", tag = "chatbots",
    operation_id = "create_chatbot",
    summary = "Create a chatbot",
    description = "`model.api_key` is write-only. The answer's `issued` holds the secrets issued now (the bot's API key, the webhook's access token and signing secret), this once.",
    request_body = ChatbotSettings,
    security(("session" = [], "csrf_token" = [])),
    responses((status = 201, description = "Created", body = wire::Chatbot, headers(("ETag" = String, description = "The revision, for `If-Match`"), ("Location" = String, description = "The new chatbot's URL"))), openapi::ChatbotCreateErrors)
)]
pub async fn create(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    who: Who,
    JsonBody(body): JsonBody,
) -> Result<impl IntoResponse, ApiError> {
    admins_only(&principal)?;
    let input = parse(&state, &body)?;
    input.check_model_key(None).map_err(ApiError::Validation)?;
    let (record, issued) = state
        .store
        .update_audited(&who, |document| {
            name_taken(document, &input.settings.name, None)?;
            let now = now_rfc3339();
            let mut record = ChatbotRecord {
                id: new_id(document),
                revision: document.next_revision(),
                settings: input.settings,
                model_api_key: None,
                api_key: None,
                webhook_token: None,
                webhook_secret: None,
                photo: None,
                cover: None,
                created_at: now.clone(),
                created_by: who.actor.name.clone(),
                updated_at: now.clone(),
                last_activity_at: None,
                usage: Default::default(),
                webhook_disabled: None,
            };
            let (issued, _) = reconcile_secrets(&mut record, input.model_api_key, &now);
            document.chatbots.insert(record.id.clone(), record.clone());
            let audit = AuditRecord::success(AuditAction::ChatbotCreate, Some(record.id.clone()))
                .param("name", record.settings.name.clone());
            Ok::<_, ApiError>(((record, issued), audit))
        })
        .await?;
    let location = HeaderValue::from_str(&format!("/api/v1/chatbots/{}", record.id))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        respond(&state.store.snapshot().document, &record, issued),
    ))
}

#[utoipa::path(
    get, path = "/chatbots/{id}", tag = "chatbots",
    operation_id = "get_chatbot",
    summary = "Read a chatbot",
    params(("id" = String, Path, example = "k3v9q2xm7d1a", description = "The chatbot's id")),
    security(("session" = [])),
    responses((status = 200, description = "OK", body = wire::Chatbot, headers(("ETag" = String, description = "The revision, for `If-Match`"))), openapi::ChatbotReadErrors)
)]
pub async fn get(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    PathId(id): PathId,
) -> Result<impl IntoResponse, ApiError> {
    admins_only(&principal)?;
    let snapshot = state.store.snapshot();
    Ok(respond_current(
        &snapshot.document,
        chatbot(&snapshot.document, &id)?,
    ))
}

#[utoipa::path(
    put, path = "/chatbots/{id}", tag = "chatbots",
    operation_id = "update_chatbot",
    summary = "Change a chatbot",
    description = "The whole settings. `model.api_key`: absent keeps the stored key, a value replaces it, `null` removes it. Turning on the bot API or the webhook's access token issues their secrets (in `issued`); turning them off deletes them.",
    params(("id" = String, Path, example = "k3v9q2xm7d1a", description = "The chatbot's id"), ("If-Match" = Option<String>, Header, description = "The revision (`ETag`) the change is based on; `*` or absent: any")),
    request_body = ChatbotSettings,
    security(("session" = [], "csrf_token" = [])),
    responses((status = 200, description = "OK", body = wire::Chatbot, headers(("ETag" = String, description = "The revision, for `If-Match`"))), openapi::ChatbotUpdateErrors)
)]
pub async fn update(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    who: Who,
    PathId(id): PathId,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<impl IntoResponse, ApiError> {
    admins_only(&principal)?;
    let input = parse(&state, &body)?;
    require_every_field(&body)?;
    let (record, issued, webhook_moved) = state
        .store
        .update_audited(&who, |document| {
            let current = chatbot(document, &id)?;
            check_if_match(&headers, current.revision)?;
            if let Some(used) =
                named_as_site_chat(document, &id).filter(|_| !input.settings.site_chat)
            {
                let mut errors = FieldErrors::default();
                errors.add(
                    FieldError::new("site_chat", ErrorCode::InUse, in_use_message(&used))
                        .with("sites", used.site_settings.clone())
                        .with("instance", used.instance),
                );
                return Err(ApiError::Conflict(errors));
            }
            // The stored key was given for the current endpoint's host.
            let stored_for = current
                .model_api_key
                .as_ref()
                .and(current.settings.model.as_ref())
                .map(|m| m.endpoint.clone());
            input
                .check_model_key(stored_for.as_deref())
                .map_err(ApiError::Validation)?;
            let model_key = match &input.model_api_key {
                SecretInput::Keep if !input.keeps_model_key(stored_for.as_deref()) => {
                    SecretInput::Clear
                }
                other => other.clone(),
            };
            // The webhook's token and secret identify the bot to its
            // receiver: a receiver on another host gets new ones.
            let webhook_moved = match (&current.settings.webhook, &input.settings.webhook) {
                (Some(old), Some(new)) => !same_host(&old.url, &new.url),
                _ => false,
            };
            name_taken(document, &input.settings.name, Some(&id))?;
            let revision = document.next_revision();
            let Some(record) = document.chatbots.get_mut(&id) else {
                return Err(unknown_chatbot(&id));
            };
            let mut changed = changed_fields(&json!(record.settings), &json!(input.settings));
            let now = now_rfc3339();
            record.settings = input.settings;
            // Saving is the admin's answer to a receiver that said 410 Gone.
            if record.webhook_disabled.take().is_some() {
                changed.push("webhook_disabled".to_string());
            }
            if webhook_moved {
                record.webhook_secret = None;
                record.webhook_token = None;
            }
            let (issued, secrets_changed) = reconcile_secrets(record, model_key, &now);
            changed.extend(secrets_changed);
            record.revision = revision;
            record.updated_at = now;
            let audit = AuditRecord::success(AuditAction::ChatbotUpdate, Some(id.clone()))
                .changed(changed)
                .param("name", record.settings.name.clone());
            Ok::<_, ApiError>(((record.clone(), issued, webhook_moved), audit))
        })
        .await?;
    // What was waiting for the old receiver is not sent to another.
    let cancel = match (&record.settings.webhook, webhook_moved) {
        (None, _) => Some("the webhook was removed"),
        (Some(_), true) => Some("the webhook moved to another host"),
        _ => None,
    };
    if let Some(reason) = cancel {
        let deliveries = std::sync::Arc::clone(state.webhooks.deliveries());
        let bot = record.id.clone();
        let _ = tokio::task::spawn_blocking(move || deliveries.cancel_bot(&bot, reason)).await;
    }
    Ok(respond(&state.store.snapshot().document, &record, issued))
}

#[utoipa::path(
    delete, path = "/chatbots/{id}", tag = "chatbots",
    operation_id = "delete_chatbot",
    summary = "Delete a chatbot",
    description = "With its API key, webhook token and secret, and images. Irreversible.",
    params(("id" = String, Path, example = "k3v9q2xm7d1a", description = "The chatbot's id"), ("If-Match" = Option<String>, Header, description = "The revision (`ETag`) the change is based on; `*` or absent: any")),
    security(("session" = [], "csrf_token" = [])),
    responses((status = 204, description = "Deleted"), openapi::ChatbotDeleteErrors)
)]
pub async fn delete(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    who: Who,
    PathId(id): PathId,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    admins_only(&principal)?;
    state
        .store
        .update_audited(&who, |document| {
            let current = chatbot(document, &id)?;
            check_if_match(&headers, current.revision)?;
            if let Some(used) = named_as_site_chat(document, &id) {
                return Err(
                    ApiError::refused(ApiCode::ChatbotInUse, in_use_message(&used))
                        .with_param("sites", used.site_settings.clone())
                        .with_param("instance", used.instance),
                );
            }
            let name = current.settings.name.clone();
            document.chatbots.remove(&id);
            let audit = AuditRecord::success(AuditAction::ChatbotDelete, Some(id.clone()))
                .param("name", name);
            Ok::<_, ApiError>(((), audit))
        })
        .await?;
    let (images, deliveries) = (
        state.images.clone(),
        std::sync::Arc::clone(state.webhooks.deliveries()),
    );
    let bot = id.clone();
    let _ = tokio::task::spawn_blocking(move || {
        images.remove_bot(&bot);
        deliveries.remove_bot(&bot)
    })
    .await;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    post, path = "/chatbots/{id}/regenerate", tag = "chatbots",
    operation_id = "regenerate_chatbot_secret",
    summary = "Replace one of a chatbot's secrets",
    description = "The old value stops working at once; the answer's `issued` holds the new one, this once.",
    params(("id" = String, Path, example = "k3v9q2xm7d1a", description = "The chatbot's id")),
    request_body = wire::Regenerate,
    security(("session" = [], "csrf_token" = [])),
    responses((status = 200, description = "OK", body = wire::Chatbot), openapi::ChatbotRegenerateErrors)
)]
pub async fn regenerate(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    who: Who,
    PathId(id): PathId,
    JsonBody(body): JsonBody,
) -> Result<impl IntoResponse, ApiError> {
    admins_only(&principal)?;
    let which = regenerate_from_json(&body).map_err(ApiError::Validation)?;
    let (record, issued) = state
        .store
        .update_audited(&who, |document| {
            chatbot(document, &id)?;
            let revision = document.next_revision();
            let Some(record) = document.chatbots.get_mut(&id) else {
                return Err(unknown_chatbot(&id));
            };
            let now = now_rfc3339();
            let mut issued = wire::IssuedSecrets::default();
            let (name, in_use) = match which {
                BotSecret::ApiKey => ("api_key", record.api_key.is_some()),
                BotSecret::WebhookToken => ("webhook_token", record.webhook_token.is_some()),
                BotSecret::WebhookSecret => ("webhook_secret", record.webhook_secret.is_some()),
            };
            if !in_use {
                return Err(ApiError::refused(
                    ApiCode::SecretNotInUse,
                    format!("the bot has no {name}: turn on what uses it first"),
                )
                .with_param("secret", name));
            }
            match which {
                BotSecret::ApiKey => {
                    let key = secrets::bot_key();
                    record.api_key = Some(HashedSecret {
                        prefix: key.prefix,
                        hash: key.hash,
                        set_at: now.clone(),
                        last_used_at: None,
                    });
                    issued.api_key = Some(key.key);
                }
                BotSecret::WebhookToken => {
                    let token = secrets::webhook_token();
                    record.webhook_token = Some(StoredSecret::new(token.clone(), now.clone()));
                    issued.webhook_token = Some(token);
                }
                BotSecret::WebhookSecret => {
                    let secret = secrets::webhook_secret();
                    record.webhook_secret = Some(StoredSecret::new(secret.clone(), now.clone()));
                    issued.webhook_secret = Some(secret);
                }
            }
            record.revision = revision;
            record.updated_at = now;
            let audit = AuditRecord::success(AuditAction::ChatbotRegenerate, Some(id.clone()))
                .changed(vec![name.to_string()])
                .param("secret", name)
                .param("name", record.settings.name.clone());
            Ok::<_, ApiError>(((record.clone(), issued), audit))
        })
        .await?;
    Ok(respond(&state.store.snapshot().document, &record, issued))
}
