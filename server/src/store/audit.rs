//! The audit log: who changed what, when, from where. Append-only; never holds
//! a secret value, only the names of the fields that changed.

use std::collections::BTreeMap;
use switchboard_core::messages::AuditAction;

use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(utoipa::ToSchema, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    User,
    ApiKey,
    /// The server itself (e.g. the admin created from the environment).
    System,
    /// Someone not signed in (setup, failed logins).
    Anonymous,
}

/// Who is acting, as recorded.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub kind: ActorKind,
    /// User name, API key name, "system", or the user name tried at a login.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
}

impl Actor {
    pub fn user(name: &str) -> Self {
        Self {
            kind: ActorKind::User,
            name: name.to_string(),
            key_id: None,
        }
    }

    pub fn system() -> Self {
        Self {
            kind: ActorKind::System,
            name: "system".into(),
            key_id: None,
        }
    }

    pub fn anonymous(name: &str) -> Self {
        Self {
            kind: ActorKind::Anonymous,
            name: name.to_string(),
            key_id: None,
        }
    }
}

#[derive(utoipa::ToSchema, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Failure,
}

/// A field that decides which origin visitors' pages load script from
/// (a self-hosted base URL) changed: its old and new origin are recorded.
#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OriginChange {
    pub field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// What happened, before the log gives it an id and a time.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub action: AuditAction,
    pub target: Option<String>,
    /// Names of changed fields; never their values.
    pub changed: Vec<String>,
    pub origins: Vec<OriginChange>,
    pub outcome: Outcome,
    /// Why, as a code the admin app words in its language (`wrong_password`, …).
    pub code: Option<switchboard_core::messages::AuditCode>,
    pub params: BTreeMap<String, Value>,
    /// The same in English, short and secret-free (for API users and files).
    pub detail: Option<String>,
}

impl AuditRecord {
    pub fn success(action: AuditAction, target: impl Into<Option<String>>) -> Self {
        Self {
            action,
            target: target.into(),
            changed: Vec::new(),
            origins: Vec::new(),
            outcome: Outcome::Success,
            code: None,
            params: BTreeMap::new(),
            detail: None,
        }
    }

    pub fn failure(
        action: AuditAction,
        target: impl Into<Option<String>>,
        code: switchboard_core::messages::AuditCode,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            outcome: Outcome::Failure,
            code: Some(code),
            detail: Some(detail.into()),
            ..Self::success(action, target)
        }
    }

    pub fn changed(mut self, fields: Vec<String>) -> Self {
        self.changed = fields;
        self
    }

    pub fn origins(mut self, origins: Vec<OriginChange>) -> Self {
        self.origins = origins;
        self
    }

    pub fn param(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.params.insert(name.to_string(), value.into());
        self
    }
}

#[derive(utoipa::ToSchema, Debug, Clone, PartialEq, Serialize, Deserialize)]
#[schema(example = json!({"id": 42, "at": "2026-12-01T08:14:03Z", "actor": {"kind": "user", "name": "admin"}, "ip": "192.0.2.10", "action": "site.click_to_chat.update", "target": "marketing-jp", "changed": ["provider", "account.website_id"], "outcome": "success"}))]
pub struct AuditEntry {
    pub id: u64,
    /// RFC 3339, UTC.
    pub at: String,
    pub actor: Actor,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    pub action: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub origins: Vec<OriginChange>,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl AuditEntry {
    pub fn new(id: u64, at: String, who: &super::Who, record: AuditRecord) -> Self {
        Self {
            id,
            at,
            actor: who.actor.clone(),
            ip: who.ip.clone(),
            action: record.action.as_str().to_string(),
            target: record.target,
            changed: record.changed,
            origins: record.origins,
            outcome: record.outcome,
            code: record.code.map(|c| c.as_str().to_string()),
            params: record.params,
            detail: record.detail,
        }
    }
}

/// Names of the fields that differ between two JSON objects, one level into
/// nested objects (`account.website_id`), for `changed`.
pub fn changed_fields(before: &serde_json::Value, after: &serde_json::Value) -> Vec<String> {
    let (Some(before), Some(after)) = (before.as_object(), after.as_object()) else {
        return if before == after {
            Vec::new()
        } else {
            vec!["(all)".into()]
        };
    };
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut changed = Vec::new();
    for key in keys {
        let (old, new) = (before.get(key), after.get(key));
        if old == new {
            continue;
        }
        match (
            old.and_then(|v| v.as_object()),
            new.and_then(|v| v.as_object()),
        ) {
            (Some(_), Some(_)) | (Some(_), None) | (None, Some(_)) => {
                let empty = serde_json::Value::Object(Default::default());
                for inner in changed_fields(old.unwrap_or(&empty), new.unwrap_or(&empty)) {
                    changed.push(format!("{key}.{inner}"));
                }
            }
            _ => changed.push(key.clone()),
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changed_fields_names_keys_not_values() {
        let before = json!({"enabled": false, "provider": "crisp", "account": {"website_id": "a"}, "same": 1});
        let after = json!({"enabled": true, "provider": "crisp", "account": {"website_id": "b", "x": "y"}, "same": 1});
        assert_eq!(
            changed_fields(&before, &after),
            ["account.website_id", "account.x", "enabled"]
        );
        assert!(changed_fields(&before, &before).is_empty());
    }
}
