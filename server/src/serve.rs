//! The accept loop, with what `axum::serve` does not bound: how long a
//! client may take to send its request headers (also how long a kept-alive
//! connection may sit idle), how long a whole request may take, and how many
//! connections are open at once, in all and from one address. Slow or idle
//! clients therefore cannot hold the server's sockets and file descriptors.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::http::StatusCode;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;
use tower_http::timeout::TimeoutLayer;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time to send a request's headers, and to start the next request on a
    /// kept-alive connection.
    pub header_read: Duration,
    /// Time for a whole request, body included, until its answer starts.
    pub request: Duration,
    /// How long one connection may stay open at all: hyper has no write
    /// timeout, so a client that reads an answer slowly (or never) is cut here.
    pub connection: Duration,
    /// Connections open at once.
    pub max_connections: usize,
    /// Connections open at once from one peer address (`None` behind a
    /// reverse proxy, where every connection comes from the proxy).
    pub max_per_address: Option<usize>,
}

impl Limits {
    pub fn new(max_connections: usize, max_per_address: Option<usize>) -> Self {
        Self {
            header_read: Duration::from_secs(10),
            request: Duration::from_secs(30),
            connection: Duration::from_secs(120),
            max_connections,
            max_per_address,
        }
    }
}

/// The connection limit that fits the process's open-file limit: each
/// connection is a descriptor, and the store and logs need a few more.
pub fn connection_limit_for_open_files(wanted: usize) -> usize {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we pass and nothing else.
    let known = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
    if !known {
        return wanted;
    }
    let available = usize::try_from(limit.rlim_cur)
        .unwrap_or(usize::MAX)
        .saturating_sub(64);
    wanted.min(available.max(8))
}

/// Counts open connections per address.
#[derive(Default)]
struct PerAddress(Mutex<HashMap<IpAddr, usize>>);

impl PerAddress {
    fn try_add(&self, address: IpAddr, max: usize) -> bool {
        let mut map = match self.0.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let count = map.entry(address).or_insert(0);
        if *count >= max {
            return false;
        }
        *count += 1;
        true
    }

    fn remove(&self, address: IpAddr) {
        let mut map = match self.0.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(count) = map.get_mut(&address) {
            *count -= 1;
            if *count == 0 {
                map.remove(&address);
            }
        }
    }
}

/// Serves `router` until `shutdown` resolves, then waits for open
/// connections to finish their requests (for at most `request` longer).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let router = router.layer(TimeoutLayer::with_status_code(
        StatusCode::REQUEST_TIMEOUT,
        limits.request,
    ));
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let per_address = Arc::new(PerAddress::default());
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // Wait for a free slot before accepting: new connections queue in
        // the kernel's backlog instead of costing us a descriptor.
        let slot = tokio::select! {
            slot = Arc::clone(&slots).acquire_owned() => slot,
            () = &mut shutdown => break,
        };
        let Ok(slot) = slot else { break };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors or similar: wait a little rather than spin.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        if let Some(max) = limits.max_per_address {
            if !per_address.try_add(peer.ip(), max) {
                tracing::debug!(peer = %peer.ip(), "too many connections from one address; closed");
                continue;
            }
        }
        let _ = stream.set_nodelay(true);
        let service = router
            .clone()
            .map_request(move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            });
        let service = TowerToHyperService::new(service);
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_read)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        let per_address = Arc::clone(&per_address);
        let counted = limits.max_per_address.is_some();
        let lifetime = limits.connection;
        tokio::spawn(async move {
            match tokio::time::timeout(lifetime, connection).await {
                Ok(Err(error)) => tracing::debug!(%error, "connection ended with an error"),
                Ok(Ok(())) => {}
                Err(_) => tracing::debug!("connection open too long; closed"),
            }
            if counted {
                per_address.remove(peer.ip());
            }
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.request, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("some connections were still open after the grace period");
    }
}
