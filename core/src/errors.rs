//! Field-level validation errors: a machine-readable code, the field it is
//! about (a path such as `account.website_id` or `domains[2]`) and an English
//! message. The admin app translates by code.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Values a message's text needs (`{"max": 100}`, `{"site": "shop"}`).
pub type Params = BTreeMap<String, Value>;

/// Why a field was refused. Serialized in snake_case (`invalid_format`, …).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The field is missing or empty but must have a value.
    Required,
    /// A JSON value of the wrong type (e.g. a number where text is expected).
    WrongType,
    /// The field is not part of this object.
    UnknownField,
    /// Characters outside what the format allows (quotes, `<`, spaces, …).
    UnsafeCharacters,
    /// Safe characters, but not the shape the format requires.
    InvalidFormat,
    /// Not one of the allowed choices.
    InvalidChoice,
    /// Longer than the limit.
    TooLong,
    /// A URL that is not https.
    NotHttps,
    /// A provider id the catalog does not have.
    UnknownProvider,
    /// The same value twice in one list.
    Duplicate,
    /// Another record already uses this value.
    AlreadyTaken,
    /// The field cannot be changed after creation.
    Immutable,
    /// Too many items in a list.
    TooMany,
    /// Shorter than the minimum.
    TooShort,
    /// A password found in lists of commonly used passwords.
    TooCommon,
    /// A password that repeats the user name.
    SameAsUsername,
    /// Invisible or direction-changing characters (U+200B, U+202E, …) that
    /// make a name look like something else.
    InvisibleCharacters,
    /// Only a signed-in admin may set this value (an API key may not).
    SignedInAdminRequired,
    /// The current password given to change it is not the admin's.
    WrongPassword,
    /// The new value is the one already set.
    Unchanged,
    /// No chatbot has this id.
    UnknownChatbot,
    /// The chatbot exists but may not be used as a site's chat.
    NotASiteChat,
    /// Other settings depend on this value (`params.sites`, `params.instance`).
    InUse,
    /// Not an IANA time zone name.
    UnknownTimeZone,
    /// An interval that ends before it starts.
    ReversedInterval,
    /// An interval that overlaps another (`params.other`).
    Overlapping,
    /// An iCalendar text that does not parse (`params.problem` says where).
    InvalidCalendar,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::WrongType => "wrong_type",
            Self::UnknownField => "unknown_field",
            Self::UnsafeCharacters => "unsafe_characters",
            Self::InvalidFormat => "invalid_format",
            Self::InvalidChoice => "invalid_choice",
            Self::TooLong => "too_long",
            Self::NotHttps => "not_https",
            Self::UnknownProvider => "unknown_provider",
            Self::Duplicate => "duplicate",
            Self::AlreadyTaken => "already_taken",
            Self::Immutable => "immutable",
            Self::TooMany => "too_many",
            Self::TooShort => "too_short",
            Self::TooCommon => "too_common",
            Self::SameAsUsername => "same_as_username",
            Self::InvisibleCharacters => "invisible_characters",
            Self::SignedInAdminRequired => "signed_in_admin_required",
            Self::WrongPassword => "wrong_password",
            Self::Unchanged => "unchanged",
            Self::UnknownChatbot => "unknown_chatbot",
            Self::NotASiteChat => "not_a_site_chat",
            Self::InUse => "in_use",
            Self::UnknownTimeZone => "unknown_time_zone",
            Self::ReversedInterval => "reversed_interval",
            Self::Overlapping => "overlapping",
            Self::InvalidCalendar => "invalid_calendar",
        }
    }

    pub const ALL: &'static [ErrorCode] = &[
        Self::Required,
        Self::WrongType,
        Self::UnknownField,
        Self::UnsafeCharacters,
        Self::InvalidFormat,
        Self::InvalidChoice,
        Self::TooLong,
        Self::NotHttps,
        Self::UnknownProvider,
        Self::Duplicate,
        Self::AlreadyTaken,
        Self::Immutable,
        Self::TooMany,
        Self::TooShort,
        Self::TooCommon,
        Self::SameAsUsername,
        Self::InvisibleCharacters,
        Self::SignedInAdminRequired,
        Self::WrongPassword,
        Self::Unchanged,
        Self::UnknownChatbot,
        Self::NotASiteChat,
        Self::InUse,
        Self::UnknownTimeZone,
        Self::ReversedInterval,
        Self::Overlapping,
        Self::InvalidCalendar,
    ];
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub code: ErrorCode,
    /// English, for API users; the admin app words `code` and `params` itself.
    pub message: String,
    /// Always present (`{}` when the text needs nothing).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub params: Params,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
            params: Params::new(),
        }
    }

    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.params.insert(name.to_string(), value.into());
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// A value that is accepted but looks unusual (formats marked "heuristic" in
/// the catalog): shown to the admin, never blocks saving.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldWarning {
    pub field: String,
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub params: Params,
}

/// Every problem found in one input, so the admin sees them all at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn push(&mut self, field: impl Into<String>, code: ErrorCode, message: impl Into<String>) {
        self.0.push(FieldError::new(field, code, message));
    }

    /// Adds an error built with [`FieldError::with`].
    pub fn add(&mut self, error: FieldError) {
        self.0.push(error);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }

    /// `Ok(value)` when nothing was pushed.
    pub fn into_result<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}
