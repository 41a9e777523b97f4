//! The admin app in a real browser against the real server.

use serde_json::json;
use switchboard_e2e::{spawn_app, spawn_fresh_app, AdminApi, Browser, ADMIN_PASSWORD};

async fn sign_in(browser: &Browser) -> anyhow::Result<()> {
    browser.fill("#username", "admin").await?;
    browser.fill("#password", ADMIN_PASSWORD).await?;
    browser.click("button[type=submit]").await?;
    browser.wait_for(r#"return document.querySelector(".username") && document.querySelector(".username").textContent === "admin";"#).await?;
    Ok(())
}

async fn heading(browser: &Browser) -> anyhow::Result<String> {
    Ok(browser.text_of("main h1.page-title").await?)
}

#[tokio::test]
async fn first_run_setup_then_sign_out_and_sign_in() -> anyhow::Result<()> {
    let app = spawn_fresh_app().await?;
    let browser = Browser::start().await?;
    browser.client.goto(&app.url("/")).await?;
    // The static shell has no heading: this one exists only if the wasm app ran.
    assert_eq!(heading(&browser).await?, "Create the first administrator");
    browser.screenshot("01-first-run-setup").await?;

    browser.fill("#username", "admin").await?;
    browser.fill("#password", "short").await?;
    browser.click("button[type=submit]").await?;
    let error = browser.wait_for(r#"return document.getElementById("password-error").textContent;"#).await?;
    assert_eq!(error, json!("Too short."));
    assert_eq!(browser.eval(r#"return document.getElementById("password").getAttribute("aria-invalid");"#).await?, json!("true"));

    browser.fill("#password", ADMIN_PASSWORD).await?;
    browser.click("button[type=submit]").await?;
    browser.wait_for(r#"return document.querySelector(".username") && document.querySelector(".username").textContent === "admin";"#).await?;
    assert_eq!(heading(&browser).await?, "Click to Chat");

    browser.click(".sign-out").await?;
    assert_eq!(heading(&browser).await?, "Sign in to Switchboard");
    browser.screenshot("02-sign-in").await?;
    browser.fill("#username", "admin").await?;
    browser.fill("#password", "not the password").await?;
    browser.click("button[type=submit]").await?;
    let error = browser.wait_for(r#"return document.querySelector(".form-error").textContent;"#).await?;
    assert_eq!(error, json!("Wrong user name or password."));
    browser.fill("#password", ADMIN_PASSWORD).await?;
    browser.click("button[type=submit]").await?;
    browser.wait_for(r#"return document.querySelector(".username") !== null;"#).await?;
    assert_eq!(heading(&browser).await?, "Click to Chat");
    browser.close().await
}

#[tokio::test]
async fn enable_click_to_chat_save_and_see_it_kept_after_reload() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let browser = Browser::start().await?;
    browser.client.goto(&app.url("/admin/click-to-chat")).await?;
    sign_in(&browser).await?;

    browser.click("#enabled").await?;
    browser.click(r#"input[name=strategy][value=always_inherit]"#).await?;
    browser.click(r#"label.provider-option:has(input[value=crisp])"#).await?;
    browser.fill("#account-website_id", "1C6E2B5A-3F4D-4E8A-9B7C-2D1E0F9A8B7C").await?;
    browser.click("#guests").await?;
    assert_eq!(browser.eval(r#"return document.querySelector(".unsaved").hidden;"#).await?, json!(false));
    browser.screenshot("03-click-to-chat").await?;
    browser.click("button.primary").await?;
    browser.wait_for(r#"var n = document.querySelector(".notice.ok"); return n && n.textContent === "Saved.";"#).await?;
    assert_eq!(browser.eval(r#"return document.querySelector(".unsaved").hidden;"#).await?, json!(true));

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
    assert_eq!(stored["settings"]["account"]["website_id"], "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c");
    browser.close().await
}

#[tokio::test]
async fn a_bad_account_value_shows_its_field_error_and_nothing_is_saved() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let browser = Browser::start().await?;
    browser.client.goto(&app.url("/admin/click-to-chat")).await?;
    sign_in(&browser).await?;
    browser.click("#enabled").await?;
    browser.click(r#"label.provider-option:has(input[value=crisp])"#).await?;
    browser.fill("#account-website_id", r#"abc"><script>"#).await?;
    browser.click("button.primary").await?;
    let error = browser.wait_for(r#"return document.getElementById("account-website_id-error").textContent;"#).await?;
    assert_eq!(error, json!("Only letters, digits, '_' and '-' are allowed here."));
    assert_eq!(browser.eval(r#"return document.getElementById("account-website_id").getAttribute("aria-invalid");"#).await?, json!("true"));
    assert_eq!(browser.text_of(".notice.error").await?, "Some fields need attention; nothing was saved.");
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
    assert_eq!(heading(&browser).await?, "Sign in to Switchboard");
    browser.client.find(fantoccini::Locator::Css(".language select")).await?.select_by_value("ja").await?;
    assert_eq!(heading(&browser).await?, "Switchboard にログイン");
    sign_in(&browser).await?;
    browser.wait_for(r#"return document.querySelector(".switch-label").textContent === "Click to Chat を有効にする";"#).await?;
    assert_eq!(browser.eval("return document.documentElement.lang;").await?, json!("ja"));
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
    browser.client.goto(&app.url("/admin/no/such/screen")).await?;
    assert_eq!(heading(&browser).await?, "Page not found");
    browser.close().await
}
