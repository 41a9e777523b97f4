//! The outbound client against a real local server: what it refuses, and
//! that it neither follows redirects nor reads more than its cap.

use std::net::SocketAddr;
use std::time::Duration;

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use switchboard_server::egress::{Egress, EgressError, EgressPolicy, Outbound};
use url::Url;

/// A server on 127.0.0.1 with a few behaviours; counts the hits on `/target`.
async fn local_server() -> (SocketAddr, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let hits = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&hits);
    let app = Router::new()
        .route("/ok", get(|| async { "hello" }))
        .route(
            "/redirect",
            get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/target")]) }),
        )
        .route(
            "/target",
            get(move || {
                counter.fetch_add(1, Ordering::SeqCst);
                async { "followed" }
            }),
        )
        .route(
            "/big",
            get(|| async { vec![b'x'; 100_000].into_response() }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (address, hits)
}

fn get_request(url: &str) -> Outbound {
    Outbound {
        method: reqwest::Method::GET,
        url: Url::parse(url).expect("url"),
        headers: Vec::new(),
        body: None,
        timeout: Duration::from_secs(5),
        max_response_bytes: 10_000,
        via_proxy: false,
    }
}

fn client(allow: &[&str]) -> Egress {
    let entries = allow.iter().map(|a| a.parse().expect("entry")).collect();
    Egress::new(EgressPolicy::new(entries), None).expect("client")
}

#[tokio::test]
async fn loopback_private_and_metadata_addresses_are_refused_unless_allowed() {
    let (address, _) = local_server().await;
    let port = address.port();
    let strict = client(&[]);
    for url in [
        format!("http://127.0.0.1:{port}/ok"),
        // A name that resolves to 127.0.0.1: refused after resolution.
        format!("http://localhost:{port}/ok"),
        format!("http://[::ffff:127.0.0.1]:{port}/ok"),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        "http://10.0.0.1/".to_string(),
        "http://0.0.0.0/".to_string(),
    ] {
        let error = strict.send(get_request(&url)).await.expect_err(&url);
        assert!(
            matches!(error, EgressError::NotAllowed { .. }),
            "{url}: {error:?}"
        );
    }
    let allowed = client(&["127.0.0.1"]);
    let reply = allowed
        .send(get_request(&format!("http://127.0.0.1:{port}/ok")))
        .await
        .expect("allowed");
    assert_eq!((reply.status, reply.body), (200, Bytes::from("hello")));
    let by_name = client(&["localhost"]);
    assert_eq!(
        by_name
            .send(get_request(&format!("http://localhost:{port}/ok")))
            .await
            .expect("allowed by name")
            .status,
        200
    );
    // Allowing one address is not allowing its neighbours.
    let error = allowed
        .send(get_request("http://169.254.169.254/"))
        .await
        .expect_err("still refused");
    assert!(matches!(error, EgressError::NotAllowed { .. }), "{error:?}");
}

#[tokio::test]
async fn redirects_are_handed_back_not_followed() {
    let (address, hits) = local_server().await;
    let reply = client(&["127.0.0.1"])
        .send(get_request(&format!("http://{address}/redirect")))
        .await
        .expect("answer");
    assert_eq!(reply.status, 302);
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 0);
}

#[tokio::test]
async fn answers_over_the_cap_and_slow_answers_fail_cleanly() {
    let (address, _) = local_server().await;
    let egress = client(&["127.0.0.1"]);
    let error = egress
        .send(get_request(&format!("http://{address}/big")))
        .await
        .expect_err("too large");
    assert_eq!(error, EgressError::TooLarge { limit: 10_000 });
    let mut slow = get_request(&format!("http://{address}/slow"));
    slow.timeout = Duration::from_millis(300);
    let started = std::time::Instant::now();
    let error = egress.send(slow).await.expect_err("timeout");
    assert!(matches!(error, EgressError::Timeout(_)), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
    let mut proxied = get_request(&format!("http://{address}/ok"));
    proxied.via_proxy = true;
    assert_eq!(egress.send(proxied).await.err(), Some(EgressError::NoProxy));
    let error = egress
        .send(get_request("file:///etc/passwd"))
        .await
        .expect_err("scheme");
    assert!(matches!(error, EgressError::InvalidUrl(_)), "{error:?}");
}
