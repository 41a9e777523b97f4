//! A provider account (the values of its catalog fields) and how raw input
//! becomes one: unknown keys, wrong types, unsafe characters and wrong formats
//! are refused field by field; unusual-but-safe values only warn.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::catalog::{Field, Format, Provider, MAX_URL_LEN, MAX_VALUE_LEN};
use crate::errors::{ErrorCode, FieldError, FieldErrors, FieldWarning};

/// Validated, normalized account values by field key. Only keys of the
/// provider's catalog entry, only non-empty values.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account(BTreeMap<String, String>);

impl Account {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Builds an account without validation: for tests and for data that was
    /// validated when it was stored.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    /// Adds a value the server derives (not an admin's field), e.g. for the widget.
    pub fn with_derived(mut self, key: &str, value: &str) -> Self {
        self.0.insert(key.to_string(), value.to_string());
        self
    }

    /// The copy that may leave the server: secret fields removed.
    pub fn without_secrets(&self, provider: &Provider) -> Account {
        Account(
            self.0
                .iter()
                .filter(|(key, _)| provider.field(key).is_some_and(|f| !f.secret))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        )
    }
}

impl Provider {
    pub fn field(&self, key: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// Every required field has a value: the widget can load this provider.
    pub fn is_complete(&self, account: &Account) -> bool {
        self.fields
            .iter()
            .filter(|f| f.required)
            .all(|f| account.get(f.key).is_some())
    }
}

/// Whether missing required fields are an error. Settings that are switched off
/// may be saved half-filled (a draft); settings in use must be complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completeness {
    Required,
    Optional,
}

/// Validates `raw` (the JSON object under `account`) against `provider`.
/// Field paths in errors are `{prefix}.{key}`.
pub fn validate_account(
    provider: &Provider,
    raw: &Map<String, Value>,
    completeness: Completeness,
    prefix: &str,
    errors: &mut FieldErrors,
    warnings: &mut Vec<FieldWarning>,
) -> Account {
    let mut values = BTreeMap::new();
    for key in raw.keys() {
        if provider.field(key).is_none() {
            let known: Vec<&str> = provider.fields.iter().map(|f| f.key).collect();
            errors.push(
                format!("{prefix}.{key}"),
                ErrorCode::UnknownField,
                format!(
                    "{} has no field {key:?}; its fields are {}",
                    provider.name,
                    known.join(", ")
                ),
            );
        }
    }
    for field in provider.fields {
        let path = format!("{prefix}.{}", field.key);
        let text = match raw.get(field.key) {
            None | Some(Value::Null) => "",
            Some(Value::String(s)) => s.trim(),
            Some(_) => {
                errors.push(
                    path,
                    ErrorCode::WrongType,
                    format!("{} must be text", field.label.en),
                );
                continue;
            }
        };
        let text = if text.is_empty() {
            field.default.unwrap_or("")
        } else {
            text
        };
        if text.is_empty() {
            if field.required && completeness == Completeness::Required {
                errors.push(
                    path,
                    ErrorCode::Required,
                    format!("{} is required for {}", field.label.en, provider.name),
                );
            }
            continue;
        }
        match field.check(text) {
            Ok((value, warning)) => {
                if let Some(message) = warning {
                    warnings.push(unusual_warning(path, provider, field.key, message));
                }
                values.insert(field.key.to_string(), value);
            }
            Err((code, message)) => {
                let error = FieldError::new(path, code, message);
                // The app words "too long" with the limit.
                let error = if code == ErrorCode::TooLong {
                    error.with(
                        "max",
                        if matches!(field.format, Format::HttpsUrl) {
                            MAX_URL_LEN
                        } else {
                            MAX_VALUE_LEN
                        },
                    )
                } else {
                    error
                };
                errors.add(error);
            }
        }
    }
    Account(values)
}

/// Warnings about unusual-but-accepted values already stored in `account`.
pub fn account_warnings(provider: &Provider, account: &Account, prefix: &str) -> Vec<FieldWarning> {
    account
        .iter()
        .filter_map(|(key, value)| {
            let field = provider.field(key)?;
            let (_, warning) = field.check(value).ok()?;
            warning
                .map(|message| unusual_warning(format!("{prefix}.{key}"), provider, key, message))
        })
        .collect()
}

/// `unusual_format`, with what the app needs to word it: the provider and
/// field, whose usual shape the catalog describes in both languages.
fn unusual_warning(field: String, provider: &Provider, key: &str, message: String) -> FieldWarning {
    let mut params = crate::errors::Params::new();
    params.insert("provider".into(), Value::from(provider.id.as_str()));
    params.insert("key".into(), Value::from(key));
    FieldWarning {
        field,
        code: "unusual_format".into(),
        message,
        params,
    }
}

fn token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

impl Field {
    /// Checks one trimmed, non-empty value. Returns the normalized value and,
    /// for a safe value of unusual shape, a warning message.
    pub fn check(&self, value: &str) -> Result<(String, Option<String>), (ErrorCode, String)> {
        let label = self.label.en;
        let limit = if matches!(self.format, Format::HttpsUrl) {
            MAX_URL_LEN
        } else {
            MAX_VALUE_LEN
        };
        if value.chars().count() > limit {
            return Err((
                ErrorCode::TooLong,
                format!("{label} must be at most {limit} characters"),
            ));
        }
        if !matches!(self.format, Format::HttpsUrl) && !value.chars().all(token_char) {
            return Err((
                ErrorCode::UnsafeCharacters,
                format!("{label} may contain only letters, digits, '_' and '-' (no spaces, quotes or other symbols)"),
            ));
        }
        match &self.format {
            Format::Uuid => {
                let lower = value.to_ascii_lowercase();
                if is_uuid(&lower) {
                    Ok((lower, None))
                } else {
                    Err((
                        ErrorCode::InvalidFormat,
                        format!("{label} must be a UUID like {}", self.example),
                    ))
                }
            }
            Format::Digits { usual } => {
                if !value.chars().all(|c| c.is_ascii_digit()) {
                    return Err((
                        ErrorCode::InvalidFormat,
                        format!("{label} must contain digits only"),
                    ));
                }
                Ok((value.to_string(), unusual(label, value, usual.as_ref())))
            }
            Format::Hex { length } => {
                let lower = value.to_ascii_lowercase();
                if lower.len() == *length && lower.chars().all(|c| c.is_ascii_hexdigit()) {
                    Ok((lower, None))
                } else {
                    Err((
                        ErrorCode::InvalidFormat,
                        format!(
                            "{label} must be exactly {length} hexadecimal characters (0-9, a-f)"
                        ),
                    ))
                }
            }
            Format::Token { usual } => {
                Ok((value.to_string(), unusual(label, value, usual.as_ref())))
            }
            Format::HttpsUrl => normalize_https_url(value)
                .map(|url| (url, None))
                .map_err(|(code, why)| (code, format!("{label} {why}"))),
            Format::Chatbot => {
                let lower = value.to_ascii_lowercase();
                if crate::catalog::is_chatbot_id(&lower) {
                    Ok((lower, None))
                } else {
                    Err((
                        ErrorCode::InvalidFormat,
                        format!(
                            "{label} must be a chatbot's id: 12 letters and digits, like {}",
                            self.example
                        ),
                    ))
                }
            }
            Format::Choice { choices } => match choices.iter().find(|c| c.value == value) {
                Some(choice) => Ok((choice.value.to_string(), None)),
                None => {
                    let allowed: Vec<&str> = choices.iter().map(|c| c.value).collect();
                    Err((
                        ErrorCode::InvalidChoice,
                        format!("{label} must be one of: {}", allowed.join(", ")),
                    ))
                }
            },
        }
    }
}

fn unusual(label: &str, value: &str, usual: Option<&crate::catalog::Usual>) -> Option<String> {
    let usual = usual?;
    if (usual.matches)(value) {
        None
    } else {
        Some(format!(
            "{label} is usually {}; check that you copied the whole value",
            usual.description.en
        ))
    }
}

fn is_uuid(value: &str) -> bool {
    let groups: Vec<&str> = value.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// `https://host[:port][/path]`, host in lowercase, no trailing slash.
/// Refuses other schemes, credentials, queries, fragments and any character
/// that could break out of a URL or a JavaScript string.
pub fn normalize_https_url(value: &str) -> Result<String, (ErrorCode, &'static str)> {
    let Some(rest) = value
        .get(..8)
        .filter(|s| s.eq_ignore_ascii_case("https://"))
        .map(|_| &value[8..])
    else {
        return Err((ErrorCode::NotHttps, "must start with https://"));
    };
    let safe = |c: char| c.is_ascii_alphanumeric() || "-._~/:@?#%".contains(c);
    if !rest.chars().all(safe) {
        return Err((
            ErrorCode::UnsafeCharacters,
            "contains characters a URL here may not have (spaces, quotes, <, >, …)",
        ));
    }
    if rest.contains(['?', '#']) {
        return Err((
            ErrorCode::InvalidFormat,
            "must not contain a query (?) or fragment (#)",
        ));
    }
    if rest.contains(['@', '%']) {
        return Err((
            ErrorCode::InvalidFormat,
            "must not contain credentials or encoded characters",
        ));
    }
    let (authority, path) = match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash..]),
        None => (rest, ""),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let host = host.to_ascii_lowercase();
    if !is_host_name(&host) {
        return Err((
            ErrorCode::InvalidFormat,
            "must have a valid host name after https://",
        ));
    }
    if let Some(port) = port {
        if port.is_empty()
            || !port.chars().all(|c| c.is_ascii_digit())
            || port.parse::<u16>().map_or(true, |p| p == 0)
        {
            return Err((ErrorCode::InvalidFormat, "has an invalid port"));
        }
    }
    if path.contains(':') || path.contains("//") {
        return Err((ErrorCode::InvalidFormat, "has an invalid path"));
    }
    // `/x/../y` would name another path than the one shown and audited.
    if path
        .split('/')
        .any(|segment| segment == "." || segment == "..")
    {
        return Err((
            ErrorCode::InvalidFormat,
            "must not contain . or .. path segments",
        ));
    }
    let mut url = format!("https://{host}");
    if let Some(port) = port {
        url.push(':');
        url.push_str(port);
    }
    url.push_str(path.trim_end_matches('/'));
    Ok(url)
}

/// A DNS host name (letters, digits, hyphens; dot-separated labels of 1–63
/// characters, not starting or ending with a hyphen) or an IPv4 address.
pub fn is_host_name(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ProviderId;
    use serde_json::json;

    fn validate(
        id: ProviderId,
        raw: Value,
        completeness: Completeness,
    ) -> (Account, FieldErrors, Vec<FieldWarning>) {
        let mut errors = FieldErrors::default();
        let mut warnings = Vec::new();
        let map = raw.as_object().cloned().unwrap_or_default();
        let account = validate_account(
            id.provider(),
            &map,
            completeness,
            "account",
            &mut errors,
            &mut warnings,
        );
        (account, errors, warnings)
    }

    fn error_code(id: ProviderId, raw: Value, field: &str) -> Option<ErrorCode> {
        let (_, errors, _) = validate(id, raw, Completeness::Required);
        errors.0.iter().find(|e| e.field == field).map(|e| e.code)
    }

    #[test]
    fn valid_accounts_are_normalized() {
        let (account, errors, warnings) = validate(
            ProviderId::Crisp,
            json!({"website_id": "  1C6E2B5A-3F4D-4E8A-9B7C-2D1E0F9A8B7C "}),
            Completeness::Required,
        );
        assert!(errors.is_empty(), "{errors}");
        assert!(warnings.is_empty());
        assert_eq!(
            account.get("website_id"),
            Some("1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c")
        );
    }

    #[test]
    fn defaults_fill_empty_fields() {
        let (account, errors, _) = validate(
            ProviderId::Chatwoot,
            json!({"website_token": "pX7kR2mQ9vW4tY6zB8nC3dF5"}),
            Completeness::Required,
        );
        assert!(errors.is_empty(), "{errors}");
        assert_eq!(account.get("base_url"), Some("https://app.chatwoot.com"));
        let (account, _, _) = validate(
            ProviderId::Zendesk,
            json!({"key": "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"}),
            Completeness::Required,
        );
        assert_eq!(account.get("kind"), Some("messaging"));
    }

    #[test]
    fn hostile_ids_are_refused_as_unsafe() {
        for hostile in [
            "abc\"def",
            "abc'def",
            "<script>",
            "abc def",
            "javascript:alert(1)",
            "a;b",
            "a/b",
            "a\\b",
            "ab\u{202e}c",
        ] {
            for (id, field) in [
                (ProviderId::Crisp, "website_id"),
                (ProviderId::Intercom, "app_id"),
                (ProviderId::Tidio, "public_key"),
                (ProviderId::Jivochat, "widget_id"),
                (ProviderId::Hubspot, "hub_id"),
                (ProviderId::Tawkto, "widget_id"),
            ] {
                let code = error_code(id, json!({ field: hostile }), &format!("account.{field}"));
                assert_eq!(
                    code,
                    Some(ErrorCode::UnsafeCharacters),
                    "{id:?}.{field} = {hostile:?}"
                );
            }
        }
    }

    #[test]
    fn strict_formats_refuse_wrong_shapes() {
        assert_eq!(
            error_code(
                ProviderId::Crisp,
                json!({"website_id": "not-a-uuid"}),
                "account.website_id"
            ),
            Some(ErrorCode::InvalidFormat)
        );
        assert_eq!(
            error_code(ProviderId::Smartsupp, json!({"key": "abc"}), "account.key"),
            Some(ErrorCode::InvalidFormat)
        );
        assert_eq!(
            error_code(
                ProviderId::Smartsupp,
                json!({"key": "g123456789abcdef0123456789abcdef01234567"}),
                "account.key"
            ),
            Some(ErrorCode::InvalidFormat)
        );
        assert_eq!(
            error_code(
                ProviderId::Tawkto,
                json!({"property_id": "5f8e1a2b"}),
                "account.property_id"
            ),
            Some(ErrorCode::InvalidFormat)
        );
        assert_eq!(
            error_code(
                ProviderId::Hubspot,
                json!({"hub_id": "12ab"}),
                "account.hub_id"
            ),
            Some(ErrorCode::InvalidFormat)
        );
        assert_eq!(
            error_code(
                ProviderId::Livechat,
                json!({"license": "1", "group": "x"}),
                "account.group"
            ),
            Some(ErrorCode::InvalidFormat)
        );
        assert_eq!(
            error_code(
                ProviderId::Hubspot,
                json!({"hub_id": "1234567", "region": "ap1"}),
                "account.region"
            ),
            Some(ErrorCode::InvalidChoice)
        );
        assert_eq!(
            error_code(
                ProviderId::Zendesk,
                json!({"key": "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", "kind": "chat"}),
                "account.kind"
            ),
            Some(ErrorCode::InvalidChoice)
        );
    }

    #[test]
    fn heuristic_formats_warn_but_accept() {
        let (account, errors, warnings) = validate(
            ProviderId::Jivochat,
            json!({"widget_id": "abc"}),
            Completeness::Required,
        );
        assert!(errors.is_empty());
        assert_eq!(account.get("widget_id"), Some("abc"));
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].field, "account.widget_id");
        assert_eq!(warnings[0].code, "unusual_format");
    }

    #[test]
    fn chatwoot_base_url_must_be_https_and_clean() {
        let field = |url: &str| {
            error_code(
                ProviderId::Chatwoot,
                json!({"website_token": "pX7kR2mQ9vW4tY6zB8nC3dF5", "base_url": url}),
                "account.base_url",
            )
        };
        assert_eq!(field("http://chat.example.com"), Some(ErrorCode::NotHttps));
        assert_eq!(field("javascript:alert(1)"), Some(ErrorCode::NotHttps));
        assert_eq!(field("ftp://chat.example.com"), Some(ErrorCode::NotHttps));
        assert_eq!(
            field("https://chat.example.com/\"onload=x"),
            Some(ErrorCode::UnsafeCharacters)
        );
        assert_eq!(
            field("https://chat.example.com/<x>"),
            Some(ErrorCode::UnsafeCharacters)
        );
        assert_eq!(
            field("https://user:pw@chat.example.com"),
            Some(ErrorCode::InvalidFormat)
        );
        assert_eq!(
            field("https://chat.example.com/?lang"),
            Some(ErrorCode::InvalidFormat)
        );
        assert!(field("https://chat.example.com/?q=1").is_some());
        assert_eq!(
            field("https://chat.example.com#x"),
            Some(ErrorCode::InvalidFormat)
        );
        assert_eq!(
            field("https://-bad-.example.com"),
            Some(ErrorCode::InvalidFormat)
        );
        assert_eq!(
            field("https://chat.example.com:99999"),
            Some(ErrorCode::InvalidFormat)
        );
        assert_eq!(field("https://"), Some(ErrorCode::InvalidFormat));
        assert_eq!(
            field("https://chat.example.com/a/../b"),
            Some(ErrorCode::InvalidFormat)
        );
        assert_eq!(
            field("https://chat.example.com/./b"),
            Some(ErrorCode::InvalidFormat)
        );
        assert_eq!(
            field("https://chat.example.com/.."),
            Some(ErrorCode::InvalidFormat)
        );
        assert_eq!(
            field("https://chat.example.com/%2e%2e/b"),
            Some(ErrorCode::InvalidFormat)
        );
        assert_eq!(field("https://chat.example.com/v1.2/chat"), None);
        assert_eq!(field("https://chat.example.com"), None);
        assert_eq!(
            normalize_https_url("HTTPS://Chat.Example.com:8443/chatwoot/")
                .ok()
                .as_deref(),
            Some("https://chat.example.com:8443/chatwoot")
        );
    }

    #[test]
    fn unknown_fields_and_wrong_types_are_named() {
        let (_, errors, _) = validate(
            ProviderId::Crisp,
            json!({"website_id": 42, "websiteid": "x"}),
            Completeness::Required,
        );
        assert!(errors
            .0
            .iter()
            .any(|e| e.field == "account.website_id" && e.code == ErrorCode::WrongType));
        assert!(errors
            .0
            .iter()
            .any(|e| e.field == "account.websiteid" && e.code == ErrorCode::UnknownField));
    }

    #[test]
    fn required_fields_only_when_complete_settings_are_needed() {
        let (_, errors, _) = validate(ProviderId::Tawkto, json!({}), Completeness::Required);
        assert!(errors
            .0
            .iter()
            .any(|e| e.field == "account.property_id" && e.code == ErrorCode::Required));
        let (account, errors, _) = validate(ProviderId::Tawkto, json!({}), Completeness::Optional);
        assert!(errors.is_empty(), "{errors}");
        assert!(!ProviderId::Tawkto.provider().is_complete(&account));
    }

    #[test]
    fn too_long_values_are_refused() {
        let long = "a".repeat(MAX_VALUE_LEN + 1);
        assert_eq!(
            error_code(
                ProviderId::Intercom,
                json!({"app_id": long}),
                "account.app_id"
            ),
            Some(ErrorCode::TooLong)
        );
    }

    #[test]
    fn host_names() {
        assert!(is_host_name("example.com"));
        assert!(is_host_name("localhost"));
        assert!(is_host_name("127.0.0.1"));
        assert!(is_host_name("xn--wgv71a.jp"));
        assert!(!is_host_name("Example.com"));
        assert!(!is_host_name("exa mple.com"));
        assert!(!is_host_name("example..com"));
        assert!(!is_host_name("-example.com"));
        assert!(!is_host_name(""));
    }
}
