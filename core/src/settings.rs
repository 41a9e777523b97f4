//! Click to Chat settings: one set for the instance (with the site settings
//! strategy) and one per site, and how JSON input becomes them.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::account::{account_warnings, validate_account, Account, Completeness};
use crate::catalog::ProviderId;
use crate::errors::{ErrorCode, FieldError, FieldErrors, FieldWarning};
use crate::json::ObjectReader;
use crate::text::{l, Localized};

/// How site settings relate to the instance settings (instance level only).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Every site uses the instance settings; site settings are ignored.
    AlwaysInherit,
    /// Every site uses its own settings; a site with none, or disabled, has no chat.
    AlwaysOverride,
    /// A site with its own provider and account uses them; others inherit.
    #[default]
    InheritOrOverride,
}

impl Strategy {
    pub const ALL: [Strategy; 3] = [
        Self::AlwaysInherit,
        Self::AlwaysOverride,
        Self::InheritOrOverride,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AlwaysInherit => "always_inherit",
            Self::AlwaysOverride => "always_override",
            Self::InheritOrOverride => "inherit_or_override",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    pub fn label(self) -> Localized {
        match self {
            Self::AlwaysInherit => l("Always Inherit", "常に継承"),
            Self::AlwaysOverride => l("Always Override", "常に上書き"),
            Self::InheritOrOverride => l("Inherit or Override", "継承または上書き"),
        }
    }

    /// What the choice means, for the admin screen.
    pub fn explanation(self) -> Localized {
        match self {
            Self::AlwaysInherit => l(
                "Every site uses these instance settings. Settings made on a site are ignored.",
                "すべてのサイトでこのインスタンス設定が使われます。サイトで行った設定は無視されます。",
            ),
            Self::AlwaysOverride => l(
                "Every site uses its own settings. A site without settings, or with Click to Chat turned off, shows no chat.",
                "各サイトは自身の設定を使います。設定がないサイトや、Click to Chat をオフにしたサイトにはチャットは表示されません。",
            ),
            Self::InheritOrOverride => l(
                "A site that has its own provider and account uses them; every other site inherits these instance settings.",
                "独自のプロバイダーとアカウントを設定したサイトはその設定を使い、それ以外のサイトはこのインスタンス設定を継承します。",
            ),
        }
    }
}

/// The fields instance and site settings share.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", schema(example = json!({"enabled": true, "provider": "crisp", "account": {"website_id": "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c"}, "guest_users_allowed": true})))]
pub struct ChatSettings {
    pub enabled: bool,
    /// `null`: none chosen yet; the key must be present.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub provider: Option<ProviderId>,
    #[serde(default)]
    pub account: Account,
    pub guest_users_allowed: bool,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", schema(example = json!({"enabled": true, "site_settings_strategy": "inherit_or_override", "provider": "crisp", "account": {"website_id": "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c"}, "guest_users_allowed": false})))]
pub struct InstanceChatSettings {
    pub enabled: bool,
    pub site_settings_strategy: Strategy,
    /// `null`: none chosen yet; the key must be present.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub provider: Option<ProviderId>,
    #[serde(default)]
    pub account: Account,
    pub guest_users_allowed: bool,
}

impl InstanceChatSettings {
    /// The shared fields, as resolution compares them with a site's.
    pub fn chat(&self) -> ChatSettings {
        ChatSettings {
            enabled: self.enabled,
            provider: self.provider,
            account: self.account.clone(),
            guest_users_allowed: self.guest_users_allowed,
        }
    }
}

impl ChatSettings {
    /// Warnings about unusual values in these (already valid) settings.
    pub fn warnings(&self) -> Vec<FieldWarning> {
        let mut warnings: Vec<FieldWarning> = self
            .provider
            .map(|id| account_warnings(id.provider(), &self.account, "account"))
            .unwrap_or_default();
        if self.enabled && self.provider.is_none() {
            warnings.push(no_provider_warning());
        }
        warnings
    }
}

/// The chatbot a provider and account make a site's chat (the built-in
/// assistant's `chatbot` field).
pub fn named_chatbot(provider: Option<ProviderId>, account: &Account) -> Option<&str> {
    match provider {
        Some(ProviderId::Switchboard) => account.get("chatbot"),
        _ => None,
    }
}

/// What the store knows of a chatbot that settings name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChatbotStatus {
    Missing,
    NotForSites,
    ForSites,
}

/// Settings may name only a chatbot that exists and may be a site's chat
/// (also when switched off: a draft that names a missing bot is still wrong).
pub fn check_named_chatbot(
    provider: Option<ProviderId>,
    account: &Account,
    status: impl Fn(&str) -> ChatbotStatus,
) -> Result<(), FieldErrors> {
    let Some(id) = named_chatbot(provider, account) else {
        return Ok(());
    };
    let mut errors = FieldErrors::default();
    match status(id) {
        ChatbotStatus::ForSites => {}
        ChatbotStatus::Missing => errors.add(
            FieldError::new(
                "account.chatbot",
                ErrorCode::UnknownChatbot,
                format!("there is no chatbot {id:?}"),
            )
            .with("chatbot", id),
        ),
        ChatbotStatus::NotForSites => errors.add(
            FieldError::new(
                "account.chatbot",
                ErrorCode::NotASiteChat,
                format!("chatbot {id:?} may not be used as a site's chat: turn on site_chat in its settings first"),
            )
            .with("chatbot", id),
        ),
    }
    errors.into_result(())
}

/// Switched on without a provider: saved (sites may bring their own), but
/// these settings load no chat, and the admin is told.
fn no_provider_warning() -> FieldWarning {
    FieldWarning {
        field: "provider".into(),
        code: "no_provider".into(),
        message: "Click to Chat is on, but no provider is chosen: these settings load no chat"
            .into(),
        params: Default::default(),
    }
}

impl InstanceChatSettings {
    pub fn warnings(&self) -> Vec<FieldWarning> {
        self.chat().warnings()
    }
}

/// A successful parse: the settings plus warnings about unusual values.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<T> {
    pub value: T,
    pub warnings: Vec<FieldWarning>,
}

const CHAT_FIELDS: [&str; 4] = ["enabled", "provider", "account", "guest_users_allowed"];

impl ChatSettings {
    /// Parses a site's settings from a request body.
    pub fn from_json(body: &Value) -> Result<Parsed<Self>, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut warnings = Vec::new();
        let Some(reader) = ObjectReader::new(body, "", "Click to Chat settings", &mut errors)
        else {
            return Err(errors);
        };
        reader.reject_unknown(&CHAT_FIELDS, &mut errors);
        let value = read_chat(&reader, &mut errors, &mut warnings);
        errors.into_result(Parsed { value, warnings })
    }
}

impl InstanceChatSettings {
    /// Parses the instance settings from a request body.
    pub fn from_json(body: &Value) -> Result<Parsed<Self>, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut warnings = Vec::new();
        let Some(reader) = ObjectReader::new(body, "", "Click to Chat settings", &mut errors)
        else {
            return Err(errors);
        };
        let mut known = CHAT_FIELDS.to_vec();
        known.push("site_settings_strategy");
        reader.reject_unknown(&known, &mut errors);
        let strategy = match reader.string("site_settings_strategy", true, &mut errors) {
            Some(text) => Strategy::parse(text).unwrap_or_else(|| {
                errors.push(
                    "site_settings_strategy",
                    ErrorCode::InvalidChoice,
                    "site_settings_strategy must be one of: always_inherit, always_override, inherit_or_override",
                );
                Strategy::default()
            }),
            None => Strategy::default(),
        };
        let chat = read_chat(&reader, &mut errors, &mut warnings);
        let value = InstanceChatSettings {
            enabled: chat.enabled,
            site_settings_strategy: strategy,
            provider: chat.provider,
            account: chat.account,
            guest_users_allowed: chat.guest_users_allowed,
        };
        errors.into_result(Parsed { value, warnings })
    }
}

fn read_chat(
    reader: &ObjectReader<'_>,
    errors: &mut FieldErrors,
    warnings: &mut Vec<FieldWarning>,
) -> ChatSettings {
    let enabled = reader.required_bool("enabled", errors);
    let guest_users_allowed = reader.required_bool("guest_users_allowed", errors);
    let provider = match reader.get("provider") {
        None => {
            errors.push(
                "provider",
                ErrorCode::Required,
                "provider is required (a provider id, or null for none)",
            );
            None
        }
        Some(Value::Null) => None,
        Some(Value::String(id)) => ProviderId::parse(id).or_else(|| {
            let known: Vec<&str> = ProviderId::ALL.iter().map(|p| p.as_str()).collect();
            errors.push(
                "provider",
                ErrorCode::UnknownProvider,
                format!(
                    "unknown provider {id:?}; known providers are {}",
                    known.join(", ")
                ),
            );
            None
        }),
        Some(_) => {
            errors.push(
                "provider",
                ErrorCode::WrongType,
                "provider must be a provider id (text) or null",
            );
            None
        }
    };
    let empty = Map::new();
    let raw_account = match reader.get("account") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(map)) => map,
        Some(_) => {
            errors.push(
                "account",
                ErrorCode::WrongType,
                "account must be a JSON object of the provider's fields",
            );
            &empty
        }
    };
    let account = match provider {
        Some(id) => {
            // Settings in use must be complete; switched-off settings may be a draft.
            let completeness = if enabled {
                Completeness::Required
            } else {
                Completeness::Optional
            };
            validate_account(
                id.provider(),
                raw_account,
                completeness,
                "account",
                errors,
                warnings,
            )
        }
        None => {
            if !raw_account.is_empty() && !errors.has("provider") {
                errors.push(
                    "account",
                    ErrorCode::InvalidFormat,
                    "account values need a provider; choose one or send an empty account",
                );
            }
            Account::default()
        }
    };
    if enabled && provider.is_none() && !errors.has("provider") {
        warnings.push(no_provider_warning());
    }
    ChatSettings {
        enabled,
        provider,
        account,
        guest_users_allowed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_assistant_names_a_chatbot_that_may_be_a_site_chat() {
        let body = json!({"enabled": true, "provider": "switchboard", "account": {"chatbot": "K3V9Q2XM7D1A"}, "guest_users_allowed": true});
        let settings = ChatSettings::from_json(&body).expect("accepted").value;
        let named = named_chatbot(settings.provider, &settings.account);
        assert_eq!(named, Some("k3v9q2xm7d1a"), "stored lowercase");
        let check = |status| {
            check_named_chatbot(settings.provider, &settings.account, |_| status)
                .err()
                .map(|e| (e.0[0].field.clone(), e.0[0].code))
        };
        assert_eq!(check(ChatbotStatus::ForSites), None);
        assert_eq!(
            check(ChatbotStatus::Missing),
            Some(("account.chatbot".into(), ErrorCode::UnknownChatbot))
        );
        assert_eq!(
            check(ChatbotStatus::NotForSites),
            Some(("account.chatbot".into(), ErrorCode::NotASiteChat))
        );
        // Other providers name no chatbot, whatever their account holds.
        let crisp = Account::from_pairs([("chatbot", "k3v9q2xm7d1a")]);
        assert_eq!(named_chatbot(Some(ProviderId::Crisp), &crisp), None);
        let bad = json!({"enabled": true, "provider": "switchboard", "account": {"chatbot": "k3v9"}, "guest_users_allowed": true});
        assert_eq!(
            codes(ChatSettings::from_json(&bad)),
            [("account.chatbot".to_string(), ErrorCode::InvalidFormat)]
        );
        let missing = json!({"enabled": true, "provider": "switchboard", "account": {}, "guest_users_allowed": true});
        assert_eq!(
            codes(ChatSettings::from_json(&missing)),
            [("account.chatbot".to_string(), ErrorCode::Required)]
        );
    }

    #[test]
    fn switched_on_without_a_provider_is_saved_with_a_warning() {
        let body = serde_json::json!({"enabled": true, "provider": null, "account": {}, "guest_users_allowed": true});
        let parsed = ChatSettings::from_json(&body).expect("accepted");
        assert_eq!(parsed.warnings.len(), 1);
        assert_eq!(
            (
                parsed.warnings[0].field.as_str(),
                parsed.warnings[0].code.as_str()
            ),
            ("provider", "no_provider")
        );
        assert_eq!(
            parsed.value.warnings(),
            parsed.warnings,
            "the stored settings say the same"
        );
        let off = serde_json::json!({"enabled": false, "provider": null, "account": {}, "guest_users_allowed": true});
        assert!(ChatSettings::from_json(&off)
            .expect("accepted")
            .warnings
            .is_empty());
    }
    use serde_json::json;

    fn codes(result: Result<Parsed<ChatSettings>, FieldErrors>) -> Vec<(String, ErrorCode)> {
        result
            .err()
            .map(|e| e.0.into_iter().map(|e| (e.field, e.code)).collect())
            .unwrap_or_default()
    }

    #[test]
    fn a_complete_site_setting_parses() {
        let parsed = ChatSettings::from_json(&json!({
            "enabled": true, "provider": "tawkto", "guest_users_allowed": true,
            "account": {"property_id": "5F8E1A2B3C4D5E6F7A8B9C0D", "widget_id": "default"}
        }))
        .expect("valid");
        assert_eq!(parsed.value.provider, Some(ProviderId::Tawkto));
        assert_eq!(
            parsed.value.account.get("property_id"),
            Some("5f8e1a2b3c4d5e6f7a8b9c0d")
        );
        assert!(parsed.value.guest_users_allowed);
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let found = codes(ChatSettings::from_json(&json!({
            "enabled": "yes", "provider": "skype", "colour": "red"
        })));
        assert!(
            found.contains(&("enabled".into(), ErrorCode::WrongType)),
            "{found:?}"
        );
        assert!(
            found.contains(&("provider".into(), ErrorCode::UnknownProvider)),
            "{found:?}"
        );
        assert!(
            found.contains(&("colour".into(), ErrorCode::UnknownField)),
            "{found:?}"
        );
        assert!(
            found.contains(&("guest_users_allowed".into(), ErrorCode::Required)),
            "{found:?}"
        );
    }

    #[test]
    fn non_objects_are_refused() {
        assert_eq!(
            codes(ChatSettings::from_json(&json!([1, 2]))),
            vec![("body".to_string(), ErrorCode::WrongType)]
        );
        assert_eq!(
            codes(ChatSettings::from_json(
                &json!({"enabled": true, "provider": null, "guest_users_allowed": false, "account": "x"})
            )),
            vec![("account".to_string(), ErrorCode::WrongType)]
        );
    }

    #[test]
    fn enabled_settings_need_a_complete_account_but_drafts_do_not() {
        let enabled = json!({"enabled": true, "provider": "crisp", "guest_users_allowed": false, "account": {}});
        assert_eq!(
            codes(ChatSettings::from_json(&enabled)),
            vec![("account.website_id".to_string(), ErrorCode::Required)]
        );
        let draft = json!({"enabled": false, "provider": "crisp", "guest_users_allowed": false, "account": {}});
        let parsed =
            ChatSettings::from_json(&draft).expect("a switched-off draft may be incomplete");
        assert_eq!(parsed.value.provider, Some(ProviderId::Crisp));
    }

    #[test]
    fn account_without_provider_is_refused() {
        let body = json!({"enabled": true, "provider": null, "guest_users_allowed": false, "account": {"website_id": "x"}});
        assert_eq!(
            codes(ChatSettings::from_json(&body)),
            vec![("account".to_string(), ErrorCode::InvalidFormat)]
        );
    }

    #[test]
    fn instance_settings_need_a_known_strategy() {
        let mut body = json!({"enabled": true, "provider": null, "guest_users_allowed": false, "site_settings_strategy": "sometimes"});
        let errors = InstanceChatSettings::from_json(&body).expect_err("bad strategy");
        assert_eq!(errors.0[0].field, "site_settings_strategy");
        assert_eq!(errors.0[0].code, ErrorCode::InvalidChoice);
        body["site_settings_strategy"] = json!("always_override");
        let parsed = InstanceChatSettings::from_json(&body).expect("valid");
        assert_eq!(
            parsed.value.site_settings_strategy,
            Strategy::AlwaysOverride
        );
    }

    #[test]
    fn stored_form_round_trips() {
        let settings = InstanceChatSettings {
            enabled: true,
            site_settings_strategy: Strategy::AlwaysInherit,
            provider: Some(ProviderId::Crisp),
            account: Account::from_pairs([("website_id", "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c")]),
            guest_users_allowed: true,
        };
        let json = serde_json::to_value(&settings).expect("serialize");
        assert_eq!(json["site_settings_strategy"], "always_inherit");
        assert_eq!(
            json["account"]["website_id"],
            "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c"
        );
        let parsed = InstanceChatSettings::from_json(&json).expect("what we store is valid input");
        assert_eq!(parsed.value, settings);
    }
}
