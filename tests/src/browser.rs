//! A real browser under its own WebDriver server, for the end-to-end tests:
//! headless Chromium (chromedriver), Firefox (geckodriver) or WebKit, Safari's
//! engine (WebKitWebDriver driving WebKitGTK's MiniBrowser in an Xvfb of its own).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use tempfile::TempDir;

/// How long a page may take to reach the state a test waits for.
pub const PAGE_TIMEOUT: Duration = Duration::from_secs(30);

/// The browser engines visitors use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Chromium,
    Firefox,
    WebKit,
}

impl Engine {
    pub const ALL: [Engine; 3] = [Engine::Chromium, Engine::Firefox, Engine::WebKit];

    pub fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "Chromium",
            Engine::Firefox => "Firefox",
            Engine::WebKit => "WebKit",
        }
    }
}

/// A browser under its WebDriver server; both (and WebKit's X server) end
/// when this is dropped.
pub struct Browser {
    pub client: Client,
    pub engine: Engine,
    driver: Child,
    /// WebKit's X server: WebKitGTK has no headless mode.
    display: Option<Child>,
    _profile: TempDir,
}

/// A program the tests run: the environment variable's path if set, else
/// `default` looked up on PATH.
fn program(variable: &str, default: &str) -> std::ffi::OsString {
    std::env::var_os(variable).unwrap_or_else(|| default.into())
}

impl Browser {
    /// Headless Chromium.
    pub async fn start() -> Result<Self> {
        Self::start_in(Engine::Chromium).await
    }

    pub async fn start_in(engine: Engine) -> Result<Self> {
        let port = free_port()?;
        let profile = tempfile::tempdir()?;
        let mut display = None;
        let (driver, mut command, capabilities) = match engine {
            Engine::Chromium => {
                let driver = program("CHROMEDRIVER", "chromedriver");
                let mut command = Command::new(&driver);
                command.arg(format!("--port={port}"));
                (driver, command, chromium_capabilities(&profile))
            }
            Engine::Firefox => {
                let driver = program("GECKODRIVER", "geckodriver");
                let mut command = Command::new(&driver);
                // geckodriver's BiDi port is a fixed 9222 by default: drivers
                // started side by side would fight over it.
                command.args(["--port", &port.to_string(), "--websocket-port", "0"]);
                command.arg("--profile-root").arg(profile.path());
                (driver, command, firefox_capabilities())
            }
            Engine::WebKit => {
                let (x_server, number) = start_xvfb()?;
                display = Some(DriverGuard(Some(x_server)));
                let driver = program("WEBKIT_WEBDRIVER", "WebKitWebDriver");
                let mut command = Command::new(&driver);
                command
                    .arg(format!("--port={port}"))
                    .env("DISPLAY", format!(":{number}"));
                (driver, command, webkit_capabilities())
            }
        };
        command.stdout(Stdio::null()).stderr(Stdio::null());
        // Its own process group, so Drop can end the driver and every browser
        // process it started, even when a test panics.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let driver = command.spawn().with_context(|| {
            format!("cannot start {driver:?} (run `cargo xtask setup --browser`)")
        })?;
        let guard = DriverGuard(Some(driver));
        let client = connect(engine, port, capabilities).await?;
        Ok(Self {
            client,
            engine,
            driver: guard.into_inner(),
            display: display.map(DriverGuard::into_inner),
            _profile: profile,
        })
    }

    /// Ends the WebDriver session cleanly (Drop then stops the driver).
    pub async fn close(self) -> Result<()> {
        self.client.clone().close().await?;
        Ok(())
    }

    /// Waits until an element matching `css` exists and returns its text.
    /// Read in the page, so a re-render between finding and reading the
    /// element cannot make it stale.
    pub async fn text_of(&self, css: &str) -> Result<String> {
        let selector = serde_json::to_string(css)?;
        let script =
            format!("var e = document.querySelector({selector}); return e ? e.textContent : null;");
        let text = self
            .wait_for_value(&script)
            .await
            .with_context(|| format!("no element matches {css:?}"))?;
        Ok(text.as_str().unwrap_or_default().to_string())
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        kill_group(&mut self.driver);
        if let Some(display) = self.display.as_mut() {
            kill_group(display);
        }
    }
}

/// Kills a driver (or X server) if starting fails before a `Browser` owns it.
struct DriverGuard(Option<Child>);

impl DriverGuard {
    fn into_inner(mut self) -> Child {
        self.0
            .take()
            .expect("guard holds the driver until handed over")
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

fn chromium_capabilities(profile: &TempDir) -> serde_json::Map<String, Value> {
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
    let mut options = json!({ "args": args });
    if let Some(binary) = std::env::var_os("CHROME_BIN") {
        options["binary"] = binary.to_string_lossy().into_owned().into();
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("goog:chromeOptions".into(), options);
    capabilities
}

fn firefox_capabilities() -> serde_json::Map<String, Value> {
    let mut options = json!({
        "args": ["-headless", "--width=1280", "--height=900"],
        // The machine has no internet: no update checks, telemetry or
        // captive-portal probes beside the page's own requests.
        "prefs": {
            "app.update.enabled": false,
            "network.captive-portal-service.enabled": false,
            "network.connectivity-service.enabled": false,
            "datareporting.policy.dataSubmissionEnabled": false,
            "toolkit.telemetry.enabled": false,
            "browser.safebrowsing.malware.enabled": false,
            "browser.safebrowsing.phishing.enabled": false,
        },
    });
    if let Some(binary) = std::env::var_os("FIREFOX_BIN") {
        options["binary"] = binary.to_string_lossy().into_owned().into();
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("moz:firefoxOptions".into(), options);
    capabilities
}

fn webkit_capabilities() -> serde_json::Map<String, Value> {
    let binary = program(
        "WEBKIT_BROWSER",
        "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser",
    );
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "webkitgtk:browserOptions".into(),
        json!({"binary": binary.to_string_lossy(), "args": ["--automation"]}),
    );
    capabilities
}

/// An X server of its own for one WebKit browser: it picks a free display
/// and prints its number on standard output.
fn start_xvfb() -> Result<(Child, String)> {
    let xvfb = program("XVFB", "Xvfb");
    let mut command = Command::new(&xvfb);
    command
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1280x900x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .spawn()
        .with_context(|| format!("cannot start {xvfb:?} (run `cargo xtask setup --browser`)"))?;
    let mut line = String::new();
    if let Some(stdout) = child.stdout.take() {
        BufReader::new(stdout).read_line(&mut line)?;
    }
    let number = line.trim().to_string();
    if number.is_empty() {
        kill_group(&mut child);
        anyhow::bail!("Xvfb did not say which display it opened");
    }
    Ok((child, number))
}

async fn connect(
    engine: Engine,
    port: u16,
    capabilities: serde_json::Map<String, Value>,
) -> Result<Client> {
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    // The WebDriver client's rustls asks for a process-wide crypto provider,
    // and this binary links two (the server's ring, fantoccini's aws-lc-rs):
    // one is picked here. Installing it a second time is refused, harmlessly.
    let _ = rustls::crypto::ring::default_provider().install_default();
    loop {
        match ClientBuilder::rustls()?
            .capabilities(capabilities.clone())
            .connect(&url)
            .await
        {
            Ok(client) => return Ok(client),
            Err(error) if Instant::now() >= deadline => {
                return Err(error).with_context(|| {
                    format!(
                        "{}'s WebDriver did not start a browser session",
                        engine.name()
                    )
                });
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// A Chrome DevTools Protocol command, through chromedriver's
/// `goog/cdp/execute` (network emulation, cache control).
#[derive(Debug)]
struct DevToolsCommand {
    cmd: String,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for DevToolsCommand {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = serde_json::json!({"cmd": self.cmd, "params": self.params});
        (http::Method::POST, Some(body.to_string()))
    }
}

impl Browser {
    /// Runs a DevTools Protocol command in the current page's target.
    pub async fn devtools(&self, cmd: &str, params: Value) -> Result<Value> {
        self.client
            .issue_cmd(DevToolsCommand {
                cmd: cmd.to_string(),
                params,
            })
            .await
            .with_context(|| format!("DevTools command {cmd}"))
    }

    /// Saves a PNG of the current page as `test-output/screenshots/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> Result<()> {
        let dir = crate::output_dir().join("screenshots");
        std::fs::create_dir_all(&dir)?;
        let png = self.client.screenshot().await?;
        std::fs::write(dir.join(format!("{name}.png")), png)?;
        Ok(())
    }

    /// Types into the element matching `css` (after clearing it).
    pub async fn fill(&self, css: &str, text: &str) -> Result<()> {
        let element = self
            .client
            .wait()
            .at_most(PAGE_TIMEOUT)
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("no {css}"))?;
        element.clear().await?;
        element.send_keys(text).await?;
        Ok(())
    }

    pub async fn click(&self, css: &str) -> Result<()> {
        let element = self
            .client
            .wait()
            .at_most(PAGE_TIMEOUT)
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("no {css}"))?;
        element.click().await?;
        Ok(())
    }

    /// Runs `script` (a function body) in the page and returns its result.
    pub async fn eval(&self, script: &str) -> Result<Value> {
        Ok(self.client.execute(script, vec![]).await?)
    }

    /// Waits until `script` returns something other than null/undefined.
    async fn wait_for_value(&self, script: &str) -> Result<Value> {
        let deadline = Instant::now() + PAGE_TIMEOUT;
        loop {
            let value = self.eval(script).await?;
            if !value.is_null() {
                return Ok(value);
            }
            if Instant::now() > deadline {
                anyhow::bail!("timed out waiting for: {script}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until `script` returns a truthy value; returns that value.
    /// A script that throws (an element not rendered yet) counts as "not yet";
    /// the last error is reported if the time runs out.
    pub async fn wait_for(&self, script: &str) -> Result<Value> {
        let deadline = Instant::now() + PAGE_TIMEOUT;
        loop {
            let value = match self.eval(script).await {
                Ok(value) => value,
                Err(_) if Instant::now() <= deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
                Err(error) => return Err(error.context(format!("waiting for: {script}"))),
            };
            let truthy = !matches!(&value, Value::Null | Value::Bool(false))
                && value != Value::String(String::new());
            if truthy {
                return Ok(value);
            }
            if Instant::now() > deadline {
                anyhow::bail!("timed out waiting for: {script}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// axe-core's browser bundle (from npm, installed by `cargo xtask setup`).
fn axe_source() -> Result<String> {
    let path = std::env::var_os("SWITCHBOARD_AXE_JS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../xtask/node_modules/axe-core/axe.min.js")
        });
    std::fs::read_to_string(&path).with_context(|| {
        format!(
            "cannot read axe-core at {} (run `cargo xtask setup`)",
            path.display()
        )
    })
}

impl Browser {
    /// Runs axe-core (WCAG 2.1 A and AA, and its best practices) on the page
    /// as it is now; fails listing every violation, named by `what`.
    pub async fn assert_accessible(&self, what: &str) -> Result<()> {
        self.assert_accessible_in(what, "document").await
    }

    /// The same for a part of the page: `context` is a JS expression for
    /// the element (its Shadow DOM included), e.g. what a widget added to a
    /// customer's page, whose own markup is not ours to judge.
    pub async fn assert_accessible_in(&self, what: &str, context: &str) -> Result<()> {
        if self.eval("return typeof window.axe === 'object';").await? != Value::Bool(true) {
            let source = axe_source()?;
            self.client
                .execute(&format!("{source}\nreturn true;"), vec![])
                .await?;
        }
        let report = self
            .eval(
                &format!(
                    r#"return axe.run({context}, {{ runOnly: {{ type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] }} }})
                     .then(function (r) {{ return r.violations.map(function (v) {{
                         return v.id + ": " + v.help + " — " + v.nodes.slice(0, 5).map(function (n) {{ return n.target.join(" "); }}).join(" | ");
                     }}); }});"#
                ),
            )
            .await?;
        let violations: Vec<String> = serde_json::from_value(report)?;
        anyhow::ensure!(
            violations.is_empty(),
            "{what}: {} accessibility violations:\n  {}",
            violations.len(),
            violations.join("\n  ")
        );
        Ok(())
    }
}
