//! Display rules in a real browser, on a page of another origin: pages and
//! a single-page app's route changes, consent by call and by cookie, the
//! launcher that fetches no provider byte until the visitor reaches for it
//! (and that Save-Data gets), and business hours with an injected clock.
//! Crisp is the provider: its queue (`$crisp`) records what the loader asked
//! of it even though its script cannot load here (no internet).

use fantoccini::actions::{InputSource, MouseActions, PointerAction};
use fantoccini::Locator;
use serde_json::{json, Value};
use switchboard_e2e::{spawn_app, AdminApi, Browser, Engine, HostSite, TestApp};

use crate::common::in_every_engine;

in_every_engine!(
    pages_decide_and_a_single_page_app_route_change_hides_or_shows,
    consent_is_given_by_a_call_or_by_the_sites_cookie,
    the_launcher_fetches_no_provider_byte_until_the_visitor_reaches_for_it,
    business_hours_open_close_and_recheck_at_the_boundary,
    outside_hours_the_chatbot_takes_over,
    the_pages_language_picks_its_account,
);

const CRISP: &str = "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c";

struct World {
    app: TestApp,
    api: AdminApi,
    host: HostSite,
    browser: Browser,
}

impl World {
    /// Site `shop` with Crisp and these display rules.
    async fn with_rules(engine: Engine, rules: Value) -> anyhow::Result<Self> {
        let app = spawn_app().await?;
        let api = AdminApi::new(&app).await?;
        api.put("/instance/click-to-chat", json!({"enabled": true, "site_settings_strategy": "inherit_or_override", "provider": "crisp", "account": {"website_id": CRISP}, "guest_users_allowed": true})).await?;
        api.post(
            "/sites",
            json!({"id": "shop", "name": "Shop", "domains": []}),
        )
        .await?;
        api.put("/instance/click-to-chat/rules", rules).await?;
        let host = HostSite::start().await?;
        let browser = Browser::start_in(engine).await?;
        Ok(Self {
            app,
            api,
            host,
            browser,
        })
    }

    fn embed(&self, before: &str) -> String {
        format!(
            r#"{before}<script async crossorigin="anonymous" src="{}" data-site="shop"></script>"#,
            self.app.url("/widget.js")
        )
    }

    /// Opens `/<name><path>` and waits for the tag to leave `loading`.
    async fn visit(&self, name: &str, path: &str, before: &str) -> anyhow::Result<String> {
        let url = format!("{}{path}", self.host.page(name, &self.embed(before)));
        self.browser.client.goto(&url).await?;
        // The first state after `loading` (offline, a provider's script then fails: `error`).
        let state = self.browser.wait_for(r#"var decided = window.hostStates.filter(function (s) { return s !== "loading"; }); return decided.length ? decided[0] : null;"#).await?;
        Ok(state.as_str().unwrap_or_default().to_string())
    }

    async fn rule(&self) -> anyhow::Result<Value> {
        self.browser.eval(r#"return document.querySelector('script[data-site]').getAttribute("data-switchboard-rule");"#).await
    }

    /// Provider scripts on the page (neither the loader nor rules.js).
    async fn provider_scripts(&self) -> anyhow::Result<usize> {
        let count = self.browser.eval(r#"return Array.from(document.scripts).filter(function (s) { return s.src && !/\/(widget|rules)\.js$/.test(s.src); }).length;"#).await?;
        Ok(count.as_u64().unwrap_or(0) as usize)
    }

    /// Waits until Crisp's queue holds `["do", command]`.
    async fn crisp_got(&self, command: &str) -> anyhow::Result<()> {
        let script = format!(
            r#"return Array.isArray(window.$crisp) && window.$crisp.some(function (c) {{ return c[0] === "do" && c[1] === "{command}"; }});"#
        );
        self.browser.wait_for(&script).await.map(drop)
    }

    async fn no_errors(&self) -> anyhow::Result<()> {
        assert_eq!(
            self.browser.eval("return window.hostErrors;").await?,
            json!([])
        );
        Ok(())
    }
}

async fn pages_decide_and_a_single_page_app_route_change_hides_or_shows(
    engine: Engine,
) -> anyhow::Result<()> {
    let world = World::with_rules(
        engine,
        json!({"pages": {"include": ["/spa/app/*"], "exclude": ["/spa/app/admin*"]}}),
    )
    .await?;
    assert_eq!(world.visit("spa", "/other", "").await?, "waiting");
    assert_eq!(world.rule().await?, json!("not_included"));
    assert_eq!(world.provider_scripts().await?, 0);
    assert_eq!(
        world.browser.eval("return typeof window.$crisp;").await?,
        json!("undefined")
    );
    // The host app navigates into the included part: the chat loads.
    world
        .browser
        .eval(r#"history.pushState({}, "", "/spa/app/home"); return true;"#)
        .await?;
    world
        .browser
        .wait_for("return Array.isArray(window.$crisp);")
        .await?;
    assert_eq!(world.provider_scripts().await?, 1);
    assert_eq!(world.rule().await?, Value::Null);
    // Into an excluded page: hidden (Crisp can hide); back: shown again.
    world
        .browser
        .eval(r#"history.replaceState({}, "", "/spa/app/admin/users"); return true;"#)
        .await?;
    world.crisp_got("chat:hide").await?;
    assert_eq!(world.rule().await?, json!("excluded"));
    world.browser.eval(r#"history.pushState({}, "", "/spa/app/faq"); history.pushState({}, "", "/spa/app/admin"); history.back(); return true;"#).await?;
    world.crisp_got("chat:show").await?;
    assert_eq!(world.provider_scripts().await?, 1, "loaded once");
    world.no_errors().await?;
    // A page excluded from the start never loads the provider.
    assert_eq!(world.visit("spa2", "/app/admin", "").await?, "waiting");
    assert_eq!(world.rule().await?, json!("not_included"));
    world.browser.close().await
}

async fn consent_is_given_by_a_call_or_by_the_sites_cookie(engine: Engine) -> anyhow::Result<()> {
    let world = World::with_rules(
        engine,
        json!({"consent": {"cookie": {"name": "cc", "value": "yes"}}}),
    )
    .await?;
    assert_eq!(world.visit("consent", "", "").await?, "waiting");
    assert_eq!(world.rule().await?, json!("consent"));
    assert_eq!(world.provider_scripts().await?, 0);
    world
        .browser
        .eval("Switchboard.consent(true); return true;")
        .await?;
    world
        .browser
        .wait_for("return Array.isArray(window.$crisp);")
        .await?;
    assert_eq!(world.provider_scripts().await?, 1);
    // A consent call before the config arrived (as soon as widget.js ran) counts too.
    let early = format!(
        r#"<script async crossorigin="anonymous" src="{}" data-site="shop" onload="Switchboard.consent(true)"></script>"#,
        world.app.url("/widget.js")
    );
    world
        .browser
        .client
        .goto(&world.host.page("early", &early))
        .await?;
    world
        .browser
        .wait_for("return Array.isArray(window.$crisp);")
        .await?;
    let states = world.browser.eval("return window.hostStates;").await?;
    assert!(
        !states
            .as_array()
            .is_some_and(|s| s.contains(&json!("waiting"))),
        "{states}"
    );
    // The site's consent banner sets its cookie later: the chat follows.
    let banner =
        "<script>setTimeout(function () { document.cookie = 'cc=yes; path=/'; }, 400);</script>";
    world.browser.client.delete_all_cookies().await?;
    assert_eq!(world.visit("cookie", "", banner).await?, "waiting");
    world
        .browser
        .wait_for("return Array.isArray(window.$crisp);")
        .await?;
    // With the cookie set, the next page loads the chat at once.
    assert_eq!(world.visit("cookie", "", "").await?, "loaded");
    world.no_errors().await?;
    world.browser.close().await
}

async fn the_launcher_fetches_no_provider_byte_until_the_visitor_reaches_for_it(
    engine: Engine,
) -> anyhow::Result<()> {
    let world = World::with_rules(engine, json!({"loading": "interaction"})).await?;
    assert_eq!(world.visit("facade", "", "").await?, "launcher");
    let launcher = world
        .browser
        .client
        .find(Locator::Css("[data-switchboard-launcher]"))
        .await?;
    assert_eq!(
        launcher.attr("data-switchboard-launcher").await?.as_deref(),
        Some("crisp")
    );
    let resources = r#"return performance.getEntriesByType("resource").map(function (e) { return e.name; }).filter(function (n) { return !/\/(widget|rules)\.js|widget\/config|favicon/.test(n); });"#;
    assert_eq!(
        world.browser.eval(resources).await?,
        json!([]),
        "nothing of the provider's"
    );
    assert_eq!(world.provider_scripts().await?, 0);
    // The pointer reaches the button: the provider loads; a click opens it.
    let hover = MouseActions::new("mouse".into()).then(PointerAction::MoveToElement {
        element: launcher.clone(),
        duration: None,
        x: 0.0,
        y: 0.0,
    });
    world.browser.client.perform_actions(hover).await?;
    world
        .browser
        .wait_for("return Array.isArray(window.$crisp);")
        .await?;
    assert_eq!(world.provider_scripts().await?, 1);
    assert_eq!(world.provider_scripts().await?, 1);
    launcher.click().await?;
    world.crisp_got("chat:open").await?;
    world
        .browser
        .wait_for(r#"return !document.querySelector("[data-switchboard-launcher]");"#)
        .await?;
    world.no_errors().await?;

    // A visitor asking to save data gets the launcher even where the chat loads at once.
    // (A site of its own: the browser holds the first site's config for a minute.)
    world
        .api
        .put(
            "/instance/click-to-chat/rules",
            json!({"loading": "now", "pages": {"exclude": ["/nowhere"]}}),
        )
        .await?;
    world
        .api
        .post(
            "/sites",
            json!({"id": "news", "name": "News", "domains": []}),
        )
        .await?;
    let tag = format!(
        r#"<script async crossorigin="anonymous" src="{}" data-site="news"></script>"#,
        world.app.url("/widget.js")
    );
    let save_data = format!("<script>Object.defineProperty(navigator, 'connection', {{value: {{saveData: true}}, configurable: true}});</script>{tag}");
    world
        .browser
        .client
        .goto(&world.host.page("save-data", &save_data))
        .await?;
    world
        .browser
        .wait_for(r#"return window.hostStates.indexOf("launcher") >= 0;"#)
        .await?;
    assert_eq!(world.provider_scripts().await?, 0);
    world
        .browser
        .client
        .goto(&world.host.page("plain", &tag))
        .await?;
    let first = world.browser.wait_for(r#"var d = window.hostStates.filter(function (s) { return s !== "loading"; }); return d.length ? d[0] : null;"#).await?;
    assert_eq!(first, json!("loaded"));
    world.browser.close().await
}

async fn business_hours_open_close_and_recheck_at_the_boundary(
    engine: Engine,
) -> anyhow::Result<()> {
    let half = json!([{"from": "00:00", "to": "12:00"}]);
    let world = World::with_rules(engine, json!({"hours": {"time_zone": "UTC", "outside": "hide",
        "weekly": {"mon": half, "tue": half, "wed": half, "thu": half, "fri": half, "sat": half, "sun": half}}})).await?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs() as i64;
    let tomorrow = (now / 86_400 + 1) * 86_400 * 1000;
    // A clock the page injects, running from the given instant.
    let clock = |at: i64| {
        format!("<script>(function () {{ var base = {at} - performance.now(); Date.now = function () {{ return Math.floor(base + performance.now()); }}; }})();</script>")
    };
    assert_eq!(
        world
            .visit("closed", "", &clock(tomorrow + 13 * 3_600_000))
            .await?,
        "waiting"
    );
    assert_eq!(world.rule().await?, json!("closed"));
    assert_eq!(world.provider_scripts().await?, 0);
    // Open a second before noon: loaded, then hidden when the hours end.
    world
        .visit("open", "", &clock(tomorrow + 12 * 3_600_000 - 1500))
        .await?;
    world
        .browser
        .wait_for("return Array.isArray(window.$crisp);")
        .await?;
    world.crisp_got("chat:hide").await?;
    assert_eq!(world.rule().await?, json!("closed"));
    world.no_errors().await?;
    world.browser.close().await
}

async fn outside_hours_the_chatbot_takes_over(engine: Engine) -> anyhow::Result<()> {
    let world = World::with_rules(engine, json!({})).await?;
    let bot = world
        .api
        .post_as_admin(
            "/chatbots",
            json!({
                "name": "Night desk", "reading": "", "bot_api": true, "site_chat": true, "direct_link": false,
                "model": null, "webhook": null, "profile": {"url": null, "description": "Answers at night."},
                "instructions": "", "reply_limit": 300, "daily_token_budget": 100000
            }),
        )
        .await?;
    let id = bot["id"].as_str().unwrap_or_default().to_string();
    // Never open: the chatbot always.
    world
        .api
        .put(
            "/instance/click-to-chat/rules",
            json!({"hours": {"time_zone": "Asia/Tokyo", "weekly": {}, "outside": "chatbot", "chatbot": id}}),
        )
        .await?;
    assert_eq!(world.visit("night", "", "").await?, "chatbot");
    assert_eq!(world.rule().await?, json!("closed"));
    world
        .browser
        .wait_for(r#"var h = document.querySelector("[data-switchboard-assistant]"); return !!(h && h.shadowRoot && h.shadowRoot.querySelector(".launcher"));"#)
        .await?;
    assert_eq!(
        world.browser.eval("return typeof window.$crisp;").await?,
        json!("undefined"),
        "Crisp never loads"
    );
    world.no_errors().await?;
    world.browser.close().await
}

async fn the_pages_language_picks_its_account(engine: Engine) -> anyhow::Result<()> {
    let tawk = "5f8e1a2b3c4d5e6f7a8b9c0d";
    let world = World::with_rules(
        engine,
        json!({"languages": [{"lang": "en", "provider": "tawkto", "account": {"property_id": tawk, "widget_id": "default"}}]}),
    )
    .await?;
    let sources = r#"return Array.from(document.scripts).map(function (s) { return s.src; }).filter(function (s) { return s && !/\/(widget|rules)\.js$/.test(s); });"#;
    // `en-US` is served by the `en` account.
    world
        .visit(
            "english",
            "",
            "<script>document.documentElement.lang = 'en-US';</script>",
        )
        .await?;
    let english = world
        .browser
        .wait_for(&format!(
            "var s = (function () {{ {sources} }})(); return s.length ? s : null;"
        ))
        .await?;
    assert_eq!(
        english,
        json!([format!("https://embed.tawk.to/{tawk}/default")])
    );
    // Another language gets the settings' own account.
    world
        .visit(
            "japanese",
            "",
            "<script>document.documentElement.lang = 'ja';</script>",
        )
        .await?;
    let japanese = world
        .browser
        .wait_for(&format!(
            "var s = (function () {{ {sources} }})(); return s.length ? s : null;"
        ))
        .await?;
    assert_eq!(japanese, json!(["https://client.crisp.chat/l.js"]));
    world.no_errors().await?;
    world.browser.close().await
}
