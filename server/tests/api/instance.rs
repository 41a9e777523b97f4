use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{crisp_settings, TestApp, CRISP_ID};

fn with_strategy(mut settings: serde_json::Value, strategy: &str) -> serde_json::Value {
    settings["site_settings_strategy"] = json!(strategy);
    settings
}

#[tokio::test]
async fn defaults_before_anything_is_saved() {
    let app = TestApp::new().await;
    let response = app.get("/api/v1/instance/click-to-chat").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.header("etag"), Some("\"0\""));
    assert_eq!(
        response.json()["settings"],
        json!({"enabled": false, "site_settings_strategy": "inherit_or_override", "provider": null, "account": {}, "guest_users_allowed": false})
    );
}

#[tokio::test]
async fn saved_settings_are_returned_and_stored_on_disk() {
    let app = TestApp::new().await;
    let body = with_strategy(crisp_settings(true), "always_inherit");
    let saved = app.put("/api/v1/instance/click-to-chat", &body).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
    assert_eq!(saved.header("etag"), Some("\"1\""));
    assert_eq!(saved.json()["settings"]["account"]["website_id"], CRISP_ID);

    let read = app.get("/api/v1/instance/click-to-chat").await;
    assert_eq!(read.json()["settings"], saved.json()["settings"]);
    assert_eq!(read.header("etag"), Some("\"1\""));

    let stored = app.stored();
    assert_eq!(stored["schema_version"], 1);
    assert_eq!(
        stored["instance_click_to_chat"]["value"]["provider"],
        "crisp"
    );
    assert_eq!(
        stored["instance_click_to_chat"]["value"]["site_settings_strategy"],
        "always_inherit"
    );
}

#[tokio::test]
async fn a_stale_if_match_is_refused_and_nothing_is_stored() {
    let app = TestApp::new().await;
    let uri = "/api/v1/instance/click-to-chat";
    let first = app
        .send_json(
            Method::PUT,
            uri,
            &with_strategy(crisp_settings(true), "always_inherit"),
            &[("if-match", "\"0\"")],
        )
        .await;
    assert_eq!(first.status, StatusCode::OK);
    let before = app.stored();

    // A second admin still holding revision 0 tries to save.
    let second = app
        .send_json(
            Method::PUT,
            uri,
            &with_strategy(crisp_settings(false), "always_override"),
            &[("if-match", "\"0\"")],
        )
        .await;
    assert_eq!(second.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(second.error_code(), "precondition_failed");
    assert_eq!(app.stored(), before);
    assert_eq!(app.get(uri).await.json()["settings"]["enabled"], true);

    // With the current revision (or `*`) the write goes through.
    let current = first.header("etag").expect("etag").to_string();
    let third = app
        .send_json(
            Method::PUT,
            uri,
            &with_strategy(crisp_settings(false), "always_override"),
            &[("if-match", &current)],
        )
        .await;
    assert_eq!(third.status, StatusCode::OK);
    let fourth = app
        .send_json(
            Method::PUT,
            uri,
            &with_strategy(crisp_settings(true), "always_override"),
            &[("if-match", "*")],
        )
        .await;
    assert_eq!(fourth.status, StatusCode::OK);
}

#[tokio::test]
async fn unusual_but_safe_values_are_saved_with_a_warning() {
    let app = TestApp::new().await;
    let body = json!({"enabled": true, "site_settings_strategy": "always_inherit", "provider": "jivochat",
        "account": {"widget_id": "abc"}, "guest_users_allowed": true});
    let response = app.put("/api/v1/instance/click-to-chat", &body).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert_eq!(response.json()["warnings"][0]["field"], "account.widget_id");
    assert_eq!(response.json()["warnings"][0]["code"], "unusual_format");
    assert_eq!(
        app.get("/api/v1/instance/click-to-chat").await.json()["warnings"][0]["field"],
        "account.widget_id"
    );
}
