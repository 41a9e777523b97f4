//! A real HTTP proxy for the egress tests: Debian's tinyproxy (`TINYPROXY`,
//! installed by `cargo xtask test`), in the foreground on a free port.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context, Result};

pub struct Proxy {
    pub port: u16,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Proxy {
    pub async fn start() -> Result<Self> {
        let binary = std::env::var_os("TINYPROXY").unwrap_or_else(|| "tinyproxy".into());
        let dir = tempfile::tempdir()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let config = dir.path().join("tinyproxy.conf");
        std::fs::write(
            &config,
            format!(
                "Port {port}\nListen 127.0.0.1\nTimeout 30\nMaxClients 20\nAllow 127.0.0.1\nViaProxyName \"tinyproxy\"\nLogLevel Warning\n"
            ),
        )?;
        let child = Command::new(&binary)
            .arg("-d")
            .arg("-c")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", binary.to_string_lossy()))?;
        let proxy = Self {
            port,
            child,
            _dir: dir,
        };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Ok(proxy);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("tinyproxy did not start listening on port {port}")
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
