//! Argon2id password hashes (PHC strings), computed off the async runtime.
//!
//! Each hash takes Argon2's default 19 MiB and tens of milliseconds of CPU, so
//! only [`MAX_CONCURRENT_HASHES`] run at once; the rest wait up to
//! [`HASH_WAIT`] for a turn and are otherwise refused ([`Busy`]). Memory stays
//! bounded whatever arrives.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use rand_core::OsRng;
use tokio::sync::Semaphore;

/// Hashes computed at the same time, at most.
pub const MAX_CONCURRENT_HASHES: usize = 2;
/// How long a request waits for a turn before it is refused.
pub const HASH_WAIT: Duration = Duration::from_secs(3);

/// Too many password checks are already running; try again shortly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

fn turns() -> Arc<Semaphore> {
    static TURNS: OnceLock<Arc<Semaphore>> = OnceLock::new();
    Arc::clone(TURNS.get_or_init(|| Arc::new(Semaphore::new(MAX_CONCURRENT_HASHES))))
}

/// Runs `work` on a blocking thread once a hashing turn is free. The turn
/// goes with the work: a request cancelled meanwhile (client gone) does not
/// free it while the hash still runs.
async fn with_turn<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Busy> {
    let permit = tokio::time::timeout(HASH_WAIT, turns().acquire_owned())
        .await
        .map_err(|_| Busy)?
        .map_err(|_| Busy)?;
    tokio::task::spawn_blocking(move || {
        let _turn = permit;
        work()
    })
    .await
    .map_err(|_| Busy)
}

pub async fn hash(password: String) -> Result<Result<String, String>, Busy> {
    with_turn(move || hash_blocking(&password)).await
}

fn hash_blocking(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Checks `password` against `stored`; with no stored hash (unknown user) it
/// still does the same work, so timing does not reveal which names exist.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, Busy> {
    with_turn(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| dummy_hash().to_string());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && known
    })
    .await
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking("a password nobody has").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn argon2id_hashes_verify_only_the_right_password() {
        let stored = hash("correct horse battery".into())
            .await
            .expect("a turn")
            .expect("hash");
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(!stored.contains("correct horse"));
        assert_eq!(
            verify("correct horse battery".into(), Some(stored.clone())).await,
            Ok(true)
        );
        assert_eq!(
            verify("wrong horse battery".into(), Some(stored)).await,
            Ok(false)
        );
        assert_eq!(
            verify("a password nobody has".into(), None).await,
            Ok(false)
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn only_a_few_hashes_run_at_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (running, most) = (Arc::clone(&running), Arc::clone(&most));
                tokio::spawn(with_turn(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(30));
                    running.fetch_sub(1, Ordering::SeqCst);
                }))
            })
            .collect();
        for task in tasks {
            task.await.expect("task").expect("a turn within the wait");
        }
        assert_eq!(most.load(Ordering::SeqCst), MAX_CONCURRENT_HASHES);
    }
}
