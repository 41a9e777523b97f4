//! `POST /session` (sign in), `GET /session` (who am I), `DELETE /session` (sign out).

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::{Extension, Json};

use switchboard_core::admin::login_from_json;
use switchboard_core::messages::{ApiCode, AuditAction, AuditCode};
use switchboard_core::wire;

use super::authn::{self, ClientIp};
use super::extract::JsonBody;
use super::openapi;
use super::ApiError;
use crate::auth::throttle::Attempt;
use crate::auth::{login_audit, password, Principal};
use crate::state::AppState;
use crate::store::{Actor, AuditRecord, Who};

/// Starts a session for `username`: the cookie and the body the app needs.
pub fn signed_in(state: &AppState, username: &str) -> (HeaderValue, wire::SignedIn) {
    let (id, session) = state.auth.sessions.create(username);
    let body = wire::SignedIn {
        username: username.to_string(),
        csrf_token: session.csrf_token,
    };
    (authn::session_cookie(&state.auth, &id), body)
}

/// Checks `password` against `username`'s stored hash, for an attempt the
/// throttle has counted; if the server is too busy to check, the attempt is
/// taken back. Also gives the hash it checked against.
pub async fn check_stored_password(
    state: &AppState,
    username: &str,
    password: String,
    attempt: Attempt,
) -> Result<(bool, Option<String>, Attempt), ApiError> {
    let stored = state
        .store
        .snapshot()
        .document
        .admins
        .get(username)
        .map(|a| a.password_hash.clone());
    match password::verify(password, stored.clone()).await {
        Ok(right) => Ok((right, stored, attempt)),
        Err(password::Busy) => {
            state.auth.throttle.cancel(attempt);
            Err(ApiError::Busy)
        }
    }
}

#[utoipa::path(
    post, path = "/session", tag = "session",
    operation_id = "sign_in",
    summary = "Sign in",
    description = "Starts an admin app session: sets the session cookie and gives the CSRF token that changes must send. Failed attempts are throttled per client address and audited.",
    request_body = wire::Credentials,
    responses((status = 200, description = "OK", body = wire::SignedIn, headers(("Set-Cookie" = String, description = "The session cookie (HttpOnly, SameSite=Strict)"))), openapi::LoginErrors)
)]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<impl IntoResponse, ApiError> {
    authn::check_same_origin(&state.auth, &headers, false)?;
    // Lengths are capped here, before the name reaches the throttle or the log.
    let (username, password) = login_from_json(&body).map_err(ApiError::Validation)?;
    let address = ip.clone().unwrap_or_default();
    let who = Who {
        actor: Actor::anonymous(&username),
        ip,
    };
    // Counted before the check, so simultaneous attempts get no more checks
    // than attempts one at a time.
    let attempt = match state.auth.throttle.begin(&username, &address) {
        Ok(attempt) => attempt,
        Err(refused) => {
            let decision = state.auth.login_audit.refused(&address);
            login_audit::record_summary(&state.store, decision.summary).await;
            return Err(ApiError::TooManyRequests {
                retry_after: refused.retry_after,
            });
        }
    };
    let (right, _, attempt) = check_stored_password(&state, &username, password, attempt).await?;
    if !right {
        let decision = state.auth.login_audit.failed(&address);
        login_audit::record_summary(&state.store, decision.summary).await;
        if decision.itemize {
            let record = AuditRecord::failure(
                AuditAction::SessionLogin,
                Some(username.clone()),
                AuditCode::WrongPassword,
                "wrong user name or password",
            );
            state.store.record(&who, record).await;
        }
        return Err(ApiError::unauthenticated(
            ApiCode::WrongPassword,
            "wrong user name or password",
        ));
    }
    state.auth.throttle.succeeded(attempt);
    // A session the browser already had is ended: every login gets a new id.
    if let Some(old) = authn::session_id(&state.auth, &headers) {
        state.auth.sessions.remove(&old);
    }
    let who = Who {
        actor: Actor::user(&username),
        ..who
    };
    state
        .store
        .record(
            &who,
            AuditRecord::success(AuditAction::SessionLogin, Some(username.clone())),
        )
        .await;
    let (cookie, body) = signed_in(&state, &username);
    Ok(([(header::SET_COOKIE, cookie)], Json(body)))
}

#[utoipa::path(
    get, path = "/session", tag = "session",
    operation_id = "who_am_i",
    summary = "Who am I",
    description = "Who the credentials belong to: a signed-in admin (with the session's CSRF token) or an API key.",
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "OK", body = wire::WhoAmI), openapi::SignedInRead)
)]
pub async fn whoami(Extension(principal): Extension<Principal>) -> Json<wire::WhoAmI> {
    Json(match principal {
        Principal::Session {
            username,
            csrf_token,
            ..
        } => wire::WhoAmI::User {
            username,
            csrf_token,
        },
        Principal::ApiKey { id, name } => wire::WhoAmI::ApiKey {
            api_key: wire::KeyName { id, name },
        },
    })
}

#[utoipa::path(
    delete, path = "/session", tag = "session",
    operation_id = "sign_out",
    summary = "Sign out",
    security(("session" = [], "csrf_token" = [])),
    responses((status = 204, description = "The session ended; the cookie is cleared", headers(("Set-Cookie" = String, description = "Clears the session cookie"))), openapi::SessionOnlyChange)
)]
pub async fn logout(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    who: Who,
) -> Result<impl IntoResponse, ApiError> {
    let Principal::Session {
        session_id,
        username,
        ..
    } = principal
    else {
        return Err(ApiError::forbidden(
            ApiCode::NotASession,
            "API keys have no session to end",
        ));
    };
    state.auth.sessions.remove(&session_id);
    state
        .store
        .record(
            &who,
            AuditRecord::success(AuditAction::SessionLogout, Some(username)),
        )
        .await;
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, authn::cleared_cookie(&state.auth))],
    ))
}
