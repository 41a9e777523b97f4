//! `GET /setup` (is a first admin needed?) and `POST /setup` (create it, once).
//! Both are reachable without signing in: on a fresh server nobody can.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;

use switchboard_core::admin::NewAdmin;
use switchboard_core::messages::{ApiCode, AuditAction};
use switchboard_core::wire;

use super::authn::{self, ClientIp};
use super::extract::JsonBody;
use super::openapi;
use super::session::signed_in;
use super::ApiError;
use crate::auth::password;
use crate::state::AppState;
use crate::store::{now_rfc3339, Actor, AdminRecord, AuditRecord, Who};

#[utoipa::path(
    get, path = "/setup", tag = "setup",
    operation_id = "setup_status",
    summary = "Is first-run setup needed",
    responses((status = 200, description = "OK", body = wire::SetupStatus))
)]
pub async fn status(State(state): State<AppState>) -> Json<wire::SetupStatus> {
    Json(wire::SetupStatus {
        needed: state.store.snapshot().document.admins.is_empty(),
    })
}

/// Creates the first admin and signs them in.
#[utoipa::path(
    post, path = "/setup", tag = "setup",
    operation_id = "create_first_admin",
    summary = "Create the first administrator",
    description = "Only while there is no administrator, and (without a configured public URL) only from this machine through a loopback host name. Signs the new admin in.",
    request_body = wire::Credentials,
    responses((status = 201, description = "Created", body = wire::SignedIn, headers(("Set-Cookie" = String, description = "The session cookie"))), openapi::SetupErrors)
)]
pub async fn create(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    peer: Result<ConnectInfo<SocketAddr>, axum::extract::rejection::ExtensionRejection>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<impl IntoResponse, ApiError> {
    authn::check_same_origin(&state.auth, &headers, false)?;
    check_setup_host(
        &state,
        &headers,
        peer.ok().map(|ConnectInfo(addr)| addr.ip()),
    )?;
    if !state.store.snapshot().document.admins.is_empty() {
        return Err(already_set_up());
    }
    let admin = NewAdmin::from_json(&body).map_err(ApiError::Validation)?;
    let password_hash = password::hash(admin.password)
        .await
        .map_err(|password::Busy| ApiError::Busy)?
        .map_err(ApiError::Internal)?;
    let who = Who {
        actor: Actor::anonymous(&admin.username),
        ip,
    };
    let username = admin.username.clone();
    state
        .store
        .update_audited(&who, |document| {
            // Checked again under the write lock: two racing setups, one admin.
            if !document.admins.is_empty() {
                return Err(already_set_up());
            }
            let record = AdminRecord {
                username: username.clone(),
                password_hash,
                created_at: now_rfc3339(),
            };
            document.admins.insert(username.clone(), record);
            Ok((
                (),
                AuditRecord::success(AuditAction::SetupCreateAdmin, Some(username.clone())),
            ))
        })
        .await?;
    let (cookie, body) = signed_in(&state, &admin.username);
    Ok((
        StatusCode::CREATED,
        [(header::SET_COOKIE, cookie)],
        Json(body),
    ))
}

/// Without `--public-url`, the first admin can only be created through a
/// loopback host name: otherwise a page on any site could DNS-rebind its own
/// name to a fresh instance on the network and create the admin itself.
fn check_setup_host(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<IpAddr>,
) -> Result<(), ApiError> {
    if state.auth.config.public_origin.is_some() {
        return Ok(());
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    // The connection must come from this machine too: with --listen on a
    // public address, anyone could send `Host: localhost` themselves.
    if is_loopback_host(host) && peer.is_some_and(|ip| ip.is_loopback()) {
        return Ok(());
    }
    Err(ApiError::forbidden(
        ApiCode::SetupHostNotAllowed,
        "first-run setup is only possible from this machine, at http://localhost or http://127.0.0.1, unless the server is started with --public-url (or SWITCHBOARD_ADMIN_PASSWORD creates the admin)",
    ))
}

/// `localhost`, `*.localhost`, `127.x.x.x` or `[::1]`, with any port.
pub fn is_loopback_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split_once(']').map_or(rest, |(inside, _)| inside)
    } else {
        host.rsplit_once(':')
            .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
            .map_or(host, |(name, _)| name)
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if name == "localhost" || name.ends_with(".localhost") {
        return true;
    }
    name.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

fn already_set_up() -> ApiError {
    ApiError::StateConflict {
        code: ApiCode::AlreadySetUp,
        message: "an admin already exists; sign in instead".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::is_loopback_host;

    #[test]
    fn only_loopback_names_count_as_local() {
        for host in [
            "localhost",
            "localhost:8080",
            "127.0.0.1:8080",
            "127.1.2.3",
            "[::1]:8080",
            "app.localhost",
            "LOCALHOST.",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "",
            "example.com",
            "attacker.example:8080",
            "10.0.0.1",
            "localhost.example.com",
            "[::2]:80",
            "127.0.0.1.nip.io",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }
}
