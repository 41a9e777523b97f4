//! Who may use the admin API, checked in one place: [`require_auth`] wraps the
//! whole admin router. A request is let through with either
//!
//! - `Authorization: Bearer <API key>` (never in a URL), or
//! - the session cookie; then every state-changing request must also come
//!   from our own origin (`Origin` / `Sec-Fetch-Site`) and carry the
//!   session's CSRF token in `X-CSRF-Token`.
//!
//! The handler then finds a [`Principal`] in the request extensions. Here too:
//! the session cookie itself, and the extractors for the client's address and
//! the audit log's actor.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use headers::authorization::Bearer;
use headers::{Authorization, HeaderMapExt};
use subtle::ConstantTimeEq;

use switchboard_core::messages::ApiCode;

use super::ApiError;
use crate::auth::{api_keys, Auth, Principal};
use crate::state::AppState;
use crate::store::Who;

/// The header the admin app sends with the session's CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

fn cookie_name(auth: &Auth) -> &'static str {
    if auth.config.secure_cookies {
        "__Host-switchboard_session"
    } else {
        "switchboard_session"
    }
}

/// `Set-Cookie` for a new session.
pub fn session_cookie(auth: &Auth, id: &str) -> HeaderValue {
    let max_age = auth.sessions.absolute().as_secs();
    cookie(auth, id.to_string(), max_age)
}

/// `Set-Cookie` that removes the session cookie.
pub fn cleared_cookie(auth: &Auth) -> HeaderValue {
    cookie(auth, String::new(), 0)
}

fn cookie(auth: &Auth, value: String, max_age_seconds: u64) -> HeaderValue {
    let cookie = Cookie::build((cookie_name(auth), value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(auth.config.secure_cookies)
        .max_age(time::Duration::seconds(
            i64::try_from(max_age_seconds).unwrap_or(i64::MAX),
        ))
        .build();
    HeaderValue::from_str(&cookie.to_string()).unwrap_or(HeaderValue::from_static(""))
}

/// The session id in the request's cookie, if any.
pub fn session_id(auth: &Auth, headers: &HeaderMap) -> Option<String> {
    CookieJar::from_headers(headers)
        .get(cookie_name(auth))
        .map(|cookie| cookie.value().to_string())
}

/// Refuses a browser request that did not come from the admin app's own
/// origin. With `require` false, a request with neither header (a script,
/// not a browser) passes.
pub fn check_same_origin(auth: &Auth, headers: &HeaderMap, require: bool) -> Result<(), ApiError> {
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
        Some(origin) if is_own_origin(auth, origin, headers) => Ok(()),
        Some(_) => Err(cross()),
        None if fetch_site.is_some() || !require => Ok(()),
        None => Err(cross()),
    }
}

/// With `--public-url`, exactly that origin. Without it, the scheme this
/// server speaks (http; https only when a trusted proxy says so with
/// `X-Forwarded-Proto`) and the request's own `Host`.
fn is_own_origin(auth: &Auth, origin: &str, headers: &HeaderMap) -> bool {
    match &auth.config.public_origin {
        Some(public) => origin.eq_ignore_ascii_case(public),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let proxied_https = auth.config.trust_forwarded_for
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
    if headers.contains_key(header::AUTHORIZATION) {
        let hash = api_keys::hash(&bearer_token(headers)?);
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
        auth.note_key_use(&state.store, &record.id).await;
        return Ok(principal);
    }
    let Some(session_id) = session_id(auth, headers) else {
        return Err(ApiError::unauthenticated(
            ApiCode::Unauthenticated,
            "sign in, or send an API key as Authorization: Bearer <key>",
        ));
    };
    let session = auth
        .sessions
        .touch(&session_id)
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
        check_same_origin(auth, headers, true)?;
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
        session_id,
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

/// For what only a signed-in admin may do (manage keys and the secrets of
/// chatbots): an API key gets `403 api_key_not_allowed` with `message`.
pub fn signed_in_admin_only(principal: &Principal, message: &str) -> Result<(), ApiError> {
    match principal {
        Principal::Session { .. } => Ok(()),
        Principal::ApiKey { .. } => Err(ApiError::forbidden(ApiCode::ApiKeyNotAllowed, message)),
    }
}

/// The token of the one `Authorization: Bearer <token>` header (two are not
/// "the first one").
pub fn bearer_token(headers: &HeaderMap) -> Result<String, ApiError> {
    let one = headers.get_all(header::AUTHORIZATION).iter().count() == 1;
    one.then(|| {
        headers
            .typed_try_get::<Authorization<Bearer>>()
            .ok()
            .flatten()
    })
    .flatten()
    .map(|bearer| bearer.token().trim().to_string())
    .ok_or_else(|| {
        ApiError::unauthenticated(
            ApiCode::MalformedAuthorization,
            "send an API key as Authorization: Bearer <key>",
        )
    })
}
