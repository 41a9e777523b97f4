//! Who may use the admin API, checked in one place: [`require_auth`] wraps the
//! whole admin router. A request is let through with either
//!
//! - `Authorization: Bearer <API key>` (never in a URL), or
//! - the session cookie; then every state-changing request must also come
//!   from our own origin (`Origin` / `Sec-Fetch-Site`) and carry the
//!   session's CSRF token in `X-CSRF-Token`.
//!
//! The handler then finds a [`Principal`] in the request extensions.

pub mod api_keys;
pub mod login_audit;
pub mod password;
pub mod sessions;
pub mod throttle;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use rand_core::{OsRng, RngCore};
use subtle::ConstantTimeEq;

use switchboard_core::messages::ApiCode;

use crate::api::{ApiError, AppState};
use crate::store::{audit::ActorKind, now_rfc3339, Actor, Who};
use login_audit::LoginAudit;
use sessions::Sessions;
use throttle::LoginThrottle;

/// The header the admin app sends with the session's CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// A key's last use is written to the store at most this often.
const KEY_USE_PERSIST_EVERY: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// Cookies get `Secure` and the `__Host-` prefix (the server is behind https).
    pub secure_cookies: bool,
    /// The origin browsers use for the admin app (`https://chat.example.com`);
    /// when `None`, the request's own `Host` is the origin.
    pub public_origin: Option<String>,
    /// Take the client address from the last `X-Forwarded-For` entry.
    pub trust_forwarded_for: bool,
    pub session_idle: Duration,
    pub session_absolute: Duration,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            public_origin: None,
            trust_forwarded_for: false,
            session_idle: Duration::from_secs(30 * 60),
            session_absolute: Duration::from_secs(12 * 60 * 60),
        }
    }
}

pub struct Auth {
    pub config: AuthConfig,
    pub sessions: Sessions,
    pub throttle: LoginThrottle,
    pub login_audit: LoginAudit,
    /// When each key's last use was last written to the store.
    key_uses_persisted: Mutex<HashMap<String, Instant>>,
}

impl Auth {
    pub fn new(config: AuthConfig) -> Self {
        Self {
            sessions: Sessions::new(config.session_idle, config.session_absolute),
            config,
            throttle: LoginThrottle::default(),
            login_audit: LoginAudit::default(),
            key_uses_persisted: Mutex::new(HashMap::new()),
        }
    }

    pub fn cookie_name(&self) -> &'static str {
        if self.config.secure_cookies {
            "__Host-switchboard_session"
        } else {
            "switchboard_session"
        }
    }

    /// `Set-Cookie` for a new session.
    pub fn session_cookie(&self, id: &str) -> HeaderValue {
        let max_age = self.sessions.absolute().as_secs();
        self.cookie(&format!("{}={id}; Max-Age={max_age}", self.cookie_name()))
    }

    /// `Set-Cookie` that removes the session cookie.
    pub fn cleared_cookie(&self) -> HeaderValue {
        self.cookie(&format!("{}=; Max-Age=0", self.cookie_name()))
    }

    fn cookie(&self, start: &str) -> HeaderValue {
        let secure = if self.config.secure_cookies {
            "; Secure"
        } else {
            ""
        };
        HeaderValue::from_str(&format!(
            "{start}; Path=/; HttpOnly; SameSite=Strict{secure}"
        ))
        .unwrap_or(HeaderValue::from_static(""))
    }

    /// The session id in the request's cookie, if any.
    pub fn session_id<'a>(&self, headers: &'a HeaderMap) -> Option<&'a str> {
        let name = self.cookie_name();
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value)
    }

    /// Refuses a browser request that did not come from the admin app's own
    /// origin. With `require` false, a request with neither header (a script,
    /// not a browser) passes.
    pub fn check_same_origin(&self, headers: &HeaderMap, require: bool) -> Result<(), ApiError> {
        let cross = || {
            ApiError::forbidden(
                ApiCode::CrossOrigin,
                "this request did not come from the Switchboard admin app's own origin",
            )
        };
        let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
        if fetch_site.is_some_and(|site| site != "same-origin") {
            return Err(cross());
        }
        match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
            Some(origin) if self.is_own_origin(origin, headers) => Ok(()),
            Some(_) => Err(cross()),
            None if fetch_site.is_some() || !require => Ok(()),
            None => Err(cross()),
        }
    }

    /// With `--public-url`, exactly that origin. Without it, the scheme this
    /// server speaks (http; https only when a trusted proxy says so with
    /// `X-Forwarded-Proto`) and the request's own `Host`.
    fn is_own_origin(&self, origin: &str, headers: &HeaderMap) -> bool {
        match &self.config.public_origin {
            Some(public) => origin.eq_ignore_ascii_case(public),
            None => {
                let host = headers
                    .get(header::HOST)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default();
                let proxied_https = self.config.trust_forwarded_for
                    && headers
                        .get("x-forwarded-proto")
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"));
                let scheme = if proxied_https { "https://" } else { "http://" };
                let authority = origin
                    .get(..scheme.len())
                    .filter(|s| s.eq_ignore_ascii_case(scheme))
                    .map(|_| &origin[scheme.len()..]);
                !host.is_empty() && authority.is_some_and(|a| a.eq_ignore_ascii_case(host))
            }
        }
    }

    /// Writes the key's last use to the store, at most once a minute per key.
    async fn note_key_use(&self, state: &AppState, id: &str) {
        let now = Instant::now();
        {
            let mut persisted = match self.key_uses_persisted.lock() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            };
            if persisted
                .get(id)
                .is_some_and(|at| now.duration_since(*at) < KEY_USE_PERSIST_EVERY)
            {
                return;
            }
            persisted.insert(id.to_string(), now);
        }
        let stamp = now_rfc3339();
        let result = state
            .store
            .update(|document| {
                if let Some(key) = document.api_keys.get_mut(id) {
                    key.last_used_at = Some(stamp);
                }
                Ok::<_, crate::store::StoreError>(())
            })
            .await;
        if let Err(error) = result {
            tracing::warn!(%error, "could not record an API key's last use");
        }
    }
}

/// Random bytes, base64url without padding.
pub fn random_token(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buffer);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buffer)
}

/// Who a request acts as, once authenticated.
#[derive(Debug, Clone)]
pub enum Principal {
    Session {
        username: String,
        session_id: String,
        csrf_token: String,
    },
    ApiKey {
        id: String,
        name: String,
    },
}

impl Principal {
    pub fn actor(&self) -> Actor {
        match self {
            Self::Session { username, .. } => Actor::user(username),
            Self::ApiKey { id, name } => Actor {
                kind: ActorKind::ApiKey,
                name: name.clone(),
                key_id: Some(id.clone()),
            },
        }
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The one authentication layer around every admin route.
pub async fn require_auth(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let principal = authenticate(&state, request.method(), request.headers()).await?;
    request.extensions_mut().insert(principal);
    Ok(next.run(request).await)
}

async fn authenticate(
    state: &AppState,
    method: &Method,
    headers: &HeaderMap,
) -> Result<Principal, ApiError> {
    let auth = &state.auth;
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let key = value
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, key)| key.trim())
            .ok_or_else(|| {
                ApiError::unauthenticated(
                    ApiCode::MalformedAuthorization,
                    "send an API key as Authorization: Bearer <key>",
                )
            })?;
        let hash = api_keys::hash(key);
        let snapshot = state.store.snapshot();
        let record = snapshot
            .document
            .api_keys
            .values()
            .find(|record| api_keys::hashes_match(&record.hash, &hash))
            .ok_or_else(|| {
                ApiError::unauthenticated(
                    ApiCode::InvalidApiKey,
                    "this API key is not valid; it may have been deleted or regenerated",
                )
            })?;
        let principal = Principal::ApiKey {
            id: record.id.clone(),
            name: record.name.clone(),
        };
        auth.note_key_use(state, &record.id).await;
        return Ok(principal);
    }
    let Some(session_id) = auth.session_id(headers) else {
        return Err(ApiError::unauthenticated(
            ApiCode::Unauthenticated,
            "sign in, or send an API key as Authorization: Bearer <key>",
        ));
    };
    let session = auth
        .sessions
        .touch(session_id)
        .filter(|s| {
            state
                .store
                .snapshot()
                .document
                .admins
                .contains_key(&s.username)
        })
        .ok_or_else(|| {
            ApiError::unauthenticated(
                ApiCode::SessionEnded,
                "your session has ended; sign in again",
            )
        })?;
    if !is_safe(method) {
        auth.check_same_origin(headers, true)?;
        let sent = headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !bool::from(sent.as_bytes().ct_eq(session.csrf_token.as_bytes())) {
            return Err(ApiError::forbidden(
                ApiCode::CsrfTokenMissing,
                format!("changes made with a session must carry the session's CSRF token in {CSRF_HEADER}"),
            ));
        }
    }
    Ok(Principal::Session {
        username: session.username,
        session_id: session_id.to_string(),
        csrf_token: session.csrf_token,
    })
}

/// The client's address: the TCP peer, or with `trust_forwarded_for` the
/// address the reverse proxy appended to `X-Forwarded-For` (only if it is an
/// IP address: anything else is ignored, so it never reaches the audit log
/// or the throttle's keys).
pub struct ClientIp(pub Option<String>);

/// The last `X-Forwarded-For` entry, if it is an IP address.
pub fn forwarded_address(headers: &HeaderMap) -> Option<IpAddr> {
    let last = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .rfind(|v| !v.is_empty())?;
    let bare = last
        .strip_prefix('[')
        .and_then(|v| v.split_once(']'))
        .map_or(last, |(inside, _)| inside);
    bare.parse::<IpAddr>()
        .ok()
        .or_else(|| last.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if state.auth.config.trust_forwarded_for {
            if let Some(forwarded) = forwarded_address(&parts.headers) {
                return Ok(Self(Some(forwarded.to_string())));
            }
        }
        let peer = ConnectInfo::<SocketAddr>::from_request_parts(parts, state)
            .await
            .ok();
        Ok(Self(peer.map(|ConnectInfo(addr)| addr.ip().to_string())))
    }
}

/// The authenticated actor and their address, for the audit log.
impl FromRequestParts<AppState> for Who {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Ok(ClientIp(ip)) = ClientIp::from_request_parts(parts, state).await;
        let principal = parts
            .extensions
            .get::<Principal>()
            .ok_or_else(|| ApiError::unauthenticated(ApiCode::Unauthenticated, "sign in first"))?;
        Ok(Who {
            actor: principal.actor(),
            ip,
        })
    }
}
