//! Builds the application from its configuration and runs it.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use switchboard_core::messages::AuditAction;

use anyhow::Context;
use axum::http::{Request, Response};
use axum::{routing::get, Router};
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;
use tracing::{Level, Span};

use crate::api;
use crate::auth::{login_audit, password};
use crate::configuration::Config;
use crate::routes::{self, assets::AssetsDir};
use crate::serve::{self, Limits};
use crate::state::AppState;
use crate::store::{
    file::JsonFile, now_rfc3339, Actor, AdminRecord, AuditRecord, Calendars, Store, StoreError, Who,
};

/// A bound, ready-to-run server. Binding happens in [`Application::build`], so a
/// caller that asked for port 0 can read the real port before serving.
pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
    limits: Limits,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let backend = JsonFile::open(&config.data_dir)?;
        tracing::info!(store = %backend.path().display(), "opening the store");
        let calendars = Calendars::open(&config.data_dir)?;
        let store = Arc::new(Store::open_with(backend, calendars).await?);
        if let Some(password) = &config.admin_password {
            create_admin_from_env(&store, &config.admin_user, &password.0).await?;
        }
        if store.snapshot().document.admins.is_empty() {
            tracing::warn!("no admin exists yet: open the admin app to create one, or set SWITCHBOARD_ADMIN_PASSWORD");
        }
        let assets = AssetsDir::new(&config.assets_dir);
        if !assets.admin_index().is_file() || !assets.widget_loader().is_file() {
            tracing::warn!(
                assets_dir = %config.assets_dir.display(),
                "the admin app or the widget is not built there; run `cargo xtask build`"
            );
        }
        let state = AppState::new(&config, store)?;
        let router = router(&assets, state.clone());
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let max_connections =
            serve::connection_limit_for_open_files(config.max_connections as usize);
        if max_connections < config.max_connections as usize {
            tracing::warn!(
                max_connections,
                "fewer connections than --max-connections fit the open-file limit (ulimit -n)"
            );
        }
        let per_address =
            (!config.trust_forwarded_for).then_some(config.max_connections_per_address as usize);
        Ok(Self {
            listener,
            router,
            state,
            limits: Limits::new(max_connections, per_address),
        })
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
        let flusher = tokio::spawn(flush_login_summaries(self.state.clone()));
        let deliverer = tokio::spawn(std::sync::Arc::clone(&self.state.webhooks).run());
        let retention = tokio::spawn(crate::retention::run(self.state.clone()));
        let feeds = tokio::spawn(crate::calendar_feeds::run(self.state.clone()));
        serve::serve(self.listener, self.router, self.limits, shutdown).await;
        feeds.abort();
        retention.abort();
        deliverer.abort();
        flusher.abort();
        login_audit::record_summary(&self.state.store, self.state.auth.login_audit.flush()).await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// Writes the minute's summary of sign-in attempts that were not itemized.
async fn flush_login_summaries(state: AppState) {
    let mut every = tokio::time::interval(Duration::from_secs(60));
    loop {
        every.tick().await;
        login_audit::record_summary(&state.store, state.auth.login_audit.flush()).await;
    }
}

/// Every route of the product, with request logging around all of them.
pub fn router(assets: &AssetsDir, state: AppState) -> Router {
    // Spans carry method and path only: headers (cookies, API keys) never
    // reach logs. What every visitor's page view fetches (the loader, its
    // wasm, the widget config) is logged at DEBUG: at INFO it would drown
    // the admin activity and cost the hot path a log line per page view.
    let trace = TraceLayer::new_for_http()
        .make_span_with(|request: &Request<_>| {
            let (method, path) = (request.method(), request.uri().path());
            if is_page_view(path) {
                tracing::debug_span!("request", %method, %path)
            } else {
                tracing::info_span!("request", %method, %path)
            }
        })
        .on_response(|response: &Response<_>, latency: Duration, span: &Span| {
            let status = response.status().as_u16();
            let millis = latency.as_millis();
            match span.metadata().map(|m| *m.level()) {
                Some(Level::INFO) => tracing::info!(parent: span, status, millis, "answered"),
                Some(_) => tracing::debug!(parent: span, status, millis, "answered"),
                None => {}
            }
        });
    let app = Router::new()
        .route("/healthz", get(routes::health::healthz))
        .nest("/api/v1", api::router(state.clone()))
        .merge(routes::chatbot_images::router(state.clone()))
        .merge(routes::direct_chat::router(state))
        .merge(routes::assets::router(assets))
        .layer(trace);
    // Outside the router, so it sees the path before routing does.
    app.layer(axum::middleware::from_fn(refuse_empty_segments))
}

/// `//logos` (or `/a//b`) is refused before any route sees it: a directory
/// redirect would answer `Location: //logos/`, which browsers read as
/// another host.
async fn refuse_empty_segments(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path = request.uri().path();
    if path.contains("//") {
        // Under the API, the API's own JSON error (and headers).
        if path.starts_with("/api/") {
            let mut response = crate::api::ApiError::not_found(
                switchboard_core::messages::ApiCode::NotFound,
                "there is no such API endpoint",
            )
            .into_response();
            let headers = response.headers_mut();
            headers.insert(
                axum::http::header::CACHE_CONTROL,
                axum::http::HeaderValue::from_static("no-store"),
            );
            headers.insert(
                axum::http::header::X_CONTENT_TYPE_OPTIONS,
                axum::http::HeaderValue::from_static("nosniff"),
            );
            return response;
        }
        return (axum::http::StatusCode::NOT_FOUND, "not found").into_response();
    }
    next.run(request).await
}

fn is_page_view(path: &str) -> bool {
    path == "/widget.js" || path == "/api/v1/widget/config"
}

/// `SWITCHBOARD_ADMIN_PASSWORD`: creates the admin if it does not exist yet;
/// an existing admin is left as it is.
async fn create_admin_from_env(
    store: &Store,
    username: &str,
    password: &str,
) -> anyhow::Result<()> {
    let body = serde_json::json!({ "username": username, "password": password });
    let admin = switchboard_core::admin::NewAdmin::from_json(&body).map_err(|errors| {
        anyhow::anyhow!(
            "SWITCHBOARD_ADMIN_USER / SWITCHBOARD_ADMIN_PASSWORD are not acceptable: {errors}"
        )
    })?;
    if store
        .snapshot()
        .document
        .admins
        .contains_key(&admin.username)
    {
        tracing::info!(user = %admin.username, "the admin from SWITCHBOARD_ADMIN_PASSWORD already exists; left unchanged");
        return Ok(());
    }
    let password_hash = password::hash(admin.password)
        .await
        .map_err(|_| anyhow::anyhow!("cannot hash the admin password: no hashing turn"))?
        .map_err(|e| anyhow::anyhow!("cannot hash the admin password: {e}"))?;
    let who = Who {
        actor: Actor::system(),
        ip: None,
    };
    store
        .update_audited(&who, |document| {
            let record = AdminRecord {
                username: admin.username.clone(),
                password_hash,
                created_at: now_rfc3339(),
            };
            document.admins.insert(admin.username.clone(), record);
            Ok::<_, StoreError>((
                (),
                AuditRecord::success(AuditAction::AdminCreate, Some(admin.username.clone())),
            ))
        })
        .await?;
    tracing::info!(user = %admin.username, "created the admin from SWITCHBOARD_ADMIN_PASSWORD");
    Ok(())
}
