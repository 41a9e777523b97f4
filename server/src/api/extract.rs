//! Request parts the handlers share: a strictly-JSON body, query and path
//! parameters whose rejections answer in the API's JSON error shape,
//! revisions as ETags.

use std::fmt;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use bytes::Bytes;
use headers::{ContentType, ETag, HeaderMapExt, IfMatch};
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};
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
        read_json(request, state, BODY_LIMIT).await.map(JsonBody)
    }
}

/// Largest rules body: an uploaded `.ics` travels inside it (512 KiB of
/// text, its line breaks escaped). Routes that take one raise axum's limit too.
pub const LARGE_BODY_LIMIT: usize = 1536 * 1024;

/// A [`JsonBody`] of up to [`LARGE_BODY_LIMIT`] bytes.
pub struct LargeJsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for LargeJsonBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        read_json(request, state, LARGE_BODY_LIMIT)
            .await
            .map(LargeJsonBody)
    }
}

async fn read_json<S: Send + Sync>(
    request: Request,
    state: &S,
    limit: usize,
) -> Result<Value, ApiError> {
    if !is_json(request.headers()) {
        return Err(ApiError::UnsupportedMediaType);
    }
    // A declared length over the limit is refused at once, rather than
    // after waiting for a body that may never come.
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let bytes = Bytes::from_request(request, state)
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge { limit }
            } else {
                ApiError::InvalidJson {
                    detail: rejection.body_text(),
                    line: 0,
                    column: 0,
                }
            }
        })?;
    parse_strict(&bytes)
}

/// Parses JSON, refusing an object with the same key twice (serde_json's
/// `Value` would silently keep the last one, so what was checked and what a
/// reader of the body sees could differ).
pub fn parse_strict(bytes: &[u8]) -> Result<Value, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let parsed = StrictValue::deserialize(&mut deserializer)
        .and_then(|StrictValue(value)| deserializer.end().map(|()| value));
    parsed.map_err(|e| ApiError::InvalidJson {
        detail: e.to_string(),
        line: e.line(),
        column: e.column(),
    })
}

struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            if map.contains_key(&key) {
                return Err(de::Error::custom(format_args!(
                    "the key {key:?} appears twice in one object"
                )));
            }
            let StrictValue(value) = access.next_value()?;
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }
}

/// Query parameters; a malformed or repeated one is a JSON `400`.
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryParams<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(query)
            .map(QueryParams)
            .map_err(|e| {
                ApiError::BadRequest(FieldError::new(
                    "query",
                    ErrorCode::InvalidFormat,
                    format!("the query string is not valid: {e}"),
                ))
            })
    }
}

/// The one `{id}` segment of a path; one that is not valid UTF-8 is a JSON `400`.
pub struct PathId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<String>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(id)) => Ok(PathId(id)),
            Err(rejection) => Err(ApiError::BadRequest(FieldError::new(
                "path",
                ErrorCode::InvalidFormat,
                format!("the path is not valid: {}", rejection.body_text()),
            ))),
        }
    }
}

/// Two `{…}` segments of a path (`/chatbots/{id}/deliveries/{delivery}`).
pub struct PathIds(pub String, pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathIds {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<(String, String)>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path((a, b))) => Ok(PathIds(a, b)),
            Err(rejection) => Err(ApiError::BadRequest(FieldError::new(
                "path",
                ErrorCode::InvalidFormat,
                format!("the path is not valid: {}", rejection.body_text()),
            ))),
        }
    }
}

/// One `Content-Type`, `application/json` (or a `+json` type), in UTF-8.
fn is_json(headers: &HeaderMap) -> bool {
    if headers
        .get_all(axum::http::header::CONTENT_TYPE)
        .iter()
        .count()
        != 1
    {
        return false;
    }
    let Some(content_type) = headers.typed_try_get::<ContentType>().ok().flatten() else {
        return false;
    };
    let mime = mime::Mime::from(content_type);
    let utf8 = mime
        .get_param(mime::CHARSET)
        .is_none_or(|charset| charset == mime::UTF_8);
    mime.type_() == mime::APPLICATION
        && (mime.subtype() == mime::JSON || mime.suffix() == Some(mime::JSON))
        && utf8
}

/// The ETag of a record at `revision`.
pub fn etag(revision: u64) -> HeaderValue {
    // Digits and quotes are always a valid header value.
    HeaderValue::from_str(&format!("\"{revision}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// Checks `If-Match` against the record's current revision (RFC 9110: strong
/// comparison; `*` matches any existing record). No header: no check.
pub fn check_if_match(headers: &HeaderMap, current: u64) -> Result<(), ApiError> {
    let malformed = || {
        ApiError::BadRequest(FieldError::new(
            "If-Match",
            ErrorCode::InvalidFormat,
            "If-Match must be * or a list of quoted revisions, as the ETag header gives them",
        ))
    };
    // The typed header skips entries it cannot read; a client that sent
    // garbage must hear so, not that someone else changed the record.
    let well_formed = headers
        .get_all(axum::http::header::IF_MATCH)
        .iter()
        .all(|value| value.to_str().is_ok_and(is_if_match_list));
    if !well_formed {
        return Err(malformed());
    }
    let if_match = headers
        .typed_try_get::<IfMatch>()
        .map_err(|_| malformed())?;
    let Some(if_match) = if_match else {
        return Ok(());
    };
    let current = format!("\"{current}\"")
        .parse::<ETag>()
        .map_err(|_| ApiError::PreconditionFailed)?;
    if if_match.precondition_passes(&current) {
        Ok(())
    } else {
        Err(ApiError::PreconditionFailed)
    }
}

/// `*` alone, or entity tags (`"3"`, `W/"3"`) separated by commas.
fn is_if_match_list(value: &str) -> bool {
    let value = value.trim();
    if value == "*" {
        return true;
    }
    !value.is_empty()
        && value.split(',').all(|tag| {
            let tag = tag.trim();
            let opaque = tag.strip_prefix("W/").unwrap_or(tag);
            opaque.len() >= 2
                && opaque.starts_with('"')
                && opaque.ends_with('"')
                && !opaque[1..opaque.len() - 1].contains('"')
        })
}

/// A long poll's `wait` (seconds, absent: 0), at most `max`; more is a `400`.
pub fn wait_seconds(wait: Option<u64>, max: u64) -> Result<u64, ApiError> {
    let wait = wait.unwrap_or(0);
    if wait > max {
        return Err(ApiError::BadRequest(
            FieldError::new(
                "wait",
                ErrorCode::InvalidChoice,
                format!("wait is 0 to {max} seconds"),
            )
            .with("max", max),
        ));
    }
    Ok(wait)
}

/// Three `{…}` segments of a path (`/chat/{bot}/conversations/{id}/messages/{message}/vote`).
pub struct PathIds3(pub String, pub String, pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathIds3 {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<(String, String, String)>::from_request_parts(parts, state)
            .await
        {
            Ok(axum::extract::Path((a, b, c))) => Ok(PathIds3(a, b, c)),
            Err(rejection) => Err(ApiError::BadRequest(FieldError::new(
                "path",
                ErrorCode::InvalidFormat,
                format!("the path is not valid: {}", rejection.body_text()),
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_is_a_star_or_quoted_tags() {
        for ok in ["*", "\"1\"", "W/\"1\"", "\"1\", \"2\"", " \"1\" "] {
            assert!(is_if_match_list(ok), "{ok}");
        }
        for bad in [
            "",
            "garbage",
            "1",
            "\"1",
            "foo, bar",
            "\"99\", *",
            "\"a\"b\"",
        ] {
            assert!(!is_if_match_list(bad), "{bad}");
        }
    }

    #[test]
    fn duplicate_keys_are_refused_with_their_position() {
        let error = parse_strict(b"{\"a\": 1,\n \"a\": 2}").expect_err("refused");
        let ApiError::InvalidJson { detail, line, .. } = error else {
            panic!("{error:?}")
        };
        assert!(detail.contains("appears twice"), "{detail}");
        assert_eq!(line, 2);
        assert!(
            parse_strict(b"{\"a\": {\"b\": 1, \"b\": 1}}").is_err(),
            "nested objects too"
        );
        assert_eq!(
            parse_strict(b"{\"a\": [1, {\"b\": null}], \"c\": 1.5}").ok(),
            Some(serde_json::json!({"a": [1, {"b": null}], "c": 1.5}))
        );
        assert!(parse_strict(b"{} x").is_err(), "trailing text");
    }
}
