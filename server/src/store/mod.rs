//! The store: the whole state in memory, persisted through a [`Backend`].
//!
//! Reads never wait: they take the current [`Snapshot`]. Writes are serialized;
//! each works on a copy of the document, the backend persists it, and only then
//! is the new snapshot swapped in, so a failed write leaves nothing changed.
//!
//! Handlers see only [`Store::snapshot`] and [`Store::update`]; a PostgreSQL
//! backend would implement [`Backend`] without touching them.

pub mod document;
pub mod file;
mod public_index;

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

pub use document::{Document, SiteRecord, Versioned};
pub use public_index::{PublicEntry, PublicIndex};

/// Where the document lives. Implementations are blocking; the store calls
/// them off the async runtime.
pub trait Backend: Send + Sync + 'static {
    /// The stored document, or the default one if nothing was stored yet.
    fn load(&self) -> Result<Document, StoreError>;
    /// Replaces the stored document; on `Ok` it must survive a crash.
    fn save(&self, document: &Document) -> Result<(), StoreError>;
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the store file {path} is not valid: {detail}. It was left untouched; restore it from a backup, or move it away to start empty")]
    Corrupt { path: PathBuf, detail: String },
    #[error("cannot {action} {path}: {source}")]
    Io { path: PathBuf, action: &'static str, source: std::io::Error },
    #[error("another Switchboard server is using the data directory {0}")]
    Locked(PathBuf),
    #[error("cannot encode the store: {0}")]
    Encode(String),
    #[error("the storage task failed: {0}")]
    Task(String),
}

impl StoreError {
    pub fn io(path: &Path, action: &'static str, source: std::io::Error) -> Self {
        Self::Io { path: path.to_path_buf(), action, source }
    }
}

/// One consistent view of the state, with the public widget configs
/// precomputed so the hot path only looks them up.
#[derive(Debug)]
pub struct Snapshot {
    pub document: Document,
    pub public: PublicIndex,
}

impl Snapshot {
    fn new(document: Document) -> Self {
        let public = PublicIndex::build(&document);
        Self { document, public }
    }
}

pub struct Store {
    backend: Arc<dyn Backend>,
    current: RwLock<Arc<Snapshot>>,
    writer: tokio::sync::Mutex<()>,
}

impl Store {
    /// Loads the stored document; a corrupt or unreadable one is an error
    /// (and is never overwritten).
    pub async fn open(backend: impl Backend) -> Result<Self, StoreError> {
        let backend: Arc<dyn Backend> = Arc::new(backend);
        let loader = Arc::clone(&backend);
        let document = tokio::task::spawn_blocking(move || loader.load())
            .await
            .map_err(|e| StoreError::Task(e.to_string()))??;
        Ok(Self {
            backend,
            current: RwLock::new(Arc::new(Snapshot::new(document))),
            writer: tokio::sync::Mutex::new(()),
        })
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        // A poisoned lock only means a panic happened while swapping an Arc;
        // the Arc inside is still whole.
        match self.current.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Applies `change` to a copy of the document, persists it, then makes it
    /// current. If `change` fails, or persisting fails, nothing changes.
    pub async fn update<T, E>(&self, change: impl FnOnce(&mut Document) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let _writer = self.writer.lock().await;
        let mut document = self.snapshot().document.clone();
        let output = change(&mut document)?;
        let backend = Arc::clone(&self.backend);
        let document = tokio::task::spawn_blocking(move || backend.save(&document).map(|()| document))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))??;
        let snapshot = Arc::new(Snapshot::new(document));
        match self.current.write() {
            Ok(mut guard) => *guard = snapshot,
            Err(poisoned) => *poisoned.into_inner() = snapshot,
        }
        Ok(output)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use switchboard_core::site::Site;

    /// Refuses to save while `failing` is set.
    struct Flaky {
        failing: Arc<AtomicBool>,
    }

    impl Backend for Flaky {
        fn load(&self) -> Result<Document, StoreError> {
            Ok(Document::default())
        }
        fn save(&self, _: &Document) -> Result<(), StoreError> {
            if self.failing.load(Ordering::SeqCst) {
                Err(StoreError::io(Path::new("/flaky"), "write", std::io::Error::other("disk full")))
            } else {
                Ok(())
            }
        }
    }

    fn add_site(document: &mut Document, id: &str) -> Result<(), StoreError> {
        let revision = document.next_revision();
        let site = Site { id: id.into(), name: id.into(), domains: vec![] };
        document.sites.insert(id.into(), SiteRecord { revision, site, click_to_chat: None });
        Ok(())
    }

    #[tokio::test]
    async fn a_failed_save_changes_nothing_in_memory() {
        let failing = Arc::new(AtomicBool::new(false));
        let store = Store::open(Flaky { failing: Arc::clone(&failing) }).await.expect("open");
        store.update(|d| add_site(d, "kept")).await.expect("saved");
        failing.store(true, Ordering::SeqCst);
        let result = store.update(|d| add_site(d, "lost")).await;
        assert!(result.is_err());
        let snapshot = store.snapshot();
        assert!(snapshot.document.sites.contains_key("kept"));
        assert!(!snapshot.document.sites.contains_key("lost"));
        assert_eq!(snapshot.document.last_revision, 1);
    }

    #[tokio::test]
    async fn a_refused_change_is_not_saved() {
        let store = Store::open(Flaky { failing: Arc::new(AtomicBool::new(false)) }).await.expect("open");
        let result: Result<(), StoreError> = store
            .update(|d| {
                add_site(d, "half")?;
                Err(StoreError::Encode("refused".into()))
            })
            .await;
        assert!(result.is_err());
        assert!(store.snapshot().document.sites.is_empty());
    }

    #[tokio::test]
    async fn the_json_file_round_trips_and_survives_reopening() {
        let dir = tempfile::tempdir().expect("tempdir");
        {
            let store = Store::open(file::JsonFile::open(dir.path()).expect("open")).await.expect("load");
            store.update(|d| add_site(d, "shop")).await.expect("save");
        }
        let store = Store::open(file::JsonFile::open(dir.path()).expect("reopen")).await.expect("load");
        assert!(store.snapshot().document.sites.contains_key("shop"));
        assert_eq!(store.snapshot().document.last_revision, 1);
    }

    #[tokio::test]
    async fn a_corrupt_file_is_refused_and_left_as_it_was() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(file::STORE_FILE);
        for content in [&b"{\"schema_version\": 1, \"sites\": {"[..], b"", b"[]", b"{\"schema_version\": 99}", b"{\"schema_version\": 1, \"sites\": 5}"] {
            std::fs::write(&path, content).expect("write");
            let error = match file::JsonFile::open(dir.path()).map(|backend| backend.load()) {
                Ok(Err(error)) => error,
                other => panic!("{:?} should be refused, got {:?}", String::from_utf8_lossy(content), other.map(|r| r.map(|_| ()))),
            };
            assert!(matches!(error, StoreError::Corrupt { .. }), "{error}");
            assert!(error.to_string().contains("left untouched"), "{error}");
            assert_eq!(std::fs::read(&path).expect("still there"), content);
        }
    }

    #[tokio::test]
    async fn leftover_temp_files_are_removed_and_a_second_server_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let leftover = dir.path().join(".switchboard.json.tmp-12345");
        std::fs::write(&leftover, b"half a write").expect("write");
        let first = file::JsonFile::open(dir.path()).expect("first");
        assert!(!leftover.exists());
        assert!(matches!(file::JsonFile::open(dir.path()), Err(StoreError::Locked(_))));
        drop(first);
        assert!(file::JsonFile::open(dir.path()).is_ok());
    }
}
