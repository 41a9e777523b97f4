//! Typed calls to the Switchboard REST API. Every function returns the
//! server's data or an [`ApiError`] the screens can show. Changes carry the
//! session's CSRF token; the session cookie goes along by itself.
//!
//! Answers are decoded by the `decode_*` readers below rather than a derived
//! `Deserialize` of `switchboard_core::wire`: each derived decoder costs the
//! wasm its own copy of serde's machinery. Measured on 2026-12-01 with
//! `cargo xtask size`, every reader replaced by `serde_json::from_value` into
//! its wire type: first screen 304.3 → 326.1 KB gzipped (+21.7 KB, over its
//! budget), the whole app 436.9 → 476.4 KB (+39.5 KB). Requests are encoded
//! with serde (one `Serialize` each is cheap). `tests/tests/wire_contract.rs`
//! runs every reader on the server's real answers and decodes the same
//! answers as their wire types, so the two cannot drift apart unnoticed.

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use switchboard_core::errors::FieldWarning;
use switchboard_core::settings::InstanceChatSettings;

pub mod chatbots;
pub mod conversations;

const API: &str = "/api/v1";

#[derive(Debug, Clone, PartialEq)]
pub struct FieldProblem {
    pub field: String,
    pub code: String,
    pub message: String,
    /// What the app's text for `code` needs (`{"max": 100}`).
    pub params: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// No answer at all (offline, server down).
    Network,
    /// An answer with an error: HTTP status, machine code, message, fields.
    Server {
        status: u16,
        code: String,
        message: String,
        params: Value,
        fields: Vec<FieldProblem>,
    },
}

impl ApiError {
    pub fn status(&self) -> u16 {
        match self {
            Self::Network => 0,
            Self::Server { status, .. } => *status,
        }
    }

    pub fn fields(&self) -> &[FieldProblem] {
        match self {
            Self::Network => &[],
            Self::Server { fields, .. } => fields,
        }
    }

    /// The machine code (`session_ended`, …; `network` when there was no answer).
    pub fn code(&self) -> &str {
        match self {
            Self::Network => "network",
            Self::Server { code, .. } => code,
        }
    }

    pub fn params(&self) -> &Value {
        match self {
            Self::Network => &Value::Null,
            Self::Server { params, .. } => params,
        }
    }

    /// The English message, for codes the app has no text for.
    pub fn message(&self) -> String {
        match self {
            Self::Network => "cannot reach the server".into(),
            Self::Server { message, .. } => message.clone(),
        }
    }

    /// What to tell the admin, in their language.
    pub fn text(&self, lang: crate::i18n::Lang) -> String {
        crate::i18n::error_text(lang, self)
    }
}

/// An answer the server sent that the app cannot read.
fn bad_answer(status: u16, message: String) -> ApiError {
    ApiError::Server {
        status,
        code: "bad_answer".into(),
        message,
        params: Value::Null,
        fields: Vec::new(),
    }
}

thread_local! {
    /// Told when the server says the session is gone (idle, too old, or the
    /// server restarted), so the app can offer to sign in again in place.
    static SESSION_LOST: std::cell::RefCell<Option<std::rc::Rc<dyn Fn()>>> = const { std::cell::RefCell::new(None) };
}

/// Sets what runs when an answer says the session has ended.
pub fn on_session_lost(hook: impl Fn() + 'static) {
    SESSION_LOST.with(|slot| *slot.borrow_mut() = Some(std::rc::Rc::new(hook)));
}

fn session_lost() {
    if let Some(hook) = SESSION_LOST.with(|slot| slot.borrow().clone()) {
        hook();
    }
}

/// An error answer (`wire::ErrorBody`) as the app holds it.
pub fn decode_error(status: u16, body: &Value) -> Option<ApiError> {
    let error = body.get("error")?;
    let problem = |f: &Value| {
        Some(FieldProblem {
            field: text(f, "field")?,
            code: text(f, "code")?,
            message: text(f, "message")?,
            params: f.get("params").cloned().unwrap_or(Value::Null),
        })
    };
    Some(ApiError::Server {
        status,
        code: text(error, "code")?,
        message: text(error, "message")?,
        params: error.get("params").cloned().unwrap_or(Value::Null),
        fields: error
            .get("fields")
            .and_then(Value::as_array)
            .map(|f| f.iter().filter_map(problem).collect())
            .unwrap_or_default(),
    })
}

async fn error_from(response: Response) -> ApiError {
    let status = response.status();
    let body = response.json::<Value>().await.ok();
    let error = body
        .as_ref()
        .and_then(|body| decode_error(status, body))
        .unwrap_or_else(|| bad_answer(status, format!("HTTP {status}")));
    if status == 401 && matches!(error.code(), "session_ended" | "unauthenticated") {
        session_lost();
    }
    error
}

/// A successful answer: the body and the record's revision (ETag), if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer<T> {
    pub body: T,
    pub etag: Option<String>,
}

async fn finish<T: DeserializeOwned>(
    request: Result<Response, gloo_net::Error>,
) -> Result<Answer<T>, ApiError> {
    let response = request.map_err(|_| ApiError::Network)?;
    if !response.ok() {
        return Err(error_from(response).await);
    }
    let etag = response.headers().get("etag");
    let body = response
        .json::<T>()
        .await
        .map_err(|e| bad_answer(response.status(), e.to_string()))?;
    Ok(Answer { body, etag })
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<Answer<T>, ApiError> {
    finish(Request::get(&format!("{API}{path}")).send().await).await
}

/// Reads an answer whose shape a hand-written decoder checks: every typed
/// `Deserialize` costs the admin app's wasm its own copy of serde_json's
/// parser, and most answers here are a handful of strings.
async fn get_decoded<T>(
    path: &str,
    decode: fn(&Value) -> Option<T>,
) -> Result<Answer<T>, ApiError> {
    let answer = get::<Value>(path).await?;
    decoded(answer, decode)
}

fn decoded<T>(
    answer: Answer<Value>,
    decode: fn(&Value) -> Option<T>,
) -> Result<Answer<T>, ApiError> {
    match decode(&answer.body) {
        Some(body) => Ok(Answer {
            body,
            etag: answer.etag,
        }),
        None => Err(bad_answer(200, "unexpected answer from the server".into())),
    }
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key)?.as_str().map(String::from)
}

fn optional_text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(String::from)
}

fn number(value: &Value, key: &str) -> Option<u64> {
    value.get(key)?.as_u64()
}

fn list<T>(value: &Value, key: &str, decode: fn(&Value) -> Option<T>) -> Option<Vec<T>> {
    value.get(key)?.as_array()?.iter().map(decode).collect()
}

/// A change: JSON body, CSRF token, optional `If-Match`.
async fn send<B: Serialize, T: DeserializeOwned>(
    builder: RequestBuilder,
    csrf: &str,
    if_match: Option<&str>,
    body: &B,
) -> Result<Answer<T>, ApiError> {
    let mut builder = builder.header("X-CSRF-Token", csrf);
    if let Some(etag) = if_match {
        builder = builder.header("If-Match", etag);
    }
    let request = builder.json(body).map_err(|_| ApiError::Network)?;
    finish(request.send().await).await
}

#[derive(Debug, Clone, PartialEq)]
pub struct SetupStatus {
    pub needed: bool,
}

pub fn decode_setup_status(v: &Value) -> Option<SetupStatus> {
    Some(SetupStatus {
        needed: v.get("needed")?.as_bool()?,
    })
}

pub async fn setup_status() -> Result<SetupStatus, ApiError> {
    get_decoded("/setup", decode_setup_status)
        .await
        .map(|a| a.body)
}

/// The signed-in admin, as the server sees them.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub username: String,
    pub csrf_token: String,
}

pub fn decode_session(v: &Value) -> Option<Session> {
    Some(Session {
        username: text(v, "username")?,
        csrf_token: text(v, "csrf_token")?,
    })
}

#[derive(Serialize)]
struct Credentials<'a> {
    username: &'a str,
    password: &'a str,
}

pub async fn create_first_admin(username: &str, password: &str) -> Result<Session, ApiError> {
    let request = Request::post(&format!("{API}/setup"))
        .json(&Credentials { username, password })
        .map_err(|_| ApiError::Network)?;
    decoded(finish(request.send().await).await?, decode_session).map(|a| a.body)
}

pub async fn sign_in(username: &str, password: &str) -> Result<Session, ApiError> {
    let request = Request::post(&format!("{API}/session"))
        .json(&Credentials { username, password })
        .map_err(|_| ApiError::Network)?;
    decoded(finish(request.send().await).await?, decode_session).map(|a| a.body)
}

/// The current session, or `Ok(None)` when not signed in.
pub async fn current_session() -> Result<Option<Session>, ApiError> {
    match get_decoded("/session", decode_session).await {
        Ok(answer) => Ok(Some(answer.body)),
        Err(error) if error.status() == 401 => Ok(None),
        Err(error) => Err(error),
    }
}

pub async fn sign_out(csrf: &str) -> Result<(), ApiError> {
    delete("/session", csrf).await
}

/// Ends every session of the signed-in admin, this one too.
pub async fn sign_out_everywhere(csrf: &str) -> Result<(), ApiError> {
    delete("/account/sessions", csrf).await
}

#[derive(Serialize)]
struct PasswordChange<'a> {
    current_password: &'a str,
    new_password: &'a str,
}

/// Changes the signed-in admin's password; their other sessions end.
pub async fn change_password(csrf: &str, current: &str, new: &str) -> Result<(), ApiError> {
    let body = PasswordChange {
        current_password: current,
        new_password: new,
    };
    let request = Request::put(&format!("{API}/account/password"))
        .header("X-CSRF-Token", csrf)
        .json(&body)
        .map_err(|_| ApiError::Network)?;
    let response = request.send().await.map_err(|_| ApiError::Network)?;
    if response.ok() {
        Ok(())
    } else {
        Err(error_from(response).await)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct InstanceSettings {
    pub settings: InstanceChatSettings,
    pub warnings: Vec<FieldWarning>,
}

/// Stored settings as the server sends them (already checked there). Read
/// by hand: a derived `Deserialize`, or the core's validating parser, would
/// each cost the wasm several KB (see `get_decoded`).
fn decode_chat(v: &Value) -> Option<ChatSettings> {
    let account = v.get("account")?.as_object()?;
    Some(ChatSettings {
        enabled: v.get("enabled")?.as_bool()?,
        provider: v
            .get("provider")
            .and_then(Value::as_str)
            .and_then(switchboard_core::catalog::ProviderId::parse),
        account: switchboard_core::account::Account::from_pairs(
            account
                .iter()
                .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?))),
        ),
        guest_users_allowed: v.get("guest_users_allowed")?.as_bool()?,
    })
}

fn decode_warnings(v: &Value) -> Vec<FieldWarning> {
    let warning = |w: &Value| {
        Some(FieldWarning {
            field: text(w, "field")?,
            code: text(w, "code")?,
            message: text(w, "message")?,
            params: w
                .get("params")
                .and_then(Value::as_object)
                .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
        })
    };
    v.get("warnings")
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(warning).collect())
        .unwrap_or_default()
}

pub fn decode_instance(v: &Value) -> Option<InstanceSettings> {
    let settings = v.get("settings")?;
    let chat = decode_chat(settings)?;
    let strategy = switchboard_core::settings::Strategy::parse(
        settings.get("site_settings_strategy")?.as_str()?,
    )?;
    let settings = InstanceChatSettings {
        enabled: chat.enabled,
        site_settings_strategy: strategy,
        provider: chat.provider,
        account: chat.account,
        guest_users_allowed: chat.guest_users_allowed,
    };
    Some(InstanceSettings {
        settings,
        warnings: decode_warnings(v),
    })
}

pub async fn instance_settings() -> Result<Answer<InstanceSettings>, ApiError> {
    get_decoded("/instance/click-to-chat", decode_instance).await
}

pub async fn save_instance_settings(
    csrf: &str,
    etag: Option<&str>,
    settings: &serde_json::Value,
) -> Result<Answer<InstanceSettings>, ApiError> {
    decoded(
        send(
            Request::put(&format!("{API}/instance/click-to-chat")),
            csrf,
            etag,
            settings,
        )
        .await?,
        decode_instance,
    )
}

// ---- Sites ----

use switchboard_core::settings::ChatSettings;
use switchboard_core::site::Site;

/// `wire::SiteList`.
pub fn decode_sites(v: &Value) -> Option<Vec<Site>> {
    list(v, "sites", decode_site)
}

pub fn decode_site(v: &Value) -> Option<Site> {
    Some(Site {
        id: text(v, "id")?,
        name: text(v, "name")?,
        domains: list(v, "domains", |d| d.as_str().map(String::from))?,
    })
}

/// The chatbots that may be a site's chat, `(id, name)`: the built-in
/// assistant's picker (decoding only what it shows).
pub async fn site_chatbots() -> Result<Vec<(String, String)>, ApiError> {
    fn decode(v: &Value) -> Option<Vec<(String, String)>> {
        let bots = v.get("chatbots")?.as_array()?;
        Some(
            bots.iter()
                .filter(|b| b["settings"]["site_chat"] == true)
                .filter_map(|b| Some((text(b, "id")?, text(&b["settings"], "name")?)))
                .collect(),
        )
    }
    get_decoded("/chatbots", decode).await.map(|a| a.body)
}

pub async fn sites() -> Result<Vec<Site>, ApiError> {
    get_decoded("/sites", decode_sites).await.map(|a| a.body)
}

pub async fn site(id: &str) -> Result<Answer<Site>, ApiError> {
    get_decoded(&format!("/sites/{}", encode(id)), decode_site).await
}

pub async fn create_site(csrf: &str, site: &Value) -> Result<Answer<Site>, ApiError> {
    decoded(
        send(Request::post(&format!("{API}/sites")), csrf, None, site).await?,
        decode_site,
    )
}

pub async fn update_site(
    csrf: &str,
    id: &str,
    etag: Option<&str>,
    site: &Value,
) -> Result<Answer<Site>, ApiError> {
    decoded(
        send(
            Request::put(&format!("{API}/sites/{}", encode(id))),
            csrf,
            etag,
            site,
        )
        .await?,
        decode_site,
    )
}

pub async fn delete_site(csrf: &str, id: &str) -> Result<(), ApiError> {
    delete(&format!("/sites/{}", encode(id)), csrf).await
}

/// `DELETE` with the CSRF token; the server answers 204.
async fn delete(path: &str, csrf: &str) -> Result<(), ApiError> {
    let response = Request::delete(&format!("{API}{path}"))
        .header("X-CSRF-Token", csrf)
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    if response.ok() {
        Ok(())
    } else {
        Err(error_from(response).await)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SiteSettings {
    pub settings: ChatSettings,
    pub saved: bool,
    pub warnings: Vec<FieldWarning>,
}

pub fn decode_site_settings(v: &Value) -> Option<SiteSettings> {
    Some(SiteSettings {
        settings: decode_chat(v.get("settings")?)?,
        saved: v.get("saved")?.as_bool()?,
        warnings: decode_warnings(v),
    })
}

pub async fn site_settings(id: &str) -> Result<Answer<SiteSettings>, ApiError> {
    get_decoded(
        &format!("/sites/{}/click-to-chat", encode(id)),
        decode_site_settings,
    )
    .await
}

pub async fn save_site_settings(
    csrf: &str,
    id: &str,
    etag: Option<&str>,
    settings: &serde_json::Value,
) -> Result<Answer<SiteSettings>, ApiError> {
    let url = format!("{API}/sites/{}/click-to-chat", encode(id));
    decoded(
        send(Request::put(&url), csrf, etag, settings).await?,
        decode_site_settings,
    )
}

#[derive(Debug, Clone, PartialEq)]
pub struct Explained {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Effective {
    pub enabled: bool,
    pub strategy: switchboard_core::settings::Strategy,
    pub source: String,
    pub reason: Explained,
    pub inactive: Option<Explained>,
    pub provider: Option<switchboard_core::catalog::ProviderId>,
    pub guest_users_allowed: bool,
}

fn decode_explained(v: &Value) -> Option<Explained> {
    Some(Explained {
        code: text(v, "code")?,
        message: text(v, "message")?,
    })
}

pub fn decode_effective(v: &Value) -> Option<Effective> {
    Some(Effective {
        enabled: v.get("enabled")?.as_bool()?,
        strategy: switchboard_core::settings::Strategy::parse(v.get("strategy")?.as_str()?)?,
        source: text(v, "source")?,
        reason: decode_explained(v.get("reason")?)?,
        inactive: v.get("inactive").and_then(decode_explained),
        provider: v
            .get("provider")
            .and_then(Value::as_str)
            .and_then(switchboard_core::catalog::ProviderId::parse),
        guest_users_allowed: v.get("guest_users_allowed")?.as_bool()?,
    })
}

pub async fn effective(id: &str) -> Result<Effective, ApiError> {
    get_decoded(
        &format!("/sites/{}/click-to-chat/effective", encode(id)),
        decode_effective,
    )
    .await
    .map(|a| a.body)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Csp {
    pub policy: String,
    pub note: String,
    /// `official` or `derived`, worded by the app.
    pub note_code: String,
}

pub fn decode_csp(v: &Value) -> Option<Csp> {
    Some(Csp {
        policy: text(v, "policy")?,
        note: text(v, "note")?,
        note_code: text(v, "note_code").unwrap_or_default(),
    })
}

pub async fn csp(id: &str) -> Result<Csp, ApiError> {
    get_decoded(&format!("/sites/{}/csp", encode(id)), decode_csp)
        .await
        .map(|a| a.body)
}

/// Site ids are slugs, but ids typed into a URL bar are not.
fn encode(segment: &str) -> String {
    js_sys::encode_uri_component(segment).into()
}

// ---- API access keys ----

#[derive(Debug, Clone, PartialEq)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    /// The whole key: only in the answer that created or regenerated it.
    pub key: Option<String>,
}

/// `wire::ApiKeyList`.
pub fn decode_keys(v: &Value) -> Option<Vec<ApiKey>> {
    list(v, "api_keys", decode_key)
}

pub fn decode_key(v: &Value) -> Option<ApiKey> {
    Some(ApiKey {
        id: text(v, "id")?,
        name: text(v, "name")?,
        prefix: text(v, "prefix")?,
        created_at: text(v, "created_at")?,
        last_used_at: optional_text(v, "last_used_at"),
        key: optional_text(v, "key"),
    })
}

pub async fn api_keys() -> Result<Vec<ApiKey>, ApiError> {
    get_decoded("/api-keys", decode_keys).await.map(|a| a.body)
}

pub async fn create_api_key(csrf: &str, name: &str) -> Result<ApiKey, ApiError> {
    let answer = send(
        Request::post(&format!("{API}/api-keys")),
        csrf,
        None,
        &serde_json::json!({ "name": name }),
    )
    .await?;
    decoded(answer, decode_key).map(|a| a.body)
}

/// `{"name": …}` to rename, `{"regenerate": true}` for a new key.
pub async fn change_api_key(csrf: &str, id: &str, change: &Value) -> Result<ApiKey, ApiError> {
    decoded(
        send(
            Request::put(&format!("{API}/api-keys/{}", encode(id))),
            csrf,
            None,
            change,
        )
        .await?,
        decode_key,
    )
    .map(|a| a.body)
}

pub async fn delete_api_key(csrf: &str, id: &str) -> Result<(), ApiError> {
    delete(&format!("/api-keys/{}", encode(id)), csrf).await
}

// ---- Audit log ----

#[derive(Debug, Clone, PartialEq)]
pub struct Actor {
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub id: u64,
    pub at: String,
    pub actor: Actor,
    pub ip: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub changed: Vec<String>,
    pub outcome: String,
    /// Why (`wrong_password`, …), worded by the app; `detail` is the English.
    pub code: Option<String>,
    pub detail: Option<String>,
    /// The key's name for `api_key.*` entries (their target is the key's id).
    pub name: Option<String>,
    /// `(field, from, to)` of self-hosted script URLs that changed.
    pub origins: Vec<(String, String, String)>,
    pub params: Value,
}

pub fn decode_entry(v: &Value) -> Option<AuditEntry> {
    let actor = v.get("actor")?;
    Some(AuditEntry {
        id: number(v, "id")?,
        at: text(v, "at")?,
        actor: Actor {
            kind: text(actor, "kind")?,
            name: text(actor, "name")?,
        },
        ip: optional_text(v, "ip"),
        action: text(v, "action")?,
        target: optional_text(v, "target"),
        changed: v.get("changed").map_or(Some(Vec::new()), |c| {
            c.as_array().map(|c| {
                c.iter()
                    .filter_map(|f| f.as_str().map(String::from))
                    .collect()
            })
        })?,
        outcome: text(v, "outcome")?,
        code: optional_text(v, "code"),
        detail: optional_text(v, "detail"),
        name: v.get("params").and_then(|p| optional_text(p, "name")),
        origins: v
            .get("origins")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .map(|o| {
                        (
                            text(o, "field").unwrap_or_default(),
                            optional_text(o, "from").unwrap_or_default(),
                            optional_text(o, "to").unwrap_or_default(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        params: v.get("params").cloned().unwrap_or(Value::Null),
    })
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub page: usize,
    pub pages: usize,
    pub total: usize,
}

pub fn decode_audit_page(v: &Value) -> Option<AuditPage> {
    Some(AuditPage {
        entries: list(v, "entries", decode_entry)?,
        page: number(v, "page")? as usize,
        pages: number(v, "pages")? as usize,
        total: number(v, "total")? as usize,
    })
}

pub async fn audit(page: usize) -> Result<AuditPage, ApiError> {
    get_decoded(
        &format!("/audit?page={page}&per_page=25"),
        decode_audit_page,
    )
    .await
    .map(|a| a.body)
}
