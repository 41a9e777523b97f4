use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{crisp_settings, TestApp};

const TAWK: &str = "5f8e1a2b3c4d5e6f7a8b9c0d";

fn tawk_settings() -> serde_json::Value {
    json!({"enabled": true, "provider": "tawkto", "guest_users_allowed": false,
        "account": {"property_id": TAWK, "widget_id": "default"}})
}

fn instance(strategy: &str) -> serde_json::Value {
    let mut settings = crisp_settings(true);
    settings["site_settings_strategy"] = json!(strategy);
    settings
}

#[tokio::test]
async fn a_site_without_settings_reads_as_unsaved_defaults() {
    let app = TestApp::new().await;
    app.create_site("shop", &[]).await;
    let response = app.get("/api/v1/sites/shop/click-to-chat").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("etag"), Some("\"0\""));
    assert_eq!(response.json()["saved"], false);
    assert_eq!(
        response.json()["settings"],
        json!({"enabled": false, "provider": null, "account": {}, "guest_users_allowed": false})
    );
}

#[tokio::test]
async fn site_settings_are_saved_with_their_own_revision() {
    let app = TestApp::new().await;
    app.create_site("shop", &[]).await;
    let saved = app
        .send_json(
            Method::PUT,
            "/api/v1/sites/shop/click-to-chat",
            &tawk_settings(),
            &[("if-match", "\"0\"")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
    assert_eq!(saved.json()["saved"], true);
    let again = app
        .send_json(
            Method::PUT,
            "/api/v1/sites/shop/click-to-chat",
            &tawk_settings(),
            &[("if-match", "\"0\"")],
        )
        .await;
    assert_eq!(again.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(
        app.stored()["sites"]["shop"]["click_to_chat"]["value"]["account"]["property_id"],
        TAWK
    );
}

#[tokio::test]
async fn the_effective_result_follows_the_strategy_and_says_why() {
    let app = TestApp::new().await;
    app.create_site("own", &[]).await;
    app.create_site("plain", &[]).await;
    assert_eq!(
        app.put("/api/v1/sites/own/click-to-chat", &tawk_settings())
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.put(
            "/api/v1/instance/click-to-chat",
            &instance("inherit_or_override")
        )
        .await
        .status,
        StatusCode::OK
    );

    let own = app
        .get("/api/v1/sites/own/click-to-chat/effective")
        .await
        .json();
    assert_eq!(own["source"], "site");
    assert_eq!(own["provider"], "tawkto");
    assert_eq!(own["reason"]["code"], "site_configured");
    assert_eq!(own["enabled"], true);
    assert!(own["reason"]["message"]
        .as_str()
        .unwrap_or("")
        .contains("Inherit or Override"));

    let plain = app
        .get("/api/v1/sites/plain/click-to-chat/effective")
        .await
        .json();
    assert_eq!(plain["source"], "instance");
    assert_eq!(plain["provider"], "crisp");
    assert_eq!(plain["reason"]["code"], "site_not_configured");

    assert_eq!(
        app.put(
            "/api/v1/instance/click-to-chat",
            &instance("always_inherit")
        )
        .await
        .status,
        StatusCode::OK
    );
    let own = app
        .get("/api/v1/sites/own/click-to-chat/effective")
        .await
        .json();
    assert_eq!(own["source"], "instance");
    assert_eq!(own["provider"], "crisp");
    assert_eq!(own["reason"]["code"], "always_inherit");

    assert_eq!(
        app.put(
            "/api/v1/instance/click-to-chat",
            &instance("always_override")
        )
        .await
        .status,
        StatusCode::OK
    );
    let plain = app
        .get("/api/v1/sites/plain/click-to-chat/effective")
        .await
        .json();
    assert_eq!(plain["source"], "site");
    assert_eq!(plain["enabled"], false);
    assert_eq!(
        plain["reason"]["code"],
        "always_override_without_site_settings"
    );
    // The reason says it all; no second, contradicting one.
    assert_eq!(plain["inactive"], serde_json::Value::Null);
}
