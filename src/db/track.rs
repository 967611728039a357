//! The public status lookup: an application found only by its number together with
//! the applicant's account phone or the delivery phone.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{application_events, applications, certificate_types, users};
use super::DbConn;

pub struct Tracked {
    pub number: String,
    pub type_name: String,
    pub type_name_en: String,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub overall_deadline: Option<NaiveDateTime>,
    /// Counted on provisional working days, while the office holds the case.
    pub deadline_provisional: bool,
    /// (action, to status, time)
    pub events: Vec<(String, String, NaiveDateTime)>,
}

/// id, number, type name, type spec, status, created, promised completion.
type TrackedRow = (
    String,
    String,
    String,
    String,
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
    bool,
);

/// One query whether the number is unknown or the phone wrong, so both take the same
/// path and time.
pub fn find(conn: &mut DbConn, number: &str, phone: &str) -> QueryResult<Option<Tracked>> {
    let row: Option<TrackedRow> = applications::table
        .inner_join(users::table.on(users::id.eq(applications::applicant_id)))
        .inner_join(certificate_types::table)
        .filter(applications::number.eq(number))
        .filter(
            users::phone
                .eq(phone)
                .or(applications::delivery_phone.eq(phone)),
        )
        .select((
            applications::id,
            applications::number,
            certificate_types::name_zh,
            certificate_types::spec,
            applications::status,
            applications::created_at,
            applications::overall_deadline,
            applications::deadline_provisional,
        ))
        .first(conn)
        .optional()?;
    let Some((id, number, type_name, spec, status, created_at, overall_deadline, provisional)) =
        row
    else {
        return Ok(None);
    };
    let events = application_events::table
        .filter(application_events::application_id.eq(&id))
        .order(application_events::seq.asc())
        .select((
            application_events::action,
            application_events::to_status,
            application_events::created_at,
        ))
        .load(conn)?;
    // The English name lives in the type's spec (JSON); the Chinese one is the fallback.
    let type_name_en = serde_json::from_str::<serde_json::Value>(&spec)
        .ok()
        .and_then(|v| v.get("name_en")?.as_str().map(str::to_owned))
        .unwrap_or_else(|| type_name.clone());
    Ok(Some(Tracked {
        number,
        type_name,
        type_name_en,
        deadline_provisional: provisional
            && matches!(status.as_str(), "submitted" | "under_review"),
        status,
        created_at,
        overall_deadline,
        events,
    }))
}
