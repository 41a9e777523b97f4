//! The tests' bot program (`tests/webhooks/receiver.py`): receives webhook
//! deliveries, verifies them with the Standard Webhooks reference library,
//! and answers through the bot API. Python from the virtualenv `cargo xtask
//! test` prepares (`SWITCHBOARD_WEBHOOK_PYTHON`).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result};
use serde_json::Value;

pub struct BotProgram {
    pub port: u16,
    child: Child,
    agent: ureq::Agent,
}

impl BotProgram {
    pub fn start() -> Result<Self> {
        let python = std::env::var_os("SWITCHBOARD_WEBHOOK_PYTHON").context(
            "SWITCHBOARD_WEBHOOK_PYTHON is not set: run the tests with `cargo xtask test`, which installs the webhook receiver's library",
        )?;
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("webhooks")
            .join("receiver.py");
        let mut child = Command::new(python)
            .arg(script)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("starting the webhook receiver")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let port = line
            .trim()
            .parse()
            .with_context(|| format!("the receiver printed {line:?}, not its port"))?;
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .into();
        Ok(Self { port, child, agent })
    }

    pub fn hook_url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    /// See the receiver's `/configure`.
    pub async fn configure(&self, config: Value) -> Result<()> {
        let (agent, url) = (
            self.agent.clone(),
            format!("http://127.0.0.1:{}/configure", self.port),
        );
        tokio::task::spawn_blocking(move || {
            agent
                .post(&url)
                .header("content-type", "application/json")
                .send(config.to_string())
                .map(|_| ())
                .context("configuring the receiver")
        })
        .await?
    }

    /// Every delivery received so far.
    pub async fn received(&self) -> Result<Vec<Value>> {
        let (agent, url) = (
            self.agent.clone(),
            format!("http://127.0.0.1:{}/received", self.port),
        );
        tokio::task::spawn_blocking(move || -> Result<Vec<Value>> {
            let mut answer = agent.get(&url).call()?;
            Ok(serde_json::from_str(&answer.body_mut().read_to_string()?)?)
        })
        .await?
    }

    /// Waits until `done` holds for what was received (at most 20 s).
    pub async fn wait_for(
        &self,
        what: &str,
        done: impl Fn(&[Value]) -> bool,
    ) -> Result<Vec<Value>> {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let received = self.received().await?;
            if done(&received) {
                return Ok(received);
            }
            if std::time::Instant::now() > deadline {
                anyhow::bail!("the receiver never got {what}: {received:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for BotProgram {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
