//! Request parts the handlers share: a strictly-JSON body, revisions as ETags.

use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use bytes::Bytes;
use serde_json::Value;
use switchboard_core::errors::{ErrorCode, FieldError};

use super::error::ApiError;

/// Largest request body the API reads.
pub const BODY_LIMIT: usize = 64 * 1024;

/// A JSON request body, as a `Value` for the domain parsers. Only
/// `application/json` is read: forms and `text/plain` (what a cross-site form
/// can send without a preflight) are refused.
pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(request.headers()) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge { limit: BODY_LIMIT }
            } else {
                ApiError::InvalidJson(rejection.body_text())
            }
        })?;
        serde_json::from_slice(&bytes).map(JsonBody).map_err(|e| ApiError::InvalidJson(e.to_string()))
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(content_type) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mime = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// The ETag of a record at `revision`.
pub fn etag(revision: u64) -> HeaderValue {
    // Digits and quotes are always a valid header value.
    HeaderValue::from_str(&format!("\"{revision}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// Checks `If-Match` against the record's current revision (RFC 9110: strong
/// comparison; `*` matches any existing record). No header: no check.
pub fn check_if_match(headers: &HeaderMap, current: u64) -> Result<(), ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(());
    };
    let Ok(value) = value.to_str() else {
        return Err(ApiError::BadRequest(FieldError::new("If-Match", ErrorCode::InvalidFormat, "If-Match is not a valid header value")));
    };
    let current = format!("\"{current}\"");
    let matches = value.split(',').map(str::trim).any(|tag| tag == "*" || tag == current);
    if matches {
        Ok(())
    } else {
        Err(ApiError::PreconditionFailed)
    }
}
