//! Keeping and exporting conversations: how many days they are kept, the
//! export formats, and CSV rows that a spreadsheet opens safely.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::errors::FieldErrors;
use crate::json::{integer_in, ObjectReader};

/// Days conversations are kept, at least and at most.
pub const RETENTION_DAYS: (u64, u64) = (1, 3650);
pub const DEFAULT_RETENTION_DAYS: u32 = 90;

/// How long conversations are kept: the server removes those last active
/// longer ago than `retention_days`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"retention_days": 90})))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationSettings {
    /// 1 to 3650.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 3650))]
    pub retention_days: u32,
}

impl Default for ConversationSettings {
    fn default() -> Self {
        Self {
            retention_days: DEFAULT_RETENTION_DAYS,
        }
    }
}

impl ConversationSettings {
    pub fn from_json(value: &Value) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        let Some(reader) = ObjectReader::new(value, "", "the settings", &mut errors) else {
            return Err(errors);
        };
        reader.reject_unknown(&["retention_days"], &mut errors);
        if reader.get("retention_days").is_none() {
            errors.push(
                "retention_days",
                crate::errors::ErrorCode::Required,
                "retention_days is required",
            );
        }
        let days = integer_in(
            &reader,
            "retention_days",
            RETENTION_DAYS,
            u64::from(DEFAULT_RETENTION_DAYS),
            &mut errors,
        );
        errors.into_result(Self {
            retention_days: u32::try_from(days).unwrap_or(DEFAULT_RETENTION_DAYS),
        })
    }
}

/// The formats a date range of conversations is exported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One JSON object per line, each a record as stored.
    JsonLines,
    /// One row per record, with a header row, UTF-8 with a byte order mark
    /// (so spreadsheet programs read Japanese right).
    Csv,
}

impl ExportFormat {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "jsonl" => Some(Self::JsonLines),
            "csv" => Some(Self::Csv),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::JsonLines => "jsonl",
            Self::Csv => "csv",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::JsonLines => "application/jsonl; charset=utf-8",
            Self::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// The columns of a CSV export, in order.
pub const CSV_COLUMNS: [&str; 16] = [
    "seq",
    "at",
    "conversation",
    "bot",
    "origin",
    "site",
    "event",
    "author",
    "text",
    "model",
    "message",
    "vote",
    "code",
    "visitor_id",
    "visitor_name",
    "visitor_email",
];

/// One CSV line (RFC 4180, CRLF). Every field is quoted; a field a
/// spreadsheet would run as a formula (visitors write these) starts with
/// an apostrophe, as OWASP advises against CSV injection.
pub fn csv_row<'a>(fields: impl IntoIterator<Item = &'a str>) -> String {
    let mut line = String::new();
    for (index, field) in fields.into_iter().enumerate() {
        if index > 0 {
            line.push(',');
        }
        line.push('"');
        if field.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            line.push('\'');
        }
        line.push_str(&field.replace('"', "\"\""));
        line.push('"');
    }
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn retention_is_a_whole_number_of_days_in_range() {
        let ok = ConversationSettings::from_json(&json!({"retention_days": 30}));
        assert_eq!(ok.map(|s| s.retention_days), Ok(30));
        for bad in [
            json!({"retention_days": 0}),
            json!({"retention_days": 3651}),
            json!({"retention_days": 1.5}),
            json!({"retention_days": "30"}),
            json!({}),
            json!({"retention_days": 30, "extra": 1}),
            json!([]),
        ] {
            let errors = ConversationSettings::from_json(&bad).expect_err("refused");
            assert!(!errors.is_empty(), "{bad}");
        }
    }

    #[test]
    fn csv_rows_quote_everything_and_defuse_formulas() {
        assert_eq!(
            csv_row(["1", "say \"hi\"", "line\nbreak", "=HYPERLINK(\"x\")", "-2", "@a", "日本語"]),
            "\"1\",\"say \"\"hi\"\"\",\"line\nbreak\",\"'=HYPERLINK(\"\"x\"\")\",\"'-2\",\"'@a\",\"日本語\"\r\n"
        );
        assert_eq!(
            csv_row(CSV_COLUMNS).matches(',').count(),
            CSV_COLUMNS.len() - 1
        );
    }

    #[test]
    fn export_formats_parse_by_their_extension() {
        assert_eq!(ExportFormat::parse("csv"), Some(ExportFormat::Csv));
        assert_eq!(ExportFormat::parse("jsonl"), Some(ExportFormat::JsonLines));
        assert_eq!(ExportFormat::parse("xlsx"), None);
        assert_eq!(ExportFormat::JsonLines.extension(), "jsonl");
    }
}
