//! Rules for what admins type: user names, passwords, API key names.

use serde_json::Value;

use crate::errors::{ErrorCode, FieldError, FieldErrors};
use crate::json::ObjectReader;

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 256;
pub const MAX_KEY_NAME_CHARS: usize = 100;
/// User names are at most 32 characters; a longer login name is refused unread.
pub const MAX_LOGIN_NAME_CHARS: usize = 32;

/// Passwords attackers try first (and their obvious variants). A short list:
/// the length rule does most of the work.
const COMMON_PASSWORDS: &[&str] = &[
    "1234567890",
    "12345678910",
    "123456789012",
    "0123456789",
    "1111111111",
    "0000000000",
    "1q2w3e4r5t",
    "qwertyuiop",
    "asdfghjkl;",
    "password12",
    "password123",
    "password1234",
    "passw0rd123",
    "administrator",
    "admin12345",
    "admin123456",
    "adminadmin",
    "letmein123",
    "welcome123",
    "iloveyou12",
    "switchboard",
    "switchboard1",
    "changeme123",
    "qwerty12345",
    "abcdefghij",
    "abc1234567",
    "trustno1234",
];

/// `[a-z0-9][a-z0-9._-]{0,31}`
pub fn is_username(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && name.len() <= 32
        && chars
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
}

/// Checks a new password; every broken rule is reported.
pub fn check_password(username: &str, password: &str, field: &str, errors: &mut FieldErrors) {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        errors.add(
            FieldError::new(
                field,
                ErrorCode::TooShort,
                format!("the password must be at least {MIN_PASSWORD_CHARS} characters long"),
            )
            .with("min", MIN_PASSWORD_CHARS),
        );
    } else if chars > MAX_PASSWORD_CHARS {
        errors.add(
            FieldError::new(
                field,
                ErrorCode::TooLong,
                format!("the password must be at most {MAX_PASSWORD_CHARS} characters long"),
            )
            .with("max", MAX_PASSWORD_CHARS),
        );
    } else if password.trim().is_empty() || password.chars().all(|c| password.starts_with(c)) {
        errors.push(
            field,
            ErrorCode::TooCommon,
            "the password must not be one character repeated",
        );
    } else if COMMON_PASSWORDS.contains(&password.to_lowercase().as_str()) {
        errors.push(
            field,
            ErrorCode::TooCommon,
            "this password is too common; choose one that is harder to guess",
        );
    } else if !username.is_empty() && password.to_lowercase().contains(&username.to_lowercase()) {
        errors.push(
            field,
            ErrorCode::SameAsUsername,
            "the password must not contain the user name",
        );
    }
}

/// A new admin: `{username, password}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAdmin {
    pub username: String,
    pub password: String,
}

impl NewAdmin {
    pub fn from_json(body: &Value) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let Some(reader) = ObjectReader::new(body, "", "the new admin", &mut errors) else {
            return Err(errors);
        };
        reader.reject_unknown(&["username", "password"], &mut errors);
        let username = reader
            .string("username", true, &mut errors)
            .map(str::trim)
            .unwrap_or_default()
            .to_string();
        if !errors.has("username") && !is_username(&username) {
            errors.push(
                "username",
                ErrorCode::InvalidFormat,
                "the user name must be 1 to 32 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit",
            );
        }
        let password = reader
            .string("password", true, &mut errors)
            .unwrap_or_default()
            .to_string();
        if !errors.has("password") {
            check_password(&username, &password, "password", &mut errors);
        }
        errors.into_result(NewAdmin { username, password })
    }
}

/// `{current_password, new_password}`: an admin changing their own password.
/// The new one follows the rules of setup; whether the current one is right
/// is for the server to check.
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Never prints the passwords.
impl std::fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordChange(***)")
    }
}

impl PasswordChange {
    pub fn from_json(username: &str, body: &Value) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let Some(reader) = ObjectReader::new(body, "", "the password change", &mut errors) else {
            return Err(errors);
        };
        reader.reject_unknown(&["current_password", "new_password"], &mut errors);
        let current = reader
            .string("current_password", true, &mut errors)
            .unwrap_or_default()
            .to_string();
        if current.chars().count() > MAX_PASSWORD_CHARS {
            errors.add(
                FieldError::new(
                    "current_password",
                    ErrorCode::TooLong,
                    format!("passwords are at most {MAX_PASSWORD_CHARS} characters"),
                )
                .with("max", MAX_PASSWORD_CHARS),
            );
        }
        let new = reader
            .string("new_password", true, &mut errors)
            .unwrap_or_default()
            .to_string();
        if !errors.has("new_password") {
            check_password(username, &new, "new_password", &mut errors);
        }
        if !errors.has("new_password") && !current.is_empty() && new == current {
            errors.push(
                "new_password",
                ErrorCode::Unchanged,
                "the new password is the current one; choose another",
            );
        }
        errors.into_result(PasswordChange {
            current_password: current,
            new_password: new,
        })
    }
}

/// Login input: `{username, password}`, checked only for shape (the answer to a
/// wrong one is the same whatever is wrong).
pub fn login_from_json(body: &Value) -> Result<(String, String), FieldErrors> {
    let mut errors = FieldErrors::default();
    let Some(reader) = ObjectReader::new(body, "", "the login", &mut errors) else {
        return Err(errors);
    };
    reader.reject_unknown(&["username", "password"], &mut errors);
    let username = reader
        .string("username", true, &mut errors)
        .map(str::trim)
        .unwrap_or_default();
    let password = reader
        .string("password", true, &mut errors)
        .unwrap_or_default();
    // Capped before anything is counted or logged: a login name longer than
    // any user name, or a password longer than any allowed one, cannot be right.
    if username.chars().count() > MAX_LOGIN_NAME_CHARS {
        errors.add(
            FieldError::new(
                "username",
                ErrorCode::TooLong,
                format!("user names are at most {MAX_LOGIN_NAME_CHARS} characters"),
            )
            .with("max", MAX_LOGIN_NAME_CHARS),
        );
    }
    // Such a name is no one's, and it must not reach the audit log as is.
    if crate::text::has_hidden_characters(username) {
        errors.push(
            "username",
            ErrorCode::InvisibleCharacters,
            "user names have no control, invisible or text-direction characters",
        );
    }
    if password.chars().count() > MAX_PASSWORD_CHARS {
        errors.add(
            FieldError::new(
                "password",
                ErrorCode::TooLong,
                format!("passwords are at most {MAX_PASSWORD_CHARS} characters"),
            )
            .with("max", MAX_PASSWORD_CHARS),
        );
    }
    errors.into_result((username.to_string(), password.to_string()))
}

/// An API key's name: trimmed, 1–100 characters, no control characters.
pub fn check_key_name(raw: Option<&str>, errors: &mut FieldErrors) -> String {
    let name = raw.map(str::trim).unwrap_or_default();
    if name.is_empty() {
        errors.push(
            "name",
            ErrorCode::Required,
            "give the key a name that says who or what uses it",
        );
    } else if name.chars().count() > MAX_KEY_NAME_CHARS {
        errors.add(
            FieldError::new(
                "name",
                ErrorCode::TooLong,
                format!("the name must be at most {MAX_KEY_NAME_CHARS} characters"),
            )
            .with("max", MAX_KEY_NAME_CHARS),
        );
    } else if name.chars().any(char::is_control) {
        errors.push(
            "name",
            ErrorCode::UnsafeCharacters,
            "the name must not contain control characters",
        );
    } else if crate::text::has_hidden_characters(name) {
        errors.push("name", ErrorCode::InvisibleCharacters, "the name must not contain invisible or text-direction characters (such as U+200B or U+202E)");
    }
    name.to_string()
}

/// `POST /api-keys` body: `{name}`.
pub fn new_key_from_json(body: &Value) -> Result<String, FieldErrors> {
    let mut errors = FieldErrors::default();
    let Some(reader) = ObjectReader::new(body, "", "the API key", &mut errors) else {
        return Err(errors);
    };
    reader.reject_unknown(&["name"], &mut errors);
    let raw = reader.string("name", true, &mut errors);
    let name = if errors.has("name") {
        String::new()
    } else {
        check_key_name(raw, &mut errors)
    };
    errors.into_result(name)
}

/// `PUT /api-keys/{id}` body: `{name?, regenerate?}`; at least one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyChange {
    pub name: Option<String>,
    pub regenerate: bool,
}

pub fn key_change_from_json(body: &Value) -> Result<KeyChange, FieldErrors> {
    let mut errors = FieldErrors::default();
    let Some(reader) = ObjectReader::new(body, "", "the API key change", &mut errors) else {
        return Err(errors);
    };
    reader.reject_unknown(&["name", "regenerate"], &mut errors);
    let name = reader
        .string("name", false, &mut errors)
        .map(|raw| check_key_name(Some(raw), &mut errors));
    let regenerate = match reader.get("regenerate") {
        None | Some(Value::Bool(false)) => false,
        Some(Value::Bool(true)) => true,
        Some(_) => {
            errors.push(
                "regenerate",
                ErrorCode::WrongType,
                "regenerate must be true or false",
            );
            false
        }
    };
    if errors.is_empty() && name.is_none() && !regenerate {
        errors.push(
            "name",
            ErrorCode::Required,
            "send a new name, or regenerate: true, or both",
        );
    }
    errors.into_result(KeyChange { name, regenerate })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn codes(result: Result<impl std::fmt::Debug, FieldErrors>) -> Vec<(String, ErrorCode)> {
        result
            .err()
            .map(|e| e.0.into_iter().map(|e| (e.field, e.code)).collect())
            .unwrap_or_default()
    }

    #[test]
    fn a_password_change_needs_both_and_a_new_password_that_follows_the_rules() {
        let ok = PasswordChange::from_json(
            "admin",
            &json!({"current_password": "old one here", "new_password": "a new long passphrase"}),
        );
        assert!(ok.is_ok());
        assert_eq!(
            codes(PasswordChange::from_json("admin", &json!({}))),
            [
                ("current_password".to_string(), ErrorCode::Required),
                ("new_password".to_string(), ErrorCode::Required)
            ]
        );
        assert_eq!(
            codes(PasswordChange::from_json(
                "admin",
                &json!({"current_password": "x", "new_password": "short"})
            )),
            [("new_password".to_string(), ErrorCode::TooShort)]
        );
        assert_eq!(
            codes(PasswordChange::from_json(
                "admin",
                &json!({"current_password": "same long passphrase", "new_password": "same long passphrase"})
            )),
            [("new_password".to_string(), ErrorCode::Unchanged)]
        );
        assert_eq!(
            codes(PasswordChange::from_json(
                "admin",
                &json!({"current_password": "x", "new_password": "admin-2026-long", "extra": 1})
            ))[0],
            ("extra".to_string(), ErrorCode::UnknownField)
        );
    }

    #[test]
    fn usernames() {
        for ok in ["admin", "a", "jane.doe", "ops-1", "x_y"] {
            assert!(is_username(ok), "{ok}");
        }
        for bad in ["", "Admin", ".a", "a b", "a@b", &"a".repeat(33), "管理者"] {
            assert!(!is_username(bad), "{bad}");
        }
    }

    #[test]
    fn password_rules_each_have_a_code() {
        let check = |user: &str, password: &str| {
            let mut errors = FieldErrors::default();
            check_password(user, password, "password", &mut errors);
            errors.0.first().map(|e| e.code)
        };
        assert_eq!(check("admin", "short"), Some(ErrorCode::TooShort));
        assert_eq!(check("admin", &"x".repeat(257)), Some(ErrorCode::TooLong));
        assert_eq!(check("admin", "aaaaaaaaaaaa"), Some(ErrorCode::TooCommon));
        assert_eq!(check("admin", "Password123"), Some(ErrorCode::TooCommon));
        assert_eq!(
            check("jane", "my-jane-password"),
            Some(ErrorCode::SameAsUsername)
        );
        assert_eq!(check("admin", "correct horse battery"), None);
    }

    #[test]
    fn new_admin_input() {
        let admin =
            NewAdmin::from_json(&json!({"username": " ops ", "password": "correct horse battery"}))
                .expect("valid");
        assert_eq!(admin.username, "ops");
        assert_eq!(
            codes(NewAdmin::from_json(
                &json!({"username": "Bad Name", "password": 5, "x": 1})
            )),
            vec![
                ("x".to_string(), ErrorCode::UnknownField),
                ("username".to_string(), ErrorCode::InvalidFormat),
                ("password".to_string(), ErrorCode::WrongType)
            ]
        );
    }

    #[test]
    fn key_names_and_changes() {
        assert_eq!(
            new_key_from_json(&json!({"name": "  CI deploy "}))
                .ok()
                .as_deref(),
            Some("CI deploy")
        );
        assert_eq!(
            codes(new_key_from_json(&json!({"name": "  "}))),
            vec![("name".to_string(), ErrorCode::Required)]
        );
        assert_eq!(
            codes(new_key_from_json(&json!({}))),
            vec![("name".to_string(), ErrorCode::Required)]
        );
        assert_eq!(
            codes(new_key_from_json(&json!({"name": "a\u{7}"}))),
            vec![("name".to_string(), ErrorCode::UnsafeCharacters)]
        );
        assert_eq!(
            key_change_from_json(&json!({"regenerate": true})).ok(),
            Some(KeyChange {
                name: None,
                regenerate: true
            })
        );
        assert_eq!(
            codes(key_change_from_json(&json!({}))),
            vec![("name".to_string(), ErrorCode::Required)]
        );
        assert_eq!(
            codes(key_change_from_json(&json!({"regenerate": "yes"}))),
            vec![("regenerate".to_string(), ErrorCode::WrongType)]
        );
    }
}
