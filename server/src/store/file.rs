//! The embedded backend: one JSON file in the data directory.
//!
//! Writes are atomic: a temporary file in the same directory is written and
//! fsynced, renamed over the store file, and the directory is fsynced, so a
//! crash at any moment leaves either the old or the new file, never a mix.
//! A lock file keeps a second server off the same directory.

use std::fs::{self, File, TryLockError};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::audit::AuditEntry;
use super::audit_file::{self, AuditFile, Rotation};
use super::document::{Document, SCHEMA_VERSION};
use super::{Backend, StoreError};

pub const STORE_FILE: &str = "switchboard.json";
pub use super::audit_file::AUDIT_FILE;
const LOCK_FILE: &str = ".switchboard.lock";
const TEMP_PREFIX: &str = ".switchboard.json.tmp";

/// How the data directory is opened.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// How long to wait for a lock still held by a server that is exiting
    /// (a supervisor restarting at once after a kill).
    pub lock_wait: Duration,
    pub rotation: Rotation,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            lock_wait: Duration::from_secs(5),
            rotation: Rotation::default(),
        }
    }
}

pub struct JsonFile {
    path: PathBuf,
    audit: Mutex<AuditFile>,
    /// Held for the life of the process: the advisory lock lives with it.
    _lock: File,
}

impl JsonFile {
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        Self::open_with(dir, Options::default())
    }

    /// Locks `dir` for this process and removes temporary files a crash left.
    /// The directory is private to the server's user (0700), its files 0600:
    /// they hold password and key hashes.
    pub fn open_with(dir: &Path, options: Options) -> Result<Self, StoreError> {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| StoreError::io(dir, "create the data directory", e))?;
        let mode = fs::metadata(dir)
            .map_err(|e| StoreError::io(dir, "read the data directory", e))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
                .map_err(|e| StoreError::io(dir, "make the data directory private", e))?;
            tracing::warn!(dir = %dir.display(), "the data directory was readable by others; it is now private to this user (0700)");
        }
        let lock = lock_directory(dir, options.lock_wait)?;
        let entries =
            fs::read_dir(dir).map_err(|e| StoreError::io(dir, "read the data directory", e))?;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(TEMP_PREFIX) {
                // A write that never reached its rename: never acknowledged, safe to drop.
                let _ = fs::remove_file(entry.path());
            } else if entry.path().is_file() {
                audit_file::restrict(&entry.path());
            }
        }
        let audit = AuditFile::open(dir, options.rotation)?;
        Ok(Self {
            path: dir.join(STORE_FILE),
            audit: Mutex::new(audit),
            _lock: lock,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn audit(&self) -> Result<std::sync::MutexGuard<'_, AuditFile>, StoreError> {
        self.audit
            .lock()
            .map_err(|_| StoreError::Task("audit log lock poisoned".into()))
    }
}

/// Takes the directory's lock, waiting up to `wait` for a holder that is
/// exiting. A held lock and an I/O error are different errors.
fn lock_directory(dir: &Path, wait: Duration) -> Result<File, StoreError> {
    let lock_path = dir.join(LOCK_FILE);
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&lock_path)
        .map_err(|e| StoreError::io(&lock_path, "open the lock file", e))?;
    let deadline = Instant::now() + wait;
    loop {
        match lock.try_lock() {
            Ok(()) => return Ok(lock),
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(100))
            }
            Err(TryLockError::WouldBlock) => return Err(StoreError::Locked(dir.to_path_buf())),
            Err(TryLockError::Error(e)) => return Err(StoreError::io(&lock_path, "lock", e)),
        }
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
            .map_err(|e| StoreError::Corrupt {
                path: self.path.clone(),
                detail: e.to_string(),
            })?
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
        serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
            path: self.path.clone(),
            detail: e.to_string(),
        })
    }

    fn audit_last_id(&self) -> Result<u64, StoreError> {
        Ok(self.audit()?.last_id())
    }

    fn append_audit(&self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        self.audit()?.append(entries)
    }

    fn audit_page(
        &self,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<AuditEntry>, usize), StoreError> {
        let audit = self.audit()?;
        Ok((audit.page(offset, limit)?, audit.total()))
    }

    fn save(&self, document: &Document) -> Result<(), StoreError> {
        let mut bytes =
            serde_json::to_vec_pretty(document).map_err(|e| StoreError::Encode(e.to_string()))?;
        bytes.push(b'\n');
        write_atomically(&self.path, &bytes)
    }
}

/// Replaces `path` with `bytes` (0600), durably: a temporary file beside it,
/// synced, renamed over it, and the directory synced. A crash leaves the old
/// file or the new one, never a mix.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let temp = dir.join(format!("{TEMP_PREFIX}-{name}-{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut file = File::options()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, path)?;
        // The rename is durable only once the directory entry is on disk.
        File::open(dir)?.sync_all()
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&temp);
        StoreError::io(path, "write", e)
    })
}
