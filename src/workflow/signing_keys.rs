//! The signing keys for administrators (issue 15): which keys exist, which one signs new
//! certificates, a rotation, and the public keys to copy for offline `zhengming verify`.
//! The keys are files in `<data_dir>/keys/` (see `verify::keys`); a running service
//! holds its signing key in memory, so a rotation takes effect at the next restart.

use std::path::Path;

use serde::Serialize;
use utoipa::ToSchema;

use super::audit::{self, Client, Entry};
use crate::db::DbConn;
use crate::error::{AppError, AppResult};
use crate::verify::keys::{key_dir, KeyRing};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SigningKeyView {
    pub kid: String,
    /// When its public key file was written (UTC, `YYYY-MM-DD HH:MM`).
    pub created: Option<String>,
    /// Signs new certificates once the service (re)starts.
    pub active: bool,
    /// Signs the certificates this running service issues now.
    pub in_use: bool,
    /// The public key, hex (as in `<kid>.pub`): copy it to verify offline.
    pub public_key: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SigningKeys {
    pub keys: Vec<SigningKeyView>,
    /// The active key on disk is not the one this service signs with: restart it.
    pub restart_needed: bool,
}

fn failed(e: impl std::fmt::Display) -> AppError {
    AppError::internal(e.to_string())
}

/// Every key on disk, newest first; `in_use` is the kid of the running service.
pub fn list(data_dir: &Path, in_use: &str) -> AppResult<SigningKeys> {
    let ring = KeyRing::load_public(data_dir).map_err(failed)?;
    let dir = key_dir(data_dir);
    let mut keys: Vec<SigningKeyView> = ring
        .kids()
        .map(|kid| {
            let modified = std::fs::metadata(dir.join(format!("{kid}.pub")))
                .and_then(|m| m.modified())
                .ok()
                .map(chrono::DateTime::<chrono::Utc>::from);
            SigningKeyView {
                kid: kid.to_owned(),
                created: modified.map(|t| t.format("%Y-%m-%d %H:%M").to_string()),
                active: kid == ring.active_kid(),
                in_use: kid == in_use,
                public_key: ring
                    .public_key(kid)
                    .map(|k| hex::encode(k.as_bytes()))
                    .unwrap_or_default(),
            }
        })
        .collect();
    keys.sort_by(|a, b| b.created.cmp(&a.created).then(a.kid.cmp(&b.kid)));
    Ok(SigningKeys {
        restart_needed: ring.active_kid() != in_use,
        keys,
    })
}

/// A new active key on disk (the running service signs with its old one until
/// restarted); audited.
pub fn rotate(
    conn: &mut DbConn,
    data_dir: &Path,
    actor_id: &str,
    client: &Client,
) -> AppResult<String> {
    let kid = KeyRing::rotate(data_dir).map_err(failed)?;
    audit::record(
        conn,
        client,
        Entry {
            user_id: Some(actor_id.to_owned()),
            action: audit::action::SIGNING_KEY_ROTATE,
            target_type: "signing_key",
            target_id: kid.clone(),
            ..Entry::default()
        },
    )?;
    Ok(kid)
}

/// The `<kid>.pub` file's text, for download.
pub fn public_key_file(data_dir: &Path, kid: &str) -> AppResult<String> {
    let ring = KeyRing::load_public(data_dir).map_err(failed)?;
    ring.public_key(kid)
        .map(|k| hex::encode(k.as_bytes()))
        .ok_or_else(AppError::not_found)
}
