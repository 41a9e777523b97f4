//! axe-core on every screen and dialog of the admin app, in English and
//! Japanese, at desktop and phone widths; and the demo page.

use serde_json::json;
use switchboard_e2e::{spawn_app, spawn_fresh_app, AdminApi, Browser, ADMIN_PASSWORD};

async fn set_language(browser: &Browser, lang: &str) -> anyhow::Result<()> {
    browser
        .wait_for("return document.querySelector('.language select') !== null;")
        .await?;
    browser
        .client
        .find(fantoccini::Locator::Css(".language select"))
        .await?
        .select_by_value(lang)
        .await?;
    browser
        .wait_for(&format!(
            "return document.documentElement.lang === {lang:?};"
        ))
        .await?;
    Ok(())
}

async fn heading(browser: &Browser) -> anyhow::Result<()> {
    browser
        .wait_for("var h = document.querySelector('h1'); return h && h.textContent.length > 0;")
        .await?;
    Ok(())
}

#[tokio::test]
async fn first_run_setup_and_sign_in_have_no_violations() -> anyhow::Result<()> {
    let app = spawn_fresh_app().await?;
    let browser = Browser::start().await?;
    for (width, height) in [(1280, 900), (390, 844)] {
        browser.client.set_window_size(width, height).await?;
        for lang in ["en", "ja"] {
            browser.client.goto(&app.url("/admin/")).await?;
            heading(&browser).await?;
            set_language(&browser, lang).await?;
            browser
                .assert_accessible(&format!("setup {lang} {width}px"))
                .await?;
        }
    }
    browser.close().await
}

#[tokio::test]
async fn every_screen_and_dialog_has_no_violations() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let api = AdminApi::new(&app).await?;
    api.post(
        "/sites",
        json!({"id": "shop", "name": "Shop", "domains": ["shop.example.com"]}),
    )
    .await?;
    api.put(
        "/instance/click-to-chat",
        json!({"enabled": true, "site_settings_strategy": "inherit_or_override", "provider": "crisp",
            "account": {"website_id": "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c"}, "guest_users_allowed": true}),
    )
    .await?;
    let browser = Browser::start().await?;
    browser.client.goto(&app.url("/admin/")).await?;
    heading(&browser).await?;
    for lang in ["en", "ja"] {
        set_language(&browser, lang).await?;
        browser
            .assert_accessible(&format!("sign-in {lang}"))
            .await?;
    }
    set_language(&browser, "en").await?;
    browser.fill("#username", "admin").await?;
    browser.fill("#password", ADMIN_PASSWORD).await?;
    browser.click("button[type=submit]").await?;
    browser
        .wait_for(r#"return document.querySelector(".username") !== null;"#)
        .await?;
    for (width, height) in [(1280, 900), (390, 844)] {
        browser.client.set_window_size(width, height).await?;
        for lang in ["en", "ja"] {
            set_language(&browser, lang).await?;
            for path in [
                "/admin/click-to-chat",
                "/admin/sites",
                "/admin/sites/shop",
                "/admin/sites/nobody",
                "/admin/api-keys",
                "/admin/conversations",
                "/admin/conversations/c_nosuchone",
                "/admin/audit",
                "/admin/account",
                "/admin/no-such-screen",
            ] {
                browser.client.goto(&app.url(path)).await?;
                heading(&browser).await?;
                browser
                    .wait_for("return document.querySelector('.page-status') === null;")
                    .await?;
                browser
                    .assert_accessible(&format!("{path} {lang} {width}px"))
                    .await?;
            }
            // Dialogs: a site's delete confirmation, a new key, its regenerate confirmation.
            browser.client.goto(&app.url("/admin/sites/shop")).await?;
            heading(&browser).await?;
            browser.click("button.danger-outline").await?;
            browser
                .wait_for(r#"return document.querySelector("dialog.confirm[open]") !== null;"#)
                .await?;
            browser
                .assert_accessible(&format!("delete-site dialog {lang} {width}px"))
                .await?;
            browser.client.goto(&app.url("/admin/api-keys")).await?;
            heading(&browser).await?;
            browser
                .fill("#new-key-name", &format!("key {lang} {width}"))
                .await?;
            browser.click("form.add-key button.primary").await?;
            browser
                .wait_for(r#"return document.getElementById("new-key") !== null;"#)
                .await?;
            browser
                .assert_accessible(&format!("new key {lang} {width}px"))
                .await?;
            browser.click("button.regenerate").await?;
            browser
                .wait_for(r#"return document.querySelector("dialog.confirm[open]") !== null;"#)
                .await?;
            browser
                .assert_accessible(&format!("regenerate dialog {lang} {width}px"))
                .await?;
        }
    }
    // The dialog that offers to sign in again after the session ended.
    browser.client.goto(&app.url("/admin/sites")).await?;
    heading(&browser).await?;
    browser
        .eval(r#"fetch("/api/v1/session").then(function (r) { return r.json(); }).then(function (s) {
            return fetch("/api/v1/session", { method: "DELETE", headers: { "X-CSRF-Token": s.csrf_token } }); });
            return true;"#)
        .await?;
    browser
        .wait_for(
            r#"return fetch("/api/v1/session").then(function (r) { return r.status === 401; });"#,
        )
        .await?;
    browser.click(r#"nav a[href="/admin/audit"]"#).await?;
    browser
        .wait_for(r#"var d = document.querySelector("dialog.sign-in-again"); return d && d.open;"#)
        .await?;
    browser.assert_accessible("sign-in-again dialog").await?;
    browser.close().await
}

#[tokio::test]
async fn the_demo_page_has_no_violations() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let browser = Browser::start().await?;
    for lang in ["en", "ja"] {
        browser
            .client
            .goto(&app.url(&format!("/demo?lang={lang}&site=nobody")))
            .await?;
        browser
            .wait_for(r#"return document.getElementById("widget-state").textContent.length > 0;"#)
            .await?;
        browser.assert_accessible(&format!("demo {lang}")).await?;
    }
    browser.close().await
}

/// Where the keyboard focus is: the focused element's id, or its tag.
async fn focused(browser: &Browser) -> anyhow::Result<String> {
    let value = browser.eval("var a = document.activeElement; return a ? (a.id || a.tagName.toLowerCase()) : 'none';").await?;
    Ok(value.as_str().unwrap_or_default().to_string())
}

/// Waits until the focus is on `expected` (it moves a moment after a change renders).
async fn focus_is(browser: &Browser, expected: &str, after: &str) -> anyhow::Result<()> {
    let script = format!("var a = document.activeElement; return a && (a.id || a.tagName.toLowerCase()) === {expected:?};");
    if browser.wait_for(&script).await.is_err() {
        anyhow::bail!(
            "after {after} the focus is on {:?}, not {expected:?}",
            focused(browser).await?
        );
    }
    Ok(())
}

#[tokio::test]
async fn the_keyboard_focus_never_falls_to_the_page_body() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let browser = Browser::start().await?;
    browser
        .client
        .goto(&app.url("/admin/click-to-chat"))
        .await?;
    browser.fill("#username", "admin").await?;
    browser.fill("#password", ADMIN_PASSWORD).await?;
    browser
        .client
        .find(fantoccini::Locator::Css("#password"))
        .await?
        .send_keys("\u{E007}")
        .await?;
    focus_is(&browser, "main", "signing in").await?;

    // "Skip to content" moves the focus, not only the address.
    browser
        .eval("document.querySelector('.skip-link').focus(); return true;")
        .await?;
    browser
        .client
        .find(fantoccini::Locator::Css(".skip-link"))
        .await?
        .send_keys("\u{E007}")
        .await?;
    focus_is(&browser, "main", "Skip to content").await?;

    // A refused save puts the focus on the first field the server named…
    browser.click("#enabled").await?;
    browser
        .click(r#"label.provider-option:has(input[value=crisp])"#)
        .await?;
    browser.fill("#account-website_id", "not-a-uuid").await?;
    browser.click("form button.primary").await?;
    focus_is(&browser, "account-website_id", "a refused save").await?;
    // …and a save keeps it on the Save button.
    browser
        .fill(
            "#account-website_id",
            "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c",
        )
        .await?;
    browser.click("form button.primary").await?;
    browser.wait_for(r#"var n = document.querySelector(".notice.ok"); return n && n.textContent === "Saved.";"#).await?;
    let after_save = browser
        .eval("return document.activeElement.className;")
        .await?;
    assert!(
        after_save.as_str().is_some_and(|c| c.contains("primary")),
        "after Save the focus is on {after_save}"
    );

    // Adding a site keeps the focus on its button.
    browser.click(r#"nav a[href="/admin/sites"]"#).await?;
    browser.fill("#new-site-name", "Shop").await?;
    browser.fill("#new-site-id", "shop").await?;
    browser.click("form.add-site button.primary").await?;
    browser
        .wait_for(r#"return document.querySelector('tr[data-site="shop"]') !== null;"#)
        .await?;
    assert_ne!(focused(&browser).await?, "body", "after Add site");
    // A refused one focuses the field.
    browser.fill("#new-site-name", "Again").await?;
    browser.fill("#new-site-id", "shop").await?;
    browser.click("form.add-site button.primary").await?;
    focus_is(&browser, "new-site-id", "adding a site whose id is taken").await?;
    // A malformed domain: the domains field is marked and focused, its error names the value.
    browser.fill("#new-site-id", "blog").await?;
    browser
        .fill("#new-site-domains", "https://blog.example.com/path")
        .await?;
    browser.click("form.add-site button.primary").await?;
    focus_is(
        &browser,
        "new-site-domains",
        "adding a site with a malformed domain",
    )
    .await?;
    assert_eq!(
        browser
            .eval(
                "return document.getElementById('new-site-domains').getAttribute('aria-invalid');"
            )
            .await?,
        json!("true")
    );
    let error = browser.text_of("#new-site-domains-error").await?;
    assert!(
        error.contains("https://blog.example.com/path") && error.contains("host name"),
        "{error}"
    );

    // A new key's Done goes back to the name field; a confirmed delete to the screen.
    browser.click(r#"nav a[href="/admin/api-keys"]"#).await?;
    browser.fill("#new-key-name", "deploy").await?;
    browser.click("form.add-key button.primary").await?;
    browser
        .wait_for(r#"return document.getElementById("new-key") !== null;"#)
        .await?;
    browser
        .click("section.new-key button:nth-of-type(2)")
        .await?;
    focus_is(&browser, "new-key-name", "Done").await?;
    browser.click("button.delete").await?;
    browser
        .wait_for(r#"return document.querySelector("dialog.confirm[open]") !== null;"#)
        .await?;
    browser.click("dialog.confirm[open] button.danger").await?;
    browser
        .wait_for(r#"return document.querySelector("tr[data-key]") === null;"#)
        .await?;
    focus_is(&browser, "main", "a confirmed delete").await?;

    // Signing out lands on the sign-in form's first field.
    browser.click(".account-menu summary").await?;
    browser.click(".sign-out").await?;
    focus_is(&browser, "username", "signing out").await?;
    browser.close().await
}
