//! What the widget receives for a site: the effective settings, reduced to
//! what a visitor's browser needs, with no secret. Identical for every visitor
//! so caches and CDNs can hold it.

use serde::{Deserialize, Serialize};

use crate::account::Account;
use crate::catalog::ProviderId;
use crate::display_rules::PublicRules;
use crate::resolution::Effective;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", schema(example = json!({"site": "marketing-jp", "enabled": true, "provider": "crisp", "account": {"website_id": "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c"}, "guest_users_allowed": true})))]
pub struct PublicConfig {
    pub site: String,
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<ProviderId>,
    #[serde(default, skip_serializing_if = "Account::is_empty")]
    pub account: Account,
    #[serde(default)]
    pub guest_users_allowed: bool,
    /// Where, when and how the chat loads; absent: every page, always, at once.
    #[serde(default, skip_serializing_if = "PublicRules::is_empty")]
    pub rules: PublicRules,
}

impl PublicConfig {
    /// A site without chat says only that, so nothing about a switched-off
    /// configuration leaks.
    pub fn new(site_id: &str, effective: &Effective) -> Self {
        match effective.provider.filter(|_| effective.enabled()) {
            Some(provider) => Self {
                site: site_id.to_string(),
                enabled: true,
                provider: Some(provider),
                account: widget_account(provider, &effective.account),
                guest_users_allowed: effective.guest_users_allowed,
                rules: PublicRules::default(),
            },
            None => Self {
                site: site_id.to_string(),
                enabled: false,
                provider: None,
                account: Account::default(),
                guest_users_allowed: false,
                rules: PublicRules::default(),
            },
        }
    }
}

impl PublicConfig {
    /// With the display rules, if a chat loads at all.
    pub fn with_rules(mut self, rules: PublicRules) -> Self {
        if self.enabled {
            self.rules = rules;
        }
        self
    }
}

/// The account values the widget needs: the provider's fields without
/// secrets, and what the server derives from them.
pub fn widget_account(provider: ProviderId, account: &Account) -> Account {
    let public = account.without_secrets(provider.provider());
    match provider {
        ProviderId::Hubspot => {
            let host = crate::catalog::hubspot_script_host(account.get("region"));
            public.with_derived("script_host", host)
        }
        _ => public,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolution::resolve;
    use crate::settings::{InstanceChatSettings, Strategy};

    fn instance(enabled: bool) -> InstanceChatSettings {
        InstanceChatSettings {
            enabled,
            site_settings_strategy: Strategy::AlwaysInherit,
            provider: Some(ProviderId::Crisp),
            account: Account::from_pairs([("website_id", "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c")]),
            guest_users_allowed: true,
        }
    }

    #[test]
    fn an_active_site_gets_provider_and_account() {
        let config = PublicConfig::new("shop", &resolve(&instance(true), None));
        let json = serde_json::to_value(&config).expect("json");
        assert_eq!(
            json,
            serde_json::json!({"site": "shop", "enabled": true, "provider": "crisp",
                "account": {"website_id": "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c"}, "guest_users_allowed": true})
        );
    }

    #[test]
    fn an_inactive_site_reveals_nothing_else() {
        let config = PublicConfig::new("shop", &resolve(&instance(false), None));
        assert_eq!(
            serde_json::to_value(&config).expect("json"),
            serde_json::json!({"site": "shop", "enabled": false, "guest_users_allowed": false})
        );
    }

    #[test]
    fn hubspot_gets_the_loader_host_of_its_region() {
        for (region, host) in [
            (Some("default"), "js.hs-scripts.com"),
            (Some("na1"), "js-na1.hs-scripts.com"),
            (Some("eu1"), "js-eu1.hs-scripts.com"),
        ] {
            let mut settings = instance(true);
            settings.provider = Some(ProviderId::Hubspot);
            let mut pairs = vec![("hub_id", "1234567")];
            pairs.extend(region.map(|r| ("region", r)));
            settings.account = Account::from_pairs(pairs);
            let config = PublicConfig::new("shop", &resolve(&settings, None));
            assert_eq!(config.account.get("script_host"), Some(host), "{region:?}");
            assert_eq!(config.account.get("hub_id"), Some("1234567"));
        }
    }
}
