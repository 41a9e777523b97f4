//! `GET /sites/{id}/csp`: the Content-Security-Policy directives a page of
//! this site needs for Switchboard's loader and the site's effective provider.

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::Json;

use switchboard_core::csp::host_page_policy;
use switchboard_core::errors::{ErrorCode, FieldError};
use switchboard_core::wire;

use super::extract::PathId;
use super::openapi;
use super::{site, ApiError};
use crate::state::AppState;
use crate::store::{site_rules, unix_now};

#[utoipa::path(
    get, path = "/sites/{id}/csp", tag = "sites",
    operation_id = "get_site_csp",
    summary = "The Content-Security-Policy a site needs",
    description = "The sources the site's pages must allow for Switchboard's loader and the provider's chat.",
    params(("id" = String, Path, example = "marketing-jp", description = "The site's id")),
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "OK", body = wire::Csp), openapi::SiteReadErrors)
)]
pub async fn get(
    State(state): State<AppState>,
    PathId(id): PathId,
    headers: HeaderMap,
) -> Result<Json<wire::Csp>, ApiError> {
    let snapshot = state.store.snapshot();
    let record = site(&snapshot.document, &id)?;
    let effective = snapshot.document.effective(record);
    let provider = effective.provider.filter(|_| effective.enabled());
    let origin = switchboard_origin(&state, &headers)?;
    let mut policy = host_page_policy(provider, &effective.account, &origin);
    // The chats display rules may load instead: a language's, the chatbot outside hours.
    if provider.is_some() {
        let rules = site_rules(
            &snapshot.document,
            state.store.calendars(),
            record,
            unix_now(),
        );
        for rules in rules.iter() {
            let languages = rules.languages.iter().map(|l| (l.provider, &l.account));
            let chatbot = rules
                .hours
                .iter()
                .filter_map(|h| h.chatbot.as_ref())
                .map(|c| (c.provider, &c.account));
            for (other, account) in languages.chain(chatbot) {
                policy.merge(host_page_policy(Some(other), account, &origin));
            }
        }
    }
    Ok(Json(wire::Csp {
        site: id,
        provider,
        policy: policy.header_value(),
        note: policy.note.to_string(),
        note_code: policy.note_code().to_string(),
        directives: policy
            .directives
            .into_iter()
            .map(|(name, sources)| (name.to_string(), sources))
            .collect(),
        switchboard_origin: origin,
    }))
}

/// Where pages load `widget.js` from: the configured public URL, else the
/// address this request came to.
fn switchboard_origin(state: &AppState, headers: &HeaderMap) -> Result<String, ApiError> {
    if let Some(origin) = &state.auth.config.public_origin {
        return Ok(origin.clone());
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let sane = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c));
    if !sane {
        return Err(ApiError::BadRequest(FieldError::new(
            "Host",
            ErrorCode::InvalidFormat,
            "cannot tell this server's address; start it with --public-url",
        )));
    }
    let https = state.auth.config.trust_forwarded_for
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    Ok(format!("{}://{host}", if https { "https" } else { "http" }))
}
