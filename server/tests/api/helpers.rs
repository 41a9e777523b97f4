use std::fs;
use std::path::Path;

use axum::{body::Body, http::Request, response::Response, Router};
use http_body_util::BodyExt;
use switchboard_server::{routes::assets::AssetsDir, startup};
use tempfile::TempDir;
use tower::ServiceExt;

/// A small stand-in for `dist/`, laid out as `cargo xtask build` writes it.
pub struct Fixture {
    pub dir: TempDir,
    pub router: Router,
}

pub fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    write(root, "admin/index.html", "<!doctype html><title>shell</title>");
    write(root, "admin/assets/app-0123abcd.js", "export default 1;");
    write(root, "admin/assets/app-0123abcd.wasm", "\0asm");
    write(root, "widget/widget.js", "(function(){})();");
    write(root, "widget/widget-89efab.wasm", "\0asm");
    write(root, "public/demo.html", "<!doctype html><title>demo</title>");
    write(root, "public/favicon.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
    let router = startup::router(&AssetsDir::new(root));
    Fixture { dir, router }
}

fn write(root: &Path, relative: &str, content: &str) {
    let path = root.join(relative);
    fs::create_dir_all(path.parent().expect("has a parent")).expect("create dir");
    fs::write(path, content).expect("write fixture file");
}

impl Fixture {
    pub async fn get(&self, uri: &str) -> Response {
        self.router
            .clone()
            .oneshot(Request::get(uri).body(Body::empty()).expect("request"))
            .await
            .expect("router is infallible")
    }
}

pub async fn body_text(response: Response) -> String {
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    String::from_utf8(bytes.to_vec()).expect("utf-8 body")
}

pub fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}
