use axum::http::{Method, StatusCode};

use crate::helpers::TestApp;

#[tokio::test]
async fn root_and_bare_admin_redirect_to_the_admin_app() {
    let app = TestApp::new().await;
    for uri in ["/", "/admin"] {
        let response = app.get(uri).await;
        assert!(
            response.status.is_redirection(),
            "{uri}: {}",
            response.status
        );
        assert_eq!(response.header("location"), Some("/admin/"), "{uri}");
    }
}

#[tokio::test]
async fn client_routes_get_the_spa_shell_revalidated_and_unframeable() {
    let app = TestApp::new().await;
    for uri in [
        "/admin/",
        "/admin/sites",
        "/admin/sites/marketing/click-to-chat",
    ] {
        let response = app.get(uri).await;
        assert_eq!(response.status, StatusCode::OK, "{uri}");
        assert_eq!(response.header("content-type"), Some("text/html"), "{uri}");
        assert_eq!(response.header("cache-control"), Some("no-cache"), "{uri}");
        assert_eq!(response.header("x-frame-options"), Some("DENY"), "{uri}");
        let csp = response
            .header("content-security-policy")
            .unwrap_or_default();
        assert!(
            csp.contains("'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"),
            "{uri}: {csp}"
        );
        assert!(response.text().contains("<title>shell</title>"), "{uri}");
    }
}

#[tokio::test]
async fn a_builds_admin_files_are_immutable_and_missing_ones_are_404_uncached() {
    let app = TestApp::new().await;
    // The main module and a screen's chunk, in the build's own directory:
    // wasm must be `application/wasm` or the chunk loader refuses it.
    for path in [
        "/admin/assets/app-0123abcd/app_bg.wasm",
        "/admin/assets/app-0123abcd/split_sites.wasm",
    ] {
        let wasm = app.get(path).await;
        assert_eq!(wasm.status, StatusCode::OK, "{path}");
        assert_eq!(wasm.header("content-type"), Some("application/wasm"));
        assert_eq!(
            wasm.header("cache-control"),
            Some("public, max-age=31536000, immutable")
        );
    }

    let js = app.get("/admin/assets/app-0123abcd/app.js").await;
    assert_eq!(js.header("content-type"), Some("text/javascript"));

    // A missing asset is not the SPA shell, and a 404 must not be cached for a year.
    let missing = app.get("/admin/assets/app-ffffffff/app.js").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.header("cache-control"), Some("no-cache"));
    // A build's directory is not a file: no redirect that loses the prefix.
    let directory = app.get("/admin/assets/app-0123abcd").await;
    assert_eq!(directory.status, StatusCode::NOT_FOUND);
    assert_eq!(directory.header("location"), None);
}

#[tokio::test]
async fn widget_loader_is_cross_origin_and_short_lived() {
    let app = TestApp::new().await;
    let loader = app.get("/widget.js").await;
    assert_eq!(loader.status, StatusCode::OK);
    // It carries bytes above 0x7F: never read in the page's own encoding.
    assert_eq!(
        loader.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(loader.header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        loader.header("cross-origin-resource-policy"),
        Some("cross-origin")
    );
    assert_eq!(loader.header("cache-control"), Some("public, max-age=300"));
    assert_eq!(loader.text(), "(function(){})();");
}

#[tokio::test]
async fn gzip_siblings_are_served_to_clients_that_accept_them() {
    let app = TestApp::new().await;
    std::fs::write(
        app.assets_dir.path().join("widget/widget.js.gz"),
        b"pretend-gzip",
    )
    .expect("write .gz");
    let response = app
        .request(
            Method::GET,
            "/widget.js",
            &[("accept-encoding", "gzip")],
            None,
        )
        .await;
    assert_eq!(response.header("content-encoding"), Some("gzip"));
    assert_eq!(response.header("vary"), Some("accept-encoding"));
    assert_eq!(response.text(), "pretend-gzip");
}

#[tokio::test]
async fn brotli_siblings_are_preferred_by_clients_that_accept_them() {
    let app = TestApp::new().await;
    let widget = app.assets_dir.path().join("widget");
    std::fs::write(widget.join("widget.js.gz"), b"pretend-gzip").expect("write .gz");
    std::fs::write(widget.join("widget.js.br"), b"pretend-brotli").expect("write .br");
    let get = |accept: &'static str| {
        let app = &app;
        async move {
            let headers: Vec<(&str, &str)> = match accept {
                "" => vec![],
                accept => vec![("accept-encoding", accept)],
            };
            app.request(Method::GET, "/widget.js", &headers, None).await
        }
    };
    // What browsers send: Brotli wins.
    let brotli = get("gzip, deflate, br, zstd").await;
    assert_eq!(brotli.header("content-encoding"), Some("br"));
    assert_eq!(brotli.header("vary"), Some("accept-encoding"));
    assert_eq!(brotli.text(), "pretend-brotli");
    assert!(brotli
        .header("content-type")
        .is_some_and(|t| t.starts_with("text/javascript")));
    // A client that ranks gzip higher gets gzip; one that wants neither, the file.
    let ranked = get("br;q=0.5, gzip").await;
    assert_eq!(ranked.header("content-encoding"), Some("gzip"));
    let plain = get("").await;
    assert_eq!(plain.header("content-encoding"), None);
    assert_ne!(plain.text(), "pretend-brotli");
    assert_ne!(plain.text(), "pretend-gzip");
    // Without a Brotli sibling, gzip is the fallback.
    std::fs::remove_file(widget.join("widget.js.br")).expect("remove .br");
    let fallback = get("gzip, br").await;
    assert_eq!(fallback.header("content-encoding"), Some("gzip"));
}

#[tokio::test]
async fn demo_page_and_public_files_are_served() {
    let app = TestApp::new().await;
    let demo = app.get("/demo").await;
    assert_eq!(demo.status, StatusCode::OK);
    assert!(demo.text().contains("<title>demo</title>"));
    // Sandboxed without allow-same-origin: the provider's script it runs
    // gets an opaque origin, never the admin app's.
    let csp = demo.header("content-security-policy").expect("a CSP");
    assert!(csp.starts_with("sandbox allow-scripts"), "{csp}");
    assert!(!csp.contains("allow-same-origin"), "{csp}");
    // The same file is reachable by no other name.
    for other in [
        "/demo.html",
        "/DEMO.HTML",
        "/demo%2ehtml",
        "/%64emo.html",
        "/./demo.html",
        "/demo.html.gz",
        "/demo.html/",
        "/demo.html/?site=shop",
        "/logos/../demo.html",
        "/demo/demo.html",
        "/demo/",
    ] {
        let response = app.get(other).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{other} is served");
    }

    let icon = app.get("/favicon.svg").await;
    assert_eq!(icon.status, StatusCode::OK);
    assert_eq!(icon.header("content-type"), Some("image/svg+xml"));
    // Public files may be fetched from other origins (and with CORS).
    assert_eq!(icon.header("access-control-allow-origin"), Some("*"));

    assert_eq!(app.get("/no-such-file").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn healthz_reports_ok_and_version() {
    let app = TestApp::new().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.json()["status"], "ok");
    assert_eq!(
        response.json()["version"],
        switchboard_core::version::VERSION
    );
}

#[tokio::test]
async fn the_assistant_s_launcher_is_revalidated_soon_and_its_panel_cached_for_good() {
    let app = TestApp::new().await;
    let launcher = app.get("/assistant/launcher.js").await;
    assert_eq!(launcher.status, StatusCode::OK);
    assert_eq!(
        launcher.header("cache-control"),
        Some("public, max-age=300")
    );
    assert_eq!(
        launcher.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(launcher.header("access-control-allow-origin"), Some("*"));
    let panel = app.get("/assistant/panel-0123456789abcdef.js").await;
    assert_eq!(panel.status, StatusCode::OK);
    assert_eq!(
        panel.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    let missing = app.get("/assistant/panel-ffffffffffffffff.js").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.header("cache-control"), Some("no-cache"));
}
