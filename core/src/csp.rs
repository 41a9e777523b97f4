//! The Content-Security-Policy a host page needs for Switchboard and for the
//! provider a site uses: Switchboard's origin and `'wasm-unsafe-eval'` (the
//! loader is WebAssembly), plus the provider's own origins.
//!
//! Provider origins come from each provider's CSP documentation where it has
//! one, otherwise from public configurations (see `../shared/reference/
//! providers.md`, table 3); [`Policy::note`] says which.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::account::Account;
use crate::catalog::ProviderId;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Policy {
    /// Directive → sources, e.g. `"script-src" → ["https://chat.example.com", "'wasm-unsafe-eval'", …]`.
    pub directives: BTreeMap<&'static str, Vec<String>>,
    /// How sure the provider's part is.
    pub note: &'static str,
}

impl Policy {
    /// The policy as a header value: `script-src …; connect-src …`.
    pub fn header_value(&self) -> String {
        self.directives
            .iter()
            .map(|(name, sources)| format!("{name} {}", sources.join(" ")))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Adds what `other` allows (another chat a page may load: a language's
    /// account, the chatbot shown outside hours); a derived part makes the
    /// whole derived.
    pub fn merge(&mut self, other: Policy) {
        for (directive, sources) in other.directives {
            let sources: Vec<&str> = sources.iter().map(String::as_str).collect();
            self.add(directive, &sources);
        }
        if other.note != OFFICIAL {
            self.note = other.note;
        }
    }

    fn add(&mut self, directive: &'static str, sources: &[&str]) {
        let list = self.directives.entry(directive).or_default();
        for source in sources {
            if !list.iter().any(|s| s == source) {
                list.push((*source).to_string());
            }
        }
    }
}

const OFFICIAL: &str = "From the provider's own CSP documentation.";

impl Policy {
    /// `official` (from the provider's CSP documentation) or `derived` (from
    /// its embed code): what the admin app words in the admin's language.
    pub fn note_code(&self) -> &'static str {
        if self.note == OFFICIAL {
            "official"
        } else {
            "derived"
        }
    }
}
const DERIVED: &str = "The provider publishes no complete list; these origins come from its embed code and public configurations. Check the browser console for blocked requests after enabling the policy.";

/// The policy for a page of a site whose effective provider is `provider`
/// (`None`: no chat; only the loader's needs). `switchboard_origin` is where
/// `widget.js` is served from, e.g. `https://chat.example.com`.
pub fn host_page_policy(
    provider: Option<ProviderId>,
    account: &Account,
    switchboard_origin: &str,
) -> Policy {
    let mut policy = Policy {
        directives: BTreeMap::new(),
        note: OFFICIAL,
    };
    policy.add("script-src", &[switchboard_origin, "'wasm-unsafe-eval'"]);
    policy.add("connect-src", &[switchboard_origin]);
    let Some(provider) = provider else {
        return policy;
    };
    let unsafe_inline = "'unsafe-inline'";
    match provider {
        ProviderId::Chatwoot => {
            policy.note = DERIVED;
            let base = account
                .get("base_url")
                .unwrap_or("https://app.chatwoot.com");
            let host = base
                .trim_start_matches("https://")
                .split('/')
                .next()
                .unwrap_or_default();
            let websocket = format!("wss://{host}");
            policy.add("script-src", &[base]);
            policy.add("connect-src", &[base, &websocket]);
            policy.add("frame-src", &[base]);
            policy.add("img-src", &[base, "data:"]);
            policy.add("style-src", &[unsafe_inline]);
        }
        ProviderId::Crisp => {
            policy.add("script-src", &["https://client.crisp.chat"]);
            policy.add(
                "connect-src",
                &[
                    "https://client.crisp.chat",
                    "https://storage.crisp.chat",
                    "wss://client.relay.crisp.chat",
                    "wss://stream.relay.crisp.chat",
                ],
            );
            policy.add("frame-src", &["https://*.crisp.chat"]);
            policy.add(
                "img-src",
                &[
                    "https://image.crisp.chat",
                    "https://storage.crisp.chat",
                    "https://client.crisp.chat",
                    "data:",
                ],
            );
            policy.add("font-src", &["https://client.crisp.chat"]);
            policy.add("style-src", &[unsafe_inline, "https://client.crisp.chat"]);
            policy.add("worker-src", &["blob:"]);
        }
        ProviderId::Hubspot => {
            policy.note = DERIVED;
            let loader = format!(
                "https://{}",
                crate::catalog::hubspot_script_host(account.get("region"))
            );
            let app = if account.get("region") == Some("eu1") {
                "https://app-eu1.hubspot.com"
            } else {
                "https://app.hubspot.com"
            };
            policy.add(
                "script-src",
                &[
                    &loader,
                    "https://js.usemessages.com",
                    "https://js.hs-analytics.net",
                    "https://js.hs-banner.com",
                ],
            );
            policy.add(
                "connect-src",
                &[
                    "https://*.hubspot.com",
                    "https://*.hubapi.com",
                    "wss://*.hubspot.com",
                ],
            );
            policy.add("frame-src", &[app]);
            policy.add("style-src", &[unsafe_inline]);
        }
        ProviderId::Intercom => {
            policy.note = DERIVED;
            policy.add(
                "script-src",
                &["https://widget.intercom.io", "https://js.intercomcdn.com"],
            );
            policy.add(
                "connect-src",
                &[
                    "https://*.intercom.io",
                    "wss://*.intercom.io",
                    "https://uploads.intercomcdn.com",
                    "https://uploads.intercomusercontent.com",
                ],
            );
            policy.add(
                "img-src",
                &[
                    "https://*.intercomcdn.com",
                    "https://static.intercomassets.com",
                    "https://uploads.intercomusercontent.com",
                    "data:",
                    "blob:",
                ],
            );
            policy.add(
                "font-src",
                &[
                    "https://js.intercomcdn.com",
                    "https://fonts.intercomcdn.com",
                ],
            );
            policy.add("media-src", &["https://js.intercomcdn.com"]);
            policy.add("frame-src", &["https://intercom-sheets.com"]);
            policy.add("style-src", &[unsafe_inline]);
        }
        ProviderId::Jivochat => {
            policy.note = DERIVED;
            policy.add("script-src", &["https://code.jivosite.com"]);
            policy.add(
                "connect-src",
                &["https://*.jivosite.com", "wss://*.jivosite.com"],
            );
            policy.add("frame-src", &["https://*.jivosite.com"]);
            policy.add("img-src", &["https://*.jivosite.com", "data:"]);
            policy.add("style-src", &[unsafe_inline]);
        }
        ProviderId::Livechat => {
            policy.add("script-src", &["https://*.livechatinc.com"]);
            policy.add(
                "connect-src",
                &["https://*.livechatinc.com", "wss://*.livechatinc.com"],
            );
            policy.add("frame-src", &["https://*.livechatinc.com"]);
            policy.add("img-src", &["https://*.livechatinc.com", "data:"]);
            policy.add("style-src", &[unsafe_inline]);
        }
        ProviderId::Liveperson => {
            // LivePerson's own list needs inline and eval'd script.
            policy.add(
                "script-src",
                &[
                    unsafe_inline,
                    "'unsafe-eval'",
                    "https://*.lpsnmedia.net",
                    "https://*.liveperson.net",
                ],
            );
            policy.add(
                "connect-src",
                &[
                    "wss://*.liveperson.net",
                    "https://*.liveperson.net",
                    "https://*.lpsnmedia.net",
                ],
            );
            policy.add(
                "frame-src",
                &["https://*.lpsnmedia.net", "https://*.liveperson.net"],
            );
            policy.add(
                "img-src",
                &[
                    "https://*.lpsnmedia.net",
                    "https://*.liveperson.net",
                    "data:",
                ],
            );
            policy.add("media-src", &["blob:"]);
            policy.add("style-src", &[unsafe_inline]);
        }
        ProviderId::Smartsupp => {
            policy.add(
                "script-src",
                &[
                    unsafe_inline,
                    "https://*.smartsuppchat.com",
                    "https://*.smartsuppcdn.com",
                ],
            );
            policy.add(
                "connect-src",
                &[
                    "wss://*.smartsupp.com",
                    "https://*.smartsupp.com",
                    "https://*.smartsuppchat.com",
                    "https://*.smartsuppcdn.com",
                ],
            );
            policy.add("img-src", &["https://*.smartsuppcdn.com"]);
            policy.add("font-src", &["https://*.smartsuppcdn.com"]);
            policy.add("media-src", &["https://*.smartsuppcdn.com"]);
            policy.add("style-src", &[unsafe_inline]);
        }
        ProviderId::Tawkto => {
            policy.note = DERIVED;
            policy.add(
                "script-src",
                &["https://embed.tawk.to", "https://*.tawk.to"],
            );
            policy.add("connect-src", &["https://*.tawk.to", "wss://*.tawk.to"]);
            policy.add("frame-src", &["https://*.tawk.to"]);
            policy.add("img-src", &["https://*.tawk.to", "data:"]);
            policy.add("font-src", &["https://*.tawk.to"]);
            policy.add("style-src", &[unsafe_inline, "https://*.tawk.to"]);
        }
        ProviderId::Tidio => {
            policy.note = DERIVED;
            policy.add("script-src", &["https://code.tidio.co"]);
            policy.add(
                "connect-src",
                &[
                    "https://*.tidio.co",
                    "wss://socket.tidio.co",
                    "https://*.tidiochat.com",
                ],
            );
            policy.add(
                "img-src",
                &[
                    "https://avatars.tidiochat.com",
                    "https://code.tidio.co",
                    "data:",
                ],
            );
            policy.add("font-src", &["https://code.tidio.co"]);
            policy.add("media-src", &["https://code.tidio.co"]);
            policy.add("style-src", &[unsafe_inline]);
        }
        ProviderId::Zendesk => {
            policy.add("script-src", &["https://static.zdassets.com"]);
            policy.add(
                "connect-src",
                &[
                    "https://*.zdassets.com",
                    "https://*.zendesk.com",
                    "https://*.smooch.io",
                    "wss://*.zendesk.com",
                    "wss://api.smooch.io",
                ],
            );
            policy.add(
                "img-src",
                &[
                    "https://static.zdassets.com",
                    "https://*.zendesk.com",
                    "https://media.smooch.io",
                    "https://*.zdusercontent.com",
                    "blob:",
                    "data:",
                ],
            );
            policy.add("style-src", &[unsafe_inline]);
            if account.get("kind") == Some("classic") {
                policy.add("script-src", &["https://*.zopim.com"]);
                policy.add(
                    "connect-src",
                    &[
                        "https://*.zopim.com",
                        "wss://*.zopim.com",
                        "https://v2assets.zopim.io",
                    ],
                );
                policy.add("img-src", &["https://v2assets.zopim.io"]);
            }
        }
        // The launcher and panel come from Switchboard itself (already
        // allowed); the bot's photo and cover too. The panel styles its
        // Shadow DOM through CSSOM (adopted style sheets), which style-src
        // does not govern, so no 'unsafe-inline'.
        ProviderId::Switchboard => {
            policy.add("img-src", &[switchboard_origin]);
        }
    }
    policy
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGIN: &str = "https://chat.example.com";

    #[test]
    fn without_a_provider_only_the_loader_is_allowed() {
        let policy = host_page_policy(None, &Account::default(), ORIGIN);
        assert_eq!(policy.header_value(), "connect-src https://chat.example.com; script-src https://chat.example.com 'wasm-unsafe-eval'");
    }

    #[test]
    fn every_provider_allows_the_script_the_widget_injects() {
        let accounts = [
            (
                ProviderId::Chatwoot,
                Account::from_pairs([("base_url", "https://support.example.org")]),
                "https://support.example.org",
            ),
            (
                ProviderId::Crisp,
                Account::default(),
                "https://client.crisp.chat",
            ),
            (
                ProviderId::Hubspot,
                Account::from_pairs([("region", "eu1")]),
                "https://js-eu1.hs-scripts.com",
            ),
            (
                ProviderId::Intercom,
                Account::default(),
                "https://widget.intercom.io",
            ),
            (
                ProviderId::Jivochat,
                Account::default(),
                "https://code.jivosite.com",
            ),
            (
                ProviderId::Livechat,
                Account::default(),
                "https://*.livechatinc.com",
            ),
            (
                ProviderId::Liveperson,
                Account::default(),
                "https://*.liveperson.net",
            ),
            (
                ProviderId::Smartsupp,
                Account::default(),
                "https://*.smartsuppchat.com",
            ),
            (
                ProviderId::Tawkto,
                Account::default(),
                "https://embed.tawk.to",
            ),
            (
                ProviderId::Tidio,
                Account::default(),
                "https://code.tidio.co",
            ),
            (
                ProviderId::Zendesk,
                Account::default(),
                "https://static.zdassets.com",
            ),
            (ProviderId::Switchboard, Account::default(), ORIGIN),
        ];
        for (provider, account, script) in accounts {
            let policy = host_page_policy(Some(provider), &account, ORIGIN);
            let scripts = &policy.directives["script-src"];
            assert!(
                scripts.iter().any(|s| s == script),
                "{provider:?}: {scripts:?}"
            );
            assert!(
                scripts.iter().any(|s| s == ORIGIN)
                    && scripts.iter().any(|s| s == "'wasm-unsafe-eval'"),
                "{provider:?}"
            );
            assert!(
                policy.directives["connect-src"].iter().any(|s| s == ORIGIN),
                "{provider:?}"
            );
        }
    }

    #[test]
    fn self_hosted_chatwoot_allows_its_websocket_and_zendesk_classic_adds_zopim() {
        let account = Account::from_pairs([("base_url", "https://support.example.org:8443/chat")]);
        let policy = host_page_policy(Some(ProviderId::Chatwoot), &account, ORIGIN);
        assert!(policy.directives["connect-src"]
            .contains(&"wss://support.example.org:8443".to_string()));
        let classic = host_page_policy(
            Some(ProviderId::Zendesk),
            &Account::from_pairs([("kind", "classic")]),
            ORIGIN,
        );
        assert!(classic.directives["connect-src"].contains(&"wss://*.zopim.com".to_string()));
        let messaging = host_page_policy(
            Some(ProviderId::Zendesk),
            &Account::from_pairs([("kind", "messaging")]),
            ORIGIN,
        );
        assert!(!messaging.header_value().contains("zopim"));
    }

    #[test]
    fn the_built_in_assistant_needs_no_inline_styles_or_scripts() {
        let policy = host_page_policy(Some(ProviderId::Switchboard), &Account::default(), ORIGIN);
        assert_eq!(
            policy.header_value(),
            "connect-src https://chat.example.com; img-src https://chat.example.com; script-src https://chat.example.com 'wasm-unsafe-eval'"
        );
    }
}
