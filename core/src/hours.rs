//! Business hours as UTC instants: the weekly schedule in its time zone,
//! minus the closures of an iCalendar calendar, for the coming days. The
//! widget then only compares `Date.now()` with numbers.
//!
//! iCalendar is read here rather than with a crate's parser: `TZID` is taken
//! as an IANA name (with the common Windows names and `/vendor/…/Area/City`
//! prefixes mapped), all-day events are dates in the *site's* zone (not the
//! server's), `EXDATE` and `RECURRENCE-ID` are matched by hand (a DATE
//! exception removes that day's occurrence whatever its time), and every
//! problem carries its line. `RRULE` itself is expanded by the `rrule` crate,
//! in its limited mode (at most 100,000 iterations per rule).

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;

use crate::account::Account;
use crate::catalog::ProviderId;
use crate::display_rules::{
    BusinessHours, Chat, DisplayRules, OutsideHours, PublicHours, PublicLanguage, PublicRules,
};
use crate::public_config::widget_account;
use crate::settings::named_chatbot;

/// How many days of open intervals the public config carries.
pub const PUBLIC_DAYS: i64 = 8;
/// At most this many events are read from one calendar.
pub const MAX_EVENTS: usize = 2000;
/// Most rule steps one recurring event may take from its start to 2100
/// (a daily rule from 1963 on), and all of a calendar's together: what a
/// calendar costs every build of the public configs stays bounded.
const MAX_EVENT_STEPS: u64 = 50_000;
const MAX_CALENDAR_STEPS: u64 = 400_000;
/// Most open intervals the public config carries.
pub const MAX_PUBLIC_INTERVALS: usize = 400;
/// Most closures one window holds.
const MAX_CLOSURES: usize = 5000;
/// At most this many occurrences of one recurring event in one window.
const MAX_OCCURRENCES: u16 = 1000;

pub fn time_zone(name: &str) -> Option<Tz> {
    name.parse::<Tz>().ok()
}

/// The instant of a local date and time; in a daylight-saving gap the first
/// valid minute after it, when a time occurs twice the earlier.
fn local_instant(tz: Tz, date: NaiveDate, minutes: u32) -> Option<i64> {
    let (date, minutes) = if minutes >= 24 * 60 {
        (date.succ_opt()?, minutes - 24 * 60)
    } else {
        (date, minutes)
    };
    let mut at = date.and_hms_opt(minutes / 60, minutes % 60, 0)?;
    for _ in 0..=24 * 60 {
        match tz.from_local_datetime(&at) {
            LocalResult::Single(t) => return Some(t.timestamp()),
            LocalResult::Ambiguous(early, _) => return Some(early.timestamp()),
            LocalResult::None => at += Duration::minutes(1),
        }
    }
    None
}

fn local_date(tz: Tz, at: i64) -> Option<NaiveDate> {
    Some(
        Utc.timestamp_opt(at, 0)
            .single()?
            .with_timezone(&tz)
            .date_naive(),
    )
}

/// The weekly schedule's open intervals that meet `[from, to)`, merged where
/// one ends as the next begins (a night shift over midnight is one).
pub fn weekly_open(hours: &BusinessHours, tz: Tz, from: i64, to: i64) -> Vec<(i64, i64)> {
    let (Some(first), Some(last)) = (local_date(tz, from), local_date(tz, to)) else {
        return Vec::new();
    };
    let mut out: Vec<(i64, i64)> = Vec::new();
    let mut date = first.pred_opt().unwrap_or(first);
    while date <= last {
        let weekday = date.weekday().num_days_from_monday() as usize;
        for span in hours.weekly.day(weekday) {
            let start = local_instant(tz, date, span.from.0.into());
            let end = local_instant(tz, date, span.to.0.into());
            if let (Some(start), Some(end)) = (start, end) {
                push_merged(&mut out, start, end);
            }
        }
        let Some(next) = date.succ_opt() else { break };
        date = next;
    }
    out.into_iter()
        .filter_map(|(s, e)| {
            let (s, e) = (s.max(from), e.min(to));
            (s < e).then_some((s, e))
        })
        .collect()
}

fn push_merged(out: &mut Vec<(i64, i64)>, start: i64, end: i64) {
    if start >= end {
        return;
    }
    match out.last_mut() {
        Some(last) if start <= last.1 => last.1 = last.1.max(end),
        _ => out.push((start, end)),
    }
}

/// `open` minus `closed` (both sorted by start; `closed` may overlap).
pub fn subtract(open: &[(i64, i64)], closed: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    for &(start, end) in open {
        let mut cursor = start;
        for &(c_start, c_end) in closed {
            if c_end <= cursor || c_start >= end {
                continue;
            }
            if c_start > cursor {
                out.push((cursor, c_start));
            }
            cursor = cursor.max(c_end);
            if cursor >= end {
                break;
            }
        }
        if cursor < end {
            out.push((cursor, end));
        }
    }
    out
}

/// The hours as the widget gets them, for [`PUBLIC_DAYS`] days from the start
/// of `now`'s hour (so the answer stays the same for an hour and caches well).
pub fn public_hours(
    hours: &BusinessHours,
    calendar: Option<&Calendar>,
    chatbot: Option<Chat>,
    now: i64,
) -> PublicHours {
    let from = now - now.rem_euclid(3600);
    let to = from + PUBLIC_DAYS * 86_400;
    let mut open = open_between(hours, calendar, from, to);
    let mut until = to;
    // A calendar cut into very many pieces ends the horizon early rather
    // than make every page view download them.
    if open.len() > MAX_PUBLIC_INTERVALS {
        open.truncate(MAX_PUBLIC_INTERVALS);
        until = open.last().map_or(to, |(_, end)| *end);
    }
    PublicHours {
        open: open.into_iter().map(|(s, e)| [s, e]).collect(),
        until,
        outside: hours.outside,
        chatbot,
    }
}

/// The rules as the widget gets them at `now`. A chatbot that is gone (or
/// no longer a site's chat) is left out: outside hours then hide the chat,
/// and a language whose account was that chatbot falls back to the default.
pub fn public_rules(
    rules: &DisplayRules,
    calendar: Option<&Calendar>,
    chatbot_usable: impl Fn(&str) -> bool,
    now: i64,
) -> PublicRules {
    let hours = rules.hours.as_ref().map(|h| {
        let chatbot = h
            .chatbot
            .as_deref()
            .filter(|id| chatbot_usable(id))
            .map(|id| Chat {
                provider: ProviderId::Switchboard,
                account: Account::from_pairs([("chatbot", id)]),
            });
        let mut public = public_hours(h, calendar, chatbot, now);
        if public.outside == OutsideHours::Chatbot && public.chatbot.is_none() {
            public.outside = OutsideHours::Hide;
        }
        public
    });
    let languages = rules
        .languages
        .iter()
        .filter(|l| named_chatbot(Some(l.provider), &l.account).is_none_or(&chatbot_usable))
        .map(|l| PublicLanguage {
            lang: l.lang.clone(),
            provider: l.provider,
            account: widget_account(l.provider, &l.account),
        })
        .collect();
    PublicRules {
        pages: rules.pages.clone(),
        hours,
        languages,
        consent: rules.consent.clone(),
        loading: rules.loading,
    }
}

/// Open intervals in `[from, to)`: the weekly schedule minus the calendar's closures.
pub fn open_between(
    hours: &BusinessHours,
    calendar: Option<&Calendar>,
    from: i64,
    to: i64,
) -> Vec<(i64, i64)> {
    let Some(tz) = time_zone(&hours.time_zone) else {
        return Vec::new();
    };
    let open = weekly_open(hours, tz, from, to);
    match calendar {
        Some(calendar) => subtract(&open, &calendar.closures(tz, from, to)),
        None => open,
    }
}

// ---------------------------------------------------------------------------
// iCalendar

/// A problem in an iCalendar text, at a line (1-based, of the text as given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// A date or time as an event gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// `VALUE=DATE`: a whole day, in the site's zone.
    Date(NaiveDate),
    /// An instant (`…Z`, or a local time with a known `TZID`).
    Instant(i64, Option<Tz>),
    /// A local time without zone: the site's.
    Floating(NaiveDateTime),
}

impl When {
    fn instant(self, site: Tz) -> Option<i64> {
        match self {
            Self::Date(date) => local_instant(site, date, 0),
            Self::Instant(at, _) => Some(at),
            Self::Floating(local) => local_instant(
                site,
                local.date(),
                local.time().num_seconds_from_midnight() / 60,
            )
            .map(|at| at + i64::from(local.time().num_seconds_from_midnight() % 60)),
        }
    }

    /// The day it falls on, in its own zone (or the site's).
    fn day(self, site: Tz) -> Option<NaiveDate> {
        match self {
            Self::Date(date) => Some(date),
            Self::Instant(at, tz) => local_date(tz.unwrap_or(site), at),
            Self::Floating(local) => Some(local.date()),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Event {
    pub uid: Option<String>,
    pub summary: String,
    pub start: When,
    end: Option<When>,
    duration: Option<Duration>,
    rrule: Option<String>,
    exdates: Vec<When>,
    rdates: Vec<When>,
    recurrence_id: Option<When>,
    cancelled: bool,
    pub line: usize,
}

/// The events of a calendar, and what could not be read.
#[derive(Debug, Default)]
pub struct Calendar {
    pub events: Vec<Event>,
    /// Events left out (an unknown time zone, a rule that does not parse, …).
    pub skipped: Vec<Problem>,
    /// The last closures computed (a few windows): the public configs are built again on
    /// every change, with the same window for an hour, and expanding a
    /// large calendar's rules each time would cost every write.
    memo: std::sync::Mutex<Vec<Memo>>,
}

/// Closures computed for a zone and a window.
type Memo = ((Tz, i64, i64), Vec<(i64, i64)>);

impl Clone for Calendar {
    fn clone(&self) -> Self {
        Self {
            events: self.events.clone(),
            skipped: self.skipped.clone(),
            memo: Default::default(),
        }
    }
}

struct Line {
    number: usize,
    name: String,
    params: Vec<(String, String)>,
    value: String,
}

impl Line {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Unfolds lines (a line starting with a space or tab continues the one
/// before) and splits each into name, parameters and value.
fn content_lines(text: &str) -> Result<Vec<Line>, Problem> {
    let mut unfolded: Vec<(usize, String)> = Vec::new();
    // CRLF (as RFC 5545 says), LF, or a lone CR (old Mac exports).
    let lines = text.split('\n').flat_map(|line| {
        let line = line.strip_suffix('\r').unwrap_or(line);
        line.split('\r')
    });
    for (index, raw) in lines.enumerate() {
        let raw = if index == 0 {
            raw.trim_start_matches('\u{feff}')
        } else {
            raw
        };
        if let Some(rest) = raw.strip_prefix([' ', '\t']) {
            match unfolded.last_mut() {
                Some((_, line)) => line.push_str(rest),
                None => {
                    return Err(Problem {
                        line: index + 1,
                        message: "the text starts with a continuation line".into(),
                    })
                }
            }
        } else if !raw.trim().is_empty() {
            unfolded.push((index + 1, raw.to_string()));
        }
    }
    unfolded
        .into_iter()
        .map(|(number, line)| parse_line(number, &line))
        .collect()
}

fn parse_line(number: usize, line: &str) -> Result<Line, Problem> {
    let problem = |message: &str| Problem {
        line: number,
        message: message.to_string(),
    };
    let name_end = line
        .find([';', ':'])
        .ok_or_else(|| problem("expected NAME:value"))?;
    let name = line[..name_end].to_ascii_uppercase();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(problem("expected a property name before : or ;"));
    }
    let mut params = Vec::new();
    let bytes = line.as_bytes();
    let mut i = name_end;
    while bytes.get(i) == Some(&b';') {
        let key_start = i + 1;
        let eq = line[key_start..]
            .find('=')
            .map(|p| key_start + p)
            .ok_or_else(|| problem("a parameter needs NAME=value"))?;
        let key = line[key_start..eq].to_ascii_uppercase();
        let mut j = eq + 1;
        let mut value = String::new();
        loop {
            if bytes.get(j) == Some(&b'"') {
                let close = line[j + 1..]
                    .find('"')
                    .map(|p| j + 1 + p)
                    .ok_or_else(|| problem("a quoted parameter value is not closed"))?;
                value.push_str(&line[j + 1..close]);
                j = close + 1;
            } else {
                let end = line[j..]
                    .find([';', ':', ','])
                    .map_or(line.len(), |p| j + p);
                value.push_str(&line[j..end]);
                j = end;
            }
            if bytes.get(j) == Some(&b',') {
                value.push(',');
                j += 1;
            } else {
                break;
            }
        }
        params.push((key, value));
        i = j;
    }
    if bytes.get(i) != Some(&b':') {
        return Err(problem("expected : before the value"));
    }
    Ok(Line {
        number,
        name,
        params,
        value: line[i + 1..].to_string(),
    })
}

/// Windows names that Outlook and Exchange write as `TZID`, for the zones
/// most likely here; others are refused with their line.
const WINDOWS_ZONES: &[(&str, &str)] = &[
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("Korea Standard Time", "Asia/Seoul"),
    ("China Standard Time", "Asia/Shanghai"),
    ("Singapore Standard Time", "Asia/Singapore"),
    ("India Standard Time", "Asia/Kolkata"),
    ("UTC", "UTC"),
    ("GMT Standard Time", "Europe/London"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Romance Standard Time", "Europe/Paris"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Eastern Standard Time", "America/New_York"),
    ("Central Standard Time", "America/Chicago"),
    ("Mountain Standard Time", "America/Denver"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("AUS Eastern Standard Time", "Australia/Sydney"),
];

fn zone_of_tzid(tzid: &str) -> Option<Tz> {
    let tzid = tzid.trim();
    if let Some(tz) = time_zone(tzid) {
        return Some(tz);
    }
    if let Some((_, iana)) = WINDOWS_ZONES
        .iter()
        .find(|(w, _)| w.eq_ignore_ascii_case(tzid))
    {
        return time_zone(iana);
    }
    // `/mozilla.org/20050126_1/Asia/Tokyo`, `/citadel.org/…/Europe/Berlin`.
    let mut rest = tzid;
    while let Some((_, tail)) = rest.split_once('/') {
        if let Some(tz) = time_zone(tail) {
            return Some(tz);
        }
        rest = tail;
    }
    None
}

/// At most 40 characters of a value quoted in a problem.
fn short(value: &str) -> String {
    let mut out: String = value.chars().take(40).collect();
    if out.len() < value.len() {
        out.push('…');
    }
    out
}

fn parse_when(value: &str, date_only: bool, tz: Option<Tz>) -> Result<When, String> {
    let value = value.trim();
    let date = |text: &str| NaiveDate::parse_from_str(text, "%Y%m%d").ok();
    if date_only || value.len() == 8 {
        return date(value)
            .map(When::Date)
            .ok_or_else(|| format!("{:?} is not a date YYYYMMDD", short(value)));
    }
    let (text, utc) = match value.strip_suffix(['Z', 'z']) {
        Some(text) => (text, true),
        None => (value, false),
    };
    let local = NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%S")
        .map_err(|_| format!("{:?} is not a date-time YYYYMMDDTHHMMSS", short(value)))?;
    if utc {
        return Ok(When::Instant(local.and_utc().timestamp(), None));
    }
    match tz {
        Some(tz) => match tz.from_local_datetime(&local) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => {
                Ok(When::Instant(t.timestamp(), Some(tz)))
            }
            // In a daylight-saving gap: the first minute after it.
            LocalResult::None => local_instant(
                tz,
                local.date(),
                local.time().num_seconds_from_midnight() / 60,
            )
            .map(|at| When::Instant(at, Some(tz)))
            .ok_or_else(|| format!("{value:?} does not exist in {}", tz.name())),
        },
        None => Ok(When::Floating(local)),
    }
}

fn when_of(line: &Line) -> Result<Vec<When>, String> {
    let date_only = line
        .param("VALUE")
        .is_some_and(|v| v.eq_ignore_ascii_case("DATE"));
    if line
        .param("VALUE")
        .is_some_and(|v| v.eq_ignore_ascii_case("PERIOD"))
    {
        return Err("periods are not supported here".into());
    }
    let tz = match line.param("TZID") {
        Some(tzid) => Some(zone_of_tzid(tzid).ok_or_else(|| {
            format!(
                "unknown time zone {:?} (an IANA name such as Asia/Tokyo is expected)",
                short(tzid)
            )
        })?),
        None => None,
    };
    line.value
        .split(',')
        .filter(|v| !v.trim().is_empty())
        .map(|v| parse_when(v, date_only, tz))
        .collect()
}

/// RFC 5545 durations: `P1D`, `PT1H30M`, `P2W`, `-PT15M`.
fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let text = text.strip_prefix(['P', 'p'])?;
    let mut seconds: i64 = 0;
    let mut number = String::new();
    let mut in_time = false;
    let mut any = false;
    for c in text.chars() {
        match c.to_ascii_uppercase() {
            'T' => in_time = true,
            d if d.is_ascii_digit() => number.push(d),
            unit => {
                let n: i64 = number.parse().ok()?;
                number.clear();
                any = true;
                let unit_seconds = match (unit, in_time) {
                    ('W', false) => 7 * 86_400,
                    ('D', false) => 86_400,
                    ('H', true) => 3600,
                    ('M', true) => 60,
                    ('S', true) => 1,
                    _ => return None,
                };
                seconds = seconds.checked_add(n.checked_mul(unit_seconds)?)?;
            }
        }
    }
    // Longer than a thousand years is not a closure anyone meant.
    if !any || !number.is_empty() || seconds > 1000 * 366 * 86_400 {
        return None;
    }
    Duration::try_seconds(if negative { -seconds } else { seconds })
}

/// Reads an iCalendar text. `Err` when it is not one (the first structural
/// problem); events that cannot be used are left out and listed.
pub fn parse_calendar(text: &str) -> Result<Calendar, Problem> {
    let lines = content_lines(text)?;
    let mut calendar = Calendar::default();
    let mut stack: Vec<(String, usize)> = Vec::new();
    let mut event: Vec<Line> = Vec::new();
    let mut saw_calendar = false;
    let mut budget_used = 0u64;
    let steps = |e: &Event| {
        e.rrule
            .as_deref()
            .map_or(0, |r| rule_steps(&r.to_ascii_uppercase(), e.start))
    };
    for line in lines {
        match line.name.as_str() {
            "BEGIN" => {
                let what = line.value.trim().to_ascii_uppercase();
                if stack.is_empty() && what != "VCALENDAR" {
                    return Err(Problem {
                        line: line.number,
                        message: format!("expected BEGIN:VCALENDAR, found BEGIN:{}", short(&what)),
                    });
                }
                if stack.len() > 8 {
                    return Err(Problem {
                        line: line.number,
                        message: "components are nested too deeply".into(),
                    });
                }
                saw_calendar = true;
                if what == "VEVENT" && stack.len() == 1 {
                    event.clear();
                }
                stack.push((what, line.number));
            }
            "END" => {
                let what = line.value.trim().to_ascii_uppercase();
                match stack.pop() {
                    Some((open, _)) if open == what => {}
                    Some((open, at)) => {
                        return Err(Problem {
                            line: line.number,
                            message: format!(
                                "END:{} closes BEGIN:{} of line {at}",
                                short(&what),
                                short(&open)
                            ),
                        })
                    }
                    None => {
                        return Err(Problem {
                            line: line.number,
                            message: format!("END:{} without BEGIN", short(&what)),
                        })
                    }
                }
                if what == "VEVENT" && stack.len() == 1 {
                    if calendar.events.len() >= MAX_EVENTS {
                        return Err(Problem {
                            line: line.number,
                            message: format!("more than {MAX_EVENTS} events"),
                        });
                    }
                    match read_event(std::mem::take(&mut event)) {
                        Ok(Some(e)) if steps(&e) + budget_used > MAX_CALENDAR_STEPS => {
                            calendar.skipped.push(Problem {
                                line: e.line,
                                message: "the calendar's recurring events together repeat too often: this one is left out".into(),
                            })
                        }
                        Ok(Some(e)) => {
                            budget_used += steps(&e);
                            calendar.events.push(e)
                        }
                        Ok(None) => {}
                        Err(problem) => calendar.skipped.push(problem),
                    }
                }
            }
            _ if stack.is_empty() => {
                return Err(Problem {
                    line: line.number,
                    message: if saw_calendar {
                        format!("{} after END:VCALENDAR", short(&line.name))
                    } else {
                        "expected BEGIN:VCALENDAR".into()
                    },
                })
            }
            // Properties of the event itself, not of its alarms.
            _ if stack.len() == 2 && stack[1].0 == "VEVENT" => event.push(line),
            _ => {}
        }
    }
    if let Some((open, at)) = stack.pop() {
        return Err(Problem {
            line: at,
            message: format!("BEGIN:{open} is never closed"),
        });
    }
    if !saw_calendar {
        return Err(Problem {
            line: 1,
            message: "expected BEGIN:VCALENDAR".into(),
        });
    }
    Ok(calendar)
}

fn read_event(lines: Vec<Line>) -> Result<Option<Event>, Problem> {
    let first = lines.first().map_or(0, |l| l.number);
    let mut start = None;
    let mut end = None;
    let mut duration = None;
    let mut rrule = None;
    let mut exdates = Vec::new();
    let mut rdates = Vec::new();
    let mut recurrence_id = None;
    let mut uid = None;
    let mut summary = String::new();
    let mut cancelled = false;
    for line in &lines {
        let fail = |message: String| Problem {
            line: line.number,
            message,
        };
        let one = |line: &Line| -> Result<When, Problem> {
            when_of(line)
                .map_err(fail)?
                .into_iter()
                .next()
                .ok_or_else(|| Problem {
                    line: line.number,
                    message: format!("{} has no value", line.name),
                })
        };
        match line.name.as_str() {
            "DTSTART" => start = Some(one(line)?),
            "DTEND" => end = Some(one(line)?),
            "DURATION" => {
                duration = Some(parse_duration(&line.value).ok_or_else(|| {
                    fail(format!(
                        "{:?} is not a duration such as P1D or PT2H",
                        short(&line.value)
                    ))
                })?)
            }
            "RRULE" => {
                if rrule.is_some() {
                    return Err(fail("more than one RRULE in an event".into()));
                }
                rrule = Some(line.value.trim().to_string());
            }
            "EXDATE" => exdates.extend(when_of(line).map_err(fail)?),
            "RDATE" => rdates.extend(when_of(line).map_err(fail)?),
            "RECURRENCE-ID" => recurrence_id = Some(one(line)?),
            "UID" => uid = Some(line.value.trim().to_string()),
            "SUMMARY" => summary = unescape(&line.value),
            "STATUS" => cancelled = line.value.trim().eq_ignore_ascii_case("CANCELLED"),
            _ => {}
        }
    }
    let Some(start) = start else {
        return Err(Problem {
            line: first,
            message: "an event without DTSTART".into(),
        });
    };
    if let Some(rule) = &rrule {
        let upper = rule.to_ascii_uppercase();
        if ["SECONDLY", "MINUTELY", "HOURLY"]
            .iter()
            .any(|f| upper.contains(&format!("FREQ={f}")))
        {
            return Err(Problem {
                line: first,
                message: "closures repeat daily at most often (FREQ=SECONDLY, MINUTELY and HOURLY are not read)".into(),
            });
        }
    }
    let problem = |message: &str| Problem {
        line: first,
        message: message.to_string(),
    };
    if let Some(rule) = &rrule {
        let upper = rule.to_ascii_uppercase();
        let many = |key: &str| {
            upper
                .split(';')
                .any(|part| part.strip_prefix(key).is_some_and(|v| v.contains(',')))
        };
        if many("BYHOUR=") || many("BYMINUTE=") || many("BYSECOND=") {
            return Err(problem("closures repeat daily at most often (several BYHOUR, BYMINUTE or BYSECOND values are not read)"));
        }
        if rule_steps(&upper, start) > MAX_EVENT_STEPS {
            return Err(problem("this rule repeats too often from too long ago (a recurring closure starts in 1900 or later, and daily ones within about 60 years)"));
        }
    }
    if let (Some(end), false) = (
        end,
        matches!((start, end), (When::Date(_), Some(When::Date(_)))),
    ) {
        if let (Some(s), Some(e)) = (start.instant(Tz::UTC), end.instant(Tz::UTC)) {
            if e < s {
                return Err(problem("the event ends before it starts"));
            }
        }
    }
    if let (When::Date(s), Some(When::Date(e))) = (start, end) {
        if e < s {
            return Err(problem("the event ends before it starts"));
        }
    }
    if duration.is_some_and(|d| d < Duration::zero()) {
        return Err(problem("a negative DURATION"));
    }
    let event = Event {
        uid,
        summary,
        start,
        end,
        duration,
        rrule,
        exdates,
        rdates,
        recurrence_id,
        cancelled,
        line: first,
    };
    // Check the rule once now, so a bad one is reported rather than ignored.
    if event.rrule.is_some() {
        let site = Tz::UTC;
        recurrences(&event, site, 0, 1).map_err(|message| Problem {
            line: first,
            message,
        })?;
    }
    Ok(Some(event))
}

/// About how many steps the rule takes from the event's start to 2100.
fn rule_steps(upper: &str, start: When) -> u64 {
    let value = |key: &str| {
        upper
            .split(';')
            .find_map(|part| part.strip_prefix(key))
            .map(str::to_string)
    };
    let per_year: u64 = match value("FREQ=").as_deref() {
        Some("DAILY") => 366,
        Some("WEEKLY") => 53,
        Some("MONTHLY") => 12,
        _ => 1,
    };
    let interval = value("INTERVAL=")
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(1)
        .max(1);
    let year = match start {
        When::Date(date) => date.year(),
        When::Floating(local) => local.year(),
        When::Instant(at, _) => Utc.timestamp_opt(at, 0).single().map_or(0, |t| t.year()),
    };
    if year < 1900 {
        return u64::MAX;
    }
    let years = u64::try_from(2100 - year).unwrap_or(0).max(1);
    years * per_year / interval
}

fn unescape(text: &str) -> String {
    text.replace("\\n", " ")
        .replace("\\N", " ")
        .replace("\\,", ",")
        .replace("\\;", ";")
        .replace("\\\\", "\\")
}

/// The event's length: to DTEND, or DURATION, or a day for a date, none for a time.
fn length(event: &Event, site: Tz) -> Duration {
    match (event.start, event.end) {
        (When::Date(start), Some(When::Date(end))) => end - start,
        (start, Some(end)) => match (start.instant(site), end.instant(site)) {
            (Some(s), Some(e)) => Duration::try_seconds(e - s).unwrap_or_else(Duration::zero),
            _ => Duration::zero(),
        },
        (start, None) => event.duration.unwrap_or(match start {
            When::Date(_) => Duration::days(1),
            _ => Duration::zero(),
        }),
    }
}

/// The starts of the event's occurrences from about `from` to `to` (before
/// exceptions), by its rule.
fn recurrences(event: &Event, site: Tz, from: i64, to: i64) -> Result<Vec<When>, String> {
    let Some(rule) = &event.rrule else {
        return Ok(vec![event.start]);
    };
    let (zone, dt_start): (rrule::Tz, Option<DateTime<rrule::Tz>>) = match event.start {
        // Dates expand in UTC and come back as dates.
        When::Date(date) => (
            rrule::Tz::UTC,
            rrule::Tz::UTC
                .from_local_datetime(&date.and_hms_opt(0, 0, 0).unwrap_or_default())
                .single(),
        ),
        When::Instant(at, tz) => {
            let zone: rrule::Tz = tz.map_or(rrule::Tz::UTC, Into::into);
            (zone, zone.timestamp_opt(at, 0).single())
        }
        When::Floating(local) => {
            let zone: rrule::Tz = site.into();
            (zone, zone.from_local_datetime(&local).earliest())
        }
    };
    let dt_start = dt_start.ok_or("the event's start does not exist in its time zone")?;
    let mut text = rule.clone();
    // A date rule's UNTIL may be a date; the expansion runs on date-times.
    if matches!(event.start, When::Date(_)) {
        text = text
            .split(';')
            .map(|part| match part.split_once('=') {
                Some((k, v)) if k.eq_ignore_ascii_case("UNTIL") && v.len() == 8 => {
                    format!("UNTIL={v}T000000Z")
                }
                _ => part.to_string(),
            })
            .collect::<Vec<_>>()
            .join(";");
    } else if !matches!(event.start, When::Instant(_, None)) {
        // With a local start, rrule wants UNTIL in UTC (RFC 5545 says so; feeds do not always).
        let zone = match event.start {
            When::Instant(_, tz) => tz.unwrap_or(site),
            _ => site,
        };
        text = text
            .split(';')
            .map(|part| match part.split_once('=') {
                Some((k, v)) if k.eq_ignore_ascii_case("UNTIL") && !v.ends_with(['Z', 'z']) => {
                    match parse_when(v, false, Some(zone)) {
                        Ok(When::Date(day)) => format!("UNTIL={}T235959Z", day.format("%Y%m%d")),
                        Ok(When::Instant(at, _)) => match Utc.timestamp_opt(at, 0).single() {
                            Some(t) => format!("UNTIL={}", t.format("%Y%m%dT%H%M%SZ")),
                            None => part.to_string(),
                        },
                        _ => part.to_string(),
                    }
                }
                _ => part.to_string(),
            })
            .collect::<Vec<_>>()
            .join(";");
    }
    let rule: rrule::RRule<rrule::Unvalidated> = text.parse().map_err(|e: rrule::RRuleError| {
        format!(
            "RRULE {:?} does not parse: {}",
            short(rule),
            short(&e.to_string())
        )
    })?;
    let rule = rule.validate(dt_start).map_err(|e| {
        format!(
            "RRULE {:?} cannot be used: {}",
            short(&text),
            short(&e.to_string())
        )
    })?;
    let after = zone
        .timestamp_opt(from, 0)
        .single()
        .ok_or("a time out of range")?;
    let before = zone
        .timestamp_opt(to, 0)
        .single()
        .ok_or("a time out of range")?;
    let result = rrule::RRuleSet::new(dt_start)
        .rrule(rule)
        .after(after)
        .before(before)
        .all(MAX_OCCURRENCES);
    Ok(result
        .dates
        .into_iter()
        .map(|at| match event.start {
            When::Date(_) => When::Date(at.date_naive()),
            When::Instant(_, tz) => When::Instant(at.timestamp(), tz),
            When::Floating(_) => When::Floating(at.naive_local()),
        })
        .collect())
}

fn same_occurrence(a: When, b: When, site: Tz) -> bool {
    match (a, b) {
        // A date exception removes that day's occurrence, whatever its time.
        (When::Date(day), other) | (other, When::Date(day)) => other.day(site) == Some(day),
        _ => a.instant(site) == b.instant(site),
    }
}

impl Calendar {
    /// Closed time in `[from, to)` as UTC intervals, sorted by start.
    pub fn closures(&self, site: Tz, from: i64, to: i64) -> Vec<(i64, i64)> {
        let key = (site, from, to);
        if let Ok(memo) = self.memo.lock() {
            if let Some((_, found)) = memo.iter().find(|(k, _)| *k == key) {
                return found.clone();
            }
        }
        let out = self.expand(site, from, to);
        // A few windows: the public configs', the admin's preview, a test.
        if let Ok(mut memo) = self.memo.lock() {
            memo.insert(0, (key, out.clone()));
            memo.truncate(4);
        }
        out
    }

    fn expand(&self, site: Tz, from: i64, to: i64) -> Vec<(i64, i64)> {
        let mut out = Vec::new();
        // Which occurrences each UID's overrides replace.
        let mut replaced: std::collections::HashMap<&str, Vec<When>> = Default::default();
        for event in self.events.iter() {
            if let (Some(uid), Some(id)) = (event.uid.as_deref(), event.recurrence_id) {
                replaced.entry(uid).or_default().push(id);
            }
        }
        for event in self
            .events
            .iter()
            .filter(|e| e.recurrence_id.is_none() && !e.cancelled)
        {
            if out.len() >= MAX_CLOSURES {
                break;
            }
            let length = length(event, site);
            // Occurrences that started up to one length before `from` still cover it.
            let lookback = length.num_seconds().clamp(0, 366 * 86_400) + 86_400;
            let Ok(mut starts) = recurrences(event, site, from - lookback, to) else {
                continue;
            };
            starts.extend(event.rdates.iter().copied());
            let overridden = event.uid.as_deref().and_then(|uid| replaced.get(uid));
            for start in starts {
                if event
                    .exdates
                    .iter()
                    .any(|x| same_occurrence(*x, start, site))
                    || overridden
                        .is_some_and(|ids| ids.iter().any(|r| same_occurrence(*r, start, site)))
                {
                    continue;
                }
                push_occurrence(&mut out, start, length, site, from, to);
            }
        }
        for event in self
            .events
            .iter()
            .filter(|e| e.recurrence_id.is_some() && !e.cancelled)
        {
            if out.len() >= MAX_CLOSURES {
                break;
            }
            push_occurrence(&mut out, event.start, length(event, site), site, from, to);
        }
        out.truncate(MAX_CLOSURES);
        out.sort_unstable();
        out
    }
}

fn push_occurrence(
    out: &mut Vec<(i64, i64)>,
    start: When,
    length: Duration,
    site: Tz,
    from: i64,
    to: i64,
) {
    let (begin, end) = match start {
        // Whole days from local midnight to local midnight, DST or not.
        When::Date(date) => {
            let days = length.num_days().max(1);
            let Some(last) = date.checked_add_signed(Duration::days(days)) else {
                return;
            };
            (local_instant(site, date, 0), local_instant(site, last, 0))
        }
        other => {
            let begin = other.instant(site);
            (begin, begin.map(|b| b + length.num_seconds()))
        }
    };
    if let (Some(begin), Some(end)) = (begin, end) {
        if begin < end && end > from && begin < to {
            out.push((begin.max(from), end.min(to)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::display_rules::{ClockTime, Span, Weekly};

    fn utc(text: &str) -> i64 {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M")
            .expect("test time")
            .and_utc()
            .timestamp()
    }

    fn span(from: &str, to: &str) -> Span {
        Span {
            from: ClockTime::parse(from).expect("from"),
            to: ClockTime::parse(to).expect("to"),
        }
    }

    fn hours(zone: &str, weekly: Weekly) -> BusinessHours {
        BusinessHours {
            time_zone: zone.into(),
            weekly,
            calendar: None,
            outside: OutsideHours::Hide,
            chatbot: None,
        }
    }

    fn weekdays(spans: Vec<Span>) -> Weekly {
        Weekly {
            mon: spans.clone(),
            tue: spans.clone(),
            wed: spans.clone(),
            thu: spans.clone(),
            fri: spans,
            ..Weekly::default()
        }
    }

    #[test]
    fn a_weekly_schedule_in_tokyo_becomes_utc_instants() {
        let h = hours(
            "Asia/Tokyo",
            weekdays(vec![span("09:00", "12:00"), span("13:00", "18:00")]),
        );
        // Friday 2026-12-04 and the weekend after it.
        let open = open_between(&h, None, utc("2026-12-03 15:00"), utc("2026-12-06 15:00"));
        assert_eq!(
            open,
            [
                (utc("2026-12-04 00:00"), utc("2026-12-04 03:00")),
                (utc("2026-12-04 04:00"), utc("2026-12-04 09:00")),
            ]
        );
    }

    #[test]
    fn daylight_saving_moves_the_utc_hours_in_berlin() {
        let h = hours(
            "Europe/Berlin",
            Weekly {
                sat: vec![span("09:00", "17:00")],
                sun: vec![span("01:00", "04:00")],
                ..Weekly::default()
            },
        );
        // 2026-03-28 is a Saturday in winter time (UTC+1); Sunday 29 March at 02:00 the clocks jump to 03:00.
        let open = open_between(&h, None, utc("2026-03-27 00:00"), utc("2026-03-30 00:00"));
        assert_eq!(
            open,
            [
                (utc("2026-03-28 08:00"), utc("2026-03-28 16:00")),
                // 01:00 CET is 00:00 UTC; 04:00 CEST is 02:00 UTC: two hours, not three.
                (utc("2026-03-29 00:00"), utc("2026-03-29 02:00")),
            ]
        );
        // In summer the same Saturday hours are an hour earlier in UTC.
        let summer = open_between(&h, None, utc("2026-07-03 00:00"), utc("2026-07-05 00:00"));
        assert_eq!(
            summer[0],
            (utc("2026-07-04 07:00"), utc("2026-07-04 15:00"))
        );
    }

    #[test]
    fn a_night_shift_over_midnight_is_one_interval() {
        let h = hours(
            "UTC",
            Weekly {
                mon: vec![span("22:00", "24:00")],
                tue: vec![span("00:00", "06:00")],
                ..Weekly::default()
            },
        );
        let open = open_between(&h, None, utc("2026-11-30 00:00"), utc("2026-12-02 00:00"));
        assert_eq!(open, [(utc("2026-11-30 22:00"), utc("2026-12-01 06:00"))]);
    }

    const HOLIDAYS: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n\
BEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20261223\r\nDURATION:P1D\r\nSUMMARY:Holiday\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:b\r\nDTSTART;TZID=Asia/Tokyo:20261201T120000\r\nDTEND;TZID=Asia/Tokyo:20261201T1300\r\n 00\r\n\
RRULE:FREQ=WEEKLY;BYDAY=TU,TH\r\nEXDATE;TZID=Asia/Tokyo:20261203T120000\r\nEXDATE;VALUE=DATE:20261208\r\n\
SUMMARY:Team lunch\\, closed\r\nBEGIN:VALARM\r\nDTSTART:19700101T000000Z\r\nEND:VALARM\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:b\r\nRECURRENCE-ID;TZID=Asia/Tokyo:20261210T120000\r\nDTSTART;TZID=Asia/Tokyo:20261210T150000\r\n\
DTEND;TZID=Asia/Tokyo:20261210T160000\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:c\r\nDTSTART;VALUE=DATE:20261231\r\nDTEND;VALUE=DATE:20270104\r\nSTATUS:CONFIRMED\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:d\r\nDTSTART;VALUE=DATE:20261225\r\nSTATUS:CANCELLED\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n";

    #[test]
    fn rrule_with_exdate_overrides_and_all_day_holidays_close_hours() {
        let calendar = parse_calendar(HOLIDAYS).expect("parses");
        assert_eq!(calendar.events.len(), 5);
        assert!(calendar.skipped.is_empty(), "{:?}", calendar.skipped);
        assert_eq!(calendar.events[1].summary, "Team lunch, closed");
        let tokyo = time_zone("Asia/Tokyo").expect("zone");
        let closed = calendar.closures(tokyo, utc("2026-11-30 15:00"), utc("2027-01-10 00:00"));
        let lunch = |day: &str| (utc(&format!("{day} 03:00")), utc(&format!("{day} 04:00")));
        assert_eq!(
            closed,
            [
                lunch("2026-12-01"),
                // 3 December: an EXDATE; 8 December: a DATE exception.
                (utc("2026-12-10 06:00"), utc("2026-12-10 07:00")), // moved to 15:00
                lunch("2026-12-15"),
                lunch("2026-12-17"),
                lunch("2026-12-22"),
                // The all-day holiday is Tokyo's whole day, not the server's.
                (utc("2026-12-22 15:00"), utc("2026-12-23 15:00")),
                lunch("2026-12-24"),
                // 25 December is cancelled.
                lunch("2026-12-29"),
                (utc("2026-12-30 15:00"), utc("2027-01-03 15:00")),
                // Closures may overlap; subtracting them does not mind.
                lunch("2026-12-31"),
                lunch("2027-01-05"),
                lunch("2027-01-07"),
            ]
        );
        let mut h = hours("Asia/Tokyo", weekdays(vec![span("09:00", "18:00")]));
        h.weekly.wed = vec![span("09:00", "18:00")];
        let open = open_between(
            &h,
            Some(&calendar),
            utc("2026-12-22 15:00"),
            utc("2026-12-24 15:00"),
        );
        // Wednesday the 23rd is a holiday; Thursday the 24th has the lunch break.
        assert_eq!(
            open,
            [
                (utc("2026-12-24 00:00"), utc("2026-12-24 03:00")),
                (utc("2026-12-24 04:00"), utc("2026-12-24 09:00"))
            ]
        );
    }

    #[test]
    fn a_yearly_holiday_repeats_until_its_end() {
        let text = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:new-year\nDTSTART;VALUE=DATE:20250101\nRRULE:FREQ=YEARLY;UNTIL=20271231\nEND:VEVENT\nEND:VCALENDAR\n";
        let calendar = parse_calendar(text).expect("parses");
        let utc_zone = time_zone("UTC").expect("utc");
        let closed = calendar.closures(utc_zone, utc("2026-01-01 00:00"), utc("2029-01-02 00:00"));
        assert_eq!(
            closed,
            [
                (utc("2026-01-01 00:00"), utc("2026-01-02 00:00")),
                (utc("2027-01-01 00:00"), utc("2027-01-02 00:00")),
            ]
        );
    }

    #[test]
    fn absurd_durations_are_refused_not_overflowed() {
        assert_eq!(parse_duration("P1DT2H"), Some(Duration::hours(26)));
        assert_eq!(parse_duration("-PT15M"), Some(Duration::minutes(-15)));
        assert_eq!(parse_duration("P9223372036854775807W"), None);
        assert_eq!(parse_duration("P99999999D"), None);
        assert_eq!(parse_duration("P1X"), None);
        let far = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:00010101T000000Z\nDTEND:99991231T235959Z\nRRULE:FREQ=DAILY\nEND:VEVENT\nEND:VCALENDAR\n";
        let calendar = parse_calendar(far).expect("parses");
        assert_eq!(
            (calendar.events.len(), calendar.skipped.len()),
            (0, 1),
            "a daily rule from year 1 is refused"
        );
    }

    #[test]
    fn what_would_cost_every_build_is_refused_with_its_line() {
        let event = |body: &str| {
            format!("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n{body}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
        };
        for body in [
            "DTSTART:20260101T000000Z\r\nDURATION:PT20S\r\nRRULE:FREQ=DAILY;BYHOUR=1,2;BYMINUTE=0",
            "DTSTART:20260101T000000Z\r\nRRULE:FREQ=DAILY;BYMINUTE=0,30",
            "DTSTART:20260102T000000Z\r\nDTEND:20260101T000000Z",
            "DTSTART;VALUE=DATE:20260102\r\nDTEND;VALUE=DATE:20260101",
            "DTSTART:20260101T000000Z\r\nDURATION:-P1D",
        ] {
            let calendar = parse_calendar(&event(body)).expect("a calendar");
            assert_eq!(
                (calendar.events.len(), calendar.skipped.len()),
                (0, 1),
                "{body}"
            );
            assert_eq!(calendar.skipped[0].line, 3, "the event's first line");
        }
        // A lone CR ends lines too; quoted values in problems are short.
        let cr = "BEGIN:VCALENDAR\rBEGIN:VEVENT\rDTSTART;VALUE=DATE:20261223\rEND:VEVENT\rEND:VCALENDAR\r";
        assert_eq!(parse_calendar(cr).expect("parses").events.len(), 1);
        let long = format!(
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:{}\nEND:VEVENT\nEND:VCALENDAR\n",
            "9".repeat(100_000)
        );
        let problem = &parse_calendar(&long).expect("a calendar").skipped[0];
        assert!(problem.message.len() < 200, "{}", problem.message.len());
    }

    #[test]
    fn broken_calendars_say_where() {
        let cases = [
            ("hello", 1),
            (
                "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20260101\nEND:VCALENDAR\n",
                4,
            ),
            ("BEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VEVENT\n", 1),
            ("BEGIN:VCALENDAR\nX-A;B:1\n", 2),
            ("", 1),
        ];
        for (text, line) in cases {
            let problem = parse_calendar(text).expect_err(text);
            assert_eq!(problem.line, line, "{text:?}: {problem}");
        }
        // Events that cannot be used are left out and listed, with their line.
        let text = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;TZID=Mars/Olympus:20260101T090000\nEND:VEVENT\n\
BEGIN:VEVENT\nDTSTART:20260101T090000Z\nRRULE:FREQ=MINUTELY\nEND:VEVENT\n\
BEGIN:VEVENT\nDTSTART:20260101T090000Z\nRRULE:FREQ=SOMETIMES\nEND:VEVENT\n\
BEGIN:VEVENT\nDTSTART;TZID=Tokyo Standard Time:20260101T090000\nEND:VEVENT\nEND:VCALENDAR\n";
        let calendar = parse_calendar(text).expect("a calendar");
        assert_eq!(calendar.events.len(), 1, "the Windows zone name is read");
        assert_eq!(
            calendar.events[0].start,
            When::Instant(utc("2026-01-01 00:00"), time_zone("Asia/Tokyo"))
        );
        let lines: Vec<usize> = calendar.skipped.iter().map(|p| p.line).collect();
        assert_eq!(lines, [3, 6, 10]);
    }

    #[test]
    fn public_hours_start_at_the_hour_and_cover_eight_days() {
        let h = hours("UTC", weekdays(vec![span("09:00", "17:00")]));
        let now = utc("2026-12-01 10:30");
        let public = public_hours(&h, None, None, now + 59);
        assert_eq!(public.until, utc("2026-12-01 10:00") + 8 * 86_400);
        assert_eq!(
            public.open[0],
            [utc("2026-12-01 10:00"), utc("2026-12-01 17:00")]
        );
        assert_eq!(
            public.open.len(),
            7,
            "Tuesday to Friday, then Monday to Wednesday"
        );
        assert_eq!(public.open[6], [utc("2026-12-09 09:00"), public.until]);
    }
}
