//! What a hostile client tried against the first release (issue 10), each
//! over the real router: it must be refused, bounded, or recorded.

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{as_app, login, setup, signed_in, TestApp, PASSWORD};

fn audit_entries(app: &TestApp) -> Vec<Value> {
    let text = std::fs::read_to_string(app.data_dir.path().join("audit.jsonl")).unwrap_or_default();
    text.lines()
        .map(|line| serde_json::from_str(line).expect("an entry per line"))
        .collect()
}

#[tokio::test]
async fn a_simultaneous_burst_of_logins_gets_no_more_checks_than_attempts_one_at_a_time() {
    let app = Arc::new(TestApp::new().await);
    setup(&app).await;
    let hidden = login(&app, "admin\u{202E}", "whatever password", &[]).await;
    assert_eq!(
        hidden.field_errors(),
        [("username".to_string(), "invisible_characters".to_string())]
    );
    let before = audit_entries(&app).len();
    let attempts: Vec<_> = (0..60)
        .map(|n| {
            let app = Arc::clone(&app);
            let password = if n == 59 {
                PASSWORD.to_string()
            } else {
                format!("wrong password {n}")
            };
            tokio::spawn(async move { login(&app, "admin", &password, &[]).await.status })
        })
        .collect();
    let mut checked = 0;
    let mut refused = 0;
    for attempt in attempts {
        match attempt.await.expect("task") {
            StatusCode::UNAUTHORIZED | StatusCode::OK => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => refused += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert!(checked <= 5, "{checked} passwords were checked");
    assert_eq!(checked + refused, 60);
    let wrong = audit_entries(&app)[before..]
        .iter()
        .filter(|e| e["code"] == "wrong_password")
        .count();
    assert!(wrong <= 5, "{wrong} failures itemized");
}

#[tokio::test]
async fn anonymous_attempts_cannot_grow_the_audit_log_without_bound() {
    let app = TestApp::with_config(|c| c.trust_forwarded_for = true).await;
    setup(&app).await;
    let long_name = "a".repeat(10_000);
    let response = login(&app, &long_name, "whatever password", &[]).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        response.field_errors(),
        [("username".to_string(), "too_long".to_string())]
    );
    assert_eq!(response.json()["error"]["fields"][0]["params"]["max"], 32);
    let before = audit_entries(&app).len();
    assert!(
        !std::fs::read_to_string(app.data_dir.path().join("audit.jsonl"))
            .expect("log")
            .contains(&long_name[..100])
    );

    // 200 wrong passwords from 200 addresses, then more from locked ones.
    for n in 0..200u32 {
        let address = format!("203.0.{}.{}", n / 250, n % 250 + 1);
        login(
            &app,
            &format!("user{n}"),
            "wrong password",
            &[("x-forwarded-for", &address)],
        )
        .await;
    }
    let written = audit_entries(&app).len() - before;
    assert!(
        written <= 11,
        "{written} entries for 200 anonymous failures"
    );
    let size = std::fs::metadata(app.data_dir.path().join("audit.jsonl"))
        .expect("log")
        .len();
    assert!(size < 40_000, "the audit log grew to {size} bytes");
}

#[tokio::test]
async fn a_non_address_forwarded_for_never_reaches_the_log_or_the_throttle() {
    let app = TestApp::with_config(|c| c.trust_forwarded_for = true).await;
    setup(&app).await;
    login(
        &app,
        "admin",
        "wrong password",
        &[("x-forwarded-for", "<script>, evil")],
    )
    .await;
    login(
        &app,
        "admin",
        "wrong password",
        &[("x-forwarded-for", "10.1.2.3, [2001:db8::1]:443")],
    )
    .await;
    let entries = audit_entries(&app);
    let ips: Vec<&str> = entries
        .iter()
        .rev()
        .take(2)
        .map(|e| e["ip"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        ips,
        ["2001:db8::1", "127.0.0.1"],
        "an IP from the proxy, else the peer"
    );
}

#[tokio::test]
async fn admin_answers_are_never_cached_and_json_is_never_sniffed() {
    let app = TestApp::with_crisp_site().await;
    for uri in [
        "/api/v1/session",
        "/api/v1/sites",
        "/api/v1/instance/click-to-chat",
        "/api/v1/audit",
        "/api/v1/providers",
        "/api/v1/setup",
        "/api/v1/nope",
    ] {
        let response = app.get(uri).await;
        assert_eq!(response.header("cache-control"), Some("no-store"), "{uri}");
        assert_eq!(
            response.header("x-content-type-options"),
            Some("nosniff"),
            "{uri}"
        );
    }
    let public = app
        .anonymous(Method::GET, "/api/v1/widget/config?site=shop", &[], None)
        .await;
    assert_eq!(
        public.header("cache-control"),
        Some("public, max-age=60"),
        "the widget config stays cacheable"
    );
    assert_eq!(public.header("x-content-type-options"), Some("nosniff"));
}

#[tokio::test]
async fn first_run_setup_needs_a_loopback_host_without_a_public_url() {
    let app = TestApp::new().await;
    let body = json!({"username": "admin", "password": PASSWORD})
        .to_string()
        .into_bytes();
    let rebound = app
        .anonymous_with_host(
            Method::POST,
            "/api/v1/setup",
            "attacker.example:8080",
            &[("content-type", "application/json")],
            Some(body.clone()),
        )
        .await;
    assert_eq!(rebound.status, StatusCode::FORBIDDEN);
    assert_eq!(rebound.error_code(), "setup_host_not_allowed");
    assert_eq!(
        app.get("/api/v1/setup").await.json()["needed"],
        true,
        "nothing was created"
    );
    let local = app
        .anonymous_with_host(
            Method::POST,
            "/api/v1/setup",
            "127.0.0.1:8080",
            &[("content-type", "application/json")],
            Some(body.clone()),
        )
        .await;
    assert_eq!(local.status, StatusCode::CREATED, "{}", local.text());

    // `Host: localhost` from another machine is not local.
    let remote = TestApp::with_config_from(|_| {}, [203, 0, 113, 9]).await;
    let spoofed = remote
        .anonymous_with_host(
            Method::POST,
            "/api/v1/setup",
            "localhost",
            &[("content-type", "application/json")],
            Some(body.clone()),
        )
        .await;
    assert_eq!(spoofed.status, StatusCode::FORBIDDEN);
    assert_eq!(spoofed.error_code(), "setup_host_not_allowed");

    let public =
        TestApp::with_config(|c| c.public_url = Some("https://chat.example.com".into())).await;
    let named = public
        .anonymous_with_host(
            Method::POST,
            "/api/v1/setup",
            "chat.example.com",
            &[
                ("content-type", "application/json"),
                ("origin", "https://chat.example.com"),
            ],
            Some(body),
        )
        .await;
    assert_eq!(
        named.status,
        StatusCode::CREATED,
        "with --public-url its own host is fine: {}",
        named.text()
    );
}

#[tokio::test]
async fn the_origin_check_compares_the_scheme_too() {
    let app = TestApp::new().await;
    let browser = setup(&app).await;
    let headers = [
        ("cookie", browser.cookie.as_str()),
        ("x-csrf-token", browser.csrf.as_str()),
        ("origin", "https://localhost:8080"),
        ("content-type", "application/json"),
    ];
    let response = app
        .anonymous(
            Method::POST,
            "/api/v1/sites",
            &headers,
            Some(
                json!({"id": "x", "name": "x", "domains": []})
                    .to_string()
                    .into_bytes(),
            ),
        )
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    assert_eq!(response.error_code(), "cross_origin");
}

#[tokio::test]
async fn names_with_invisible_or_direction_characters_and_duplicate_keys_are_refused() {
    let app = TestApp::with_crisp_site().await;
    for name in ["shop\u{202E}gnp", "a\u{200B}b", "\u{2066}x"] {
        let response = app
            .post(
                "/api/v1/sites",
                &json!({"id": "spoof", "name": name, "domains": []}),
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name:?}"
        );
        assert_eq!(
            response.field_errors(),
            [("name".to_string(), "invisible_characters".to_string())]
        );
    }
    let duplicate = app
        .request(
            Method::POST,
            "/api/v1/sites",
            &[("content-type", "application/json")],
            Some(br#"{"id": "dup", "name": "a", "name": "b", "domains": []}"#.to_vec()),
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::BAD_REQUEST);
    assert_eq!(duplicate.error_code(), "invalid_json");
    assert_eq!(duplicate.json()["error"]["params"]["line"], 1);
    assert_eq!(
        app.get("/api/v1/sites/dup").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn thousands_of_unknown_keys_get_a_short_answer() {
    let app = TestApp::new().await;
    let mut body = serde_json::Map::new();
    for n in 0..6000 {
        body.insert(format!("k{n}"), Value::from(1));
    }
    let bytes = Value::Object(body).to_string().into_bytes();
    assert!(bytes.len() < 64 * 1024);
    let response = app
        .anonymous(
            Method::POST,
            "/api/v1/session",
            &[("content-type", "application/json")],
            Some(bytes),
        )
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response.body.len() < 16 * 1024,
        "{} bytes",
        response.body.len()
    );
    let listed = response.json()["error"]["fields"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(
        listed
            + response.json()["error"]["params"]["more_fields"]
                .as_u64()
                .unwrap_or(0) as usize,
        6000 + 2,
        "all counted, some listed"
    );
}

#[tokio::test]
async fn query_and_path_rejections_are_json_errors() {
    let app = TestApp::with_crisp_site().await;
    for uri in [
        "/api/v1/audit?page=1&page=2",
        "/api/v1/audit?page=x",
        "/api/v1/sites/%ff",
        "/api/v1/sites/%ff/click-to-chat",
    ] {
        let response = app.get(uri).await;
        assert_eq!(
            response.status,
            StatusCode::BAD_REQUEST,
            "{uri}: {}",
            response.text()
        );
        assert_eq!(
            response.header("content-type"),
            Some("application/json"),
            "{uri}"
        );
        assert_eq!(response.error_code(), "bad_request", "{uri}");
    }
}

#[tokio::test]
async fn double_slashes_never_redirect_off_site() {
    let app = TestApp::new().await;
    for uri in ["//logos", "//logos/", "/logos", "/a//b"] {
        let response = app.anonymous(Method::GET, uri, &[], None).await;
        assert!(
            response.header("location").is_none(),
            "{uri} redirects to {:?}",
            response.header("location")
        );
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{uri}");
    }
    // Under the API, the API's JSON error.
    let response = app.get("/api/v1/sites//csp").await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(response.error_code(), "not_found");
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
}

fn chatwoot(base_url: &str) -> Value {
    json!({"enabled": true, "site_settings_strategy": "always_inherit", "provider": "chatwoot", "guest_users_allowed": true,
           "account": {"website_token": "pX7kR2mQ9vW4tY6zB8nC3dF5", "base_url": base_url}})
}

#[tokio::test]
async fn only_a_signed_in_admin_can_point_sites_at_a_self_hosted_script() {
    let app = TestApp::with_crisp_site().await;
    setup(&app).await;
    let uri = "/api/v1/instance/click-to-chat";
    let before = app.stored();
    let by_key = app.put(uri, &chatwoot("https://evil.example/x")).await;
    assert_eq!(by_key.status, StatusCode::FORBIDDEN, "{}", by_key.text());
    assert_eq!(by_key.error_code(), "signed_in_admin_required");
    assert_eq!(
        by_key.field_errors(),
        [(
            "account.base_url".to_string(),
            "signed_in_admin_required".to_string()
        )]
    );
    assert_eq!(
        app.stored()["instance_click_to_chat"],
        before["instance_click_to_chat"],
        "nothing changed"
    );
    let refusal = audit_entries(&app).pop().expect("recorded");
    assert_eq!(
        (
            refusal["outcome"].as_str(),
            refusal["actor"]["kind"].as_str()
        ),
        (Some("failure"), Some("api_key"))
    );

    let hosted = app.put(uri, &chatwoot("")).await;
    assert_eq!(
        hosted.status,
        StatusCode::OK,
        "the provider's own service is fine for a key: {}",
        hosted.text()
    );

    let browser = signed_in(&app).await;
    let by_admin = as_app(
        &app,
        &browser,
        Method::PUT,
        uri,
        Some(chatwoot("https://chat.example.org/x")),
    )
    .await;
    assert_eq!(by_admin.status, StatusCode::OK, "{}", by_admin.text());
    let entry = audit_entries(&app).pop().expect("recorded");
    assert_eq!(
        entry["origins"],
        json!([{"field": "account.base_url", "from": "https://app.chatwoot.com", "to": "https://chat.example.org/x"}])
    );

    let unchanged = app.put(uri, &json!({"enabled": false, "site_settings_strategy": "always_inherit", "provider": "chatwoot", "guest_users_allowed": true,
        "account": {"website_token": "pX7kR2mQ9vW4tY6zB8nC3dF5", "base_url": "https://chat.example.org/x"}})).await;
    assert_eq!(
        unchanged.status,
        StatusCode::OK,
        "a key may change other fields and keep the admin's URL: {}",
        unchanged.text()
    );
}
