//! Every kind of bad input gets a 4xx JSON error naming the field, and the
//! store file is byte-for-byte unchanged.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{crisp_settings, TestApp};

fn store_bytes(app: &TestApp) -> Vec<u8> {
    std::fs::read(app.data_dir.path().join("switchboard.json")).expect("store file")
}

/// Sends `body` as JSON to `uri` and checks status, error code and fields.
async fn refused(
    app: &TestApp,
    method: Method,
    uri: &str,
    body: &Value,
    status: StatusCode,
    fields: &[(&str, &str)],
) {
    let before = store_bytes(app);
    let response = app.send_json(method.clone(), uri, body, &[]).await;
    assert_eq!(
        response.status,
        status,
        "{method} {uri} {body}: {}",
        response.text()
    );
    let expected: Vec<(String, String)> = fields
        .iter()
        .map(|(f, c)| (f.to_string(), c.to_string()))
        .collect();
    assert_eq!(response.field_errors(), expected, "{method} {uri} {body}");
    assert!(response.json()["error"]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    assert_eq!(
        store_bytes(app),
        before,
        "{method} {uri} {body} changed the store"
    );
}

fn site_chat(provider: &str, account: Value) -> Value {
    json!({"enabled": true, "provider": provider, "guest_users_allowed": false, "account": account})
}

#[tokio::test]
async fn malformed_json_and_wrong_content_types() {
    let app = TestApp::with_crisp_site().await;
    let before = store_bytes(&app);
    let uri = "/api/v1/sites/shop/click-to-chat";
    let broken = app
        .request(
            Method::PUT,
            uri,
            &[("content-type", "application/json")],
            Some(b"{\"enabled\": tru".to_vec()),
        )
        .await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    assert_eq!(broken.error_code(), "invalid_json");
    assert!(
        broken.json()["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("line 1"),
        "{}",
        broken.text()
    );

    let empty = app
        .request(
            Method::PUT,
            uri,
            &[("content-type", "application/json")],
            Some(Vec::new()),
        )
        .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);

    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
    ] {
        let headers: Vec<(&str, &str)> = content_type
            .map(|c| vec![("content-type", c)])
            .unwrap_or_default();
        let response = app
            .request(
                Method::PUT,
                uri,
                &headers,
                Some(crisp_settings(true).to_string().into_bytes()),
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?}"
        );
        assert_eq!(response.error_code(), "unsupported_media_type");
    }
    assert_eq!(store_bytes(&app), before);
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused() {
    let app = TestApp::with_crisp_site().await;
    let before = store_bytes(&app);
    let huge = json!({"id": "big", "name": "x".repeat(100 * 1024), "domains": []});
    let response = app.post("/api/v1/sites", &huge).await;
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(response.error_code(), "payload_too_large");
    assert_eq!(store_bytes(&app), before);
}

/// A declared length over the limit is refused before any body is read (a
/// client that never sends it cannot hold the request for the timeout).
#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused_at_once() {
    let app = TestApp::with_crisp_site().await;
    let before = store_bytes(&app);
    for uri in ["/api/v1/sites", "/api/v1/session"] {
        let response = app
            .request(
                Method::POST,
                uri,
                &[
                    ("content-type", "application/json"),
                    ("content-length", "100000000"),
                ],
                Some(b"{".to_vec()),
            )
            .await;
        assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE, "{uri}");
        assert_eq!(response.error_code(), "payload_too_large");
    }
    assert_eq!(store_bytes(&app), before);
}

#[tokio::test]
async fn wrong_types_unknown_fields_and_unknown_providers() {
    let app = TestApp::with_crisp_site().await;
    let uri = "/api/v1/sites/shop/click-to-chat";
    refused(
        &app,
        Method::PUT,
        uri,
        &json!({"enabled": "yes", "provider": null, "guest_users_allowed": 1}),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            ("enabled", "wrong_type"),
            ("guest_users_allowed", "wrong_type"),
        ],
    )
    .await;
    refused(
        &app,
        Method::PUT,
        uri,
        &json!({"enabled": true, "provider": "skype", "guest_users_allowed": false}),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[("provider", "unknown_provider")],
    )
    .await;
    refused(
        &app,
        Method::PUT,
        uri,
        &json!({"enabled": true, "provider": 7, "guest_users_allowed": false}),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[("provider", "wrong_type")],
    )
    .await;
    refused(
        &app,
        Method::PUT,
        uri,
        &json!([true]),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[("body", "wrong_type")],
    )
    .await;
    refused(
        &app,
        Method::PUT,
        uri,
        &json!({"enabled": true, "provider": null, "guest_users_allowed": false, "theme": "dark"}),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[("theme", "unknown_field")],
    )
    .await;
    refused(
        &app,
        Method::PUT,
        uri,
        &site_chat("crisp", json!({"website_id": ["x"]})),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[("account.website_id", "wrong_type")],
    )
    .await;
    refused(
        &app,
        Method::PUT,
        uri,
        &site_chat("crisp", json!({})),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[("account.website_id", "required")],
    )
    .await;
    refused(&app, Method::PUT, "/api/v1/instance/click-to-chat",
        &json!({"enabled": true, "provider": null, "guest_users_allowed": false, "site_settings_strategy": "sometimes"}),
        StatusCode::UNPROCESSABLE_ENTITY, &[("site_settings_strategy", "invalid_choice")]).await;
}

#[tokio::test]
async fn ids_that_could_break_out_of_a_script_are_refused() {
    let app = TestApp::with_crisp_site().await;
    let uri = "/api/v1/sites/shop/click-to-chat";
    for hostile in [
        "abc\"def",
        "abc'def",
        "<script>alert(1)</script>",
        "abc def",
        "javascript:alert(1)",
        "a`b",
        "a\\u0022",
    ] {
        for (provider, field) in [
            ("intercom", "app_id"),
            ("tidio", "public_key"),
            ("jivochat", "widget_id"),
            ("crisp", "website_id"),
            ("livechat", "license"),
        ] {
            let mut account = serde_json::Map::new();
            account.insert(field.into(), json!(hostile));
            let path = format!("account.{field}");
            refused(
                &app,
                Method::PUT,
                uri,
                &site_chat(provider, Value::Object(account)),
                StatusCode::UNPROCESSABLE_ENTITY,
                &[(path.as_str(), "unsafe_characters")],
            )
            .await;
        }
    }
}

#[tokio::test]
async fn chatwoot_needs_an_https_base_url() {
    let app = TestApp::with_crisp_site().await;
    let uri = "/api/v1/sites/shop/click-to-chat";
    for (url, code) in [
        ("http://chat.example.com", "not_https"),
        ("javascript:alert(1)", "not_https"),
        ("//chat.example.com", "not_https"),
        ("https://chat.example.com/\"><script>", "unsafe_characters"),
        ("https://user:secret@chat.example.com", "invalid_format"),
    ] {
        let account = json!({"website_token": "pX7kR2mQ9vW4tY6zB8nC3dF5", "base_url": url});
        refused(
            &app,
            Method::PUT,
            uri,
            &site_chat("chatwoot", account),
            StatusCode::UNPROCESSABLE_ENTITY,
            &[("account.base_url", code)],
        )
        .await;
    }
    refused(&app, Method::PUT, uri, &site_chat("chatwoot", json!({"website_token": "pX7kR2mQ9vW4tY6zB8nC3dF5", "base_url": "https://chat.example.com/a/../b"})),
        StatusCode::UNPROCESSABLE_ENTITY, &[("account.base_url", "invalid_format")]).await;
    let ok = app.put(uri, &site_chat("chatwoot", json!({"website_token": "pX7kR2mQ9vW4tY6zB8nC3dF5", "base_url": "https://APP.chatwoot.com/"}))).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    assert_eq!(
        ok.json()["settings"]["account"]["base_url"],
        "https://app.chatwoot.com",
        "normalized"
    );
}

#[tokio::test]
async fn bad_sites_and_duplicates() {
    let app = TestApp::with_crisp_site().await;
    refused(
        &app,
        Method::POST,
        "/api/v1/sites",
        &json!({"id": "Bad id", "name": "x", "domains": []}),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[("id", "invalid_format")],
    )
    .await;
    refused(
        &app,
        Method::POST,
        "/api/v1/sites",
        &json!({"id": "a\"b", "name": "x", "domains": []}),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[("id", "invalid_format")],
    )
    .await;
    refused(
        &app,
        Method::POST,
        "/api/v1/sites",
        &json!({"id": "ok", "name": "x", "domains": ["https://x.example.com/"]}),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[("domains[0]", "invalid_format")],
    )
    .await;
    refused(
        &app,
        Method::POST,
        "/api/v1/sites",
        &json!({"id": "ok", "name": "x", "domains": ["a.example.com", "A.example.com"]}),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[("domains[1]", "duplicate")],
    )
    .await;
    refused(
        &app,
        Method::POST,
        "/api/v1/sites",
        &json!({"id": "shop", "name": "x", "domains": []}),
        StatusCode::CONFLICT,
        &[("id", "already_taken")],
    )
    .await;
    refused(
        &app,
        Method::POST,
        "/api/v1/sites",
        &json!({"id": "other", "name": "x", "domains": ["shop.example.com"]}),
        StatusCode::CONFLICT,
        &[("domains[0]", "already_taken")],
    )
    .await;
    refused(
        &app,
        Method::PUT,
        "/api/v1/sites/shop",
        &json!({"id": "renamed", "name": "x", "domains": []}),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[("id", "immutable")],
    )
    .await;
}

#[tokio::test]
async fn unknown_endpoints_and_methods_are_json() {
    let app = TestApp::with_crisp_site().await;
    let missing = app.get("/api/v1/nothing-here").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.error_code(), "not_found");
    let method = app.request(Method::PATCH, "/api/v1/sites", &[], None).await;
    assert_eq!(method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(method.error_code(), "method_not_allowed");
}

#[tokio::test]
async fn odd_if_match_authorization_and_content_type_headers_are_refused() {
    let app = TestApp::new().await;
    let uri = "/api/v1/instance/click-to-chat";
    let mut settings = crisp_settings(true);
    settings["site_settings_strategy"] = json!("always_inherit");
    let before = app.stored()["instance_click_to_chat"].clone();
    for garbage in ["garbage", "1", "\"1", "foo, bar", "\"99\", *", ""] {
        let response = app
            .send_json(Method::PUT, uri, &settings, &[("if-match", garbage)])
            .await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "If-Match: {garbage:?}"
        );
        assert_eq!(
            response.field_errors(),
            [("If-Match".to_string(), "invalid_format".to_string())],
            "If-Match: {garbage:?}"
        );
    }
    assert_eq!(
        app.stored()["instance_click_to_chat"],
        before,
        "nothing changed"
    );

    // Two Authorization headers are not "the first one".
    let bearer = format!("Bearer {}", app.key);
    let twice = app
        .anonymous(
            Method::GET,
            "/api/v1/sites",
            &[("authorization", &bearer), ("authorization", "Bearer junk")],
            None,
        )
        .await;
    assert_eq!(twice.status, StatusCode::UNAUTHORIZED);
    assert_eq!(twice.error_code(), "malformed_authorization");

    let body = settings.to_string().into_bytes();
    for content_types in [
        &[
            ("content-type", "application/json"),
            ("content-type", "text/plain"),
        ][..],
        &[("content-type", "application/json; charset=utf-16")][..],
    ] {
        let response = app
            .request(Method::PUT, uri, content_types, Some(body.clone()))
            .await;
        assert_eq!(
            response.status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_types:?}"
        );
    }
    let fine = app
        .request(
            Method::PUT,
            uri,
            &[("content-type", "application/json; charset=UTF-8")],
            Some(body),
        )
        .await;
    assert_eq!(fine.status, StatusCode::OK, "{}", fine.text());
}
