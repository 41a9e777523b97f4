//! The built-in assistant on a customer's page, in real Chromium, from a
//! second origin: the launcher at once and no panel bytes before the
//! visitor opens it; a streamed answer from the stand-in model shown as safe
//! Markdown; a reload continues the conversation; a rate limit's message in
//! the page's language; a bot program's later reply reaching the open
//! panel; and a hostile page (fetch replaced, Array.prototype polluted)
//! that nothing is thrown into.

use serde_json::{json, Value};
use switchboard_e2e::model_service::{ModelService, GOOD_KEY};
use switchboard_e2e::HostSite;
use switchboard_e2e::{bot_api, spawn_app_with, AdminApi, Browser, TestApp};

/// A chatbot that may be a site's chat, and the site `shop` using it.
pub(crate) async fn site_with_bot(
    app: &TestApp,
    model: Option<&ModelService>,
) -> anyhow::Result<(String, Option<String>)> {
    let api = AdminApi::new(app).await?;
    let model = model
        .map(|m| json!({"endpoint": m.openai_url(), "model": "gpt-4o-mini", "api_key": GOOD_KEY}));
    let bot = api
        .post_as_admin(
            "/chatbots",
            json!({
                "name": "Support bot", "reading": "さぽーとぼっと", "bot_api": model.is_none(), "site_chat": true, "direct_link": false,
                "model": model, "webhook": null,
                "profile": {"url": null, "description": "Answers questions about orders."},
                "instructions": "Be brief.", "reply_limit": 300, "daily_token_budget": 100000
            }),
        )
        .await?;
    let id = bot["id"].as_str().unwrap_or_default().to_string();
    let key = bot["issued"]["api_key"].as_str().map(String::from);
    api.put(
        "/instance/click-to-chat",
        json!({"enabled": true, "site_settings_strategy": "inherit_or_override", "provider": null, "account": {}, "guest_users_allowed": true}),
    )
    .await?;
    api.post(
        "/sites",
        json!({"id": "shop", "name": "Shop", "domains": ["localhost"]}),
    )
    .await?;
    api.put(
        "/sites/shop/click-to-chat",
        json!({"enabled": true, "provider": "switchboard", "account": {"chatbot": id}, "guest_users_allowed": true}),
    )
    .await?;
    Ok((id, key))
}

const ROOT: &str = r#"var h = document.querySelector("[data-switchboard-assistant]"); var root = h && h.shadowRoot;"#;

pub(crate) async fn open_panel(browser: &Browser) -> anyhow::Result<()> {
    browser
        .wait_for(&format!(
            "{ROOT} return root && root.querySelector('.launcher') ? true : null;"
        ))
        .await?;
    browser
        .eval(&format!(
            "{ROOT} root.querySelector('.launcher').click(); return true;"
        ))
        .await?;
    browser
        .wait_for(&format!(
            "{ROOT} var p = root.querySelector('.panel'); return p && !p.hidden && root.activeElement && root.activeElement.tagName === 'TEXTAREA' ? true : null;"
        ))
        .await?;
    Ok(())
}

/// Sends `text` once the previous answer is done (the send button is back).
pub(crate) async fn say(browser: &Browser, text: &str) -> anyhow::Result<()> {
    browser
        .wait_for(&format!(
            "{ROOT} if (root.querySelector('form button').disabled) return null;
             var t = root.querySelector('textarea'); t.value = {}; root.querySelector('form').requestSubmit(); return true;",
            json!(text)
        ))
        .await?;
    Ok(())
}

/// The texts of the panel's bubbles (`visitor: …` / `assistant: …`) and notices.
pub(crate) async fn transcript(browser: &Browser) -> anyhow::Result<Vec<String>> {
    let value = browser
        .eval(&format!(
            "{ROOT} if (!root) return []; var out = []; var nodes = root.querySelectorAll('.log > *');
             for (var i = 0; i < nodes.length; i++) {{ var n = nodes[i];
               out.push(n.classList.contains('notice') ? 'notice: ' + n.textContent : (n.classList.contains('visitor') ? 'visitor: ' : 'assistant: ') + n.querySelector('.body').textContent); }}
             return out;"
        ))
        .await?;
    Ok(serde_json::from_value(value)?)
}

async fn panel_fetched(browser: &Browser) -> anyhow::Result<bool> {
    let value = browser
        .eval("return performance.getEntriesByType('resource').some(function (e) { return e.name.indexOf('/assistant/panel-') >= 0; });")
        .await?;
    Ok(value == json!(true))
}

pub(crate) async fn wait_for_line(browser: &Browser, line: &str) -> anyhow::Result<()> {
    let script = format!(
        "{ROOT} if (!root) return null; var nodes = root.querySelectorAll('.log > *'); var want = {};
         for (var i = 0; i < nodes.length; i++) {{ var n = nodes[i]; var text = n.classList.contains('notice') ? 'notice: ' + n.textContent : (n.classList.contains('visitor') ? 'visitor: ' : 'assistant: ') + (n.querySelector('.body') || n).textContent;
           if (text.indexOf(want) === 0) return true; }} return null;",
        json!(line)
    );
    if let Err(error) = browser.wait_for(&script).await {
        anyhow::bail!(
            "{line:?} never appeared ({error}); the panel shows {:?}",
            transcript(browser).await?
        );
    }
    Ok(())
}

fn embed(app: &TestApp, prelude: &str) -> String {
    format!(
        r#"<script>{prelude}</script><script src="{}" data-site="shop" async></script>"#,
        app.url("/widget.js")
    )
}

#[tokio::test]
async fn a_visitor_chats_with_the_model_continues_after_a_reload_and_meets_the_rate_limit(
) -> anyhow::Result<()> {
    let model = ModelService::start().await?;
    let app = spawn_app_with(|config| {
        config.egress_allow = vec!["127.0.0.1".parse().expect("entry")];
        config.visitor_messages_per_minute = 3;
    })
    .await?;
    site_with_bot(&app, Some(&model)).await?;
    let host = HostSite::start().await?;
    let browser = Browser::start().await?;
    // A hostile page: enumerable junk on Array.prototype from the start.
    let page = host.page(
        "shop",
        &embed(
            &app,
            "Array.prototype.junk = function () { throw new Error('polluted'); };",
        ),
    );
    browser.client.goto(&page).await?;
    browser
        .wait_for(&format!("{ROOT} return root && root.querySelector('.launcher') ? root.querySelector('.launcher').getAttribute('aria-label') : null;"))
        .await?;
    assert!(
        !panel_fetched(&browser).await?,
        "the panel was fetched before the visitor opened it"
    );
    // The page replaces fetch after the launcher came: the panel is not affected.
    browser
        .eval("window.fetch = function () { throw new Error('hostile fetch'); }; return true;")
        .await?;
    open_panel(&browser).await?;
    assert!(panel_fetched(&browser).await?);
    browser
        .wait_for(&format!("{ROOT} var h = root.querySelector('.who h2'); return h && h.textContent === 'Support bot' ? true : null;"))
        .await?;
    browser
        .assert_accessible_in(
            "the assistant's open panel",
            "document.querySelector('[data-switchboard-assistant]')",
        )
        .await?;

    say(&browser, "Hello **world**, see https://example.com/help").await?;
    wait_for_line(
        &browser,
        "assistant: Echo: Hello world, see https://example.com/help",
    )
    .await?;
    // Markdown became elements (never HTML from the text): a <strong> and a safe link.
    let rendered = browser
        .eval(&format!(
            "{ROOT} var b = root.querySelectorAll('.assistant .body'); b = b[b.length - 1];
             var a = b.querySelector('a'); return [b.querySelector('strong') && b.querySelector('strong').textContent, a && a.href, a && a.rel];"
        ))
        .await?;
    assert_eq!(
        rendered,
        json!([
            "world",
            "https://example.com/help",
            "noopener noreferrer nofollow"
        ])
    );
    // Thumbs up on the answer.
    // (Votes come with the answer's id, when its stream is done.)
    browser
        .wait_for(&format!("{ROOT} var v = root.querySelectorAll('.votes [data-vote=up]'); if (!v.length) return null; v[v.length - 1].click(); return true;"))
        .await?;
    browser
        .wait_for(&format!("{ROOT} var v = root.querySelectorAll('.votes [data-vote=up]'); return v[v.length - 1].getAttribute('aria-pressed') === 'true' ? true : null;"))
        .await?;

    // A reload continues the conversation (the token stayed in this browser).
    browser.client.goto(&page).await?;
    open_panel(&browser).await?;
    wait_for_line(&browser, "assistant: Echo: Hello world").await?;
    let lines = transcript(&browser).await?;
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(
        lines[0],
        "visitor: Hello **world**, see https://example.com/help"
    );

    // Three a minute: the fourth gets the limit's message, in English here.
    say(&browser, "two").await?;
    wait_for_line(&browser, "assistant: Echo: two").await?;
    say(&browser, "three").await?;
    wait_for_line(&browser, "assistant: Echo: three").await?;
    say(&browser, "four").await?;
    wait_for_line(&browser, "notice: You are sending messages too quickly.").await?;

    // Escape closes it and gives the focus back to the launcher.
    browser
        .eval(&format!("{ROOT} root.activeElement.dispatchEvent(new KeyboardEvent('keydown', {{key: 'Escape', bubbles: true, composed: true}})); return true;"))
        .await?;
    browser
        .wait_for(&format!("{ROOT} return root.querySelector('.panel').hidden && root.activeElement === root.querySelector('.launcher') ? true : null;"))
        .await?;
    let errors = browser.eval("return window.hostErrors;").await?;
    assert_eq!(errors, json!([]), "errors reached the host page");
    browser.close().await
}

#[tokio::test]
async fn a_bot_program_s_later_reply_reaches_the_open_panel_in_japanese() -> anyhow::Result<()> {
    let app = spawn_app_with(|_| {}).await?;
    let (bot, key) = site_with_bot(&app, None).await?;
    let key = key.unwrap_or_default();
    let host = HostSite::start().await?;
    let browser = Browser::start().await?;
    let page = host.page(
        "shop-ja",
        &embed(&app, "document.documentElement.lang = 'ja';"),
    );
    browser.client.goto(&page).await?;
    let label = browser
        .wait_for(&format!("{ROOT} return root && root.querySelector('.launcher') ? root.querySelector('.launcher').getAttribute('aria-label') : null;"))
        .await?;
    assert_eq!(label, json!("チャットで質問する"));
    open_panel(&browser).await?;
    say(&browser, "営業時間は？").await?;
    wait_for_line(&browser, "notice: メッセージを送信しました。").await?;

    // The bot program reads it and answers; the panel shows it without a reload.
    let (status, polled) = bot_api(&app, &key, "GET", "/bot/messages", None).await?;
    assert_eq!(status, 200, "{polled}");
    let conversation = polled["messages"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["text"] == "営業時間は？"))
        .and_then(|m| m["conversation"].as_str())
        .map(String::from)
        .unwrap_or_default();
    let stored: Value = browser
        .eval(&format!(
            "return JSON.parse(localStorage.getItem('switchboard:chat:{bot}'));"
        ))
        .await?;
    assert_eq!(
        stored["conversation"],
        json!(conversation),
        "the browser keeps this conversation's token"
    );
    let (status, _) = bot_api(
        &app,
        &key,
        "POST",
        &format!("/bot/conversations/{conversation}/messages"),
        Some(json!({"text": "9時から18時までです。\n\n- 平日\n- 土曜"})),
    )
    .await?;
    assert_eq!(status, 201);
    wait_for_line(&browser, "assistant: 9時から18時までです。").await?;
    let items = browser
        .eval(&format!("{ROOT} var b = root.querySelectorAll('.assistant .body'); return b[b.length - 1].querySelectorAll('li').length;"))
        .await?;
    assert_eq!(items, json!(2), "the list became a list");
    let placeholder = browser
        .eval(&format!(
            "{ROOT} return root.querySelector('textarea').placeholder;"
        ))
        .await?;
    assert_eq!(placeholder, json!("メッセージを入力…"));
    let errors = browser.eval("return window.hostErrors;").await?;
    assert_eq!(errors, json!([]));
    browser.close().await
}

#[tokio::test]
async fn the_chatbot_list_names_the_sites_using_a_bot_and_the_site_form_shows_it_chosen(
) -> anyhow::Result<()> {
    let app = spawn_app_with(|_| {}).await?;
    site_with_bot(&app, None).await?;
    let browser = Browser::start().await?;
    browser.client.goto(&app.url("/admin/chatbots")).await?;
    crate::common::sign_in(&browser).await?;
    let used = browser
        .wait_for(r#"var a = document.querySelector("td.used-in a.used-site"); return a && a.textContent;"#)
        .await?;
    assert_eq!(used, json!("shop"));
    browser.client.goto(&app.url("/admin/sites/shop")).await?;
    let chosen = browser
        .wait_for(r#"var s = document.getElementById("account-chatbot"); return s && s.value && s.selectedOptions.length ? s.selectedOptions[0].textContent : null;"#)
        .await?;
    assert_eq!(chosen, json!("Support bot"));
    browser.close().await
}

#[tokio::test]
async fn the_direct_chat_page_chats_full_page_under_its_strict_csp() -> anyhow::Result<()> {
    let model = ModelService::start().await?;
    let app = spawn_app_with(|config| {
        config.egress_allow = vec!["127.0.0.1".parse().expect("entry")];
    })
    .await?;
    let api = AdminApi::new(&app).await?;
    let bot = api
        .post_as_admin(
            "/chatbots",
            json!({
                "name": "Help desk", "reading": "", "bot_api": false, "site_chat": false, "direct_link": true,
                "model": {"endpoint": model.openai_url(), "model": "gpt-4o-mini", "api_key": GOOD_KEY}, "webhook": null,
                "profile": {"url": null, "description": "Ask anything."},
                "instructions": "", "reply_limit": 300, "daily_token_budget": 100000
            }),
        )
        .await?;
    let id = bot["id"].as_str().unwrap_or_default().to_string();
    let browser = Browser::start().await?;
    browser
        .client
        .goto(&app.url(&format!("/chat/{id}")))
        .await?;
    // Open at once, full page, styled although the page allows no inline style.
    browser
        .wait_for(&format!(
            "{ROOT} var p = root && root.querySelector('.panel.full'); return p && !p.hidden && getComputedStyle(root.querySelector('header')).backgroundColor === 'rgb(31, 95, 191)' ? true : null;"
        ))
        .await?;
    browser
        .wait_for("return document.title === 'Help desk' ? true : null;")
        .await?;
    say(&browser, "Where is my order?").await?;
    wait_for_line(&browser, "assistant: Echo: Where is my order?").await?;
    browser
        .assert_accessible_in("the direct chat page", "document")
        .await?;
    browser.close().await
}

#[tokio::test]
async fn the_demo_page_shows_the_assistant_and_chats_in_its_sandbox() -> anyhow::Result<()> {
    let model = ModelService::start().await?;
    let app = spawn_app_with(|config| {
        config.egress_allow = vec!["127.0.0.1".parse().expect("entry")];
    })
    .await?;
    site_with_bot(&app, Some(&model)).await?;
    let browser = Browser::start().await?;
    // An opaque origin without localStorage: the conversation simply does
    // not outlive the page.
    browser
        .client
        .goto(&app.url("/demo?lang=en&site=shop"))
        .await?;
    open_panel(&browser).await?;
    say(&browser, "Hi from the demo").await?;
    wait_for_line(&browser, "assistant: Echo: Hi from the demo").await?;
    browser.close().await
}
