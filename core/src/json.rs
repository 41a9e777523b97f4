//! Reading a JSON object field by field, collecting every problem instead of
//! stopping at the first (serde's derive stops at the first and names no field
//! for unknown keys).

use serde_json::{Map, Value};

use crate::errors::{ErrorCode, FieldError, FieldErrors};

pub(crate) struct ObjectReader<'a> {
    map: &'a Map<String, Value>,
    prefix: &'a str,
}

impl<'a> ObjectReader<'a> {
    /// `None` (with an error pushed) when `value` is not an object.
    pub fn new(
        value: &'a Value,
        prefix: &'a str,
        what: &str,
        errors: &mut FieldErrors,
    ) -> Option<Self> {
        match value.as_object() {
            Some(map) => Some(Self { map, prefix }),
            None => {
                let field = if prefix.is_empty() { "body" } else { prefix };
                errors.push(
                    field,
                    ErrorCode::WrongType,
                    format!("{what} must be a JSON object"),
                );
                None
            }
        }
    }

    pub fn path(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.prefix)
        }
    }

    pub fn reject_unknown(&self, known: &[&str], errors: &mut FieldErrors) {
        for key in self.map.keys() {
            if !known.contains(&key.as_str()) {
                errors.push(
                    self.path(key),
                    ErrorCode::UnknownField,
                    format!("unknown field {key:?}; expected {}", known.join(", ")),
                );
            }
        }
    }

    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key)
    }

    pub fn required_bool(&self, key: &str, errors: &mut FieldErrors) -> bool {
        match self.map.get(key) {
            Some(Value::Bool(b)) => *b,
            None => {
                errors.push(
                    self.path(key),
                    ErrorCode::Required,
                    format!("{key} is required (true or false)"),
                );
                false
            }
            Some(_) => {
                errors.push(
                    self.path(key),
                    ErrorCode::WrongType,
                    format!("{key} must be true or false"),
                );
                false
            }
        }
    }

    /// A string field; `None` when missing or wrong (an error is pushed for wrong types,
    /// and for a missing field when `required`).
    pub fn string(&self, key: &str, required: bool, errors: &mut FieldErrors) -> Option<&'a str> {
        match self.map.get(key) {
            Some(Value::String(s)) => Some(s.as_str()),
            None if required => {
                errors.push(
                    self.path(key),
                    ErrorCode::Required,
                    format!("{key} is required"),
                );
                None
            }
            None => None,
            Some(_) => {
                errors.push(
                    self.path(key),
                    ErrorCode::WrongType,
                    format!("{key} must be text"),
                );
                None
            }
        }
    }
}

/// A whole number field within `min..=max`; `default` when missing (or wrong,
/// with an error pushed).
pub(crate) fn integer_in(
    reader: &ObjectReader<'_>,
    key: &str,
    (min, max): (u64, u64),
    default: u64,
    errors: &mut FieldErrors,
) -> u64 {
    match reader.get(key) {
        None => default,
        Some(Value::Number(n)) => match n.as_u64() {
            Some(v) if (min..=max).contains(&v) => v,
            _ => {
                errors.add(
                    FieldError::new(
                        reader.path(key),
                        ErrorCode::InvalidChoice,
                        format!("{key} must be a whole number from {min} to {max}"),
                    )
                    .with("min", min)
                    .with("max", max),
                );
                default
            }
        },
        Some(_) => {
            errors.push(
                reader.path(key),
                ErrorCode::WrongType,
                format!("{key} must be a number"),
            );
            default
        }
    }
}
