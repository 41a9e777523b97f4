use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{crisp_settings, TestApp};

#[tokio::test]
async fn create_read_list_update_delete() {
    let app = TestApp::new().await;
    let created = app
        .post(
            "/api/v1/sites",
            &json!({"id": "shop", "name": "Shop", "domains": ["Shop.Example.com"]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    assert_eq!(created.header("location"), Some("/api/v1/sites/shop"));
    assert_eq!(
        created.json(),
        json!({"id": "shop", "name": "Shop", "domains": ["shop.example.com"]})
    );
    let etag = created.header("etag").expect("etag").to_string();

    app.create_site("blog", &["blog.example.com"]).await;
    let list = app.get("/api/v1/sites").await.json();
    let ids: Vec<&str> = list["sites"]
        .as_array()
        .expect("sites")
        .iter()
        .map(|s| s["id"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(ids, ["blog", "shop"]);

    let read = app.get("/api/v1/sites/shop").await;
    assert_eq!(read.header("etag"), Some(etag.as_str()));

    let updated = app
        .send_json(
            Method::PUT,
            "/api/v1/sites/shop",
            &json!({"name": "Web shop", "domains": ["shop.example.com", "shop.example.jp"]}),
            &[("if-match", &etag)],
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text());
    assert_eq!(updated.json()["name"], "Web shop");
    assert_ne!(updated.header("etag"), Some(etag.as_str()));

    // The old revision no longer matches.
    let stale = app
        .send_json(
            Method::PUT,
            "/api/v1/sites/shop",
            &json!({"name": "Lost", "domains": []}),
            &[("if-match", &etag)],
        )
        .await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);
    let stale_delete = app
        .request(
            Method::DELETE,
            "/api/v1/sites/shop",
            &[("if-match", &etag)],
            None,
        )
        .await;
    assert_eq!(stale_delete.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(
        app.get("/api/v1/sites/shop").await.json()["name"],
        "Web shop"
    );

    let deleted = app.delete("/api/v1/sites/shop").await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/sites/shop").await.status,
        StatusCode::NOT_FOUND
    );
    assert!(app.stored()["sites"].get("shop").is_none());
}

/// `domains` may be left out (no domains), but not given as null.
#[tokio::test]
async fn domains_may_be_left_out_but_not_null() {
    let app = TestApp::new().await;
    let refused = app
        .post(
            "/api/v1/sites",
            &json!({"id": "n1", "name": "N", "domains": null}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.field_errors(),
        vec![("domains".to_string(), "wrong_type".to_string())]
    );
    let created = app
        .post("/api/v1/sites", &json!({"id": "n1", "name": "N"}))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    assert_eq!(created.json()["domains"], json!([]));
}

#[tokio::test]
async fn deleting_a_site_removes_its_settings_and_frees_its_domains() {
    let app = TestApp::new().await;
    app.create_site("shop", &["shop.example.com"]).await;
    assert_eq!(
        app.put("/api/v1/sites/shop/click-to-chat", &crisp_settings(true))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.delete("/api/v1/sites/shop").await.status,
        StatusCode::NO_CONTENT
    );
    app.create_site("shop", &["shop.example.com"]).await;
    let settings = app.get("/api/v1/sites/shop/click-to-chat").await.json();
    assert_eq!(settings["saved"], false);
}

#[tokio::test]
async fn duplicate_ids_and_domains_are_conflicts_and_change_nothing() {
    let app = TestApp::new().await;
    app.create_site("shop", &["shop.example.com"]).await;
    app.create_site("blog", &["blog.example.com"]).await;
    let before = app.stored();

    let same_id = app
        .post(
            "/api/v1/sites",
            &json!({"id": "shop", "name": "Again", "domains": []}),
        )
        .await;
    assert_eq!(same_id.status, StatusCode::CONFLICT);
    assert_eq!(
        same_id.field_errors(),
        vec![("id".to_string(), "already_taken".to_string())]
    );

    let same_domain = app
        .post(
            "/api/v1/sites",
            &json!({"id": "new", "name": "New", "domains": ["x.example.com", "SHOP.example.com"]}),
        )
        .await;
    assert_eq!(same_domain.status, StatusCode::CONFLICT);
    assert_eq!(
        same_domain.field_errors(),
        vec![("domains[1]".to_string(), "already_taken".to_string())]
    );

    let steal = app
        .put(
            "/api/v1/sites/blog",
            &json!({"name": "Blog", "domains": ["shop.example.com"]}),
        )
        .await;
    assert_eq!(steal.status, StatusCode::CONFLICT);
    assert_eq!(
        steal.field_errors(),
        vec![("domains[0]".to_string(), "already_taken".to_string())]
    );

    // Keeping its own domain is not a conflict with itself.
    let keep = app
        .put(
            "/api/v1/sites/blog",
            &json!({"name": "Blog 2", "domains": ["blog.example.com"]}),
        )
        .await;
    assert_eq!(keep.status, StatusCode::OK);
    assert_eq!(app.stored()["sites"]["shop"], before["sites"]["shop"]);
}

#[tokio::test]
async fn unknown_sites_are_404_everywhere() {
    let app = TestApp::new().await;
    for (method, uri) in [
        (Method::GET, "/api/v1/sites/nope"),
        (Method::DELETE, "/api/v1/sites/nope"),
        (Method::GET, "/api/v1/sites/nope/click-to-chat"),
        (Method::GET, "/api/v1/sites/nope/click-to-chat/effective"),
    ] {
        let response = app.request(method.clone(), uri, &[], None).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{method} {uri}");
        assert_eq!(response.error_code(), "unknown_site", "{method} {uri}");
    }
    let put = app
        .put("/api/v1/sites/nope", &json!({"name": "x", "domains": []}))
        .await;
    assert_eq!(put.status, StatusCode::NOT_FOUND);
    let put = app
        .put("/api/v1/sites/nope/click-to-chat", &crisp_settings(true))
        .await;
    assert_eq!(put.status, StatusCode::NOT_FOUND);
    assert_eq!(app.stored()["sites"], json!({}), "no site was written");
    assert_eq!(app.stored()["last_revision"], 0);
}
