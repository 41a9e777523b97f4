//! A second origin: a tiny web server on `localhost` (the Switchboard server
//! is on `127.0.0.1`, so the two never share an origin) serving host pages
//! that embed the widget, as customers' sites do.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use anyhow::Result;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

/// Each page's character encoding and its (ASCII) HTML.
type Pages = Arc<Mutex<HashMap<String, (String, String)>>>;

pub struct HostSite {
    addr: SocketAddr,
    pages: Pages,
}

impl HostSite {
    pub async fn start() -> Result<Self> {
        let pages: Pages = Arc::default();
        let router = Router::new()
            .route("/{page}", get(page))
            // `/<page>/any/path`: the same page under deeper paths (display rules).
            .route("/{page}/{*rest}", get(page_under))
            .route("/broken/{mode}/{*path}", get(broken_switchboard))
            .with_state(Arc::clone(&pages));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move { axum::serve(listener, router).await });
        Ok(Self { addr, pages })
    }

    /// `http://localhost:<port>`: a different origin from the Switchboard server's.
    pub fn origin(&self) -> String {
        format!("http://localhost:{}", self.addr.port())
    }

    /// Publishes a page whose `<head>` holds `embed`; returns its URL on
    /// `http://localhost:<port>/`. The page's own scripts record what they
    /// see: `window.hostErrors` (uncaught errors and rejections),
    /// `window.hostWarnings` (console warnings), `window.hostStates` (every
    /// `data-switchboard-state` the loader's tag went through, in order) and
    /// `data-ran="yes"` on `#host` once its later script ran.
    pub fn page(&self, name: &str, embed: &str) -> String {
        self.page_in(name, embed, "utf-8")
    }

    /// The same, for a page in another character encoding (`shift_jis`, as
    /// many Japanese sites still are).
    pub fn page_in(&self, name: &str, embed: &str, charset: &str) -> String {
        let html = format!(
            r#"<!doctype html><html><head><meta charset="{charset}"><title>Host page</title>
<script>window.hostErrors = []; window.hostWarnings = [];
(function () {{ var warn = console.warn; console.warn = function () {{
  hostWarnings.push(Array.prototype.map.call(arguments, String).join(" ")); return warn.apply(console, arguments); }}; }})();
window.addEventListener("error", function (e) {{ hostErrors.push(String(e.message)); }});
window.addEventListener("unhandledrejection", function (e) {{ hostErrors.push("rejection: " + e.reason); }});
window.hostStates = [];
new MutationObserver(function (records) {{ records.forEach(function (r) {{
  var state = r.target.getAttribute("data-switchboard-state");
  if (r.attributeName === "data-switchboard-state" && hostStates[hostStates.length - 1] !== state) hostStates.push(state); }}); }})
  .observe(document, {{ subtree: true, attributes: true, attributeFilter: ["data-switchboard-state"] }});</script>
{embed}
</head><body><h1 id="host">A customer's page</h1>
<script>setTimeout(function () {{ document.getElementById("host").setAttribute("data-ran", "yes"); }}, 100);</script>
</body></html>"#
        );
        if let Ok(mut pages) = self.pages.lock() {
            pages.insert(name.to_string(), (charset.to_string(), html));
        }
        format!("{}/{name}", self.origin())
    }
}

/// A copy of the built widget served by a misbehaving "Switchboard":
/// `/broken/not-json/widget.js` answers its config request with a body that
/// is not JSON, `/broken/array/…` with a JSON array, `/broken/unreachable/…`
/// redirects it to a closed port.
async fn broken_switchboard(
    Path((mode, path)): Path<(String, String)>,
) -> axum::response::Response {
    if path == "widget.js" {
        let file = crate::assets_dir().join("widget").join("widget.js");
        return match std::fs::read(file) {
            Ok(bytes) => (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
                bytes,
            )
                .into_response(),
            Err(_) => StatusCode::NOT_FOUND.into_response(),
        };
    }
    match mode.as_str() {
        "not-json" => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            "<html>surprise</html>",
        )
            .into_response(),
        "array" => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            "[1,2]",
        )
            .into_response(),
        _ => (
            StatusCode::TEMPORARY_REDIRECT,
            [(header::LOCATION, "http://127.0.0.1:9/nothing-listens-here")],
        )
            .into_response(),
    }
}

async fn page_under(
    state: State<Pages>,
    Path((name, _)): Path<(String, String)>,
) -> axum::response::Response {
    page(state, Path(name)).await.into_response()
}

async fn page(State(pages): State<Pages>, Path(name): Path<String>) -> impl IntoResponse {
    match pages
        .lock()
        .ok()
        .and_then(|pages| pages.get(&name).cloned())
    {
        Some((charset, html)) => (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                format!("text/html; charset={charset}"),
            )],
            html,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
