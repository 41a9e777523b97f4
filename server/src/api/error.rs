//! The one error type of the REST API. Every failure becomes JSON:
//!
//! ```json
//! {"error": {"status": 422, "code": "validation_failed", "message": "…",
//!            "fields": [{"field": "account.website_id", "code": "invalid_format", "message": "…"}]}}
//! ```

use axum::http::StatusCode;
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
    Storage(StoreError),
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
            Self::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this endpoint does not accept that HTTP method".into(),
            ),
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
        if let Self::Storage(error) = &self {
            tracing::error!(%error, "storage failure");
        }
        let body = json!({
            "error": { "status": status.as_u16(), "code": code, "message": message, "fields": self.fields() }
        });
        (status, Json(body)).into_response()
    }
}
