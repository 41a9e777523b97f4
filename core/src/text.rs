//! Text shown to people, in both languages the product speaks.

use serde::Serialize;

/// A string in English and Japanese. Every user-facing catalog string has both.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Localized {
    pub en: &'static str,
    pub ja: &'static str,
}

pub const fn l(en: &'static str, ja: &'static str) -> Localized {
    Localized { en, ja }
}

/// Characters that are invisible or change the direction of the text around
/// them (zero-width spaces and joiners, bidi embeddings, overrides and
/// isolates, the byte-order mark, soft hyphen…): in a name they make it look
/// like another name, or reorder what follows it on screen. The joiners
/// (U+200C, U+200D) and variation selectors stay allowed: emoji and several
/// scripts need them.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{180B}'..='\u{180F}'
        | '\u{200B}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{3164}'
        | '\u{2028}' | '\u{2029}' | '\u{2800}' | '\u{FFFC}' | '\u{1D173}'..='\u{1D17A}' | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{13430}'..='\u{1343F}' | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFB}' | '\u{E0000}'..='\u{E007F}')
}

/// Whether `text` contains a control or an invisible character.
pub fn has_hidden_characters(text: &str) -> bool {
    text.chars().any(|c| c.is_control() || is_invisible(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_overrides_and_zero_width_characters_are_hidden_characters() {
        for text in [
            "shop\u{202E}gnp.exe",
            "a\u{200B}b",
            "\u{FEFF}x",
            "a\u{2028}b",
            "\u{2800}",
            "x\u{1D173}",
            "x\u{2066}y",
            "tab\there",
            "a\u{00AD}b",
        ] {
            assert!(has_hidden_characters(text), "{text:?}");
        }
        for text in [
            "Shop",
            "ショップ 本店",
            "Café-Bar (east)",
            "👩\u{200D}💻",
            "❤\u{FE0F}",
        ] {
            assert!(!has_hidden_characters(text), "{text:?}");
        }
    }
}
