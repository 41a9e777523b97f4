//! Sites: where the widget is embedded. A site has a slug id, a name and the
//! host names it runs on (the widget can find its site by host name).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::account::is_host_name;
use crate::errors::{ErrorCode, FieldError, FieldErrors};
use crate::json::ObjectReader;

pub const MAX_NAME_LEN: usize = 100;
pub const MAX_DOMAINS: usize = 100;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", schema(example = json!({"id": "marketing-jp", "name": "Marketing (Japan)", "domains": ["www.example.jp", "example.jp"]})))]
pub struct Site {
    #[cfg_attr(feature = "openapi", schema(pattern = "^[a-z0-9][a-z0-9-]{0,62}$"))]
    pub id: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub name: String,
    /// Host names the site is found by when its tag has no `data-site`;
    /// may be left out (none).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 100))]
    pub domains: Vec<String>,
}

/// `[a-z0-9][a-z0-9-]{0,62}`
pub fn is_site_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && id.len() <= 63
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Lowercases and drops a trailing dot; `None` unless the result is a valid host name.
pub fn normalize_domain(raw: &str) -> Option<String> {
    let host = raw.trim().to_ascii_lowercase();
    let host = host.strip_suffix('.').unwrap_or(&host);
    is_host_name(host).then(|| host.to_string())
}

impl Site {
    /// A new site from a `POST /sites` body: `{id, name, domains}`.
    pub fn create_from_json(body: &Value) -> Result<Site, FieldErrors> {
        let mut errors = FieldErrors::default();
        let Some(reader) = ObjectReader::new(body, "", "a site", &mut errors) else {
            return Err(errors);
        };
        reader.reject_unknown(&["id", "name", "domains"], &mut errors);
        let id = match reader.string("id", true, &mut errors) {
            Some(id) if is_site_id(id) => id.to_string(),
            Some(id) if id.trim().is_empty() => {
                errors.push(
                    "id",
                    ErrorCode::Required,
                    "give the site an id (e.g. marketing-jp)",
                );
                String::new()
            }
            Some(_) => {
                errors.push(
                    "id",
                    ErrorCode::InvalidFormat,
                    "id must be 1 to 63 lowercase letters, digits or '-', starting with a letter or digit (e.g. marketing-jp)",
                );
                String::new()
            }
            None => String::new(),
        };
        let (name, domains) = read_name_and_domains(&reader, &mut errors);
        errors.into_result(Site { id, name, domains })
    }

    /// The same site with a `PUT /sites/{id}` body applied: `{name, domains}`
    /// (an `id`, if sent, must be the current one: ids never change).
    pub fn update_from_json(&self, body: &Value) -> Result<Site, FieldErrors> {
        let mut errors = FieldErrors::default();
        let Some(reader) = ObjectReader::new(body, "", "a site", &mut errors) else {
            return Err(errors);
        };
        reader.reject_unknown(&["id", "name", "domains"], &mut errors);
        if let Some(id) = reader.string("id", false, &mut errors) {
            if id != self.id {
                errors.push(
                    "id",
                    ErrorCode::Immutable,
                    "a site's id cannot be changed; create a new site instead",
                );
            }
        }
        let (name, domains) = read_name_and_domains(&reader, &mut errors);
        errors.into_result(Site {
            id: self.id.clone(),
            name,
            domains,
        })
    }

    /// Errors for values another site already uses (`others` excludes this site).
    pub fn conflicts<'a>(
        &self,
        others: impl IntoIterator<Item = &'a Site>,
        is_new: bool,
    ) -> FieldErrors {
        let mut errors = FieldErrors::default();
        for other in others {
            if is_new && other.id == self.id {
                errors.add(
                    FieldError::new(
                        "id",
                        ErrorCode::AlreadyTaken,
                        format!("a site with id {:?} already exists", self.id),
                    )
                    .with("value", self.id.clone()),
                );
            }
            for (index, domain) in self.domains.iter().enumerate() {
                if other.domains.contains(domain) {
                    errors.add(
                        FieldError::new(
                            format!("domains[{index}]"),
                            ErrorCode::AlreadyTaken,
                            format!("{domain} already belongs to site {:?}", other.id),
                        )
                        .with("value", domain.clone())
                        .with("site", other.id.clone()),
                    );
                }
            }
        }
        errors
    }
}

fn read_name_and_domains(
    reader: &ObjectReader<'_>,
    errors: &mut FieldErrors,
) -> (String, Vec<String>) {
    let name = match reader.string("name", true, errors).map(str::trim) {
        Some("") => {
            errors.push("name", ErrorCode::Required, "name must not be empty");
            String::new()
        }
        Some(name) if name.chars().count() > MAX_NAME_LEN => {
            errors.add(
                FieldError::new(
                    "name",
                    ErrorCode::TooLong,
                    format!("name must be at most {MAX_NAME_LEN} characters"),
                )
                .with("max", MAX_NAME_LEN),
            );
            String::new()
        }
        Some(name) if name.chars().any(char::is_control) => {
            errors.push(
                "name",
                ErrorCode::UnsafeCharacters,
                "name must not contain control characters",
            );
            String::new()
        }
        Some(name) if crate::text::has_hidden_characters(name) => {
            errors.push(
                "name",
                ErrorCode::InvisibleCharacters,
                "name must not contain invisible or text-direction characters (such as U+200B or U+202E)",
            );
            String::new()
        }
        Some(name) => name.to_string(),
        None => String::new(),
    };
    let mut domains: Vec<String> = Vec::new();
    match reader.get("domains") {
        None => {}
        Some(Value::Array(items)) if items.len() > MAX_DOMAINS => {
            errors.add(
                FieldError::new(
                    "domains",
                    ErrorCode::TooMany,
                    format!("a site may have at most {MAX_DOMAINS} domains"),
                )
                .with("max", MAX_DOMAINS),
            );
        }
        Some(Value::Array(items)) => {
            for (index, item) in items.iter().enumerate() {
                let field = format!("domains[{index}]");
                let Some(raw) = item.as_str() else {
                    errors.push(field, ErrorCode::WrongType, "each domain must be text");
                    continue;
                };
                match normalize_domain(raw) {
                    Some(domain) if domains.contains(&domain) => {
                        errors.add(FieldError::new(field, ErrorCode::Duplicate, format!("{domain} is listed twice")).with("value", domain.clone()));
                    }
                    Some(domain) => domains.push(domain),
                    None => errors.add(
                        FieldError::new(
                            field,
                            ErrorCode::InvalidFormat,
                            format!("{raw:?} is not a host name; enter it like www.example.com, without https:// or a path"),
                        )
                        .with("value", raw)
                        .with("expected", "host_name"),
                    ),
                }
            }
        }
        Some(_) => errors.push(
            "domains",
            ErrorCode::WrongType,
            "domains must be a list of host names",
        ),
    }
    (name, domains)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(errors: FieldErrors) -> Vec<(String, ErrorCode)> {
        errors.0.into_iter().map(|e| (e.field, e.code)).collect()
    }

    #[test]
    fn site_ids() {
        for ok in ["a", "marketing", "jp-2", "0site", &"a".repeat(63)] {
            assert!(is_site_id(ok), "{ok}");
        }
        for bad in [
            "",
            "-a",
            "A",
            "a_b",
            "a b",
            "a\"",
            "<x>",
            &"a".repeat(64),
            "サイト",
        ] {
            assert!(!is_site_id(bad), "{bad}");
        }
    }

    #[test]
    fn a_site_is_created_with_normalized_domains() {
        let site = Site::create_from_json(&json!({"id": "shop", "name": " Shop ", "domains": ["Shop.Example.com.", "example.jp"]})).expect("valid");
        assert_eq!(
            site,
            Site {
                id: "shop".into(),
                name: "Shop".into(),
                domains: vec!["shop.example.com".into(), "example.jp".into()]
            }
        );
    }

    #[test]
    fn bad_sites_name_each_field() {
        let errors = Site::create_from_json(&json!({
            "id": "Bad Id", "name": "", "domains": ["https://x.com/", "ok.com", "OK.com", 7], "extra": 1
        }))
        .expect_err("invalid");
        assert_eq!(
            fields(errors),
            vec![
                ("extra".to_string(), ErrorCode::UnknownField),
                ("id".to_string(), ErrorCode::InvalidFormat),
                ("name".to_string(), ErrorCode::Required),
                ("domains[0]".to_string(), ErrorCode::InvalidFormat),
                ("domains[2]".to_string(), ErrorCode::Duplicate),
                ("domains[3]".to_string(), ErrorCode::WrongType),
            ]
        );
    }

    #[test]
    fn ids_cannot_change_on_update() {
        let site = Site {
            id: "shop".into(),
            name: "Shop".into(),
            domains: vec![],
        };
        let errors = site
            .update_from_json(&json!({"id": "other", "name": "Shop"}))
            .expect_err("immutable");
        assert_eq!(
            fields(errors),
            vec![("id".to_string(), ErrorCode::Immutable)]
        );
        let updated = site
            .update_from_json(&json!({"id": "shop", "name": "Shop 2", "domains": ["a.com"]}))
            .expect("valid");
        assert_eq!(updated.name, "Shop 2");
    }

    #[test]
    fn conflicts_with_other_sites() {
        let existing = [Site {
            id: "shop".into(),
            name: "Shop".into(),
            domains: vec!["shop.com".into()],
        }];
        let candidate = Site {
            id: "shop".into(),
            name: "X".into(),
            domains: vec!["x.com".into(), "shop.com".into()],
        };
        assert_eq!(
            fields(candidate.conflicts(&existing, true)),
            vec![
                ("id".to_string(), ErrorCode::AlreadyTaken),
                ("domains[1]".to_string(), ErrorCode::AlreadyTaken)
            ]
        );
    }
}
