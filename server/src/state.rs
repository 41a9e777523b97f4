//! What every handler shares: the store and the authentication state. Built
//! from the configuration by start-up and by the tests alike.

use std::sync::Arc;

use crate::auth::{Auth, AuthConfig};
use crate::configuration::Config;
use crate::store::Store;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    pub auth: Arc<Auth>,
}

impl AppState {
    pub fn new(config: &Config, store: Arc<Store>) -> Self {
        Self {
            store,
            auth: Arc::new(Auth::new(AuthConfig::from_config(config))),
        }
    }
}
