//! What a site's visitor sends the built-in assistant's public chat API,
//! checked field by field: who they are (when the site signed them in),
//! their messages, their votes on answers.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::chatbot::{check_text, message_text};
use crate::errors::{ErrorCode, FieldErrors};
use crate::json::ObjectReader;

/// Longest visitor id, name or e-mail kept.
pub const MAX_VISITOR_FIELD: usize = 254;

/// A signed-in visitor as the site's tag (or `Switchboard.identify`) names
/// them. Unverified: the site's page says so; transcripts show it as given.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visitor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl Visitor {
    pub fn is_empty(&self) -> bool {
        self.id.is_none() && self.name.is_none() && self.email.is_none()
    }
}

/// `POST /chat/{bot}/conversations`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartRequest {
    /// The site whose chat this is; none on the bot's direct chat page.
    pub site: Option<String>,
    pub visitor: Option<Visitor>,
}

/// `POST /chat/{bot}/conversations/{id}/messages`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRequest {
    pub message: String,
    /// Who the visitor is now, when the page says (they may sign in later).
    pub visitor: Option<Visitor>,
}

/// A visitor's vote on an answer.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Vote {
    Up,
    Down,
}

fn visitor_from(reader: &ObjectReader<'_>, errors: &mut FieldErrors) -> Option<Visitor> {
    let value = reader.get("visitor")?;
    if value.is_null() {
        return None;
    }
    let inner = ObjectReader::new(value, "visitor", "visitor", errors)?;
    inner.reject_unknown(&["id", "name", "email"], errors);
    let mut field = |key: &str| {
        let raw = inner.string(key, false, errors)?;
        let text = check_text(&inner.path(key), raw, MAX_VISITOR_FIELD, false, errors);
        (!text.is_empty()).then_some(text)
    };
    let visitor = Visitor {
        id: field("id"),
        name: field("name"),
        email: field("email"),
    };
    if let Some(email) = &visitor.email {
        let shaped = email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
            && !email.chars().any(char::is_whitespace);
        if !shaped {
            errors.push(
                "visitor.email",
                ErrorCode::InvalidFormat,
                "visitor.email must be an e-mail address",
            );
        }
    }
    Some(visitor).filter(|v| !v.is_empty())
}

pub fn start_from_json(body: &Value) -> Result<StartRequest, FieldErrors> {
    let mut errors = FieldErrors::default();
    let Some(reader) = ObjectReader::new(body, "", "the request", &mut errors) else {
        return Err(errors);
    };
    reader.reject_unknown(&["site", "visitor"], &mut errors);
    let site = reader
        .string("site", false, &mut errors)
        .map(str::to_string);
    if site.as_deref().is_some_and(|s| {
        s.is_empty() || s.len() > 64 || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    }) {
        errors.push("site", ErrorCode::InvalidFormat, "site must be a site id");
    }
    let visitor = visitor_from(&reader, &mut errors);
    errors.into_result(StartRequest { site, visitor })
}

pub fn message_from_json(body: &Value) -> Result<MessageRequest, FieldErrors> {
    let mut errors = FieldErrors::default();
    let Some(reader) = ObjectReader::new(body, "", "the message", &mut errors) else {
        return Err(errors);
    };
    reader.reject_unknown(&["message", "visitor"], &mut errors);
    let message = message_text(
        "message",
        reader.string("message", true, &mut errors),
        &mut errors,
    );
    let visitor = visitor_from(&reader, &mut errors);
    errors.into_result(MessageRequest { message, visitor })
}

/// `{"vote": "up" | "down" | null}` (null takes the vote back).
pub fn feedback_from_json(body: &Value) -> Result<Option<Vote>, FieldErrors> {
    let mut errors = FieldErrors::default();
    let Some(reader) = ObjectReader::new(body, "", "the vote", &mut errors) else {
        return Err(errors);
    };
    reader.reject_unknown(&["vote"], &mut errors);
    let vote = match reader.get("vote") {
        None => {
            errors.push(
                "vote",
                ErrorCode::Required,
                "vote is required (up, down or null)",
            );
            None
        }
        Some(Value::Null) => None,
        Some(value) => {
            let vote = serde_json::from_value(value.clone()).ok();
            if vote.is_none() {
                errors.push(
                    "vote",
                    ErrorCode::InvalidChoice,
                    "vote must be up, down or null",
                );
            }
            vote
        }
    };
    errors.into_result(vote)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn codes(errors: FieldErrors) -> Vec<(String, &'static str)> {
        errors
            .0
            .into_iter()
            .map(|e| (e.field, e.code.as_str()))
            .collect()
    }

    #[test]
    fn a_start_names_the_site_and_a_signed_in_visitor() {
        let start = start_from_json(&json!({"site": "shop", "visitor": {"id": "u-1", "name": " 山田 花子 ", "email": "hanako@example.jp"}})).expect("valid");
        assert_eq!(start.site.as_deref(), Some("shop"));
        let visitor = start.visitor.expect("visitor");
        assert_eq!(visitor.name.as_deref(), Some("山田 花子"), "trimmed");
        // A guest (no values) is no visitor at all.
        let guest = start_from_json(&json!({"visitor": {"name": "  "}})).expect("valid");
        assert_eq!(
            guest,
            StartRequest {
                site: None,
                visitor: None
            }
        );
        let bad = start_from_json(&json!({"site": "../x", "visitor": {"email": "nobody", "role": "admin", "name": "a\u{202e}b"}})).expect_err("refused");
        assert_eq!(
            codes(bad),
            [
                ("site".to_string(), "invalid_format"),
                ("visitor.role".to_string(), "unknown_field"),
                ("visitor.name".to_string(), "unsafe_characters"),
                ("visitor.email".to_string(), "invalid_format"),
            ]
        );
    }

    #[test]
    fn messages_are_bounded_and_votes_are_up_down_or_taken_back() {
        let lines = message_from_json(&json!({"message": "〒100-0001\r\n東京都\n\tcode"}));
        assert_eq!(
            lines.map(|m| m.message),
            Ok("〒100-0001\n東京都\n\tcode".to_string()),
            "line breaks of either kind and tabs are text"
        );
        assert_eq!(
            codes(message_from_json(&json!({"message": "a\rb"})).expect_err("a lone CR")),
            [("message".to_string(), "unsafe_characters")]
        );
        let long = "あ".repeat(crate::chatbot::MAX_MESSAGE_CHARS + 1);
        assert_eq!(
            codes(message_from_json(&json!({"message": long})).expect_err("too long")),
            [("message".to_string(), "too_long")]
        );
        assert_eq!(
            message_from_json(&json!({"message": " Hello\nthere "}))
                .expect("ok")
                .message,
            "Hello\nthere"
        );
        assert_eq!(
            feedback_from_json(&json!({"vote": "up"})),
            Ok(Some(Vote::Up))
        );
        assert_eq!(feedback_from_json(&json!({"vote": null})), Ok(None));
        assert_eq!(
            codes(feedback_from_json(&json!({"vote": "meh"})).expect_err("bad")),
            [("vote".to_string(), "invalid_choice")]
        );
        assert_eq!(
            codes(feedback_from_json(&json!({})).expect_err("missing")),
            [("vote".to_string(), "required")]
        );
    }
}
