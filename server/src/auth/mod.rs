//! Authentication state without HTTP: sessions, the sign-in throttle, password
//! hashing, API keys, the sign-in audit, and who a request acts as
//! ([`Principal`]). How requests carry them (cookies, headers, the layer
//! around the admin routes) is in `api::authn`.

pub mod api_keys;
pub mod login_audit;
pub mod password;
pub mod sessions;
pub mod throttle;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use rand_core::{OsRng, RngCore};

use crate::configuration::Config;
use crate::store::{audit::ActorKind, now_rfc3339, Actor, Store};
use login_audit::LoginAudit;
use sessions::Sessions;
use throttle::LoginThrottle;

/// A key's last use is written to the store at most this often.
const KEY_USE_PERSIST_EVERY: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// Cookies get `Secure` and the `__Host-` prefix (the server is behind https).
    pub secure_cookies: bool,
    /// The origin browsers use for the admin app (`https://chat.example.com`);
    /// when `None`, the request's own `Host` is the origin.
    pub public_origin: Option<String>,
    /// Take the client address from the last `X-Forwarded-For` entry.
    pub trust_forwarded_for: bool,
    pub session_idle: Duration,
    pub session_absolute: Duration,
}

impl AuthConfig {
    pub fn from_config(config: &Config) -> Self {
        Self {
            secure_cookies: config
                .public_url
                .as_deref()
                .is_some_and(|url| url.starts_with("https://")),
            public_origin: config.public_url.clone(),
            trust_forwarded_for: config.trust_forwarded_for,
            session_idle: config.session_idle.0,
            session_absolute: config.session_max.0,
        }
    }
}

pub struct Auth {
    pub config: AuthConfig,
    pub sessions: Sessions,
    pub throttle: LoginThrottle,
    pub login_audit: LoginAudit,
    /// When each key's last use was last written to the store.
    key_uses_persisted: Mutex<HashMap<String, Instant>>,
}

impl Auth {
    pub fn new(config: AuthConfig) -> Self {
        Self {
            sessions: Sessions::new(config.session_idle, config.session_absolute),
            config,
            throttle: LoginThrottle::default(),
            login_audit: LoginAudit::default(),
            key_uses_persisted: Mutex::new(HashMap::new()),
        }
    }

    /// Writes the key's last use to the store, at most once a minute per key.
    pub async fn note_key_use(&self, store: &Store, id: &str) {
        let now = Instant::now();
        {
            let mut persisted = match self.key_uses_persisted.lock() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            };
            if persisted
                .get(id)
                .is_some_and(|at| now.duration_since(*at) < KEY_USE_PERSIST_EVERY)
            {
                return;
            }
            persisted.insert(id.to_string(), now);
        }
        let stamp = now_rfc3339();
        let result = store
            .update(|document| {
                if let Some(key) = document.api_keys.get_mut(id) {
                    key.last_used_at = Some(stamp);
                }
                Ok::<_, crate::store::StoreError>(())
            })
            .await;
        if let Err(error) = result {
            tracing::warn!(%error, "could not record an API key's last use");
        }
    }
}

/// Random bytes, base64url without padding.
pub fn random_token(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buffer);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buffer)
}

/// Who a request acts as, once authenticated.
#[derive(Debug, Clone)]
pub enum Principal {
    Session {
        username: String,
        session_id: String,
        csrf_token: String,
    },
    ApiKey {
        id: String,
        name: String,
    },
}

impl Principal {
    pub fn actor(&self) -> Actor {
        match self {
            Self::Session { username, .. } => Actor::user(username),
            Self::ApiKey { id, name } => Actor {
                kind: ActorKind::ApiKey,
                name: name.clone(),
                key_id: Some(id.clone()),
            },
        }
    }
}
