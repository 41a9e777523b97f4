//! Admin security: first-run setup, sessions, CSRF, throttling, API keys and
//! the audit log, each rule of the issue over the real router.

use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use switchboard_server::configuration::Minutes;

use crate::helpers::{as_app, login, session_cookie, setup, signed_in, TestApp, ORIGIN, PASSWORD};

fn site(id: &str) -> Value {
    json!({"id": id, "name": id, "domains": []})
}

#[tokio::test]
async fn first_run_setup_happens_once() {
    let app = TestApp::new().await;
    assert_eq!(
        app.anonymous(Method::GET, "/api/v1/setup", &[], None)
            .await
            .json(),
        json!({"needed": true})
    );

    let weak = app
        .anonymous(
            Method::POST,
            "/api/v1/setup",
            &[("content-type", "application/json")],
            Some(
                json!({"username": "admin", "password": "short"})
                    .to_string()
                    .into_bytes(),
            ),
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        weak.field_errors(),
        vec![("password".to_string(), "too_short".to_string())]
    );

    let browser = setup(&app).await;
    assert_eq!(
        app.anonymous(Method::GET, "/api/v1/setup", &[], None)
            .await
            .json(),
        json!({"needed": false})
    );
    let who = app
        .anonymous(
            Method::GET,
            "/api/v1/session",
            &[("cookie", &browser.cookie)],
            None,
        )
        .await;
    assert_eq!(who.json()["username"], "admin");

    let again = app
        .anonymous(
            Method::POST,
            "/api/v1/setup",
            &[("content-type", "application/json")],
            Some(
                json!({"username": "evil", "password": PASSWORD})
                    .to_string()
                    .into_bytes(),
            ),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.error_code(), "already_set_up");
    assert!(app.stored()["admins"].get("evil").is_none());
    let hash = app.stored()["admins"]["admin"]["password_hash"]
        .as_str()
        .expect("hash")
        .to_string();
    assert!(hash.starts_with("$argon2id$") && !hash.contains(PASSWORD));
}

#[tokio::test]
async fn every_admin_route_needs_a_session_or_key_and_public_ones_do_not() {
    let app = TestApp::new().await;
    for (method, uri) in [
        (Method::GET, "/api/v1/providers"),
        (Method::GET, "/api/v1/instance/click-to-chat"),
        (Method::PUT, "/api/v1/instance/click-to-chat"),
        (Method::GET, "/api/v1/sites"),
        (Method::POST, "/api/v1/sites"),
        (Method::GET, "/api/v1/sites/x"),
        (Method::DELETE, "/api/v1/sites/x"),
        (Method::GET, "/api/v1/sites/x/click-to-chat"),
        (Method::GET, "/api/v1/sites/x/click-to-chat/effective"),
        (Method::GET, "/api/v1/api-keys"),
        (Method::POST, "/api/v1/api-keys"),
        (Method::DELETE, "/api/v1/api-keys/x"),
        (Method::GET, "/api/v1/audit"),
        (Method::GET, "/api/v1/session"),
        (Method::DELETE, "/api/v1/session"),
    ] {
        let response = app
            .anonymous(
                method.clone(),
                uri,
                &[("content-type", "application/json")],
                Some(b"{}".to_vec()),
            )
            .await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{method} {uri}");
        assert_eq!(response.error_code(), "unauthenticated", "{method} {uri}");
        let bad_key = app
            .anonymous(
                method.clone(),
                uri,
                &[("authorization", "Bearer sbk_not_a_key")],
                None,
            )
            .await;
        assert_eq!(
            bad_key.status,
            StatusCode::UNAUTHORIZED,
            "{method} {uri} with a made-up key"
        );
    }
    assert_eq!(
        app.anonymous(Method::GET, "/api/v1/setup", &[], None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.anonymous(Method::GET, "/api/v1/widget/config?site=x", &[], None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        login(&app, "admin", "wrong password!", &[]).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn session_cookie_is_strict_and_each_login_gets_a_new_id() {
    let app = TestApp::new().await;
    let first = setup(&app).await;
    let response = login(&app, "admin", PASSWORD, &[("cookie", &first.cookie)]).await;
    let set_cookie = response.header("set-cookie").expect("cookie").to_string();
    for part in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(part), "{set_cookie}");
    }
    assert!(
        !set_cookie.contains("Secure"),
        "plain http must not set Secure: {set_cookie}"
    );
    let second = session_cookie(&response);
    assert_ne!(second, first.cookie);
    // The session the browser had before logging in again is over.
    assert_eq!(
        app.anonymous(
            Method::GET,
            "/api/v1/session",
            &[("cookie", &first.cookie)],
            None
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.anonymous(Method::GET, "/api/v1/session", &[("cookie", &second)], None)
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn behind_https_the_cookie_is_secure_and_host_prefixed() {
    let app =
        TestApp::with_config(|c| c.public_url = Some("https://chat.example.com".into())).await;
    let response = app
        .anonymous(
            Method::POST,
            "/api/v1/setup",
            &[
                ("content-type", "application/json"),
                ("origin", "https://chat.example.com"),
            ],
            Some(
                json!({"username": "admin", "password": PASSWORD})
                    .to_string()
                    .into_bytes(),
            ),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    let set_cookie = response.header("set-cookie").expect("cookie");
    assert!(
        set_cookie.starts_with("__Host-switchboard_session=") && set_cookie.contains("; Secure"),
        "{set_cookie}"
    );
}

#[tokio::test]
async fn changes_with_a_session_need_the_csrf_token_and_the_same_origin() {
    let app = TestApp::new().await;
    let browser = setup(&app).await;
    let body = site("shop").to_string().into_bytes();
    let cookie = browser.cookie.as_str();
    let token = browser.csrf.as_str();
    let json = ("content-type", "application/json");

    let no_token = app
        .anonymous(
            Method::POST,
            "/api/v1/sites",
            &[("cookie", cookie), json, ("origin", ORIGIN)],
            Some(body.clone()),
        )
        .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    assert_eq!(no_token.error_code(), "csrf_token_missing");

    let wrong_token = app
        .anonymous(
            Method::POST,
            "/api/v1/sites",
            &[
                ("cookie", cookie),
                json,
                ("origin", ORIGIN),
                ("x-csrf-token", "guess"),
            ],
            Some(body.clone()),
        )
        .await;
    assert_eq!(wrong_token.status, StatusCode::FORBIDDEN);

    // A page on another site posting with the admin's valid cookie.
    for headers in [
        vec![
            ("cookie", cookie),
            json,
            ("x-csrf-token", token),
            ("origin", "https://evil.example"),
        ],
        vec![
            ("cookie", cookie),
            json,
            ("x-csrf-token", token),
            ("sec-fetch-site", "cross-site"),
        ],
        vec![
            ("cookie", cookie),
            json,
            ("x-csrf-token", token),
            ("origin", ORIGIN),
            ("sec-fetch-site", "same-site"),
        ],
        vec![("cookie", cookie), json, ("x-csrf-token", token)],
    ] {
        let response = app
            .anonymous(Method::POST, "/api/v1/sites", &headers, Some(body.clone()))
            .await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{headers:?}");
        assert_eq!(response.error_code(), "cross_origin", "{headers:?}");
    }
    // A form post (what a cross-site form can send) is refused even with everything else right.
    let form = app
        .anonymous(
            Method::POST,
            "/api/v1/sites",
            &[
                ("cookie", cookie),
                ("content-type", "text/plain"),
                ("x-csrf-token", token),
                ("origin", ORIGIN),
            ],
            Some(body.clone()),
        )
        .await;
    assert_eq!(form.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(app.stored()["sites"], json!({}));

    let ok = as_app(
        &app,
        &browser,
        Method::POST,
        "/api/v1/sites",
        Some(site("shop")),
    )
    .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text());
    // Reading needs no token.
    assert_eq!(
        app.anonymous(Method::GET, "/api/v1/sites", &[("cookie", cookie)], None)
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn logout_ends_the_session_on_the_server() {
    let app = TestApp::new().await;
    let browser = setup(&app).await;
    let other = signed_in(&app).await;
    let out = as_app(&app, &browser, Method::DELETE, "/api/v1/session", None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(out
        .header("set-cookie")
        .is_some_and(|c| c.contains("Max-Age=0")));
    // Even a client that kept the old cookie is out.
    assert_eq!(
        app.anonymous(
            Method::GET,
            "/api/v1/sites",
            &[("cookie", &browser.cookie)],
            None
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED
    );
    // Another session of the same admin (another browser) goes on.
    assert_eq!(
        app.anonymous(
            Method::GET,
            "/api/v1/sites",
            &[("cookie", &other.cookie)],
            None
        )
        .await
        .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_idle_session_expires() {
    let app = TestApp::with_config(|c| c.session_idle = Minutes(Duration::from_millis(300))).await;
    let browser = setup(&app).await;
    assert_eq!(
        app.anonymous(
            Method::GET,
            "/api/v1/sites",
            &[("cookie", &browser.cookie)],
            None
        )
        .await
        .status,
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(
        app.anonymous(
            Method::GET,
            "/api/v1/sites",
            &[("cookie", &browser.cookie)],
            None
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_guessing_address_is_slowed_down_but_the_owner_still_signs_in() {
    let app = TestApp::with_config(|c| c.trust_forwarded_for = true).await;
    setup(&app).await;
    let guesser = [("x-forwarded-for", "203.0.113.7")];
    for attempt in 0..5 {
        let response = login(&app, "admin", "not the password", &guesser).await;
        assert_eq!(
            response.status,
            StatusCode::UNAUTHORIZED,
            "attempt {attempt}"
        );
        assert_eq!(response.error_code(), "wrong_password");
    }
    // The guessing address waits, even with the right password…
    let locked = login(&app, "admin", PASSWORD, &guesser).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(locked.error_code(), "too_many_attempts");
    assert_eq!(locked.header("retry-after"), Some("60"));
    assert_eq!(locked.json()["error"]["params"]["retry_after"], 60);
    assert!(
        locked.json()["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("1 minute")),
        "{}",
        locked.text()
    );
    // …while the admin, from an address without failures, gets in.
    let owner = login(
        &app,
        "admin",
        PASSWORD,
        &[("x-forwarded-for", "198.51.100.20")],
    )
    .await;
    assert_eq!(owner.status, StatusCode::OK, "{}", owner.text());

    let audit = app.get("/api/v1/audit?per_page=20").await.json();
    let failures = audit["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["action"] == "session.login" && e["outcome"] == "failure")
        .count();
    assert_eq!(
        failures, 5,
        "five wrong passwords are itemized; the refused attempt is only counted"
    );
}

#[tokio::test]
async fn api_keys_are_shown_once_work_as_bearer_and_stop_when_deleted() {
    let app = TestApp::new().await;
    let browser = setup(&app).await;
    let created = as_app(
        &app,
        &browser,
        Method::POST,
        "/api/v1/api-keys",
        Some(json!({"name": "CI deploy"})),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let key = created.json()["key"]
        .as_str()
        .expect("key shown once")
        .to_string();
    let id = created.json()["id"].as_str().expect("id").to_string();
    assert!(key.starts_with(created.json()["prefix"].as_str().expect("prefix")));
    assert_eq!(created.json()["created_by"], "admin");

    let bearer = format!("Bearer {key}");
    let used = app
        .anonymous(
            Method::POST,
            "/api/v1/sites",
            &[
                ("authorization", &bearer),
                ("content-type", "application/json"),
            ],
            Some(site("ci").to_string().into_bytes()),
        )
        .await;
    assert_eq!(
        used.status,
        StatusCode::CREATED,
        "keys need no CSRF token: {}",
        used.text()
    );

    let list = as_app(&app, &browser, Method::GET, "/api/v1/api-keys", None).await;
    assert!(!list.text().contains(&key), "the list never shows the key");
    assert!(!list.text().contains("hash"), "nor its hash");
    let listed = list.json()["api_keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["id"] == id.as_str())
        .cloned()
        .expect("listed");
    assert_eq!(listed["name"], "CI deploy");
    assert!(
        listed["last_used_at"].is_string(),
        "last use is recorded: {listed}"
    );
    assert!(
        !app.stored().to_string().contains(&key),
        "only a hash is stored"
    );

    // Never in a URL.
    let in_query = app
        .anonymous(
            Method::GET,
            &format!("/api/v1/sites?api_key={key}"),
            &[],
            None,
        )
        .await;
    assert_eq!(in_query.status, StatusCode::UNAUTHORIZED);

    // A key cannot manage keys.
    let by_key = app
        .anonymous(
            Method::GET,
            "/api/v1/api-keys",
            &[("authorization", &bearer)],
            None,
        )
        .await;
    assert_eq!(by_key.status, StatusCode::FORBIDDEN);

    let renamed = as_app(
        &app,
        &browser,
        Method::PUT,
        &format!("/api/v1/api-keys/{id}"),
        Some(json!({"name": "CI"})),
    )
    .await;
    assert_eq!(renamed.json()["name"], "CI");
    assert!(renamed.json().get("key").is_none());

    let regenerated = as_app(
        &app,
        &browser,
        Method::PUT,
        &format!("/api/v1/api-keys/{id}"),
        Some(json!({"regenerate": true})),
    )
    .await;
    let new_key = regenerated.json()["key"]
        .as_str()
        .expect("new key shown once")
        .to_string();
    assert_ne!(new_key, key);
    assert_eq!(
        app.anonymous(
            Method::GET,
            "/api/v1/sites",
            &[("authorization", &bearer)],
            None
        )
        .await
        .status,
        StatusCode::UNAUTHORIZED
    );
    let new_bearer = format!("Bearer {new_key}");
    assert_eq!(
        app.anonymous(
            Method::GET,
            "/api/v1/sites",
            &[("authorization", &new_bearer)],
            None
        )
        .await
        .status,
        StatusCode::OK
    );

    let deleted = as_app(
        &app,
        &browser,
        Method::DELETE,
        &format!("/api/v1/api-keys/{id}"),
        None,
    )
    .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let after = app
        .anonymous(
            Method::GET,
            "/api/v1/sites",
            &[("authorization", &new_bearer)],
            None,
        )
        .await;
    assert_eq!(
        after.status,
        StatusCode::UNAUTHORIZED,
        "a deleted key is refused on its next use"
    );

    let duplicate = as_app(
        &app,
        &browser,
        Method::POST,
        "/api/v1/api-keys",
        Some(json!({"name": "test harness"})),
    )
    .await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT);
    assert_eq!(
        duplicate.field_errors(),
        vec![("name".to_string(), "already_taken".to_string())]
    );
}

#[tokio::test]
async fn the_audit_log_says_who_when_where_and_what_without_secrets() {
    let app = TestApp::new().await;
    let browser = setup(&app).await;
    as_app(
        &app,
        &browser,
        Method::POST,
        "/api/v1/sites",
        Some(site("shop")),
    )
    .await;
    let settings = json!({"enabled": true, "provider": "crisp", "guest_users_allowed": true, "account": {"website_id": "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c"}});
    as_app(
        &app,
        &browser,
        Method::PUT,
        "/api/v1/sites/shop/click-to-chat",
        Some(settings),
    )
    .await;
    let key = as_app(
        &app,
        &browser,
        Method::POST,
        "/api/v1/api-keys",
        Some(json!({"name": "robot"})),
    )
    .await
    .json()["key"]
        .as_str()
        .expect("key")
        .to_string();
    let bearer = format!("Bearer {key}");
    app.anonymous(
        Method::DELETE,
        "/api/v1/sites/shop",
        &[("authorization", &bearer)],
        None,
    )
    .await;
    login(&app, "admin", "not the password", &[]).await;

    let page = as_app(
        &app,
        &browser,
        Method::GET,
        "/api/v1/audit?per_page=50",
        None,
    )
    .await
    .json();
    let entries = page["entries"].as_array().expect("entries");
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        actions,
        [
            "session.login",
            "site.delete",
            "api_key.create",
            "site.click_to_chat.update",
            "site.create",
            "setup.create_admin"
        ]
    );

    let failed = &entries[0];
    assert_eq!(failed["outcome"], "failure");
    assert_eq!(failed["actor"]["kind"], "anonymous");
    let by_key = &entries[1];
    assert_eq!(
        by_key["actor"],
        json!({"kind": "api_key", "name": "robot", "key_id": by_key["actor"]["key_id"]})
    );
    assert_eq!(by_key["target"], "shop");
    let settings_change = &entries[3];
    assert_eq!(settings_change["actor"]["name"], "admin");
    assert_eq!(settings_change["ip"], "127.0.0.1");
    assert_eq!(
        settings_change["changed"],
        json!([
            "account.website_id",
            "enabled",
            "guest_users_allowed",
            "provider"
        ])
    );
    assert!(settings_change["at"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z') && t.len() == 20));

    let everything = page.to_string()
        + &std::fs::read_to_string(app.data_dir.path().join("audit.jsonl")).expect("audit file");
    for secret in [
        PASSWORD,
        "not the password",
        key.as_str(),
        &browser.csrf,
        &browser.cookie["switchboard_session=".len()..],
    ] {
        assert!(!everything.contains(secret), "the audit log holds a secret");
    }

    let second = as_app(
        &app,
        &browser,
        Method::GET,
        "/api/v1/audit?per_page=2&page=2",
        None,
    )
    .await
    .json();
    assert_eq!(second["total"], 6);
    assert_eq!(second["pages"], 3);
    let second_actions: Vec<&str> = second["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        second_actions,
        ["api_key.create", "site.click_to_chat.update"]
    );
    let bad_page = as_app(&app, &browser, Method::GET, "/api/v1/audit?page=0", None).await;
    assert_eq!(bad_page.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        bad_page.field_errors(),
        vec![("page".to_string(), "invalid_format".to_string())]
    );
}
