//! The signed-in admin's own account: `PUT /account/password` (change it,
//! which ends the admin's other sessions) and `DELETE /account/sessions`
//! (sign out everywhere). Sessions only: an API key has no password or session.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Extension;
use switchboard_core::admin::PasswordChange;
use switchboard_core::errors::{ErrorCode, FieldError, FieldErrors};
use switchboard_core::messages::{ApiCode, AuditAction, AuditCode};
use switchboard_core::wire;

use super::authn::{self, ClientIp};
use super::extract::JsonBody;
use super::openapi;
use super::session::check_stored_password;
use super::ApiError;
use crate::auth::{password, Principal};
use crate::state::AppState;
use crate::store::{AuditRecord, Who};

/// The signed-in admin and their session id, or 403 for an API key.
fn session_of(principal: Principal) -> Result<(String, String), ApiError> {
    match principal {
        Principal::Session {
            username,
            session_id,
            ..
        } => Ok((username, session_id)),
        Principal::ApiKey { .. } => Err(ApiError::forbidden(
            ApiCode::NotASession,
            "an API key has no password or session; sign in to the admin app",
        )),
    }
}

#[utoipa::path(
    put, path = "/account/password", tag = "account",
    operation_id = "change_password",
    summary = "Change my password",
    description = "The same rules as at setup. Ends the admin's other sessions; this one stays.",
    request_body = wire::PasswordChange,
    security(("session" = [], "csrf_token" = [])),
    responses((status = 204, description = "Changed"), openapi::PasswordChangeErrors)
)]
pub async fn change_password(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    ClientIp(ip): ClientIp,
    who: Who,
    body: Result<JsonBody, ApiError>,
) -> Result<impl IntoResponse, ApiError> {
    // An API key hears that it has no password before anything about the body.
    let (username, session_id) = session_of(principal)?;
    let JsonBody(body) = body?;
    let change = PasswordChange::from_json(&username, &body).map_err(ApiError::Validation)?;
    // A session in the wrong hands must not make unlimited guesses at the
    // password: the sign-in throttle counts these checks too.
    let address = ip.unwrap_or_default();
    let attempt = match state.auth.throttle.begin(&username, &address) {
        Ok(attempt) => attempt,
        Err(refused) => {
            let record = AuditRecord::failure(
                AuditAction::AccountPasswordChange,
                Some(username.clone()),
                AuditCode::TooManyAttempts,
                "too many wrong current passwords; the account waits",
            );
            state.store.record(&who, record).await;
            return Err(ApiError::TooManyRequests {
                retry_after: refused.retry_after,
            });
        }
    };
    let (right, verified, attempt) =
        check_stored_password(&state, &username, change.current_password, attempt).await?;
    if !right {
        // A session in the wrong hands guessing: the log shows it.
        let record = AuditRecord::failure(
            AuditAction::AccountPasswordChange,
            Some(username.clone()),
            AuditCode::WrongPassword,
            "the current password given was wrong",
        );
        state.store.record(&who, record).await;
        let mut errors = FieldErrors::default();
        errors.add(FieldError::new(
            "current_password",
            ErrorCode::WrongPassword,
            "this is not your current password",
        ));
        return Err(ApiError::Validation(errors));
    }
    state.auth.throttle.succeeded(attempt);
    let password_hash = password::hash(change.new_password)
        .await
        .map_err(|password::Busy| ApiError::Busy)?
        .map_err(ApiError::Internal)?;
    state
        .store
        .update_audited(&who, |document| {
            let admin = document.admins.get_mut(&username).ok_or_else(|| {
                ApiError::unauthenticated(ApiCode::SessionEnded, "your account no longer exists")
            })?;
            // Changed by another request since it was checked (two changes at
            // once): the current password given is no longer the current one.
            if Some(&admin.password_hash) != verified.as_ref() {
                let mut errors = FieldErrors::default();
                errors.add(FieldError::new(
                    "current_password",
                    ErrorCode::WrongPassword,
                    "the password was changed meanwhile; this is no longer your current password",
                ));
                return Err(ApiError::Validation(errors));
            }
            admin.password_hash = password_hash;
            Ok::<_, ApiError>((
                (),
                AuditRecord::success(AuditAction::AccountPasswordChange, Some(username.clone())),
            ))
        })
        .await?;
    // Whoever else had a session with the old password has it no longer.
    state
        .auth
        .sessions
        .remove_all_of(&username, Some(&session_id));
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    delete, path = "/account/sessions", tag = "account",
    operation_id = "sign_out_everywhere",
    summary = "Sign out everywhere",
    description = "Ends every session of this admin, this one included.",
    security(("session" = [], "csrf_token" = [])),
    responses((status = 204, description = "Every session ended; the cookie is cleared"), openapi::SessionOnlyChange)
)]
pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    who: Who,
) -> Result<impl IntoResponse, ApiError> {
    let (username, _) = session_of(principal)?;
    state.auth.sessions.remove_all_of(&username, None);
    state
        .store
        .record(
            &who,
            AuditRecord::success(AuditAction::SessionLogoutEverywhere, Some(username)),
        )
        .await;
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, authn::cleared_cookie(&state.auth))],
    ))
}
