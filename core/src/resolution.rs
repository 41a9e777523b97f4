//! Which Click to Chat settings apply to a site, and why.
//!
//! - Instance `enabled = false` → no chat on any site (master switch).
//! - `always_inherit` → the instance settings; site settings are ignored.
//! - `always_override` → the site's own settings; none saved, or disabled → no chat.
//! - `inherit_or_override` → the site's own settings when it has a provider and
//!   a complete account; otherwise the instance settings.
//!
//! Like Liferay, the chosen settings object is used whole, never merged field
//! by field: a site that overrides also decides `enabled` and guest access.

use serde::{Deserialize, Serialize};

use crate::account::Account;
use crate::catalog::ProviderId;
use crate::settings::{ChatSettings, InstanceChatSettings, Strategy};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Instance,
    Site,
}

/// Why these settings were chosen.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    InstanceDisabled,
    AlwaysInherit,
    AlwaysOverride,
    AlwaysOverrideWithoutSiteSettings,
    SiteConfigured,
    SiteNotConfigured,
    /// Inherit or Override: the site names a provider, but its account is
    /// incomplete, so it inherits.
    SiteIncomplete,
}

impl Reason {
    pub const ALL: [Reason; 7] = [
        Self::InstanceDisabled,
        Self::AlwaysInherit,
        Self::AlwaysOverride,
        Self::AlwaysOverrideWithoutSiteSettings,
        Self::SiteConfigured,
        Self::SiteNotConfigured,
        Self::SiteIncomplete,
    ];

    /// The reason itself says no chat loads: nothing else needs saying.
    pub fn rules_out_chat(self) -> bool {
        matches!(
            self,
            Self::InstanceDisabled | Self::AlwaysOverrideWithoutSiteSettings
        )
    }
}

/// Why the chosen settings load no chat, when they do not.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Inactive {
    Disabled,
    NoProvider,
    IncompleteAccount,
}

impl Inactive {
    pub const ALL: [Inactive; 3] = [Self::Disabled, Self::NoProvider, Self::IncompleteAccount];
}

impl Reason {
    pub fn message(self) -> &'static str {
        match self {
            Self::InstanceDisabled => "Click to Chat is turned off in the instance settings, so no site shows a chat.",
            Self::AlwaysInherit => "The instance settings apply to every site (strategy: Always Inherit); site settings are ignored.",
            Self::AlwaysOverride => "This site's own settings apply (strategy: Always Override).",
            Self::AlwaysOverrideWithoutSiteSettings => {
                "Every site must bring its own settings (strategy: Always Override), and this site has none saved."
            }
            Self::SiteConfigured => {
                "This site has its own provider and account, which override the instance settings (strategy: Inherit or Override)."
            }
            Self::SiteIncomplete => {
                "This site names a provider, but its account details are incomplete, so it inherits the instance settings (strategy: Inherit or Override)."
            }
            Self::SiteNotConfigured => {
                "This site has no provider and account of its own, so it inherits the instance settings (strategy: Inherit or Override)."
            }
        }
    }
}

impl Inactive {
    pub fn message(self) -> &'static str {
        match self {
            Self::Disabled => "Click to Chat is turned off in these settings.",
            Self::NoProvider => "No chat provider is chosen in these settings.",
            Self::IncompleteAccount => "The provider's account details are incomplete.",
        }
    }
}

/// The settings that apply to one site, with where they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effective {
    pub strategy: Strategy,
    pub source: Source,
    pub reason: Reason,
    /// `None` when a chat loads (for the visitors `guest_users_allowed` admits).
    pub inactive: Option<Inactive>,
    pub provider: Option<ProviderId>,
    pub account: Account,
    pub guest_users_allowed: bool,
}

impl Effective {
    /// A chat loads for permitted visitors.
    pub fn enabled(&self) -> bool {
        !self.reason.rules_out_chat() && self.inactive.is_none()
    }
}

/// A site's settings are "configured" under `inherit_or_override` when they
/// name a provider and fill every required field of its account.
pub fn has_own_provider(site: &ChatSettings) -> bool {
    site.provider
        .is_some_and(|id| id.provider().is_complete(&site.account))
}

pub fn resolve(instance: &InstanceChatSettings, site: Option<&ChatSettings>) -> Effective {
    let strategy = instance.site_settings_strategy;
    let inherited = instance.chat();
    let (source, reason, chosen) = if !instance.enabled {
        (Source::Instance, Reason::InstanceDisabled, inherited)
    } else {
        match (strategy, site) {
            (Strategy::AlwaysInherit, _) => (Source::Instance, Reason::AlwaysInherit, inherited),
            (Strategy::AlwaysOverride, Some(site)) => {
                (Source::Site, Reason::AlwaysOverride, site.clone())
            }
            (Strategy::AlwaysOverride, None) => (
                Source::Site,
                Reason::AlwaysOverrideWithoutSiteSettings,
                ChatSettings::default(),
            ),
            (Strategy::InheritOrOverride, Some(site)) if has_own_provider(site) => {
                (Source::Site, Reason::SiteConfigured, site.clone())
            }
            (Strategy::InheritOrOverride, Some(site)) if site.provider.is_some() => {
                (Source::Instance, Reason::SiteIncomplete, inherited)
            }
            (Strategy::InheritOrOverride, _) => {
                (Source::Instance, Reason::SiteNotConfigured, inherited)
            }
        }
    };
    // A reason that already says why there is no chat is not contradicted
    // by a second one about settings that do not exist or do not count.
    let inactive = if reason.rules_out_chat() {
        None
    } else if !chosen.enabled {
        Some(Inactive::Disabled)
    } else {
        match chosen.provider {
            None => Some(Inactive::NoProvider),
            Some(id) if !id.provider().is_complete(&chosen.account) => {
                Some(Inactive::IncompleteAccount)
            }
            Some(_) => None,
        }
    };
    Effective {
        strategy,
        source,
        reason,
        inactive,
        provider: chosen.provider,
        account: chosen.account,
        guest_users_allowed: chosen.guest_users_allowed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CRISP_ID: &str = "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c";

    fn instance(enabled: bool, strategy: Strategy) -> InstanceChatSettings {
        InstanceChatSettings {
            enabled,
            site_settings_strategy: strategy,
            provider: Some(ProviderId::Crisp),
            account: Account::from_pairs([("website_id", CRISP_ID)]),
            guest_users_allowed: true,
        }
    }

    /// The four kinds of site the issue names.
    #[derive(Debug, Clone, Copy)]
    enum Kind {
        NoneSaved,
        Disabled,
        ProviderWithoutAccount,
        FullyConfigured,
    }

    fn site(kind: Kind) -> Option<ChatSettings> {
        let tawk = Account::from_pairs([
            ("property_id", "5f8e1a2b3c4d5e6f7a8b9c0d"),
            ("widget_id", "default"),
        ]);
        match kind {
            Kind::NoneSaved => None,
            Kind::Disabled => Some(ChatSettings {
                enabled: false,
                provider: Some(ProviderId::Tawkto),
                account: tawk,
                guest_users_allowed: false,
            }),
            Kind::ProviderWithoutAccount => Some(ChatSettings {
                enabled: true,
                provider: Some(ProviderId::Tawkto),
                account: Account::default(),
                guest_users_allowed: false,
            }),
            Kind::FullyConfigured => Some(ChatSettings {
                enabled: true,
                provider: Some(ProviderId::Tawkto),
                account: tawk,
                guest_users_allowed: false,
            }),
        }
    }

    /// (source, reason, inactive, provider) expected for each strategy and kind of site.
    fn expected(
        strategy: Strategy,
        kind: Kind,
    ) -> (Source, Reason, Option<Inactive>, Option<ProviderId>) {
        use Kind::*;
        use ProviderId::{Crisp, Tawkto};
        match (strategy, kind) {
            (Strategy::AlwaysInherit, _) => {
                (Source::Instance, Reason::AlwaysInherit, None, Some(Crisp))
            }
            (Strategy::AlwaysOverride, NoneSaved) => (
                Source::Site,
                Reason::AlwaysOverrideWithoutSiteSettings,
                None,
                None,
            ),
            (Strategy::AlwaysOverride, Disabled) => (
                Source::Site,
                Reason::AlwaysOverride,
                Some(Inactive::Disabled),
                Some(Tawkto),
            ),
            (Strategy::AlwaysOverride, ProviderWithoutAccount) => (
                Source::Site,
                Reason::AlwaysOverride,
                Some(Inactive::IncompleteAccount),
                Some(Tawkto),
            ),
            (Strategy::AlwaysOverride, FullyConfigured) => {
                (Source::Site, Reason::AlwaysOverride, None, Some(Tawkto))
            }
            (Strategy::InheritOrOverride, NoneSaved) => (
                Source::Instance,
                Reason::SiteNotConfigured,
                None,
                Some(Crisp),
            ),
            // A switched-off site with a provider and account uses its own (off) settings:
            // that is how one site opts out under inherit_or_override.
            (Strategy::InheritOrOverride, Disabled) => (
                Source::Site,
                Reason::SiteConfigured,
                Some(Inactive::Disabled),
                Some(Tawkto),
            ),
            (Strategy::InheritOrOverride, ProviderWithoutAccount) => {
                (Source::Instance, Reason::SiteIncomplete, None, Some(Crisp))
            }
            (Strategy::InheritOrOverride, FullyConfigured) => {
                (Source::Site, Reason::SiteConfigured, None, Some(Tawkto))
            }
        }
    }

    const KINDS: [Kind; 4] = [
        Kind::NoneSaved,
        Kind::Disabled,
        Kind::ProviderWithoutAccount,
        Kind::FullyConfigured,
    ];

    #[test]
    fn every_strategy_against_every_kind_of_site() {
        for strategy in Strategy::ALL {
            for kind in KINDS {
                let site = site(kind);
                let effective = resolve(&instance(true, strategy), site.as_ref());
                let (source, reason, inactive, provider) = expected(strategy, kind);
                let case = format!("{strategy:?} / {kind:?}");
                assert_eq!(effective.strategy, strategy, "{case}");
                assert_eq!(effective.source, source, "{case}");
                assert_eq!(effective.reason, reason, "{case}");
                assert_eq!(effective.inactive, inactive, "{case}");
                assert_eq!(effective.provider, provider, "{case}");
                assert_eq!(
                    effective.enabled(),
                    inactive.is_none() && !reason.rules_out_chat(),
                    "{case}"
                );
                // The chosen object is used whole: guest access comes with it.
                let guests = match source {
                    Source::Instance => true,
                    Source::Site => false,
                };
                assert_eq!(effective.guest_users_allowed, guests, "{case}");
                if provider == Some(ProviderId::Crisp) {
                    assert_eq!(
                        effective.account.get("website_id"),
                        Some(CRISP_ID),
                        "{case}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_instance_switch_turns_every_site_off() {
        for strategy in Strategy::ALL {
            for kind in KINDS {
                let effective = resolve(&instance(false, strategy), site(kind).as_ref());
                assert_eq!(
                    effective.source,
                    Source::Instance,
                    "{strategy:?} / {kind:?}"
                );
                assert_eq!(
                    effective.reason,
                    Reason::InstanceDisabled,
                    "{strategy:?} / {kind:?}"
                );
                assert!(!effective.enabled(), "{strategy:?} / {kind:?}");
                assert_eq!(
                    effective.inactive, None,
                    "the reason says it all: {strategy:?} / {kind:?}"
                );
            }
        }
    }

    #[test]
    fn inheriting_an_instance_without_provider_loads_nothing() {
        let mut settings = instance(true, Strategy::InheritOrOverride);
        settings.provider = None;
        settings.account = Account::default();
        let effective = resolve(&settings, None);
        assert_eq!(effective.inactive, Some(Inactive::NoProvider));
        settings.provider = Some(ProviderId::Zendesk);
        assert_eq!(
            resolve(&settings, None).inactive,
            Some(Inactive::IncompleteAccount)
        );
    }

    #[test]
    fn every_reason_has_a_message() {
        for reason in Reason::ALL {
            assert!(reason.message().ends_with('.'));
        }
        for inactive in [
            Inactive::Disabled,
            Inactive::NoProvider,
            Inactive::IncompleteAccount,
        ] {
            assert!(inactive.message().ends_with('.'));
        }
    }
}
