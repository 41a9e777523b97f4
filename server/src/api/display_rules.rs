//! Display rules, for the instance and for each site:
//! `GET/PUT …/click-to-chat/rules`, `POST …/rules/refresh` (fetch the
//! calendar feed now) and `GET …/rules/test` (would the chat show on this
//! page, at this time, and why).

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use switchboard_core::account::{account_warnings, Account};
use switchboard_core::catalog::ProviderId;
use switchboard_core::display_rules::{
    evaluate, normalize_path, rules_from_json, CalendarSource, Chat, DisplayRules, RuleChecks,
    Visit,
};
use switchboard_core::errors::{ErrorCode, FieldError, FieldErrors, FieldWarning};
use switchboard_core::hours::{open_between, parse_calendar, public_rules, time_zone};
use switchboard_core::messages::{AuditAction, AuditCode};
use switchboard_core::public_config::widget_account;
use switchboard_core::script_origin::script_origin_changes;
use switchboard_core::settings::{check_named_chatbot, ChatbotStatus};
use switchboard_core::wire;

use super::extract::{check_if_match, etag, LargeJsonBody, PathId, QueryParams};
use super::openapi;
use super::{script_origins, site, ApiError};
use crate::calendar_feeds;
use crate::state::AppState;
use crate::store::{
    audit::changed_fields, unix_now, AuditRecord, Document, OriginChange, Snapshot, Versioned, Who,
};
use std::sync::Arc;

/// The coming week, for the admin's preview.
const PREVIEW_SECONDS: i64 = 7 * 86_400;

/// Time zones and calendars, as the server reads them.
struct ServerChecks;

impl RuleChecks for ServerChecks {
    fn time_zone_known(&self, name: &str) -> bool {
        time_zone(name).is_some()
    }

    /// An upload must parse whole: an event that cannot be used is refused
    /// with its line (a feed, which the admin does not control, skips it).
    fn calendar_parses(&self, ics: &str) -> Result<(), String> {
        let calendar = parse_calendar(ics).map_err(|p| p.to_string())?;
        match calendar.skipped.first() {
            Some(problem) => Err(problem.to_string()),
            None => Ok(()),
        }
    }
}

/// Whose rules.
enum Scope {
    Instance,
    Site(String),
}

impl Scope {
    fn rules<'a>(&self, document: &'a Document) -> Option<&'a Versioned<DisplayRules>> {
        match self {
            Self::Instance => Some(&document.instance_rules).filter(|r| r.revision > 0),
            Self::Site(id) => document.sites.get(id).and_then(|r| r.rules.as_ref()),
        }
    }

    fn target(&self) -> Option<String> {
        match self {
            Self::Instance => None,
            Self::Site(id) => Some(id.clone()),
        }
    }

    fn action(&self) -> AuditAction {
        match self {
            Self::Instance => AuditAction::InstanceRulesUpdate,
            Self::Site(_) => AuditAction::SiteRulesUpdate,
        }
    }
}

fn calendar_source(rules: &DisplayRules) -> Option<&CalendarSource> {
    rules.hours.as_ref()?.calendar.as_ref()
}

/// The rules' view, computed off the async threads: a large calendar's
/// closures take a while the first time in a window.
async fn view(
    state: &AppState,
    saved: Option<&Versioned<DisplayRules>>,
    warnings: Vec<FieldWarning>,
) -> Response {
    let (state, saved) = (state.clone(), saved.cloned());
    tokio::task::spawn_blocking(move || view_now(&state, saved.as_ref(), warnings))
        .await
        .unwrap_or_else(|e| {
            ApiError::Internal(format!("the rules view failed: {e}")).into_response()
        })
}

fn view_now(
    state: &AppState,
    saved: Option<&Versioned<DisplayRules>>,
    mut warnings: Vec<FieldWarning>,
) -> Response {
    let rules = saved.map(|s| s.value.clone()).unwrap_or_default();
    let calendars = state.store.calendars();
    let source = calendar_source(&rules);
    let calendar = source.and_then(|s| calendars.calendar(s));
    let mut status = source.map(|s| calendars.status(s));
    if let (Some(status), Some(CalendarSource::Feed { url })) = (status.as_mut(), source) {
        status.next_refresh = calendars
            .last_attempt(url)
            .and_then(|(at, ok)| calendar_feeds::next_attempt(&at, ok))
            .and_then(|next| {
                next.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            });
        if status.last_success.is_none() {
            warnings.push(FieldWarning {
                field: "hours.calendar.url".into(),
                code: "calendar_not_read".into(),
                message: "the calendar feed has not been read yet: until it is, no closures apply"
                    .into(),
                params: Default::default(),
            });
        }
    }
    for (i, language) in rules.languages.iter().enumerate() {
        warnings.extend(account_warnings(
            language.provider.provider(),
            &language.account,
            &format!("languages[{i}].account"),
        ));
    }
    warnings.sort_by(|a, b| (&a.field, &a.code).cmp(&(&b.field, &b.code)));
    warnings.dedup_by(|a, b| a.field == b.field && a.code == b.code);
    let now = unix_now();
    let upcoming = rules
        .hours
        .as_ref()
        .map(|h| {
            open_between(h, calendar.as_deref(), now, now + PREVIEW_SECONDS)
                .into_iter()
                .map(|(s, e)| [s, e])
                .collect()
        })
        .unwrap_or_default();
    let body = wire::RulesView {
        rules,
        saved: saved.is_some(),
        calendar: status,
        upcoming,
        warnings,
    };
    (
        [(header::ETAG, etag(saved.map_or(0, |s| s.revision)))],
        Json(body),
    )
        .into_response()
}

#[utoipa::path(
    get, path = "/instance/click-to-chat/rules", tag = "click-to-chat",
    operation_id = "get_instance_rules",
    summary = "The instance's display rules",
    description = "Which pages, which hours, after what consent and how the chat loads, for every site that uses the instance settings. With the calendar's status and the open hours of the coming week.",
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "OK", body = wire::RulesView, headers(("ETag" = String, description = "The revision, for `If-Match`"))), openapi::SignedInRead)
)]
pub async fn get_instance(State(state): State<AppState>) -> Response {
    let snapshot = state.store.snapshot();
    view(
        &state,
        Scope::Instance.rules(&snapshot.document),
        Vec::new(),
    )
    .await
}

#[utoipa::path(
    get, path = "/sites/{id}/click-to-chat/rules", tag = "click-to-chat",
    operation_id = "get_site_rules",
    summary = "A site's own display rules",
    description = "They apply when the site's own settings do (see `effective`). `saved: false`: none yet.",
    params(("id" = String, Path, example = "marketing-jp", description = "The site's id")),
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "OK", body = wire::RulesView, headers(("ETag" = String, description = "The revision, for `If-Match`"))), openapi::SiteReadErrors)
)]
pub async fn get_site(
    State(state): State<AppState>,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    let snapshot = state.store.snapshot();
    site(&snapshot.document, &id)?;
    Ok(view(
        &state,
        Scope::Site(id).rules(&snapshot.document),
        Vec::new(),
    )
    .await)
}

#[utoipa::path(
    put, path = "/instance/click-to-chat/rules", tag = "click-to-chat",
    operation_id = "put_instance_rules",
    summary = "Change the instance's display rules",
    description = "Replaces them as a whole. An uploaded `.ics` travels in `hours.calendar.ics` (at most 512 KiB) and must parse whole; a feed URL is fetched at once, then every hour.",
    params(("If-Match" = Option<String>, Header, description = "The revision (`ETag`) the change is based on; `*` or absent: any")),
    request_body = DisplayRules,
    security(("api_key" = []), ("session" = [], "csrf_token" = [])),
    responses((status = 200, description = "OK", body = wire::RulesView, headers(("ETag" = String, description = "The revision, for `If-Match`"))), openapi::InstanceChangeErrors)
)]
pub async fn put_instance(
    State(state): State<AppState>,
    who: Who,
    headers: HeaderMap,
    LargeJsonBody(body): LargeJsonBody,
) -> Result<Response, ApiError> {
    put(state, who, Scope::Instance, headers, body).await
}

#[utoipa::path(
    put, path = "/sites/{id}/click-to-chat/rules", tag = "click-to-chat",
    operation_id = "put_site_rules",
    summary = "Change a site's own display rules",
    description = "Replaces them as a whole; see the instance's rules for the format.",
    params(("id" = String, Path, example = "marketing-jp", description = "The site's id"), ("If-Match" = Option<String>, Header, description = "The revision (`ETag`) the change is based on; `*` or absent: any")),
    request_body = DisplayRules,
    security(("api_key" = []), ("session" = [], "csrf_token" = [])),
    responses((status = 200, description = "OK", body = wire::RulesView, headers(("ETag" = String, description = "The revision, for `If-Match`"))), openapi::SiteChatChangeErrors)
)]
pub async fn put_site(
    State(state): State<AppState>,
    who: Who,
    PathId(id): PathId,
    headers: HeaderMap,
    LargeJsonBody(body): LargeJsonBody,
) -> Result<Response, ApiError> {
    put(state, who, Scope::Site(id), headers, body).await
}

async fn put(
    state: AppState,
    who: Who,
    scope: Scope,
    headers: HeaderMap,
    body: Value,
) -> Result<Response, ApiError> {
    if let Scope::Site(id) = &scope {
        // An unknown site is a 404 before anything its body holds.
        site(&state.store.snapshot().document, id)?;
    }
    let (rules, warnings) =
        tokio::task::spawn_blocking(move || rules_from_json(&body, &ServerChecks))
            .await
            .map_err(|e| ApiError::Internal(format!("the rules could not be checked: {e}")))?
            .map_err(ApiError::Validation)?;
    let action = scope.action();
    let saved = state
        .store
        .update_audited(&who, |document| {
            if let Scope::Site(id) = &scope {
                site(document, id)?;
            }
            check_chatbots(&rules, document)?;
            let current = scope.rules(document).cloned();
            check_if_match(&headers, current.as_ref().map_or(0, |c| c.revision))?;
            let before = current.map(|c| c.value).unwrap_or_default();
            let origins = language_origins(&who, &before, &rules)?;
            let changed = changed_fields(&json!(before), &json!(rules));
            let saved = Versioned {
                revision: document.next_revision(),
                value: rules,
            };
            match &scope {
                Scope::Instance => document.instance_rules = saved.clone(),
                Scope::Site(id) => {
                    if let Some(record) = document.sites.get_mut(id) {
                        record.rules = Some(saved.clone());
                    }
                }
            }
            check_uploads(document)?;
            let audit = AuditRecord::success(action, scope.target())
                .changed(changed)
                .origins(origins);
            Ok::<_, ApiError>((saved, audit))
        })
        .await;
    if let Err(error) = &saved {
        script_origins::record_refusal(&state.store, &who, action, scope.target(), error).await;
    }
    let saved = saved?;
    // A feed never read is read now, so the answer can say how it went.
    if let Some(CalendarSource::Feed { url }) = calendar_source(&saved.value) {
        if state.store.calendars().last_attempt(url).is_none() {
            let _ = calendar_feeds::fetch(&state, url).await;
            state.store.refresh_public().await;
        }
    }
    state.calendar_feeds.notify_one();
    Ok(view(&state, Some(&saved), warnings).await)
}

/// All uploaded calendars together stay small: they live in the settings
/// document, which every change rewrites.
pub const MAX_UPLOADS_BYTES: usize = 4 * 1024 * 1024;

fn check_uploads(document: &Document) -> Result<(), ApiError> {
    let total: usize = std::iter::once(&document.instance_rules.value)
        .chain(
            document
                .sites
                .values()
                .filter_map(|r| r.rules.as_ref().map(|v| &v.value)),
        )
        .filter_map(|rules| match calendar_source(rules) {
            Some(CalendarSource::File { ics, .. }) => Some(ics.len()),
            _ => None,
        })
        .sum();
    if total > MAX_UPLOADS_BYTES {
        return Err(ApiError::Validation(FieldErrors(vec![FieldError::new(
            "hours.calendar.ics",
            ErrorCode::TooLong,
            "the uploaded calendars of all sites together may be at most 4 MiB: use a feed URL instead",
        )
        .with("max", MAX_UPLOADS_BYTES)])));
    }
    Ok(())
}

/// Outside hours and language accounts may name only chatbots that may be a site's chat.
fn check_chatbots(rules: &DisplayRules, document: &Document) -> Result<(), ApiError> {
    let mut errors = FieldErrors::default();
    let status = |bot: &str| document.chatbot_status(bot);
    // The chatbot outside hours is checked as the built-in assistant's account would be.
    if let Some(bot) = rules.hours.as_ref().and_then(|h| h.chatbot.as_deref()) {
        let account = Account::from_pairs([("chatbot", bot)]);
        if let Err(found) = check_named_chatbot(Some(ProviderId::Switchboard), &account, status) {
            for mut error in found.0 {
                error.field = "hours.chatbot".into();
                errors.add(error);
            }
        }
    }
    for (i, language) in rules.languages.iter().enumerate() {
        if let Err(found) = check_named_chatbot(Some(language.provider), &language.account, status)
        {
            for mut error in found.0 {
                error.field = format!("languages[{i}].{}", error.field);
                errors.add(error);
            }
        }
    }
    errors.into_result(()).map_err(ApiError::Validation)
}

/// A language account may point at a self-hosted script origin only when a
/// signed-in admin says so, as the settings' own account.
fn language_origins(
    who: &Who,
    before: &DisplayRules,
    after: &DisplayRules,
) -> Result<Vec<OriginChange>, ApiError> {
    let mut changes = Vec::new();
    for (i, language) in after.languages.iter().enumerate() {
        let old = before.languages.iter().find(|l| l.lang == language.lang);
        let empty = Default::default();
        let (old_provider, old_account) =
            old.map_or((None, &empty), |l| (Some(l.provider), &l.account));
        for mut change in script_origin_changes(
            (old_provider, old_account),
            (Some(language.provider), &language.account),
        ) {
            change.field = format!("languages[{i}].{}", change.field);
            changes.push(change);
        }
    }
    script_origins::check(who, changes)
}

#[utoipa::path(
    post, path = "/instance/click-to-chat/rules/refresh", tag = "click-to-chat",
    operation_id = "refresh_instance_calendar",
    summary = "Read the instance rules' calendar feed now",
    description = "Answers with the rules and the feed's new status. A feed that fails keeps its last good copy in use.",
    security(("api_key" = []), ("session" = [], "csrf_token" = [])),
    responses((status = 200, description = "OK", body = wire::RulesView), openapi::RulesRefreshErrors)
)]
pub async fn refresh_instance(
    State(state): State<AppState>,
    who: Who,
) -> Result<Response, ApiError> {
    refresh(state, who, Scope::Instance).await
}

#[utoipa::path(
    post, path = "/sites/{id}/click-to-chat/rules/refresh", tag = "click-to-chat",
    operation_id = "refresh_site_calendar",
    summary = "Read a site's calendar feed now",
    params(("id" = String, Path, example = "marketing-jp", description = "The site's id")),
    security(("api_key" = []), ("session" = [], "csrf_token" = [])),
    responses((status = 200, description = "OK", body = wire::RulesView), openapi::RulesRefreshErrors)
)]
pub async fn refresh_site(
    State(state): State<AppState>,
    who: Who,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    site(&state.store.snapshot().document, &id)?;
    refresh(state, who, Scope::Site(id)).await
}

async fn refresh(state: AppState, who: Who, scope: Scope) -> Result<Response, ApiError> {
    let snapshot = state.store.snapshot();
    let saved = scope.rules(&snapshot.document);
    let Some(CalendarSource::Feed { url }) = saved.and_then(|s| calendar_source(&s.value)) else {
        return Err(ApiError::BadRequest(FieldError::new(
            "hours.calendar",
            ErrorCode::Required,
            "these rules have no calendar feed to read",
        )));
    };
    let outcome = calendar_feeds::fetch(&state, url).await;
    state.store.refresh_public().await;
    // The host only: a private calendar's URL is its secret.
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    let record = match &outcome {
        Ok(_) => AuditRecord::success(AuditAction::CalendarRefresh, scope.target()),
        Err(problem) => AuditRecord::failure(
            AuditAction::CalendarRefresh,
            scope.target(),
            AuditCode::CalendarUnreadable,
            format!(
                "the calendar feed could not be read: {}",
                problem.code.as_str()
            ),
        )
        .param("error", problem.code.as_str()),
    }
    .param("host", host);
    state.store.record(&who, record).await;
    Ok(view(&state, saved, Vec::new()).await)
}

/// `GET …/rules/test` query.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TestQuery {
    /// The page's path (`location.pathname`).
    #[param(example = "/help/faq")]
    path: String,
    /// The page's `<html lang>`.
    lang: Option<String>,
    /// When (RFC 3339); now if absent.
    at: Option<String>,
    /// `Switchboard.consent(true)` was called.
    consent: Option<bool>,
    /// The page's cookies as `document.cookie` gives them (`a=1; b=2`).
    cookies: Option<String>,
    /// The browser asks to save data.
    save_data: Option<bool>,
}

#[utoipa::path(
    get, path = "/instance/click-to-chat/rules/test", tag = "click-to-chat",
    operation_id = "test_instance_rules",
    summary = "Would the instance settings show the chat on this page?",
    params(TestQuery),
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "OK", body = wire::RuleTest), openapi::AuditErrors)
)]
pub async fn test_instance(
    State(state): State<AppState>,
    QueryParams(query): QueryParams<TestQuery>,
) -> Result<Json<wire::RuleTest>, ApiError> {
    let snapshot = state.store.snapshot();
    let document = &snapshot.document;
    let instance = &document.instance_click_to_chat.value;
    let chat = instance
        .provider
        .filter(|p| instance.enabled && p.provider().is_complete(&instance.account))
        .map(|provider| Chat {
            provider,
            account: widget_account(provider, &instance.account),
        });
    let rules = Scope::Instance.rules(document).cloned();
    off_thread(state.clone(), Arc::clone(&snapshot), chat, rules, query).await
}

#[utoipa::path(
    get, path = "/sites/{id}/click-to-chat/rules/test", tag = "click-to-chat",
    operation_id = "test_site_rules",
    summary = "Would this site show the chat on this page?",
    description = "With the settings and rules that apply to the site (see `effective`), as the widget would decide.",
    params(("id" = String, Path, example = "marketing-jp", description = "The site's id"), TestQuery),
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "OK", body = wire::RuleTest), openapi::SiteReadErrors)
)]
pub async fn test_site(
    State(state): State<AppState>,
    PathId(id): PathId,
    QueryParams(query): QueryParams<TestQuery>,
) -> Result<Json<wire::RuleTest>, ApiError> {
    let snapshot = state.store.snapshot();
    let document = &snapshot.document;
    let record = site(document, &id)?;
    let effective = document.effective(record);
    let chat = effective
        .provider
        .filter(|_| effective.enabled())
        .map(|provider| Chat {
            provider,
            account: widget_account(provider, &effective.account),
        });
    let rules = document.rules_for(record).1.cloned();
    off_thread(state.clone(), Arc::clone(&snapshot), chat, rules, query).await
}

/// [`test`] on a blocking thread: a large calendar's closures for an
/// arbitrary time are computed afresh.
async fn off_thread(
    state: AppState,
    snapshot: Arc<Snapshot>,
    chat: Option<Chat>,
    rules: Option<Versioned<DisplayRules>>,
    query: TestQuery,
) -> Result<Json<wire::RuleTest>, ApiError> {
    tokio::task::spawn_blocking(move || {
        test(&state, &snapshot.document, chat, rules.as_ref(), query)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("the rules test failed: {e}")))?
}

fn test(
    state: &AppState,
    document: &Document,
    chat: Option<Chat>,
    rules: Option<&Versioned<DisplayRules>>,
    query: TestQuery,
) -> Result<Json<wire::RuleTest>, ApiError> {
    let bad = |field: &str, message: &str| {
        ApiError::BadRequest(FieldError::new(field, ErrorCode::InvalidFormat, message))
    };
    if !query.path.starts_with('/') || query.path.len() > 2048 {
        return Err(bad(
            "path",
            "path is a page path starting with / (at most 2048 characters)",
        ));
    }
    let at = match &query.at {
        None => unix_now(),
        Some(text) => {
            time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                .map_err(|_| {
                    bad(
                        "at",
                        "at is a time in RFC 3339, such as 2026-12-02T09:00:00+09:00",
                    )
                })?
                .unix_timestamp()
        }
    };
    let cookie_text = query.cookies.unwrap_or_default();
    if cookie_text.len() > 8192 {
        return Err(bad("cookies", "cookies may be at most 8192 characters"));
    }
    let cookies: Vec<(&str, &str)> = cookie_text
        .split(';')
        .filter_map(|pair| pair.split_once('='))
        .map(|(name, value)| (name.trim(), value.trim()))
        .collect();
    let Some(default) = chat else {
        return Ok(Json(wire::RuleTest {
            shows: false,
            chat: None,
            loading: Default::default(),
            at,
            steps: vec![step(
                "chat_off",
                "These settings load no chat (turned off, or no provider and account).",
                Map::new(),
            )],
        }));
    };
    let rules = rules.map(|r| r.value.clone()).unwrap_or_default();
    let calendar = calendar_source(&rules).and_then(|s| state.store.calendars().calendar(s));
    let usable = |bot: &str| document.chatbot_status(bot) == ChatbotStatus::ForSites;
    // The hours from the hour before `at`, as the widget would have them.
    let public = public_rules(&rules, calendar.as_deref(), usable, at - 3600);
    let path = normalize_path(&query.path);
    let visit = Visit {
        path: &path,
        lang: query.lang.as_deref(),
        at,
        consent_given: query.consent.unwrap_or(false),
        cookies: &cookies,
        save_data: query.save_data.unwrap_or(false),
    };
    let verdict = evaluate(&default, &public, &visit);
    let steps = verdict
        .because
        .iter()
        .map(|because| {
            let mut params = match serde_json::to_value(because) {
                Ok(Value::Object(map)) => map,
                _ => Map::new(),
            };
            let code = params
                .remove("code")
                .and_then(|c| c.as_str().map(str::to_string))
                .unwrap_or_default();
            step(&code, &because.message(), params)
        })
        .collect();
    Ok(Json(wire::RuleTest {
        shows: verdict.chat.is_some(),
        chat: verdict.chat,
        loading: verdict.loading,
        at,
        steps,
    }))
}

fn step(code: &str, message: &str, params: Map<String, Value>) -> wire::RuleStep {
    wire::RuleStep {
        code: code.to_string(),
        message: message.to_string(),
        params,
    }
}
