//! What the store holds: one document, persisted as one JSON file.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use switchboard_core::chatbot::ChatbotSettings;
use switchboard_core::display_rules::{CalendarSource, DisplayRules};
use switchboard_core::resolution::{resolve, Effective, Source};
use switchboard_core::settings::{
    named_chatbot, ChatSettings, ChatbotStatus, InstanceChatSettings,
};
use switchboard_core::site::Site;
use switchboard_core::wire::ChatbotUse;

use super::audit::AuditEntry;

/// Bumped when the layout changes incompatibly; a newer file is refused.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub schema_version: u32,
    /// The last revision handed out. Every write gives each record it changes
    /// a new, never reused revision, so an ETag never matches a different
    /// version of a record (even one deleted and created again).
    pub last_revision: u64,
    pub instance_click_to_chat: Versioned<InstanceChatSettings>,
    /// The instance's display rules (revision 0: none saved).
    #[serde(default)]
    pub instance_rules: Versioned<DisplayRules>,
    pub sites: BTreeMap<String, SiteRecord>,
    /// Admin accounts by user name.
    #[serde(default)]
    pub admins: BTreeMap<String, AdminRecord>,
    /// API access keys by id. Only a hash of each key is kept.
    #[serde(default)]
    pub api_keys: BTreeMap<String, ApiKeyRecord>,
    /// Chatbots by id, with their secrets (see [`ChatbotRecord`]).
    #[serde(default)]
    pub chatbots: BTreeMap<String, ChatbotRecord>,
    /// How long conversations with chatbots are kept.
    #[serde(default)]
    pub conversation_settings: switchboard_core::transcripts::ConversationSettings,
    /// The audit entry of the last change, saved with it: if the process
    /// stops before the entry reaches the audit log, the next start writes it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audit_tail: Vec<AuditEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminRecord {
    pub username: String,
    /// Argon2id, PHC string format.
    pub password_hash: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKeyRecord {
    pub id: String,
    pub name: String,
    /// The first characters of the key, shown so people can tell keys apart.
    pub prefix: String,
    /// SHA-256 of the whole key, hex.
    pub hash: String,
    pub created_at: String,
    pub created_by: String,
    #[serde(default)]
    pub last_used_at: Option<String>,
    #[serde(default)]
    pub regenerated_at: Option<String>,
}

impl Default for Document {
    fn default() -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            last_revision: 0,
            instance_click_to_chat: Versioned {
                revision: 0,
                value: InstanceChatSettings::default(),
            },
            instance_rules: Versioned::default(),
            sites: BTreeMap::new(),
            admins: BTreeMap::new(),
            api_keys: BTreeMap::new(),
            chatbots: BTreeMap::new(),
            conversation_settings: Default::default(),
            audit_tail: Vec::new(),
        }
    }
}

impl Document {
    pub fn next_revision(&mut self) -> u64 {
        self.last_revision += 1;
        self.last_revision
    }

    /// Whether settings may name chatbot `id` as a site's chat.
    pub fn chatbot_status(&self, id: &str) -> ChatbotStatus {
        match self.chatbots.get(id) {
            None => ChatbotStatus::Missing,
            Some(bot) if bot.settings.site_chat => ChatbotStatus::ForSites,
            Some(_) => ChatbotStatus::NotForSites,
        }
    }

    /// Which settings name chatbot `id`, and which sites' visitors get it.
    pub fn chatbot_use(&self, id: &str) -> ChatbotUse {
        let instance = &self.instance_click_to_chat.value;
        let mut used = ChatbotUse {
            instance: named_chatbot(instance.provider, &instance.account) == Some(id)
                || rules_name_chatbot(&self.instance_rules.value, id),
            ..ChatbotUse::default()
        };
        for (site, record) in &self.sites {
            let own_settings = record.click_to_chat.as_ref().is_some_and(|own| {
                named_chatbot(own.value.provider, &own.value.account) == Some(id)
            });
            let own_rules = record
                .rules
                .as_ref()
                .is_some_and(|rules| rules_name_chatbot(&rules.value, id));
            if own_settings || own_rules {
                used.site_settings.push(site.clone());
            }
            let effective = self.effective(record);
            let in_rules = self
                .rules_for(record)
                .1
                .is_some_and(|rules| rules_name_chatbot(&rules.value, id));
            if effective.enabled()
                && (named_chatbot(effective.provider, &effective.account) == Some(id) || in_rules)
            {
                used.sites.push(site.clone());
            }
        }
        used
    }

    /// The display rules that apply to `record`: those of the settings that
    /// apply (`None`: none saved there).
    pub fn rules_for<'a>(
        &'a self,
        record: &'a SiteRecord,
    ) -> (Source, Option<&'a Versioned<DisplayRules>>) {
        match self.effective(record).source {
            Source::Instance => (
                Source::Instance,
                Some(&self.instance_rules).filter(|r| r.revision > 0),
            ),
            Source::Site => (Source::Site, record.rules.as_ref()),
        }
    }

    /// Every calendar feed URL some display rules use.
    pub fn feed_urls(&self) -> Vec<String> {
        let mut urls: Vec<String> = std::iter::once(&self.instance_rules.value)
            .chain(
                self.sites
                    .values()
                    .filter_map(|r| r.rules.as_ref().map(|v| &v.value)),
            )
            .filter_map(|rules| match rules.hours.as_ref()?.calendar.as_ref()? {
                CalendarSource::Feed { url } => Some(url.clone()),
                CalendarSource::File { .. } => None,
            })
            .collect();
        urls.sort();
        urls.dedup();
        urls
    }

    /// The settings that apply to `record`, and why.
    pub fn effective(&self, record: &SiteRecord) -> Effective {
        resolve(
            &self.instance_click_to_chat.value,
            record.click_to_chat.as_ref().map(|v| &v.value),
        )
    }
}

/// A value with the revision of its last write (0: never written).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Versioned<T> {
    pub revision: u64,
    pub value: T,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SiteRecord {
    pub revision: u64,
    pub site: Site,
    /// `None` until the site's Click to Chat settings are first saved.
    pub click_to_chat: Option<Versioned<ChatSettings>>,
    /// `None` until the site's display rules are first saved.
    #[serde(default)]
    pub rules: Option<Versioned<DisplayRules>>,
}

/// A chatbot: its settings and its secrets. The model key, webhook token and
/// signing secret are kept as they are, since the server must send them; the
/// bot's own API key only as a hash. None of them leaves the server except in
/// the one answer that issued it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatbotRecord {
    pub id: String,
    pub revision: u64,
    pub settings: ChatbotSettings,
    #[serde(default)]
    pub model_api_key: Option<StoredSecret>,
    #[serde(default)]
    pub api_key: Option<HashedSecret>,
    #[serde(default)]
    pub webhook_token: Option<StoredSecret>,
    #[serde(default)]
    pub webhook_secret: Option<StoredSecret>,
    #[serde(default)]
    pub photo: Option<StoredImage>,
    #[serde(default)]
    pub cover: Option<StoredImage>,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
    #[serde(default)]
    pub last_activity_at: Option<String>,
    #[serde(default)]
    pub usage: TokenUsage,
    /// Set when the webhook's receiver answered `410 Gone`: deliveries stop
    /// until an admin saves the bot again.
    #[serde(default)]
    pub webhook_disabled: Option<WebhookDisabled>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookDisabled {
    pub at: String,
    pub reason: String,
}

/// A secret the server sends on (a model key, a webhook token or secret).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSecret {
    pub value: String,
    pub set_at: String,
}

impl StoredSecret {
    pub fn new(value: String, set_at: String) -> Self {
        Self { value, set_at }
    }

    /// `…` and the last four characters.
    pub fn hint(&self) -> String {
        let chars: Vec<char> = self.value.chars().collect();
        let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
        format!("…{tail}")
    }
}

/// Never prints the value.
impl std::fmt::Debug for StoredSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StoredSecret(***, set at {})", self.set_at)
    }
}

/// A key the server only checks: its first characters and a SHA-256 hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HashedSecret {
    pub prefix: String,
    pub hash: String,
    pub set_at: String,
    #[serde(default)]
    pub last_used_at: Option<String>,
}

/// A profile image, a file of its own (see `store::images`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredImage {
    /// The file's name, which changes with every upload (so it can be cached forever).
    pub file: String,
    pub content_type: String,
    pub width: u32,
    pub height: u32,
}

/// Tokens the model used on `day` (UTC, `YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TokenUsage {
    pub day: String,
    pub tokens: u64,
}

impl TokenUsage {
    pub fn on(&self, day: &str) -> u64 {
        if self.day == day {
            self.tokens
        } else {
            0
        }
    }

    pub fn add(&mut self, day: &str, tokens: u64) {
        if self.day != day {
            self.day = day.to_string();
            self.tokens = 0;
        }
        self.tokens = self.tokens.saturating_add(tokens);
    }
}

/// Whether display rules show chatbot `id` (outside hours, or as a language's chat).
pub fn rules_name_chatbot(rules: &DisplayRules, id: &str) -> bool {
    rules
        .hours
        .as_ref()
        .is_some_and(|h| h.chatbot.as_deref() == Some(id))
        || rules
            .languages
            .iter()
            .any(|l| named_chatbot(Some(l.provider), &l.account) == Some(id))
}
