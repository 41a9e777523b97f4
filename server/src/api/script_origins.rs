//! The rule for settings fields that choose where visitors' pages load script
//! from (see `switchboard_core::script_origin`): an API key may not point them
//! at a new origin; a signed-in admin may, and the audit log keeps both values.

use switchboard_core::errors::{ErrorCode, FieldError, FieldErrors};
use switchboard_core::messages::{ApiCode, AuditAction, AuditCode};
use switchboard_core::script_origin::ScriptOriginChange;

use super::ApiError;
use crate::store::{audit::ActorKind, AuditRecord, OriginChange, Store, Who};

/// The changes as the audit log records them, or the refusal for an API key.
pub fn check(who: &Who, changes: Vec<ScriptOriginChange>) -> Result<Vec<OriginChange>, ApiError> {
    if who.actor.kind == ActorKind::ApiKey {
        let refused: Vec<&ScriptOriginChange> = changes
            .iter()
            .filter(|c| c.needs_signed_in_admin())
            .collect();
        if !refused.is_empty() {
            let mut fields = FieldErrors::default();
            for change in refused {
                fields.add(FieldError::new(
                    change.field.clone(),
                    ErrorCode::SignedInAdminRequired,
                    "this URL decides where visitors' pages load the chat's script from; only a signed-in admin may set it to a self-hosted server",
                ));
            }
            return Err(ApiError::Forbidden {
                code: ApiCode::SignedInAdminRequired,
                message: "an API key cannot point a chat at a self-hosted server; a signed-in admin must make this change".into(),
                fields,
            });
        }
    }
    Ok(changes
        .into_iter()
        .map(|c| OriginChange {
            field: c.field,
            from: c.from,
            to: c.to,
        })
        .collect())
}

/// Records a refused attempt, so a leaked key trying it shows in the log.
pub async fn record_refusal(
    store: &Store,
    who: &Who,
    action: AuditAction,
    target: Option<String>,
    error: &ApiError,
) {
    if error.code() == ApiCode::SignedInAdminRequired {
        let record = AuditRecord::failure(
            action,
            target,
            AuditCode::SignedInAdminRequired,
            "refused: an API key tried to set a self-hosted script URL",
        );
        store.record(who, record).await;
    }
}
