//! `TestApp`: the real router over a temporary data directory and a small
//! stand-in for `dist/`, driven in-process (axum's `testing` example).

use std::fs;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use switchboard_server::auth::api_keys;
use switchboard_server::configuration::Config;
use switchboard_server::routes::assets::AssetsDir;
use switchboard_server::startup;
use switchboard_server::state::AppState;
use switchboard_server::store::{file::JsonFile, ApiKeyRecord, Store, StoreError};
use tempfile::TempDir;
use tower::ServiceExt;

pub struct TestApp {
    pub router: Router,
    pub data_dir: TempDir,
    pub assets_dir: TempDir,
    /// An API key planted in the store: requests without their own
    /// credentials use it, so API tests exercise the API, not the login.
    pub key: String,
    /// The server's state, for driving its background work (the retention sweep).
    pub state: AppState,
}

/// The address every test request seems to come from.
pub const CLIENT: [u8; 4] = [127, 0, 0, 1];

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// `(field, code)` of every field error in an error body.
    pub fn field_errors(&self) -> Vec<(String, String)> {
        self.json()["error"]["fields"]
            .as_array()
            .map(|fields| {
                fields
                    .iter()
                    .map(|f| {
                        (
                            f["field"].as_str().unwrap_or("").to_string(),
                            f["code"].as_str().unwrap_or("").to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_config(|_| {}).await
    }

    /// With the defaults changed by `change`, as flags would change them.
    pub async fn with_config(change: impl FnOnce(&mut Config)) -> Self {
        Self::with_config_from(change, CLIENT).await
    }

    /// Requests come from the TCP peer `peer`.
    pub async fn with_config_from(change: impl FnOnce(&mut Config), peer: [u8; 4]) -> Self {
        let data_dir = tempfile::tempdir().expect("temp dir");
        let assets_dir = tempfile::tempdir().expect("temp dir");
        write_assets(assets_dir.path());
        let store = Arc::new(
            Store::open(JsonFile::open(data_dir.path()).expect("lock data dir"))
                .await
                .expect("open store"),
        );
        let planted = api_keys::generate();
        store
            .update(|document| {
                let record = ApiKeyRecord {
                    id: "testkey".into(),
                    name: "test harness".into(),
                    prefix: planted.prefix.clone(),
                    hash: planted.hash.clone(),
                    created_at: "2026-01-01T00:00:00Z".into(),
                    created_by: "tests".into(),
                    last_used_at: None,
                    regenerated_at: None,
                };
                document.api_keys.insert(record.id.clone(), record);
                Ok::<_, StoreError>(())
            })
            .await
            .expect("plant key");
        let mut config = Config::new(
            SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir.path().to_path_buf(),
            assets_dir.path().to_path_buf(),
        );
        change(&mut config);
        let state = AppState::new(&config, Arc::clone(&store)).expect("state");
        let router = startup::router(&AssetsDir::new(assets_dir.path()), state.clone())
            .layer(MockConnectInfo(SocketAddr::from((peer, 40000))));
        Self {
            router,
            data_dir,
            assets_dir,
            key: planted.key,
            state,
        }
    }

    /// A request with the planted API key unless `headers` bring credentials.
    pub async fn request(
        &self,
        method: Method,
        uri: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> TestResponse {
        let bearer = format!("Bearer {}", self.key);
        let has_credentials = headers.iter().any(|(name, _)| {
            name.eq_ignore_ascii_case("authorization") || name.eq_ignore_ascii_case("cookie")
        });
        let mut all: Vec<(&str, &str)> = headers.to_vec();
        if !has_credentials {
            all.push(("authorization", &bearer));
        }
        self.anonymous(method, uri, &all, body).await
    }

    /// A request with exactly the given headers.
    pub async fn anonymous(
        &self,
        method: Method,
        uri: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> TestResponse {
        self.anonymous_with_host(method, uri, "localhost:8080", headers, body)
            .await
    }

    /// The same, addressed to another `Host`.
    pub async fn anonymous_with_host(
        &self,
        method: Method,
        uri: &str,
        host: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> TestResponse {
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header("host", host);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(body.map(Body::from).unwrap_or_else(Body::empty))
            .expect("request");
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes()
            .to_vec();
        TestResponse {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, uri: &str) -> TestResponse {
        self.request(Method::GET, uri, &[], None).await
    }

    pub async fn send_json(
        &self,
        method: Method,
        uri: &str,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> TestResponse {
        let mut all = vec![("content-type", "application/json")];
        all.extend_from_slice(headers);
        self.request(method, uri, &all, Some(body.to_string().into_bytes()))
            .await
    }

    pub async fn post(&self, uri: &str, body: &Value) -> TestResponse {
        self.send_json(Method::POST, uri, body, &[]).await
    }

    pub async fn put(&self, uri: &str, body: &Value) -> TestResponse {
        self.send_json(Method::PUT, uri, body, &[]).await
    }

    pub async fn delete(&self, uri: &str) -> TestResponse {
        self.request(Method::DELETE, uri, &[], None).await
    }

    /// The store file as it is on disk (`Value::Null` if never written).
    pub fn stored(&self) -> Value {
        match fs::read(self.data_dir.path().join("switchboard.json")) {
            Ok(bytes) => serde_json::from_slice(&bytes).expect("store file is JSON"),
            Err(_) => Value::Null,
        }
    }

    /// Site `shop` (domain shop.example.com) under instance settings that
    /// give every site Crisp (`inherit_or_override`).
    pub async fn with_crisp_site() -> Self {
        let app = Self::new().await;
        app.create_site("shop", &["shop.example.com"]).await;
        let mut instance = crisp_settings(true);
        instance["site_settings_strategy"] = serde_json::json!("inherit_or_override");
        assert_eq!(
            app.put("/api/v1/instance/click-to-chat", &instance)
                .await
                .status,
            StatusCode::OK
        );
        app
    }

    pub async fn create_site(&self, id: &str, domains: &[&str]) -> TestResponse {
        let response = self
            .post(
                "/api/v1/sites",
                &serde_json::json!({"id": id, "name": format!("Site {id}"), "domains": domains}),
            )
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
        response
    }
}

/// A small stand-in for `dist/`, laid out as `cargo xtask build` writes it.
fn write_assets(root: &Path) {
    for (relative, content) in [
        ("admin/index.html", "<!doctype html><title>shell</title>"),
        ("admin/assets/app-0123abcd/app.js", "export default 1;"),
        ("admin/assets/app-0123abcd/app_bg.wasm", "\0asm"),
        ("admin/assets/app-0123abcd/split_sites.wasm", "\0asm"),
        ("widget/widget.js", "(function(){})();"),
        ("widget/assistant/launcher.js", "(function(){})();"),
        (
            "widget/assistant/panel-0123456789abcdef.js",
            "(function(){})();",
        ),
        ("demo/demo.html", "<!doctype html><title>demo</title>"),
        // A stray copy where the public files are: still never served.
        (
            "public/demo.html",
            "<!doctype html><title>unsandboxed</title>",
        ),
        (
            "public/favicon.svg",
            "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
        ),
    ] {
        let path = root.join(relative);
        fs::create_dir_all(path.parent().expect("has a parent")).expect("create dir");
        fs::write(path, content).expect("write fixture file");
    }
}

pub const CRISP_ID: &str = "1c6e2b5a-3f4d-4e8a-9b7c-2d1e0f9a8b7c";

pub fn crisp_settings(enabled: bool) -> Value {
    serde_json::json!({
        "enabled": enabled, "provider": "crisp", "guest_users_allowed": true,
        "account": {"website_id": CRISP_ID}
    })
}

// Signing in as the admin app does.

pub const PASSWORD: &str = "correct horse battery";
pub const ORIGIN: &str = "http://localhost:8080";

/// A signed-in browser: its cookie and CSRF token.
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

pub fn session_cookie(response: &TestResponse) -> String {
    let set_cookie = response
        .header("set-cookie")
        .unwrap_or_else(|| panic!("no Set-Cookie: {}", response.text()));
    set_cookie
        .split(';')
        .next()
        .expect("name=value")
        .to_string()
}

pub async fn setup(app: &TestApp) -> Browser {
    let response = app
        .anonymous(
            Method::POST,
            "/api/v1/setup",
            &[("content-type", "application/json"), ("origin", ORIGIN)],
            Some(
                json!({"username": "admin", "password": PASSWORD})
                    .to_string()
                    .into_bytes(),
            ),
        )
        .await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
    Browser {
        cookie: session_cookie(&response),
        csrf: response.json()["csrf_token"]
            .as_str()
            .expect("token")
            .to_string(),
    }
}

pub async fn login(
    app: &TestApp,
    username: &str,
    password: &str,
    extra: &[(&str, &str)],
) -> TestResponse {
    let mut headers = vec![("content-type", "application/json"), ("origin", ORIGIN)];
    headers.extend_from_slice(extra);
    app.anonymous(
        Method::POST,
        "/api/v1/session",
        &headers,
        Some(
            json!({"username": username, "password": password})
                .to_string()
                .into_bytes(),
        ),
    )
    .await
}

pub async fn signed_in(app: &TestApp) -> Browser {
    let response = login(app, "admin", PASSWORD, &[]).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    Browser {
        cookie: session_cookie(&response),
        csrf: response.json()["csrf_token"]
            .as_str()
            .expect("token")
            .to_string(),
    }
}

/// What the admin app sends: cookie, CSRF token, same origin.
pub async fn as_app(
    app: &TestApp,
    browser: &Browser,
    method: Method,
    uri: &str,
    body: Option<Value>,
) -> TestResponse {
    let mut headers = vec![
        ("cookie", browser.cookie.as_str()),
        ("x-csrf-token", browser.csrf.as_str()),
        ("origin", ORIGIN),
        ("sec-fetch-site", "same-origin"),
    ];
    if body.is_some() {
        headers.push(("content-type", "application/json"));
    }
    app.anonymous(
        method,
        uri,
        &headers,
        body.map(|b| b.to_string().into_bytes()),
    )
    .await
}
