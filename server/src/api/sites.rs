//! `GET/POST /sites`, `GET/PUT/DELETE /sites/{id}`: the websites that embed the widget.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde_json::json;
use switchboard_core::messages::AuditAction;
use switchboard_core::site::Site;
use switchboard_core::wire;

use super::extract::{check_if_match, etag, JsonBody, PathId};
use super::openapi;
use super::{site, site_mut, ApiError};
use crate::state::AppState;
use crate::store::{audit::changed_fields, AuditRecord, SiteRecord, Who};

fn respond(record: &SiteRecord) -> impl IntoResponse {
    (
        [(header::ETAG, etag(record.revision))],
        Json(record.site.clone()),
    )
}

#[utoipa::path(
    get, path = "/sites", tag = "sites",
    operation_id = "list_sites",
    summary = "List sites",
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "OK", body = wire::SiteList), openapi::SignedInRead)
)]
pub async fn list(State(state): State<AppState>) -> impl IntoResponse {
    let snapshot = state.store.snapshot();
    let sites: Vec<Site> = snapshot
        .document
        .sites
        .values()
        .map(|record| record.site.clone())
        .collect();
    Json(wire::SiteList { sites })
}

#[utoipa::path(
    post, path = "/sites", tag = "sites",
    operation_id = "create_site",
    summary = "Create a site",
    request_body = Site,
    security(("api_key" = []), ("session" = [], "csrf_token" = [])),
    responses((status = 201, description = "Created", body = Site, headers(("ETag" = String, description = "The revision, for `If-Match`"), ("Location" = String, description = "The new site's URL"))), openapi::SiteCreateErrors)
)]
pub async fn create(
    State(state): State<AppState>,
    who: Who,
    JsonBody(body): JsonBody,
) -> Result<impl IntoResponse, ApiError> {
    let site = Site::create_from_json(&body).map_err(ApiError::Validation)?;
    let record = state
        .store
        .update_audited(&who, |document| {
            let conflicts = site.conflicts(document.sites.values().map(|r| &r.site), true);
            conflicts.into_result(()).map_err(ApiError::Conflict)?;
            let revision = document.next_revision();
            let record = SiteRecord {
                revision,
                site,
                click_to_chat: None,
                rules: None,
            };
            document
                .sites
                .insert(record.site.id.clone(), record.clone());
            let audit = AuditRecord::success(AuditAction::SiteCreate, Some(record.site.id.clone()))
                .changed(vec!["name".into(), "domains".into()]);
            Ok::<_, ApiError>((record, audit))
        })
        .await?;
    let location = HeaderValue::from_str(&format!("/api/v1/sites/{}", record.site.id))
        .map_err(|_| ApiError::unknown_site(&record.site.id))?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        respond(&record),
    ))
}

#[utoipa::path(
    get, path = "/sites/{id}", tag = "sites",
    operation_id = "get_site",
    summary = "Read a site",
    params(("id" = String, Path, example = "marketing-jp", description = "The site's id")),
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "OK", body = Site, headers(("ETag" = String, description = "The revision, for `If-Match`"))), openapi::SiteReadErrors)
)]
pub async fn get(
    State(state): State<AppState>,
    PathId(id): PathId,
) -> Result<impl IntoResponse, ApiError> {
    let snapshot = state.store.snapshot();
    let record = site(&snapshot.document, &id)?;
    Ok(respond(record))
}

#[utoipa::path(
    put, path = "/sites/{id}", tag = "sites",
    operation_id = "update_site",
    summary = "Change a site's name and domains",
    params(("id" = String, Path, example = "marketing-jp", description = "The site's id"), ("If-Match" = Option<String>, Header, description = "The revision (`ETag`) the change is based on; `*` or absent: any")),
    request_body = wire::SiteChange,
    security(("api_key" = []), ("session" = [], "csrf_token" = [])),
    responses((status = 200, description = "OK", body = Site, headers(("ETag" = String, description = "The revision, for `If-Match`"))), openapi::SiteUpdateErrors)
)]
pub async fn update(
    State(state): State<AppState>,
    who: Who,
    PathId(id): PathId,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<impl IntoResponse, ApiError> {
    let record = state
        .store
        .update_audited(&who, |document| {
            let current = site(document, &id)?;
            check_if_match(&headers, current.revision)?;
            let site = current
                .site
                .update_from_json(&body)
                .map_err(ApiError::Validation)?;
            let changed = changed_fields(&json!(current.site), &json!(site));
            let others = document
                .sites
                .values()
                .filter(|r| r.site.id != id)
                .map(|r| &r.site);
            site.conflicts(others, false)
                .into_result(())
                .map_err(ApiError::Conflict)?;
            let revision = document.next_revision();
            let record = site_mut(document, &id)?;
            record.site = site;
            record.revision = revision;
            Ok::<_, ApiError>((
                record.clone(),
                AuditRecord::success(AuditAction::SiteUpdate, Some(id.clone())).changed(changed),
            ))
        })
        .await?;
    Ok(respond(&record))
}

/// Removes the site and its Click to Chat settings. Irreversible.
#[utoipa::path(
    delete, path = "/sites/{id}", tag = "sites",
    operation_id = "delete_site",
    summary = "Delete a site",
    description = "With its Click to Chat settings. Irreversible.",
    params(("id" = String, Path, example = "marketing-jp", description = "The site's id"), ("If-Match" = Option<String>, Header, description = "The revision (`ETag`) the change is based on; `*` or absent: any")),
    security(("api_key" = []), ("session" = [], "csrf_token" = [])),
    responses((status = 204, description = "Deleted"), openapi::SiteDeleteErrors)
)]
pub async fn delete(
    State(state): State<AppState>,
    who: Who,
    PathId(id): PathId,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    state
        .store
        .update_audited(&who, |document| {
            let current = site(document, &id)?;
            check_if_match(&headers, current.revision)?;
            document.sites.remove(&id);
            Ok::<_, ApiError>((
                (),
                AuditRecord::success(AuditAction::SiteDelete, Some(id.clone())),
            ))
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
