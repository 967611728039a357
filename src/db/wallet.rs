//! 我的证明: the certificates issued on a resident's own applications.

use diesel::prelude::*;

use super::models::Certificate;
use super::schema::{applications, certificates};
use super::DbConn;

/// Each certificate issued on an application of `applicant_id`, with the application's
/// id, type code and subject name; newest first.
pub fn of_applicant(
    conn: &mut DbConn,
    applicant_id: &str,
) -> QueryResult<Vec<(Certificate, String, String)>> {
    certificates::table
        .inner_join(applications::table)
        .filter(applications::applicant_id.eq(applicant_id))
        .order(certificates::issued_at.desc())
        .select((
            Certificate::as_select(),
            applications::id,
            applications::subject_name,
        ))
        .load(conn)
}
