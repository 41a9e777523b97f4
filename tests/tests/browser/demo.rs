use serde_json::json;
use switchboard_e2e::{spawn_app, AdminApi, Browser};

#[tokio::test]
async fn demo_page_runs_the_widget() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let browser = Browser::start().await?;

    // Nothing configured yet: the page says how to get a chat.
    browser.client.goto(&app.url("/demo")).await?;
    browser.wait_for(r#"return document.getElementById("widget-state").textContent.indexOf("could not start") === 0;"#).await?;
    assert_eq!(
        browser
            .eval(r#"return document.getElementById("widget-hint").hidden;"#)
            .await?,
        json!(false)
    );

    let api = AdminApi::new(&app).await?;
    api.post(
        "/sites",
        json!({"id": "demo", "name": "Demo", "domains": []}),
    )
    .await?;
    api.put(
        "/instance/click-to-chat",
        json!({"enabled": true, "site_settings_strategy": "inherit_or_override", "provider": "crisp",
            "account": {"website_id": "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c"}, "guest_users_allowed": true}),
    )
    .await?;
    browser.client.goto(&app.url("/demo")).await?;
    let state = browser.wait_for(r#"var t = document.getElementById("widget-state").textContent; return t.indexOf("loaded") === 0 ? t : null;"#).await?;
    assert_eq!(state, json!("loaded (crisp)"));
    let script = browser.eval(r#"return document.querySelectorAll('script[src="https://client.crisp.chat/l.js"]').length;"#).await?;
    assert_eq!(script, json!(1));

    browser.close().await
}
