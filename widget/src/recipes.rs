//! One recipe per provider: the equivalent of its official embed snippet
//! (exact script URL with the account values URL-encoded, the globals or
//! queue stubs it expects before it loads) and its identify / open / reset
//! calls. [`crate::engine`] runs them.
//!
//! Recipes are short texts rather than Rust code or nested enums: every call
//! site, and every pointer in a table, costs bytes in a loader that runs on
//! every page view, while text compresses well. Recipes only set what the
//! provider itself requires.
//!
//! Operations are separated by `;`. Each may start with a guard, `?path`
//! (run only if `path` is truthy) or `!path` (only if it is not), then:
//!
//! | op | meaning |
//! |---|---|
//! | `I path value` | `path = path \|\| value` |
//! | `S path value` | `path = value` |
//! | `P path value` | `path.push(value)` |
//! | `C path value…` | `path(value…)`, `this` being the object holding it |
//! | `X url name=value…` | add `<script async src=url>` (once per URL) with attributes; the recipe's `on_load` runs when it loads |
//! | `E event` | on that `window` event, pass the current visitor |
//! | `K name` | set global callback `name` (after any the page set) that passes the current visitor |
//! | `Y` | pass the current visitor now |
//!
//! Paths start at `window` (`lpTag.sdes`). Values: `'text'`, `@field` (account
//! field), `#field` (account field as a number), `$id` `$name` `$email`
//! (visitor), `{key:value,…}`, `[value,…]`, `T` (true), `D` (a `Date`),
//! `~helper:argument` (a queue stub from the loader's JS). In URLs, `{field}`
//! is an account field (or a value the server derives, see
//! `switchboard_core::catalog::DERIVED_WIDGET_FIELDS`), URI-encoded, `{=field}`
//! as it is.
//!
//! A missing value (an empty account field, a visitor field the page did not
//! give) skips the operation using it, except inside `{}`, where the key is
//! left out.

pub struct Recipe {
    pub provider: &'static str,
    pub load: &'static str,
    /// Runs when the provider's script has loaded.
    pub on_load: &'static str,
    /// Runs only for a signed-in visitor: before load where the provider
    /// reads identity from globals or queues, and whenever it changes.
    pub identify: &'static str,
    pub open: &'static str,
    pub reset: &'static str,
}

pub static RECIPES: &[Recipe] = &[
    Recipe {
        provider: "chatwoot",
        // Chatwoot takes a user only once it says it is ready.
        load: "!$chatwoot X {=base_url}/packs/js/sdk.js defer=;!$chatwoot E chatwoot:ready",
        on_load: "C chatwootSDK.run {websiteToken:@website_token,baseUrl:@base_url}",
        identify: "?$chatwoot.hasLoaded C $chatwoot.setUser $id {name:$name,email:$email}",
        open: "C $chatwoot.toggle 'open'",
        reset: "C $chatwoot.reset",
    },
    Recipe {
        provider: "crisp",
        load: "I $crisp [];S CRISP_WEBSITE_ID @website_id;X https://client.crisp.chat/l.js",
        on_load: "",
        identify: "P $crisp ['set','user:email',[$email]];P $crisp ['set','user:nickname',[$name]]",
        open: "P $crisp ['do','chat:open']",
        reset: "P $crisp ['do','session:reset']",
    },
    Recipe {
        provider: "hubspot",
        // `script_host` comes from the server (the account's region decides it).
        load: "X https://{=script_host}/{hub_id}.js id=hs-script-loader defer=",
        on_load: "",
        // HubSpot identifies visitors only with a token from a server.
        identify: "",
        open: "C HubSpotConversations.widget.open",
        reset: "C HubSpotConversations.clear {resetWidget:T}",
    },
    Recipe {
        provider: "intercom",
        load: "I intercomSettings {};S intercomSettings.api_base 'https://api-iam.intercom.io';\
               S intercomSettings.app_id @app_id;I Intercom ~queue:q;X https://widget.intercom.io/widget/{app_id}",
        on_load: "",
        identify: "S intercomSettings.user_id $id;S intercomSettings.name $name;S intercomSettings.email $email;\
                   C Intercom 'update' {user_id:$id,name:$name,email:$email}",
        open: "C Intercom 'show'",
        reset: "C Intercom 'shutdown';S intercomSettings {api_base:'https://api-iam.intercom.io',app_id:@app_id};\
                C Intercom 'boot' {api_base:'https://api-iam.intercom.io',app_id:@app_id}",
    },
    Recipe {
        provider: "jivochat",
        load: "K jivo_onLoadCallback;X https://code.jivosite.com/widget/{widget_id}",
        on_load: "",
        identify: "C jivo_api.setContactInfo {name:$name,email:$email}",
        open: "C jivo_api.open",
        reset: "",
    },
    Recipe {
        provider: "livechat",
        load: "I __lc {};S __lc.license #license;S __lc.group #group;S __lc.integration_name 'switchboard';\
               S __lc.product_name 'livechat';I LiveChatWidget ~livechat:;X https://cdn.livechatinc.com/tracking.js",
        on_load: "",
        identify: "C LiveChatWidget.call 'set_customer_name' $name;C LiveChatWidget.call 'set_customer_email' $email",
        open: "C LiveChatWidget.call 'maximize'",
        reset: "",
    },
    Recipe {
        provider: "liveperson",
        load: "I lpTag {};S lpTag.site @site_id;I lpTag.section '';S lpTag.protocol 'https:';S lpTag.autoStart T;\
               I lpTag.vars [];I lpTag.dbs [];I lpTag.ctn [];I lpTag.sdes [];I lpTag.hooks [];I lpTag.identities [];\
               I lpTag.ev [];X https://lptag.liveperson.net/tag/tag.js?site={site_id}",
        on_load: "",
        identify: "P lpTag.sdes {type:'ctmrinfo',info:{customerId:$id}};\
                   P lpTag.sdes {type:'personal',personal:{firstname:$name,contacts:[{email:$email}]}}",
        // LivePerson opens chats through engagements configured in LivePerson.
        open: "",
        reset: "",
    },
    Recipe {
        provider: "smartsupp",
        load: "I _smartsupp {};S _smartsupp.key @key;I smartsupp ~queue:_;X https://www.smartsuppchat.com/loader.js? charset=utf-8",
        on_load: "",
        identify: "C smartsupp 'name' $name;C smartsupp 'email' $email",
        open: "C smartsupp 'chat:open'",
        reset: "",
    },
    Recipe {
        provider: "tawkto",
        load: "I Tawk_API {};S Tawk_LoadStart D;X https://embed.tawk.to/{property_id}/{widget_id} charset=UTF-8 crossorigin=*",
        on_load: "",
        // Before load Tawk.to reads Tawk_API.visitor; after, setAttributes.
        identify: "?Tawk_API.setAttributes C Tawk_API.setAttributes {name:$name,email:$email};\
                   !Tawk_API.setAttributes S Tawk_API.visitor {name:$name,email:$email}",
        open: "C Tawk_API.maximize",
        reset: "",
    },
    Recipe {
        provider: "tidio",
        load: "X https://code.tidio.co/{public_key}.js",
        on_load: "",
        // Before load Tidio reads document.tidioIdentify; after, setVisitorData.
        identify: "?tidioChatApi C tidioChatApi.setVisitorData {distinct_id:$id,name:$name,email:$email};\
                   !tidioChatApi S document.tidioIdentify {distinct_id:$id,name:$name,email:$email}",
        open: "C tidioChatApi.open",
        reset: "",
    },
    // Zendesk: one snippet, two APIs; the account's `kind` picks the recipe.
    Recipe {
        provider: "zendesk",
        load: "X https://static.zdassets.com/ekr/snippet.js?key={key} id=ze-snippet",
        on_load: "",
        // Messaging accepts only a JWT signed by a server.
        identify: "",
        open: "C zE 'messenger' 'open'",
        reset: "C zE 'messenger' 'logoutUser'",
    },
    Recipe {
        provider: "zendesk:classic",
        load: "X https://static.zdassets.com/ekr/snippet.js?key={key} id=ze-snippet",
        on_load: "Y",
        identify: "C zE 'webWidget' 'identify' {name:$name,email:$email}",
        open: "C zE 'webWidget' 'open'",
        reset: "C zE 'webWidget' 'logout'",
    },
    // The built-in assistant: Switchboard's own launcher, served with widget.js
    // (a relative URL resolves against widget.js's), takes its calls from a
    // queue like Intercom's, and reads the site's config itself (from the
    // browser's cache: widget.js just fetched it).
    Recipe {
        provider: "switchboard",
        load: "I switchboardChat ~queue:q;X assistant/launcher.js",
        on_load: "",
        identify: "C switchboardChat 'identify' {id:$id,name:$name,email:$email}",
        open: "C switchboardChat 'open'",
        reset: "C switchboardChat 'reset'",
    },
];
