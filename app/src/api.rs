//! Typed calls to the Switchboard REST API. Every function returns the
//! server's data or an [`ApiError`] the screens can show. Changes carry the
//! session's CSRF token; the session cookie goes along by itself.

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use switchboard_core::errors::FieldWarning;
use switchboard_core::settings::InstanceChatSettings;

const API: &str = "/api/v1";

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FieldProblem {
    pub field: String,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// No answer at all (offline, server down).
    Network,
    /// An answer with an error: HTTP status, machine code, message, fields.
    Server { status: u16, code: String, message: String, fields: Vec<FieldProblem> },
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

    pub fn message(&self) -> String {
        match self {
            Self::Network => "cannot reach the server".into(),
            Self::Server { message, .. } => message.clone(),
        }
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    code: String,
    message: String,
    #[serde(default)]
    fields: Vec<FieldProblem>,
}

async fn error_from(response: Response) -> ApiError {
    let status = response.status();
    match response.json::<ErrorBody>().await {
        Ok(body) => ApiError::Server { status, code: body.error.code, message: body.error.message, fields: body.error.fields },
        Err(_) => ApiError::Server { status, code: "http_error".into(), message: format!("HTTP {status}"), fields: Vec::new() },
    }
}

/// A successful answer: the body and the record's revision (ETag), if any.
pub struct Answer<T> {
    pub body: T,
    pub etag: Option<String>,
}

async fn finish<T: DeserializeOwned>(request: Result<Response, gloo_net::Error>) -> Result<Answer<T>, ApiError> {
    let response = request.map_err(|_| ApiError::Network)?;
    if !response.ok() {
        return Err(error_from(response).await);
    }
    let etag = response.headers().get("etag");
    let body = response.json::<T>().await.map_err(|e| ApiError::Server {
        status: response.status(),
        code: "bad_answer".into(),
        message: e.to_string(),
        fields: Vec::new(),
    })?;
    Ok(Answer { body, etag })
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<Answer<T>, ApiError> {
    finish(Request::get(&format!("{API}{path}")).send().await).await
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

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SetupStatus {
    pub needed: bool,
}

pub async fn setup_status() -> Result<SetupStatus, ApiError> {
    get("/setup").await.map(|a| a.body)
}

/// The signed-in admin, as the server sees them.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Session {
    pub username: String,
    pub csrf_token: String,
}

#[derive(Serialize)]
struct Credentials<'a> {
    username: &'a str,
    password: &'a str,
}

pub async fn create_first_admin(username: &str, password: &str) -> Result<Session, ApiError> {
    let request = Request::post(&format!("{API}/setup")).json(&Credentials { username, password }).map_err(|_| ApiError::Network)?;
    finish(request.send().await).await.map(|a| a.body)
}

pub async fn sign_in(username: &str, password: &str) -> Result<Session, ApiError> {
    let request = Request::post(&format!("{API}/session")).json(&Credentials { username, password }).map_err(|_| ApiError::Network)?;
    finish(request.send().await).await.map(|a| a.body)
}

/// The current session, or `Ok(None)` when not signed in.
pub async fn current_session() -> Result<Option<Session>, ApiError> {
    match get::<Session>("/session").await {
        Ok(answer) => Ok(Some(answer.body)),
        Err(error) if error.status() == 401 => Ok(None),
        Err(error) => Err(error),
    }
}

pub async fn sign_out(csrf: &str) -> Result<(), ApiError> {
    let response = Request::delete(&format!("{API}/session")).header("X-CSRF-Token", csrf).send().await.map_err(|_| ApiError::Network)?;
    if response.ok() {
        Ok(())
    } else {
        Err(error_from(response).await)
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct InstanceSettings {
    pub settings: InstanceChatSettings,
    #[serde(default)]
    pub warnings: Vec<FieldWarning>,
}

pub async fn instance_settings() -> Result<Answer<InstanceSettings>, ApiError> {
    get("/instance/click-to-chat").await
}

pub async fn save_instance_settings(
    csrf: &str,
    etag: Option<&str>,
    settings: &serde_json::Value,
) -> Result<Answer<InstanceSettings>, ApiError> {
    send(Request::put(&format!("{API}/instance/click-to-chat")), csrf, etag, settings).await
}

// ---- Sites ----

use switchboard_core::settings::ChatSettings;
use switchboard_core::site::Site;

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SiteList {
    pub sites: Vec<Site>,
}

pub async fn sites() -> Result<Vec<Site>, ApiError> {
    get::<SiteList>("/sites").await.map(|a| a.body.sites)
}

pub async fn site(id: &str) -> Result<Answer<Site>, ApiError> {
    get(&format!("/sites/{}", encode(id))).await
}

pub async fn create_site(csrf: &str, site: &serde_json::Value) -> Result<Answer<Site>, ApiError> {
    send(Request::post(&format!("{API}/sites")), csrf, None, site).await
}

pub async fn update_site(csrf: &str, id: &str, etag: Option<&str>, site: &serde_json::Value) -> Result<Answer<Site>, ApiError> {
    send(Request::put(&format!("{API}/sites/{}", encode(id))), csrf, etag, site).await
}

pub async fn delete_site(csrf: &str, id: &str) -> Result<(), ApiError> {
    let response = Request::delete(&format!("{API}/sites/{}", encode(id)))
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

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct SiteSettings {
    pub settings: ChatSettings,
    pub saved: bool,
    #[serde(default)]
    pub warnings: Vec<FieldWarning>,
}

pub async fn site_settings(id: &str) -> Result<Answer<SiteSettings>, ApiError> {
    get(&format!("/sites/{}/click-to-chat", encode(id))).await
}

pub async fn save_site_settings(csrf: &str, id: &str, etag: Option<&str>, settings: &serde_json::Value) -> Result<Answer<SiteSettings>, ApiError> {
    send(Request::put(&format!("{API}/sites/{}/click-to-chat", encode(id))), csrf, etag, settings).await
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Explained {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Effective {
    pub enabled: bool,
    pub strategy: switchboard_core::settings::Strategy,
    pub source: String,
    pub reason: Explained,
    pub inactive: Option<Explained>,
    pub provider: Option<switchboard_core::catalog::ProviderId>,
    pub guest_users_allowed: bool,
}

pub async fn effective(id: &str) -> Result<Effective, ApiError> {
    get(&format!("/sites/{}/click-to-chat/effective", encode(id))).await.map(|a| a.body)
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Csp {
    pub policy: String,
    pub note: String,
}

pub async fn csp(id: &str) -> Result<Csp, ApiError> {
    get(&format!("/sites/{}/csp", encode(id))).await.map(|a| a.body)
}

/// Site ids are slugs, but ids typed into a URL bar are not.
fn encode(segment: &str) -> String {
    js_sys::encode_uri_component(segment).into()
}
