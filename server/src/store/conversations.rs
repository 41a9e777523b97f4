//! Conversations with chatbots: every conversation start and message, in
//! order, behind [`ConversationLog`].
//!
//! The embedded implementation keeps one JSON Lines file per day (UTC) under
//! `conversations/` in the data directory: append-only, each append fsynced
//! before it is acknowledged, a torn last line (a crash mid-write) cut off
//! at start. Memory holds only the newest records, where each day's file
//! starts, and a summary of every conversation (its bot, origin, visitor,
//! first and last activity, counts) for listing them; older records are
//! read from disk. Deleting a conversation, or removing those older than
//! the retention, rewrites the day files it touched (a new file renamed
//! over the old one: whole or nothing).

use std::collections::{HashMap, HashSet, VecDeque};
use std::fs::{self, File};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use switchboard_core::visitor_chat::{Visitor, Vote};

use super::{now_rfc3339, StoreError};

pub const CONVERSATIONS_DIR: &str = "conversations";
/// Records kept in memory, newest last.
const RECENT: usize = 4096;
/// Conversations summarized in memory (listed, continued by visitors); past
/// this the least recently active are forgotten (their records stay on disk
/// until the retention removes them).
pub const REMEMBERED: usize = 250_000;
/// Models named in one summary, at most.
const MODELS_NAMED: usize = 4;
/// What a day file being rewritten is called until it replaces the old one.
const REWRITE_SUFFIX: &str = "jsonl.rewrite";
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
    /// A (remembered) conversation's summary.
    fn summary(&self, conversation: &str) -> Option<ConversationSummary>;
    /// The conversations `filter` takes, the newest started first, from
    /// those started before `before` (a `first_seq`) on; at most `limit`,
    /// and how many the filter takes in all.
    fn list(
        &self,
        filter: &ConversationFilter,
        before: Option<u64>,
        limit: usize,
    ) -> (Vec<ConversationSummary>, usize);
    /// Removes every record of a conversation; `false`: none is known.
    fn delete(&self, conversation: &str) -> Result<bool, StoreError>;
    /// Removes the conversations last active before `cutoff` (RFC 3339,
    /// UTC); how many were removed.
    fn remove_inactive_before(&self, cutoff: &str) -> Result<usize, StoreError>;
    /// Calls `each`, oldest first, with every record of the conversations
    /// the filter takes (as [`ConversationLog::list`] does: whole, however
    /// far they reach beyond its dates), with their summary, until it
    /// returns `false`.
    fn export(
        &self,
        filter: &ConversationFilter,
        each: &mut dyn FnMut(&ConversationRecord, Option<&ConversationSummary>) -> bool,
    ) -> Result<(), StoreError>;
}

struct DayFile {
    day: String,
    path: PathBuf,
    first_seq: u64,
}

/// What the list of conversations shows of one, kept up to date as its
/// records are appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationSummary {
    pub id: String,
    pub bot: String,
    /// `None`: its start is no longer on record.
    pub origin: Option<Origin>,
    /// Who the visitor said they are, last.
    pub visitor: Option<Visitor>,
    pub started_at: String,
    pub last_at: String,
    pub first_seq: u64,
    pub last_seq: u64,
    /// Messages by anyone.
    pub messages: u32,
    /// Each answer's standing vote (`seq`, vote).
    pub votes: Vec<(u64, Vote)>,
    pub refusals: u32,
    /// The models that answered, oldest first.
    pub models: Vec<String>,
}

impl ConversationSummary {
    fn new(record: &ConversationRecord) -> Self {
        Self {
            id: record.conversation.clone(),
            bot: record.bot.clone(),
            origin: None,
            visitor: None,
            started_at: record.at.clone(),
            last_at: record.at.clone(),
            first_seq: record.seq,
            last_seq: record.seq,
            messages: 0,
            votes: Vec::new(),
            refusals: 0,
            models: Vec::new(),
        }
    }

    fn add(&mut self, record: &ConversationRecord) {
        self.last_seq = record.seq;
        self.last_at.clone_from(&record.at);
        match &record.event {
            ConversationEvent::Started { origin, visitor } => {
                self.origin = Some(origin.clone());
                self.visitor.clone_from(visitor);
            }
            ConversationEvent::Message { model, .. } => {
                self.messages = self.messages.saturating_add(1);
                if let Some(model) = model {
                    if !self.models.contains(model) && self.models.len() < MODELS_NAMED {
                        self.models.push(model.clone());
                    }
                }
            }
            ConversationEvent::Identified { visitor } => self.visitor = Some(visitor.clone()),
            ConversationEvent::Feedback { message, vote } => {
                self.votes.retain(|(seq, _)| seq != message);
                if let Some(vote) = vote {
                    self.votes.push((*message, *vote));
                }
            }
            ConversationEvent::Refused { .. } => self.refusals = self.refusals.saturating_add(1),
        }
    }

    /// Whether it had activity between `since` and `until` (RFC 3339, UTC,
    /// to the second, as records are stamped; either end open).
    pub fn active_between(&self, since: Option<&str>, until: Option<&str>) -> bool {
        since.is_none_or(|since| self.last_at.as_str() >= since)
            && until.is_none_or(|until| self.started_at.as_str() <= until)
    }
}

/// Which conversations a list or an export is about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConversationFilter {
    pub bot: Option<String>,
    pub origin: Option<OriginFilter>,
    /// RFC 3339, UTC, to the second.
    pub since: Option<String>,
    pub until: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginFilter {
    Site(String),
    Direct,
    Try,
}

impl ConversationFilter {
    fn origin_matches(&self, origin: Option<&Origin>) -> bool {
        match (&self.origin, origin) {
            (None, _) => true,
            (Some(OriginFilter::Site(wanted)), Some(Origin::Site { site })) => wanted == site,
            (Some(OriginFilter::Direct), Some(Origin::Direct)) => true,
            (Some(OriginFilter::Try), Some(Origin::Try { .. })) => true,
            _ => false,
        }
    }

    pub fn matches(&self, summary: &ConversationSummary) -> bool {
        self.bot.as_ref().is_none_or(|bot| *bot == summary.bot)
            && self.origin_matches(summary.origin.as_ref())
            && summary.active_between(self.since.as_deref(), self.until.as_deref())
    }
}

struct Inner {
    dir: PathBuf,
    days: Vec<DayFile>,
    current: Option<(String, File, u64)>,
    recent: VecDeque<ConversationRecord>,
    known: HashMap<String, ConversationSummary>,
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

/// Rewrites a day file with only the records `keep` takes: into a new file,
/// synced, then renamed over the old one (or both removed when none is
/// kept), so a crash leaves either the old file or the new one. Returns
/// whether any record is left.
fn rewrite(
    path: &Path,
    mut keep: impl FnMut(&ConversationRecord) -> bool,
) -> Result<bool, StoreError> {
    let new_path = path.with_extension(REWRITE_SUFFIX);
    let file = File::options()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&new_path)
        .map_err(|e| StoreError::io(&new_path, "create", e))?;
    let mut out = BufWriter::new(file);
    let mut kept = 0usize;
    let mut failed = None;
    for_each_record(path, |record| {
        if !keep(&record) {
            return true;
        }
        let written = serde_json::to_writer(&mut out, &record)
            .map_err(std::io::Error::other)
            .and_then(|()| out.write_all(b"\n"));
        match written {
            Ok(()) => kept += 1,
            Err(error) => failed = Some(error),
        }
        failed.is_none()
    })?;
    let finished = match failed {
        Some(error) => Err(error),
        None => out
            .into_inner()
            .map_err(|e| e.into_error())
            .and_then(|file| file.sync_all()),
    };
    if let Err(error) = finished {
        let _ = fs::remove_file(&new_path);
        return Err(StoreError::io(&new_path, "write", error));
    }
    if kept == 0 {
        fs::remove_file(path).map_err(|e| StoreError::io(path, "remove", e))?;
        fs::remove_file(&new_path).map_err(|e| StoreError::io(&new_path, "remove", e))?;
    } else {
        fs::rename(&new_path, path).map_err(|e| StoreError::io(path, "replace", e))?;
    }
    if let Some(dir) = path.parent() {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| StoreError::io(dir, "sync", e))?;
    }
    Ok(kept > 0)
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
        if !path.exists() {
            // Emptied by a deletion since the list of files was taken.
            continue;
        }
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
    /// Opens the log, summarizing every conversation on record (the
    /// retention keeps that to its days).
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        let dir = data_dir.join(CONVERSATIONS_DIR);
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(|e| StoreError::io(&dir, "create", e))?;
        let entries: Vec<fs::DirEntry> = fs::read_dir(&dir)
            .map_err(|e| StoreError::io(&dir, "read", e))?
            .flatten()
            .collect();
        for entry in &entries {
            // A rewrite a crash interrupted: the old file is still whole.
            if entry
                .file_name()
                .to_str()
                .is_some_and(|n| n.ends_with(REWRITE_SUFFIX))
            {
                let path = entry.path();
                fs::remove_file(&path).map_err(|e| StoreError::io(&path, "remove", e))?;
            }
        }
        let mut names: Vec<String> = entries
            .iter()
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
            let newest = index + 1 == count;
            let mut first = None;
            let good_len = for_each_record(&path, |record| {
                first.get_or_insert(record.seq);
                inner.last_seq = inner.last_seq.max(record.seq);
                inner.remember(&record);
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

    /// Rewrites the day files at `indexes` with the records `keep` takes,
    /// forgetting the files left empty.
    fn rewrite_days(
        &mut self,
        indexes: &[usize],
        mut keep: impl FnMut(&ConversationRecord) -> bool,
    ) -> Result<(), StoreError> {
        // The file appended to may be replaced: open it again next time.
        self.current = None;
        let mut emptied = Vec::new();
        for &index in indexes {
            let Some(day) = self.days.get(index) else {
                continue;
            };
            if !rewrite(&day.path, &mut keep)? {
                emptied.push(index);
            }
        }
        for index in emptied.into_iter().rev() {
            self.days.remove(index);
        }
        Ok(())
    }

    /// The day files holding records `first..=last`.
    fn days_spanning(&self, (first, last): (u64, u64)) -> Vec<usize> {
        (0..self.days.len())
            .filter(|&i| {
                let starts = self.days[i].first_seq;
                let ends = self
                    .days
                    .get(i + 1)
                    .map_or(u64::MAX, |next| next.first_seq.saturating_sub(1));
                starts <= last && ends >= first
            })
            .collect()
    }

    fn remember(&mut self, record: &ConversationRecord) {
        self.known
            .entry(record.conversation.clone())
            .or_insert_with(|| ConversationSummary::new(record))
            .add(record);
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
        // Checked under the lock a deletion takes: a message that raced with
        // the deletion of its conversation never brings it back.
        if !matches!(event, ConversationEvent::Started { .. })
            && !inner.known.contains_key(conversation)
        {
            return Err(StoreError::UnknownConversation(conversation.to_string()));
        }
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

    fn summary(&self, conversation: &str) -> Option<ConversationSummary> {
        self.lock().known.get(conversation).cloned()
    }

    fn list(
        &self,
        filter: &ConversationFilter,
        before: Option<u64>,
        limit: usize,
    ) -> (Vec<ConversationSummary>, usize) {
        let inner = self.lock();
        let mut taken: Vec<&ConversationSummary> =
            inner.known.values().filter(|k| filter.matches(k)).collect();
        let total = taken.len();
        taken.retain(|k| before.is_none_or(|before| k.first_seq < before));
        taken.sort_unstable_by_key(|k| std::cmp::Reverse(k.first_seq));
        let page = taken.into_iter().take(limit).cloned().collect();
        (page, total)
    }

    fn delete(&self, conversation: &str) -> Result<bool, StoreError> {
        let mut inner = self.lock();
        let Some(summary) = inner.known.get(conversation) else {
            return Ok(false);
        };
        let days = inner.days_spanning((summary.first_seq, summary.last_seq));
        inner.rewrite_days(&days, |r| r.conversation != conversation)?;
        inner.known.remove(conversation);
        inner.recent.retain(|r| r.conversation != conversation);
        Ok(true)
    }

    fn remove_inactive_before(&self, cutoff: &str) -> Result<usize, StoreError> {
        let mut inner = self.lock();
        let gone: HashSet<String> = inner
            .known
            .values()
            .filter(|k| k.last_at.as_str() < cutoff)
            .map(|k| k.id.clone())
            .collect();
        // A record goes with its conversation, or when it is old and its
        // conversation forgotten; records of conversations still going stay.
        let keep = |known: &HashMap<String, ConversationSummary>, r: &ConversationRecord| {
            !gone.contains(&r.conversation)
                && (r.at.as_str() >= cutoff || known.contains_key(&r.conversation))
        };
        let cutoff_day = day_of(cutoff);
        let mut touched = Vec::new();
        for (index, day) in inner.days.iter().enumerate() {
            if day.day > cutoff_day {
                break;
            }
            let mut drops = false;
            for_each_record(&day.path, |r| {
                drops = !keep(&inner.known, &r);
                !drops
            })?;
            if drops {
                touched.push(index);
            }
        }
        if !touched.is_empty() {
            let known = std::mem::take(&mut inner.known);
            let rewritten = inner.rewrite_days(&touched, |r| keep(&known, r));
            inner.known = known;
            rewritten?;
        }
        for id in &gone {
            inner.known.remove(id);
        }
        inner.recent.retain(|r| !gone.contains(&r.conversation));
        Ok(gone.len())
    }

    fn export(
        &self,
        filter: &ConversationFilter,
        each: &mut dyn FnMut(&ConversationRecord, Option<&ConversationSummary>) -> bool,
    ) -> Result<(), StoreError> {
        // The conversations the list shows for the filter, as they are now
        // (what is appended meanwhile is left out), and the files they span.
        let (taken, paths) = {
            let inner = self.lock();
            let taken: HashMap<String, ConversationSummary> = inner
                .known
                .values()
                .filter(|k| filter.matches(k))
                .map(|k| (k.id.clone(), k.clone()))
                .collect();
            let span = taken.values().fold(None, |span: Option<(u64, u64)>, k| {
                Some(span.map_or((k.first_seq, k.last_seq), |(first, last)| {
                    (first.min(k.first_seq), last.max(k.last_seq))
                }))
            });
            let paths: Vec<PathBuf> = span
                .map(|span| inner.days_spanning(span))
                .unwrap_or_default()
                .into_iter()
                .filter_map(|index| inner.days.get(index).map(|d| d.path.clone()))
                .collect();
            (taken, paths)
        };
        for path in paths {
            if !path.exists() {
                continue;
            }
            let mut more = true;
            for_each_record(&path, |record| {
                if let Some(summary) = taken.get(&record.conversation) {
                    if record.seq <= summary.last_seq {
                        more = each(&record, Some(summary));
                    }
                }
                more
            })?;
            if !more {
                break;
            }
        }
        Ok(())
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
        let log = FileConversationLog::open(dir.path()).expect("open");
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
            let log = FileConversationLog::open(dir.path()).expect("open");
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
            log.append("c2", "bot2", started("shop")).expect("append");
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

        let log = FileConversationLog::open(dir.path()).expect("reopen");
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

    fn write_day(folder: &Path, day: &str, records: &[(u64, &str, &str, ConversationEvent)]) {
        let mut lines = String::new();
        for (seq, conversation, time, event) in records {
            let record = ConversationRecord {
                seq: *seq,
                at: format!("{day}T{time}Z"),
                conversation: (*conversation).into(),
                bot: "bot1".into(),
                event: event.clone(),
            };
            lines.push_str(&serde_json::to_string(&record).expect("json"));
            lines.push('\n');
        }
        fs::write(folder.join(format!("{day}.jsonl")), lines).expect("write");
    }

    fn started(site: &str) -> ConversationEvent {
        ConversationEvent::Started {
            origin: Origin::Site { site: site.into() },
            visitor: None,
        }
    }

    fn seqs_on_disk(folder: &Path) -> Vec<(String, Vec<u64>)> {
        let mut days: Vec<(String, Vec<u64>)> = fs::read_dir(folder)
            .expect("dir")
            .flatten()
            .map(|e| {
                let path = e.path();
                let mut seqs = Vec::new();
                for_each_record(&path, |r| {
                    seqs.push(r.seq);
                    true
                })
                .expect("read");
                (e.file_name().to_string_lossy().into_owned(), seqs)
            })
            .collect();
        days.sort();
        days
    }

    #[test]
    fn summaries_list_filter_and_page_the_newest_started_first() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = FileConversationLog::open(dir.path()).expect("open");
        for (id, site) in [("a", "shop"), ("b", "blog"), ("c", "shop")] {
            log.append(id, "bot1", started(site)).expect("append");
        }
        log.append("a", "bot1", message("hi")).expect("append");
        let answer = ConversationEvent::Message {
            author: Author::Model,
            text: "hello".into(),
            model: Some("gpt-x".into()),
        };
        let answered = log.append("a", "bot1", answer).expect("append");
        for vote in [Some(Vote::Down), None, Some(Vote::Up)] {
            let event = ConversationEvent::Feedback {
                message: answered.seq,
                vote,
            };
            log.append("a", "bot1", event).expect("append");
        }
        let shop = ConversationFilter {
            origin: Some(OriginFilter::Site("shop".into())),
            ..Default::default()
        };
        let (page, total) = log.list(&shop, None, 1);
        assert_eq!(total, 2);
        assert_eq!(
            page.iter().map(|k| k.id.as_str()).collect::<Vec<_>>(),
            ["c"]
        );
        let (next, _) = log.list(&shop, Some(page[0].first_seq), 10);
        let a = &next[0];
        assert_eq!((a.id.as_str(), a.messages), ("a", 2));
        assert_eq!(
            a.votes,
            [(answered.seq, Vote::Up)],
            "only the standing vote"
        );
        assert_eq!(a.models, ["gpt-x"]);
        let none = ConversationFilter {
            since: Some("2999-01-01T00:00:00Z".into()),
            ..Default::default()
        };
        assert_eq!(log.list(&none, None, 10).1, 0);
    }

    #[test]
    fn nothing_is_appended_to_a_conversation_the_log_does_not_have() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = FileConversationLog::open(dir.path()).expect("open");
        log.append("c1", "bot1", started("shop")).expect("append");
        assert!(log.delete("c1").expect("delete"));
        let late = log.append("c1", "bot1", message("sent as it was deleted"));
        assert!(
            matches!(late, Err(StoreError::UnknownConversation(_))),
            "{late:?}"
        );
        assert!(
            log.summary("c1").is_none(),
            "the deleted conversation stays deleted"
        );
        assert_eq!(log.last_seq(), 1);
    }

    #[test]
    fn deleting_a_conversation_rewrites_the_days_it_spans() {
        let dir = tempfile::tempdir().expect("tempdir");
        let folder = dir.path().join(CONVERSATIONS_DIR);
        fs::create_dir_all(&folder).expect("dir");
        write_day(
            &folder,
            "2026-11-01",
            &[
                (1, "gone", "10:00:00", started("shop")),
                (2, "stays", "10:00:01", started("shop")),
            ],
        );
        write_day(
            &folder,
            "2026-11-02",
            &[
                (3, "gone", "09:00:00", message("later")),
                (4, "stays", "09:00:01", message("x")),
            ],
        );
        write_day(
            &folder,
            "2026-11-03",
            &[(5, "only", "09:00:00", started("blog"))],
        );
        let log = FileConversationLog::open(dir.path()).expect("open");
        assert!(log.delete("gone").expect("delete"));
        assert!(
            !log.delete("gone").expect("again"),
            "a second delete finds nothing"
        );
        assert!(log.summary("gone").is_none());
        assert!(log.history("gone", 10).expect("history").is_empty());
        assert!(log.delete("only").expect("delete"));
        assert_eq!(
            seqs_on_disk(&folder),
            [
                ("2026-11-01.jsonl".into(), vec![2]),
                ("2026-11-02.jsonl".into(), vec![4])
            ],
            "an emptied day file is removed"
        );
        // Appending goes on in a fresh file handle, and a reopen agrees.
        log.append("stays", "bot1", message("more"))
            .expect("append");
        drop(log);
        let log = FileConversationLog::open(dir.path()).expect("reopen");
        assert_eq!(log.history("stays", 10).expect("history").len(), 3);
        assert_eq!(log.last_seq(), 6);
    }

    #[test]
    fn retention_removes_conversations_inactive_since_the_cutoff_and_keeps_going_ones_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let folder = dir.path().join(CONVERSATIONS_DIR);
        fs::create_dir_all(&folder).expect("dir");
        write_day(
            &folder,
            "2026-10-01",
            &[
                (1, "old", "10:00:00", started("shop")),
                (2, "long", "10:00:00", started("shop")),
            ],
        );
        write_day(
            &folder,
            "2026-10-20",
            &[
                (3, "edge", "08:00:00", started("shop")),
                (4, "new", "13:00:00", started("shop")),
            ],
        );
        write_day(
            &folder,
            "2026-11-20",
            &[(5, "long", "10:00:00", message("still here"))],
        );
        let log = FileConversationLog::open(dir.path()).expect("open");
        let removed = log
            .remove_inactive_before("2026-10-20T12:00:00Z")
            .expect("retention");
        assert_eq!(removed, 2, "old and edge");
        assert_eq!(
            seqs_on_disk(&folder),
            [
                ("2026-10-01.jsonl".into(), vec![2]),
                ("2026-10-20.jsonl".into(), vec![4]),
                ("2026-11-20.jsonl".into(), vec![5]),
            ]
        );
        assert_eq!(
            log.history("long", 10).expect("history").len(),
            2,
            "a going conversation stays whole"
        );
        assert_eq!(
            log.remove_inactive_before("2026-10-20T12:00:00Z")
                .expect("again"),
            0
        );
        let mut exported = Vec::new();
        let range = ConversationFilter {
            since: Some("2026-10-02T00:00:00Z".into()),
            until: Some("2026-11-30T23:59:59Z".into()),
            ..Default::default()
        };
        log.export(&range, &mut |r, summary| {
            exported.push((r.seq, summary.map(|k| k.id.clone())));
            true
        })
        .expect("export");
        assert_eq!(
            exported,
            [
                (2, Some("long".into())),
                (4, Some("new".into())),
                (5, Some("long".into()))
            ],
            "whole conversations, as the list shows them for the range"
        );
    }

    #[test]
    fn old_records_are_read_from_disk() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = FileConversationLog::open(dir.path()).expect("open");
        for n in 0..(RECENT + 10) {
            let bot = if n % 2 == 0 { "even" } else { "odd" };
            log.append(&format!("c{n}"), bot, started("shop"))
                .expect("append");
        }
        let (found, cursor) = log.after("odd", 0, 3).expect("after");
        assert_eq!(found.iter().map(|r| r.seq).collect::<Vec<_>>(), [2, 4, 6]);
        assert_eq!(cursor, 6);
        let history = log.history("c1", 5).expect("history");
        assert_eq!(history.len(), 1);
    }
}
