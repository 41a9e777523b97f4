use axum::http::StatusCode;
use serde_json::json;

use crate::helpers::{crisp_settings, TestApp};

#[tokio::test]
async fn the_policy_names_switchboard_wasm_and_the_effective_provider() {
    let app = TestApp::new().await;
    app.create_site("shop", &[]).await;
    let instance = json!({"enabled": true, "site_settings_strategy": "inherit_or_override", "provider": null, "guest_users_allowed": false});
    assert_eq!(
        app.put("/api/v1/instance/click-to-chat", &instance)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.put("/api/v1/sites/shop/click-to-chat", &crisp_settings(true))
            .await
            .status,
        StatusCode::OK
    );
    let response = app.get("/api/v1/sites/shop/csp").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    let body = response.json();
    assert_eq!(body["provider"], "crisp");
    assert_eq!(body["switchboard_origin"], "http://localhost:8080");
    assert_eq!(
        body["directives"]["script-src"],
        json!([
            "http://localhost:8080",
            "'wasm-unsafe-eval'",
            "https://client.crisp.chat"
        ])
    );
    let policy = body["policy"].as_str().expect("policy");
    assert!(
        policy.contains("connect-src http://localhost:8080 https://client.crisp.chat"),
        "{policy}"
    );
    assert!(policy.contains("wss://client.relay.crisp.chat"), "{policy}");
}

#[tokio::test]
async fn without_chat_only_the_loader_is_allowed_and_the_public_url_wins() {
    let app =
        TestApp::with_config(|c| c.public_url = Some("https://chat.example.com".into())).await;
    app.create_site("quiet", &[]).await;
    let body = app.get("/api/v1/sites/quiet/csp").await.json();
    assert_eq!(body["provider"], serde_json::Value::Null);
    assert_eq!(body["policy"], "connect-src https://chat.example.com; script-src https://chat.example.com 'wasm-unsafe-eval'");
    assert_eq!(
        app.get("/api/v1/sites/nope/csp").await.status,
        StatusCode::NOT_FOUND
    );
}
