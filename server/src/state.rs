//! What every handler shares: the store and the authentication state. Built
//! from the configuration by start-up and by the tests alike.

use std::sync::Arc;

use crate::auth::{Auth, AuthConfig};
use crate::bots::model::ModelTimeouts;
use crate::configuration::Config;
use crate::egress::{Egress, EgressPolicy};
use crate::store::{images::ProfileImages, Store};
use tokio::sync::Semaphore;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    pub auth: Arc<Auth>,
    pub egress: Egress,
    pub images: ProfileImages,
    pub model_timeouts: ModelTimeouts,
    /// One permit per model call running (`--max-model-calls`).
    pub model_calls: Arc<Semaphore>,
}

impl AppState {
    pub fn new(config: &Config, store: Arc<Store>) -> anyhow::Result<Self> {
        let policy = EgressPolicy::new(config.egress_allow.clone());
        Ok(Self {
            store,
            auth: Arc::new(Auth::new(AuthConfig::from_config(config))),
            egress: Egress::new(policy, config.egress_proxy.as_ref())?,
            images: ProfileImages::new(&config.data_dir),
            model_timeouts: ModelTimeouts::new(config.model_timeout.0),
            model_calls: Arc::new(Semaphore::new(config.max_model_calls as usize)),
        })
    }
}
