//! `GET /widget/config?site=ID` or `?host=HOSTNAME`: what the widget loads for a
//! site. Public, identical for every visitor, answered from the precomputed
//! index in memory; cacheable by browsers and CDNs.

use axum::extract::{rejection::QueryRejection, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use switchboard_core::errors::{ErrorCode, FieldError};
use switchboard_core::public_config::PublicConfig;
use switchboard_core::site::normalize_domain;

use super::openapi;
use super::ApiError;
use crate::state::AppState;

/// Visitors see an admin's change within a minute.
const CACHE_FOUND: &str = "public, max-age=60";
/// Unknown sites are re-checked every time: the admin may be creating the site
/// right now, and a reload must then show the chat.
const CACHE_NOT_FOUND: &str = "no-cache";

#[derive(Debug, Deserialize)]
pub struct WidgetQuery {
    site: Option<String>,
    host: Option<String>,
}

#[utoipa::path(
    get, path = "/widget/config", tag = "widget",
    operation_id = "get_widget_config",
    summary = "What the widget loads for a site",
    description = "Public, from any origin, identical for every visitor and without secrets. Give exactly one of `site` or `host`.",
    params(
        ("site" = Option<String>, Query, example = "marketing-jp", description = "A site id"),
        ("host" = Option<String>, Query, description = "A host name (as `location.host` gives it, with or without port)"),
        ("If-None-Match" = Option<String>, Header, description = "An `ETag` from an earlier answer"),
    ),
    responses(
        (status = 200, description = "OK", body = PublicConfig, headers(("ETag" = String), ("Cache-Control" = String, description = "`public, max-age=60`"), ("Access-Control-Allow-Origin" = String))),
        (status = 304, description = "Unchanged since the `ETag` sent", headers(("ETag" = String), ("Cache-Control" = String))),
        openapi::WidgetConfigErrors,
    )
)]
pub async fn get(
    State(state): State<AppState>,
    query: Result<Query<WidgetQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let mut response = answer(&state, query.ok().map(|Query(q)| q), &headers);
    let response_headers = response.headers_mut();
    response_headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    if !response_headers.contains_key(header::CACHE_CONTROL) {
        response_headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(CACHE_NOT_FOUND),
        );
    }
    response
}

fn answer(state: &AppState, query: Option<WidgetQuery>, headers: &HeaderMap) -> Response {
    let snapshot = state.store.snapshot();
    let (entry, asked) =
        match query {
            Some(WidgetQuery {
                site: Some(site),
                host: None,
            }) => (snapshot.public.for_site(&site), site),
            Some(WidgetQuery {
                site: None,
                host: Some(host),
            }) => {
                // Accept what `location.host` gives (with a port) as well as a bare name.
                let name = host
                    .rsplit_once(':')
                    .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
                    .map_or(host.as_str(), |(name, _)| name);
                (
                    normalize_domain(name).and_then(|name| snapshot.public.for_host(&name)),
                    host,
                )
            }
            _ => return ApiError::BadRequest(FieldError::new(
                "site",
                ErrorCode::Required,
                "give exactly one of the query parameters site (a site id) or host (a host name)",
            ))
            .into_response(),
        };
    let Some(entry) = entry else {
        return ApiError::unknown_site(&asked).into_response();
    };
    let etag = HeaderValue::from_str(&entry.etag).unwrap_or(HeaderValue::from_static("\"\""));
    let cache = HeaderValue::from_static(CACHE_FOUND);
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == entry.etag || t == "*")
        });
    if fresh {
        return (
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag), (header::CACHE_CONTROL, cache)],
        )
            .into_response();
    }
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::ETAG, etag),
            (header::CACHE_CONTROL, cache),
        ],
        entry.body.clone(),
    )
        .into_response()
}
