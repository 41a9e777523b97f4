//! The embed on a page of another origin, in a real browser. No internet is
//! needed: provider scripts may fail to load; the assertions are on what the
//! loader put in the page. Every test runs in Chromium, Firefox and WebKit
//! (Safari's engine): `widget::firefox::…` and so on.

use anyhow::Context;
use serde_json::{json, Value};
use switchboard_e2e::{spawn_app, AdminApi, Browser, Engine, HostSite, TestApp};

use crate::common::in_every_engine;

in_every_engine!(
    every_provider_gets_exactly_its_official_embed,
    signed_in_visitors_reach_the_providers_identity_api,
    guests_get_no_chat_when_guests_are_not_allowed_until_they_sign_in,
    no_chat_when_the_site_or_instance_is_off_or_the_site_is_unknown,
    without_data_site_the_site_is_found_by_host_name,
    one_request_after_widget_js_decides,
    a_shift_jis_page_gets_the_chat_too,
    the_tag_twice_loads_the_provider_once,
    every_failure_is_one_console_warning_and_nothing_thrown,
    identity_waits_for_providers_that_must_be_ready_first,
    a_hostile_or_strict_page_never_gets_an_exception_or_a_false_state,
);

/// Everything a widget test needs: Switchboard, its API, a host origin, a browser.
struct World {
    app: TestApp,
    api: AdminApi,
    host: HostSite,
    browser: Browser,
}

impl World {
    async fn new(engine: Engine) -> anyhow::Result<Self> {
        let app = spawn_app().await?;
        let api = AdminApi::new(&app).await?;
        let host = HostSite::start().await?;
        let browser = Browser::start_in(engine).await?;
        Ok(Self {
            app,
            api,
            host,
            browser,
        })
    }

    /// `<script>` tag as a site would paste it, with extra attributes.
    fn embed(&self, attributes: &str) -> String {
        format!(
            r#"<script async crossorigin="anonymous" src="{}" {attributes}></script>"#,
            self.app.url("/widget.js")
        )
    }

    async fn instance(&self, enabled: bool, strategy: &str, guests: bool) -> anyhow::Result<()> {
        let body = json!({"enabled": enabled, "site_settings_strategy": strategy, "provider": null, "account": {}, "guest_users_allowed": guests});
        self.api
            .put("/instance/click-to-chat", body)
            .await
            .map(drop)
    }

    async fn site(
        &self,
        id: &str,
        domains: &[&str],
        provider: &str,
        account: Value,
        guests: bool,
    ) -> anyhow::Result<()> {
        self.api
            .post("/sites", json!({"id": id, "name": id, "domains": domains}))
            .await?;
        let settings = json!({"enabled": true, "provider": provider, "account": account, "guest_users_allowed": guests});
        // As a signed-in admin: only one may set a self-hosted base URL.
        self.api
            .put_as_admin(&format!("/sites/{id}/click-to-chat"), settings)
            .await
            .map(drop)
    }

    /// Opens a host page and waits until the loader has decided; returns
    /// what it decided first (offline, a provider's script then fails to
    /// load and the tag moves on to `error`, see [`Self::final_state`]).
    async fn visit(&self, name: &str, embed: &str) -> anyhow::Result<String> {
        self.visit_url(&self.host.page(name, embed)).await
    }

    /// [`Self::visit`] for a page published already.
    async fn visit_url(&self, url: &str) -> anyhow::Result<String> {
        self.browser.client.goto(url).await?;
        let state = self
            .browser
            .wait_for(
                r#"var decided = window.hostStates.filter(function (s) { return s !== "loading" && s !== "duplicate"; });
                   return decided.length ? decided[0] : null;"#,
            )
            .await?;
        Ok(state.as_str().unwrap_or_default().to_string())
    }

    /// Waits for the tag's state to be `state` and returns its reason.
    async fn final_state(&self, state: &str) -> anyhow::Result<String> {
        let script = format!(
            r#"var s = document.querySelector('script[src$="/widget.js"]');
               return s && s.getAttribute("data-switchboard-state") === "{state}" ? (s.getAttribute("data-switchboard-reason") || "") : null;"#
        );
        let reason = self.browser.wait_for(&script).await?;
        Ok(reason.as_str().unwrap_or_default().to_string())
    }

    /// Scripts on the page that are not the host's own or the loader.
    async fn injected_scripts(&self) -> anyhow::Result<Vec<String>> {
        let value = self
            .browser
            .eval(
                r#"return Array.from(document.scripts).map(function (s) { return s.src; })
                     .filter(function (src) { return src && src.indexOf("/widget.js") < 0; });"#,
            )
            .await?;
        Ok(serde_json::from_value(value)?)
    }

    /// The host page's own later script ran and nothing was thrown into it.
    async fn host_unharmed(&self) -> anyhow::Result<()> {
        self.browser
            .wait_for(
                r#"return document.getElementById("host").getAttribute("data-ran") === "yes";"#,
            )
            .await?;
        let errors = self.browser.eval("return window.hostErrors;").await?;
        assert_eq!(errors, json!([]), "errors reached the host page");
        Ok(())
    }
}

struct Case {
    provider: &'static str,
    account: Value,
    src: &'static str,
    /// A JS expression that is true when the provider's globals are set up.
    globals: &'static str,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            provider: "chatwoot",
            account: json!({"website_token": "pX7kR2mQ9vW4tY6zB8nC3dF5", "base_url": "https://chat.example.com"}),
            src: "https://chat.example.com/packs/js/sdk.js",
            globals: r#"document.querySelector('script[src="https://chat.example.com/packs/js/sdk.js"]').defer === true"#,
        },
        Case {
            provider: "crisp",
            account: json!({"website_id": "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c"}),
            src: "https://client.crisp.chat/l.js",
            globals: r#"window.CRISP_WEBSITE_ID === "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c" && Array.isArray(window.$crisp)"#,
        },
        Case {
            provider: "hubspot",
            account: json!({"hub_id": "20123456", "region": "eu1"}),
            src: "https://js-eu1.hs-scripts.com/20123456.js",
            globals: r#"document.getElementById("hs-script-loader").src === "https://js-eu1.hs-scripts.com/20123456.js""#,
        },
        Case {
            provider: "intercom",
            account: json!({"app_id": "abc12def"}),
            src: "https://widget.intercom.io/widget/abc12def",
            globals: r#"window.intercomSettings.app_id === "abc12def" && window.intercomSettings.api_base === "https://api-iam.intercom.io"
                && typeof window.Intercom === "function" && Array.isArray(window.Intercom.q)"#,
        },
        Case {
            provider: "jivochat",
            account: json!({"widget_id": "aBcD3fGh1J"}),
            src: "https://code.jivosite.com/widget/aBcD3fGh1J",
            globals: r#"typeof window.jivo_onLoadCallback === "function""#,
        },
        Case {
            provider: "livechat",
            account: json!({"license": "12345678", "group": "2"}),
            src: "https://cdn.livechatinc.com/tracking.js",
            globals: r#"window.__lc.license === 12345678 && window.__lc.group === 2 && Array.isArray(window.LiveChatWidget._q)
                && typeof window.LiveChatWidget.call === "function""#,
        },
        Case {
            provider: "liveperson",
            account: json!({"site_id": "12345678"}),
            src: "https://lptag.liveperson.net/tag/tag.js?site=12345678",
            globals: r#"window.lpTag.site === "12345678" && Array.isArray(window.lpTag.sdes) && window.lpTag.section === """#,
        },
        Case {
            provider: "smartsupp",
            account: json!({"key": "0123456789abcdef0123456789abcdef01234567"}),
            src: "https://www.smartsuppchat.com/loader.js?",
            globals: r#"window._smartsupp.key === "0123456789abcdef0123456789abcdef01234567" && typeof window.smartsupp === "function"
                && Array.isArray(window.smartsupp._)"#,
        },
        Case {
            provider: "tawkto",
            account: json!({"property_id": "5f8e1a2b3c4d5e6f7a8b9c0d", "widget_id": "1h2g3f4e5"}),
            src: "https://embed.tawk.to/5f8e1a2b3c4d5e6f7a8b9c0d/1h2g3f4e5",
            // The class tag, not `instanceof`: Firefox runs WebDriver's scripts in
            // a realm of their own, whose `Date` is not the page's.
            globals: r#"typeof window.Tawk_API === "object" && Object.prototype.toString.call(window.Tawk_LoadStart) === "[object Date]""#,
        },
        Case {
            provider: "tidio",
            account: json!({"public_key": "abcdefghijklmnopqrstuvwxyz012345"}),
            src: "https://code.tidio.co/abcdefghijklmnopqrstuvwxyz012345.js",
            globals: "true",
        },
        Case {
            provider: "zendesk",
            account: json!({"key": "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", "kind": "messaging"}),
            src: "https://static.zdassets.com/ekr/snippet.js?key=0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
            globals: r#"document.getElementById("ze-snippet") !== null"#,
        },
    ]
}

async fn every_provider_gets_exactly_its_official_embed(engine: Engine) -> anyhow::Result<()> {
    let world = World::new(engine).await?;
    world.instance(true, "inherit_or_override", false).await?;
    for case in cases() {
        let site = format!("site-{}", case.provider);
        world
            .site(&site, &[], case.provider, case.account.clone(), true)
            .await?;
        let state = world
            .visit(&site, &world.embed(&format!(r#"data-site="{site}""#)))
            .await?;
        let warnings = world.browser.eval("return window.hostWarnings;").await?;
        assert_eq!(state, "loaded", "{}: {warnings}", case.provider);
        assert_eq!(
            world.injected_scripts().await?,
            vec![case.src.to_string()],
            "{}: exactly one provider script",
            case.provider
        );
        let globals = world
            .browser
            .eval(&format!("return {};", case.globals))
            .await?;
        assert_eq!(globals, json!(true), "{}: globals", case.provider);
        let marked = world.browser.eval(r#"return document.querySelector('script[src$="/widget.js"]').getAttribute("data-switchboard-provider");"#).await?;
        assert_eq!(marked, json!(case.provider));
        world.host_unharmed().await?;
    }
    world.browser.close().await
}

async fn signed_in_visitors_reach_the_providers_identity_api(engine: Engine) -> anyhow::Result<()> {
    let world = World::new(engine).await?;
    world.instance(true, "inherit_or_override", false).await?;
    let user =
        r#"data-user-id="u-42" data-user-name="Hanako Yamada" data-user-email="hanako@example.jp""#;
    let checks = [
        (
            "crisp",
            json!({"website_id": "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c"}),
            r#"return JSON.stringify(window.$crisp);"#,
            json!(
                r#"[["set","user:email",["hanako@example.jp"]],["set","user:nickname",["Hanako Yamada"]]]"#
            ),
        ),
        (
            "tidio",
            json!({"public_key": "abcdefghijklmnopqrstuvwxyz012345"}),
            r#"return document.tidioIdentify;"#,
            json!({"distinct_id": "u-42", "name": "Hanako Yamada", "email": "hanako@example.jp"}),
        ),
        (
            "tawkto",
            json!({"property_id": "5f8e1a2b3c4d5e6f7a8b9c0d", "widget_id": "default"}),
            r#"return window.Tawk_API.visitor;"#,
            json!({"name": "Hanako Yamada", "email": "hanako@example.jp"}),
        ),
        (
            "intercom",
            json!({"app_id": "abc12def"}),
            r#"var s = window.intercomSettings; return [s.user_id, s.name, s.email, Array.from(window.Intercom.q[0])];"#,
            json!(["u-42", "Hanako Yamada", "hanako@example.jp", ["update", {"user_id": "u-42", "name": "Hanako Yamada", "email": "hanako@example.jp"}]]),
        ),
        (
            "livechat",
            json!({"license": "12345678"}),
            r#"return window.LiveChatWidget._q;"#,
            json!([
                ["call", ["set_customer_name", "Hanako Yamada"]],
                ["call", ["set_customer_email", "hanako@example.jp"]]
            ]),
        ),
        (
            "smartsupp",
            json!({"key": "0123456789abcdef0123456789abcdef01234567"}),
            r#"return window.smartsupp._.map(function (a) { return Array.from(a); });"#,
            json!([["name", "Hanako Yamada"], ["email", "hanako@example.jp"]]),
        ),
        (
            "liveperson",
            json!({"site_id": "12345678"}),
            r#"return window.lpTag.sdes;"#,
            json!([{"type": "ctmrinfo", "info": {"customerId": "u-42"}},
                   {"type": "personal", "personal": {"firstname": "Hanako Yamada", "contacts": [{"email": "hanako@example.jp"}]}}]),
        ),
    ];
    for (provider, account, script, expected) in checks {
        let site = format!("id-{provider}");
        // Chat only for signed-in visitors: the identity attributes make this one.
        world.site(&site, &[], provider, account, false).await?;
        let state = world
            .visit(
                &site,
                &world.embed(&format!(r#"data-site="{site}" {user}"#)),
            )
            .await?;
        assert_eq!(state, "loaded", "{provider}");
        assert_eq!(world.browser.eval(script).await?, expected, "{provider}");
        world.host_unharmed().await?;
    }
    world.browser.close().await
}

async fn guests_get_no_chat_when_guests_are_not_allowed_until_they_sign_in(
    engine: Engine,
) -> anyhow::Result<()> {
    let world = World::new(engine).await?;
    world.instance(true, "inherit_or_override", false).await?;
    world
        .site(
            "members",
            &[],
            "crisp",
            json!({"website_id": "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c"}),
            false,
        )
        .await?;
    let state = world
        .visit("members", &world.embed(r#"data-site="members""#))
        .await?;
    assert_eq!(state, "guest");
    assert!(
        world.injected_scripts().await?.is_empty(),
        "no provider script for a guest"
    );
    world.host_unharmed().await?;

    // The page signs the visitor in later through the JS API.
    world.browser.eval(r#"Switchboard.identify({id: 7, name: "Taro", email: "taro@example.jp"}); return true;"#).await?;
    world
        .browser
        .wait_for(r#"return window.hostStates.indexOf("loaded") >= 0;"#)
        .await?;
    assert_eq!(
        world.injected_scripts().await?,
        vec!["https://client.crisp.chat/l.js".to_string()]
    );
    let queue = world
        .browser
        .eval("return JSON.stringify(window.$crisp);")
        .await?;
    assert_eq!(
        queue,
        json!(r#"[["set","user:email",["taro@example.jp"]],["set","user:nickname",["Taro"]]]"#)
    );

    // open() and reset() map to Crisp's own commands.
    world
        .browser
        .eval("Switchboard.open(); Switchboard.reset(); return true;")
        .await?;
    let queue = world
        .browser
        .eval("return JSON.stringify(window.$crisp.slice(2));")
        .await?;
    assert_eq!(
        queue,
        json!(r#"[["do","chat:open"],["do","session:reset"]]"#)
    );
    world.browser.close().await
}

async fn no_chat_when_the_site_or_instance_is_off_or_the_site_is_unknown(
    engine: Engine,
) -> anyhow::Result<()> {
    let world = World::new(engine).await?;
    world.instance(true, "always_override", true).await?;
    world
        .site(
            "off",
            &[],
            "crisp",
            json!({"website_id": "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c"}),
            true,
        )
        .await?;
    world
        .api
        .put("/sites/off/click-to-chat", json!({"enabled": false, "provider": "crisp", "account": {}, "guest_users_allowed": true}))
        .await?;
    world
        .site(
            "on",
            &[],
            "crisp",
            json!({"website_id": "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c"}),
            true,
        )
        .await?;

    assert_eq!(
        world
            .visit("site-off", &world.embed(r#"data-site="off""#))
            .await?,
        "off"
    );
    assert!(world.injected_scripts().await?.is_empty());
    world.host_unharmed().await?;

    assert_eq!(
        world
            .visit("unknown", &world.embed(r#"data-site="nobody""#))
            .await?,
        "error"
    );
    assert!(world.injected_scripts().await?.is_empty());
    world.host_unharmed().await?;

    // The master switch turns off even a site with its own settings.
    world.instance(false, "always_override", true).await?;
    assert_eq!(
        world
            .visit("instance-off", &world.embed(r#"data-site="on""#))
            .await?,
        "off"
    );
    assert!(world.injected_scripts().await?.is_empty());
    world.host_unharmed().await?;
    world.browser.close().await
}

async fn without_data_site_the_site_is_found_by_host_name(engine: Engine) -> anyhow::Result<()> {
    let world = World::new(engine).await?;
    world.instance(true, "inherit_or_override", true).await?;
    world
        .site(
            "by-host",
            &["localhost"],
            "tidio",
            json!({"public_key": "abcdefghijklmnopqrstuvwxyz012345"}),
            true,
        )
        .await?;
    assert_eq!(
        world.visit("no-data-site", &world.embed("")).await?,
        "loaded"
    );
    assert_eq!(
        world.injected_scripts().await?,
        vec!["https://code.tidio.co/abcdefghijklmnopqrstuvwxyz012345.js".to_string()]
    );
    world.host_unharmed().await?;
    world.browser.close().await
}

/// One round trip after `widget.js`: the wasm travels inside it, so the only
/// other request to Switchboard is the config, which leaves as soon as the
/// loader runs.
async fn one_request_after_widget_js_decides(engine: Engine) -> anyhow::Result<()> {
    let world = World::new(engine).await?;
    world.instance(true, "inherit_or_override", true).await?;
    world
        .site(
            "parallel",
            &["parallel.example.com"],
            "tidio",
            json!({"public_key": "abcdefghijklmnopqrstuvwxyz012345"}),
            true,
        )
        .await?;
    assert_eq!(
        world
            .visit("parallel", &world.embed(r#"data-site="parallel""#))
            .await?,
        "loaded"
    );
    let origin = serde_json::to_string(&world.app.url(""))?;
    let requests = world
        .browser
        .eval(&format!(
            r#"return performance.getEntriesByType("resource")
                 .filter(function (e) {{ return e.name.indexOf({origin}) === 0; }})
                 .map(function (e) {{ return e.name.slice({origin}.length); }});"#
        ))
        .await?;
    assert_eq!(
        requests,
        json!(["/widget.js", "/api/v1/widget/config?site=parallel"]),
        "{engine:?}"
    );
    world.host_unharmed().await?;
    world.browser.close().await
}

/// The loader carries bytes above 0x7F (its wasm): on a page in another
/// encoding it must still be read as UTF-8, or the wasm would not compile.
async fn a_shift_jis_page_gets_the_chat_too(engine: Engine) -> anyhow::Result<()> {
    let world = World::new(engine).await?;
    world.instance(true, "inherit_or_override", true).await?;
    let crisp = json!({"website_id": "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c"});
    world.site("sjis", &[], "crisp", crisp, true).await?;
    let url = world
        .host
        .page_in("sjis", &world.embed(r#"data-site="sjis""#), "shift_jis");
    assert_eq!(world.visit_url(&url).await?, "loaded", "{engine:?}");
    assert_eq!(
        world.browser.eval("return document.characterSet;").await?,
        json!("Shift_JIS")
    );
    assert_eq!(
        world.injected_scripts().await?,
        vec!["https://client.crisp.chat/l.js".to_string()]
    );
    world.host_unharmed().await?;
    world.browser.close().await
}

async fn the_tag_twice_loads_the_provider_once(engine: Engine) -> anyhow::Result<()> {
    let world = World::new(engine).await?;
    world.instance(true, "inherit_or_override", true).await?;
    world
        .site(
            "twice",
            &[],
            "crisp",
            json!({"website_id": "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c"}),
            true,
        )
        .await?;
    let tag = world.embed(r#"data-site="twice""#);
    assert_eq!(
        world.visit("twice", &format!("{tag}\n{tag}")).await?,
        "loaded"
    );
    world.browser.wait_for(r#"return Array.from(document.querySelectorAll('script[src$="/widget.js"]')).filter(function (s) { return s.getAttribute("data-switchboard-state") === "duplicate"; }).length === 1;"#).await?;
    assert_eq!(
        world.injected_scripts().await?,
        vec!["https://client.crisp.chat/l.js".to_string()]
    );
    world.host_unharmed().await?;
    world.browser.close().await
}

/// The loader's warnings as the host page saw them.
async fn warnings(world: &World) -> anyhow::Result<Vec<String>> {
    Ok(serde_json::from_value(
        world.browser.eval("return window.hostWarnings;").await?,
    )?)
}

async fn every_failure_is_one_console_warning_and_nothing_thrown(
    engine: Engine,
) -> anyhow::Result<()> {
    let world = World::new(engine).await?;

    // An unknown site (404).
    assert_eq!(
        world
            .visit("unknown", &world.embed(r#"data-site="nobody""#))
            .await?,
        "error"
    );
    world.host_unharmed().await?;
    let seen = warnings(&world).await?;
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(
        seen[0].starts_with("Switchboard:") && seen[0].contains("unknown_site"),
        "{seen:?}"
    );

    // A config answer that is not JSON, and a server that cannot be reached.
    for (mode, message) in [
        ("not-json", "not_json"),
        ("array", "not_json"),
        ("unreachable", "unreachable"),
    ] {
        let tag = format!(
            r#"<script async src="{}/broken/{mode}/widget.js" data-site="x"></script>"#,
            world.host.origin()
        );
        assert_eq!(world.visit(mode, &tag).await?, "error", "{mode}");
        world.host_unharmed().await?;
        let seen = warnings(&world).await?;
        assert_eq!(seen.len(), 1, "{mode}: {seen:?}");
        assert!(seen[0].contains(message), "{mode}: {seen:?}");
    }

    // A host page whose CSP does not allow WebAssembly.
    let csp = format!(
        r#"<meta http-equiv="Content-Security-Policy" content="script-src 'unsafe-inline' {}">"#,
        world.app.url("")
    );
    let url = world.host.page(
        "no-wasm",
        &format!("{csp}\n{}", world.embed(r#"data-site="nobody""#)),
    );
    world.browser.client.goto(&url).await?;
    world
        .browser
        .wait_for("return window.hostWarnings.length > 0;")
        .await?;
    world.host_unharmed().await?;
    let seen = warnings(&world).await?;
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(
        seen[0].starts_with("Switchboard: the chat widget could not start."),
        "{seen:?}"
    );
    assert_eq!(
        world.final_state("error").await?,
        "blocked",
        "the tag says why"
    );
    // The page's API exists and calling it does not throw either.
    let calls = world
        .browser
        .eval(
            "Switchboard.open(); Switchboard.identify({id: 1}); Switchboard.reset(); return 'ok';",
        )
        .await?;
    assert_eq!(calls, json!("ok"));
    world.browser.close().await
}

/// Providers that take the visitor only once they are ready: the test stands
/// in for the provider's script (which cannot load offline) by defining its
/// API and firing the event or callback the provider would.
async fn identity_waits_for_providers_that_must_be_ready_first(
    engine: Engine,
) -> anyhow::Result<()> {
    let world = World::new(engine).await?;
    world.instance(true, "inherit_or_override", false).await?;
    let user =
        r#"data-user-id="u-42" data-user-name="Hanako Yamada" data-user-email="hanako@example.jp""#;
    let hanako = json!({"name": "Hanako Yamada", "email": "hanako@example.jp"});

    world.site("cw", &[], "chatwoot", json!({"website_token": "pX7kR2mQ9vW4tY6zB8nC3dF5", "base_url": "https://chat.example.com"}), false).await?;
    assert_eq!(
        world
            .visit("cw", &world.embed(&format!(r#"data-site="cw" {user}"#)))
            .await?,
        "loaded"
    );
    let calls = world
        .browser
        .eval(
            r#"var calls = [];
               window.chatwootSDK = { run: function (o) { calls.push(["run", o]); } };
               document.querySelector('script[src="https://chat.example.com/packs/js/sdk.js"]').dispatchEvent(new Event("load"));
               window.$chatwoot = { hasLoaded: true, setUser: function (id, u) { calls.push(["setUser", id, u]); } };
               window.dispatchEvent(new Event("chatwoot:ready"));
               return calls;"#,
        )
        .await?;
    assert_eq!(
        calls,
        json!([["run", {"websiteToken": "pX7kR2mQ9vW4tY6zB8nC3dF5", "baseUrl": "https://chat.example.com"}], ["setUser", "u-42", hanako]])
    );

    world
        .site(
            "jv",
            &[],
            "jivochat",
            json!({"widget_id": "aBcD3fGh1J"}),
            false,
        )
        .await?;
    let page_callback = "<script>window.pageCallbacks = 0; window.jivo_onLoadCallback = function () { pageCallbacks++; };</script>";
    assert_eq!(
        world
            .visit(
                "jv",
                &format!(
                    "{page_callback}\n{}",
                    world.embed(&format!(r#"data-site="jv" {user}"#))
                )
            )
            .await?,
        "loaded"
    );
    let calls = world
        .browser
        .eval(
            r#"var calls = [];
               window.jivo_api = { setContactInfo: function (o) { calls.push(o); } };
               window.jivo_onLoadCallback();
               return [window.pageCallbacks, calls];"#,
        )
        .await?;
    assert_eq!(
        calls,
        json!([1, [hanako]]),
        "the page's own callback still runs"
    );

    world
        .site(
            "zd",
            &[],
            "zendesk",
            json!({"key": "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", "kind": "classic"}),
            false,
        )
        .await?;
    assert_eq!(
        world
            .visit("zd", &world.embed(&format!(r#"data-site="zd" {user}"#)))
            .await?,
        "loaded"
    );
    let calls = world
        .browser
        .eval(
            r#"var calls = [];
               window.zE = function () { calls.push(Array.from(arguments)); };
               document.getElementById("ze-snippet").dispatchEvent(new Event("load"));
               Switchboard.open();
               Switchboard.reset();
               return calls;"#,
        )
        .await?;
    assert_eq!(
        calls,
        json!([
            ["webWidget", "identify", hanako],
            ["webWidget", "open"],
            ["webWidget", "logout"]
        ])
    );
    world.host_unharmed().await?;
    world.browser.close().await
}

/// A host page that sabotages what the loader uses: the loader must neither
/// throw into it nor claim `loaded` when the provider's script is not there.
async fn a_hostile_or_strict_page_never_gets_an_exception_or_a_false_state(
    engine: Engine,
) -> anyhow::Result<()> {
    let world = World::new(engine).await?;
    world.instance(true, "inherit_or_override", true).await?;
    let crisp = json!({"website_id": "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c"});
    world.site("strict", &[], "crisp", crisp, true).await?;
    let tag = world.embed(r#"data-site="strict""#);
    let crisp_src = "https://client.crisp.chat/l.js";

    // window.Switchboard made read-only, or a getter that throws: the chat
    // still loads, one warning, nothing thrown.
    for (name, sabotage) in [
        ("read-only", "Object.defineProperty(window, 'Switchboard', { value: Object.freeze({}), writable: false });"),
        ("throwing-getter", "Object.defineProperty(window, 'Switchboard', { get: function () { throw new Error('no'); }, set: function () { throw new Error('no'); } });"),
    ] {
        let page = format!("<script>{sabotage}</script>\n{tag}");
        assert_eq!(world.visit(name, &page).await?, "loaded", "{name}");
        assert_eq!(world.injected_scripts().await?, vec![crisp_src.to_string()], "{name}");
        world.host_unharmed().await?;
        let seen = warnings(&world).await?;
        assert_eq!(seen.len(), 1, "{name}");
        assert!(seen[0].contains("cannot be set") && !seen[0].contains("could not start"), "{name}: {seen:?}");
    }

    // fetch or Response.json throwing synchronously: `error`, not `loading` forever.
    for (name, sabotage, reason) in [
        (
            "fetch-throws",
            "var f = window.fetch; window.fetch = function (u) { if (String(u).indexOf('/widget/config') >= 0) throw new Error('no fetch'); return f.apply(this, arguments); };",
            "unreachable",
        ),
        (
            "json-throws",
            "Response.prototype.json = function () { throw new Error('no json'); };",
            "not_json",
        ),
        ("fetch-nonsense", "var f = window.fetch; window.fetch = function (u) { return String(u).indexOf('/widget/config') >= 0 ? 42 : f.apply(this, arguments); };", "server_error"),
        ("json-nonsense", "Response.prototype.json = function () { return undefined; };", "not_json"),
        ("fetch-never", "var f = window.fetch; window.fetch = function (u) { return String(u).indexOf('/widget/config') >= 0 ? new Promise(function () {}) : f.apply(this, arguments); };", "unreachable"),
    ] {
        let page = format!("<script>{sabotage}</script>\n{tag}");
        world.visit(name, &page).await.context(name)?;
        assert_eq!(world.final_state("error").await?, reason, "{name}");
        world.host_unharmed().await?;
        assert_eq!(warnings(&world).await?.len(), 1, "{name}");
    }

    // The engine's Promise methods broken by the page while the loader runs
    // (restored after a moment; WebDriver's own scripts need them, so the
    // test only looks once they are back): nothing thrown, no rejection
    // left unhandled.
    let sabotage = "var then = Promise.prototype.then; Promise.prototype.then = function () { throw new Error('no then'); }; setTimeout(function () { Promise.prototype.then = then; }, 1000);";
    let url = world.host.page(
        "then-throws",
        &format!("<script>{sabotage}</script>\n{tag}"),
    );
    world.browser.client.goto(&url).await?;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    // The loader started synchronously and awaited only the engine's own
    // promises: the chat loaded as usual, and its script then failed to
    // load (offline here).
    assert_eq!(
        world.final_state("error").await?,
        "script_failed",
        "{engine:?}"
    );
    assert_eq!(world.injected_scripts().await?, vec![crisp_src.to_string()]);
    let seen = warnings(&world).await?;
    assert_eq!(seen.len(), 1, "{engine:?}: {seen:?}");
    assert!(seen[0].contains("script_failed"), "{engine:?}: {seen:?}");
    world.host_unharmed().await?;

    // A page with a stand-in WebAssembly: `error`, one warning, nothing thrown.
    let page = format!("<script>window.WebAssembly = {{}};</script>\n{tag}");
    world.visit("stub-wasm", &page).await.context("stub-wasm")?;
    assert_eq!(world.final_state("error").await?, "unsupported");
    assert_eq!(warnings(&world).await?.len(), 1);
    world.host_unharmed().await?;

    // appendChild refused: `error`, no provider script.
    let page = format!("<script>HTMLHeadElement.prototype.appendChild = function () {{ throw new Error('no'); }};</script>\n{tag}");
    assert_eq!(world.visit("no-append", &page).await?, "error");
    assert_eq!(world.final_state("error").await?, "script_blocked");
    assert!(world.injected_scripts().await?.is_empty());
    world.host_unharmed().await?;

    // Trusted Types required, our policy allowed by name: loaded, with its src.
    let trusted = r#"<meta http-equiv="Content-Security-Policy" content="require-trusted-types-for 'script'; trusted-types switchboard">"#;
    assert_eq!(
        world
            .visit("trusted-types", &format!("{trusted}\n{tag}"))
            .await?,
        "loaded"
    );
    assert_eq!(world.injected_scripts().await?, vec![crisp_src.to_string()]);
    world.host_unharmed().await?;
    // Trusted Types required without our policy: a true `error`.
    let refused = r#"<meta http-equiv="Content-Security-Policy" content="require-trusted-types-for 'script'; trusted-types other">"#;
    assert_eq!(
        world
            .visit("trusted-types-refused", &format!("{refused}\n{tag}"))
            .await?,
        "error"
    );
    assert_eq!(world.final_state("error").await?, "script_blocked");
    assert!(world.injected_scripts().await?.is_empty());

    // The provider's script cannot load (offline here): `loaded` once it is
    // in the page, then `error` when it fires `error`.
    assert_eq!(world.visit("offline-provider", &tag).await?, "loaded");
    assert_eq!(world.final_state("error").await?, "script_failed");
    let states = world.browser.eval("return window.hostStates;").await?;
    assert_eq!(states, json!(["loading", "loaded", "error"]));
    world.host_unharmed().await?;
    world.browser.close().await
}
