//! Row types, one per table, shared by both backends.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = jurisdictions)]
pub struct Jurisdiction {
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent_code: Option<String>,
    pub created_at: NaiveDateTime,
    /// False once an import no longer lists it: kept for its cases, not offered anew.
    pub active: bool,
}

#[derive(Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub role: String,
    pub phone: String,
    pub name: String,
    pub password_hash: String,
    pub jurisdiction_code: Option<String>,
    /// Encrypted (`enc:v1:…`, see `crypto`); never in clear.
    pub id_number: Option<String>,
    /// Blind index of the ID number (`crypto::DataKeys::blind_index`), unique.
    pub id_number_bidx: Option<String>,
    pub email: Option<String>,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions)]
pub struct Session {
    /// Random, shown to the owner to end the session by (never the token's hash).
    pub id: String,
    pub token_hash: String,
    pub user_id: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    /// Refreshed at most once a minute; the idle timeout counts from here.
    pub last_seen_at: NaiveDateTime,
    /// Coarse: browser and system (`Chrome · Android`), or `API`.
    pub user_agent: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sms_codes)]
pub struct SmsCode {
    pub id: String,
    pub phone: String,
    pub purpose: String,
    pub code_hash: String,
    pub client_key: String,
    pub tries: i32,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub consumed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sign_in_failures)]
pub struct SignInFailures {
    pub key: String,
    pub failures: i32,
    pub last_failure_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = certificate_types)]
pub struct CertificateTypeRow {
    pub code: String,
    pub sort_order: i32,
    pub name_zh: String,
    pub spec: String,
    pub active: bool,
    pub updated_at: NaiveDateTime,
    /// The version whose spec `spec` is (a row of `certificate_type_versions`).
    pub current_version: i32,
}

/// One version of a certificate type (issue 15): cases keep the one they were submitted under.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = certificate_type_versions)]
pub struct CertificateTypeVersionRow {
    pub type_code: String,
    pub version: i32,
    pub spec: String,
    pub created_at: NaiveDateTime,
    /// The admin who made it; `None` for the seed.
    pub created_by: Option<String>,
    pub note: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = holidays)]
pub struct HolidayRow {
    pub day: String,
    pub kind: String,
    pub note: String,
    pub source: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = escalations)]
pub struct EscalationRow {
    pub id: String,
    pub application_id: String,
    pub step: i32,
    pub node_started_at: NaiveDateTime,
    pub node_deadline: NaiveDateTime,
    pub county_code: String,
    pub township_code: String,
    pub village_code: String,
    pub escalated_at: NaiveDateTime,
}

#[derive(Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = applications, treat_none_as_null = true)]
pub struct Application {
    pub id: String,
    pub number: String,
    pub type_code: String,
    pub applicant_id: String,
    pub subject_name: String,
    /// Encrypted (`enc:v1:…`, see `crypto`); never in clear.
    pub subject_id_number: String,
    pub form_data: String,
    pub county_code: String,
    pub township_code: String,
    pub village_code: String,
    pub delivery_method: String,
    pub delivery_recipient: Option<String>,
    pub delivery_phone: Option<String>,
    pub delivery_address: Option<String>,
    pub status: String,
    pub current_step: i32,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub submitted_at: Option<NaiveDateTime>,
    pub finished_at: Option<NaiveDateTime>,
    pub node_started_at: NaiveDateTime,
    pub node_deadline: NaiveDateTime,
    pub overall_deadline: Option<NaiveDateTime>,
    /// Node or overall deadline counted on provisional working days (a year without
    /// its holiday notice); recomputed when that year is loaded.
    pub deadline_provisional: bool,
    /// Blind index of the subject's ID number, for an exact search by staff.
    pub subject_id_bidx: Option<String>,
    /// The catalogue version of the type the case was submitted under (a draft follows
    /// the current one until it is submitted).
    pub type_version: i32,
    /// The certificate could not be drawn at the last approval: the characters no
    /// font has, with their code points (`workflow::issue_blocked`). Cleared when the
    /// case moves on.
    pub issue_blocked: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = application_events)]
pub struct ApplicationEvent {
    pub id: String,
    pub application_id: String,
    pub seq: i32,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub step: Option<i32>,
    pub actor_id: Option<String>,
    pub actor_role: String,
    pub reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub node_deadline: Option<NaiveDateTime>,
    pub deadline_met: Option<bool>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = documents)]
pub struct Document {
    pub id: String,
    pub application_id: String,
    pub kind: String,
    pub original_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub blob_key: String,
    pub thumb_key: Option<String>,
    pub created_at: NaiveDateTime,
    /// The named place it fills (`front` / `back`), where the kind has named slots.
    pub slot: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = certificates)]
pub struct Certificate {
    pub id: String,
    pub application_id: String,
    pub number: String,
    pub type_code: String,
    pub issuer_code: String,
    pub issued_at: NaiveDateTime,
    pub valid_until: NaiveDateTime,
    pub pdf_key: String,
    pub pdf_sha256: String,
    pub key_id: Option<String>,
    pub status: String,
    pub revoked_at: Option<NaiveDateTime>,
    pub revocation_reason: Option<String>,
    /// The public reason (`domain::revocation::RevocationCode`); the free text above
    /// is for staff only.
    pub revocation_code: Option<String>,
    /// The data key the stored PDF is encrypted under (`crypto::DataKeys::seal_bytes`);
    /// `None`: stored in clear by an older version.
    pub pdf_data_kid: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = dispatches, treat_none_as_null = true)]
pub struct Dispatch {
    pub id: String,
    pub application_id: String,
    pub certificate_id: String,
    pub tracking_number: String,
    pub county_code: String,
    pub township_code: String,
    pub village_code: String,
    pub courier_id: Option<String>,
    pub recipient: String,
    pub phone: String,
    pub address: String,
    pub status: String,
    pub failed_attempts: i32,
    pub code_hash: String,
    pub signer: Option<String>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
    /// Wrong delivery codes since the last code was sent.
    pub code_failures: i32,
    /// Set when too many wrong codes locked the dispatch; cleared by a new code.
    pub locked_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = dispatch_events)]
pub struct DispatchEventRow {
    pub id: String,
    pub dispatch_id: String,
    pub seq: i32,
    pub event: String,
    pub from_status: String,
    pub to_status: String,
    pub actor_id: Option<String>,
    pub reason_code: Option<String>,
    pub reason_text: Option<String>,
    pub signer: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = notifications)]
pub struct Notification {
    pub id: String,
    pub channel: String,
    pub recipient: String,
    pub template_code: String,
    pub template_version: i32,
    pub params: String,
    pub application_id: Option<String>,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = access_log)]
pub struct AccessLogRow {
    pub id: String,
    /// Who: the account, if known (a failed sign-in may name no account).
    pub user_id: Option<String>,
    /// What: e.g. `sign_in`, `reveal_id_number`, `view_document`, `download_certificate`,
    /// `user_add`.
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub created_at: NaiveDateTime,
    /// `ok`, or `failed` / `refused`.
    pub outcome: String,
    /// The phone a sign-in named (also for an unknown one).
    pub phone: Option<String>,
    /// The case the access concerns, if any.
    pub application_id: Option<String>,
    /// From where: the client address and user agent (cut to 200 characters).
    pub client_addr: Option<String>,
    pub user_agent: Option<String>,
    /// A short note (e.g. `wrong_password`, `role=official`); never an ID number.
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = jobs)]
pub struct Job {
    pub id: String,
    pub kind: String,
    /// JSON text.
    pub payload: String,
    /// queued | running | done | failed
    pub status: String,
    pub run_at: NaiveDateTime,
    pub attempts: i32,
    pub max_attempts: i32,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A new time-ordered id (UUID v7) as text, as docs/architecture.md §6 asks.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Now, in UTC, truncated to microseconds so both backends store the same value.
pub fn now() -> NaiveDateTime {
    let t = chrono::Utc::now().naive_utc();
    t - chrono::Duration::nanoseconds(i64::from(t.and_utc().timestamp_subsec_nanos() % 1000))
}

/// A case made for someone else (issue 16): see `migrations/*/2026-12-03-000600_proxy`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = application_proxies, treat_none_as_null = true)]
pub struct ApplicationProxy {
    pub application_id: String,
    pub agent_id: Option<String>,
    pub relationship: Option<String>,
    pub relationship_note: Option<String>,
    pub subject_phone: Option<String>,
    pub consent: Option<String>,
    pub consent_at: Option<NaiveDateTime>,
    pub consent_code_id: Option<String>,
    pub village_code: String,
    pub created_at: NaiveDateTime,
}

/// One import of a roster (issue 16); `replaced_at` once a newer one of its kind and
/// county came.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = roster_imports)]
pub struct RosterImport {
    pub id: String,
    /// `dibao`, `tekun` or `hukou`.
    pub kind: String,
    pub county_code: String,
    pub source: String,
    /// YYYY-MM-DD.
    pub as_of: String,
    pub row_count: i32,
    pub imported_by: Option<String>,
    pub imported_at: NaiveDateTime,
    pub replaced_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = roster_entries)]
pub struct RosterEntry {
    pub id: String,
    pub import_id: String,
    pub id_bidx: String,
    /// Encrypted (`enc:v1:…`).
    pub id_number: String,
    pub name: String,
    pub village_code: Option<String>,
    /// The kind's other columns, a JSON object of strings.
    pub data: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = roster_checks)]
pub struct RosterCheck {
    pub application_id: String,
    pub import_id: Option<String>,
    pub outcome: String,
    pub reason_zh: String,
    pub reason_en: String,
    pub checked_at: NaiveDateTime,
}
