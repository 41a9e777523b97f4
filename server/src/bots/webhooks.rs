//! Webhook deliveries, per Standard Webhooks: each event is a JSON body
//! signed with the bot's `whsec_` secret (`webhook-id`, `webhook-timestamp`,
//! `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`),
//! with `Authorization: Bearer <token>` when the bot has an access token.
//!
//! Only a 2xx answer delivers. Anything else is retried on the schedule
//! (`--webhook-retry-seconds`, with ±20 % jitter; a `Retry-After` the
//! receiver sends wins), and after the last retry the delivery has failed.
//! `410 Gone` stops at once and disables the bot's webhook until an admin
//! saves the bot again. Redirects are not followed (a 3xx is a failure).
//! Pending deliveries live in the [`DeliveryStore`], so a restart resumes them.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use sha2::Sha256;
use tokio::sync::{Notify, Semaphore};
use url::Url;

use crate::egress::{Egress, Outbound};
use crate::store::deliveries::{Attempt, Delivery, DeliveryStatus, DeliveryStore};
use crate::store::{now_rfc3339, ChatbotRecord, Store, StoreError, WebhookDisabled};

use super::secrets::WEBHOOK_SECRET_PREFIX;

/// Standard Webhooks' suggested schedule: now, then 5 s, 5 min, 30 min,
/// 2 h, 5 h, 10 h, 14 h, 20 h and 24 h after the previous attempt.
pub const DEFAULT_RETRY_SECONDS: &[u64] = &[5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400];
/// Longest wait a `Retry-After` may ask for.
const MAX_RETRY_AFTER: u64 = 86400;
/// How long one attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(15);
/// Attempts running at once, for all bots.
const PARALLEL: usize = 4;

/// The signature header's value for one attempt.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix(WEBHOOK_SECRET_PREFIX).unwrap_or(secret))
        .ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    Some(format!("v1,{signature}"))
}

fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// `base` seconds, give or take a fifth, in milliseconds.
fn jittered(base: u64) -> i64 {
    let millis = base.saturating_mul(1000) as i64;
    let spread = millis / 5;
    if spread == 0 {
        return millis;
    }
    let offset = (OsRng.next_u64() % (2 * spread as u64 + 1)) as i64 - spread;
    millis + offset
}

pub struct Webhooks {
    deliveries: Arc<dyn DeliveryStore>,
    store: Arc<Store>,
    egress: Egress,
    schedule: Vec<u64>,
    wake: Notify,
}

impl Webhooks {
    pub fn new(
        deliveries: Arc<dyn DeliveryStore>,
        store: Arc<Store>,
        egress: Egress,
        schedule: Vec<u64>,
    ) -> Arc<Self> {
        Arc::new(Self {
            deliveries,
            store,
            egress,
            schedule,
            wake: Notify::new(),
        })
    }

    pub fn deliveries(&self) -> &Arc<dyn DeliveryStore> {
        &self.deliveries
    }

    /// Queues `event` for `bot`'s webhook, if it has one that is not disabled.
    pub fn enqueue(
        &self,
        bot: &ChatbotRecord,
        event: &str,
        payload: String,
    ) -> Result<(), StoreError> {
        if bot.settings.webhook.is_none() || bot.webhook_disabled.is_some() {
            return Ok(());
        }
        let delivery = Delivery {
            id: format!("msg_{}", crate::auth::random_token(18)),
            bot: bot.id.clone(),
            event: event.to_string(),
            payload,
            created_at: now_rfc3339(),
            status: DeliveryStatus::Pending,
            attempts: Vec::new(),
            next_attempt_at: Some(now_ms()),
            reason: None,
        };
        self.deliveries.add(delivery)?;
        self.wake.notify_one();
        Ok(())
    }

    /// "Send again": the delivery is tried once more now, with its id.
    pub fn resend(&self, id: &str) -> Result<Option<Delivery>, StoreError> {
        let Some(mut delivery) = self.deliveries.get(id) else {
            return Ok(None);
        };
        delivery.status = DeliveryStatus::Pending;
        delivery.next_attempt_at = Some(now_ms());
        delivery.reason = None;
        self.deliveries.put(delivery.clone())?;
        self.wake.notify_one();
        Ok(Some(delivery))
    }

    /// Runs the deliveries for the life of the server.
    pub async fn run(self: Arc<Self>) {
        let parallel = Arc::new(Semaphore::new(PARALLEL));
        let in_flight = Arc::new(std::sync::Mutex::new(
            std::collections::HashSet::<String>::new(),
        ));
        loop {
            let due = {
                let deliveries = Arc::clone(&self.deliveries);
                tokio::task::spawn_blocking(move || deliveries.due(now_ms(), 32))
                    .await
                    .unwrap_or_default()
            };
            for delivery in due {
                let fresh = in_flight
                    .lock()
                    .map(|mut set| set.insert(delivery.id.clone()))
                    .unwrap_or(false);
                if !fresh {
                    continue;
                }
                let Ok(permit) = Arc::clone(&parallel).acquire_owned().await else {
                    return;
                };
                let (this, in_flight) = (Arc::clone(&self), Arc::clone(&in_flight));
                tokio::spawn(async move {
                    let id = delivery.id.clone();
                    this.attempt(delivery).await;
                    if let Ok(mut set) = in_flight.lock() {
                        set.remove(&id);
                    }
                    drop(permit);
                    this.wake.notify_one();
                });
            }
            let wait = self
                .deliveries
                .next_due()
                .map(|at| Duration::from_millis((at - now_ms()).clamp(50, 60_000) as u64))
                .unwrap_or(Duration::from_secs(60));
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    async fn attempt(&self, mut delivery: Delivery) {
        let bot = self
            .store
            .snapshot()
            .document
            .chatbots
            .get(&delivery.bot)
            .cloned();
        let target = bot.as_ref().and_then(|bot| {
            let webhook = bot.settings.webhook.as_ref()?;
            let secret = bot.webhook_secret.as_ref()?;
            Some((
                webhook.clone(),
                secret.value.clone(),
                bot.webhook_token.clone(),
            ))
        });
        let Some((webhook, secret, token)) =
            target.filter(|_| bot.as_ref().is_some_and(|b| b.webhook_disabled.is_none()))
        else {
            delivery.status = DeliveryStatus::Cancelled;
            delivery.next_attempt_at = None;
            delivery.reason = Some("the bot has no (enabled) webhook any more".into());
            self.save(delivery).await;
            return;
        };
        let started = std::time::Instant::now();
        let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
        let body = Bytes::from(delivery.payload.clone());
        let outcome = match (
            Url::parse(&webhook.url),
            sign(&secret, &delivery.id, timestamp, &body),
        ) {
            (Ok(url), Some(signature)) => {
                let mut request = Outbound::post(url, body)
                    .header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                for (name, value) in [
                    ("webhook-id", delivery.id.clone()),
                    ("webhook-timestamp", timestamp.to_string()),
                    ("webhook-signature", signature),
                ] {
                    if let Ok(value) = HeaderValue::from_str(&value) {
                        request = request.header(HeaderName::from_static(name), value);
                    }
                }
                if let Some(token) = token {
                    if let Ok(mut value) = HeaderValue::from_str(&format!("Bearer {}", token.value))
                    {
                        value.set_sensitive(true);
                        request = request.header(AUTHORIZATION, value);
                    }
                }
                request.timeout = ATTEMPT_TIMEOUT;
                request.max_response_bytes = 64 * 1024;
                request.via_proxy = webhook.use_proxy;
                self.egress.send(request).await.map_err(|e| e.to_string())
            }
            _ => Err("the webhook URL or secret cannot be used".into()),
        };
        let duration_ms = started.elapsed().as_millis() as u64;
        let (status, error, retry_after) = match &outcome {
            Ok(reply) => {
                let retry_after = reply
                    .headers
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok());
                let note = (!(200..300).contains(&reply.status)).then(|| {
                    let text = String::from_utf8_lossy(&reply.body);
                    let short: String = text.chars().take(200).collect();
                    format!("answered {}: {short}", reply.status)
                });
                (Some(reply.status), note, retry_after)
            }
            Err(error) => (None, Some(error.clone()), None),
        };
        delivery.attempts.push(Attempt {
            at: now_rfc3339(),
            duration_ms,
            response_status: status,
            error,
        });
        match status {
            Some(200..=299) => {
                delivery.status = DeliveryStatus::Delivered;
                delivery.next_attempt_at = None;
            }
            Some(410) => {
                delivery.status = DeliveryStatus::Cancelled;
                delivery.next_attempt_at = None;
                delivery.reason =
                    Some("the receiver answered 410 Gone: the webhook is disabled".into());
                self.disable(&delivery.bot).await;
            }
            _ => {
                // Attempts after the first follow the schedule.
                let retries_done = delivery.attempts.len().saturating_sub(1);
                match self.schedule.get(retries_done) {
                    Some(base) => {
                        let wait = match retry_after {
                            Some(seconds) => seconds.min(MAX_RETRY_AFTER) as i64 * 1000,
                            None => jittered(*base),
                        };
                        delivery.next_attempt_at = Some(now_ms() + wait.max(0));
                    }
                    None => {
                        delivery.status = DeliveryStatus::Failed;
                        delivery.next_attempt_at = None;
                        delivery.reason = Some(format!(
                            "no success after {} attempts",
                            delivery.attempts.len()
                        ));
                    }
                }
            }
        }
        self.save(delivery).await;
    }

    async fn save(&self, delivery: Delivery) {
        let deliveries = Arc::clone(&self.deliveries);
        let id = delivery.id.clone();
        let saved = tokio::task::spawn_blocking(move || deliveries.put(delivery)).await;
        if !matches!(saved, Ok(Ok(()))) {
            tracing::error!(delivery = %id, "cannot record a webhook delivery's outcome");
        }
    }

    async fn disable(&self, bot: &str) {
        let result = self
            .store
            .update(|document| {
                if let Some(record) = document.chatbots.get_mut(bot) {
                    record.webhook_disabled = Some(WebhookDisabled {
                        at: now_rfc3339(),
                        reason: "the receiver answered 410 Gone".into(),
                    });
                }
                Ok::<_, StoreError>(())
            })
            .await;
        if let Err(error) = result {
            tracing::error!(%error, bot, "cannot disable a webhook that answered 410");
        }
        let _ = self
            .deliveries
            .cancel_bot(bot, "the webhook is disabled (410 Gone)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_the_standard_webhooks_example() {
        // The example in the Standard Webhooks specification.
        let signature = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(
            signature.as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
        assert_eq!(sign("whsec_not base64!", "id", 1, b""), None);
    }

    #[test]
    fn jitter_stays_within_a_fifth() {
        for _ in 0..100 {
            let wait = jittered(10);
            assert!((8000..=12000).contains(&wait), "{wait}");
        }
        assert_eq!(jittered(0), 0);
    }
}
