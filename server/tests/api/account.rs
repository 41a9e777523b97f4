//! An admin's own account: changing the password ends their other sessions;
//! signing out everywhere ends all of them. API keys have neither.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{as_app, login, setup, signed_in, TestApp, PASSWORD};

const NEW_PASSWORD: &str = "a brand new passphrase";

#[tokio::test]
async fn changing_the_password_keeps_this_session_and_ends_the_others() {
    let app = TestApp::new().await;
    let here = setup(&app).await;
    let elsewhere = signed_in(&app).await;

    let wrong = as_app(
        &app,
        &here,
        Method::PUT,
        "/api/v1/account/password",
        Some(json!({"current_password": "not it at all", "new_password": NEW_PASSWORD})),
    )
    .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.text()
    );
    assert_eq!(
        wrong.field_errors(),
        [("current_password".to_string(), "wrong_password".to_string())]
    );
    let weak = as_app(
        &app,
        &here,
        Method::PUT,
        "/api/v1/account/password",
        Some(json!({"current_password": PASSWORD, "new_password": "short"})),
    )
    .await;
    assert_eq!(
        weak.field_errors(),
        [("new_password".to_string(), "too_short".to_string())]
    );
    assert_eq!(
        weak.json()["error"]["fields"][0]["params"]["min"],
        json!(10)
    );

    let changed = as_app(
        &app,
        &here,
        Method::PUT,
        "/api/v1/account/password",
        Some(json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD})),
    )
    .await;
    assert_eq!(changed.status, StatusCode::NO_CONTENT, "{}", changed.text());
    let session = |browser| as_app(&app, browser, Method::GET, "/api/v1/session", None);
    assert_eq!(session(&here).await.status, StatusCode::OK);
    assert_eq!(
        session(&elsewhere).await.status,
        StatusCode::UNAUTHORIZED,
        "the other session ended"
    );
    assert_eq!(
        login(&app, "admin", PASSWORD, &[]).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login(&app, "admin", NEW_PASSWORD, &[]).await.status,
        StatusCode::OK
    );
    let audit = app.get("/api/v1/audit").await.json();
    assert!(
        audit["entries"].as_array().is_some_and(|entries| entries
            .iter()
            .any(|e| e["action"] == "account.password_change" && e["actor"]["name"] == "admin")),
        "{audit}"
    );
}

#[tokio::test]
async fn a_refused_change_changes_nothing() {
    let app = TestApp::new().await;
    let here = setup(&app).await;
    let before = app.stored()["admins"].clone();
    for body in [
        json!({"current_password": PASSWORD}),
        json!({"current_password": PASSWORD, "new_password": PASSWORD}),
        json!({"current_password": "wrong wrong wrong", "new_password": NEW_PASSWORD}),
        json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD, "role": "owner"}),
    ] {
        let response = as_app(
            &app,
            &here,
            Method::PUT,
            "/api/v1/account/password",
            Some(body),
        )
        .await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            response.text()
        );
    }
    assert_eq!(app.stored()["admins"], before);
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_of_the_admin() {
    let app = TestApp::new().await;
    let here = setup(&app).await;
    let elsewhere = signed_in(&app).await;
    let response = as_app(
        &app,
        &here,
        Method::DELETE,
        "/api/v1/account/sessions",
        None,
    )
    .await;
    assert_eq!(
        response.status,
        StatusCode::NO_CONTENT,
        "{}",
        response.text()
    );
    assert!(response
        .header("set-cookie")
        .is_some_and(|c| c.contains("Max-Age=0")));
    for browser in [&here, &elsewhere] {
        assert_eq!(
            as_app(&app, browser, Method::GET, "/api/v1/session", None)
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
    }
}

#[tokio::test]
async fn an_api_key_has_no_password_or_sessions_to_change() {
    let app = TestApp::new().await;
    let change = app
        .put(
            "/api/v1/account/password",
            &json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
        )
        .await;
    assert_eq!(change.status, StatusCode::FORBIDDEN);
    assert_eq!(change.error_code(), "not_a_session");
    let everywhere = app.delete("/api/v1/account/sessions").await;
    assert_eq!(everywhere.status, StatusCode::FORBIDDEN);
    assert_eq!(everywhere.error_code(), "not_a_session");
}

#[tokio::test]
async fn of_two_changes_at_once_only_one_succeeds() {
    let app = TestApp::new().await;
    let one = setup(&app).await;
    let two = signed_in(&app).await;
    let change = |browser, new: &'static str| {
        as_app(
            &app,
            browser,
            Method::PUT,
            "/api/v1/account/password",
            Some(json!({"current_password": PASSWORD, "new_password": new})),
        )
    };
    let (a, b) = tokio::join!(
        change(&one, "first new passphrase"),
        change(&two, "second new passphrase")
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::NO_CONTENT, StatusCode::UNPROCESSABLE_ENTITY],
        "{} / {}",
        a.text(),
        b.text()
    );
    let (won, lost) = if a.status == StatusCode::NO_CONTENT {
        (a, b)
    } else {
        (b, a)
    };
    drop(won);
    assert_eq!(
        lost.field_errors(),
        [("current_password".to_string(), "wrong_password".to_string())]
    );
}

#[tokio::test]
async fn wrong_current_passwords_are_audited_and_throttled() {
    let app = TestApp::new().await;
    let here = setup(&app).await;
    let mut last = None;
    for _ in 0..6 {
        last = Some(
            as_app(
                &app,
                &here,
                Method::PUT,
                "/api/v1/account/password",
                Some(
                    json!({"current_password": "wrong wrong wrong", "new_password": NEW_PASSWORD}),
                ),
            )
            .await,
        );
    }
    let last = last.expect("sent");
    assert_eq!(
        last.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        last.text()
    );
    let audit = app.get("/api/v1/audit").await.json();
    let codes: Vec<&str> = audit["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["action"] == "account.password_change" && e["outcome"] == "failure")
        .filter_map(|e| e["code"].as_str())
        .collect();
    assert_eq!(
        codes.iter().filter(|c| **c == "wrong_password").count(),
        5,
        "{audit}"
    );
    assert!(codes.contains(&"too_many_attempts"), "{audit}");
}
