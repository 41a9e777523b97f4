//! Login sessions, in memory: a restart signs every admin out. Each session
//! has an idle and an absolute lifetime and its own CSRF token.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::random_token;

#[derive(Debug, Clone)]
pub struct Session {
    pub username: String,
    pub csrf_token: String,
    created: Instant,
    last_seen: Instant,
}

pub struct Sessions {
    idle: Duration,
    absolute: Duration,
    by_id: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    pub fn new(idle: Duration, absolute: Duration) -> Self {
        Self {
            idle,
            absolute,
            by_id: Mutex::new(HashMap::new()),
        }
    }

    pub fn absolute(&self) -> Duration {
        self.absolute
    }

    /// A new session with a fresh id (never reusing one the browser had).
    pub fn create(&self, username: &str) -> (String, Session) {
        let now = Instant::now();
        let id = random_token(32);
        let session = Session {
            username: username.to_string(),
            csrf_token: random_token(24),
            created: now,
            last_seen: now,
        };
        let mut map = self.lock();
        map.retain(|_, s| self.alive(s, now));
        map.insert(id.clone(), session.clone());
        (id, session)
    }

    /// The live session for `id`, marked as used now; expired ones are removed.
    pub fn touch(&self, id: &str) -> Option<Session> {
        let now = Instant::now();
        let mut map = self.lock();
        let session = map.get_mut(id)?;
        if !self.alive(session, now) {
            map.remove(id);
            return None;
        }
        session.last_seen = now;
        Some(session.clone())
    }

    pub fn remove(&self, id: &str) {
        self.lock().remove(id);
    }

    /// Ends every session of `username` but `keep` (if given); how many ended.
    pub fn remove_all_of(&self, username: &str, keep: Option<&str>) -> usize {
        let mut map = self.lock();
        let before = map.len();
        map.retain(|id, s| s.username != username || Some(id.as_str()) == keep);
        before - map.len()
    }

    fn alive(&self, session: &Session, now: Instant) -> bool {
        now.duration_since(session.last_seen) < self.idle
            && now.duration_since(session.created) < self.absolute
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        match self.by_id.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_end_when_idle_or_too_old_or_removed() {
        let sessions = Sessions::new(Duration::from_millis(50), Duration::from_millis(120));
        let (id, session) = sessions.create("admin");
        assert_eq!(session.username, "admin");
        assert!(sessions.touch(&id).is_some());
        std::thread::sleep(Duration::from_millis(70));
        assert!(sessions.touch(&id).is_none(), "idle timeout");

        let (id, _) = sessions.create("admin");
        for _ in 0..4 {
            std::thread::sleep(Duration::from_millis(35));
            let _ = sessions.touch(&id);
        }
        assert!(
            sessions.touch(&id).is_none(),
            "absolute timeout despite activity"
        );

        let (id, _) = sessions.create("admin");
        sessions.remove(&id);
        assert!(sessions.touch(&id).is_none());
    }

    #[test]
    fn an_admins_sessions_end_together_except_the_one_kept() {
        let sessions = Sessions::new(Duration::from_secs(60), Duration::from_secs(60));
        let (a, _) = sessions.create("admin");
        let (b, _) = sessions.create("admin");
        let (other, _) = sessions.create("jane");
        assert_eq!(sessions.remove_all_of("admin", Some(&a)), 1);
        assert!(sessions.touch(&a).is_some());
        assert!(sessions.touch(&b).is_none());
        assert!(sessions.touch(&other).is_some(), "other admins keep theirs");
        assert_eq!(sessions.remove_all_of("admin", None), 1);
        assert!(sessions.touch(&a).is_none());
    }

    #[test]
    fn every_login_gets_a_new_id_and_token() {
        let sessions = Sessions::new(Duration::from_secs(60), Duration::from_secs(60));
        let (a, sa) = sessions.create("admin");
        let (b, sb) = sessions.create("admin");
        assert_ne!(a, b);
        assert_ne!(sa.csrf_token, sb.csrf_token);
        assert!(a.len() >= 40);
    }
}
