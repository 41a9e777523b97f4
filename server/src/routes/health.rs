//! `GET /healthz`: liveness for load balancers and the admin app footer.

use axum::Json;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Health {
    pub status: &'static str,
    pub version: &'static str,
}

pub async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok",
        version: switchboard_core::version::VERSION,
    })
}
