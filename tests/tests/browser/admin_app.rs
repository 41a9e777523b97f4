use switchboard_e2e::{spawn_app, Browser};

#[tokio::test]
async fn admin_app_renders_and_reaches_the_server() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let browser = Browser::start().await?;

    browser.client.goto(&app.url("/")).await?;
    // The static shell has no heading: this one exists only if the wasm app ran.
    assert_eq!(browser.text_of("main h1.page-title").await?, "Switchboard");
    assert_eq!(browser.client.current_url().await?.path(), "/admin/");
    // The app fetched /healthz from the server and shows the answer.
    let status = browser.text_of("main .status-ok").await?;
    assert!(status.starts_with("Server is ok"), "unexpected status line: {status:?}");

    browser.close().await
}

#[tokio::test]
async fn unknown_admin_route_is_handled_by_the_client_router() -> anyhow::Result<()> {
    let app = spawn_app().await?;
    let browser = Browser::start().await?;

    // A deep link the server does not know gets the shell, and the SPA's own
    // router answers with its not-found screen.
    browser.client.goto(&app.url("/admin/no/such/screen")).await?;
    assert_eq!(browser.text_of("main h1.page-title").await?, "Page not found");

    browser.close().await
}
