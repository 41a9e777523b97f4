//! Display rules: on which pages, in which hours, after what consent and how
//! the chat loads. Part of each settings object (instance and site), so they
//! resolve with the rest: a site that uses its own settings uses its own rules.
//!
//! The server reduces them to [`PublicRules`] for the widget (the open hours
//! become UTC instants, see `crate::hours`), and [`evaluate`] is what the
//! loader does with those, in Rust: the admin app's "test a page" box and the
//! unit tests run it, and the loader is tested in browsers against it.

use std::collections::BTreeSet;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::account::{validate_account, Account, Completeness};
use crate::catalog::ProviderId;
use crate::errors::{ErrorCode, FieldError, FieldErrors, FieldWarning};
use crate::json::ObjectReader;

/// At most this many patterns in each of `include` and `exclude`.
pub const MAX_PATTERNS: usize = 50;
/// Longest page pattern, in characters once percent-encoded.
pub const MAX_PATTERN_LENGTH: usize = 200;
/// At most this many intervals on one day of the week.
pub const MAX_DAY_INTERVALS: usize = 8;
/// At most this many language accounts.
pub const MAX_LANGUAGES: usize = 20;
/// Largest uploaded `.ics` file.
pub const MAX_ICS_BYTES: usize = 512 * 1024;
/// Longest calendar feed URL.
pub const MAX_FEED_URL_LENGTH: usize = 2048;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "pages": {"include": [], "exclude": ["/admin*"]},
    "hours": {"time_zone": "Asia/Tokyo", "weekly": {"mon": [{"from": "09:00", "to": "18:00"}]},
        "calendar": {"kind": "feed", "url": "https://calendar.example.jp/holidays.ics"}, "outside": "hide", "chatbot": null},
    "languages": [], "consent": null, "loading": "interaction"})))]
pub struct DisplayRules {
    #[serde(default)]
    pub pages: PageRules,
    /// `null`: always open.
    #[serde(default)]
    pub hours: Option<BusinessHours>,
    /// A different provider account by the page's language (`<html lang>`).
    #[serde(default)]
    pub languages: Vec<LanguageAccount>,
    /// `null`: the chat needs no consent.
    #[serde(default)]
    pub consent: Option<Consent>,
    #[serde(default)]
    pub loading: Loading,
}

impl DisplayRules {
    /// No rule: every page, always, at once (what a site had before rules).
    pub fn is_default(&self) -> bool {
        self == &Self::default()
    }
}

/// Page path patterns: `*` is any run of characters; a pattern ending in
/// `/*` also matches the path without it (`/help/*` matches `/help`); a
/// trailing `/` never matters. Exclude wins; no include means every page.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRules {
    #[serde(default)]
    pub include: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
}

impl PageRules {
    pub fn is_empty(&self) -> bool {
        self.include.is_empty() && self.exclude.is_empty()
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessHours {
    /// An IANA time zone (`Asia/Tokyo`).
    pub time_zone: String,
    pub weekly: Weekly,
    /// Closures (holidays): every event of this calendar is closed time.
    #[serde(default)]
    pub calendar: Option<CalendarSource>,
    pub outside: OutsideHours,
    /// The chatbot shown outside hours (`outside: "chatbot"`).
    #[serde(default)]
    pub chatbot: Option<String>,
}

/// Open intervals by day of the week, in the time zone's local time.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weekly {
    #[serde(default)]
    pub mon: Vec<Span>,
    #[serde(default)]
    pub tue: Vec<Span>,
    #[serde(default)]
    pub wed: Vec<Span>,
    #[serde(default)]
    pub thu: Vec<Span>,
    #[serde(default)]
    pub fri: Vec<Span>,
    #[serde(default)]
    pub sat: Vec<Span>,
    #[serde(default)]
    pub sun: Vec<Span>,
}

pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl Weekly {
    /// Monday is 0.
    pub fn day(&self, weekday: usize) -> &[Span] {
        match weekday {
            0 => &self.mon,
            1 => &self.tue,
            2 => &self.wed,
            3 => &self.thu,
            4 => &self.fri,
            5 => &self.sat,
            _ => &self.sun,
        }
    }

    fn day_mut(&mut self, weekday: usize) -> &mut Vec<Span> {
        match weekday {
            0 => &mut self.mon,
            1 => &mut self.tue,
            2 => &mut self.wed,
            3 => &mut self.thu,
            4 => &mut self.fri,
            5 => &mut self.sat,
            _ => &mut self.sun,
        }
    }
}

/// `from` to `to` on one day; `to` may be `24:00`. A night shift is two spans.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "09:00"))]
    pub from: ClockTime,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "18:00"))]
    pub to: ClockTime,
}

/// Minutes after local midnight, written `HH:MM` (00:00 to 24:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClockTime(pub u16);

impl ClockTime {
    pub const END_OF_DAY: ClockTime = ClockTime(24 * 60);

    pub fn parse(text: &str) -> Option<Self> {
        let (h, m) = text.split_once(':')?;
        if h.len() != 2 || m.len() != 2 || !(h.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
        let minutes = h * 60 + m;
        (m < 60 && minutes <= 24 * 60).then_some(Self(minutes))
    }

    pub fn text(self) -> String {
        format!("{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl Serialize for ClockTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text())
    }
}

impl<'de> Deserialize<'de> for ClockTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).ok_or_else(|| serde::de::Error::custom("expected HH:MM"))
    }
}

/// Where closures come from.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CalendarSource {
    /// An iCalendar feed the server fetches on a schedule (`webcal://` is read as `https://`).
    Feed { url: String },
    /// An uploaded `.ics` file, kept as it is.
    File { name: String, ics: String },
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutsideHours {
    /// No chat outside hours (a loaded chat is hidden where its provider can hide).
    #[default]
    Hide,
    /// The chat stays (providers show their offline form).
    Keep,
    /// The chatbot named in `chatbot` (the built-in assistant) instead.
    Chatbot,
}

impl OutsideHours {
    pub const ALL: [Self; 3] = [Self::Hide, Self::Keep, Self::Chatbot];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hide => "hide",
            Self::Keep => "keep",
            Self::Chatbot => "chatbot",
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LanguageAccount {
    /// A language tag, lowercase (`en`, `pt-br`); `en` also matches `en-US`.
    pub lang: String,
    pub provider: ProviderId,
    #[serde(default)]
    pub account: Account,
}

/// Load only after consent: `Switchboard.consent(true)`, or this cookie.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cookie: Option<ConsentCookie>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentCookie {
    pub name: String,
    /// The value that means yes.
    pub value: String,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loading {
    /// With the page.
    #[default]
    Now,
    /// When the browser is idle.
    Idle,
    /// A launcher button first; the provider loads when the visitor reaches for it.
    Interaction,
}

impl Loading {
    pub const ALL: [Self; 3] = [Self::Now, Self::Idle, Self::Interaction];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Now => "now",
            Self::Idle => "idle",
            Self::Interaction => "interaction",
        }
    }
}

// ---------------------------------------------------------------------------
// Page patterns

/// Characters a page pattern may hold besides letters and digits: RFC 3986's
/// path characters, and `*`.
const PATH_PUNCTUATION: &str = "-._~!$&'()*+,;=:@/%";

/// Checks a page pattern and returns it as the loader compares it: non-ASCII
/// percent-encoded as browsers encode `location.pathname`, hex digits upper
/// case. `Err` says why not.
pub fn normalize_pattern(raw: &str) -> Result<String, (ErrorCode, &'static str)> {
    let text = raw.trim();
    if text.is_empty() {
        return Err((ErrorCode::Required, "a page pattern may not be empty"));
    }
    if !text.starts_with('/') && !text.starts_with('*') {
        return Err((
            ErrorCode::InvalidFormat,
            "a page pattern is a path: it starts with / (or *)",
        ));
    }
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .filter(|h| h.iter().all(u8::is_ascii_hexdigit));
            let Some(hex) = hex else {
                return Err((
                    ErrorCode::InvalidFormat,
                    "% in a page pattern must start an escape such as %20",
                ));
            };
            out.push('%');
            out.push(hex[0].to_ascii_uppercase() as char);
            out.push(hex[1].to_ascii_uppercase() as char);
            i += 3;
            continue;
        }
        if b.is_ascii_alphanumeric() || PATH_PUNCTUATION.as_bytes().contains(&b) {
            out.push(b as char);
        } else if b >= 0x80 {
            out.push_str(&format!("%{b:02X}"));
        } else {
            return Err((
                ErrorCode::UnsafeCharacters,
                "a page pattern may hold only the characters of a URL path (no spaces, ?, #, quotes or <>)",
            ));
        }
        i += 1;
    }
    if out.contains("**") {
        return Err((ErrorCode::InvalidFormat, "write * once: ** means the same"));
    }
    if out.len() > MAX_PATTERN_LENGTH {
        return Err((
            ErrorCode::TooLong,
            "a page pattern may be at most 200 characters",
        ));
    }
    Ok(out)
}

/// A page path as the loader compares it: non-ASCII percent-encoded (as
/// browsers give `location.pathname`), escapes' hex digits upper case (the
/// loader does the same to the page's path).
pub fn normalize_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let bytes = path.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%'
            && bytes
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
        {
            out.push('%');
            out.push(bytes[i + 1].to_ascii_uppercase() as char);
            out.push(bytes[i + 2].to_ascii_uppercase() as char);
            i += 3;
            continue;
        }
        if b >= 0x80 || b == b' ' {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(b as char);
        }
        i += 1;
    }
    out
}

/// Whether `path` (as `location.pathname` gives it) matches `pattern` (as
/// [`normalize_pattern`] returns it).
pub fn pattern_matches(pattern: &str, path: &str) -> bool {
    let path = trim_slash(path);
    let pattern = trim_slash(pattern);
    glob(pattern.as_bytes(), path.as_bytes())
        || pattern
            .strip_suffix("/*")
            .is_some_and(|parent| glob(trim_slash(parent).as_bytes(), path.as_bytes()))
}

fn trim_slash(text: &str) -> &str {
    match text.strip_suffix('/') {
        Some(rest) if !rest.is_empty() => rest,
        _ => text,
    }
}

/// `*` matches any run of bytes. Iterative with one backtrack point, so its
/// cost is at most pattern × path.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&b| b == b'*')
}

// ---------------------------------------------------------------------------
// Parsing

const RULE_FIELDS: [&str; 5] = ["pages", "hours", "languages", "consent", "loading"];
const HOURS_FIELDS: [&str; 5] = ["time_zone", "weekly", "calendar", "outside", "chatbot"];

/// Checks of what needs the server's data: time zones, calendars.
pub trait RuleChecks {
    fn time_zone_known(&self, name: &str) -> bool;
    /// `Err(message)` when the `.ics` text does not parse (the message names the line).
    fn calendar_parses(&self, ics: &str) -> Result<(), String>;
}

/// Parses display rules from a request body; every problem gets its field.
pub fn rules_from_json(
    body: &Value,
    checks: &dyn RuleChecks,
) -> Result<(DisplayRules, Vec<FieldWarning>), FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut warnings = Vec::new();
    let Some(reader) = ObjectReader::new(body, "", "display rules", &mut errors) else {
        return Err(errors);
    };
    reader.reject_unknown(&RULE_FIELDS, &mut errors);
    let pages = read_pages(reader.get("pages"), &mut errors);
    let hours = match reader.get("hours") {
        None | Some(Value::Null) => None,
        Some(value) => read_hours(value, checks, &mut errors),
    };
    let languages = read_languages(reader.get("languages"), &mut errors, &mut warnings);
    let consent = match reader.get("consent") {
        None | Some(Value::Null) => None,
        Some(value) => read_consent(value, &mut errors),
    };
    let loading = match reader.string("loading", false, &mut errors) {
        None => Loading::default(),
        Some(text) => Loading::ALL
            .into_iter()
            .find(|l| l.as_str() == text)
            .unwrap_or_else(|| {
                errors.push(
                    "loading",
                    ErrorCode::InvalidChoice,
                    "loading must be one of: now, idle, interaction",
                );
                Loading::default()
            }),
    };
    let rules = DisplayRules {
        pages,
        hours,
        languages,
        consent,
        loading,
    };
    errors.into_result((rules, warnings))
}

fn read_pages(value: Option<&Value>, errors: &mut FieldErrors) -> PageRules {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return PageRules::default();
    };
    let Some(reader) = ObjectReader::new(value, "pages", "pages", errors) else {
        return PageRules::default();
    };
    reader.reject_unknown(&["include", "exclude"], errors);
    PageRules {
        include: read_patterns(reader.get("include"), "pages.include", errors),
        exclude: read_patterns(reader.get("exclude"), "pages.exclude", errors),
    }
}

fn read_patterns(value: Option<&Value>, field: &str, errors: &mut FieldErrors) -> Vec<String> {
    let items = match value {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(items)) => items,
        Some(_) => {
            errors.push(
                field,
                ErrorCode::WrongType,
                "a list of page patterns (text) is expected",
            );
            return Vec::new();
        }
    };
    if items.len() > MAX_PATTERNS {
        errors.add(
            FieldError::new(
                field,
                ErrorCode::TooMany,
                format!("at most {MAX_PATTERNS} page patterns"),
            )
            .with("max", MAX_PATTERNS),
        );
        return Vec::new();
    }
    let mut seen = BTreeSet::new();
    let mut patterns = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("{field}[{i}]");
        let Some(text) = item.as_str() else {
            errors.push(at, ErrorCode::WrongType, "a page pattern is text");
            continue;
        };
        match normalize_pattern(text) {
            Ok(pattern) if !seen.insert(trim_slash(&pattern).to_string()) => {
                errors.add(
                    FieldError::new(
                        at,
                        ErrorCode::Duplicate,
                        format!("{pattern} is listed twice"),
                    )
                    .with("value", pattern),
                );
            }
            Ok(pattern) => patterns.push(pattern),
            Err((code, message)) => {
                let mut error = FieldError::new(at, code, message);
                if code == ErrorCode::TooLong {
                    error = error.with("max", MAX_PATTERN_LENGTH);
                }
                errors.add(error);
            }
        }
    }
    patterns
}

fn read_hours(
    value: &Value,
    checks: &dyn RuleChecks,
    errors: &mut FieldErrors,
) -> Option<BusinessHours> {
    let reader = ObjectReader::new(value, "hours", "hours", errors)?;
    reader.reject_unknown(&HOURS_FIELDS, errors);
    let time_zone = reader
        .string("time_zone", true, errors)
        .map(str::trim)
        .unwrap_or_default()
        .to_string();
    if !time_zone.is_empty() && !checks.time_zone_known(&time_zone) {
        errors.add(
            FieldError::new(
                "hours.time_zone",
                ErrorCode::UnknownTimeZone,
                format!(
                    "{time_zone:?} is not an IANA time zone (such as Asia/Tokyo or Europe/Berlin)"
                ),
            )
            .with("value", time_zone.as_str()),
        );
    } else if reader.get("time_zone").is_some() && time_zone.is_empty() {
        errors.push(
            "hours.time_zone",
            ErrorCode::Required,
            "time_zone is required",
        );
    }
    let weekly = read_weekly(reader.get("weekly"), errors);
    let calendar = match reader.get("calendar") {
        None | Some(Value::Null) => None,
        Some(value) => read_calendar(value, checks, errors),
    };
    let outside = match reader.string("outside", true, errors) {
        Some(text) => OutsideHours::ALL
            .into_iter()
            .find(|o| o.as_str() == text)
            .unwrap_or_else(|| {
                errors.push(
                    "hours.outside",
                    ErrorCode::InvalidChoice,
                    "outside must be one of: hide, keep, chatbot",
                );
                OutsideHours::default()
            }),
        None => OutsideHours::default(),
    };
    let chatbot = match reader.get("chatbot") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) if !id.trim().is_empty() => Some(id.trim().to_ascii_lowercase()),
        Some(Value::String(_)) => None,
        Some(_) => {
            errors.push(
                "hours.chatbot",
                ErrorCode::WrongType,
                "chatbot is a chatbot id (text)",
            );
            None
        }
    };
    let chatbot = match outside {
        OutsideHours::Chatbot if chatbot.is_none() => {
            errors.push(
                "hours.chatbot",
                ErrorCode::Required,
                "outside hours shows a chatbot: name it in chatbot",
            );
            None
        }
        OutsideHours::Chatbot => chatbot,
        // A chatbot only matters when it is shown.
        _ => None,
    };
    Some(BusinessHours {
        time_zone,
        weekly,
        calendar,
        outside,
        chatbot,
    })
}

fn read_weekly(value: Option<&Value>, errors: &mut FieldErrors) -> Weekly {
    let mut weekly = Weekly::default();
    let Some(value) = value else {
        errors.push(
            "hours.weekly",
            ErrorCode::Required,
            "weekly is required (open intervals by day, mon to sun)",
        );
        return weekly;
    };
    let Some(reader) = ObjectReader::new(value, "hours.weekly", "weekly", errors) else {
        return weekly;
    };
    reader.reject_unknown(&WEEKDAYS, errors);
    for (index, day) in WEEKDAYS.iter().enumerate() {
        let field = format!("hours.weekly.{day}");
        let items = match reader.get(day) {
            None | Some(Value::Null) => continue,
            Some(Value::Array(items)) => items,
            Some(_) => {
                errors.push(
                    field,
                    ErrorCode::WrongType,
                    "a list of {from, to} intervals is expected",
                );
                continue;
            }
        };
        if items.len() > MAX_DAY_INTERVALS {
            errors.add(
                FieldError::new(
                    field,
                    ErrorCode::TooMany,
                    format!("at most {MAX_DAY_INTERVALS} intervals a day"),
                )
                .with("max", MAX_DAY_INTERVALS),
            );
            continue;
        }
        let mut spans: Vec<(usize, Span)> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let at = format!("{field}[{i}]");
            let Some(span) =
                ObjectReader::new(item, "", "an interval", &mut FieldErrors::default())
            else {
                errors.push(
                    at,
                    ErrorCode::WrongType,
                    "an interval is {\"from\": \"09:00\", \"to\": \"18:00\"}",
                );
                continue;
            };
            let mut inner = FieldErrors::default();
            span.reject_unknown(&["from", "to"], &mut inner);
            let mut time = |key: &str| -> Option<ClockTime> {
                let text = span.string(key, true, &mut inner)?;
                let parsed = ClockTime::parse(text.trim());
                if parsed.is_none() {
                    inner.push(
                        key,
                        ErrorCode::InvalidFormat,
                        format!("{key} must be a time HH:MM from 00:00 to 24:00"),
                    );
                }
                parsed
            };
            let (from, to) = (time("from"), time("to"));
            for mut error in inner.0 {
                error.field = format!("{at}.{}", error.field);
                errors.add(error);
            }
            let (Some(from), Some(to)) = (from, to) else {
                continue;
            };
            if to <= from {
                errors.add(
                    FieldError::new(
                        format!("{at}.to"),
                        ErrorCode::ReversedInterval,
                        format!("the interval ends ({}) before it starts ({}); a night shift is two intervals, up to 24:00 and from 00:00", to.text(), from.text()),
                    )
                    .with("from", from.text())
                    .with("to", to.text()),
                );
                continue;
            }
            spans.push((i, Span { from, to }));
        }
        spans.sort_by_key(|(_, s)| s.from);
        for pair in spans.windows(2) {
            let ((_, a), (i, b)) = (pair[0], pair[1]);
            if b.from < a.to {
                errors.add(
                    FieldError::new(
                        format!("{field}[{i}]"),
                        ErrorCode::Overlapping,
                        format!(
                            "{}–{} overlaps {}–{} on the same day",
                            b.from.text(),
                            b.to.text(),
                            a.from.text(),
                            a.to.text()
                        ),
                    )
                    .with("other", format!("{}–{}", a.from.text(), a.to.text())),
                );
            }
        }
        *weekly.day_mut(index) = spans.into_iter().map(|(_, s)| s).collect();
    }
    weekly
}

fn read_calendar(
    value: &Value,
    checks: &dyn RuleChecks,
    errors: &mut FieldErrors,
) -> Option<CalendarSource> {
    let reader = ObjectReader::new(value, "hours.calendar", "calendar", errors)?;
    match reader.string("kind", true, errors)? {
        "feed" => {
            reader.reject_unknown(&["kind", "url"], errors);
            let url = reader.string("url", true, errors)?;
            match normalize_feed_url(url) {
                Ok(url) => Some(CalendarSource::Feed { url }),
                Err((code, message)) => {
                    errors.push("hours.calendar.url", code, message);
                    None
                }
            }
        }
        "file" => {
            reader.reject_unknown(&["kind", "name", "ics"], errors);
            let name = reader
                .string("name", false, errors)
                .unwrap_or("calendar.ics")
                .trim();
            let name: String = name
                .chars()
                .filter(|c| !c.is_control() && !crate::text::is_invisible(*c))
                .take(200)
                .collect();
            let ics = reader.string("ics", true, errors)?;
            if ics.len() > MAX_ICS_BYTES {
                errors.add(
                    FieldError::new(
                        "hours.calendar.ics",
                        ErrorCode::TooLong,
                        "an .ics file may be at most 512 KiB",
                    )
                    .with("max", MAX_ICS_BYTES),
                );
                return None;
            }
            if let Err(message) = checks.calendar_parses(ics) {
                errors.add(
                    FieldError::new(
                        "hours.calendar.ics",
                        ErrorCode::InvalidCalendar,
                        message.clone(),
                    )
                    .with("problem", message),
                );
                return None;
            }
            Some(CalendarSource::File {
                name: if name.is_empty() {
                    "calendar.ics".into()
                } else {
                    name
                },
                ics: ics.to_string(),
            })
        }
        _ => {
            errors.push(
                "hours.calendar.kind",
                ErrorCode::InvalidChoice,
                "kind must be feed or file",
            );
            None
        }
    }
}

/// An http(s) URL for a feed; `webcal://` (what calendar apps publish) is https.
pub fn normalize_feed_url(raw: &str) -> Result<String, (ErrorCode, &'static str)> {
    let text = raw.trim();
    if text.len() > MAX_FEED_URL_LENGTH {
        return Err((
            ErrorCode::TooLong,
            "a feed URL may be at most 2048 characters",
        ));
    }
    if text.chars().any(|c| {
        c.is_whitespace()
            || c.is_control()
            || matches!(c, '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}')
    }) {
        return Err((
            ErrorCode::UnsafeCharacters,
            "a feed URL may not hold spaces, quotes or <>",
        ));
    }
    let lower = text.to_ascii_lowercase();
    let text = if let Some(rest) = lower.strip_prefix("webcal://").map(|_| &text[9..]) {
        format!("https://{rest}")
    } else if lower.starts_with("https://") || lower.starts_with("http://") {
        text.to_string()
    } else {
        return Err((
            ErrorCode::InvalidFormat,
            "a feed URL starts with https://, http:// or webcal://",
        ));
    };
    let host = text.split_once("://").map(|(_, r)| r).unwrap_or_default();
    let host = host.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.contains('@') {
        return Err((
            ErrorCode::InvalidFormat,
            "a feed URL needs a host (and no user name or password)",
        ));
    }
    Ok(text)
}

fn read_languages(
    value: Option<&Value>,
    errors: &mut FieldErrors,
    warnings: &mut Vec<FieldWarning>,
) -> Vec<LanguageAccount> {
    let items = match value {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(items)) => items,
        Some(_) => {
            errors.push(
                "languages",
                ErrorCode::WrongType,
                "a list of {lang, provider, account} is expected",
            );
            return Vec::new();
        }
    };
    if items.len() > MAX_LANGUAGES {
        errors.add(
            FieldError::new(
                "languages",
                ErrorCode::TooMany,
                format!("at most {MAX_LANGUAGES} languages"),
            )
            .with("max", MAX_LANGUAGES),
        );
        return Vec::new();
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let prefix = format!("languages[{i}]");
        let Some(reader) = ObjectReader::new(item, &prefix, "a language account", errors) else {
            continue;
        };
        reader.reject_unknown(&["lang", "provider", "account"], errors);
        let lang = reader
            .string("lang", true, errors)
            .map(|l| l.trim().to_ascii_lowercase());
        let lang = lang.filter(|lang| {
            let ok = is_language_tag(lang);
            if !ok {
                errors.push(
                    reader.path("lang"),
                    ErrorCode::InvalidFormat,
                    "lang is a language tag such as ja, en or pt-BR",
                );
            } else if !seen.insert(lang.clone()) {
                errors.add(
                    FieldError::new(
                        reader.path("lang"),
                        ErrorCode::Duplicate,
                        format!("{lang} is listed twice"),
                    )
                    .with("value", lang.as_str()),
                );
                return false;
            }
            ok
        });
        let provider = match reader.string("provider", true, errors) {
            Some(id) => ProviderId::parse(id).or_else(|| {
                errors.push(
                    reader.path("provider"),
                    ErrorCode::UnknownProvider,
                    format!("unknown provider {id:?}"),
                );
                None
            }),
            None => None,
        };
        let empty = Map::new();
        let raw = match reader.get("account") {
            None | Some(Value::Null) => &empty,
            Some(Value::Object(map)) => map,
            Some(_) => {
                errors.push(
                    reader.path("account"),
                    ErrorCode::WrongType,
                    "account must be a JSON object of the provider's fields",
                );
                &empty
            }
        };
        let Some(provider) = provider else { continue };
        let account = validate_account(
            provider.provider(),
            raw,
            Completeness::Required,
            &reader.path("account"),
            errors,
            warnings,
        );
        if let Some(lang) = lang {
            out.push(LanguageAccount {
                lang,
                provider,
                account,
            });
        }
    }
    out
}

/// `ja`, `en-us`, `zh-hant-tw`: a primary language of 2 or 3 letters and
/// subtags of 1 to 8 letters or digits.
pub fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or_default();
    (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
        && tag.len() <= 35
}

fn read_consent(value: &Value, errors: &mut FieldErrors) -> Option<Consent> {
    let reader = ObjectReader::new(value, "consent", "consent", errors)?;
    reader.reject_unknown(&["cookie"], errors);
    let cookie = match reader.get("cookie") {
        None | Some(Value::Null) => None,
        Some(value) => {
            let cookie = ObjectReader::new(value, "consent.cookie", "the consent cookie", errors)?;
            cookie.reject_unknown(&["name", "value"], errors);
            let name = cookie.string("name", true, errors).map(str::trim);
            let wanted = cookie.string("value", true, errors).map(str::trim);
            // RFC 6265: a name is a token; a value is cookie-octets.
            let name_ok = name.is_some_and(|n| {
                !n.is_empty()
                    && n.len() <= 128
                    && n.bytes()
                        .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b))
            });
            let value_ok = wanted.is_some_and(|v| {
                !v.is_empty()
                    && v.len() <= 256
                    && v.bytes()
                        .all(|b| b.is_ascii_graphic() && !b"\",;\\".contains(&b))
            });
            if name.is_some() && !name_ok {
                errors.push(
                    "consent.cookie.name",
                    ErrorCode::InvalidFormat,
                    "a cookie name is 1 to 128 characters without spaces or ()<>@,;:\\\"/[]?={}",
                );
            }
            if wanted.is_some() && !value_ok {
                errors.push("consent.cookie.value", ErrorCode::InvalidFormat, "a cookie value is 1 to 256 characters without spaces, quotes, commas, semicolons or backslashes");
            }
            match (name, wanted) {
                (Some(name), Some(value)) if name_ok && value_ok => Some(ConsentCookie {
                    name: name.to_string(),
                    value: value.to_string(),
                }),
                _ => None,
            }
        }
    };
    Some(Consent { cookie })
}

// ---------------------------------------------------------------------------
// What the widget gets, and what it does with it

/// A provider and account to load.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chat {
    pub provider: ProviderId,
    #[serde(default, skip_serializing_if = "Account::is_empty")]
    pub account: Account,
}

/// The rules as the loader gets them: only what is set.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicRules {
    #[serde(default, skip_serializing_if = "PageRules::is_empty")]
    pub pages: PageRules,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<PublicHours>,
    /// Each with its provider and public account values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<PublicLanguage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consent: Option<Consent>,
    #[serde(default, skip_serializing_if = "is_now")]
    pub loading: Loading,
}

fn is_now(loading: &Loading) -> bool {
    *loading == Loading::Now
}

impl PublicRules {
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicLanguage {
    pub lang: String,
    pub provider: ProviderId,
    #[serde(default, skip_serializing_if = "Account::is_empty")]
    pub account: Account,
}

/// Open intervals as Unix seconds (UTC), sorted, not touching, and `until`:
/// the end of what the server computed (after it: closed).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicHours {
    pub open: Vec<[i64; 2]>,
    pub until: i64,
    pub outside: OutsideHours,
    /// What loads outside hours when `outside` is `chatbot`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chatbot: Option<Chat>,
}

/// One page view as the loader sees it.
#[derive(Debug, Clone, Default)]
pub struct Visit<'a> {
    pub path: &'a str,
    /// `<html lang>`, if the page has one.
    pub lang: Option<&'a str>,
    /// Unix seconds.
    pub at: i64,
    /// `Switchboard.consent(true)` was called, or the page holds these cookies.
    pub consent_given: bool,
    pub cookies: &'a [(&'a str, &'a str)],
    /// `Save-Data: on` or `navigator.connection.saveData`.
    pub save_data: bool,
}

/// Why the loader shows (or does not show) a chat on a page.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Because {
    /// Every page (no page rule).
    AnyPage,
    /// The path matches this include pattern.
    Included { pattern: String },
    /// The path matches no include pattern.
    NotIncluded,
    /// The path matches this exclude pattern (exclude wins).
    Excluded { pattern: String },
    /// Within business hours, until `until`.
    Open { until: i64 },
    /// Outside business hours; `next` is when they open (none in the coming days: null).
    Closed {
        next: Option<i64>,
        outside: OutsideHours,
    },
    /// The page's language has its own account.
    Language { lang: String },
    /// Consent is required and not given.
    ConsentMissing,
    /// Consent was given (by call or by cookie).
    ConsentGiven,
    /// How the provider loads.
    Loads { loading: Loading },
    /// The visitor asks to save data: the launcher comes first whatever the setting.
    SaveData,
}

impl Because {
    /// In English, for API users (the admin app words the code itself).
    pub fn message(&self) -> String {
        match self {
            Self::AnyPage => "No page rule: every page.".into(),
            Self::Included { pattern } => {
                format!("The path matches the include pattern {pattern}.")
            }
            Self::NotIncluded => "The path matches no include pattern, so no chat here.".into(),
            Self::Excluded { pattern } => {
                format!("The path matches the exclude pattern {pattern}, so no chat here.")
            }
            Self::Open { until } => format!("Within business hours, until {}.", rfc3339(*until)),
            Self::Closed { next, outside } => {
                let next = next.map_or("no opening in the coming days".to_string(), |at| {
                    format!("they open at {}", rfc3339(at))
                });
                let then = match outside {
                    OutsideHours::Hide => "no chat",
                    OutsideHours::Keep => "the chat stays (its offline form)",
                    OutsideHours::Chatbot => "the chatbot instead",
                };
                format!("Outside business hours ({next}): {then}.")
            }
            Self::Language { lang } => format!("The page's language {lang} has its own account."),
            Self::ConsentMissing => "The chat waits for the visitor's consent.".into(),
            Self::ConsentGiven => "The visitor gave consent.".into(),
            Self::Loads { loading } => match loading {
                Loading::Now => "The chat loads with the page.".into(),
                Loading::Idle => "The chat loads when the browser is idle.".into(),
                Loading::Interaction => {
                    "A launcher shows first; the chat loads when the visitor reaches for it.".into()
                }
            },
            Self::SaveData => {
                "The visitor's browser asks to save data: the launcher shows first.".into()
            }
        }
    }
}

/// Unix seconds as RFC 3339 in UTC (`2026-12-02T09:00:00Z`).
pub fn rfc3339(at: i64) -> String {
    let (days, secs) = (at.div_euclid(86_400), at.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// What loads; `None`: no chat on this page now.
    pub chat: Option<Chat>,
    pub loading: Loading,
    pub because: Vec<Because>,
}

/// What the loader does on one page view: the page rules, then the hours,
/// then consent; the language picks the account.
pub fn evaluate(default: &Chat, rules: &PublicRules, visit: &Visit<'_>) -> Verdict {
    let mut because = Vec::new();
    let no = |because| Verdict {
        chat: None,
        loading: rules.loading,
        because,
    };
    if let Some(pattern) = rules
        .pages
        .exclude
        .iter()
        .find(|p| pattern_matches(p, visit.path))
    {
        because.push(Because::Excluded {
            pattern: pattern.clone(),
        });
        return no(because);
    }
    if rules.pages.include.is_empty() {
        because.push(Because::AnyPage);
    } else if let Some(pattern) = rules
        .pages
        .include
        .iter()
        .find(|p| pattern_matches(p, visit.path))
    {
        because.push(Because::Included {
            pattern: pattern.clone(),
        });
    } else {
        because.push(Because::NotIncluded);
        return no(because);
    }
    let mut chat = language_chat(rules, visit.lang).map_or(default.clone(), |language| {
        because.push(Because::Language {
            lang: language.lang.clone(),
        });
        Chat {
            provider: language.provider,
            account: language.account.clone(),
        }
    });
    if let Some(hours) = &rules.hours {
        match open_until(hours, visit.at) {
            Some(until) => because.push(Because::Open { until }),
            None => {
                because.push(Because::Closed {
                    next: next_open(hours, visit.at),
                    outside: hours.outside,
                });
                match (hours.outside, &hours.chatbot) {
                    (OutsideHours::Keep, _) => {}
                    (OutsideHours::Chatbot, Some(bot)) => chat = bot.clone(),
                    _ => return no(because),
                }
            }
        }
    }
    if let Some(consent) = &rules.consent {
        let by_cookie = consent.cookie.as_ref().is_some_and(|wanted| {
            visit
                .cookies
                .iter()
                .any(|(name, value)| *name == wanted.name && *value == wanted.value)
        });
        if visit.consent_given || by_cookie {
            because.push(Because::ConsentGiven);
        } else {
            because.push(Because::ConsentMissing);
            return no(because);
        }
    }
    let loading = if visit.save_data {
        because.push(Because::SaveData);
        Loading::Interaction
    } else {
        rules.loading
    };
    because.push(Because::Loads { loading });
    Verdict {
        chat: Some(chat),
        loading,
        because,
    }
}

/// The language account for `<html lang>`: the exact tag, else its primary
/// language (`en-US` → `en`).
pub fn language_chat<'r>(rules: &'r PublicRules, lang: Option<&str>) -> Option<&'r PublicLanguage> {
    let lang = lang?.trim().to_ascii_lowercase();
    let primary = lang.split('-').next().unwrap_or_default();
    rules
        .languages
        .iter()
        .find(|l| l.lang == lang)
        .or_else(|| rules.languages.iter().find(|l| l.lang == primary))
}

/// When the open interval holding `at` ends, if one does.
pub fn open_until(hours: &PublicHours, at: i64) -> Option<i64> {
    hours
        .open
        .iter()
        .find(|[start, end]| *start <= at && at < *end)
        .map(|[_, end]| *end)
}

/// The start of the next open interval after `at`.
pub fn next_open(hours: &PublicHours, at: i64) -> Option<i64> {
    hours
        .open
        .iter()
        .map(|[start, _]| *start)
        .find(|start| *start > at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    struct Checks;
    impl RuleChecks for Checks {
        fn time_zone_known(&self, name: &str) -> bool {
            matches!(name, "Asia/Tokyo" | "Europe/Berlin")
        }
        fn calendar_parses(&self, ics: &str) -> Result<(), String> {
            if ics.starts_with("BEGIN:VCALENDAR") {
                Ok(())
            } else {
                Err("line 1: expected BEGIN:VCALENDAR".into())
            }
        }
    }

    fn errors(body: Value) -> Vec<(String, ErrorCode)> {
        match rules_from_json(&body, &Checks) {
            Ok(_) => Vec::new(),
            Err(e) => e.0.into_iter().map(|e| (e.field, e.code)).collect(),
        }
    }

    #[test]
    fn instants_are_written_in_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_796_094_000), "2026-12-01T03:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn patterns_match_paths_as_documented() {
        let cases = [
            ("/help/*", "/help/faq", true),
            ("/help/*", "/help/a/b", true),
            ("/help/*", "/help", true),
            ("/help/*", "/help/", true),
            ("/help/*", "/helpdesk", false),
            ("/admin*", "/admin", true),
            ("/admin*", "/administration/x", true),
            ("/admin*", "/adm", false),
            ("/pricing", "/pricing", true),
            ("/pricing", "/pricing/", true),
            ("/pricing", "/pricing/plans", false),
            ("/", "/", true),
            ("/", "/a", false),
            ("*", "/anything/at/all", true),
            ("*/checkout", "/shop/checkout", true),
            ("/a/*/b", "/a/x/y/b", true),
            ("/a/*/b", "/a/b", false),
            ("/Help", "/help", false),
        ];
        for (pattern, path, expected) in cases {
            assert_eq!(
                pattern_matches(pattern, path),
                expected,
                "{pattern} vs {path}"
            );
        }
        // Many stars on a long path stay cheap (no exponential backtracking).
        let long = format!("/{}", "a".repeat(2000));
        assert!(!pattern_matches("/*a*a*a*a*a*a*b", &long));
    }

    #[test]
    fn patterns_are_normalized_or_refused() {
        assert_eq!(
            normalize_pattern(" /ヘルプ/* ").as_deref(),
            Ok("/%E3%83%98%E3%83%AB%E3%83%97/*")
        );
        assert_eq!(normalize_pattern("/a%2fb").as_deref(), Ok("/a%2Fb"));
        for (bad, code) in [
            ("/a b", ErrorCode::UnsafeCharacters),
            ("/a?x=1", ErrorCode::UnsafeCharacters),
            ("/a#top", ErrorCode::UnsafeCharacters),
            ("/<script>", ErrorCode::UnsafeCharacters),
            ("help", ErrorCode::InvalidFormat),
            ("/100%", ErrorCode::InvalidFormat),
            ("", ErrorCode::Required),
        ] {
            assert_eq!(
                normalize_pattern(bad).map_err(|e| e.0),
                Err(code),
                "{bad:?}"
            );
        }
        let found = errors(json!({"pages": {"include": ["/ok", "/a b", "/ok/"], "exclude": "x"}}));
        assert_eq!(
            found,
            [
                ("pages.include[1]".to_string(), ErrorCode::UnsafeCharacters),
                ("pages.include[2]".to_string(), ErrorCode::Duplicate),
                ("pages.exclude".to_string(), ErrorCode::WrongType)
            ]
        );
        assert_eq!(normalize_path("/café/%e2%82%ac"), "/caf%C3%A9/%E2%82%AC");
        let twice = errors(json!({"pages": {"include": ["/ok", "/ok/"]}}));
        assert_eq!(
            twice,
            [("pages.include[1]".to_string(), ErrorCode::Duplicate)]
        );
    }

    fn hours(weekly: Value) -> Value {
        json!({"hours": {"time_zone": "Asia/Tokyo", "weekly": weekly, "outside": "hide"}})
    }

    #[test]
    fn intervals_must_be_in_order_and_apart() {
        let ok = rules_from_json(&hours(json!({"mon": [{"from": "13:00", "to": "24:00"}, {"from": "09:00", "to": "13:00"}]})), &Checks)
            .expect("touching intervals are fine");
        let mon = &ok.0.hours.expect("hours").weekly.mon;
        assert_eq!(mon[0].from, ClockTime(9 * 60), "sorted");
        assert_eq!(mon[1].to, ClockTime::END_OF_DAY);
        assert_eq!(
            errors(hours(json!({"tue": [{"from": "18:00", "to": "09:00"}]}))),
            [(
                "hours.weekly.tue[0].to".to_string(),
                ErrorCode::ReversedInterval
            )]
        );
        assert_eq!(
            errors(hours(
                json!({"wed": [{"from": "09:00", "to": "12:00"}, {"from": "11:30", "to": "13:00"}]})
            )),
            [("hours.weekly.wed[1]".to_string(), ErrorCode::Overlapping)]
        );
        assert_eq!(
            errors(hours(
                json!({"thu": [{"from": "9:00", "to": "24:01"}], "funday": []})
            )),
            [
                ("hours.weekly.funday".to_string(), ErrorCode::UnknownField),
                (
                    "hours.weekly.thu[0].from".to_string(),
                    ErrorCode::InvalidFormat
                ),
                (
                    "hours.weekly.thu[0].to".to_string(),
                    ErrorCode::InvalidFormat
                ),
            ]
        );
    }

    #[test]
    fn time_zones_calendars_and_chatbots_are_checked() {
        let found = errors(
            json!({"hours": {"time_zone": "Mars/Olympus", "weekly": {}, "outside": "chatbot",
            "calendar": {"kind": "file", "name": "x.ics", "ics": "hello"}}}),
        );
        assert_eq!(
            found,
            [
                ("hours.time_zone".to_string(), ErrorCode::UnknownTimeZone),
                ("hours.calendar.ics".to_string(), ErrorCode::InvalidCalendar),
                ("hours.chatbot".to_string(), ErrorCode::Required),
            ]
        );
        let feed = json!({"hours": {"time_zone": "Europe/Berlin", "weekly": {}, "outside": "keep",
            "calendar": {"kind": "feed", "url": "webcal://example.org/holidays.ics"}}});
        let (rules, _) = rules_from_json(&feed, &Checks).expect("valid");
        assert_eq!(
            rules.hours.expect("hours").calendar,
            Some(CalendarSource::Feed {
                url: "https://example.org/holidays.ics".into()
            })
        );
        assert_eq!(
            normalize_feed_url("ftp://x/y").map_err(|e| e.0),
            Err(ErrorCode::InvalidFormat)
        );
        assert_eq!(
            normalize_feed_url("https://u:p@x/y").map_err(|e| e.0),
            Err(ErrorCode::InvalidFormat)
        );
    }

    #[test]
    fn languages_consent_and_loading_are_checked() {
        let found = errors(json!({
            "languages": [
                {"lang": "en", "provider": "tawkto", "account": {"property_id": "5f8e1a2b3c4d5e6f7a8b9c0d", "widget_id": "default"}},
                {"lang": "EN", "provider": "tawkto", "account": {"property_id": "5f8e1a2b3c4d5e6f7a8b9c0d", "widget_id": "default"}},
                {"lang": "english!", "provider": "crisp", "account": {}}
            ],
            "consent": {"cookie": {"name": "my cookie", "value": "yes"}},
            "loading": "later"
        }));
        assert_eq!(
            found,
            [
                ("languages[1].lang".to_string(), ErrorCode::Duplicate),
                ("languages[2].lang".to_string(), ErrorCode::InvalidFormat),
                (
                    "languages[2].account.website_id".to_string(),
                    ErrorCode::Required
                ),
                ("consent.cookie.name".to_string(), ErrorCode::InvalidFormat),
                ("loading".to_string(), ErrorCode::InvalidChoice),
            ]
        );
    }

    #[test]
    fn what_is_stored_is_valid_input() {
        let body = json!({
            "pages": {"include": ["/help/*"], "exclude": ["/help/internal*"]},
            "hours": {"time_zone": "Asia/Tokyo", "weekly": {"mon": [{"from": "09:00", "to": "18:00"}]},
                "calendar": {"kind": "file", "name": "jp.ics", "ics": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"},
                "outside": "chatbot", "chatbot": "k3v9q2xm7d1a"},
            "languages": [{"lang": "en", "provider": "tawkto", "account": {"property_id": "5f8e1a2b3c4d5e6f7a8b9c0d", "widget_id": "default"}}],
            "consent": {"cookie": {"name": "cc", "value": "yes"}},
            "loading": "interaction"
        });
        let (rules, _) = rules_from_json(&body, &Checks).expect("valid");
        let stored = serde_json::to_value(&rules).expect("json");
        let (again, _) = rules_from_json(&stored, &Checks).expect("stored form is valid input");
        assert_eq!(again, rules);
        let back: DisplayRules = serde_json::from_value(stored).expect("stored form reads back");
        assert_eq!(back, rules);
        assert!(rules_from_json(&json!({}), &Checks)
            .expect("empty")
            .0
            .is_default());
    }

    fn chat(provider: ProviderId, key: &str, value: &str) -> Chat {
        Chat {
            provider,
            account: Account::from_pairs([(key, value)]),
        }
    }

    #[test]
    fn evaluation_follows_pages_hours_consent_and_language() {
        let default = chat(ProviderId::Tawkto, "property_id", "ja");
        let bot = chat(ProviderId::Switchboard, "chatbot", "k3v9q2xm7d1a");
        let mut rules = PublicRules {
            pages: PageRules {
                include: vec!["/help/*".into()],
                exclude: vec!["/help/internal*".into()],
            },
            hours: Some(PublicHours {
                open: vec![[100, 200], [300, 400]],
                until: 1000,
                outside: OutsideHours::Hide,
                chatbot: None,
            }),
            languages: vec![PublicLanguage {
                lang: "en".into(),
                provider: ProviderId::Tawkto,
                account: Account::from_pairs([("property_id", "en")]),
            }],
            consent: Some(Consent {
                cookie: Some(ConsentCookie {
                    name: "cc".into(),
                    value: "yes".into(),
                }),
            }),
            loading: Loading::Idle,
        };
        let visit = |path, at, consent_given| Visit {
            path,
            lang: Some("en-US"),
            at,
            consent_given,
            cookies: &[],
            save_data: false,
        };
        let v = evaluate(&default, &rules, &visit("/help/internal/x", 150, true));
        assert_eq!(
            (v.chat, v.because),
            (
                None,
                vec![Because::Excluded {
                    pattern: "/help/internal*".into()
                }]
            )
        );
        let v = evaluate(&default, &rules, &visit("/shop", 150, true));
        assert_eq!(v.because, [Because::NotIncluded]);
        let v = evaluate(&default, &rules, &visit("/help", 150, true));
        assert_eq!(
            v.chat
                .map(|c| c.account.get("property_id").map(str::to_string)),
            Some(Some("en".into()))
        );
        assert_eq!(v.loading, Loading::Idle);
        assert!(v.because.contains(&Because::Open { until: 200 }));
        let v = evaluate(&default, &rules, &visit("/help", 250, true));
        assert_eq!(v.chat, None);
        assert!(v.because.contains(&Because::Closed {
            next: Some(300),
            outside: OutsideHours::Hide
        }));
        let v = evaluate(&default, &rules, &visit("/help", 150, false));
        assert_eq!(v.chat, None);
        assert_eq!(v.because.last(), Some(&Because::ConsentMissing));
        let cookies = [("other", "1"), ("cc", "yes")];
        let by_cookie = Visit {
            cookies: &cookies,
            lang: Some("ja"),
            save_data: true,
            ..visit("/help", 150, false)
        };
        let v = evaluate(&default, &rules, &by_cookie);
        assert_eq!(
            v.chat,
            Some(default.clone()),
            "ja has no account of its own"
        );
        assert_eq!(
            v.loading,
            Loading::Interaction,
            "save-data means the launcher"
        );
        // Outside hours with a chatbot: the chatbot loads instead.
        if let Some(h) = rules.hours.as_mut() {
            h.outside = OutsideHours::Chatbot;
            h.chatbot = Some(bot.clone());
        }
        let v = evaluate(&default, &rules, &visit("/help", 250, true));
        assert_eq!(v.chat, Some(bot));
        // Past what the server computed: closed, nothing next.
        let v = evaluate(
            &default,
            &PublicRules {
                consent: None,
                ..rules.clone()
            },
            &visit("/help", 5000, false),
        );
        assert!(v.because.contains(&Because::Closed {
            next: None,
            outside: OutsideHours::Chatbot
        }));
    }
}
