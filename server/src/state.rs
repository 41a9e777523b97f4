//! What every handler shares: the store and the authentication state. Built
//! from the configuration by start-up and by the tests alike.

use std::sync::Arc;

use crate::auth::{Auth, AuthConfig};
use crate::bots::chats::Chats;
use crate::bots::model::ModelTimeouts;
use crate::bots::visitor_tokens::VisitorTokens;
use crate::bots::webhooks::Webhooks;
use crate::configuration::Config;
use crate::egress::{Egress, EgressPolicy};
use crate::rate_limit::RateLimiter;
use crate::store::conversations::FileConversationLog;
use crate::store::deliveries::FileDeliveryStore;
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
    pub webhooks: Arc<Webhooks>,
    pub chats: Arc<Chats>,
    pub visitor_tokens: Arc<VisitorTokens>,
    pub visitor_limits: Arc<VisitorLimits>,
    /// Wakes the retention sweep (the retention changed).
    pub retention: Arc<tokio::sync::Notify>,
    /// Wakes the calendar feed refresher (display rules name a new feed).
    pub calendar_feeds: Arc<tokio::sync::Notify>,
}

/// What visitors of the built-in assistants may send, per minute.
pub struct VisitorLimits {
    /// Per conversation (one visitor's browser).
    pub per_visitor: RateLimiter,
    /// Per address (an IPv6 /64): messages and new conversations together.
    pub per_address: RateLimiter,
    /// Per address: reads of messages and votes (an open panel reads about
    /// every 25 seconds).
    pub reads: RateLimiter,
}

impl AppState {
    pub fn new(config: &Config, store: Arc<Store>) -> anyhow::Result<Self> {
        let policy = EgressPolicy::new(config.egress_allow.clone());
        let egress = Egress::new(policy, config.egress_proxy.as_ref())?;
        let deliveries = Arc::new(FileDeliveryStore::open(&config.data_dir)?);
        let webhooks = Webhooks::new(
            deliveries,
            Arc::clone(&store),
            egress.clone(),
            config.webhook_retry_seconds.clone(),
        );
        let conversations = Arc::new(FileConversationLog::open(&config.data_dir)?);
        let chats = Chats::new(conversations, Arc::clone(&webhooks), Arc::clone(&store));
        let visitor_tokens = Arc::new(VisitorTokens::open(
            &config.data_dir,
            config.visitor_conversation_days,
        )?);
        let visitor_limits = Arc::new(VisitorLimits {
            per_visitor: RateLimiter::per_minute(config.visitor_messages_per_minute),
            per_address: RateLimiter::per_minute(config.address_messages_per_minute),
            reads: RateLimiter::per_minute(120),
        });
        Ok(Self {
            store,
            auth: Arc::new(Auth::new(AuthConfig::from_config(config))),
            egress,
            webhooks,
            chats,
            visitor_tokens,
            visitor_limits,
            retention: Arc::new(tokio::sync::Notify::new()),
            calendar_feeds: Arc::new(tokio::sync::Notify::new()),
            images: ProfileImages::new(&config.data_dir),
            model_timeouts: ModelTimeouts::new(config.model_timeout.0),
            model_calls: Arc::new(Semaphore::new(config.max_model_calls as usize)),
        })
    }
}
