//! Conversations with chatbots: every conversation start and message, in
//! order, behind [`ConversationLog`].
//!
//! The embedded implementation keeps one JSON Lines file per day (UTC) under
//! `conversations/` in the data directory: append-only, each append fsynced
//! before it is acknowledged, a torn last line (a crash mid-write) cut off
//! at start. Memory holds only the newest records, where each day's file
//! starts, and which bot each recent conversation belongs to; older records
//! are read from disk.

use std::collections::{HashMap, VecDeque};
use std::fs::{self, File};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use switchboard_core::visitor_chat::{Visitor, Vote};

use super::{now_rfc3339, StoreError};

pub const CONVERSATIONS_DIR: &str = "conversations";
/// Records kept in memory, newest last.
const RECENT: usize = 4096;
/// Conversations whose bot is remembered; the least recently active go first.
const REMEMBERED: usize = 100_000;
/// Day files read at start to remember their conversations, at least (a
/// visitor's conversation continues only while it is remembered).
pub const REMEMBER_DAYS: usize = 7;
/// Lines one read may go through on disk before answering with what it found.
const MAX_SCAN: usize = 100_000;

/// Where a conversation comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Origin {
    /// An admin's "Try it" box.
    Try { admin: String },
    /// A site's chat.
    Site { site: String },
    /// The bot's direct chat page.
    Direct,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Author {
    /// The person chatting (a site's visitor, or the admin trying the bot).
    Visitor,
    /// The bot's model.
    Model,
    /// The bot program, through the bot API.
    Bot,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum ConversationEvent {
    Started {
        origin: Origin,
        /// A signed-in visitor, as the site named them.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        visitor: Option<Visitor>,
    },
    Message {
        author: Author,
        text: String,
        /// Which model answered (for the model's messages).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        model: Option<String>,
    },
    /// The visitor signed in, or became someone else, mid-conversation.
    Identified { visitor: Visitor },
    /// A visitor's vote on an answer (`message`: its `seq`); `None` takes it back.
    Feedback { message: u64, vote: Option<Vote> },
    /// What the server refused the visitor (a limit), for the transcript.
    Refused { code: String },
}

impl ConversationEvent {
    /// What the bot program and its webhook hear of: starts and messages.
    pub fn is_for_the_bot(&self) -> bool {
        matches!(self, Self::Started { .. } | Self::Message { .. })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationRecord {
    /// Position in the log: increases by one with every record.
    pub seq: u64,
    pub at: String,
    pub conversation: String,
    pub bot: String,
    #[serde(flatten)]
    pub event: ConversationEvent,
}

/// The narrow interface the rest of the server uses.
pub trait ConversationLog: Send + Sync {
    /// Appends a record; on `Ok` it survives a crash.
    fn append(
        &self,
        conversation: &str,
        bot: &str,
        event: ConversationEvent,
    ) -> Result<ConversationRecord, StoreError>;
    /// `bot`'s records after `after`, at most `limit`; and the position read
    /// up to (the cursor to continue from).
    fn after(
        &self,
        bot: &str,
        after: u64,
        limit: usize,
    ) -> Result<(Vec<ConversationRecord>, u64), StoreError>;
    /// The newest `limit` records of a conversation, oldest first.
    fn history(
        &self,
        conversation: &str,
        limit: usize,
    ) -> Result<Vec<ConversationRecord>, StoreError>;
    /// The bot a (recent) conversation belongs to.
    fn bot_of(&self, conversation: &str) -> Option<String>;
    /// The position of a (recent) conversation's newest record.
    fn last_seq_of(&self, conversation: &str) -> Option<u64>;
    /// The newest record's position (0: none).
    fn last_seq(&self) -> u64;
}

struct DayFile {
    day: String,
    path: PathBuf,
    first_seq: u64,
}

struct Known {
    bot: String,
    first_seq: u64,
    last_seq: u64,
}

struct Inner {
    dir: PathBuf,
    days: Vec<DayFile>,
    current: Option<(String, File, u64)>,
    recent: VecDeque<ConversationRecord>,
    known: HashMap<String, Known>,
    last_seq: u64,
}

pub struct FileConversationLog {
    inner: Mutex<Inner>,
}

fn day_of(at: &str) -> String {
    at.chars().take(10).collect()
}

fn is_day_file(name: &str) -> Option<String> {
    let day = name.strip_suffix(".jsonl")?;
    (day.len() == 10
        && day.char_indices().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        }))
    .then(|| day.to_string())
}

/// Calls `each` with every whole line's record of a file, one at a time
/// (never the whole file in memory), until it returns `false`; returns where
/// the last whole line read ends (a torn last line, from a crash
/// mid-write, is not one).
fn for_each_record(
    path: &Path,
    mut each: impl FnMut(ConversationRecord) -> bool,
) -> Result<u64, StoreError> {
    let file = File::open(path).map_err(|e| StoreError::io(path, "open", e))?;
    let mut reader = BufReader::new(file);
    let mut good_len = 0u64;
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| StoreError::io(path, "read", e))?;
        if read == 0 || line.last() != Some(&b'\n') {
            break;
        }
        match serde_json::from_slice::<ConversationRecord>(&line) {
            Ok(record) => {
                good_len += read as u64;
                if !each(record) {
                    break;
                }
            }
            Err(error) => {
                return Err(StoreError::Corrupt {
                    path: path.to_path_buf(),
                    detail: format!("a line after byte {good_len} is not a record: {error}"),
                })
            }
        }
    }
    Ok(good_len)
}

/// Records from disk, from the file holding `from` on, that `keep`
/// accepts; at most `limit` of them and `MAX_SCAN` lines read. Returns
/// them and the last position read. Runs without the log's lock: day files
/// only ever grow, and what is appended meanwhile is read next time.
/// Reads records `from`..=`until` (at most `max_scan` of them), keeping
/// those `keep` takes, at most `limit`.
fn scan_files(
    days: &[(PathBuf, u64)],
    (from, until): (u64, u64),
    mut keep: impl FnMut(&ConversationRecord) -> bool,
    limit: usize,
    max_scan: usize,
) -> Result<(Vec<ConversationRecord>, u64), StoreError> {
    let start = days
        .iter()
        .rposition(|(_, first)| *first <= from)
        .unwrap_or(0);
    let mut found = Vec::new();
    let mut scanned = 0usize;
    let mut position = from.saturating_sub(1);
    for (path, _) in days.get(start..).unwrap_or_default() {
        let mut full = false;
        for_each_record(path, |record| {
            if record.seq < from {
                return true;
            }
            if record.seq > until {
                full = true;
                return false;
            }
            scanned += 1;
            position = record.seq;
            if keep(&record) {
                found.push(record);
            }
            full = found.len() >= limit || scanned >= max_scan;
            !full
        })?;
        if full {
            break;
        }
    }
    Ok((found, position))
}

impl FileConversationLog {
    /// Opens the log, remembering the conversations of the newest
    /// `remember_days` day files (at least [`REMEMBER_DAYS`]).
    pub fn open(data_dir: &Path, remember_days: usize) -> Result<Self, StoreError> {
        let remember_days = remember_days.max(REMEMBER_DAYS);
        let dir = data_dir.join(CONVERSATIONS_DIR);
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(|e| StoreError::io(&dir, "create", e))?;
        let mut names: Vec<String> = fs::read_dir(&dir)
            .map_err(|e| StoreError::io(&dir, "read", e))?
            .flatten()
            .filter_map(|entry| entry.file_name().to_str().and_then(is_day_file))
            .collect();
        names.sort();
        let mut inner = Inner {
            dir: dir.clone(),
            days: Vec::new(),
            current: None,
            recent: VecDeque::new(),
            known: HashMap::new(),
            last_seq: 0,
        };
        let count = names.len();
        for (index, day) in names.into_iter().enumerate() {
            let path = dir.join(format!("{day}.jsonl"));
            let remember = index + remember_days >= count;
            let newest = index + 1 == count;
            let mut first = None;
            let good_len = for_each_record(&path, |record| {
                first.get_or_insert(record.seq);
                inner.last_seq = inner.last_seq.max(record.seq);
                if remember {
                    inner.remember(&record);
                }
                if newest {
                    inner.recent.push_back(record);
                    if inner.recent.len() > RECENT {
                        inner.recent.pop_front();
                    }
                }
                true
            })?;
            let size = fs::metadata(&path)
                .map_err(|e| StoreError::io(&path, "read", e))?
                .len();
            if good_len < size {
                tracing::warn!(path = %path.display(), "cutting off a torn last line (a crash while writing it)");
                let file = File::options()
                    .write(true)
                    .open(&path)
                    .map_err(|e| StoreError::io(&path, "open", e))?;
                file.set_len(good_len)
                    .and_then(|()| file.sync_all())
                    .map_err(|e| StoreError::io(&path, "repair", e))?;
            }
            if let Some(first_seq) = first {
                inner.days.push(DayFile {
                    day,
                    path,
                    first_seq,
                });
            }
        }
        Ok(Self {
            inner: Mutex::new(inner),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        match self.inner.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

impl Inner {
    fn day_paths(&self) -> Vec<(PathBuf, u64)> {
        self.days
            .iter()
            .map(|d| (d.path.clone(), d.first_seq))
            .collect()
    }

    fn remember(&mut self, record: &ConversationRecord) {
        let known = self
            .known
            .entry(record.conversation.clone())
            .or_insert_with(|| Known {
                bot: record.bot.clone(),
                first_seq: record.seq,
                last_seq: record.seq,
            });
        known.last_seq = record.seq;
        if self.known.len() > REMEMBERED {
            // Forget the tenth least recently active.
            let mut by_age: Vec<(u64, String)> = self
                .known
                .iter()
                .map(|(id, k)| (k.last_seq, id.clone()))
                .collect();
            by_age.sort_unstable();
            for (_, id) in by_age.into_iter().take(REMEMBERED / 10) {
                self.known.remove(&id);
            }
        }
    }

    fn file_for(&mut self, day: &str) -> Result<&mut (String, File, u64), StoreError> {
        if self.current.as_ref().is_none_or(|(d, _, _)| d != day) {
            let path = self.dir.join(format!("{day}.jsonl"));
            let file = File::options()
                .append(true)
                .create(true)
                .mode(0o600)
                .open(&path)
                .map_err(|e| StoreError::io(&path, "open", e))?;
            let len = file
                .metadata()
                .map_err(|e| StoreError::io(&path, "read", e))?
                .len();
            // The new file's directory entry must be durable too.
            File::open(&self.dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| StoreError::io(&self.dir, "sync", e))?;
            self.current = Some((day.to_string(), file, len));
        }
        self.current
            .as_mut()
            .ok_or_else(|| StoreError::Task("no conversation file".into()))
    }
}

impl ConversationLog for FileConversationLog {
    fn append(
        &self,
        conversation: &str,
        bot: &str,
        event: ConversationEvent,
    ) -> Result<ConversationRecord, StoreError> {
        let mut inner = self.lock();
        let at = now_rfc3339();
        let day = day_of(&at);
        let record = ConversationRecord {
            seq: inner.last_seq + 1,
            at,
            conversation: conversation.to_string(),
            bot: bot.to_string(),
            event,
        };
        let mut line =
            serde_json::to_vec(&record).map_err(|e| StoreError::Encode(e.to_string()))?;
        line.push(b'\n');
        let dir = inner.dir.clone();
        let path = dir.join(format!("{day}.jsonl"));
        let (_, file, len) = inner.file_for(&day)?;
        let written = file.write_all(&line).and_then(|()| file.sync_data());
        if let Err(error) = written {
            // Whole or nothing: a failed write is cut back off.
            let _ = file.set_len(*len);
            return Err(StoreError::io(&path, "append to", error));
        }
        *len += line.len() as u64;
        if inner.days.last().is_none_or(|d| d.day != day) {
            inner.days.push(DayFile {
                day,
                path,
                first_seq: record.seq,
            });
        }
        inner.last_seq = record.seq;
        inner.remember(&record);
        inner.recent.push_back(record.clone());
        if inner.recent.len() > RECENT {
            inner.recent.pop_front();
        }
        Ok(record)
    }

    fn after(
        &self,
        bot: &str,
        after: u64,
        limit: usize,
    ) -> Result<(Vec<ConversationRecord>, u64), StoreError> {
        let inner = self.lock();
        let in_memory = inner
            .recent
            .front()
            .is_none_or(|oldest| oldest.seq <= after.saturating_add(1));
        if in_memory {
            let mut found = Vec::new();
            let mut position =
                after.max(inner.recent.front().map_or(0, |r| r.seq.saturating_sub(1)));
            for record in inner.recent.iter().filter(|r| r.seq > after) {
                position = record.seq;
                if record.bot == bot {
                    found.push(record.clone());
                    if found.len() >= limit {
                        break;
                    }
                }
            }
            return Ok((found, position.max(after)));
        }
        let days = inner.day_paths();
        drop(inner);
        scan_files(
            &days,
            (after.saturating_add(1), u64::MAX),
            |r| r.bot == bot,
            limit,
            MAX_SCAN,
        )
    }

    fn history(
        &self,
        conversation: &str,
        limit: usize,
    ) -> Result<Vec<ConversationRecord>, StoreError> {
        let inner = self.lock();
        let Some(known) = inner.known.get(conversation) else {
            return Ok(Vec::new());
        };
        if inner
            .recent
            .front()
            .is_some_and(|oldest| oldest.seq <= known.first_seq)
        {
            let all: Vec<ConversationRecord> = inner
                .recent
                .iter()
                .filter(|r| r.conversation == conversation)
                .cloned()
                .collect();
            let skip = all.len().saturating_sub(limit);
            return Ok(all.into_iter().skip(skip).collect());
        }
        let (days, span) = (inner.day_paths(), (known.first_seq, known.last_seq));
        drop(inner);
        // Its whole span, however many other records lie between (its newest
        // records must be there), keeping only the newest `limit` while reading.
        let mut newest = VecDeque::new();
        scan_files(
            &days,
            span,
            |r| {
                if r.conversation == conversation {
                    newest.push_back(r.clone());
                    if newest.len() > limit {
                        newest.pop_front();
                    }
                }
                false
            },
            usize::MAX,
            usize::MAX,
        )?;
        Ok(newest.into_iter().collect())
    }

    fn bot_of(&self, conversation: &str) -> Option<String> {
        self.lock().known.get(conversation).map(|k| k.bot.clone())
    }

    fn last_seq_of(&self, conversation: &str) -> Option<u64> {
        self.lock().known.get(conversation).map(|k| k.last_seq)
    }

    fn last_seq(&self) -> u64 {
        self.lock().last_seq
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(text: &str) -> ConversationEvent {
        ConversationEvent::Message {
            author: Author::Visitor,
            text: text.into(),
            model: None,
        }
    }

    #[test]
    fn a_conversation_s_newest_records_are_read_however_much_lies_between() {
        let dir = tempfile::tempdir().expect("tempdir");
        let folder = dir.path().join(CONVERSATIONS_DIR);
        fs::create_dir_all(&folder).expect("dir");
        let record = |seq: u64, conversation: &str, text: &str| ConversationRecord {
            seq,
            at: "2026-12-01T09:00:00Z".into(),
            conversation: conversation.into(),
            bot: "bot1".into(),
            event: message(text),
        };
        let mut lines = String::new();
        let mut push = |r: ConversationRecord| {
            lines.push_str(&serde_json::to_string(&r).expect("json"));
            lines.push('\n');
        };
        push(record(1, "old", "first"));
        // More than one read's MAX_SCAN of other conversations in between.
        let between = MAX_SCAN as u64 + RECENT as u64 + 10;
        for seq in 2..2 + between {
            push(record(seq, "busy", "x"));
        }
        push(record(2 + between, "old", "newest"));
        fs::write(folder.join("2026-12-01.jsonl"), lines).expect("write");
        let log = FileConversationLog::open(dir.path(), REMEMBER_DAYS).expect("open");
        let texts: Vec<String> = log
            .history("old", 10)
            .expect("history")
            .into_iter()
            .filter_map(|r| match r.event {
                ConversationEvent::Message { text, .. } => Some(text),
                _ => None,
            })
            .collect();
        assert_eq!(texts, ["first", "newest"]);
        assert_eq!(log.last_seq_of("old"), Some(2 + between));
    }

    #[test]
    fn records_are_kept_in_order_and_survive_a_reopen_with_a_torn_tail() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let log = FileConversationLog::open(dir.path(), REMEMBER_DAYS).expect("open");
            log.append(
                "c1",
                "bot1",
                ConversationEvent::Started {
                    origin: Origin::Direct,
                    visitor: None,
                },
            )
            .expect("append");
            log.append("c1", "bot1", message("hello")).expect("append");
            log.append("c2", "bot2", message("other bot"))
                .expect("append");
            assert_eq!(log.last_seq(), 3);
        }
        let folder = dir.path().join(CONVERSATIONS_DIR);
        let file = fs::read_dir(&folder)
            .expect("dir")
            .flatten()
            .next()
            .expect("a day file")
            .path();
        let mut bytes = fs::read(&file).expect("read");
        bytes.extend_from_slice(b"{\"seq\":4,\"at\":\"2026");
        fs::write(&file, bytes).expect("write");

        let log = FileConversationLog::open(dir.path(), REMEMBER_DAYS).expect("reopen");
        assert_eq!(log.last_seq(), 3, "the torn line is not a record");
        let (found, cursor) = log.after("bot1", 0, 10).expect("after");
        assert_eq!(found.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(cursor, 3);
        assert_eq!(log.after("bot1", 3, 10).expect("after"), (vec![], 3));
        assert_eq!(
            log.after("bot1", u64::MAX, 10).expect("after").0,
            vec![],
            "a cursor past the end"
        );
        let next = log.append("c1", "bot1", message("again")).expect("append");
        assert_eq!(next.seq, 4);
        let history = log.history("c1", 10).expect("history");
        assert_eq!(history.len(), 3);
        assert_eq!(log.bot_of("c2").as_deref(), Some("bot2"));
        assert_eq!(log.history("c1", 1).expect("history")[0].seq, 4);
        let text = fs::read_to_string(&file).expect("read");
        assert!(text
            .lines()
            .all(|l| serde_json::from_str::<ConversationRecord>(l).is_ok()));
    }

    #[test]
    fn old_records_are_read_from_disk() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = FileConversationLog::open(dir.path(), REMEMBER_DAYS).expect("open");
        for n in 0..(RECENT + 10) {
            let bot = if n % 2 == 0 { "even" } else { "odd" };
            log.append(&format!("c{n}"), bot, message("x"))
                .expect("append");
        }
        let (found, cursor) = log.after("odd", 0, 3).expect("after");
        assert_eq!(found.iter().map(|r| r.seq).collect::<Vec<_>>(), [2, 4, 6]);
        assert_eq!(cursor, 6);
        let history = log.history("c1", 5).expect("history");
        assert_eq!(history.len(), 1);
    }
}
