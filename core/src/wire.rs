//! The REST API's answers as types: the server serializes these, and the
//! admin app's decoders are tested against the server's real answers (see
//! `tests/tests/wire_contract.rs`). One home for the shape of every body.
//!
//! Request bodies are not here: each is read by its validating parser in the
//! domain modules (`admin`, `settings`, `site`), which names every field it
//! refuses.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::account::Account;
use crate::catalog::ProviderId;
use crate::errors::{FieldError, FieldWarning};
use crate::messages::ApiCode;
use crate::resolution::{Inactive, Reason, Source};
use crate::settings::{ChatSettings, InstanceChatSettings, Strategy};
use crate::site::Site;

/// `GET /setup`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupStatus {
    pub needed: bool,
}

/// `POST /setup` and `POST /session`: the session the cookie names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub username: String,
    pub csrf_token: String,
}

/// `GET /session`: who the credentials belong to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WhoAmI {
    User {
        username: String,
        csrf_token: String,
    },
    ApiKey {
        api_key: KeyName,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyName {
    pub id: String,
    pub name: String,
}

/// An API key as listed; `key` (the whole secret) only in the answer that
/// created or regenerated it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub created_at: String,
    pub created_by: String,
    pub last_used_at: Option<String>,
    pub regenerated_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// `GET /api-keys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyList {
    pub api_keys: Vec<ApiKey>,
}

/// `GET /sites`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteList {
    pub sites: Vec<Site>,
}

/// `GET` and `PUT /instance/click-to-chat`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceSettings {
    pub settings: InstanceChatSettings,
    pub warnings: Vec<FieldWarning>,
}

/// `GET` and `PUT /sites/{id}/click-to-chat`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteSettings {
    pub settings: ChatSettings,
    /// The site has settings of its own (else these are the defaults).
    pub saved: bool,
    pub warnings: Vec<FieldWarning>,
}

/// A code with its English wording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explained<C> {
    pub code: C,
    pub message: String,
}

/// `GET /sites/{id}/click-to-chat/effective`: what applies, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Effective {
    pub site: String,
    pub enabled: bool,
    pub strategy: Strategy,
    pub source: Source,
    pub reason: Explained<Reason>,
    pub inactive: Option<Explained<Inactive>>,
    pub provider: Option<ProviderId>,
    /// Without secrets.
    pub account: Account,
    pub guest_users_allowed: bool,
}

/// `GET /sites/{id}/csp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Csp {
    pub site: String,
    pub provider: Option<ProviderId>,
    pub switchboard_origin: String,
    pub directives: BTreeMap<String, Vec<String>>,
    /// The directives as one header value.
    pub policy: String,
    pub note: String,
    /// `official` or `derived`.
    pub note_code: String,
}

/// `GET /audit`: one page, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditPage<Entry> {
    pub entries: Vec<Entry>,
    pub page: usize,
    pub per_page: usize,
    pub total: usize,
    pub pages: usize,
}

/// Every error answer: `{"error": {…}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub status: u16,
    pub code: ApiCode,
    /// English, for API users; the admin app words `code` and `params`.
    pub message: String,
    pub params: Map<String, Value>,
    /// At most 50; `params.more_fields` counts the rest.
    pub fields: Vec<FieldError>,
}
