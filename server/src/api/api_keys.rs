//! `GET/POST /api-keys`, `PUT/DELETE /api-keys/{id}`: API access keys.
//! The whole key is in the response only when it is created or regenerated.
//! Keys cannot manage keys: a leaked key must not be able to mint others.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::{Extension, Json};

use switchboard_core::admin::{key_change_from_json, new_key_from_json};
use switchboard_core::errors::{ErrorCode, FieldErrors};
use switchboard_core::messages::{ApiCode, AuditAction};
use switchboard_core::wire;

use super::extract::{JsonBody, PathId};
use super::openapi;
use super::ApiError;
use crate::auth::{api_keys, Principal};
use crate::state::AppState;
use crate::store::{now_rfc3339, ApiKeyRecord, AuditRecord, Document, Who};

fn view(record: &ApiKeyRecord) -> wire::ApiKey {
    wire::ApiKey {
        id: record.id.clone(),
        name: record.name.clone(),
        prefix: record.prefix.clone(),
        created_at: record.created_at.clone(),
        created_by: record.created_by.clone(),
        last_used_at: record.last_used_at.clone(),
        regenerated_at: record.regenerated_at.clone(),
        key: None,
    }
}

fn with_key(record: &ApiKeyRecord, key: &str) -> wire::ApiKey {
    wire::ApiKey {
        key: Some(key.to_string()),
        ..view(record)
    }
}

fn users_only(principal: &Principal) -> Result<(), ApiError> {
    super::authn::signed_in_admin_only(
        principal,
        "API keys cannot manage API keys; sign in to the admin app",
    )
}

fn name_taken(document: &Document, name: &str, except: Option<&str>) -> Result<(), ApiError> {
    if document
        .api_keys
        .values()
        .any(|k| k.name == name && Some(k.id.as_str()) != except)
    {
        let mut errors = FieldErrors::default();
        errors.push(
            "name",
            ErrorCode::AlreadyTaken,
            format!("another key is already named {name:?}"),
        );
        return Err(ApiError::Conflict(errors));
    }
    Ok(())
}

fn unknown_key(id: &str) -> ApiError {
    ApiError::not_found(
        ApiCode::UnknownApiKey,
        format!("there is no API key {id:?}"),
    )
}

#[utoipa::path(
    get, path = "/api-keys", tag = "api-keys",
    operation_id = "list_api_keys",
    summary = "List API keys",
    description = "Without their secrets: only the prefix a key starts with.",
    security(("session" = [])),
    responses((status = 200, description = "OK", body = wire::ApiKeyList), openapi::SessionOnlyRead)
)]
pub async fn list(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Result<Json<wire::ApiKeyList>, ApiError> {
    users_only(&principal)?;
    let snapshot = state.store.snapshot();
    let mut keys: Vec<&ApiKeyRecord> = snapshot.document.api_keys.values().collect();
    keys.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.name.cmp(&b.name)));
    Ok(Json(wire::ApiKeyList {
        api_keys: keys.into_iter().map(view).collect(),
    }))
}

#[utoipa::path(
    post, path = "/api-keys", tag = "api-keys",
    operation_id = "create_api_key",
    summary = "Create an API key",
    description = "The answer holds the whole key in `key`, this once.",
    request_body = wire::NewApiKey,
    security(("session" = [], "csrf_token" = [])),
    responses((status = 201, description = "Created", body = wire::ApiKey, headers(("Location" = String, description = "The new key's URL"))), openapi::ApiKeyCreateErrors)
)]
pub async fn create(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    who: Who,
    JsonBody(body): JsonBody,
) -> Result<impl IntoResponse, ApiError> {
    users_only(&principal)?;
    let name = new_key_from_json(&body).map_err(ApiError::Validation)?;
    let key = api_keys::generate();
    let record = state
        .store
        .update_audited(&who, |document| {
            name_taken(document, &name, None)?;
            let mut id = api_keys::new_id();
            while document.api_keys.contains_key(&id) {
                id = api_keys::new_id();
            }
            let record = ApiKeyRecord {
                id: id.clone(),
                name,
                prefix: key.prefix.clone(),
                hash: key.hash.clone(),
                created_at: now_rfc3339(),
                created_by: who.actor.name.clone(),
                last_used_at: None,
                regenerated_at: None,
            };
            document.api_keys.insert(id.clone(), record.clone());
            let audit = AuditRecord::success(AuditAction::ApiKeyCreate, Some(id))
                .changed(vec!["name".into()])
                .param("name", record.name.clone());
            Ok::<_, ApiError>((record, audit))
        })
        .await?;
    let location = HeaderValue::from_str(&format!("/api/v1/api-keys/{}", record.id))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((
        StatusCode::CREATED,
        [
            (header::LOCATION, location),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        Json(with_key(&record, &key.key)),
    ))
}

/// Rename (`{"name": …}`) and/or regenerate (`{"regenerate": true}`). A
/// regenerated key's old value stops working at once.
#[utoipa::path(
    put, path = "/api-keys/{id}", tag = "api-keys",
    operation_id = "update_api_key",
    summary = "Rename or regenerate an API key",
    description = "A regenerated key's old value stops working at once; the answer holds the new one in `key`.",
    params(("id" = String, Path, description = "The API key's id")),
    request_body = wire::ApiKeyChange,
    security(("session" = [], "csrf_token" = [])),
    responses((status = 200, description = "OK", body = wire::ApiKey), openapi::ApiKeyUpdateErrors)
)]
pub async fn update(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    who: Who,
    PathId(id): PathId,
    JsonBody(body): JsonBody,
) -> Result<impl IntoResponse, ApiError> {
    users_only(&principal)?;
    let change = key_change_from_json(&body).map_err(ApiError::Validation)?;
    let fresh = change.regenerate.then(api_keys::generate);
    let record = state
        .store
        .update_audited(&who, |document| {
            if let Some(name) = &change.name {
                name_taken(document, name, Some(&id))?;
            }
            let record = document
                .api_keys
                .get_mut(&id)
                .ok_or_else(|| unknown_key(&id))?;
            let mut changed = Vec::new();
            if let Some(name) = &change.name {
                if *name != record.name {
                    record.name = name.clone();
                    changed.push("name".to_string());
                }
            }
            let action = if let Some(fresh) = &fresh {
                record.prefix = fresh.prefix.clone();
                record.hash = fresh.hash.clone();
                record.regenerated_at = Some(now_rfc3339());
                record.last_used_at = None;
                changed.push("key".to_string());
                AuditAction::ApiKeyRegenerate
            } else {
                AuditAction::ApiKeyRename
            };
            let audit = AuditRecord::success(action, Some(id.clone()))
                .changed(changed)
                .param("name", record.name.clone());
            Ok::<_, ApiError>((record.clone(), audit))
        })
        .await?;
    let body = match &fresh {
        Some(fresh) => with_key(&record, &fresh.key),
        None => view(&record),
    };
    Ok((
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        Json(body),
    ))
}

/// Deletes the key; it is refused from the next request on. Irreversible.
#[utoipa::path(
    delete, path = "/api-keys/{id}", tag = "api-keys",
    operation_id = "delete_api_key",
    summary = "Delete an API key",
    description = "Refused from the next request on. Irreversible.",
    params(("id" = String, Path, description = "The API key's id")),
    security(("session" = [], "csrf_token" = [])),
    responses((status = 204, description = "Deleted"), openapi::ApiKeyDeleteErrors)
)]
pub async fn delete(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    who: Who,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    users_only(&principal)?;
    state
        .store
        .update_audited(&who, |document| {
            let record = document
                .api_keys
                .remove(&id)
                .ok_or_else(|| unknown_key(&id))?;
            let mut audit = AuditRecord::success(AuditAction::ApiKeyDelete, Some(id.clone()))
                .param("name", record.name.clone());
            audit.code = Some(switchboard_core::messages::AuditCode::KeyNamed);
            audit.detail = Some(format!("key named {:?}", record.name));
            Ok::<_, ApiError>(((), audit))
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
