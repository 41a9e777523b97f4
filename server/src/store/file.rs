//! The embedded backend: one JSON file in the data directory.
//!
//! Writes are atomic: a temporary file in the same directory is written and
//! fsynced, renamed over the store file, and the directory is fsynced, so a
//! crash at any moment leaves either the old or the new file, never a mix.
//! A lock file keeps a second server off the same directory.

use std::fs::{self, File};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::audit::AuditEntry;
use super::document::{Document, SCHEMA_VERSION};
use super::{Backend, StoreError};

pub const STORE_FILE: &str = "switchboard.json";
/// The audit log: one JSON object per line, appended and fsynced per entry.
pub const AUDIT_FILE: &str = "audit.jsonl";
const LOCK_FILE: &str = ".switchboard.lock";
const TEMP_PREFIX: &str = ".switchboard.json.tmp";

pub struct JsonFile {
    dir: PathBuf,
    path: PathBuf,
    audit_path: PathBuf,
    audit: Mutex<Option<File>>,
    /// Held for the life of the process: the advisory lock lives with it.
    _lock: File,
}

impl JsonFile {
    /// Locks `dir` for this process and removes temporary files a crash left.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, "create the data directory", e))?;
        let lock_path = dir.join(LOCK_FILE);
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| StoreError::io(&lock_path, "open the lock file", e))?;
        if lock.try_lock().is_err() {
            return Err(StoreError::Locked(dir.to_path_buf()));
        }
        let entries = fs::read_dir(dir).map_err(|e| StoreError::io(dir, "read the data directory", e))?;
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
                // A write that never reached its rename: never acknowledged, safe to drop.
                let _ = fs::remove_file(entry.path());
            }
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            path: dir.join(STORE_FILE),
            audit_path: dir.join(AUDIT_FILE),
            audit: Mutex::new(None),
            _lock: lock,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Backend for JsonFile {
    fn load(&self) -> Result<Document, StoreError> {
        let bytes = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Document::default()),
            Err(e) => return Err(StoreError::io(&self.path, "read the store file", e)),
        };
        // Look at the version first, so a newer file gets a clear message
        // rather than a parse error about fields we do not know.
        let version = serde_json::from_slice::<serde_json::Value>(&bytes)
            .map_err(|e| StoreError::Corrupt { path: self.path.clone(), detail: e.to_string() })?
            .get("schema_version")
            .and_then(serde_json::Value::as_u64);
        match version {
            Some(v) if v == u64::from(SCHEMA_VERSION) => {}
            Some(v) if v > u64::from(SCHEMA_VERSION) => {
                return Err(StoreError::Corrupt {
                    path: self.path.clone(),
                    detail: format!("schema version {v} is newer than this server understands ({SCHEMA_VERSION}); upgrade Switchboard"),
                })
            }
            _ => {
                return Err(StoreError::Corrupt {
                    path: self.path.clone(),
                    detail: format!("missing or unknown schema_version (expected {SCHEMA_VERSION})"),
                })
            }
        }
        serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt { path: self.path.clone(), detail: e.to_string() })
    }

    fn load_audit(&self) -> Result<Vec<AuditEntry>, StoreError> {
        let path = &self.audit_path;
        let mut bytes = match fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(StoreError::io(path, "read the audit log", e)),
        };
        // A crash during an append can leave a torn last line; that entry was
        // never acknowledged. Cut it off so the next append starts cleanly.
        if !bytes.is_empty() && !bytes.ends_with(b"\n") {
            let keep = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
            bytes.truncate(keep);
            let file = File::options().write(true).open(path).map_err(|e| StoreError::io(path, "repair the audit log", e))?;
            file.set_len(keep as u64).and_then(|()| file.sync_all()).map_err(|e| StoreError::io(path, "repair the audit log", e))?;
            tracing::warn!(path = %path.display(), "removed an incomplete last line from the audit log");
        }
        let mut entries = Vec::new();
        for (number, line) in bytes.split(|b| *b == b'\n').enumerate().filter(|(_, l)| !l.is_empty()) {
            let entry = serde_json::from_slice(line).map_err(|e| StoreError::Corrupt {
                path: path.clone(),
                detail: format!("line {}: {e}", number + 1),
            })?;
            entries.push(entry);
        }
        Ok(entries)
    }

    fn append_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        let path = &self.audit_path;
        let mut line = serde_json::to_vec(entry).map_err(|e| StoreError::Encode(e.to_string()))?;
        line.push(b'\n');
        let mut guard = self.audit.lock().map_err(|_| StoreError::Task("audit log lock poisoned".into()))?;
        if guard.is_none() {
            let file = File::options().create(true).append(true).open(path).map_err(|e| StoreError::io(path, "open the audit log", e))?;
            *guard = Some(file);
        }
        let Some(file) = guard.as_mut() else {
            return Err(StoreError::Task("audit log not open".into()));
        };
        file.write_all(&line).and_then(|()| file.sync_data()).map_err(|e| StoreError::io(path, "append to the audit log", e))
    }

    fn save(&self, document: &Document) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec_pretty(document).map_err(|e| StoreError::Encode(e.to_string()))?;
        let temp = self.dir.join(format!("{TEMP_PREFIX}-{}", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut file = File::create(&temp)?;
            file.write_all(&bytes)?;
            file.write_all(b"\n")?;
            file.sync_all()?;
            drop(file);
            fs::rename(&temp, &self.path)?;
            // The rename is durable only once the directory entry is on disk.
            File::open(&self.dir)?.sync_all()
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&temp);
            StoreError::io(&self.path, "write the store file", e)
        })
    }
}
