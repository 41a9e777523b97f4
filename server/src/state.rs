//! What every handler shares: the store and the authentication state. Built
//! from the configuration by start-up and by the tests alike.

use std::sync::Arc;

use crate::auth::{Auth, AuthConfig};
use crate::configuration::Config;
use crate::egress::{Egress, EgressPolicy};
use crate::store::{images::ProfileImages, Store};

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    pub auth: Arc<Auth>,
    pub egress: Egress,
    pub images: ProfileImages,
}

impl AppState {
    pub fn new(config: &Config, store: Arc<Store>) -> anyhow::Result<Self> {
        let policy = EgressPolicy::new(config.egress_allow.clone());
        Ok(Self {
            store,
            auth: Arc::new(Auth::new(AuthConfig::from_config(config))),
            egress: Egress::new(policy, config.egress_proxy.as_ref())?,
            images: ProfileImages::new(&config.data_dir),
        })
    }
}
