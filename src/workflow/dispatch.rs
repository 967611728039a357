//! Creating the courier dispatch for an issued certificate, with the one-time code
//! the resident gives the courier on delivery.

use rand::Rng;
use sha2::{Digest, Sha256};

use crate::db::models::{new_id, now, Application, Dispatch};
use crate::db::{dispatches, DbConn};
use crate::domain::dispatch::DispatchStatus;
use crate::domain::status::Action;
use crate::domain::tracking::TrackingNumber;
use crate::error::{AppError, AppResult};

/// SMS template the outbox sends with the tracking number and delivery code.
pub const DISPATCH_SMS_TEMPLATE: &str = crate::notify::outbox::DISPATCHED;

/// Only the hash of the code is kept with the dispatch; salted with its id so equal
/// codes of different dispatches do not share a hash.
pub fn code_hash(dispatch_id: &str, code: &str) -> String {
    hex::encode(Sha256::digest(format!("{dispatch_id}:{code}").as_bytes()))
}

/// A fresh 6-digit delivery code.
pub fn new_code() -> String {
    format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000))
}

pub fn create(conn: &mut DbConn, app: &mut Application) -> AppResult<Dispatch> {
    let cert = dispatches::certificate_of(conn, &app.id)?
        .ok_or_else(|| AppError::internal("no certificate"))?;
    let (Some(recipient), Some(phone), Some(address)) = (
        &app.delivery_recipient,
        &app.delivery_phone,
        &app.delivery_address,
    ) else {
        return Err(AppError::internal("courier delivery without an address"));
    };
    let at = now();
    let id = new_id();
    let code = new_code();
    let tracking = TrackingNumber::generate();
    let d = Dispatch {
        id: id.clone(),
        application_id: app.id.clone(),
        certificate_id: cert.id,
        tracking_number: tracking.as_str().to_owned(),
        county_code: app.county_code.clone(),
        township_code: app.township_code.clone(),
        village_code: app.village_code.clone(),
        courier_id: None,
        recipient: recipient.clone(),
        phone: phone.clone(),
        address: address.clone(),
        status: DispatchStatus::Created.as_str().into(),
        failed_attempts: 0,
        code_hash: code_hash(&id, &code),
        signer: None,
        version: 1,
        created_at: at,
        updated_at: at,
        delivered_at: None,
        code_failures: 0,
        locked_at: None,
    };
    dispatches::insert(conn, &d)?;
    // The code travels only in the outbox message to the recipient's phone.
    let params = serde_json::json!({
        "number": app.number,
        "tracking_number": d.tracking_number,
        "code": code,
    });
    crate::notify::outbox::queue(
        conn,
        "sms",
        phone,
        DISPATCH_SMS_TEMPLATE,
        &params,
        Some(&app.id),
    )?;
    super::issue::system_transition(conn, app, Action::Dispatch)?;
    Ok(d)
}
