//! The store: the whole state in memory, persisted through a [`Backend`].
//!
//! Reads never wait: they take the current [`Snapshot`]. Writes are serialized;
//! each works on a copy of the document, the backend persists it, and only then
//! is the new snapshot swapped in, so a failed write leaves nothing changed.
//!
//! Handlers see only [`Store::snapshot`] and [`Store::update`]; a PostgreSQL
//! backend would implement [`Backend`] without touching them.

pub mod audit;
pub mod audit_file;
pub mod calendars;
pub mod conversations;
pub mod deliveries;
pub mod document;
pub mod file;
pub mod images;
mod public_index;

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

pub use audit::{Actor, AuditEntry, AuditRecord, OriginChange};
pub use calendars::Calendars;
pub use document::{
    rules_name_chatbot, AdminRecord, ApiKeyRecord, ChatbotRecord, Document, HashedSecret,
    SiteRecord, StoredImage, StoredSecret, TokenUsage, Versioned, WebhookDisabled,
};
pub use public_index::{site_rules, PublicEntry, PublicIndex};

/// Where the document and the audit log live. Implementations are blocking;
/// the store calls them off the async runtime.
pub trait Backend: Send + Sync + 'static {
    /// The stored document, or the default one if nothing was stored yet.
    fn load(&self) -> Result<Document, StoreError>;
    /// Replaces the stored document; on `Ok` it must survive a crash.
    fn save(&self, document: &Document) -> Result<(), StoreError>;
    /// The id of the newest stored audit entry (0: none).
    fn audit_last_id(&self) -> Result<u64, StoreError>;
    /// Appends entries in id order, all or none; on `Ok` they survive a crash.
    fn append_audit(&self, entries: &[AuditEntry]) -> Result<(), StoreError>;
    /// Audit entries newest first, skipping `offset`; and how many there are.
    fn audit_page(
        &self,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<AuditEntry>, usize), StoreError>;
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the store file {path} is not valid: {detail}. It was left untouched; restore it from a backup, or move it away to start empty")]
    Corrupt { path: PathBuf, detail: String },
    #[error("cannot {action} {path}: {source}")]
    Io {
        path: PathBuf,
        action: &'static str,
        source: std::io::Error,
    },
    #[error("another Switchboard server is using the data directory {0} (its lock file is held)")]
    Locked(PathBuf),
    #[error("cannot encode the store: {0}")]
    Encode(String),
    #[error("the storage task failed: {0}")]
    Task(String),
    #[error(
        "earlier audit entries could not be written yet; no change is accepted until they are"
    )]
    AuditBehind,
    /// A record for a conversation the log no longer has (deleted, or past
    /// the retention, while the request was under way).
    #[error("there is no conversation {0:?}")]
    UnknownConversation(String),
}

impl StoreError {
    pub fn io(path: &Path, action: &'static str, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            action,
            source,
        }
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
    fn new(document: Document, calendars: &Calendars) -> Self {
        let public = PublicIndex::build(&document, calendars, unix_now());
        Self { document, public }
    }
}

/// Seconds since 1970 (UTC).
pub fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// What the writer lock guards besides the order of writes.
struct Writer {
    /// The id the next audit entry gets. Taken before anything is written,
    /// so an id is never handed out twice (a failed write leaves a gap).
    next_audit_id: u64,
    /// Entries of committed changes whose append to the log failed. They
    /// are in the saved document's `audit_tail` too, and are appended before
    /// anything else.
    unlogged: Vec<AuditEntry>,
}

/// What a write needs on its blocking thread.
#[derive(Clone)]
struct Shared {
    backend: Arc<dyn Backend>,
    current: Arc<RwLock<Arc<Snapshot>>>,
    calendars: Arc<Calendars>,
}

pub struct Store {
    shared: Shared,
    /// Serializes writes to the document and the audit log. Each write's
    /// critical section runs on a blocking thread that owns the guard, so a
    /// request cancelled mid-write (client gone, timeout) cannot release the
    /// lock while its save is still running, nor skip the bookkeeping after it.
    writer: Arc<tokio::sync::Mutex<Writer>>,
}

/// Who acted and from where, for the audit log.
#[derive(Debug, Clone)]
pub struct Who {
    pub actor: Actor,
    pub ip: Option<String>,
}

impl Store {
    /// Loads the stored document; a corrupt or unreadable one is an error
    /// (and is never overwritten). Audit entries of committed changes that
    /// never reached the log (a crash between the two writes) are appended now.
    pub async fn open(backend: impl Backend) -> Result<Self, StoreError> {
        Self::open_with(backend, Calendars::in_memory()).await
    }

    /// Like [`Store::open`], with the calendar feeds' kept copies.
    pub async fn open_with(
        backend: impl Backend,
        calendars: Calendars,
    ) -> Result<Self, StoreError> {
        let calendars = Arc::new(calendars);
        let backend: Arc<dyn Backend> = Arc::new(backend);
        let loader = Arc::clone(&backend);
        let (document, last_id) =
            blocking(move || Ok((loader.load()?, loader.audit_last_id()?))).await?;
        let unlogged: Vec<AuditEntry> = document
            .audit_tail
            .iter()
            .filter(|e| e.id > last_id)
            .cloned()
            .collect();
        let tail_id = document.audit_tail.iter().map(|e| e.id).max().unwrap_or(0);
        let shared = Shared {
            backend,
            current: Arc::new(RwLock::new(Arc::new(Snapshot::new(document, &calendars)))),
            calendars,
        };
        let mut writer = Writer {
            next_audit_id: last_id.max(tail_id) + 1,
            unlogged,
        };
        if !writer.unlogged.is_empty() {
            // The same catch-up every later write does first; if the log cannot
            // take them yet, changes are refused until it can.
            let count = writer.unlogged.len();
            let catcher = shared.clone();
            writer = blocking(move || {
                if catcher.catch_up(&mut writer).is_ok() {
                    tracing::warn!(
                        entries = count,
                        "wrote audit entries of changes saved just before the last stop"
                    );
                }
                Ok(writer)
            })
            .await?;
        }
        Ok(Self {
            shared,
            writer: Arc::new(tokio::sync::Mutex::new(writer)),
        })
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.shared.snapshot()
    }

    pub fn calendars(&self) -> &Arc<Calendars> {
        &self.shared.calendars
    }

    /// Builds the public configs again from the same document: the hour
    /// moved on, or a calendar feed changed.
    pub async fn refresh_public(&self) {
        let writer = Arc::clone(&self.writer).lock_owned().await;
        let document = self.snapshot().document.clone();
        let shared = self.shared.clone();
        let _ = blocking(move || {
            let _writer = writer;
            shared.swap(document);
            Ok(())
        })
        .await;
    }

    /// Applies `change` to a copy of the document, persists it, then makes it
    /// current. If `change` fails, or persisting fails, nothing changes.
    /// For changes no one needs to see in the audit log (bookkeeping).
    pub async fn update<T, E>(
        &self,
        change: impl FnOnce(&mut Document) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let writer = Arc::clone(&self.writer).lock_owned().await;
        let mut document = self.snapshot().document.clone();
        let output = change(&mut document)?;
        let shared = self.shared.clone();
        blocking(move || {
            let _writer = writer;
            shared.backend.save(&document)?;
            shared.swap(document);
            Ok(())
        })
        .await?;
        Ok(output)
    }

    /// Like [`Store::update`], and records the change in the audit log. The
    /// entry is saved inside the document with the change (`audit_tail`), so
    /// a change is never committed without its entry: if appending it to the
    /// log fails now, it is appended before the next entry, or at the next start.
    pub async fn update_audited<T, E>(
        &self,
        who: &Who,
        change: impl FnOnce(&mut Document) -> Result<(T, AuditRecord), E>,
    ) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut writer = Arc::clone(&self.writer).lock_owned().await;
        let mut document = self.snapshot().document.clone();
        let (output, record) = change(&mut document)?;
        let entry = AuditEntry::new(writer.next_audit_id, now_rfc3339(), who, record);
        writer.next_audit_id += 1;
        document.audit_tail = vec![entry.clone()];
        let shared = self.shared.clone();
        blocking(move || {
            let mut writer = writer;
            shared.catch_up(&mut writer)?;
            shared.backend.save(&document)?;
            shared.swap(document);
            writer.unlogged.push(entry);
            if let Err(error) = shared.catch_up(&mut writer) {
                tracing::error!(%error, "a change was saved; its audit entry is kept in the store until the log can be written");
            }
            Ok(())
        })
        .await?;
        Ok(output)
    }

    /// Records an event that changes no settings (logins, logouts).
    pub async fn record(&self, who: &Who, record: AuditRecord) {
        let mut writer = Arc::clone(&self.writer).lock_owned().await;
        let action = record.action;
        let entry = AuditEntry::new(writer.next_audit_id, now_rfc3339(), who, record);
        writer.next_audit_id += 1;
        let shared = self.shared.clone();
        let result = blocking(move || {
            let mut writer = writer;
            shared.catch_up(&mut writer)?;
            shared.backend.append_audit(std::slice::from_ref(&entry))
        })
        .await;
        if let Err(error) = result {
            tracing::error!(%error, action = action.as_str(), "could not write an audit entry");
        }
    }

    /// Audit entries, newest first: `(page of entries, total count)`.
    pub async fn audit_page(
        &self,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<AuditEntry>, usize), StoreError> {
        let backend = Arc::clone(&self.shared.backend);
        blocking(move || backend.audit_page(offset, limit)).await
    }
}

impl Shared {
    fn snapshot(&self) -> Arc<Snapshot> {
        // A poisoned lock only means a panic happened while swapping an Arc;
        // the Arc inside is still whole.
        match self.current.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    fn swap(&self, document: Document) {
        let snapshot = Arc::new(Snapshot::new(document, &self.calendars));
        match self.current.write() {
            Ok(mut guard) => *guard = snapshot,
            Err(poisoned) => *poisoned.into_inner() = snapshot,
        }
    }

    /// Appends entries of saved changes whose append failed before.
    fn catch_up(&self, writer: &mut Writer) -> Result<(), StoreError> {
        if writer.unlogged.is_empty() {
            return Ok(());
        }
        match self.backend.append_audit(&writer.unlogged) {
            Ok(()) => {
                writer.unlogged.clear();
                Ok(())
            }
            Err(error) => {
                tracing::error!(%error, "audit entries of saved changes still cannot be written");
                Err(StoreError::AuditBehind)
            }
        }
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
}

/// The current time, RFC 3339 in UTC, to the second.
pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    now.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use switchboard_core::messages::AuditAction;
    use switchboard_core::site::Site;

    /// Refuses to save while `failing` is set, to append while
    /// `audit_failing` is set; keeps what it saved in memory.
    #[derive(Default, Clone)]
    struct Flaky {
        failing: Arc<AtomicBool>,
        audit_failing: Arc<AtomicBool>,
        saved: Arc<std::sync::Mutex<Option<Document>>>,
        /// Each save takes this long (a slow disk).
        save_delay: Arc<std::sync::atomic::AtomicU64>,
        log: Arc<std::sync::Mutex<Vec<AuditEntry>>>,
    }

    fn disk_full() -> StoreError {
        StoreError::io(
            Path::new("/flaky"),
            "write",
            std::io::Error::other("disk full"),
        )
    }

    impl Backend for Flaky {
        fn load(&self) -> Result<Document, StoreError> {
            Ok(self.saved.lock().expect("lock").clone().unwrap_or_default())
        }
        fn save(&self, document: &Document) -> Result<(), StoreError> {
            std::thread::sleep(std::time::Duration::from_millis(
                self.save_delay.load(Ordering::SeqCst),
            ));
            if self.failing.load(Ordering::SeqCst) {
                return Err(disk_full());
            }
            *self.saved.lock().expect("lock") = Some(document.clone());
            Ok(())
        }
        fn audit_last_id(&self) -> Result<u64, StoreError> {
            Ok(self.log.lock().expect("lock").last().map_or(0, |e| e.id))
        }
        fn append_audit(&self, entries: &[AuditEntry]) -> Result<(), StoreError> {
            if self.audit_failing.load(Ordering::SeqCst) {
                return Err(disk_full());
            }
            self.log
                .lock()
                .expect("lock")
                .extend(entries.iter().cloned());
            Ok(())
        }
        fn audit_page(
            &self,
            offset: usize,
            limit: usize,
        ) -> Result<(Vec<AuditEntry>, usize), StoreError> {
            let log = self.log.lock().expect("lock");
            Ok((
                log.iter().rev().skip(offset).take(limit).cloned().collect(),
                log.len(),
            ))
        }
    }

    fn audited_site(
        id: &str,
    ) -> impl FnOnce(&mut Document) -> Result<((), AuditRecord), StoreError> + '_ {
        move |d| {
            add_site(d, id).map(|()| {
                (
                    (),
                    AuditRecord::success(AuditAction::SiteCreate, Some(id.to_string())),
                )
            })
        }
    }

    fn logged_targets(backend: &Flaky) -> Vec<(u64, String)> {
        backend
            .log
            .lock()
            .expect("lock")
            .iter()
            .map(|e| (e.id, e.target.clone().unwrap_or_default()))
            .collect()
    }

    #[tokio::test]
    async fn a_change_whose_entry_could_not_be_appended_gets_it_before_the_next_one() {
        let backend = Flaky::default();
        let who = Who {
            actor: Actor::user("admin"),
            ip: None,
        };
        let store = Store::open(backend.clone()).await.expect("open");
        store
            .update_audited(&who, audited_site("one"))
            .await
            .expect("saved");
        backend.audit_failing.store(true, Ordering::SeqCst);
        store
            .update_audited(&who, audited_site("two"))
            .await
            .expect("the change itself is saved");
        assert!(store.snapshot().document.sites.contains_key("two"));
        let refused = store.update_audited(&who, audited_site("three")).await;
        assert!(
            matches!(refused, Err(StoreError::AuditBehind)),
            "no further change while an entry is missing"
        );
        assert!(!store.snapshot().document.sites.contains_key("three"));
        backend.audit_failing.store(false, Ordering::SeqCst);
        store
            .update_audited(&who, audited_site("three"))
            .await
            .expect("saved");
        // The refused attempt used up id 3: ids are never handed out twice.
        assert_eq!(
            logged_targets(&backend),
            [(1, "one".into()), (2, "two".into()), (4, "three".into())]
        );
    }

    #[tokio::test]
    async fn a_request_cancelled_during_its_save_still_finishes_it_whole() {
        let backend = Flaky::default();
        let who = Who {
            actor: Actor::user("admin"),
            ip: None,
        };
        let store = Arc::new(Store::open(backend.clone()).await.expect("open"));
        backend.save_delay.store(300, Ordering::SeqCst);
        let cancelled = {
            let (store, who) = (Arc::clone(&store), who.clone());
            tokio::spawn(async move { store.update_audited(&who, audited_site("slow")).await })
        };
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        cancelled.abort();
        backend.save_delay.store(0, Ordering::SeqCst);
        store
            .record(&who, AuditRecord::success(AuditAction::SessionLogout, None))
            .await;
        assert!(
            store.snapshot().document.sites.contains_key("slow"),
            "the save ran to its end"
        );
        let ids: Vec<u64> = backend
            .log
            .lock()
            .expect("lock")
            .iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(
            ids,
            [1, 2],
            "the change's entry, then the next one: no id twice"
        );
    }

    #[tokio::test]
    async fn an_entry_lost_by_a_crash_after_the_save_is_written_at_the_next_start() {
        let backend = Flaky::default();
        let who = Who {
            actor: Actor::user("admin"),
            ip: None,
        };
        let store = Store::open(backend.clone()).await.expect("open");
        store
            .update_audited(&who, audited_site("one"))
            .await
            .expect("saved");
        backend.audit_failing.store(true, Ordering::SeqCst);
        store
            .update_audited(&who, audited_site("two"))
            .await
            .expect("saved");
        drop(store);
        backend.audit_failing.store(false, Ordering::SeqCst);
        let store = Store::open(backend.clone()).await.expect("reopen");
        assert_eq!(
            logged_targets(&backend),
            [(1, "one".into()), (2, "two".into())]
        );
        store
            .record(&who, AuditRecord::success(AuditAction::SessionLogout, None))
            .await;
        assert_eq!(
            backend.log.lock().expect("lock").last().map(|e| e.id),
            Some(3)
        );
    }

    fn add_site(document: &mut Document, id: &str) -> Result<(), StoreError> {
        let revision = document.next_revision();
        let site = Site {
            id: id.into(),
            name: id.into(),
            domains: vec![],
        };
        document.sites.insert(
            id.into(),
            SiteRecord {
                revision,
                site,
                click_to_chat: None,
                rules: None,
            },
        );
        Ok(())
    }

    #[tokio::test]
    async fn a_failed_save_changes_nothing_in_memory() {
        let failing = Arc::new(AtomicBool::new(false));
        let store = Store::open(Flaky {
            failing: Arc::clone(&failing),
            ..Flaky::default()
        })
        .await
        .expect("open");
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
        let store = Store::open(Flaky::default()).await.expect("open");
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
            let store = Store::open(file::JsonFile::open(dir.path()).expect("open"))
                .await
                .expect("load");
            store.update(|d| add_site(d, "shop")).await.expect("save");
        }
        let store = Store::open(file::JsonFile::open(dir.path()).expect("reopen"))
            .await
            .expect("load");
        assert!(store.snapshot().document.sites.contains_key("shop"));
        assert_eq!(store.snapshot().document.last_revision, 1);
    }

    #[tokio::test]
    async fn a_corrupt_file_is_refused_and_left_as_it_was() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(file::STORE_FILE);
        for content in [
            &b"{\"schema_version\": 1, \"sites\": {"[..],
            b"",
            b"[]",
            b"{\"schema_version\": 99}",
            b"{\"schema_version\": 1, \"sites\": 5}",
        ] {
            std::fs::write(&path, content).expect("write");
            let error = match file::JsonFile::open(dir.path()).map(|backend| backend.load()) {
                Ok(Err(error)) => error,
                other => panic!(
                    "{:?} should be refused, got {:?}",
                    String::from_utf8_lossy(content),
                    other.map(|r| r.map(|_| ()))
                ),
            };
            assert!(matches!(error, StoreError::Corrupt { .. }), "{error}");
            assert!(error.to_string().contains("left untouched"), "{error}");
            assert_eq!(std::fs::read(&path).expect("still there"), content);
        }
    }

    #[tokio::test]
    async fn audit_entries_are_appended_durably_and_a_torn_last_line_is_dropped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let who = Who {
            actor: Actor::user("admin"),
            ip: Some("127.0.0.1".into()),
        };
        {
            let store = Store::open(file::JsonFile::open(dir.path()).expect("open"))
                .await
                .expect("load");
            store
                .update_audited(&who, |d| {
                    add_site(d, "shop").map(|()| {
                        (
                            (),
                            AuditRecord::success(AuditAction::SiteCreate, Some("shop".to_string())),
                        )
                    })
                })
                .await
                .expect("save");
            store
                .record(&who, AuditRecord::success(AuditAction::SessionLogout, None))
                .await;
        }
        // A crash in the middle of a third append.
        let path = dir.path().join(file::AUDIT_FILE);
        let mut bytes = std::fs::read(&path).expect("audit file");
        bytes.extend_from_slice(b"{\"id\":3,\"at\":\"20");
        std::fs::write(&path, bytes).expect("write");

        let store = Store::open(file::JsonFile::open(dir.path()).expect("reopen"))
            .await
            .expect("load");
        let (page, total) = store.audit_page(0, 10).await.expect("page");
        assert_eq!(total, 2);
        assert_eq!(page[0].action, "session.logout");
        assert_eq!(page[1].action, "site.create");
        assert_eq!(page[1].target.as_deref(), Some("shop"));
        assert_eq!(page[1].actor, Actor::user("admin"));
        store
            .record(&who, AuditRecord::success(AuditAction::SessionLogin, None))
            .await;
        assert_eq!(store.audit_page(0, 1).await.expect("page").0[0].id, 3);
        let text = std::fs::read_to_string(&path).expect("audit file");
        assert_eq!(text.lines().count(), 3);
        assert!(
            text.lines()
                .all(|line| serde_json::from_str::<AuditEntry>(line).is_ok()),
            "{text}"
        );
    }

    #[tokio::test]
    async fn leftover_temp_files_are_removed_and_a_second_server_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let leftover = dir.path().join(".switchboard.json.tmp-12345");
        std::fs::write(&leftover, b"half a write").expect("write");
        let first = file::JsonFile::open(dir.path()).expect("first");
        assert!(!leftover.exists());
        let quick = file::Options {
            lock_wait: std::time::Duration::from_millis(300),
            ..file::Options::default()
        };
        let started = std::time::Instant::now();
        assert!(matches!(
            file::JsonFile::open_with(dir.path(), quick),
            Err(StoreError::Locked(_))
        ));
        assert!(
            started.elapsed() >= quick.lock_wait,
            "it waited for the holder to exit"
        );
        drop(first);
        assert!(file::JsonFile::open(dir.path()).is_ok());
    }

    #[tokio::test]
    async fn a_lock_released_while_waiting_is_taken() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = file::JsonFile::open(dir.path()).expect("first");
        let release = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(400));
            drop(first);
        });
        assert!(
            file::JsonFile::open(dir.path()).is_ok(),
            "the exiting holder's lock is taken once released"
        );
        release.join().expect("thread");
    }

    #[tokio::test]
    async fn the_data_directory_and_its_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let parent = tempfile::tempdir().expect("tempdir");
        let dir = parent.path().join("data");
        let who = Who {
            actor: Actor::user("admin"),
            ip: None,
        };
        {
            let store = Store::open(file::JsonFile::open(&dir).expect("open"))
                .await
                .expect("load");
            store
                .update_audited(&who, audited_site("shop"))
                .await
                .expect("save");
        }
        let mode = |p: &Path| std::fs::metadata(p).expect("exists").permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        for name in [file::STORE_FILE, file::AUDIT_FILE, ".switchboard.lock"] {
            assert_eq!(mode(&dir.join(name)), 0o600, "{name}");
        }
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        std::fs::set_permissions(
            dir.join(file::STORE_FILE),
            std::fs::Permissions::from_mode(0o644),
        )
        .expect("chmod");
        drop(file::JsonFile::open(&dir).expect("reopen"));
        assert_eq!(mode(&dir), 0o700, "tightened at start");
        assert_eq!(
            mode(&dir.join(file::STORE_FILE)),
            0o600,
            "tightened at start"
        );
    }
}
