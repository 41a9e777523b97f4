//! `/demo`: a sandboxed stand-in for a customer's page that lets a newcomer
//! pick a site and a visitor, in English or Japanese.

use serde_json::json;
use switchboard_e2e::{spawn_app, AdminApi, Browser};

async fn state_text(browser: &Browser, starts_with: &str) -> anyhow::Result<String> {
    let script = format!(
        r#"var t = document.getElementById("widget-state").textContent; return t.indexOf({starts_with:?}) === 0 ? t : null;"#
    );
    Ok(browser
        .wait_for(&script)
        .await?
        .as_str()
        .unwrap_or_default()
        .to_string())
}

#[tokio::test]
async fn the_demo_page_tries_a_site_and_a_visitor_without_reaching_the_admin_origin(
) -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let browser = Browser::start().await?;

    // Fresh server: no site chosen, it says what to do, and the tag shown
    // names this server.
    browser.client.goto(&app.url("/demo?lang=en")).await?;
    state_text(&browser, "no site chosen yet").await?;
    let hint = browser.text_of("#widget-hint").await?;
    assert!(hint.contains("Create one in the admin app"), "{hint}");
    let snippet = browser.text_of("#snippet").await?;
    assert!(
        snippet.contains(&format!(r#"src="{}""#, app.url("/widget.js"))),
        "{snippet}"
    );
    assert_eq!(
        browser
            .eval("return document.querySelectorAll('main').length;")
            .await?,
        json!(1)
    );

    // The page runs in an opaque origin: no cookie, no session of ours.
    assert_eq!(browser.eval("return window.origin;").await?, json!("null"));
    let cookie = browser
        .eval("try { return typeof document.cookie; } catch (e) { return e.name; }")
        .await?;
    assert_eq!(cookie, json!("SecurityError"));

    // An unknown site says so.
    browser
        .client
        .goto(&app.url("/demo?lang=en&site=nobody"))
        .await?;
    let text = state_text(&browser, "could not start").await?;
    assert!(text.contains("there is no such site"), "{text}");

    let api = AdminApi::new(&app).await?;
    api.post(
        "/sites",
        json!({"id": "shop", "name": "Shop", "domains": []}),
    )
    .await?;
    api.put(
        "/instance/click-to-chat",
        json!({"enabled": true, "site_settings_strategy": "inherit_or_override", "provider": "crisp",
            "account": {"website_id": "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c"}, "guest_users_allowed": false}),
    )
    .await?;

    // Guests get no chat on this site; a signed-in visitor does.
    browser
        .client
        .goto(&app.url("/demo?lang=en&site=shop"))
        .await?;
    state_text(&browser, "chat only for signed-in visitors").await?;
    browser.click("#signed-in").await?;
    browser.click("button[type=submit]").await?;
    browser.wait_for(r#"return document.querySelectorAll('script[src="https://client.crisp.chat/l.js"]').length === 1;"#).await?;
    let globals = browser
        .eval("return JSON.stringify(window.$crisp);")
        .await?;
    assert!(
        globals
            .as_str()
            .is_some_and(|g| g.contains("visitor@example.com")),
        "{globals}"
    );
    // Offline the provider's script cannot load, and the page says so.
    let failed = state_text(&browser, "could not start").await?;
    assert!(failed.contains("failed to load"), "{failed}");

    // In Japanese.
    browser
        .client
        .goto(&app.url("/demo?lang=ja&site=nobody"))
        .await?;
    let text = state_text(&browser, "開始できませんでした").await?;
    assert!(text.contains("そのサイトはありません"), "{text}");
    assert_eq!(
        browser
            .eval("return document.documentElement.lang;")
            .await?,
        json!("ja")
    );
    browser.screenshot("demo-ja").await?;
    browser.close().await
}
