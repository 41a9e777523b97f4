//! `GET /setup` (is a first admin needed?) and `POST /setup` (create it, once).
//! Both are reachable without signing in: on a fresh server nobody can.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde_json::{json, Value};
use switchboard_core::admin::NewAdmin;

use super::extract::JsonBody;
use super::session::signed_in;
use super::{ApiError, AppState};
use crate::auth::{password, ClientIp};
use crate::store::{now_rfc3339, Actor, AdminRecord, AuditRecord, Who};

pub async fn status(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "needed": state.store.snapshot().document.admins.is_empty() }))
}

/// Creates the first admin and signs them in.
pub async fn create(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<impl IntoResponse, ApiError> {
    state.auth.check_same_origin(&headers, false)?;
    if !state.store.snapshot().document.admins.is_empty() {
        return Err(already_set_up());
    }
    let admin = NewAdmin::from_json(&body).map_err(ApiError::Validation)?;
    let password_hash = password::hash(admin.password).await.map_err(ApiError::Internal)?;
    let who = Who { actor: Actor::anonymous(&admin.username), ip };
    let username = admin.username.clone();
    state
        .store
        .update_audited(&who, |document| {
            // Checked again under the write lock: two racing setups, one admin.
            if !document.admins.is_empty() {
                return Err(already_set_up());
            }
            let record = AdminRecord { username: username.clone(), password_hash, created_at: now_rfc3339() };
            document.admins.insert(username.clone(), record);
            Ok(((), AuditRecord::success("setup.create_admin", Some(username.clone()))))
        })
        .await?;
    let (cookie, body) = signed_in(&state, &admin.username);
    Ok((StatusCode::CREATED, [(header::SET_COOKIE, cookie)], Json(body)))
}

fn already_set_up() -> ApiError {
    ApiError::StateConflict { code: "already_set_up", message: "an admin already exists; sign in instead".into() }
}
