//! What the store holds: one document, persisted as one JSON file.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use switchboard_core::resolution::{resolve, Effective};
use switchboard_core::settings::{ChatSettings, InstanceChatSettings};
use switchboard_core::site::Site;

use super::audit::AuditEntry;

/// Bumped when the layout changes incompatibly; a newer file is refused.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub schema_version: u32,
    /// The last revision handed out. Every write gives each record it changes
    /// a new, never reused revision, so an ETag never matches a different
    /// version of a record (even one deleted and created again).
    pub last_revision: u64,
    pub instance_click_to_chat: Versioned<InstanceChatSettings>,
    pub sites: BTreeMap<String, SiteRecord>,
    /// Admin accounts by user name.
    #[serde(default)]
    pub admins: BTreeMap<String, AdminRecord>,
    /// API access keys by id. Only a hash of each key is kept.
    #[serde(default)]
    pub api_keys: BTreeMap<String, ApiKeyRecord>,
    /// The audit entry of the last change, saved with it: if the process
    /// stops before the entry reaches the audit log, the next start writes it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audit_tail: Vec<AuditEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminRecord {
    pub username: String,
    /// Argon2id, PHC string format.
    pub password_hash: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKeyRecord {
    pub id: String,
    pub name: String,
    /// The first characters of the key, shown so people can tell keys apart.
    pub prefix: String,
    /// SHA-256 of the whole key, hex.
    pub hash: String,
    pub created_at: String,
    pub created_by: String,
    #[serde(default)]
    pub last_used_at: Option<String>,
    #[serde(default)]
    pub regenerated_at: Option<String>,
}

impl Default for Document {
    fn default() -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            last_revision: 0,
            instance_click_to_chat: Versioned {
                revision: 0,
                value: InstanceChatSettings::default(),
            },
            sites: BTreeMap::new(),
            admins: BTreeMap::new(),
            api_keys: BTreeMap::new(),
            audit_tail: Vec::new(),
        }
    }
}

impl Document {
    pub fn next_revision(&mut self) -> u64 {
        self.last_revision += 1;
        self.last_revision
    }

    /// The settings that apply to `record`, and why.
    pub fn effective(&self, record: &SiteRecord) -> Effective {
        resolve(
            &self.instance_click_to_chat.value,
            record.click_to_chat.as_ref().map(|v| &v.value),
        )
    }
}

/// A value with the revision of its last write (0: never written).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Versioned<T> {
    pub revision: u64,
    pub value: T,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteRecord {
    pub revision: u64,
    pub site: Site,
    /// `None` until the site's Click to Chat settings are first saved.
    pub click_to_chat: Option<Versioned<ChatSettings>>,
}
