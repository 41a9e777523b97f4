//! Calendars the display rules' business hours take closures from.
//!
//! - A feed's last good copy and its status are kept per URL, in
//!   `calendar-feeds/<hash>.ics` and `.json` under the data directory, so a
//!   restart, or a feed that breaks or cannot be reached, never empties the
//!   schedule. Only a successful fetch that parses replaces the copy.
//! - An uploaded file lives in the settings themselves; its parsed form is
//!   kept here, by the hash of its text, so building the public configs
//!   does not parse it again each time.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use switchboard_core::display_rules::CalendarSource;
use switchboard_core::hours::{parse_calendar, Calendar};
use switchboard_core::wire::{CalendarProblem, CalendarStatus};

use super::file::write_atomically;
use super::StoreError;

/// Parsed uploaded files kept at most (each is at most 512 KiB of text).
const MAX_FILES: usize = 64;

/// What is known of one feed URL.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FeedRecord {
    pub url: String,
    pub last_attempt: Option<String>,
    pub last_success: Option<String>,
    pub last_error: Option<CalendarProblem>,
    pub events: usize,
    #[serde(default)]
    pub skipped: Vec<String>,
}

#[derive(Debug, Clone, Default)]
struct Feed {
    record: FeedRecord,
    calendar: Option<Arc<Calendar>>,
}

#[derive(Default)]
pub struct Calendars {
    /// `None`: in memory only (tests).
    dir: Option<PathBuf>,
    feeds: RwLock<HashMap<String, Feed>>,
    files: Mutex<HashMap<[u8; 32], Arc<Calendar>>>,
}

fn key(url: &str) -> String {
    let digest = Sha256::digest(url.as_bytes());
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// Up to five problems of events left out, as `line N: why`.
pub fn skipped_lines(calendar: &Calendar) -> Vec<String> {
    calendar
        .skipped
        .iter()
        .take(5)
        .map(ToString::to_string)
        .collect()
}

impl Calendars {
    pub fn in_memory() -> Self {
        Self::default()
    }

    /// Reads the copies kept under `data_dir`. A copy that no longer parses
    /// (written by another version) is dropped with a warning, its status kept.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        let dir = data_dir.join("calendar-feeds");
        std::fs::create_dir_all(&dir).map_err(|e| StoreError::io(&dir, "create", e))?;
        let mut feeds = HashMap::new();
        let entries = std::fs::read_dir(&dir).map_err(|e| StoreError::io(&dir, "read", e))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let Ok(record) = serde_json::from_str::<FeedRecord>(&text) else {
                tracing::warn!(path = %path.display(), "ignoring an unreadable calendar feed status");
                continue;
            };
            let copy = std::fs::read_to_string(path.with_extension("ics")).ok();
            let calendar = copy.and_then(|text| match parse_calendar(&text) {
                Ok(calendar) => Some(Arc::new(calendar)),
                Err(problem) => {
                    tracing::warn!(url = %record.url, %problem, "the kept copy of a calendar feed no longer parses");
                    None
                }
            });
            feeds.insert(record.url.clone(), Feed { record, calendar });
        }
        Ok(Self {
            dir: Some(dir),
            feeds: RwLock::new(feeds),
            files: Mutex::new(HashMap::new()),
        })
    }

    /// The calendar in use for `source`: a feed's last good copy (none
    /// before its first successful fetch), a file's parsed text.
    pub fn calendar(&self, source: &CalendarSource) -> Option<Arc<Calendar>> {
        match source {
            CalendarSource::Feed { url } => self.read().get(url).and_then(|f| f.calendar.clone()),
            CalendarSource::File { ics, .. } => {
                let hash: [u8; 32] = Sha256::digest(ics.as_bytes()).into();
                let mut files = match self.files.lock() {
                    Ok(files) => files,
                    Err(poisoned) => poisoned.into_inner(),
                };
                if let Some(found) = files.get(&hash) {
                    return Some(Arc::clone(found));
                }
                // Files were checked when saved; one that fails now has no closures.
                let calendar = Arc::new(parse_calendar(ics).ok()?);
                if files.len() >= MAX_FILES {
                    files.clear();
                }
                files.insert(hash, Arc::clone(&calendar));
                Some(calendar)
            }
        }
    }

    /// What the admin sees of `source`.
    pub fn status(&self, source: &CalendarSource) -> CalendarStatus {
        match source {
            CalendarSource::Feed { url } => {
                let record = self
                    .read()
                    .get(url)
                    .map(|f| f.record.clone())
                    .unwrap_or_else(|| FeedRecord {
                        url: url.clone(),
                        ..FeedRecord::default()
                    });
                CalendarStatus {
                    kind: "feed".into(),
                    url: Some(record.url),
                    name: None,
                    last_attempt: record.last_attempt,
                    last_success: record.last_success,
                    last_error: record.last_error,
                    events: record.events,
                    skipped: record.skipped,
                    next_refresh: None,
                }
            }
            CalendarSource::File { name, .. } => {
                let calendar = self.calendar(source);
                CalendarStatus {
                    kind: "file".into(),
                    name: Some(name.clone()),
                    events: calendar.as_ref().map_or(0, |c| c.events.len()),
                    skipped: calendar.as_deref().map(skipped_lines).unwrap_or_default(),
                    ..CalendarStatus::default()
                }
            }
        }
    }

    /// When `url` was last tried, if ever.
    pub fn last_attempt(&self, url: &str) -> Option<(String, bool)> {
        self.read().get(url).and_then(|f| {
            f.record
                .last_attempt
                .clone()
                .map(|at| (at, f.record.last_error.is_none()))
        })
    }

    /// A fetch of `url` at `at` gave `text`, which parsed: it is the copy now.
    pub fn succeeded(
        &self,
        url: &str,
        at: &str,
        text: &str,
        calendar: Calendar,
    ) -> Result<(), StoreError> {
        let record = FeedRecord {
            url: url.to_string(),
            last_attempt: Some(at.to_string()),
            last_success: Some(at.to_string()),
            last_error: None,
            events: calendar.events.len(),
            skipped: skipped_lines(&calendar),
        };
        if let Some(dir) = &self.dir {
            let base = dir.join(key(url));
            write_atomically(&base.with_extension("ics"), text.as_bytes())?;
            self.persist(&base, &record)?;
        }
        self.write().insert(
            url.to_string(),
            Feed {
                record,
                calendar: Some(Arc::new(calendar)),
            },
        );
        Ok(())
    }

    /// A fetch of `url` failed: the copy in use stays.
    pub fn failed(&self, url: &str, problem: CalendarProblem) -> Result<(), StoreError> {
        let record = {
            let mut feeds = self.write();
            let feed = feeds.entry(url.to_string()).or_insert_with(|| Feed {
                record: FeedRecord {
                    url: url.to_string(),
                    ..FeedRecord::default()
                },
                calendar: None,
            });
            feed.record.last_attempt = Some(problem.at.clone());
            feed.record.last_error = Some(problem);
            feed.record.clone()
        };
        if let Some(dir) = &self.dir {
            self.persist(&dir.join(key(url)), &record)?;
        }
        Ok(())
    }

    /// Forgets feeds no settings use any more (and their files).
    pub fn retain(&self, in_use: &[String]) {
        let gone: Vec<String> = self
            .read()
            .keys()
            .filter(|url| !in_use.contains(url))
            .cloned()
            .collect();
        if gone.is_empty() {
            return;
        }
        let mut feeds = self.write();
        for url in gone {
            feeds.remove(&url);
            if let Some(dir) = &self.dir {
                let base = dir.join(key(&url));
                let _ = std::fs::remove_file(base.with_extension("ics"));
                let _ = std::fs::remove_file(base.with_extension("json"));
            }
        }
    }

    fn persist(&self, base: &Path, record: &FeedRecord) -> Result<(), StoreError> {
        let json =
            serde_json::to_vec_pretty(record).map_err(|e| StoreError::Encode(e.to_string()))?;
        write_atomically(&base.with_extension("json"), &json)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Feed>> {
        match self.feeds.read() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, Feed>> {
        match self.feeds.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ICS: &str = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261223\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    fn problem() -> CalendarProblem {
        CalendarProblem {
            code: switchboard_core::messages::CalendarFeedError::Timeout,
            message: "late".into(),
            params: Default::default(),
            at: "2026-12-02T10:00:00Z".into(),
        }
    }

    #[test]
    fn a_kept_copy_survives_a_restart_and_a_failure() {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = "https://calendar.example/jp.ics";
        let feed = CalendarSource::Feed { url: url.into() };
        {
            let calendars = Calendars::open(dir.path()).expect("open");
            let calendar = parse_calendar(ICS).expect("parses");
            calendars
                .succeeded(url, "2026-12-02T09:00:00Z", ICS, calendar)
                .expect("kept");
            calendars.failed(url, problem()).expect("status kept");
        }
        let calendars = Calendars::open(dir.path()).expect("open again");
        assert_eq!(
            calendars.calendar(&feed).map(|c| c.events.len()),
            Some(1),
            "the copy is back"
        );
        let status = calendars.status(&feed);
        assert_eq!(status.last_success.as_deref(), Some("2026-12-02T09:00:00Z"));
        assert_eq!(status.last_error.map(|e| e.code.as_str()), Some("timeout"));
        assert_eq!(
            calendars.last_attempt(url),
            Some(("2026-12-02T10:00:00Z".into(), false))
        );
        // A feed no settings name any more is forgotten, files and all.
        calendars.retain(&[]);
        assert!(calendars.calendar(&feed).is_none());
        let left = std::fs::read_dir(dir.path().join("calendar-feeds"))
            .expect("dir")
            .count();
        assert_eq!(left, 0);
    }
}
