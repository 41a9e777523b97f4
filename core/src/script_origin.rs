//! Fields that decide which origin visitors' pages load script from: a
//! self-hosted base URL (Chatwoot's `base_url`). Whoever sets one chooses the
//! code that runs on every page of every site using these settings, so the
//! server lets only a signed-in admin set a value other than the catalog's
//! default, and the audit log records the old and new value.

use crate::account::Account;
use crate::catalog::{Format, ProviderId};

/// One such field whose value differs between two settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptOriginChange {
    /// `account.base_url`
    pub field: String,
    pub from: Option<String>,
    pub to: Option<String>,
    /// `to` is the provider's own default (its hosted service).
    pub to_default: bool,
}

impl ScriptOriginChange {
    /// A value an API key may not set: a new, non-default script origin.
    pub fn needs_signed_in_admin(&self) -> bool {
        self.to.is_some() && !self.to_default
    }
}

/// The script-origin fields that differ from `before` to `after`.
pub fn script_origin_changes(
    before: (Option<ProviderId>, &Account),
    after: (Option<ProviderId>, &Account),
) -> Vec<ScriptOriginChange> {
    let value = |(provider, account): (Option<ProviderId>, &Account), key: &str| {
        let provider = provider?.provider();
        provider
            .field(key)
            .filter(|f| matches!(f.format, Format::HttpsUrl))?;
        account.get(key).map(str::to_string)
    };
    let mut keys: Vec<&'static str> = Vec::new();
    for provider in [before.0, after.0].into_iter().flatten() {
        for field in provider
            .provider()
            .fields
            .iter()
            .filter(|f| matches!(f.format, Format::HttpsUrl))
        {
            if !keys.contains(&field.key) {
                keys.push(field.key);
            }
        }
    }
    keys.into_iter()
        .filter_map(|key| {
            let (from, to) = (value(before, key), value(after, key));
            if from == to {
                return None;
            }
            let default = after
                .0
                .and_then(|p| p.provider().field(key))
                .and_then(|f| f.default);
            let to_default = to.as_deref().is_some_and(|to| Some(to) == default);
            Some(ScriptOriginChange {
                field: format!("account.{key}"),
                from,
                to,
                to_default,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::{validate_account, Completeness};
    use crate::errors::FieldErrors;
    use serde_json::json;

    fn chatwoot(base_url: &str) -> Account {
        let mut errors = FieldErrors::default();
        let mut warnings = Vec::new();
        let body = json!({"website_token": "pX7kR2mQ9vW4tY6zB8nC3dF5", "base_url": base_url});
        let raw = body.as_object().expect("object");
        let account = validate_account(
            ProviderId::Chatwoot.provider(),
            raw,
            Completeness::Required,
            "account",
            &mut errors,
            &mut warnings,
        );
        assert!(errors.is_empty(), "{errors}");
        account
    }

    #[test]
    fn a_new_self_hosted_base_url_needs_a_signed_in_admin_and_the_default_does_not() {
        let hosted = chatwoot("");
        let own = chatwoot("https://chat.example.org/x");
        let none = Account::default();
        let changes = script_origin_changes(
            (Some(ProviderId::Chatwoot), &hosted),
            (Some(ProviderId::Chatwoot), &own),
        );
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].field, "account.base_url");
        assert_eq!(changes[0].from.as_deref(), Some("https://app.chatwoot.com"));
        assert_eq!(changes[0].to.as_deref(), Some("https://chat.example.org/x"));
        assert!(changes[0].needs_signed_in_admin());

        let back = script_origin_changes(
            (Some(ProviderId::Chatwoot), &own),
            (Some(ProviderId::Chatwoot), &hosted),
        );
        assert!(
            !back[0].needs_signed_in_admin(),
            "back to the provider's own service"
        );
        let from_crisp = script_origin_changes(
            (Some(ProviderId::Crisp), &none),
            (Some(ProviderId::Chatwoot), &own),
        );
        assert!(from_crisp[0].needs_signed_in_admin());
        let to_crisp = script_origin_changes(
            (Some(ProviderId::Chatwoot), &own),
            (Some(ProviderId::Crisp), &none),
        );
        assert!(!to_crisp[0].needs_signed_in_admin());
        assert!(script_origin_changes(
            (Some(ProviderId::Chatwoot), &own),
            (Some(ProviderId::Chatwoot), &own)
        )
        .is_empty());
    }
}
