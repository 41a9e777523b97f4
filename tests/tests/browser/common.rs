//! Steps several browser tests take.

use switchboard_e2e::{Browser, ADMIN_PASSWORD};

/// Signs in as `admin` on the sign-in page shown, and waits for the app.
pub async fn sign_in(browser: &Browser) -> anyhow::Result<()> {
    browser.fill("#username", "admin").await?;
    browser.fill("#password", ADMIN_PASSWORD).await?;
    browser.click("button[type=submit]").await?;
    browser.wait_for(r#"return document.querySelector(".username") && document.querySelector(".username").textContent === "admin";"#).await?;
    Ok(())
}

/// Waits until the screen's heading is `expected` (fails after the page timeout).
pub async fn expect_heading(browser: &Browser, expected: &str) -> anyhow::Result<()> {
    let script = format!(
        "var h = document.querySelector('main h1.page-title'); return h && h.textContent === {};",
        serde_json::to_string(expected)?
    );
    browser
        .wait_for(&script)
        .await
        .map(drop)
        .map_err(|_| anyhow::anyhow!("the heading never became {expected:?}"))
}

/// One `#[tokio::test]` per engine for each test named, in modules named
/// after the engine (`widget::firefox::…`).
macro_rules! in_every_engine {
    ($($test:ident),* $(,)?) => {
        in_every_engine!(@engine chromium Chromium $($test),*);
        in_every_engine!(@engine firefox Firefox $($test),*);
        in_every_engine!(@engine webkit WebKit $($test),*);
    };
    (@engine $module:ident $engine:ident $($test:ident),*) => {
        mod $module {
            $(
                #[tokio::test]
                async fn $test() -> anyhow::Result<()> {
                    super::$test(switchboard_e2e::Engine::$engine).await
                }
            )*
        }
    };
}
pub(crate) use in_every_engine;
