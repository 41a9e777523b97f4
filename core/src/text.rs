//! Text shown to people, in both languages the product speaks.

use serde::Serialize;

/// A string in English and Japanese. Every user-facing catalog string has both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Localized {
    pub en: &'static str,
    pub ja: &'static str,
}

pub const fn l(en: &'static str, ja: &'static str) -> Localized {
    Localized { en, ja }
}
