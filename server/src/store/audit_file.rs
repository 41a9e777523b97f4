//! The audit log on disk: `audit.jsonl` (one JSON entry per line, newest
//! last), rotated into `audit.1.jsonl` … `audit.<KEEP>.jsonl` (1 is the most
//! recent) once it passes [`Rotation::bytes`]. Memory holds only where each line
//! starts; pages are read from disk.
//!
//! An append is whole or nothing: a write or fsync that fails is cut back to
//! the previous length, so a full disk never leaves half a line for later
//! lines to follow. A torn last line from a crash (never acknowledged) is cut
//! off at start with a warning.

use std::fs::{self, File};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::audit::AuditEntry;
use super::StoreError;

pub const AUDIT_FILE: &str = "audit.jsonl";

/// When the current file is rotated and how many rotated files are kept
/// (older ones are deleted, so the log takes at most about
/// `(keep + 1) × bytes` of disk).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rotation {
    pub bytes: u64,
    pub keep: usize,
}

impl Default for Rotation {
    fn default() -> Self {
        Self {
            bytes: 8 * 1024 * 1024,
            keep: 20,
        }
    }
}

/// One file of the log and where its entries start.
struct Segment {
    path: PathBuf,
    /// `(offset, length)` of each entry's line, oldest first.
    lines: Vec<(u64, u32)>,
    len: u64,
}

pub struct AuditFile {
    dir: PathBuf,
    /// Rotated segments, oldest first, then the current one last.
    segments: Vec<Segment>,
    current: Option<File>,
    last_id: u64,
    rotation: Rotation,
    /// After a failed rotation, appends go on in the current file until
    /// then: retrying at once would delete one more old file each time.
    rotation_paused_until: Option<std::time::Instant>,
}

fn rotated_name(n: usize) -> String {
    format!("audit.{n}.jsonl")
}

impl AuditFile {
    pub fn open(dir: &Path, rotation: Rotation) -> Result<Self, StoreError> {
        let mut log = Self {
            dir: dir.to_path_buf(),
            segments: scan(dir, rotation.keep)?,
            current: None,
            last_id: 0,
            rotation,
            rotation_paused_until: None,
        };
        log.last_id = log.newest_id()?;
        Ok(log)
    }

    pub fn last_id(&self) -> u64 {
        self.last_id
    }

    pub fn total(&self) -> usize {
        self.segments.iter().map(|s| s.lines.len()).sum()
    }

    fn newest_id(&self) -> Result<u64, StoreError> {
        for segment in self.segments.iter().rev() {
            if let Some(&(offset, length)) = segment.lines.last() {
                return Ok(read_entry(&segment.path, offset, length)?.id);
            }
        }
        Ok(0)
    }

    /// Appends `entries` in order: all of them, or (on error) none.
    pub fn append(&mut self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut bytes = Vec::new();
        let mut lengths = Vec::with_capacity(entries.len());
        for entry in entries {
            let start = bytes.len();
            serde_json::to_writer(&mut bytes, entry)
                .map_err(|e| StoreError::Encode(e.to_string()))?;
            bytes.push(b'\n');
            lengths.push(u32::try_from(bytes.len() - start).unwrap_or(u32::MAX));
        }
        let paused = self
            .rotation_paused_until
            .is_some_and(|until| std::time::Instant::now() < until);
        if !paused
            && self.current_segment().len > 0
            && self.current_segment().len + bytes.len() as u64 > self.rotation.bytes
        {
            if let Err(error) = self.rotate() {
                tracing::error!(%error, "cannot rotate the audit log; appending to the current file for now");
                self.rotation_paused_until =
                    Some(std::time::Instant::now() + std::time::Duration::from_secs(600));
            }
        }
        let path = self.current_segment().path.clone();
        let before = self.current_segment().len;
        let file = self.current_file()?;
        let written = file.write_all(&bytes).and_then(|()| file.sync_data());
        if let Err(error) = written {
            // Cut the partial line back off, so the next append starts clean.
            let cut = file.set_len(before).and_then(|()| file.sync_data());
            if cut.is_err() {
                // Reopen next time; the repair at start cuts a torn tail too.
                self.current = None;
            }
            return Err(StoreError::io(&path, "append to the audit log", error));
        }
        let segment = self.current_segment_mut();
        let mut offset = before;
        for length in lengths {
            segment.lines.push((offset, length));
            offset += u64::from(length);
        }
        segment.len = offset;
        self.last_id = entries.last().map_or(self.last_id, |e| e.id);
        Ok(())
    }

    /// Entries newest first, skipping `offset` of them.
    pub fn page(&self, offset: usize, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        let mut wanted = Vec::new();
        let mut skip = offset;
        'segments: for segment in self.segments.iter().rev() {
            for &(start, length) in segment.lines.iter().rev() {
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                if wanted.len() == limit {
                    break 'segments;
                }
                wanted.push((&segment.path, start, length));
            }
        }
        // One open per file, not per entry.
        let mut open: Option<(&Path, File)> = None;
        let mut entries = Vec::with_capacity(wanted.len());
        for (path, start, length) in wanted {
            if open.as_ref().is_none_or(|(p, _)| *p != path.as_path()) {
                let file =
                    File::open(path).map_err(|e| StoreError::io(path, "read the audit log", e))?;
                open = Some((path.as_path(), file));
            }
            if let Some((_, file)) = &open {
                entries.push(read_entry_from(file, path, start, length)?);
            }
        }
        Ok(entries)
    }

    fn current_segment(&self) -> &Segment {
        // `open` always pushes the current segment last.
        &self.segments[self.segments.len() - 1]
    }

    fn current_segment_mut(&mut self) -> &mut Segment {
        let last = self.segments.len() - 1;
        &mut self.segments[last]
    }

    fn current_file(&mut self) -> Result<&mut File, StoreError> {
        if self.current.is_none() {
            let path = self.current_segment().path.clone();
            let file = File::options()
                .create(true)
                .append(true)
                .mode(0o600)
                .open(&path)
                .map_err(|e| StoreError::io(&path, "open the audit log", e))?;
            // A failed cut-back may have left bytes after the last whole line.
            let len = self.current_segment().len;
            if file.metadata().map(|m| m.len()).unwrap_or(len) != len {
                file.set_len(len)
                    .and_then(|()| file.sync_data())
                    .map_err(|e| StoreError::io(&path, "repair the audit log", e))?;
            }
            self.current = Some(file);
        }
        self.current
            .as_mut()
            .ok_or_else(|| StoreError::Task("audit log not open".into()))
    }

    /// `audit.jsonl` becomes `audit.1.jsonl`, older ones move up, the oldest
    /// beyond [`Rotation::keep`] is deleted.
    /// Memory follows each file operation as it succeeds, so a rotation
    /// that fails halfway leaves the index matching the files on disk.
    fn rotate(&mut self) -> Result<(), StoreError> {
        self.current = None;
        let keep = self.rotation.keep;
        let dir = self.dir.clone();
        let oldest = dir.join(rotated_name(keep));
        match fs::remove_file(&oldest) {
            Ok(()) => self.segments.retain(|s| s.path != oldest),
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(StoreError::io(&oldest, "remove the oldest audit log", e)),
        }
        for n in (1..keep).rev() {
            let from = dir.join(rotated_name(n));
            if from.is_file() {
                let to = dir.join(rotated_name(n + 1));
                fs::rename(&from, &to)
                    .map_err(|e| StoreError::io(&from, "rotate the audit log", e))?;
                self.renamed(&from, to);
            }
        }
        let current = dir.join(AUDIT_FILE);
        let first = dir.join(rotated_name(1));
        fs::rename(&current, &first)
            .map_err(|e| StoreError::io(&current, "rotate the audit log", e))?;
        self.renamed(&current, first);
        self.segments.push(Segment {
            path: current,
            lines: Vec::new(),
            len: 0,
        });
        File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| StoreError::io(&dir, "sync the data directory", e))
    }

    fn renamed(&mut self, from: &Path, to: PathBuf) {
        if let Some(segment) = self.segments.iter_mut().find(|s| s.path == from) {
            segment.path = to;
        }
    }
}

/// The log's files as they are on disk: rotated ones oldest first (gaps
/// allowed), then the current one.
fn scan(dir: &Path, keep: usize) -> Result<Vec<Segment>, StoreError> {
    let mut segments = Vec::new();
    for n in (1..=keep).rev() {
        let path = dir.join(rotated_name(n));
        if path.is_file() {
            segments.push(read_segment(&path, false)?);
        }
    }
    segments.push(read_segment(&dir.join(AUDIT_FILE), true)?);
    Ok(segments)
}

/// Indexes one file. In the current file a torn last line is cut off; a line
/// that is not an entry (left by an older version on a full disk) is skipped
/// with a warning rather than refusing to start.
fn read_segment(path: &Path, current: bool) -> Result<Segment, StoreError> {
    let mut bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(StoreError::io(path, "read the audit log", e)),
    };
    if current && !bytes.is_empty() && !bytes.ends_with(b"\n") {
        let keep = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        bytes.truncate(keep);
        let file = File::options()
            .write(true)
            .open(path)
            .map_err(|e| StoreError::io(path, "repair the audit log", e))?;
        file.set_len(keep as u64)
            .and_then(|()| file.sync_all())
            .map_err(|e| StoreError::io(path, "repair the audit log", e))?;
        tracing::warn!(path = %path.display(), "removed an incomplete last line from the audit log (a write cut short by a crash)");
    }
    let mut lines = Vec::new();
    let mut skipped = 0usize;
    let mut offset = 0u64;
    for line in bytes.split_inclusive(|b| *b == b'\n') {
        let length = line.len() as u64;
        let body = line.strip_suffix(b"\n").unwrap_or(line);
        if !body.is_empty() {
            if serde_json::from_slice::<AuditEntry>(body).is_ok() {
                lines.push((offset, u32::try_from(length).unwrap_or(u32::MAX)));
            } else {
                skipped += 1;
            }
        }
        offset += length;
    }
    if skipped > 0 {
        tracing::warn!(path = %path.display(), skipped, "skipped audit log lines that are not whole entries");
    }
    Ok(Segment {
        path: path.to_path_buf(),
        lines,
        len: offset,
    })
}

fn read_entry(path: &Path, offset: u64, length: u32) -> Result<AuditEntry, StoreError> {
    let file = File::open(path).map_err(|e| StoreError::io(path, "read the audit log", e))?;
    read_entry_from(&file, path, offset, length)
}

fn read_entry_from(
    file: &File,
    path: &Path,
    offset: u64,
    length: u32,
) -> Result<AuditEntry, StoreError> {
    let mut buffer = vec![0u8; length as usize];
    file.read_exact_at(&mut buffer, offset)
        .map_err(|e| StoreError::io(path, "read the audit log", e))?;
    let body = buffer.strip_suffix(b"\n").unwrap_or(&buffer);
    serde_json::from_slice(body).map_err(|e| StoreError::Corrupt {
        path: path.to_path_buf(),
        detail: format!("audit entry at byte {offset}: {e}"),
    })
}

/// Keeps the file's permissions private even if it was created by hand.
pub fn restrict(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if path.exists() {
        let _ = fs::set_permissions(path, fs::Permissions::from_mode(0o600));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::audit::{Actor, Outcome};

    fn entry(id: u64, detail: &str) -> AuditEntry {
        AuditEntry {
            id,
            at: "2026-12-01T00:00:00Z".into(),
            actor: Actor::user("admin"),
            ip: None,
            action: "site.update".into(),
            target: Some("shop".into()),
            changed: vec![],
            origins: vec![],
            outcome: Outcome::Success,
            code: None,
            params: Default::default(),
            detail: Some(detail.into()),
        }
    }

    #[test]
    fn pages_come_from_disk_newest_first_across_rotations() {
        let dir = tempfile::tempdir().expect("tempdir");
        let small = Rotation {
            bytes: 4_000,
            keep: 20,
        };
        let mut log = AuditFile::open(dir.path(), small).expect("open");
        let filler = "x".repeat(400);
        for id in 1..=50 {
            log.append(&[entry(id, &filler)]).expect("append");
        }
        assert!(dir.path().join("audit.1.jsonl").is_file(), "rotated");
        assert_eq!(log.total(), 50);
        let ids: Vec<u64> = log.page(0, 3).expect("page").iter().map(|e| e.id).collect();
        assert_eq!(ids, [50, 49, 48]);
        let ids: Vec<u64> = log
            .page(47, 10)
            .expect("page")
            .iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(ids, [3, 2, 1]);
        drop(log);
        let log = AuditFile::open(dir.path(), small).expect("reopen");
        assert_eq!((log.total(), log.last_id()), (50, 50));
        assert_eq!(log.page(20, 1).expect("page")[0].id, 30);
    }

    #[test]
    fn only_keep_rotated_files_are_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let small = Rotation {
            bytes: 2_000,
            keep: 3,
        };
        let mut log = AuditFile::open(dir.path(), small).expect("open");
        let filler = "x".repeat(600);
        for id in 1..=40 {
            log.append(&[entry(id, &filler)]).expect("append");
        }
        assert!(dir.path().join(rotated_name(3)).is_file());
        assert!(!dir.path().join(rotated_name(4)).exists());
        assert!(log.total() < 40, "old entries went with the oldest file");
        let newest = log.page(0, 1).expect("page")[0].id;
        assert_eq!(newest, log.last_id());
        let total = log.total();
        let oldest = log.page(total - 1, 1).expect("page")[0].id;
        assert_eq!(
            newest - oldest + 1,
            total as u64,
            "a contiguous run of the newest entries"
        );
    }

    #[test]
    fn a_line_an_older_version_tore_is_skipped_not_fatal() {
        let dir = tempfile::tempdir().expect("tempdir");
        let good = serde_json::to_string(&entry(1, "a")).expect("json");
        let later = serde_json::to_string(&entry(3, "c")).expect("json");
        fs::write(
            dir.path().join(AUDIT_FILE),
            format!("{good}\n{{\"id\":2,\"at\":\"20{later}\n{later}\n"),
        )
        .expect("write");
        let log = AuditFile::open(dir.path(), Rotation::default()).expect("opens");
        assert_eq!(log.total(), 2);
        assert_eq!(log.last_id(), 3);
    }
}
