//! Conversations as the rest of the server sees them: starting one,
//! storing what the visitor, the model and the bot program say, and telling
//! the bot's webhook and the bot API's waiting readers.

use std::sync::Arc;

use serde_json::json;
use tokio::sync::watch;

use crate::store::conversations::{
    Author, ConversationEvent, ConversationLog, ConversationRecord, Origin,
};
use crate::store::{ChatbotRecord, Store, StoreError};
use switchboard_core::visitor_chat::Visitor;

use super::webhooks::Webhooks;

pub struct Chats {
    log: Arc<dyn ConversationLog>,
    webhooks: Arc<Webhooks>,
    store: Arc<Store>,
    /// The newest record's position, for readers waiting for new ones.
    latest: watch::Sender<u64>,
}

/// The event a webhook receives for a record (starts and messages only).
pub fn webhook_payload(
    bot: &ChatbotRecord,
    record: &ConversationRecord,
    origin: Option<&Origin>,
) -> Option<(&'static str, String)> {
    let (kind, data) = match &record.event {
        ConversationEvent::Started { origin, visitor } => (
            "conversation.started",
            json!({
                "bot": {"id": bot.id, "name": bot.settings.name},
                "conversation": {"id": record.conversation, "origin": origin, "visitor": visitor},
            }),
        ),
        ConversationEvent::Message { author, text, .. } => (
            "message.created",
            json!({
                "bot": {"id": bot.id, "name": bot.settings.name},
                "conversation": {"id": record.conversation, "origin": origin},
                "message": {"id": record.seq.to_string(), "author": author, "text": text, "at": record.at},
            }),
        ),
        _ => return None,
    };
    let body = json!({"type": kind, "timestamp": record.at, "data": data});
    Some((kind, body.to_string()))
}

impl Chats {
    pub fn new(
        log: Arc<dyn ConversationLog>,
        webhooks: Arc<Webhooks>,
        store: Arc<Store>,
    ) -> Arc<Self> {
        let latest = watch::Sender::new(log.last_seq());
        Arc::new(Self {
            log,
            webhooks,
            store,
            latest,
        })
    }

    pub fn log(&self) -> &Arc<dyn ConversationLog> {
        &self.log
    }

    /// A receiver of the newest position, for waiting until it changes.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.latest.subscribe()
    }

    async fn append(
        &self,
        conversation: String,
        bot: String,
        event: ConversationEvent,
    ) -> Result<ConversationRecord, StoreError> {
        let log = Arc::clone(&self.log);
        let record = tokio::task::spawn_blocking(move || log.append(&conversation, &bot, event))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))??;
        self.latest.send_replace(record.seq);
        Ok(record)
    }

    /// Queues the record for the bot's webhook (a file write: off the runtime).
    async fn notify_webhook(
        &self,
        bot_id: &str,
        record: &ConversationRecord,
        origin: Option<&Origin>,
    ) {
        let Some(bot) = self.store.snapshot().document.chatbots.get(bot_id).cloned() else {
            return;
        };
        let Some((kind, payload)) = webhook_payload(&bot, record, origin) else {
            return;
        };
        let webhooks = Arc::clone(&self.webhooks);
        let queued =
            tokio::task::spawn_blocking(move || webhooks.enqueue(&bot, kind, payload)).await;
        if !matches!(queued, Ok(Ok(()))) {
            tracing::error!(bot = bot_id, "cannot queue a webhook delivery");
        }
    }

    /// Starts a conversation with `bot`.
    pub async fn start(
        &self,
        bot: &str,
        origin: Origin,
        visitor: Option<Visitor>,
    ) -> Result<ConversationRecord, StoreError> {
        let id = format!(
            "c_{}",
            crate::auth::random_token(12).replace(['-', '_'], "x")
        );
        let record = self
            .append(
                id,
                bot.to_string(),
                ConversationEvent::Started {
                    origin: origin.clone(),
                    visitor,
                },
            )
            .await?;
        self.notify_webhook(bot, &record, Some(&origin)).await;
        Ok(record)
    }

    /// Stores what the visitor said and sends it to the bot's webhook.
    pub async fn visitor_says(
        &self,
        bot: &str,
        conversation: &str,
        text: String,
    ) -> Result<ConversationRecord, StoreError> {
        let record = self
            .append(
                conversation.to_string(),
                bot.to_string(),
                ConversationEvent::Message {
                    author: Author::Visitor,
                    text,
                    model: None,
                },
            )
            .await?;
        let origin = self.origin_of(conversation);
        self.notify_webhook(bot, &record, origin.as_ref()).await;
        Ok(record)
    }

    /// Stores an answer (the model's, naming the model, or the bot program's).
    pub async fn bot_says(
        &self,
        bot: &str,
        conversation: &str,
        author: Author,
        text: String,
        model: Option<String>,
    ) -> Result<ConversationRecord, StoreError> {
        self.append(
            conversation.to_string(),
            bot.to_string(),
            ConversationEvent::Message {
                author,
                text,
                model,
            },
        )
        .await
    }

    /// Stores what only the transcript shows (a vote, a refusal, who the
    /// visitor became): the bot's webhook is not told.
    pub async fn note(
        &self,
        bot: &str,
        conversation: &str,
        event: ConversationEvent,
    ) -> Result<ConversationRecord, StoreError> {
        self.append(conversation.to_string(), bot.to_string(), event)
            .await
    }

    fn origin_of(&self, conversation: &str) -> Option<Origin> {
        self.log.summary(conversation)?.origin
    }
}
