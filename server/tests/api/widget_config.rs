use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{crisp_settings, TestApp, CRISP_ID};

#[tokio::test]
async fn by_site_id_with_cors_cache_and_etag() {
    let app = TestApp::with_crisp_site().await;
    let response = app.get("/api/v1/widget/config?site=shop").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("access-control-allow-origin"), Some("*"));
    assert_eq!(response.header("cache-control"), Some("public, max-age=60"));
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert!(response
        .header("etag")
        .is_some_and(|t| t.starts_with('"') && t.ends_with('"')));
    assert_eq!(
        response.json(),
        json!({"site": "shop", "enabled": true, "provider": "crisp", "account": {"website_id": CRISP_ID}, "guest_users_allowed": true})
    );
}

#[tokio::test]
async fn by_host_name_as_the_browser_reports_it() {
    let app = TestApp::with_crisp_site().await;
    for host in [
        "shop.example.com",
        "SHOP.example.com",
        "shop.example.com:8443",
        "shop.example.com.",
    ] {
        let response = app.get(&format!("/api/v1/widget/config?host={host}")).await;
        assert_eq!(response.status, StatusCode::OK, "{host}");
        assert_eq!(response.json()["site"], "shop", "{host}");
    }
}

#[tokio::test]
async fn if_none_match_gets_304_until_the_settings_change() {
    let app = TestApp::with_crisp_site().await;
    let first = app.get("/api/v1/widget/config?site=shop").await;
    let etag = first.header("etag").expect("etag").to_string();
    let again = app
        .request(
            Method::GET,
            "/api/v1/widget/config?site=shop",
            &[("if-none-match", &etag)],
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    assert_eq!(again.header("access-control-allow-origin"), Some("*"));

    // The site gets its own provider: the config and its ETag change.
    let own = json!({"enabled": true, "provider": "smartsupp", "guest_users_allowed": false,
        "account": {"key": "0123456789abcdef0123456789abcdef01234567"}});
    assert_eq!(
        app.put("/api/v1/sites/shop/click-to-chat", &own)
            .await
            .status,
        StatusCode::OK
    );
    let changed = app
        .request(
            Method::GET,
            "/api/v1/widget/config?site=shop",
            &[("if-none-match", &etag)],
            None,
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK);
    assert_ne!(changed.header("etag"), Some(etag.as_str()));
    assert_eq!(changed.json()["provider"], "smartsupp");
    assert_eq!(changed.json()["guest_users_allowed"], false);
}

#[tokio::test]
async fn a_site_without_chat_reveals_nothing_but_that() {
    let app = TestApp::with_crisp_site().await;
    let mut off = crisp_settings(false);
    off["site_settings_strategy"] = json!("always_inherit");
    assert_eq!(
        app.put("/api/v1/instance/click-to-chat", &off).await.status,
        StatusCode::OK
    );
    let response = app.get("/api/v1/widget/config?site=shop").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(
        response.json(),
        json!({"site": "shop", "enabled": false, "guest_users_allowed": false})
    );
}

#[tokio::test]
async fn unknown_sites_and_bad_queries_are_json_errors_with_cors() {
    let app = TestApp::with_crisp_site().await;
    for uri in [
        "/api/v1/widget/config?site=nope",
        "/api/v1/widget/config?host=other.example.com",
        "/api/v1/widget/config?site=%22%3Cx%3E",
    ] {
        let response = app.get(uri).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(response.error_code(), "unknown_site", "{uri}");
        assert_eq!(
            response.header("access-control-allow-origin"),
            Some("*"),
            "{uri}"
        );
        assert_eq!(response.header("cache-control"), Some("no-cache"), "{uri}");
    }
    for uri in [
        "/api/v1/widget/config",
        "/api/v1/widget/config?site=shop&host=shop.example.com",
    ] {
        let response = app.get(uri).await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(
            response.field_errors(),
            vec![("site".to_string(), "required".to_string())],
            "{uri}"
        );
        assert_eq!(
            response.header("access-control-allow-origin"),
            Some("*"),
            "{uri}"
        );
    }
}
