use axum::http::StatusCode;
use tower::ServiceExt;

use crate::helpers::{body_text, fixture, header};

#[tokio::test]
async fn root_and_bare_admin_redirect_to_the_admin_app() {
    let app = fixture();
    for uri in ["/", "/admin"] {
        let response = app.get(uri).await;
        assert!(response.status().is_redirection(), "{uri}: {}", response.status());
        assert_eq!(header(&response, "location"), Some("/admin/"), "{uri}");
    }
}

#[tokio::test]
async fn client_routes_get_the_spa_shell_revalidated_and_unframeable() {
    let app = fixture();
    for uri in ["/admin/", "/admin/sites", "/admin/sites/marketing/click-to-chat"] {
        let response = app.get(uri).await;
        assert_eq!(response.status(), StatusCode::OK, "{uri}");
        assert_eq!(header(&response, "content-type"), Some("text/html"), "{uri}");
        assert_eq!(header(&response, "cache-control"), Some("no-cache"), "{uri}");
        assert_eq!(header(&response, "x-frame-options"), Some("DENY"), "{uri}");
        let csp = header(&response, "content-security-policy").unwrap_or_default();
        assert!(csp.contains("'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"), "{uri}: {csp}");
        assert!(body_text(response).await.contains("<title>shell</title>"), "{uri}");
    }
}

#[tokio::test]
async fn hashed_admin_assets_are_immutable_and_missing_ones_are_404_uncached() {
    let app = fixture();
    let wasm = app.get("/admin/assets/app-0123abcd.wasm").await;
    assert_eq!(wasm.status(), StatusCode::OK);
    assert_eq!(header(&wasm, "content-type"), Some("application/wasm"));
    assert_eq!(header(&wasm, "cache-control"), Some("public, max-age=31536000, immutable"));

    let js = app.get("/admin/assets/app-0123abcd.js").await;
    assert_eq!(header(&js, "content-type"), Some("text/javascript"));

    // A missing asset is not the SPA shell, and a 404 must not be cached for a year.
    let missing = app.get("/admin/assets/app-ffffffff.js").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(header(&missing, "cache-control"), None);
}

#[tokio::test]
async fn widget_loader_is_cross_origin_and_short_lived() {
    let app = fixture();
    let loader = app.get("/widget.js").await;
    assert_eq!(loader.status(), StatusCode::OK);
    assert_eq!(header(&loader, "content-type"), Some("text/javascript"));
    assert_eq!(header(&loader, "access-control-allow-origin"), Some("*"));
    assert_eq!(header(&loader, "cross-origin-resource-policy"), Some("cross-origin"));
    assert_eq!(header(&loader, "cache-control"), Some("public, max-age=300"));
    assert_eq!(body_text(loader).await, "(function(){})();");
}

#[tokio::test]
async fn widget_wasm_is_cross_origin_immutable_wasm() {
    let app = fixture();
    let wasm = app.get("/widget/widget-89efab.wasm").await;
    assert_eq!(wasm.status(), StatusCode::OK);
    assert_eq!(header(&wasm, "content-type"), Some("application/wasm"));
    assert_eq!(header(&wasm, "access-control-allow-origin"), Some("*"));
    assert_eq!(header(&wasm, "cache-control"), Some("public, max-age=31536000, immutable"));
}

#[tokio::test]
async fn gzip_siblings_are_served_to_clients_that_accept_them() {
    let app = fixture();
    let gz = app.dir.path().join("widget/widget.js.gz");
    std::fs::write(&gz, b"pretend-gzip").expect("write .gz");
    let response = app
        .router
        .clone()
        .oneshot(
            axum::http::Request::get("/widget.js")
                .header("accept-encoding", "gzip")
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await
        .expect("infallible");
    assert_eq!(header(&response, "content-encoding"), Some("gzip"));
    assert_eq!(header(&response, "vary"), Some("accept-encoding"));
    assert_eq!(body_text(response).await, "pretend-gzip");
}

#[tokio::test]
async fn demo_page_and_public_files_are_served() {
    let app = fixture();
    let demo = app.get("/demo").await;
    assert_eq!(demo.status(), StatusCode::OK);
    assert!(body_text(demo).await.contains("<title>demo</title>"));

    let icon = app.get("/favicon.svg").await;
    assert_eq!(icon.status(), StatusCode::OK);
    assert_eq!(header(&icon, "content-type"), Some("image/svg+xml"));

    assert_eq!(app.get("/no-such-file").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn healthz_reports_ok_and_version() {
    let app = fixture();
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = serde_json::from_str(&body_text(response).await).expect("json");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], switchboard_core::version::VERSION);
}
