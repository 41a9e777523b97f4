//! Static files produced by `cargo xtask build`: the admin SPA, the widget and
//! the public folder (demo page, favicon, provider logos).
//!
//! Layout of the assets directory:
//! - `admin/index.html` and `admin/assets/*` (the style sheet's name and the
//!   directory of each build's scripts and wasm chunks carry a content hash)
//! - `widget/widget.js` (the loader, stable URL, with its wasm inside)
//! - `widget/rules.js` (display rules, fetched by the loader for sites with rules)
//! - `widget/assistant/launcher.js` (stable URL) and `panel-<hash>.js`: the
//!   built-in assistant, served under `/assistant/`
//! - `public/*` (served under their own names)
//! - `demo/demo.html` (served only at `/demo`, sandboxed)
//!
//! Each file may have `.br` and `.gz` siblings: Brotli to clients that accept
//! it, gzip to those that accept only gzip, the file itself otherwise.

use std::path::{Path, PathBuf};

use axum::{
    http::{header, HeaderName, HeaderValue, Response},
    response::Redirect,
    routing::get,
    Router,
};
use tower::{
    layer::util::{Identity, Stack},
    util::MapResponseLayer,
    ServiceBuilder,
};
use tower_http::services::{ServeDir, ServeFile};

/// Files whose names carry a content hash never change: cache them for a year.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// The loader's URL is stable (it is pasted into sites), so caches must check
/// back soon for a new build; five minutes bounds how long an old one lives.
const LOADER_CACHE: &str = "public, max-age=300";
/// The SPA shell names the current hashed assets, so it is revalidated every time.
const REVALIDATE: &str = "no-cache";
const PUBLIC_CACHE: &str = "public, max-age=300";

/// The admin app's own policy: only our origin, wasm allowed, never framed.
const ADMIN_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// The demo page: scripts may run, but in an opaque origin (no
/// `allow-same-origin`), and it cannot navigate the admin's tab.
const DEMO_CSP: &str = "sandbox allow-scripts allow-popups allow-forms";

/// Where the built files live.
#[derive(Debug, Clone)]
pub struct AssetsDir(PathBuf);

impl AssetsDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self(root.into())
    }

    pub fn root(&self) -> &Path {
        &self.0
    }

    pub fn admin_index(&self) -> PathBuf {
        self.0.join("admin").join("index.html")
    }

    pub fn widget_loader(&self) -> PathBuf {
        self.0.join("widget").join("widget.js")
    }
}

pub fn router(assets: &AssetsDir) -> Router {
    let root = assets.root();
    let spa_shell = || {
        static_headers(
            REVALIDATE,
            &[
                ("content-security-policy", ADMIN_CSP),
                ("x-frame-options", "DENY"),
                ("referrer-policy", "same-origin"),
            ],
        )
        .service(
            ServeFile::new(assets.admin_index())
                .precompressed_br()
                .precompressed_gzip(),
        )
    };
    // Files only: a directory's redirect would lose the /admin/assets prefix.
    let admin_assets = static_headers(IMMUTABLE, &[]).service(
        ServeDir::new(root.join("admin/assets"))
            .append_index_html_on_directories(false)
            .precompressed_br()
            .precompressed_gzip(),
    );

    // The widget runs on other sites' pages: any origin may fetch it, and pages
    // with a Cross-Origin-Embedder-Policy may still embed it.
    const CROSS_ORIGIN: &[(&str, &str)] = &[
        ("access-control-allow-origin", "*"),
        ("cross-origin-resource-policy", "cross-origin"),
    ];
    let widget_loader = static_headers(LOADER_CACHE, CROSS_ORIGIN)
        .map_response(utf8_javascript)
        .service(
            ServeFile::new(assets.widget_loader())
                .precompressed_br()
                .precompressed_gzip(),
        );

    // The assistant's launcher has a stable URL (the recipe names it); its
    // panel is named by its content.
    let launcher = static_headers(LOADER_CACHE, CROSS_ORIGIN)
        .map_response(utf8_javascript)
        .service(
            ServeFile::new(root.join("widget/assistant/launcher.js"))
                .precompressed_br()
                .precompressed_gzip(),
        );
    // The display rules' script, which widget.js fetches for sites with rules.
    let rules = static_headers(LOADER_CACHE, CROSS_ORIGIN)
        .map_response(utf8_javascript)
        .service(
            ServeFile::new(root.join("widget/rules.js"))
                .precompressed_br()
                .precompressed_gzip(),
        );
    let panels = static_headers(IMMUTABLE, CROSS_ORIGIN)
        .map_response(utf8_javascript)
        .service(
            ServeDir::new(root.join("widget/assistant"))
                .append_index_html_on_directories(false)
                .precompressed_br()
                .precompressed_gzip(),
        );

    // The demo runs a provider's script chosen in the settings, which an API
    // key can change: sandboxed without allow-same-origin it gets an opaque
    // origin, so it can read no cookie, no session and no CSRF token of ours.
    let demo = static_headers(
        REVALIDATE,
        &[
            ("content-security-policy", DEMO_CSP),
            ("referrer-policy", "no-referrer"),
        ],
    )
    .service(
        ServeFile::new(root.join("demo/demo.html"))
            .precompressed_br()
            .precompressed_gzip(),
    );
    // No directory listings or directory redirects: only files. They are
    // public (logos, favicon), so other origins may fetch them too (the
    // bench serves its reference loader from here, embedded as ours is).
    let public = static_headers(PUBLIC_CACHE, CROSS_ORIGIN).service(
        ServeDir::new(root.join("public"))
            .append_index_html_on_directories(false)
            .precompressed_br()
            .precompressed_gzip(),
    );

    Router::new()
        .route("/", get(|| async { Redirect::temporary("/admin/") }))
        .route("/admin", get(|| async { Redirect::permanent("/admin/") }))
        // Client-side routes all get the shell; only /admin/assets/* are files.
        .route_service("/admin/", spa_shell())
        .route_service("/admin/{*client_route}", spa_shell())
        .nest_service("/admin/assets", admin_assets)
        .route_service("/widget.js", widget_loader)
        .route_service("/rules.js", rules)
        .route_service("/assistant/launcher.js", launcher)
        .nest_service("/assistant", panels)
        .route_service("/demo", demo)
        .fallback_service(
            Router::new()
                .fallback_service(public)
                .layer(axum::middleware::from_fn(only_plain_public_files)),
        )
}

/// The public folder serves its plain files only: never an HTML page (the
/// demo page must only ever be served sandboxed, at `/demo`), never a name
/// spelled with percent-escapes or dot segments that could reach one.
async fn only_plain_public_files(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path = request.uri().path().to_ascii_lowercase();
    let refused = path.contains('%')
        || path.contains("/.")
        || path.ends_with('/')
        || path.split('/').any(|segment| segment.contains(".htm"));
    if refused {
        return (axum::http::StatusCode::NOT_FOUND, "not found").into_response();
    }
    next.run(request).await
}

/// The loader carries its wasm as characters up to U+00FF, written in UTF-8
/// (xtask's `embed_wasm`): it must be read as UTF-8 whatever the embedding
/// page's own encoding (Shift_JIS, say), and the header is what decides that.
fn utf8_javascript<B>(mut response: Response<B>) -> Response<B> {
    if response.status().is_success() {
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/javascript; charset=utf-8"),
        );
    }
    response
}

type HeadersLayer<F> = ServiceBuilder<Stack<MapResponseLayer<F>, Identity>>;

/// Headers for a static file response. `cache_control` goes only on successful
/// answers: a 404 must not be cached for a year if the file appears later.
fn static_headers<B>(
    cache_control: &'static str,
    extra: &'static [(&'static str, &'static str)],
) -> HeadersLayer<impl Fn(Response<B>) -> Response<B> + Clone> {
    ServiceBuilder::new().map_response(move |mut response: Response<B>| {
        let status = response.status();
        let headers = response.headers_mut();
        if status.is_success() || status == axum::http::StatusCode::NOT_MODIFIED {
            headers.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static(cache_control),
            );
        } else {
            // A file missing now may exist after the next build: no cache
            // may keep the 404 (RFC 9111 lets them by default).
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        }
        // Every file may be served compressed or not, depending on the request.
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        for (name, value) in extra {
            headers.insert(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        response
    })
}
