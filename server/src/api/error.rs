//! The one error type of the REST API. Every failure becomes JSON:
//!
//! ```json
//! {"error": {"status": 422, "code": "validation_failed", "message": "…",
//!            "fields": [{"field": "account.website_id", "code": "invalid_format", "message": "…"}]}}
//! ```

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use switchboard_core::errors::{FieldError, FieldErrors};

use crate::store::StoreError;

#[derive(Debug)]
pub enum ApiError {
    /// The body is not JSON (message has line and column).
    InvalidJson(String),
    /// The body is not declared as `application/json`.
    UnsupportedMediaType,
    PayloadTooLarge { limit: usize },
    /// A query parameter or header is missing or malformed.
    BadRequest(FieldError),
    /// Field values are refused; nothing was stored.
    Validation(FieldErrors),
    /// Values another record already uses.
    Conflict(FieldErrors),
    NotFound { code: &'static str, message: String },
    /// `If-Match` names a revision that is no longer current.
    PreconditionFailed,
    MethodNotAllowed,
    /// No valid session or API key.
    Unauthenticated(String),
    /// Authenticated, but this request is not allowed (wrong origin, missing
    /// CSRF token, an API key managing API keys).
    Forbidden { code: &'static str, message: String },
    /// Too many failed logins; try again after the wait.
    TooManyRequests { retry_after: std::time::Duration },
    /// The request is fine but the state forbids it (e.g. setup already done).
    StateConflict { code: &'static str, message: String },
    Storage(StoreError),
    /// Something on our side failed (e.g. hashing); details go to the log only.
    Internal(String),
}

impl ApiError {
    pub fn unknown_site(id: &str) -> Self {
        Self::NotFound { code: "unknown_site", message: format!("there is no site {id:?}") }
    }

    fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            Self::InvalidJson(detail) => (StatusCode::BAD_REQUEST, "invalid_json", format!("the request body is not valid JSON: {detail}")),
            Self::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON with Content-Type: application/json".into(),
            ),
            Self::PayloadTooLarge { limit } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the request body is larger than {limit} bytes"),
            ),
            Self::BadRequest(error) => (StatusCode::BAD_REQUEST, "bad_request", error.message.clone()),
            Self::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "some fields are not valid; nothing was saved".into()),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict", "some values are already in use; nothing was saved".into()),
            Self::NotFound { code, message } => (StatusCode::NOT_FOUND, code, message.clone()),
            Self::PreconditionFailed => (
                StatusCode::PRECONDITION_FAILED,
                "precondition_failed",
                "this was changed by someone else since you loaded it; reload and apply your change again".into(),
            ),
            Self::Unauthenticated(message) => (StatusCode::UNAUTHORIZED, "unauthenticated", message.clone()),
            Self::Forbidden { code, message } => (StatusCode::FORBIDDEN, code, message.clone()),
            Self::TooManyRequests { retry_after } => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                format!("too many failed sign-ins; try again in {} minutes", retry_after.as_secs().div_ceil(60).max(1)),
            ),
            Self::StateConflict { code, message } => (StatusCode::CONFLICT, code, message.clone()),
            Self::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this endpoint does not accept that HTTP method".into(),
            ),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "something went wrong on the server; nothing was changed".into()),
            Self::Storage(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "storage_error",
                "the change could not be stored; nothing was changed".into(),
            ),
        }
    }

    fn fields(&self) -> &[FieldError] {
        match self {
            Self::Validation(errors) | Self::Conflict(errors) => &errors.0,
            Self::BadRequest(error) => std::slice::from_ref(error),
            _ => &[],
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        Self::Storage(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = self.parts();
        match &self {
            Self::Storage(error) => tracing::error!(%error, "storage failure"),
            Self::Internal(error) => tracing::error!(%error, "internal failure"),
            _ => {}
        }
        let body = json!({
            "error": { "status": status.as_u16(), "code": code, "message": message, "fields": self.fields() }
        });
        let mut response = (status, Json(body)).into_response();
        match &self {
            Self::TooManyRequests { retry_after } => {
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after.as_secs().max(1)));
            }
            Self::Unauthenticated(_) => {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"switchboard\""));
            }
            _ => {}
        }
        response
    }
}
