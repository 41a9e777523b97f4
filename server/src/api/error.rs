//! The one error type of the REST API. Every failure becomes JSON:
//!
//! ```json
//! {"error": {"status": 422, "code": "validation_failed", "message": "…", "params": {},
//!            "fields": [{"field": "account.website_id", "code": "invalid_format", "message": "…", "params": {}}]}}
//! ```
//!
//! `code` (one of [`ApiCode`]) and `params` are what the admin app words in
//! the admin's language; `message` is English for API users.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{Map, Value};
use switchboard_core::errors::{FieldError, FieldErrors};
use switchboard_core::messages::ApiCode;
use switchboard_core::wire;

use crate::bots::model::ModelError;
use crate::egress::EgressError;
use crate::store::StoreError;

/// At most this many field errors are listed; `params.more_fields` counts the rest.
pub const MAX_LISTED_FIELDS: usize = 50;

#[derive(Debug)]
pub enum ApiError {
    /// The body is not JSON.
    InvalidJson {
        detail: String,
        line: usize,
        column: usize,
    },
    /// The body is not declared as `application/json`.
    UnsupportedMediaType,
    PayloadTooLarge {
        limit: usize,
    },
    /// A query parameter, path segment or header is missing or malformed.
    BadRequest(FieldError),
    /// Field values are refused; nothing was stored.
    Validation(FieldErrors),
    /// Values another record already uses.
    Conflict(FieldErrors),
    NotFound {
        code: ApiCode,
        message: String,
        params: Map<String, Value>,
    },
    /// `If-Match` names a revision that is no longer current.
    PreconditionFailed,
    MethodNotAllowed,
    /// No valid session or API key, or a wrong password.
    Unauthenticated {
        code: ApiCode,
        message: String,
    },
    /// Authenticated, but this request is not allowed (wrong origin, missing
    /// CSRF token, an API key managing API keys).
    Forbidden {
        code: ApiCode,
        message: String,
        fields: FieldErrors,
    },
    /// Too many failed logins; try again after the wait.
    TooManyRequests {
        retry_after: std::time::Duration,
    },
    /// Too many password checks running; try again in a moment.
    Busy,
    /// The request is fine but the state forbids it (e.g. setup already done).
    StateConflict {
        code: ApiCode,
        message: String,
    },
    /// Any other refusal with its own code and parameters (an image that
    /// is not one, a secret not in use, a model that did not answer).
    Refused {
        code: ApiCode,
        message: String,
        params: Map<String, Value>,
    },
    Storage(StoreError),
    /// Something on our side failed (e.g. hashing); details go to the log only.
    Internal(String),
}

impl ApiError {
    pub fn unknown_site(id: &str) -> Self {
        let mut params = Map::new();
        params.insert("site".into(), Value::from(id));
        Self::NotFound {
            code: ApiCode::UnknownSite,
            message: format!("there is no site {id:?}"),
            params,
        }
    }

    pub fn not_found(code: ApiCode, message: impl Into<String>) -> Self {
        Self::NotFound {
            code,
            message: message.into(),
            params: Map::new(),
        }
    }

    pub fn unauthenticated(code: ApiCode, message: impl Into<String>) -> Self {
        Self::Unauthenticated {
            code,
            message: message.into(),
        }
    }

    pub fn forbidden(code: ApiCode, message: impl Into<String>) -> Self {
        Self::Forbidden {
            code,
            message: message.into(),
            fields: FieldErrors::default(),
        }
    }

    pub fn refused(code: ApiCode, message: impl Into<String>) -> Self {
        Self::Refused {
            code,
            message: message.into(),
            params: Map::new(),
        }
    }

    /// Adds a parameter to a [`ApiError::Refused`] or [`ApiError::NotFound`].
    pub fn with_param(mut self, name: &str, value: impl Into<Value>) -> Self {
        if let Self::Refused { params, .. } | Self::NotFound { params, .. } = &mut self {
            params.insert(name.into(), value.into());
        }
        self
    }

    pub fn code(&self) -> ApiCode {
        self.parts().0
    }

    /// The status comes from the code ([`ApiCode::status`]), so the API's
    /// documentation and its answers cannot disagree.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn parts(&self) -> (ApiCode, String) {
        match self {
            Self::InvalidJson { detail, .. } => {
                (ApiCode::InvalidJson, format!("the request body is not valid JSON: {detail}"))
            }
            Self::UnsupportedMediaType => (ApiCode::UnsupportedMediaType,
                "send the body as JSON with Content-Type: application/json".into(),
            ),
            Self::PayloadTooLarge { limit } => {
                (ApiCode::PayloadTooLarge, format!("the request body is larger than {limit} bytes"))
            }
            Self::BadRequest(error) => (ApiCode::BadRequest, error.message.clone()),
            Self::Validation(_) => {
                (ApiCode::ValidationFailed, "some fields are not valid; nothing was saved".into())
            }
            Self::Conflict(_) => (ApiCode::Conflict, "some values are already in use; nothing was saved".into()),
            Self::NotFound { code, message, .. } => (*code, message.clone()),
            Self::PreconditionFailed => (ApiCode::PreconditionFailed,
                "this was changed by someone else since you loaded it; reload and apply your change again".into(),
            ),
            Self::Unauthenticated { code, message } => (*code, message.clone()),
            Self::Forbidden { code, message, .. } => (*code, message.clone()),
            Self::TooManyRequests { retry_after } => (ApiCode::TooManyAttempts,
                format!("too many failed sign-ins; try again in {}", wait_text(retry_seconds(*retry_after))),
            ),
            Self::Busy => (ApiCode::ServerBusy,
                "the server is checking too many passwords at once; try again in a moment".into(),
            ),
            Self::StateConflict { code, message } => (*code, message.clone()),
            Self::Refused { code, message, .. } => (*code, message.clone()),
            Self::MethodNotAllowed => {
                (ApiCode::MethodNotAllowed, "this endpoint does not accept that HTTP method".into())
            }
            Self::Internal(_) => {
                (ApiCode::InternalError, "something went wrong on the server; nothing was changed".into())
            }
            Self::Storage(_) => {
                (ApiCode::StorageError, "the change could not be stored; nothing was changed".into())
            }
        }
    }

    fn params(&self) -> Map<String, Value> {
        let mut params = Map::new();
        match self {
            Self::InvalidJson { line, column, .. } => {
                params.insert("line".into(), Value::from(*line));
                params.insert("column".into(), Value::from(*column));
            }
            Self::PayloadTooLarge { limit } => {
                params.insert("limit".into(), Value::from(*limit));
            }
            Self::TooManyRequests { retry_after } => {
                params.insert(
                    "retry_after".into(),
                    Value::from(retry_seconds(*retry_after)),
                );
            }
            Self::Busy => {
                params.insert("retry_after".into(), Value::from(1));
            }
            Self::NotFound { params: own, .. } | Self::Refused { params: own, .. } => {
                params.clone_from(own)
            }
            _ => {}
        }
        params
    }

    fn fields(&self) -> &[FieldError] {
        match self {
            Self::Validation(errors)
            | Self::Conflict(errors)
            | Self::Forbidden { fields: errors, .. } => &errors.0,
            Self::BadRequest(error) => std::slice::from_ref(error),
            _ => &[],
        }
    }
}

/// Whole seconds, rounded up: a client that waits this long is let in.
fn retry_seconds(wait: std::time::Duration) -> u64 {
    u64::try_from(wait.as_millis().div_ceil(1000))
        .unwrap_or(u64::MAX)
        .max(1)
}

/// "45 seconds", "3 minutes", "1 hour".
fn wait_text(seconds: u64) -> String {
    match seconds {
        0..=1 => "1 second".into(),
        2..=59 => format!("{seconds} seconds"),
        60 => "1 minute".into(),
        61..=3599 => format!("{} minutes", seconds.div_ceil(60)),
        3600 => "1 hour".into(),
        _ => format!("{} hours", seconds.div_ceil(3600)),
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::UnknownConversation(id) => {
                let mut params = Map::new();
                params.insert("conversation".into(), Value::from(id));
                Self::NotFound {
                    code: ApiCode::UnknownConversation,
                    message: "this conversation no longer exists".into(),
                    params,
                }
            }
            error => Self::Storage(error),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let (code, message) = self.parts();
        match &self {
            Self::Storage(error) => tracing::error!(%error, "storage failure"),
            Self::Internal(error) => tracing::error!(%error, "internal failure"),
            _ => {}
        }
        let all = self.fields();
        let mut params = self.params();
        if all.len() > MAX_LISTED_FIELDS {
            // A body of thousands of unknown keys must not get an answer
            // many times its size.
            params.insert(
                "more_fields".into(),
                Value::from(all.len() - MAX_LISTED_FIELDS),
            );
        }
        let listed = &all[..all.len().min(MAX_LISTED_FIELDS)];
        let body = wire::ErrorBody {
            error: wire::ErrorDetail {
                status: status.as_u16(),
                code,
                message,
                params,
                fields: listed.to_vec(),
            },
        };
        let mut response = (status, Json(body)).into_response();
        match &self {
            Self::TooManyRequests { retry_after } => {
                response.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(retry_seconds(*retry_after)),
                );
            }
            Self::Busy => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(1));
            }
            Self::Unauthenticated { .. } => {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"switchboard\""),
                );
            }
            _ => {}
        }
        response
    }
}

/// A model call's failure, as the API words it (also the `error` event of a
/// streamed answer).
impl From<ModelError> for ApiError {
    fn from(error: ModelError) -> Self {
        let message = error.to_string();
        let (code, detail, status) = match &error {
            ModelError::Unauthorized { status, message } => (
                ApiCode::ModelUnauthorized,
                Some(message.clone()),
                Some(*status),
            ),
            ModelError::NotFound { message } => {
                (ApiCode::ModelNotFound, Some(message.clone()), None)
            }
            ModelError::RateLimited { retry_after } => {
                let mut refused = ApiError::refused(ApiCode::ModelRateLimited, message);
                if let Some(seconds) = retry_after {
                    refused = refused.with_param("retry_after", *seconds);
                }
                return refused;
            }
            ModelError::QuotaExceeded { message } => {
                (ApiCode::ModelQuotaExceeded, Some(message.clone()), None)
            }
            ModelError::ContentFiltered => (ApiCode::ModelContentFiltered, None, None),
            ModelError::Rejected { status, message } => {
                (ApiCode::ModelRejected, Some(message.clone()), Some(*status))
            }
            ModelError::Unavailable { status, message } => (
                ApiCode::ModelUnavailable,
                Some(message.clone()),
                Some(*status),
            ),
            ModelError::BadAnswer(detail) => {
                (ApiCode::ModelUnavailable, Some(detail.clone()), None)
            }
            ModelError::Timeout => (ApiCode::ModelTimeout, None, None),
            ModelError::Egress(EgressError::NotAllowed { host, address }) => {
                return ApiError::refused(ApiCode::EgressRefused, message)
                    .with_param("host", host.clone())
                    .with_param("address", address.clone());
            }
            ModelError::Egress(EgressError::Timeout(_)) => (ApiCode::ModelTimeout, None, None),
            ModelError::Egress(other) => (ApiCode::ModelUnavailable, Some(other.to_string()), None),
        };
        let mut refused = ApiError::refused(code, message);
        if let Some(detail) = detail {
            refused = refused.with_param("detail", detail);
        }
        if let Some(status) = status {
            refused = refused.with_param("status", status);
        }
        refused
    }
}

impl ApiError {
    /// `{"code", "message", "params"}`, for an error told inside a stream.
    pub fn event_body(&self) -> Value {
        let (code, message) = self.parts();
        serde_json::json!({"code": code, "message": message, "params": self.params()})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_naturally() {
        assert_eq!(wait_text(1), "1 second");
        assert_eq!(wait_text(45), "45 seconds");
        assert_eq!(wait_text(60), "1 minute");
        assert_eq!(wait_text(61), "2 minutes");
        assert_eq!(wait_text(900), "15 minutes");
        assert_eq!(wait_text(3600), "1 hour");
        assert_eq!(wait_text(3601), "2 hours");
    }
}
