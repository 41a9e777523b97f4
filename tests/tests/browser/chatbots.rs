//! Integrations → Chatbots in a real browser, in English and Japanese:
//! creating a bot with every part of the form, the secrets shown once, a
//! photo, "Try it" streaming the stand-in model's answer, errors in the
//! admin's language, the list, delete.

use std::time::Duration;

use crate::common::{expect_heading, sign_in};
use serde_json::json;
use switchboard_e2e::model_service::{ModelService, GOOD_KEY};
use switchboard_e2e::{spawn_app_with, Browser};

fn png_file(dir: &std::path::Path) -> anyhow::Result<std::path::PathBuf> {
    let path = dir.join("photo.png");
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, 64, 64);
        encoder.set_color(png::ColorType::Rgb);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&[40u8; 64 * 64 * 3])?;
    }
    std::fs::write(&path, bytes)?;
    Ok(path)
}

async fn choose_language(browser: &Browser, lang: &str) -> anyhow::Result<()> {
    browser
        .client
        .find(fantoccini::Locator::Css(".language select"))
        .await?
        .select_by_value(lang)
        .await?;
    Ok(())
}

#[tokio::test]
async fn create_try_change_and_delete_a_chatbot_in_both_languages() -> anyhow::Result<()> {
    let model = ModelService::start().await?;
    let app = spawn_app_with(|config| {
        config.egress_allow = vec!["127.0.0.1".parse().expect("entry")];
    })
    .await?;
    let files = tempfile::tempdir()?;
    let photo = png_file(files.path())?;
    let browser = Browser::start().await?;
    browser.client.goto(&app.url("/admin/chatbots")).await?;
    sign_in(&browser).await?;
    expect_heading(&browser, "Chatbots").await?;
    browser
        .wait_for(r#"var e = document.querySelector(".card.empty"); return e && e.textContent === "No chatbots yet.";"#)
        .await?;
    browser.assert_accessible("the empty chatbot list").await?;
    browser.click("a.add-chatbot").await?;
    expect_heading(&browser, "New chatbot").await?;

    // Nothing filled in: the name is required, and nothing is created.
    browser.click(".chatbot-form button[type=submit]").await?;
    let error = browser
        .wait_for(
            r#"var e = document.getElementById("bot-name-error"); return e && e.textContent;"#,
        )
        .await?;
    assert!(error.as_str().is_some_and(|e| !e.is_empty()), "{error}");
    assert_eq!(
        browser
            .eval(r#"return document.getElementById("bot-name").getAttribute("aria-invalid");"#)
            .await?,
        json!("true")
    );

    browser.fill("#bot-name", "Support bot").await?;
    browser.fill("#bot-reading", "さぽーとぼっと").await?;
    browser.click("#bot-api").await?;
    browser.click("#bot-site-chat").await?;
    browser.click("#bot-use-model").await?;
    browser.fill("#bot-endpoint", &model.openai_url()).await?;
    let kind = browser
        .wait_for(r#"var n = document.querySelector(".endpoint-kind"); return n && n.textContent;"#)
        .await?;
    assert!(
        kind.as_str()
            .is_some_and(|k| k.starts_with("OpenAI-compatible server")),
        "{kind}"
    );
    browser.fill("#bot-model-key", GOOD_KEY).await?;
    browser.fill("#bot-model", "gpt-4o-mini").await?;
    browser
        .fill("#bot-instructions", "Answer in one sentence.")
        .await?;
    browser
        .fill("#bot-description", "Answers questions about orders.")
        .await?;
    browser
        .client
        .find(fantoccini::Locator::Css("#bot-photo"))
        .await?
        .send_keys(&photo.to_string_lossy())
        .await?;
    browser.assert_accessible("the new chatbot form").await?;
    browser.screenshot("30-chatbot-new").await?;
    browser.click(".chatbot-form button[type=submit]").await?;

    // The bot's own screen, with its API key shown this once.
    expect_heading(&browser, "Support bot").await?;
    let key = browser
        .wait_for(r#"var c = document.querySelector('.issued-secret[data-secret="api_key"] code'); return c && c.textContent;"#)
        .await?;
    assert!(key.as_str().is_some_and(|k| k.starts_with("sbb_")), "{key}");
    let photo_loaded = browser
        .wait_for(r#"var i = document.querySelector(".image-picker.photo img.preview"); return i && i.complete && i.naturalWidth;"#)
        .await?;
    assert_eq!(photo_loaded, json!(64));
    assert_eq!(
        browser
            .eval(r#"return document.querySelector('.secrets tr[data-secret="model_api_key"] code').textContent;"#)
            .await?,
        json!("…1234")
    );
    assert_eq!(
        browser
            .eval(r#"return document.getElementById("bot-model-key").value;"#)
            .await?,
        json!(""),
        "the key is write-only: the field starts empty"
    );
    browser.click(".issued button:last-of-type").await?;

    // Try it: the answer streams in.
    browser.fill("#try-message", "hello there").await?;
    browser.click(".try-form button[type=submit]").await?;
    browser
        .wait_for(r#"var t = document.querySelector(".transcript .line.model .text"); return t && t.textContent === "Echo: hello there";"#)
        .await?;
    let tokens = browser
        .wait_for(r#"var l = document.querySelector("main .lead"); return l && l.textContent.includes("600 of 200000") && l.textContent;"#)
        .await?;
    assert!(tokens.is_string());
    browser.assert_accessible("the chatbot screen").await?;
    browser.screenshot("31-chatbot-try").await?;

    // A change is saved; a wrong key is told in the admin's language.
    browser.fill("#bot-model-key", "sk-wrong-key-0000").await?;
    browser.click(".chatbot-form button[type=submit]").await?;
    browser
        .wait_for(r#"var n = document.querySelector(".chatbot-form .notice.ok"); return n && n.textContent === "Saved.";"#)
        .await?;
    browser.fill("#try-message", "again").await?;
    browser.click(".try-form button[type=submit]").await?;
    let refused = browser
        .wait_for(
            r#"var e = document.querySelector(".try-box .error"); return e && e.textContent;"#,
        )
        .await?;
    assert_eq!(
        refused,
        json!("The model service refused the API key. Check the key and the endpoint URL.")
    );

    choose_language(&browser, "ja").await?;
    browser
        .wait_for(r#"var h = document.getElementById("try-title"); return h && h.textContent === "試してみる";"#)
        .await?;
    assert_eq!(
        browser
            .eval(r#"return document.querySelector("label[for=bot-name]").textContent;"#)
            .await?,
        json!("連携サービス名")
    );
    assert_eq!(
        browser.eval(r#"return document.querySelector(".try-box .error").textContent;"#).await?,
        json!("モデルのサービスが API キーを拒否しました。キーとエンドポイント URL を確認してください。")
    );
    browser
        .assert_accessible("the chatbot screen in Japanese")
        .await?;
    browser.screenshot("32-chatbot-japanese").await?;

    // The list names it, reading and all.
    browser.click(".breadcrumb a").await?;
    expect_heading(&browser, "チャットボット").await?;
    let row = browser
        .wait_for(r#"var r = document.querySelector("table.chatbots tbody tr"); return r && [r.querySelector(".chatbot-name").textContent, r.querySelector(".reading").textContent, r.querySelector(".answered-by").textContent];"#)
        .await?;
    assert_eq!(
        row,
        json!([
            "Support bot",
            "さぽーとぼっと",
            "モデル（互換サーバー） · ボット API"
        ])
    );
    browser.screenshot("33-chatbot-list-japanese").await?;

    // Delete, confirmed: gone from the list.
    browser.click(".chatbot-name").await?;
    expect_heading(&browser, "Support bot").await?;
    browser.click(".delete-chatbot").await?;
    let dialog = browser
        .wait_for(r#"var d = Array.from(document.querySelectorAll("dialog.confirm")).find(function (d) { return d.open; }); return d && d.textContent;"#)
        .await?;
    assert!(
        dialog
            .as_str()
            .is_some_and(|d| d.contains("Support bot") && d.contains("元に戻せません")),
        "{dialog}"
    );
    browser.click("dialog.confirm[open] button.danger").await?;
    expect_heading(&browser, "チャットボット").await?;
    browser
        .wait_for(r#"var e = document.querySelector(".card.empty"); return e && e.textContent === "チャットボットはまだありません。";"#)
        .await?;
    tokio::time::sleep(Duration::from_millis(100)).await;
    browser.close().await
}
