use switchboard_e2e::{spawn_app, Browser};

#[tokio::test]
async fn demo_page_runs_the_widget() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let browser = Browser::start().await?;

    browser.client.goto(&app.url("/demo")).await?;
    // The wasm loader marks its own <script> tag once it has run.
    let script = browser
        .client
        .wait()
        .at_most(switchboard_e2e::PAGE_TIMEOUT)
        .for_element(fantoccini::Locator::Css(r#"script[src="/widget.js"][data-switchboard-state="ready"]"#))
        .await?;
    assert_eq!(script.attr("data-site").await?.as_deref(), Some("demo"));

    browser.close().await
}
