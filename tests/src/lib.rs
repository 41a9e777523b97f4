//! Helpers for the end-to-end tests: the real server on a free port with a
//! temporary data directory, and headless Chromium driven through chromedriver.
//!
//! The built assets come from `SWITCHBOARD_TEST_ASSETS_DIR` (set by
//! `cargo xtask test`) or the workspace's `dist/`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use fantoccini::{Client, ClientBuilder, Locator};
use switchboard_server::{configuration::Config, startup::Application};
use tempfile::TempDir;
use tokio::sync::oneshot;

/// How long a page may take to reach the state a test waits for.
pub const PAGE_TIMEOUT: Duration = Duration::from_secs(30);

/// A running server; stopped when dropped.
pub struct TestApp {
    pub addr: SocketAddr,
    pub data_dir: TempDir,
    stop: Option<oneshot::Sender<()>>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

pub fn assets_dir() -> PathBuf {
    std::env::var_os("SWITCHBOARD_TEST_ASSETS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("dist"))
}

/// Starts the real application on 127.0.0.1 with an OS-chosen port.
pub async fn spawn_app() -> Result<TestApp> {
    let assets = assets_dir();
    if !assets.join("admin").join("index.html").is_file() {
        bail!("no built assets in {}: run `cargo xtask build` (or `cargo xtask test`)", assets.display());
    }
    // Server logs only on request (`TEST_LOG=1`), so test output stays readable.
    if std::env::var_os("TEST_LOG").is_some() {
        switchboard_server::telemetry::init();
    }
    let data_dir = tempfile::tempdir()?;
    let config = Config::new("127.0.0.1:0".parse()?, data_dir.path().to_path_buf(), assets);
    let app = Application::build(config).await?;
    let addr = app.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    Ok(TestApp { addr, data_dir, stop: Some(stop) })
}

/// Headless Chromium under its own chromedriver; both end when this is dropped.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: TempDir,
}

impl Browser {
    pub async fn start() -> Result<Self> {
        let chromedriver = std::env::var_os("CHROMEDRIVER").unwrap_or_else(|| "chromedriver".into());
        let port = free_port()?;
        let mut command = Command::new(&chromedriver);
        command.arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null());
        // Its own process group, so Drop can end chromedriver and every Chromium
        // process it started, even when a test panics.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let driver = command
            .spawn()
            .with_context(|| format!("cannot start {chromedriver:?} (run `cargo xtask setup --browser`)"))?;
        let profile = tempfile::tempdir()?;
        let guard = DriverGuard(Some(driver));
        let client = connect(port, &profile).await?;
        Ok(Self { client, driver: guard.into_inner(), _profile: profile })
    }

    /// Ends the WebDriver session cleanly (Drop then stops the driver).
    pub async fn close(self) -> Result<()> {
        self.client.clone().close().await?;
        Ok(())
    }

    /// Waits until an element matching `css` exists and returns its text.
    pub async fn text_of(&self, css: &str) -> Result<String> {
        let element = self
            .client
            .wait()
            .at_most(PAGE_TIMEOUT)
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("no element matches {css:?}"))?;
        Ok(element.text().await?)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        kill_group(&mut self.driver);
    }
}

/// Kills chromedriver if connecting fails before a `Browser` owns it.
struct DriverGuard(Option<Child>);

impl DriverGuard {
    fn into_inner(mut self) -> Child {
        self.0.take().expect("guard holds the driver until handed over")
    }
}

impl Drop for DriverGuard {
    fn drop(&mut self) {
        if let Some(driver) = self.0.as_mut() {
            kill_group(driver);
        }
    }
}

fn kill_group(child: &mut Child) {
    #[cfg(unix)]
    {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", child.id())])
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
    let _ = child.wait();
}

async fn connect(port: u16, profile: &TempDir) -> Result<Client> {
    let mut args = vec![
        "--headless=new".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--window-size=1280,900".into(),
        format!("--user-data-dir={}", profile.path().display()),
    ];
    if let Ok(extra) = std::env::var("SWITCHBOARD_TEST_CHROME_ARGS") {
        args.extend(extra.split_whitespace().map(String::from));
    }
    let mut chrome_options = serde_json::Map::new();
    chrome_options.insert("args".into(), args.into());
    if let Some(binary) = std::env::var_os("CHROME_BIN") {
        chrome_options.insert("binary".into(), binary.to_string_lossy().into_owned().into());
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("goog:chromeOptions".into(), chrome_options.into());

    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match ClientBuilder::rustls()?.capabilities(capabilities.clone()).connect(&url).await {
            Ok(client) => return Ok(client),
            Err(error) if Instant::now() >= deadline => {
                return Err(error).context("chromedriver did not start a browser session");
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}
