//! Each screen's code is its own wasm chunk, fetched when the screen is first
//! opened (`cargo xtask build` splits the app; see README "How the build works").

use crate::common::{expect_heading, sign_in};
use serde_json::{json, Value};
use switchboard_e2e::{assets_dir, spawn_app, Browser, ADMIN_PASSWORD};

/// Script that makes the page's fetches of URLs containing each text answer
/// that many milliseconds late (everything else answers as usual).
fn answer_late(rules: &[(&str, u32)]) -> String {
    let rules = serde_json::to_string(rules).unwrap_or_default();
    format!(
        r#"const fetch0 = window.fetch;
           const rules = {rules};
           window.fetch = function (input, init) {{
             const url = String(input && input.url || input);
             const answer = fetch0.call(this, input, init);
             const rule = rules.find(([part]) => url.includes(part));
             if (!rule) return answer;
             return answer.then(r => new Promise(done => setTimeout(() => done(r), rule[1])));
           }};
"#
    )
}

/// The wasm files the page has fetched so far, by file name, in order.
async fn fetched_wasm(browser: &Browser) -> anyhow::Result<Vec<String>> {
    let names = browser
        .eval(
            r#"return performance.getEntriesByType("resource")
                .map(e => new URL(e.name).pathname.split("/").pop())
                .filter(n => n.endsWith(".wasm"));"#,
        )
        .await?;
    Ok(serde_json::from_value(names)?)
}

/// The chunk files a screen needs, from the manifest the build writes.
fn chunks_of(screen: &str) -> anyhow::Result<Vec<String>> {
    let path = assets_dir().join("admin").join("split-manifest.json");
    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(path)?)?;
    let files = manifest["screens"][screen]
        .as_array()
        .ok_or_else(|| anyhow::anyhow!("no screen {screen} in the split manifest"))?;
    Ok(files
        .iter()
        .filter_map(Value::as_str)
        .map(|f| format!("{f}.wasm"))
        .collect())
}

#[tokio::test]
async fn a_cold_load_fetches_the_main_module_and_each_screen_once_when_opened() -> anyhow::Result<()>
{
    let app = spawn_app().await?;
    let browser = Browser::start().await?;
    browser.client.goto(&app.url("/admin/")).await?;
    sign_in(&browser).await?;
    expect_heading(&browser, "Click to Chat").await?;

    let mut first = vec!["app_bg.wasm".to_string()];
    first.extend(chunks_of("click_to_chat")?);
    let mut fetched = fetched_wasm(&browser).await?;
    fetched.sort();
    first.sort();
    assert_eq!(
        fetched, first,
        "a cold load fetches the main module and the first screen's chunks only"
    );

    // Opening the sites screen fetches its chunk; coming back to it does not.
    browser.click(r#"nav a[href="/admin/sites"]"#).await?;
    expect_heading(&browser, "Sites").await?;
    browser
        .click(r#"nav a[href="/admin/click-to-chat"]"#)
        .await?;
    expect_heading(&browser, "Click to Chat").await?;
    browser.click(r#"nav a[href="/admin/sites"]"#).await?;
    expect_heading(&browser, "Sites").await?;
    let fetched = fetched_wasm(&browser).await?;
    for chunk in chunks_of("sites")? {
        let times = fetched.iter().filter(|name| **name == chunk).count();
        assert_eq!(times, 1, "{chunk} fetched {times} times: {fetched:?}");
    }
    assert!(
        !fetched.contains(&"split_audit.wasm".to_string()),
        "a screen never opened or pointed at is not fetched: {fetched:?}"
    );
    browser.close().await
}

#[tokio::test]
async fn hovering_or_focusing_a_menu_link_fetches_its_screen_before_the_click() -> anyhow::Result<()>
{
    let app = spawn_app().await?;
    let browser = Browser::start().await?;
    browser.client.goto(&app.url("/admin/")).await?;
    sign_in(&browser).await?;
    expect_heading(&browser, "Click to Chat").await?;
    browser
        .eval(r#"document.querySelector('nav a[href="/admin/audit"]').focus();"#)
        .await?;
    browser
        .wait_for(
            r#"return performance.getEntriesByType("resource")
                .some(e => e.name.endsWith("/split_audit.wasm"));"#,
        )
        .await?;
    expect_heading(&browser, "Click to Chat").await?;
    browser.close().await
}

#[tokio::test]
async fn deep_links_and_reloads_open_every_screen() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let api = switchboard_e2e::AdminApi::new(&app).await?;
    api.post(
        "/sites",
        json!({"id": "shop", "name": "Shop", "domains": ["shop.example"]}),
    )
    .await?;
    let browser = Browser::start().await?;
    browser.client.goto(&app.url("/admin/")).await?;
    sign_in(&browser).await?;
    for (path, heading) in [
        ("/admin/click-to-chat", "Click to Chat"),
        ("/admin/sites", "Sites"),
        ("/admin/sites/shop", "Shop"),
        ("/admin/api-keys", "API access keys"),
        ("/admin/conversations", "Conversations"),
        ("/admin/audit", "Audit log"),
        ("/admin/account", "Your account"),
    ] {
        browser.client.goto(&app.url(path)).await?;
        expect_heading(&browser, heading).await?;
        browser.client.refresh().await?;
        expect_heading(&browser, heading).await?;
    }
    browser.close().await
}

#[tokio::test]
async fn a_screen_whose_code_cannot_be_fetched_offers_to_try_again() -> anyhow::Result<()> {
    let mut app = spawn_app().await?;
    let browser = Browser::start().await?;
    browser.client.goto(&app.url("/admin/")).await?;
    sign_in(&browser).await?;
    expect_heading(&browser, "Click to Chat").await?;

    app.stop().await?;
    // A script click: a pointer would hover the link and start the fetch early.
    browser
        .eval(r#"document.querySelector('nav a[href="/admin/api-keys"]').click();"#)
        .await?;
    let message = browser
        .wait_for(r#"var e = document.querySelector("main [role=alert] .error"); return e && e.textContent;"#)
        .await?;
    assert_eq!(
        message,
        json!(
            "This screen could not be loaded from the server. Check your connection and try again; if Switchboard was updated meanwhile, reload the page."
        )
    );
    assert_eq!(
        browser
            .eval("return document.querySelector('header .brand') !== null;")
            .await?,
        json!(true),
        "the frame of the app is still there"
    );

    app.start_again().await?;
    browser.click("button.screen-retry").await?;
    expect_heading(&browser, "API access keys").await?;
    browser.close().await
}

#[tokio::test]
async fn switching_quickly_between_two_sites_never_shows_the_first_ones_data() -> anyhow::Result<()>
{
    let app = spawn_app().await?;
    let api = switchboard_e2e::AdminApi::new(&app).await?;
    for (id, name) in [("alpha", "Alpha shop"), ("beta", "Beta shop")] {
        api.post(
            "/sites",
            json!({"id": id, "name": name, "domains": [format!("{id}.example")]}),
        )
        .await?;
    }
    api.put(
        "/sites/alpha/click-to-chat",
        json!({"enabled": true, "provider": "crisp", "guest_users_allowed": true,
            "account": {"website_id": "7598bf86-9ebb-46bc-8c61-be8929bbf93d"}}),
    )
    .await?;
    let browser = Browser::start().await?;
    browser.client.goto(&app.url("/admin/sites/beta")).await?;
    sign_in(&browser).await?;
    expect_heading(&browser, "Beta shop").await?;

    // Everything about alpha answers late; beta answers at once.
    browser
        .eval(&format!(
            "{}{}",
            answer_late(&[("/sites/alpha", 1500)]),
            r#"const go = path => {
                 history.pushState(null, "", path);
                 window.dispatchEvent(new PopStateEvent("popstate"));
               };
               go("/admin/sites/alpha");
               setTimeout(() => go("/admin/sites/beta"), 100);"#
        ))
        .await?;
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    expect_heading(&browser, "Beta shop").await?;
    let shown = browser
        .eval(
            r#"return {
                 path: location.pathname,
                 name: document.getElementById("site-name").value,
                 domains: document.getElementById("site-domains").value,
                 embed: document.getElementById("embed-code").textContent,
                 enabled: document.getElementById("enabled").checked,
                 effective: document.querySelector(".effective-summary").textContent,
               };"#,
        )
        .await?;
    assert_eq!(shown["path"], json!("/admin/sites/beta"));
    assert_eq!(shown["name"], json!("Beta shop"));
    assert_eq!(shown["domains"], json!("beta.example"));
    assert!(
        shown["embed"]
            .as_str()
            .is_some_and(|e| e.contains(r#"data-site="beta""#)),
        "{shown}"
    );
    assert_eq!(
        shown["enabled"],
        json!(false),
        "alpha's own settings never reach beta's form"
    );
    assert!(
        !shown["effective"]
            .as_str()
            .unwrap_or_default()
            .contains("Crisp"),
        "{shown}"
    );
    browser.close().await
}

#[tokio::test]
async fn the_account_menu_changes_the_password_and_signs_out_everywhere() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let browser = Browser::start().await?;
    browser.client.goto(&app.url("/admin/")).await?;
    sign_in(&browser).await?;
    expect_heading(&browser, "Click to Chat").await?;

    browser.click(".account-menu summary").await?;
    browser
        .click(r#".account-menu a[href="/admin/account"]"#)
        .await?;
    expect_heading(&browser, "Your account").await?;
    assert_eq!(
        browser
            .eval("return document.querySelector('.account-menu').open;")
            .await?,
        json!(false),
        "choosing an item closes the menu"
    );
    browser.assert_accessible("account screen").await?;

    browser.fill("#current-password", "not my password").await?;
    browser
        .fill("#new-password", "a brand new passphrase")
        .await?;
    browser.click("form.change-password button.primary").await?;
    let error = browser
        .wait_for(r#"var e = document.getElementById("current-password-error"); return e && e.textContent;"#)
        .await?;
    assert_eq!(error, json!("This is not your current password."));

    browser.fill("#current-password", ADMIN_PASSWORD).await?;
    browser.click("form.change-password button.primary").await?;
    let done = browser
        .wait_for(r#"var n = document.querySelector("form.change-password .notice.ok"); return n && n.textContent;"#)
        .await?;
    assert_eq!(
        done,
        json!("Password changed. Your sessions in other browsers have ended.")
    );
    assert_eq!(
        browser
            .eval("return document.getElementById('current-password').value;")
            .await?,
        json!(""),
        "the passwords do not stay in the form"
    );

    browser.click(".account-menu summary").await?;
    browser.click(".account-menu .sign-out-everywhere").await?;
    browser
        .wait_for(r#"return document.getElementById("username") !== null;"#)
        .await?;
    browser.fill("#username", "admin").await?;
    browser.fill("#password", "a brand new passphrase").await?;
    browser.click("button[type=submit]").await?;
    browser
        .wait_for(r#"return document.querySelector(".username") !== null;"#)
        .await?;
    browser.close().await
}

#[tokio::test]
async fn a_screen_whose_code_arrives_after_the_admin_went_on_never_covers_the_current_one(
) -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let browser = Browser::start().await?;
    browser.client.goto(&app.url("/admin/")).await?;
    sign_in(&browser).await?;
    expect_heading(&browser, "Click to Chat").await?;
    // The API keys screen's code is slow to arrive; the admin moves on to
    // the audit log before it does.
    browser
        .eval(
            &format!(
                "{}{}",
                answer_late(&[("split_api_keys", 1500)]),
                r#"document.querySelector('nav a[href="/admin/api-keys"]').click();
               setTimeout(() => document.querySelector('nav a[href="/admin/audit"]').click(), 150);"#
            ),
        )
        .await?;
    expect_heading(&browser, "Audit log").await?;
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(
        browser
            .eval("return [location.pathname, document.querySelector('main h1.page-title').textContent];")
            .await?,
        json!(["/admin/audit", "Audit log"])
    );
    // Back and forth before the slow code arrives: the last one asked for shows.
    browser.eval(r#"window.location.reload();"#).await?;
    expect_heading(&browser, "Audit log").await?;
    browser
        .eval(&format!(
            "{}{}",
            answer_late(&[("split_sites", 1000), ("split_api_keys", 2500)]),
            r#"const go = href => document.querySelector('nav a[href="' + href + '"]').click();
               go("/admin/sites");
               setTimeout(() => go("/admin/api-keys"), 150);
               setTimeout(() => go("/admin/sites"), 400);"#
        ))
        .await?;
    tokio::time::sleep(std::time::Duration::from_millis(4000)).await;
    assert_eq!(
        browser
            .eval("return [location.pathname, document.querySelector('main h1.page-title').textContent];")
            .await?,
        json!(["/admin/sites", "Sites"])
    );
    // And the late screen still opens when it is asked for again.
    browser
        .eval(r#"document.querySelector('nav a[href="/admin/api-keys"]').click();"#)
        .await?;
    expect_heading(&browser, "API access keys").await?;
    browser.close().await
}
