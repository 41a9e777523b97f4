//! `GET/PUT /sites/{id}/click-to-chat` (a site's own settings) and
//! `GET /sites/{id}/click-to-chat/effective` (what applies, and why).

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::IntoResponse;
use axum::Json;
use serde_json::json;
use switchboard_core::messages::AuditAction;
use switchboard_core::settings::{check_named_chatbot, ChatSettings};
use switchboard_core::wire;

use super::extract::{check_if_match, etag, JsonBody, PathId};
use super::openapi;
use super::{script_origins, site, site_mut, ApiError};
use crate::state::AppState;
use crate::store::{
    audit::changed_fields, site_rules, unix_now, AuditRecord, SiteRecord, Versioned, Who,
};
use switchboard_core::script_origin::script_origin_changes;

/// The site's settings, or the defaults (revision 0) if none were saved.
fn respond(record: &SiteRecord) -> impl IntoResponse {
    let (revision, settings, saved) = match &record.click_to_chat {
        Some(saved) => (saved.revision, saved.value.clone(), true),
        None => (0, ChatSettings::default(), false),
    };
    let body = wire::SiteSettings {
        warnings: settings.warnings(),
        settings,
        saved,
    };
    ([(header::ETAG, etag(revision))], Json(body))
}

#[utoipa::path(
    get, path = "/sites/{id}/click-to-chat", tag = "click-to-chat",
    operation_id = "get_site_click_to_chat",
    summary = "A site's own Click to Chat settings",
    description = "`saved: false` (revision 0): the site has none yet, and these are the defaults.",
    params(("id" = String, Path, example = "marketing-jp", description = "The site's id")),
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "OK", body = wire::SiteSettings, headers(("ETag" = String, description = "The revision, for `If-Match`"))), openapi::SiteReadErrors)
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
    put, path = "/sites/{id}/click-to-chat", tag = "click-to-chat",
    operation_id = "put_site_click_to_chat",
    summary = "Change a site's own Click to Chat settings",
    description = "Replaces them as a whole. Whether they apply depends on the instance's strategy: see `effective`.",
    params(("id" = String, Path, example = "marketing-jp", description = "The site's id"), ("If-Match" = Option<String>, Header, description = "The revision (`ETag`) the change is based on; `*` or absent: any")),
    request_body = ChatSettings,
    security(("api_key" = []), ("session" = [], "csrf_token" = [])),
    responses((status = 200, description = "OK", body = wire::SiteSettings, headers(("ETag" = String, description = "The revision, for `If-Match`"))), openapi::SiteChatChangeErrors)
)]
pub async fn put(
    State(state): State<AppState>,
    who: Who,
    PathId(id): PathId,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<impl IntoResponse, ApiError> {
    let parsed = ChatSettings::from_json(&body).map_err(ApiError::Validation)?;
    let action = AuditAction::SiteClickToChatUpdate;
    let record = state
        .store
        .update_audited(&who, |document| {
            // An unknown site is a 404 before anything its body names.
            site(document, &id)?;
            check_named_chatbot(parsed.value.provider, &parsed.value.account, |bot| {
                document.chatbot_status(bot)
            })
            .map_err(ApiError::Validation)?;
            let revision = document.next_revision();
            let record = site_mut(document, &id)?;
            check_if_match(
                &headers,
                record
                    .click_to_chat
                    .as_ref()
                    .map_or(0, |saved| saved.revision),
            )?;
            let empty = ChatSettings::default();
            let current = record
                .click_to_chat
                .as_ref()
                .map_or(&empty, |saved| &saved.value);
            let origins = script_origins::check(
                &who,
                script_origin_changes(
                    (current.provider, &current.account),
                    (parsed.value.provider, &parsed.value.account),
                ),
            )?;
            let before = record
                .click_to_chat
                .as_ref()
                .map(|saved| json!(saved.value))
                .unwrap_or_else(|| json!({}));
            let changed = changed_fields(&before, &json!(parsed.value));
            record.click_to_chat = Some(Versioned {
                revision,
                value: parsed.value,
            });
            let audit = AuditRecord::success(action, Some(id.clone()))
                .changed(changed)
                .origins(origins);
            Ok::<_, ApiError>((record.clone(), audit))
        })
        .await;
    if let Err(error) = &record {
        script_origins::record_refusal(&state.store, &who, action, Some(id.clone()), error).await;
    }
    Ok(respond(&record?))
}

#[utoipa::path(
    get, path = "/sites/{id}/click-to-chat/effective", tag = "click-to-chat",
    operation_id = "get_effective_click_to_chat",
    summary = "What applies to a site, and why",
    params(("id" = String, Path, example = "marketing-jp", description = "The site's id")),
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "OK", body = wire::Effective), openapi::SiteReadErrors)
)]
pub async fn effective(
    State(state): State<AppState>,
    PathId(id): PathId,
) -> Result<Json<wire::Effective>, ApiError> {
    let snapshot = state.store.snapshot();
    let record = site(&snapshot.document, &id)?;
    let effective = snapshot.document.effective(record);
    let rules = site_rules(
        &snapshot.document,
        state.store.calendars(),
        record,
        unix_now(),
    );
    let account = effective
        .provider
        .map(|p| effective.account.without_secrets(p.provider()))
        .unwrap_or_default();
    Ok(Json(wire::Effective {
        site: id,
        enabled: effective.enabled(),
        strategy: effective.strategy,
        source: effective.source,
        reason: wire::Explained {
            code: effective.reason,
            message: effective.reason.message().to_string(),
        },
        inactive: effective.inactive.map(|i| wire::Explained {
            code: i,
            message: i.message().to_string(),
        }),
        provider: effective.provider,
        account,
        guest_users_allowed: effective.guest_users_allowed,
        rules: rules.clone().unwrap_or_default(),
        rules_saved: rules.is_some(),
    }))
}
