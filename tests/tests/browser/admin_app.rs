//! The admin app in a real browser against the real server.

use crate::common::{expect_heading, sign_in};
use serde_json::json;
use switchboard_e2e::{spawn_app, spawn_fresh_app, AdminApi, Browser, ADMIN_PASSWORD};

#[tokio::test]
async fn first_run_setup_then_sign_out_and_sign_in() -> anyhow::Result<()> {
    let app = spawn_fresh_app().await?;
    let browser = Browser::start().await?;
    browser.client.goto(&app.url("/")).await?;
    // The static shell has no heading: this one exists only if the wasm app ran.
    expect_heading(&browser, "Create the first administrator").await?;
    browser.screenshot("01-first-run-setup").await?;

    browser.fill("#username", "admin").await?;
    browser.fill("#password", "short").await?;
    browser.click("button[type=submit]").await?;
    let error = browser
        .wait_for(r#"return document.getElementById("password-error").textContent;"#)
        .await?;
    assert_eq!(
        error,
        json!("At least 10 characters."),
        "the limit comes from the server's params"
    );
    assert_eq!(
        browser
            .eval(r#"return document.getElementById("password").getAttribute("aria-invalid");"#)
            .await?,
        json!("true")
    );

    browser.fill("#password", ADMIN_PASSWORD).await?;
    browser.click("button[type=submit]").await?;
    browser.wait_for(r#"return document.querySelector(".username") && document.querySelector(".username").textContent === "admin";"#).await?;
    expect_heading(&browser, "Click to Chat").await?;

    browser.click(".account-menu summary").await?;
    browser.click(".sign-out").await?;
    expect_heading(&browser, "Sign in to Switchboard").await?;
    browser.screenshot("02-sign-in").await?;
    browser.fill("#username", "admin").await?;
    browser.fill("#password", "not the password").await?;
    browser.click("button[type=submit]").await?;
    let error = browser
        .wait_for(r#"var e = document.querySelector(".form-error"); return e && e.textContent;"#)
        .await?;
    assert_eq!(error, json!("Wrong user name or password."));
    browser.fill("#password", ADMIN_PASSWORD).await?;
    browser.click("button[type=submit]").await?;
    browser
        .wait_for(r#"return document.querySelector(".username") !== null;"#)
        .await?;
    expect_heading(&browser, "Click to Chat").await?;
    browser.close().await
}

#[tokio::test]
async fn enable_click_to_chat_save_and_see_it_kept_after_reload() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let browser = Browser::start().await?;
    browser
        .client
        .goto(&app.url("/admin/click-to-chat"))
        .await?;
    sign_in(&browser).await?;

    browser.click("#enabled").await?;
    browser
        .click(r#"input[name=strategy][value=always_inherit]"#)
        .await?;
    browser
        .click(r#"label.provider-option:has(input[value=crisp])"#)
        .await?;
    browser
        .fill(
            "#account-website_id",
            "1C6E2B5A-3F4D-4E8A-9B7C-2D1E0F9A8B7C",
        )
        .await?;
    browser.click("#guests").await?;
    assert_eq!(
        browser
            .eval(r#"return document.querySelector(".unsaved").hidden;"#)
            .await?,
        json!(false)
    );
    browser.screenshot("03-click-to-chat").await?;

    // Leaving through the app's navigation with unsaved changes asks first;
    // staying keeps the screen and the edits.
    browser.click(r#"nav a[href="/admin/sites"]"#).await?;
    let question = browser.client.get_alert_text().await?;
    assert!(question.contains("unsaved changes"), "{question}");
    browser.client.dismiss_alert().await?;
    assert_eq!(
        browser.eval("return location.pathname;").await?,
        json!("/admin/click-to-chat")
    );
    assert_eq!(
        browser
            .eval(r#"return document.getElementById("account-website_id").value;"#)
            .await?,
        json!("1C6E2B5A-3F4D-4E8A-9B7C-2D1E0F9A8B7C")
    );
    browser.click("button.primary").await?;
    browser.wait_for(r#"var n = document.querySelector(".notice.ok"); return n && n.textContent === "Saved.";"#).await?;
    assert_eq!(
        browser
            .eval(r#"return document.querySelector(".unsaved").hidden;"#)
            .await?,
        json!(true)
    );

    browser.client.refresh().await?;
    browser.wait_for(r#"var i = document.getElementById("account-website_id"); return i && i.value === "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c";"#).await?;
    let kept = browser
        .eval(
            r#"return [document.getElementById("enabled").checked, document.getElementById("guests").checked,
                       document.querySelector("input[name=strategy]:checked").value, document.querySelector("input[name=provider]:checked").value];"#,
        )
        .await?;
    assert_eq!(kept, json!([true, true, "always_inherit", "crisp"]));

    let api = AdminApi::new(&app).await?;
    let stored = api.get("/instance/click-to-chat").await?;
    assert_eq!(
        stored["settings"]["account"]["website_id"],
        "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c"
    );
    browser.close().await
}

#[tokio::test]
async fn a_bad_account_value_shows_its_field_error_and_nothing_is_saved() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let browser = Browser::start().await?;
    browser
        .client
        .goto(&app.url("/admin/click-to-chat"))
        .await?;
    sign_in(&browser).await?;
    browser.click("#enabled").await?;
    browser
        .click(r#"label.provider-option:has(input[value=crisp])"#)
        .await?;
    browser
        .fill("#account-website_id", r#"abc"><script>"#)
        .await?;
    browser.click("button.primary").await?;
    let error = browser
        .wait_for(r#"return document.getElementById("account-website_id-error").textContent;"#)
        .await?;
    assert_eq!(
        error,
        json!("Only letters, digits, '_' and '-' are allowed here.")
    );
    assert_eq!(browser.eval(r#"return document.getElementById("account-website_id").getAttribute("aria-invalid");"#).await?, json!("true"));
    assert_eq!(
        browser.text_of(".notice.error").await?,
        "Some fields need attention; nothing was saved."
    );
    browser.screenshot("04-click-to-chat-field-error").await?;

    let api = AdminApi::new(&app).await?;
    let stored = api.get("/instance/click-to-chat").await?;
    assert_eq!(stored["settings"]["enabled"], false, "nothing was saved");
    assert_eq!(stored["settings"]["provider"], serde_json::Value::Null);
    browser.close().await
}

#[tokio::test]
async fn switching_to_japanese_translates_the_app_and_is_remembered() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let browser = Browser::start().await?;
    browser.client.goto(&app.url("/admin/")).await?;
    expect_heading(&browser, "Sign in to Switchboard").await?;
    browser
        .client
        .find(fantoccini::Locator::Css(".language select"))
        .await?
        .select_by_value("ja")
        .await?;
    expect_heading(&browser, "Switchboard にログイン").await?;
    sign_in(&browser).await?;
    browser.wait_for(r#"var l = document.querySelector(".switch-label"); return l && l.textContent === "Click to Chat を有効にする";"#).await?;
    assert_eq!(
        browser
            .eval("return document.documentElement.lang;")
            .await?,
        json!("ja")
    );
    let strategy = browser.eval(r#"return document.querySelector("input[value=always_inherit] + .choice-title").textContent;"#).await?;
    assert_eq!(strategy, json!("常に継承"));
    browser.screenshot("05-click-to-chat-japanese").await?;

    browser.client.refresh().await?;
    browser.wait_for(r#"var l = document.querySelector(".switch-label"); return l && l.textContent === "Click to Chat を有効にする";"#).await?;
    browser.close().await
}

#[tokio::test]
async fn unknown_admin_route_is_handled_by_the_client_router() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let browser = Browser::start().await?;
    // A deep link the server does not know gets the shell, and the SPA's own
    // router answers with its not-found screen.
    browser
        .client
        .goto(&app.url("/admin/no/such/screen"))
        .await?;
    expect_heading(&browser, "Page not found").await?;
    browser.close().await
}

#[tokio::test]
async fn sites_override_inheritance_read_only_and_delete() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let api = AdminApi::new(&app).await?;
    api.put(
        "/instance/click-to-chat",
        json!({"enabled": true, "site_settings_strategy": "inherit_or_override", "provider": "crisp",
            "account": {"website_id": "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c"}, "guest_users_allowed": true}),
    )
    .await?;
    let browser = Browser::start().await?;
    browser.client.goto(&app.url("/admin/sites")).await?;
    sign_in(&browser).await?;
    expect_heading(&browser, "Sites").await?;

    // Add a site.
    browser.fill("#new-site-name", "Shop").await?;
    browser.fill("#new-site-id", "shop").await?;
    browser
        .fill(
            "#new-site-domains",
            "shop.example.com\nwww.shop.example.com",
        )
        .await?;
    browser.click("form.add-site button.primary").await?;
    browser
        .wait_for(r#"return document.querySelector('tr[data-site="shop"]') !== null;"#)
        .await?;
    browser.screenshot("06-sites").await?;

    // Its page: inherits Crisp; give it Tawk.to of its own.
    browser.click(r#"tr[data-site="shop"] a"#).await?;
    let summary = browser
        .wait_for(
            r#"var s = document.querySelector(".effective-summary"); return s && s.textContent;"#,
        )
        .await?;
    assert_eq!(
        summary,
        json!("Crisp, inherited from the instance settings")
    );
    assert!(browser
        .text_of("#embed-code")
        .await?
        .ends_with(r#"/widget.js" data-site="shop"></script>"#));
    assert!(browser
        .text_of("#csp-policy")
        .await?
        .contains("'wasm-unsafe-eval' https://client.crisp.chat"));
    browser.click("#site-settings #enabled").await?;
    browser
        .click(r#"#site-settings label.provider-option:has(input[value=tawkto])"#)
        .await?;
    browser
        .fill("#account-property_id", "5f8e1a2b3c4d5e6f7a8b9c0d")
        .await?;
    browser.click("#site-settings button.primary").await?;
    let summary = browser.wait_for(r#"var s = document.querySelector(".effective-summary"); return s && s.textContent.indexOf("Tawk.to") === 0 ? s.textContent : null;"#).await?;
    assert_eq!(summary, json!("Tawk.to, from this site's own settings"));
    browser.screenshot("07-site-override").await?;

    // Under Always Inherit the same site's settings are read-only, with the reason.
    let mut instance = api.get("/instance/click-to-chat").await?["settings"].clone();
    instance["site_settings_strategy"] = json!("always_inherit");
    api.put("/instance/click-to-chat", instance).await?;
    browser.client.refresh().await?;
    browser
        .wait_for(r#"var n = document.querySelector(".notice.readonly"); return n && !n.hidden;"#)
        .await?;
    assert_eq!(
        browser
            .eval(r#"return document.querySelector('#site-settings fieldset.plain').disabled;"#)
            .await?,
        json!(true)
    );
    assert_eq!(
        browser
            .eval(r#"return document.querySelector('#site-settings button.primary').disabled;"#)
            .await?,
        json!(true)
    );
    let summary = browser.wait_for(r#"var s = document.querySelector(".effective-summary"); return s && s.textContent.indexOf("Crisp") === 0 ? s.textContent : null;"#).await?;
    assert_eq!(
        summary,
        json!("Crisp, inherited from the instance settings")
    );
    browser.screenshot("08-site-always-inherit").await?;

    // Delete, with a confirmation that says it cannot be undone.
    browser.click("button.danger-outline").await?;
    let warning = browser
        .wait_for(
            r#"var d = document.querySelector("dialog.confirm"); return d.open && d.textContent;"#,
        )
        .await?;
    assert!(
        warning
            .as_str()
            .unwrap_or_default()
            .contains("cannot be undone"),
        "{warning}"
    );
    browser.click("dialog.confirm button.danger").await?;
    browser
        .wait_for(r#"return location.pathname === "/admin/sites";"#)
        .await?;
    browser
        .wait_for(r#"return document.querySelector(".empty") !== null;"#)
        .await?;
    assert!(api.get("/sites").await?["sites"]
        .as_array()
        .is_some_and(Vec::is_empty));
    browser.close().await
}

#[tokio::test]
async fn api_key_shown_once_works_against_the_api_then_deleted_and_audited() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let browser = Browser::start().await?;
    browser.client.goto(&app.url("/admin/api-keys")).await?;
    sign_in(&browser).await?;
    expect_heading(&browser, "API access keys").await?;

    browser.fill("#new-key-name", "Deploy robot").await?;
    browser.click("form.add-key button.primary").await?;
    let key = browser
        .wait_for(r#"var k = document.getElementById("new-key"); return k && k.textContent;"#)
        .await?;
    let key = key.as_str().unwrap_or_default().to_string();
    assert!(key.starts_with("sbk_"), "{key}");
    assert!(browser
        .text_of(".new-key .warning-text")
        .await?
        .contains("will not be shown again"));
    browser.screenshot("09-api-key-created").await?;

    // The key works against the API, as an integrator would use it.
    let url = app.url("/api/v1/sites");
    let bearer = format!("Bearer {key}");
    let status = move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        agent
            .get(&url)
            .header("authorization", &bearer)
            .call()
            .map(|r| r.status().as_u16())
    };
    let first = status.clone();
    assert_eq!(tokio::task::spawn_blocking(first).await??, 200);

    // Once dismissed, the key is gone from the page; the list shows only its prefix.
    browser.click(".new-key button:nth-of-type(2)").await?;
    browser
        .wait_for(r#"return document.getElementById("new-key") === null;"#)
        .await?;
    let row = browser
        .wait_for(r#"var r = document.querySelector("tr[data-key]"); return r && r.textContent;"#)
        .await?;
    let row = row.as_str().unwrap_or_default().to_string();
    assert!(
        row.contains("Deploy robot") && row.contains(&key[..12]) && !row.contains(&key[12..]),
        "{row}"
    );

    // Delete, confirmed; the key is refused from then on.
    browser.click("tr[data-key] button.delete").await?;
    browser
        .wait_for(r#"return document.querySelectorAll("dialog.confirm")[1].open;"#)
        .await?;
    browser.click("dialog.confirm[open] button.danger").await?;
    browser
        .wait_for(r#"return document.querySelector("tr[data-key]") === null;"#)
        .await?;
    assert_eq!(tokio::task::spawn_blocking(status).await??, 401);

    // The audit log screen shows what happened.
    browser.click(r#"a[href="/admin/audit"]"#).await?;
    let actions = browser.wait_for(r#"var c = document.querySelectorAll("table.audit tbody td code"); return c.length >= 3 && Array.from(c).map(function (e) { return e.textContent; });"#).await?;
    assert_eq!(actions[0], json!("api_key.delete"));
    // In-app navigation moves focus to the new screen and names the tab after it.
    assert_eq!(
        browser.eval("return document.activeElement.id;").await?,
        json!("main")
    );
    assert_eq!(
        browser.eval("return document.title;").await?,
        json!("Audit log – Switchboard")
    );
    assert!(
        actions.as_array().is_some_and(
            |a| a.contains(&json!("api_key.create")) && a.contains(&json!("session.login"))
        ),
        "{actions}"
    );
    browser.screenshot("10-audit-log").await?;
    browser.close().await
}

#[tokio::test]
async fn a_stale_save_says_someone_else_changed_it_and_reloads_their_version() -> anyhow::Result<()>
{
    let app = spawn_app().await?;
    let browser = Browser::start().await?;
    browser
        .client
        .goto(&app.url("/admin/click-to-chat"))
        .await?;
    sign_in(&browser).await?;
    browser
        .wait_for(r#"return document.getElementById("enabled") !== null;"#)
        .await?;

    // Another admin saves while this page is open.
    let api = AdminApi::new(&app).await?;
    api.put(
        "/instance/click-to-chat",
        json!({"enabled": true, "site_settings_strategy": "always_override", "provider": null, "guest_users_allowed": false}),
    )
    .await?;

    browser.click("#guests").await?;
    browser.click("button.primary").await?;
    let stale = browser
        .wait_for(r#"var n = document.querySelector(".notice.error"); return n && n.textContent;"#)
        .await?;
    assert!(
        stale
            .as_str()
            .unwrap_or_default()
            .contains("Someone else changed these settings"),
        "{stale}"
    );
    assert_eq!(
        api.get("/instance/click-to-chat").await?["settings"]["guest_users_allowed"],
        false,
        "nothing was overwritten"
    );

    browser.click(".notice.error button").await?;
    browser.wait_for(r#"var s = document.querySelector("input[name=strategy]:checked"); return s && s.value === "always_override" && document.getElementById("enabled").checked;"#).await?;
    browser.close().await
}

#[tokio::test]
async fn a_sites_name_and_domains_can_be_edited_and_conflicts_are_shown() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let api = AdminApi::new(&app).await?;
    api.post(
        "/sites",
        json!({"id": "blog", "name": "Blog", "domains": ["blog.example.com"]}),
    )
    .await?;
    api.post(
        "/sites",
        json!({"id": "shop", "name": "Shop", "domains": ["shop.example.com"]}),
    )
    .await?;
    let browser = Browser::start().await?;
    browser.client.goto(&app.url("/admin/sites/shop")).await?;
    sign_in(&browser).await?;
    browser.wait_for(r#"var i = document.getElementById("site-domains"); return i && i.value === "shop.example.com";"#).await?;

    browser
        .fill("#site-domains", "shop.example.com\nblog.example.com")
        .await?;
    browser
        .click("form[aria-labelledby=details-title] button.primary")
        .await?;
    let error = browser
        .wait_for(r#"return document.getElementById("site-domains-error").textContent;"#)
        .await?;
    assert!(
        error
            .as_str()
            .unwrap_or_default()
            .contains("blog.example.com already belongs to site blog."),
        "{error}"
    );

    browser.fill("#site-name", "Web shop").await?;
    browser
        .fill("#site-domains", "shop.example.com\nWWW.Shop.Example.com")
        .await?;
    browser
        .click("form[aria-labelledby=details-title] button.primary")
        .await?;
    browser
        .wait_for(r#"var h = document.querySelector("h1.page-title"); return h && h.textContent === "Web shop";"#)
        .await?;
    let stored = api.get("/sites/shop").await?;
    assert_eq!(
        stored,
        json!({"id": "shop", "name": "Web shop", "domains": ["shop.example.com", "www.shop.example.com"]})
    );
    browser.close().await
}

#[tokio::test]
async fn every_screen_fits_a_phone() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let api = AdminApi::new(&app).await?;
    api.post(
        "/sites",
        json!({"id": "shop", "name": "Shop", "domains": ["shop.example.com"]}),
    )
    .await?;
    let browser = Browser::start().await?;
    browser.client.set_window_size(390, 844).await?;
    browser
        .client
        .goto(&app.url("/admin/click-to-chat"))
        .await?;
    sign_in(&browser).await?;
    for (path, name) in [
        ("/admin/click-to-chat", "11-phone-click-to-chat"),
        ("/admin/sites", "12-phone-sites"),
        ("/admin/sites/shop", "13-phone-site"),
        ("/admin/api-keys", "14-phone-api-keys"),
        ("/admin/audit", "15-phone-audit"),
        ("/admin/account", "16-phone-account"),
    ] {
        browser.client.goto(&app.url(path)).await?;
        browser.wait_for(r#"return document.querySelector("main h1.page-title") !== null && document.querySelector(".page-status") === null;"#).await?;
        browser.screenshot(name).await?;
        // Tables may scroll inside their own box; the page itself must not scroll sideways.
        let too_wide = browser
            .eval(
                r#"return Array.from(document.querySelectorAll("body *"))
                     .filter(function (e) { return e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest(".table-wrap"); })
                     .map(function (e) { return e.tagName + "." + e.className; }).slice(0, 5);"#,
            )
            .await?;
        assert_eq!(too_wide, json!([]), "{path} is wider than a phone");
        let fits = browser
            .eval("return document.documentElement.scrollWidth <= window.innerWidth;")
            .await?;
        assert_eq!(fits, json!(true), "{path} scrolls sideways on a phone");
    }
    browser.close().await
}

/// The audit log pages forward and back, names actions and keys readably,
/// and shows why a sign-in failed, in both languages.
#[tokio::test]
async fn the_audit_log_pages_through_its_entries_with_readable_actions() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let api = AdminApi::new(&app).await?;
    // 40 entries and a few more: two pages of 25.
    for n in 0..40 {
        api.post(
            "/sites",
            json!({"id": format!("s{n}"), "name": format!("Site {n}"), "domains": []}),
        )
        .await?;
    }
    let browser = Browser::start().await?;
    browser.client.goto(&app.url("/admin/")).await?;
    expect_heading(&browser, "Sign in to Switchboard").await?;
    browser.fill("#username", "admin").await?;
    browser.fill("#password", "not the password").await?;
    browser.click("button[type=submit]").await?;
    browser
        .wait_for(r#"return document.querySelector("[role=alert]") !== null;"#)
        .await?;
    sign_in(&browser).await?;
    browser.click(r#"a[href="/admin/audit"]"#).await?;
    expect_heading(&browser, "Audit log").await?;

    let pager = r#"var n = document.querySelector(".pager .next"), p = document.querySelector(".pager .previous"), c = document.querySelector(".page-count");
        return n && c ? [c.textContent, n.getAttribute("aria-disabled") === "true", p.getAttribute("aria-disabled") === "true"] : null;"#;
    let first = browser.wait_for(pager).await?;
    assert_eq!(
        first[0].as_str().map(|t| t.ends_with("1 / 2")),
        Some(true),
        "{first}"
    );
    assert_eq!(
        (first[1].clone(), first[2].clone()),
        (json!(false), json!(true)),
        "Next works, Previous does not on page 1"
    );
    let newest = browser.text_of("table.audit tbody tr .action-name").await?;
    assert_eq!(newest, "Sign-in");
    let wrong = browser.eval(r#"return Array.from(document.querySelectorAll("table.audit td.detail")).map(function (d) { return d.textContent; });"#).await?;
    assert!(
        wrong
            .as_array()
            .is_some_and(|d| d.contains(&json!("Wrong user name or password."))),
        "{wrong}"
    );

    browser.click(".pager .next").await?;
    let second = browser.wait_for(r#"var c = document.querySelector(".page-count"); return c && c.textContent.endsWith("2 / 2") ? [document.querySelector(".pager .next").getAttribute("aria-disabled") === "true", document.querySelector(".pager .previous").getAttribute("aria-disabled") === "true"] : null;"#).await?;
    assert_eq!(second, json!([true, false]));
    let oldest = browser.eval(r#"var rows = document.querySelectorAll("table.audit tbody tr .action-name"); return rows[rows.length - 1].textContent;"#).await?;
    assert!(oldest.as_str().is_some_and(|t| !t.is_empty()), "{oldest}");
    let key_entry = browser.eval(r#"var row = Array.from(document.querySelectorAll("table.audit tbody tr")).find(function (r) { return r.querySelector("code").textContent === "api_key.create"; }); return row ? row.children[4].textContent : null;"#).await?;
    assert!(
        key_entry
            .as_str()
            .is_some_and(|name| name.starts_with("end-to-end tests ")),
        "a key is named, not its id: {key_entry}"
    );

    browser.click(".pager .previous").await?;
    browser.wait_for(r#"var c = document.querySelector(".page-count"); return c && c.textContent.endsWith("1 / 2");"#).await?;
    browser
        .client
        .find(fantoccini::Locator::Css(".language select"))
        .await?
        .select_by_value("ja")
        .await?;
    browser.wait_for(r#"var a = document.querySelector("table.audit tbody tr .action-name"); return a && a.textContent === "サインイン";"#).await?;
    let detail = browser.eval(r#"return Array.from(document.querySelectorAll("table.audit td.detail")).map(function (d) { return d.textContent; });"#).await?;
    assert!(
        detail
            .as_array()
            .is_some_and(|d| d.contains(&json!("ユーザー名またはパスワードが違います。"))),
        "{detail}"
    );
    browser.screenshot("16-audit-log-paged-japanese").await?;
    browser.close().await
}

/// An unknown or deleted site is a not-found page, not a site screen; a
/// site's name typed but not saved is not lost without a question; the
/// delete dialog names the site.
#[tokio::test]
async fn unknown_sites_are_not_found_and_unsaved_site_details_are_kept() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let api = AdminApi::new(&app).await?;
    api.post(
        "/sites",
        json!({"id": "shop", "name": "Shop", "domains": []}),
    )
    .await?;
    let browser = Browser::start().await?;
    browser.client.goto(&app.url("/admin/sites/xyz")).await?;
    sign_in(&browser).await?;
    expect_heading(&browser, "Site not found").await?;
    let page = browser.eval(r#"return [document.getElementById("embed-code") === null, document.querySelector("button.danger-outline") === null, document.getElementById("site-settings") === null];"#).await?;
    assert_eq!(
        page,
        json!([true, true, true]),
        "no embed code, Delete or settings for a site that does not exist"
    );

    // Unsaved name: the app's own navigation asks, and staying keeps it.
    browser.click(r#"nav a[href="/admin/sites"]"#).await?;
    expect_heading(&browser, "Sites").await?;
    browser.click(r#"a[href="/admin/sites/shop"]"#).await?;
    expect_heading(&browser, "Shop").await?;
    browser.fill("#site-name", "Shop (renamed)").await?;
    browser.click(r#"nav a[href="/admin/audit"]"#).await?;
    let question = browser.client.get_alert_text().await?;
    assert!(question.contains("unsaved changes"), "{question}");
    browser.client.dismiss_alert().await?;
    assert_eq!(
        browser
            .eval("return document.getElementById('site-name').value;")
            .await?,
        json!("Shop (renamed)")
    );
    // So does the screen's own "All sites" link, which is not marked current.
    assert_eq!(
        browser
            .eval(r#"return document.querySelector(".breadcrumb a").getAttribute("aria-current");"#)
            .await?,
        json!(null)
    );
    browser.click(".breadcrumb a").await?;
    let question = browser.client.get_alert_text().await?;
    assert!(question.contains("unsaved changes"), "{question}");
    browser.client.dismiss_alert().await?;
    assert_eq!(
        browser.eval("return location.pathname;").await?,
        json!("/admin/sites/shop")
    );
    // And the browser's Back button: staying keeps the address and the edit.
    browser.eval("history.back(); return true;").await?;
    let question = browser.client.get_alert_text().await?;
    assert!(question.contains("unsaved changes"), "{question}");
    browser.client.dismiss_alert().await?;
    browser
        .wait_for(r#"return location.pathname === "/admin/sites/shop";"#)
        .await?;
    assert_eq!(
        browser
            .eval("return document.getElementById('site-name').value;")
            .await?,
        json!("Shop (renamed)")
    );

    // The delete dialog names the site; after deleting, Back is not found.
    browser.click("button.danger-outline").await?;
    let dialog = browser
        .wait_for(
            r#"var d = document.querySelector("dialog.confirm"); return d.open && d.textContent;"#,
        )
        .await?;
    assert!(
        dialog.as_str().is_some_and(|t| t.contains("Shop")),
        "{dialog}"
    );
    browser.click("dialog.confirm button.danger").await?;
    browser
        .wait_for(r#"return location.pathname === "/admin/sites";"#)
        .await?;
    browser.client.back().await?;
    expect_heading(&browser, "Site not found").await?;
    browser.close().await
}

/// The server ends the session while the admin edits: saving says so in the
/// admin's language, offers to sign in again in place, keeps the edits, and
/// the next Save goes through.
#[tokio::test]
async fn an_ended_session_signs_in_again_in_place_keeping_the_edits() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let api = AdminApi::new(&app).await?;
    let browser = Browser::start().await?;
    browser
        .client
        .goto(&app.url("/admin/click-to-chat"))
        .await?;
    expect_heading(&browser, "Sign in to Switchboard").await?;
    browser
        .client
        .find(fantoccini::Locator::Css(".language select"))
        .await?
        .select_by_value("ja")
        .await?;
    sign_in(&browser).await?;
    browser.click("#enabled").await?;
    browser
        .click(r#"label.provider-option:has(input[value=crisp])"#)
        .await?;
    browser
        .fill(
            "#account-website_id",
            "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c",
        )
        .await?;

    // The session ends on the server (as after a restart or the idle timeout).
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

    browser.click("button.primary").await?;
    let title = browser.wait_for(r#"var d = document.querySelector("dialog.sign-in-again"); return d && d.open ? d.querySelector("h2").textContent : null;"#).await?;
    assert_eq!(title, json!("セッションが終了しました"));
    assert_eq!(
        browser.text_of(".session-ended").await?,
        "セッション終了",
        "the header no longer says who is signed in"
    );
    assert_eq!(
        browser
            .eval("return document.querySelector('.username');")
            .await?,
        json!(null)
    );

    browser.fill("#again-password", ADMIN_PASSWORD).await?;
    browser.click("dialog.sign-in-again button.primary").await?;
    browser
        .wait_for(r#"return !document.querySelector("dialog.sign-in-again").open;"#)
        .await?;
    assert_eq!(
        browser
            .eval("return document.getElementById('account-website_id').value;")
            .await?,
        json!("1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c"),
        "the edit is kept"
    );
    browser.click("button.primary").await?;
    browser.wait_for(r#"var n = document.querySelector(".notice.ok"); return n && n.textContent === "保存しました。";"#).await?;
    let saved = api.get("/instance/click-to-chat").await?;
    assert_eq!(saved["settings"]["provider"], "crisp");
    assert_eq!(browser.text_of(".username").await?, "admin");
    browser.close().await
}

/// The smaller things a new admin tripped over, each checked once.
#[tokio::test]
async fn the_smaller_things_a_new_admin_noticed_hold() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let api = AdminApi::new(&app).await?;
    let long_name = "A".repeat(100);
    api.post(
        "/sites",
        json!({"id": "long", "name": long_name, "domains": []}),
    )
    .await?;
    let browser = Browser::start().await?;
    browser.client.set_window_size(1280, 900).await?;

    // /admin/ is the Click to Chat screen under its own address, marked in the menu.
    browser.client.goto(&app.url("/admin/")).await?;
    sign_in(&browser).await?;
    browser
        .wait_for(r#"return location.pathname === "/admin/click-to-chat";"#)
        .await?;
    let current = browser.eval(r#"var a = document.querySelector('nav a[aria-current="page"]'); return a && a.getAttribute("href");"#).await?;
    assert_eq!(current, json!("/admin/click-to-chat"));

    // Switched on with provider "None": saved, with a warning next to the provider.
    browser.click("#enabled").await?;
    browser.click("button.primary").await?;
    let warning = browser.wait_for(r##"var w = document.querySelector("#provider .field-warning"); return w && w.textContent;"##).await?;
    assert!(
        warning
            .as_str()
            .is_some_and(|w| w.contains("no provider is chosen")),
        "{warning}"
    );
    let instance_help = browser.text_of("#enabled-help").await.unwrap_or_default();

    // Signing out with unsaved changes asks first.
    browser.click("#guests").await?;
    browser.click(".account-menu summary").await?;
    browser.click(".sign-out").await?;
    let question = browser.client.get_alert_text().await?;
    assert!(question.contains("unsaved changes"), "{question}");
    browser.client.dismiss_alert().await?;
    browser.click("#guests").await?;

    // A long name without spaces wraps inside the table.
    browser.click(r#"nav a[href="/admin/sites"]"#).await?;
    browser
        .wait_for(r#"return document.querySelector('tr[data-site="long"]') !== null;"#)
        .await?;
    let fits = browser.eval(r#"var w = document.querySelector(".table-wrap"); return w.scrollWidth <= w.clientWidth;"#).await?;
    assert_eq!(fits, json!(true), "the sites table is wider than its box");
    // The site's own switch has its own help.
    browser.click(r#"a[href="/admin/sites/long"]"#).await?;
    let site_help = browser.text_of("#enabled-help").await?;
    assert_ne!(
        site_help, instance_help,
        "the site's Enable help repeats the instance's"
    );

    // LiveChat's group is labelled once as optional.
    browser
        .client
        .goto(&app.url("/admin/click-to-chat"))
        .await?;
    browser
        .click(r#"label.provider-option:has(input[value=livechat])"#)
        .await?;
    let label = browser.text_of(r#"label[for="account-group"]"#).await?;
    assert_eq!(label.matches("optional").count(), 1, "{label}");

    // Keys: rename takes the focus and Escape cancels; Copied. fades; a deleted
    // key leaves the new-key banner.
    browser.client.goto(&app.url("/admin/api-keys")).await?;
    browser.fill("#new-key-name", "deploy").await?;
    browser.click("form.add-key button.primary").await?;
    browser
        .wait_for(r#"return document.getElementById("new-key") !== null;"#)
        .await?;
    browser.click("section.new-key button").await?;
    browser.wait_for(r#"var n = document.querySelector("section.new-key .notice.ok"); return n && n.textContent === "Copied.";"#).await?;
    browser.wait_for(r#"var n = document.querySelector("section.new-key .notice.ok"); return n && n.textContent === "";"#).await?;
    // The new key's row (beside the tests' own key).
    browser.eval(r#"Array.from(document.querySelectorAll("tr[data-key]")).find(function (r) { return r.querySelector(".key-name").textContent === "deploy"; }).setAttribute("data-test", "deploy"); return true;"#).await?;
    browser.click("tr[data-test=deploy] button.rename").await?;
    browser
        .wait_for(r#"return document.activeElement && document.activeElement.id === "rename";"#)
        .await?;
    browser
        .client
        .find(fantoccini::Locator::Css("#rename"))
        .await?
        .send_keys("x\u{E00C}")
        .await?;
    browser
        .wait_for(r#"return document.getElementById("rename") === null;"#)
        .await?;
    assert_eq!(
        browser.text_of("tr[data-test=deploy] .key-name").await?,
        "deploy",
        "Escape left the name as it was"
    );
    browser.click("tr[data-test=deploy] button.delete").await?;
    browser
        .wait_for(r#"return document.querySelector("dialog.confirm[open]") !== null;"#)
        .await?;
    browser.click("dialog.confirm[open] button.danger").await?;
    browser
        .wait_for(r#"return document.querySelectorAll("tr[data-key]").length === 1;"#)
        .await?;
    assert_eq!(
        browser
            .eval(r#"return document.querySelector("section.new-key") === null;"#)
            .await?,
        json!(true),
        "the deleted key is still shown as new"
    );
    browser.close().await
}
