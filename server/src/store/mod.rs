//! The store: the whole state in memory, persisted through a [`Backend`].
//!
//! Reads never wait: they take the current [`Snapshot`]. Writes are serialized;
//! each works on a copy of the document, the backend persists it, and only then
//! is the new snapshot swapped in, so a failed write leaves nothing changed.
//!
//! Handlers see only [`Store::snapshot`] and [`Store::update`]; a PostgreSQL
//! backend would implement [`Backend`] without touching them.

pub mod audit;
pub mod document;
pub mod file;
mod public_index;

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

pub use audit::{Actor, AuditEntry, AuditRecord};
pub use document::{AdminRecord, ApiKeyRecord, Document, SiteRecord, Versioned};
pub use public_index::{PublicEntry, PublicIndex};

/// Where the document lives. Implementations are blocking; the store calls
/// them off the async runtime.
pub trait Backend: Send + Sync + 'static {
    /// The stored document, or the default one if nothing was stored yet.
    fn load(&self) -> Result<Document, StoreError>;
    /// Replaces the stored document; on `Ok` it must survive a crash.
    fn save(&self, document: &Document) -> Result<(), StoreError>;
    /// Every audit entry, oldest first.
    fn load_audit(&self) -> Result<Vec<AuditEntry>, StoreError>;
    /// Appends one entry; on `Ok` it must survive a crash.
    fn append_audit(&self, entry: &AuditEntry) -> Result<(), StoreError>;
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
    /// Serializes writes to the document and the audit log.
    writer: tokio::sync::Mutex<()>,
    audit: RwLock<Vec<Arc<AuditEntry>>>,
}

/// Who acted and from where, for the audit log.
#[derive(Debug, Clone)]
pub struct Who {
    pub actor: Actor,
    pub ip: Option<String>,
}

impl Store {
    /// Loads the stored document; a corrupt or unreadable one is an error
    /// (and is never overwritten).
    pub async fn open(backend: impl Backend) -> Result<Self, StoreError> {
        let backend: Arc<dyn Backend> = Arc::new(backend);
        let loader = Arc::clone(&backend);
        let (document, audit) = tokio::task::spawn_blocking(move || Ok::<_, StoreError>((loader.load()?, loader.load_audit()?)))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))??;
        Ok(Self {
            backend,
            current: RwLock::new(Arc::new(Snapshot::new(document))),
            writer: tokio::sync::Mutex::new(()),
            audit: RwLock::new(audit.into_iter().map(Arc::new).collect()),
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
    /// For changes no one needs to see in the audit log (bookkeeping).
    pub async fn update<T, E>(&self, change: impl FnOnce(&mut Document) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let _writer = self.writer.lock().await;
        let (output, document) = self.apply(change).await?;
        self.swap(document);
        Ok(output)
    }

    /// Like [`Store::update`], and records the change in the audit log, in
    /// the same order as the changes themselves.
    pub async fn update_audited<T, E>(
        &self,
        who: &Who,
        change: impl FnOnce(&mut Document) -> Result<(T, AuditRecord), E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let _writer = self.writer.lock().await;
        let ((output, record), document) = self.apply(change).await?;
        // The change is durable now; a failing audit append must not undo it
        // in memory, so it is reported rather than returned.
        if let Err(error) = self.append(who, record).await {
            tracing::error!(%error, "a change was saved but its audit entry could not be written");
        }
        self.swap(document);
        Ok(output)
    }

    /// Records an event that changes no settings (logins, logouts).
    pub async fn record(&self, who: &Who, record: AuditRecord) {
        let _writer = self.writer.lock().await;
        if let Err(error) = self.append(who, record).await {
            tracing::error!(%error, "could not write an audit entry");
        }
    }

    /// Audit entries, newest first: `(page of entries, total count)`.
    pub fn audit_page(&self, offset: usize, limit: usize) -> (Vec<Arc<AuditEntry>>, usize) {
        let entries = match self.audit.read() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let page = entries.iter().rev().skip(offset).take(limit).cloned().collect();
        (page, entries.len())
    }

    async fn apply<T, E>(&self, change: impl FnOnce(&mut Document) -> Result<T, E>) -> Result<(T, Document), E>
    where
        E: From<StoreError>,
    {
        let mut document = self.snapshot().document.clone();
        let output = change(&mut document)?;
        let backend = Arc::clone(&self.backend);
        let document = tokio::task::spawn_blocking(move || backend.save(&document).map(|()| document))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))??;
        Ok((output, document))
    }

    fn swap(&self, document: Document) {
        let snapshot = Arc::new(Snapshot::new(document));
        match self.current.write() {
            Ok(mut guard) => *guard = snapshot,
            Err(poisoned) => *poisoned.into_inner() = snapshot,
        }
    }

    /// Caller holds the writer lock, so ids are handed out in order.
    async fn append(&self, who: &Who, record: AuditRecord) -> Result<(), StoreError> {
        let id = match self.audit.read() {
            Ok(guard) => guard.last().map_or(1, |e| e.id + 1),
            Err(poisoned) => poisoned.into_inner().last().map_or(1, |e| e.id + 1),
        };
        let entry = AuditEntry {
            id,
            at: now_rfc3339(),
            actor: who.actor.clone(),
            ip: who.ip.clone(),
            action: record.action.to_string(),
            target: record.target,
            changed: record.changed,
            outcome: record.outcome,
            detail: record.detail,
        };
        let backend = Arc::clone(&self.backend);
        let entry = tokio::task::spawn_blocking(move || backend.append_audit(&entry).map(|()| entry))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))??;
        match self.audit.write() {
            Ok(mut guard) => guard.push(Arc::new(entry)),
            Err(poisoned) => poisoned.into_inner().push(Arc::new(entry)),
        }
        Ok(())
    }
}

/// The current time, RFC 3339 in UTC, to the second.
pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc().replace_nanosecond(0).unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    now.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
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
        fn load_audit(&self) -> Result<Vec<AuditEntry>, StoreError> {
            Ok(Vec::new())
        }
        fn append_audit(&self, _: &AuditEntry) -> Result<(), StoreError> {
            Ok(())
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
    async fn audit_entries_are_appended_durably_and_a_torn_last_line_is_dropped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let who = Who { actor: Actor::user("admin"), ip: Some("127.0.0.1".into()) };
        {
            let store = Store::open(file::JsonFile::open(dir.path()).expect("open")).await.expect("load");
            store.update_audited(&who, |d| add_site(d, "shop").map(|()| ((), AuditRecord::success("site.create", Some("shop".to_string()))))).await.expect("save");
            store.record(&who, AuditRecord::success("session.logout", None)).await;
        }
        // A crash in the middle of a third append.
        let path = dir.path().join(file::AUDIT_FILE);
        let mut bytes = std::fs::read(&path).expect("audit file");
        bytes.extend_from_slice(b"{\"id\":3,\"at\":\"20");
        std::fs::write(&path, bytes).expect("write");

        let store = Store::open(file::JsonFile::open(dir.path()).expect("reopen")).await.expect("load");
        let (page, total) = store.audit_page(0, 10);
        assert_eq!(total, 2);
        assert_eq!(page[0].action, "session.logout");
        assert_eq!(page[1].action, "site.create");
        assert_eq!(page[1].target.as_deref(), Some("shop"));
        assert_eq!(page[1].actor, Actor::user("admin"));
        store.record(&who, AuditRecord::success("session.login", None)).await;
        assert_eq!(store.audit_page(0, 1).0[0].id, 3);
        let text = std::fs::read_to_string(&path).expect("audit file");
        assert_eq!(text.lines().count(), 3);
        assert!(text.lines().all(|line| serde_json::from_str::<AuditEntry>(line).is_ok()), "{text}");
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
