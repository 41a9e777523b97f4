//! The Conversations screens in real Chromium: a visitor's conversation on a
//! customer's page (a second origin) is listed with who they said they are,
//! filtered by place, read as a transcript with the bot program's answer,
//! exported with the admin's session, and deleted (audited); the retention
//! refuses a bad number with a field error and saves a good one.

use serde_json::json;
use switchboard_e2e::{bot_api, spawn_app_with, AdminApi, Browser, HostSite};

use crate::assistant::{open_panel, say, site_with_bot, wait_for_line};

#[tokio::test]
async fn an_admin_finds_reads_exports_and_deletes_a_visitor_s_conversation() -> anyhow::Result<()> {
    let app = spawn_app_with(|_| {}).await?;
    let (_, key) = site_with_bot(&app, None).await?;
    let key = key.unwrap_or_default();
    let host = HostSite::start().await?;
    let browser = Browser::start().await?;
    let tag = format!(
        r#"<script src="{}" data-site="shop" data-user-id="u-7" data-user-name="山田 花子" data-user-email="hanako@example.jp" async></script>"#,
        app.url("/widget.js")
    );
    browser
        .client
        .goto(&host.page("shop-signed-in", &tag))
        .await?;
    open_panel(&browser).await?;
    say(&browser, "When do you open?").await?;
    wait_for_line(&browser, "visitor: When do you open?").await?;
    // The bot program reads on until the visitor's message (after its start).
    let (mut cursor, mut conversation) = ("0".to_string(), None);
    for _ in 0..10 {
        let path = format!("/bot/messages?after={cursor}&wait=5");
        let (_, polled) = bot_api(&app, &key, "GET", &path, None).await?;
        conversation = polled["messages"]
            .as_array()
            .and_then(|m| m.iter().find(|m| m["text"] == "When do you open?"))
            .and_then(|m| m["conversation"].as_str())
            .map(String::from);
        if conversation.is_some() {
            break;
        }
        cursor = polled["cursor"].as_str().unwrap_or("0").to_string();
    }
    let conversation =
        conversation.ok_or_else(|| anyhow::anyhow!("the bot program never heard the visitor"))?;
    let (status, replied) = bot_api(
        &app,
        &key,
        "POST",
        &format!("/bot/conversations/{conversation}/messages"),
        Some(json!({"text": "We open at **nine**."})),
    )
    .await?;
    assert_eq!(status, 201, "{replied}");

    browser
        .client
        .goto(&app.url("/admin/conversations"))
        .await?;
    crate::common::sign_in(&browser).await?;
    crate::common::expect_heading(&browser, "Conversations").await?;
    let row = format!(r#"document.querySelector('tr[data-conversation="{conversation}"]')"#);
    let listed = browser
        .wait_for(&format!(
            "var r = {row}; return r && [r.querySelector('td.place').textContent, r.querySelector('td.visitor').textContent, r.querySelector('td.messages').textContent];"
        ))
        .await?;
    assert_eq!(
        listed,
        json!(["shop", "山田 花子 <hanako@example.jp>", "2"])
    );
    browser.assert_accessible("the conversation list").await?;

    // Another place has none; all places again lists it.
    let choose = |value: &str| {
        format!(
            "var s = document.getElementById('conversation-place'); s.value = {}; s.dispatchEvent(new Event('change')); return true;",
            json!(value)
        )
    };
    browser.eval(&choose("direct")).await?;
    browser
        .wait_for("var e = document.querySelector('p.card.empty'); return e ? true : null;")
        .await?;
    browser.eval(&choose("shop")).await?;
    browser
        .wait_for(&format!("return {row} ? true : null;"))
        .await?;

    // The export needs both dates; then its link downloads the CSV with the session.
    assert!(
        browser
            .eval("return !!document.querySelector('.export-needs-dates');")
            .await?
            == json!(true)
    );
    for (id, date) in [
        ("conversation-from", "2020-01-01"),
        ("conversation-to", "2099-12-31"),
    ] {
        browser
            .eval(&format!(
                "var i = document.getElementById('{id}'); i.value = '{date}'; i.dispatchEvent(new Event('change')); return true;"
            ))
            .await?;
    }
    let csv = browser
        .wait_for(
            "var a = document.querySelector('a.download'); if (!a) return null;
             if (!window.__csv) { window.__csv = 'pending'; fetch(a.href).then(function (r) { return r.arrayBuffer(); }).then(function (b) { window.__csv = new TextDecoder('utf-8', {ignoreBOM: true}).decode(b); }); }
             return window.__csv === 'pending' ? null : window.__csv;",
        )
        .await?;
    let csv = csv.as_str().unwrap_or_default();
    assert!(
        csv.starts_with("\u{feff}\"seq\",\"at\",\"conversation\""),
        "{csv}"
    );
    assert!(
        csv.contains("\"When do you open?\"") && csv.contains("\"We open at **nine**.\""),
        "{csv}"
    );
    assert!(csv.contains("\"site\",\"shop\""), "{csv}");

    // The transcript: the visitor's words and the bot program's answer, as text.
    browser
        .eval(&format!(
            "{row}.querySelector('a.conversation-link').click(); return true;"
        ))
        .await?;
    let messages = browser
        .wait_for(
            "var m = document.querySelectorAll('ol.transcript li.message'); if (m.length < 2) return null;
             return Array.prototype.map.call(m, function (li) { return li.querySelector('.meta strong').textContent + ': ' + li.querySelector('.text').textContent; });",
        )
        .await?;
    assert_eq!(
        messages,
        json!([
            "Visitor: When do you open?",
            "Bot program: We open at **nine**."
        ])
    );
    let visitor = browser.text_of("dl.conversation-facts dd.visitor").await?;
    assert_eq!(visitor, "山田 花子 <hanako@example.jp>");
    browser.assert_accessible("a transcript").await?;

    // Deleting asks first, then goes back to the list, where it is gone.
    browser.click("button.delete-conversation").await?;
    browser
        .wait_for(
            "var d = document.querySelector('dialog.confirm'); return d && d.open ? true : null;",
        )
        .await?;
    browser.click("dialog.confirm button.danger").await?;
    crate::common::expect_heading(&browser, "Conversations").await?;
    browser
        .wait_for("var e = document.querySelector('p.card.empty'); return e ? true : null;")
        .await?;
    let api = AdminApi::new(&app).await?;
    let audit = api.get("/audit").await?;
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .map(|e| e.iter().filter_map(|e| e["action"].as_str()).collect())
        .unwrap_or_default();
    assert!(actions.contains(&"conversation.delete"), "{actions:?}");
    assert!(actions.contains(&"conversations.export"), "{actions:?}");

    // The retention: a bad number is named at its field, a good one is saved.
    browser.fill("#retention-days", "0").await?;
    browser.click("button.save-retention").await?;
    let problem = browser
        .wait_for("var e = document.getElementById('retention-error'); return e && e.textContent ? e.textContent : null;")
        .await?;
    assert!(
        problem.as_str().is_some_and(|p| p.contains("3650")),
        "{problem}"
    );
    browser.fill("#retention-days", "30").await?;
    browser.click("button.save-retention").await?;
    browser
        .wait_for("var s = document.querySelector('.retention .saved'); return s && s.textContent ? true : null;")
        .await?;
    assert_eq!(
        api.get("/conversation-settings").await?,
        json!({"retention_days": 30})
    );
    browser.close().await
}
