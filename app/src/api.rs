//! Typed calls to the Switchboard server. Every function returns the server's
//! data or an [`ApiError`] the screens can show as is.

use serde::{de::DeserializeOwned, Deserialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The request never got an answer (offline, server down).
    Network(String),
    /// The server answered with an error status.
    Status(u16),
    /// The answer was not the JSON we expected.
    Decode(String),
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Network(e) => write!(f, "cannot reach the server: {e}"),
            Self::Status(code) => write!(f, "the server answered HTTP {code}"),
            Self::Decode(e) => write!(f, "unexpected answer from the server: {e}"),
        }
    }
}

async fn get_json<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    let response = gloo_net::http::Request::get(path)
        .send()
        .await
        .map_err(|e| ApiError::Network(e.to_string()))?;
    if !response.ok() {
        return Err(ApiError::Status(response.status()));
    }
    response.json().await.map_err(|e| ApiError::Decode(e.to_string()))
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Health {
    pub status: String,
    pub version: String,
}

pub async fn health() -> Result<Health, ApiError> {
    get_json("/healthz").await
}
