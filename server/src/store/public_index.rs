//! The public widget config of every site, serialized once per write so the
//! hot path (`GET /api/v1/widget/config`) is a map lookup.

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use switchboard_core::display_rules::PublicRules;
use switchboard_core::hours::public_rules;
use switchboard_core::public_config::PublicConfig;
use switchboard_core::settings::ChatbotStatus;

use super::calendars::Calendars;
use super::document::{Document, SiteRecord};

#[derive(Debug)]
pub struct PublicEntry {
    pub body: Bytes,
    /// Strong ETag (quoted), derived from the body.
    pub etag: String,
}

#[derive(Debug, Default)]
pub struct PublicIndex {
    by_site: HashMap<String, Arc<PublicEntry>>,
    by_host: HashMap<String, Arc<PublicEntry>>,
}

impl PublicIndex {
    /// The configs as of `now` (Unix seconds): business hours are given for
    /// the days from then.
    pub fn build(document: &Document, calendars: &Calendars, now: i64) -> Self {
        let mut index = Self::default();
        for (id, record) in &document.sites {
            let config = PublicConfig::new(id, &document.effective(record))
                .with_rules(site_rules(document, calendars, record, now).unwrap_or_default());
            // Serializing plain structs of strings and bools cannot fail.
            let body = serde_json::to_vec(&config).unwrap_or_default();
            let etag = format!("\"{:016x}\"", fnv1a(&body));
            let entry = Arc::new(PublicEntry {
                body: Bytes::from(body),
                etag,
            });
            for domain in &record.site.domains {
                index.by_host.insert(domain.clone(), Arc::clone(&entry));
            }
            index.by_site.insert(id.clone(), entry);
        }
        index
    }

    pub fn for_site(&self, id: &str) -> Option<&Arc<PublicEntry>> {
        self.by_site.get(id)
    }

    pub fn for_host(&self, host: &str) -> Option<&Arc<PublicEntry>> {
        self.by_host.get(host)
    }
}

/// The display rules that apply to `record`, as the widget gets them at
/// `now` (`None`: none saved where its settings come from).
pub fn site_rules(
    document: &Document,
    calendars: &Calendars,
    record: &SiteRecord,
    now: i64,
) -> Option<PublicRules> {
    let usable = |bot: &str| document.chatbot_status(bot) == ChatbotStatus::ForSites;
    document.rules_for(record).1.map(|rules| {
        let calendar = rules
            .value
            .hours
            .as_ref()
            .and_then(|h| h.calendar.as_ref())
            .and_then(|source| calendars.calendar(source));
        public_rules(&rules.value, calendar.as_deref(), usable, now)
    })
}

/// FNV-1a, 64 bits: stable across builds and restarts, so caches keep their
/// ETags when the server restarts with unchanged data.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}
