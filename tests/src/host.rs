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

type Pages = Arc<Mutex<HashMap<String, String>>>;

pub struct HostSite {
    addr: SocketAddr,
    pages: Pages,
}

impl HostSite {
    pub async fn start() -> Result<Self> {
        let pages: Pages = Arc::default();
        let router = Router::new().route("/{page}", get(page)).with_state(Arc::clone(&pages));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move { axum::serve(listener, router).await });
        Ok(Self { addr, pages })
    }

    /// Publishes a page whose `<head>` holds `embed`; returns its URL on
    /// `http://localhost:<port>/`. The page's own scripts record what they
    /// see: `window.hostErrors` (uncaught errors and rejections),
    /// `window.hostWarnings` (console warnings) and
    /// `data-ran="yes"` on `#host` once its later script ran.
    pub fn page(&self, name: &str, embed: &str) -> String {
        let html = format!(
            r#"<!doctype html><html><head><meta charset="utf-8"><title>Host page</title>
<script>window.hostErrors = []; window.hostWarnings = [];
(function () {{ var warn = console.warn; console.warn = function () {{
  hostWarnings.push(Array.prototype.map.call(arguments, String).join(" ")); return warn.apply(console, arguments); }}; }})();
window.addEventListener("error", function (e) {{ hostErrors.push(String(e.message)); }});
window.addEventListener("unhandledrejection", function (e) {{ hostErrors.push("rejection: " + e.reason); }});</script>
{embed}
</head><body><h1 id="host">A customer's page</h1>
<script>setTimeout(function () {{ document.getElementById("host").setAttribute("data-ran", "yes"); }}, 100);</script>
</body></html>"#
        );
        if let Ok(mut pages) = self.pages.lock() {
            pages.insert(name.to_string(), html);
        }
        format!("http://localhost:{}/{name}", self.addr.port())
    }
}

async fn page(State(pages): State<Pages>, Path(name): Path<String>) -> impl IntoResponse {
    match pages.lock().ok().and_then(|pages| pages.get(&name).cloned()) {
        Some(html) => (StatusCode::OK, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
