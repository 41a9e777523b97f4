//! Builds the application from its configuration and runs it.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::{routing::get, Router};
use tokio::net::TcpListener;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::api::{self, AppState};
use crate::configuration::Config;
use crate::routes::{self, assets::AssetsDir};
use crate::store::{file::JsonFile, Store};

/// A bound, ready-to-run server. Binding happens in [`Application::build`], so a
/// caller that asked for port 0 can read the real port before serving.
pub struct Application {
    listener: TcpListener,
    router: Router,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let backend = JsonFile::open(&config.data_dir)?;
        tracing::info!(store = %backend.path().display(), "opening the store");
        let store = Arc::new(Store::open(backend).await?);
        let assets = AssetsDir::new(&config.assets_dir);
        if !assets.admin_index().is_file() || !assets.widget_loader().is_file() {
            tracing::warn!(
                assets_dir = %config.assets_dir.display(),
                "the admin app or the widget is not built there; run `cargo xtask build`"
            );
        }
        let router = router(&assets, AppState { store });
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        Ok(Self { listener, router })
    }

    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    /// Serves until `shutdown` resolves, then lets in-flight requests finish.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let addr = self.local_addr()?;
        tracing::info!("Switchboard listening on http://{addr}/ (admin: http://{addr}/admin/, demo: http://{addr}/demo)");
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await
            .context("server error")?;
        tracing::info!("stopped");
        Ok(())
    }
}

/// Every route of the product, with request logging around all of them.
pub fn router(assets: &AssetsDir, state: AppState) -> Router {
    // Spans carry method and path only: headers (cookies, API keys) never reach logs.
    let trace = TraceLayer::new_for_http()
        .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
        .on_response(DefaultOnResponse::new().level(Level::INFO));
    Router::new()
        .route("/healthz", get(routes::health::healthz))
        .nest("/api/v1", api::router(state))
        .merge(routes::assets::router(assets))
        .layer(trace)
}
