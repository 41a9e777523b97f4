//! `GET /audit?page=1&per_page=50`: the audit log, newest first.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use switchboard_core::errors::{ErrorCode, FieldError};
use switchboard_core::wire;

use super::extract::QueryParams;
use super::openapi;
use super::ApiError;
use crate::state::AppState;

const MAX_PER_PAGE: usize = 200;
/// Far beyond any real log (a billion entries at one per page), and the
/// same bound on every platform (the OpenAPI document states it).
const MAX_PAGE: usize = 1_000_000_000;

#[derive(Debug, Deserialize)]
pub struct Paging {
    page: Option<String>,
    per_page: Option<String>,
}

fn number(raw: Option<&str>, field: &str, default: usize, max: usize) -> Result<usize, ApiError> {
    let Some(raw) = raw else {
        return Ok(default);
    };
    match raw.parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(ApiError::BadRequest(
            FieldError::new(
                field,
                ErrorCode::InvalidFormat,
                format!("{field} must be a whole number from 1 to {max}"),
            )
            .with("max", max),
        )),
    }
}

#[utoipa::path(
    get, path = "/audit", tag = "audit",
    operation_id = "read_audit_log",
    summary = "Read the audit log",
    description = "Newest first. Entries name the fields that changed, never their values.",
    params(
        ("page" = Option<u64>, Query, minimum = 1, maximum = 1000000000, description = "From 1 (default 1)"),
        ("per_page" = Option<u64>, Query, minimum = 1, maximum = 200, description = "1 to 200 (default 50)"),
    ),
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "OK", body = wire::AuditPage<crate::store::AuditEntry>), openapi::AuditErrors)
)]
pub async fn list(
    State(state): State<AppState>,
    QueryParams(paging): QueryParams<Paging>,
) -> Result<Json<wire::AuditPage<crate::store::AuditEntry>>, ApiError> {
    let page = number(paging.page.as_deref(), "page", 1, MAX_PAGE)?;
    let per_page = number(paging.per_page.as_deref(), "per_page", 50, MAX_PER_PAGE)?;
    let (entries, total) = state
        .store
        .audit_page((page - 1) * per_page, per_page)
        .await?;
    Ok(Json(wire::AuditPage {
        entries,
        page,
        per_page,
        total,
        pages: total.div_ceil(per_page),
    }))
}
