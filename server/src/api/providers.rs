//! `GET /providers`: the provider catalog, for the admin app's forms.

use super::openapi;
use axum::Json;
use switchboard_core::catalog::{catalog, hide_text, ProviderId};
use switchboard_core::wire;

#[utoipa::path(
    get, path = "/providers", tag = "click-to-chat",
    operation_id = "list_providers",
    summary = "The provider catalog",
    description = "Every chat provider Switchboard can load, with the account fields each needs, their formats and help in English and Japanese.",
    security(("api_key" = []), ("session" = [])),
    responses((status = 200, description = "OK", body = wire::ProviderCatalog), openapi::SignedInRead)
)]
pub async fn list() -> Json<wire::ProviderCatalog> {
    Json(wire::ProviderCatalog {
        providers: catalog(),
        hide: ProviderId::ALL
            .iter()
            .map(|id| (id.as_str(), hide_text(*id)))
            .collect(),
    })
}
