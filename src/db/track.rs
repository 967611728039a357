//! The public status lookup: an application found only by its number together with
//! the applicant's account phone or the delivery phone.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{application_events, applications, certificate_types, users};
use super::DbConn;

pub struct Tracked {
    pub number: String,
    pub type_name: String,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub overall_deadline: Option<NaiveDateTime>,
    /// (action, to status, time)
    pub events: Vec<(String, String, NaiveDateTime)>,
}

/// One query whether the number is unknown or the phone wrong, so both take the same
/// path and time.
pub fn find(conn: &mut DbConn, number: &str, phone: &str) -> QueryResult<Option<Tracked>> {
    let row: Option<(
        String,
        String,
        String,
        String,
        NaiveDateTime,
        Option<NaiveDateTime>,
    )> = applications::table
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
            applications::status,
            applications::created_at,
            applications::overall_deadline,
        ))
        .first(conn)
        .optional()?;
    let Some((id, number, type_name, status, created_at, overall_deadline)) = row else {
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
    Ok(Some(Tracked {
        number,
        type_name,
        status,
        created_at,
        overall_deadline,
        events,
    }))
}
