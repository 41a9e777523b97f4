//! Helpers for the end-to-end tests: the real server on a free port with a
//! temporary data directory, an admin API client, a second origin serving host
//! pages, a real browser (Chromium, Firefox or WebKit) under its WebDriver
//! server, and a throttled link for the bench.
//!
//! The built assets come from `SWITCHBOARD_TEST_ASSETS_DIR` (set by
//! `cargo xtask test`) or the workspace's `dist/`.

pub mod bot_program;
mod browser;
mod host;
pub mod model_service;
pub mod proxy;
mod throttle;

pub use browser::{Browser, Engine, PAGE_TIMEOUT};
pub use host::HostSite;
pub use throttle::{Link, ThrottledProxy};

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde_json::Value;
use switchboard_server::configuration::{AdminPassword, Config};
use switchboard_server::startup::Application;
use tempfile::TempDir;
use tokio::sync::oneshot;

pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

/// A running server; stopped when dropped.
pub struct TestApp {
    pub addr: SocketAddr,
    pub data_dir: TempDir,
    /// What it was started with (a restart starts it the same way).
    config: Config,
    running: Option<Running>,
}

struct Running {
    stop: oneshot::Sender<()>,
    stopped: tokio::task::JoinHandle<Result<()>>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Stops the server and waits until it no longer accepts connections.
    pub async fn stop(&mut self) -> Result<()> {
        if let Some(running) = self.running.take() {
            let _ = running.stop.send(());
            running.stopped.await??;
        }
        Ok(())
    }

    /// Starts the server again on the same address and data directory (as
    /// after a restart: sessions are gone, everything saved is kept).
    pub async fn start_again(&mut self) -> Result<()> {
        self.stop().await?;
        let mut config = self.config.clone();
        config.listen = self.addr;
        self.running = Some(run(Application::build(config).await?));
        Ok(())
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            let _ = running.stop.send(());
        }
    }
}

fn run(app: Application) -> Running {
    let (stop, stop_requested) = oneshot::channel::<()>();
    let stopped = tokio::spawn(app.run_until_stopped(async {
        let _ = stop_requested.await;
    }));
    Running { stop, stopped }
}

/// Where tests leave files for people to look at (screenshots).
pub fn output_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("test-output")
}

pub fn assets_dir() -> PathBuf {
    std::env::var_os("SWITCHBOARD_TEST_ASSETS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("dist")
        })
}

/// Starts the real application on 127.0.0.1 with an OS-chosen port and the
/// admin `admin` / [`ADMIN_PASSWORD`].
pub async fn spawn_app() -> Result<TestApp> {
    spawn(true).await
}

/// The same, as on a first start: no administrator yet.
pub async fn spawn_fresh_app() -> Result<TestApp> {
    spawn(false).await
}

/// The same with the admin, serving the assets in `assets` (a copy of `dist/`
/// with changes, for the bench).
pub async fn spawn_app_serving(assets: PathBuf) -> Result<TestApp> {
    spawn_with(true, assets).await
}

/// The same with the admin, and the configuration changed by `change` (as
/// flags would change it).
pub async fn spawn_app_with(change: impl FnOnce(&mut Config)) -> Result<TestApp> {
    spawn_configured(true, assets_dir(), change).await
}

async fn spawn(with_admin: bool) -> Result<TestApp> {
    spawn_with(with_admin, assets_dir()).await
}

async fn spawn_with(with_admin: bool, assets: PathBuf) -> Result<TestApp> {
    spawn_configured(with_admin, assets, |_| {}).await
}

async fn spawn_configured(
    with_admin: bool,
    assets: PathBuf,
    change: impl FnOnce(&mut Config),
) -> Result<TestApp> {
    if !assets.join("admin").join("index.html").is_file() {
        bail!(
            "no built assets in {}: run `cargo xtask build` (or `cargo xtask test`)",
            assets.display()
        );
    }
    // Server logs only on request (`TEST_LOG=1`), so test output stays readable.
    if std::env::var_os("TEST_LOG").is_some() {
        switchboard_server::telemetry::init();
    }
    let data_dir = tempfile::tempdir()?;
    let mut config = Config::new(
        "127.0.0.1:0".parse()?,
        data_dir.path().to_path_buf(),
        assets,
    );
    if with_admin {
        config.admin_password = Some(AdminPassword(ADMIN_PASSWORD.into()));
    }
    change(&mut config);
    let app = Application::build(config.clone()).await?;
    let addr = app.local_addr()?;
    Ok(TestApp {
        addr,
        data_dir,
        config,
        running: Some(run(app)),
    })
}

/// The admin API over HTTP with an API key (created through a login), as an
/// integrator would use it.
pub struct AdminApi {
    base: String,
    key: String,
    /// The signed-in session's cookie and CSRF token, for what a key may not do.
    session: (String, String),
    agent: ureq::Agent,
}

impl AdminApi {
    pub async fn new(app: &TestApp) -> Result<Self> {
        Self::at(&app.url("")).await
    }

    /// The same for a server running elsewhere (`http://host:port`), with
    /// the admin `admin` / [`ADMIN_PASSWORD`].
    pub async fn at(base: &str) -> Result<Self> {
        let base = base.to_string();
        tokio::task::spawn_blocking(move || Self::connect(base)).await?
    }

    fn connect(base: String) -> Result<Self> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .into();
        let mut login = agent
            .post(&format!("{base}/api/v1/session"))
            .header("content-type", "application/json")
            .send(serde_json::json!({"username": "admin", "password": ADMIN_PASSWORD}).to_string())
            .with_context(|| format!("signing in at {base}"))?;
        let cookie = login
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .context("no session cookie")?
            .to_string();
        let session: Value = serde_json::from_str(&login.body_mut().read_to_string()?)?;
        let csrf = session["csrf_token"]
            .as_str()
            .context("no CSRF token")?
            .to_string();
        let mut created = agent
            .post(&format!("{base}/api/v1/api-keys"))
            .header("content-type", "application/json")
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .header("origin", &base)
            // A name of its own: a second client (after a restart) is not a conflict.
            .send(
                serde_json::json!({"name": format!("end-to-end tests {}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default())})
                    .to_string(),
            )
            .with_context(|| format!("creating an API key at {base}"))?;
        let key: Value = serde_json::from_str(&created.body_mut().read_to_string()?)?;
        let key = key["key"].as_str().context("no API key")?.to_string();
        Ok(Self {
            base,
            key,
            session: (cookie, csrf),
            agent,
        })
    }

    /// The API key this client uses (for tools that call the API themselves).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The signed-in admin's session: the `Cookie` header's value and the CSRF token.
    pub fn session(&self) -> (&str, &str) {
        (&self.session.0, &self.session.1)
    }

    /// Sends JSON with the API key; fails unless the answer is 2xx.
    pub async fn send(&self, method: &str, path: &str, body: Value) -> Result<Value> {
        self.send_with(method, path, body, false).await
    }

    /// `PUT` as the signed-in admin (cookie, CSRF token, same origin).
    pub async fn put_as_admin(&self, path: &str, body: Value) -> Result<Value> {
        self.send_with("PUT", path, body, true).await
    }

    /// `POST` as the signed-in admin (what an API key may not do: chatbots).
    pub async fn post_as_admin(&self, path: &str, body: Value) -> Result<Value> {
        self.send_with("POST", path, body, true).await
    }

    async fn send_with(
        &self,
        method: &str,
        path: &str,
        body: Value,
        as_admin: bool,
    ) -> Result<Value> {
        let (status, answer) = self.answer(method, path, body, as_admin).await?;
        if !(200..300).contains(&status) {
            bail!("{method} {path} answered {status}: {answer}");
        }
        Ok(answer)
    }

    /// Any answer, errors included: its status and JSON body (`null` if empty).
    /// With `as_admin`, as the signed-in admin; otherwise with the API key.
    pub async fn answer(
        &self,
        method: &str,
        path: &str,
        body: Value,
        as_admin: bool,
    ) -> Result<(u16, Value)> {
        let (status, _, text) = self.raw(method, path, body, as_admin).await?;
        let answer = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)
                .with_context(|| format!("{method} {path}: not JSON: {text}"))?
        };
        Ok((status, answer))
    }

    /// Any answer as text: status, `Content-Type` and body (a stream read to its end).
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        body: Value,
        as_admin: bool,
    ) -> Result<(u16, String, String)> {
        let url = format!("{}/api/v1{path}", self.base);
        let agent = self.agent.clone();
        let auth = format!("Bearer {}", self.key);
        let (cookie, csrf) = self.session.clone();
        let origin = self.base.trim_end_matches('/').to_string();
        let method = method.to_string();
        tokio::task::spawn_blocking(move || {
            let builder = ureq::http::Request::builder()
                .method(method.as_str())
                .uri(&url)
                .header("content-type", "application/json");
            let builder = if as_admin {
                builder
                    .header("cookie", &cookie)
                    .header("x-csrf-token", &csrf)
                    .header("origin", &origin)
            } else {
                builder.header("authorization", &auth)
            };
            // No body on a read or a delete: a server that does not read one
            // closes the connection after answering, and the unread bytes make
            // the close a reset that can cut the answer short.
            let payload = match (method.as_str(), &body) {
                ("GET" | "HEAD" | "DELETE", Value::Null) => String::new(),
                _ => body.to_string(),
            };
            let request = builder.body(payload)?;
            let mut response = agent
                .run(request)
                .with_context(|| format!("{method} {url}"))?;
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let text = response
                .body_mut()
                .read_to_string()
                .with_context(|| format!("reading the answer to {method} {url}"))?;
            Ok((status, content_type, text))
        })
        .await?
    }

    pub async fn put(&self, path: &str, body: Value) -> Result<Value> {
        self.send("PUT", path, body).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Result<Value> {
        self.send("POST", path, body).await
    }

    pub async fn get(&self, path: &str) -> Result<Value> {
        self.send("GET", path, Value::Null).await
    }
}

/// The bot API with a bot key: status and JSON.
pub async fn bot_api(
    app: &TestApp,
    key: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Result<(u16, Value)> {
    let url = app.url(&format!("/api/v1{path}"));
    let key = key.to_string();
    let method = method.to_string();
    tokio::task::spawn_blocking(move || -> Result<(u16, Value)> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(40)))
            .build()
            .into();
        let request = ureq::http::Request::builder()
            .method(method.as_str())
            .uri(&url)
            .header("authorization", format!("Bearer {key}"))
            .header("content-type", "application/json")
            .body(body.map(|b| b.to_string()).unwrap_or_default())?;
        let mut answer = agent.run(request)?;
        let status = answer.status().as_u16();
        let text = answer.body_mut().read_to_string()?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    })
    .await?
}
