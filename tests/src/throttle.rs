//! A slow network link in front of a local server, for the bench: every byte
//! is delayed by half the round-trip time in each direction, and each
//! direction is limited to its bandwidth. It works the same for every browser
//! engine (DevTools' network emulation exists only in Chromium), and because
//! it sits on the TCP connection it also charges the connection set-up that
//! a real visitor pays.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Result;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// The link's shape.
#[derive(Clone, Copy, Debug)]
pub struct Link {
    pub round_trip: Duration,
    /// Bytes per second from the server to the browser.
    pub down: u64,
    /// Bytes per second from the browser to the server.
    pub up: u64,
}

/// A listener on a free loopback port that forwards every connection to
/// `upstream` over the [`Link`]; it stops when dropped.
pub struct ThrottledProxy {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl ThrottledProxy {
    pub async fn start(upstream: SocketAddr, link: Link) -> Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(upstream).await {
                        let _ = client.set_nodelay(true);
                        let _ = server.set_nodelay(true);
                        // The connection itself costs a round trip, as the
                        // TCP handshake does on a real link.
                        tokio::time::sleep(link.round_trip).await;
                        let (client_read, client_write) = client.into_split();
                        let (server_read, server_write) = server.into_split();
                        let half = link.round_trip / 2;
                        tokio::join!(
                            pump(client_read, server_write, half, link.up),
                            pump(server_read, client_write, half, link.down),
                        );
                    }
                });
            }
        });
        Ok(Self { addr, task })
    }

    /// `http://127.0.0.1:<port>`
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for ThrottledProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Copies one direction: each chunk leaves once the link has had time to
/// send it at `rate`, and arrives `delay` later. Reading and writing are
/// separate tasks, so the delay does not limit the throughput.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    delay: Duration,
    rate: u64,
) {
    let (sender, mut receiver) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let reader = async move {
        let mut link_free_at = Instant::now();
        // About one TCP segment at a time: a chunk is forwarded only once
        // it is all "sent", so big chunks would delay their first byte.
        let mut buffer = vec![0u8; 1460];
        loop {
            let read = match from.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(read) => read,
            };
            let sending = Duration::from_secs_f64(read as f64 / rate.max(1) as f64);
            link_free_at = link_free_at.max(Instant::now()) + sending;
            if sender
                .send((link_free_at + delay, buffer[..read].to_vec()))
                .is_err()
            {
                break;
            }
        }
        // Dropping the sender ends the writer once it has delivered the rest.
    };
    let writer = async move {
        while let Some((arrives_at, bytes)) = receiver.recv().await {
            tokio::time::sleep_until(arrives_at).await;
            if to.write_all(&bytes).await.is_err() {
                return;
            }
        }
        let _ = to.shutdown().await;
    };
    tokio::join!(reader, writer);
}
