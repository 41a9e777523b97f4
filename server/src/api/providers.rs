//! `GET /providers`: the provider catalog, for the admin app's forms.

use axum::Json;
use serde_json::{json, Value};
use switchboard_core::catalog::catalog;

pub async fn list() -> Json<Value> {
    Json(json!({ "providers": catalog() }))
}
