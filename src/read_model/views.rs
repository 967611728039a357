//! Response bodies of the JSON API (public contract: extend, never rename).

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::models::{Application, ApplicationEvent, Certificate, Dispatch, Document, User};
use crate::domain::cert_type::CertificateType;
use crate::domain::dispatch::DispatchStatus;
use crate::domain::id_number::mask_id;
use crate::domain::role::Role;
use crate::domain::status::ApplicationStatus;

pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

#[derive(Serialize, ToSchema)]
pub struct JurisdictionRef {
    pub code: String,
    pub name: String,
    pub level: String,
}

#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub role: String,
    pub name: String,
    pub phone: String,
    pub jurisdiction: Option<JurisdictionRef>,
}

impl UserView {
    pub fn new(u: &User, jurisdiction: Option<JurisdictionRef>) -> Self {
        UserView {
            id: u.id.clone(),
            role: u.role.clone(),
            name: u.name.clone(),
            phone: u.phone.clone(),
            jurisdiction,
        }
    }
}

/// One application in a list. The subject's ID number is always masked here.
#[derive(Serialize, ToSchema)]
pub struct ApplicationSummary {
    pub id: String,
    /// Public number, e.g. `ZM2026000123`.
    pub number: String,
    #[serde(rename = "type")]
    pub type_code: String,
    pub type_name: String,
    pub status: String,
    pub status_label: String,
    pub subject_name: String,
    /// Masked: first 6 and last 4 characters.
    pub subject_id_number: String,
    pub village_code: String,
    pub village_name: String,
    pub township_code: String,
    pub delivery_method: String,
    /// Index of the approval step the case is at (0-based).
    pub current_step: i32,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// End of the current node's time limit, while the office holds the case.
    pub node_deadline: Option<DateTime<Utc>>,
    pub overall_deadline: Option<DateTime<Utc>>,
    /// The office holds the case and a deadline above was counted on provisional working
    /// days (next year's holiday notice is not loaded yet); it may move when it is.
    pub deadline_provisional: bool,
    /// The office holds the case and its node deadline has passed.
    pub overdue: bool,
    /// The office holds the case, not yet overdue, with one working day or less left
    /// (due by the end of the next working day).
    pub at_risk: bool,
    /// The last approval could not draw the certificate: the characters no font has,
    /// with their code points, e.g. `𠮷(U+20BB7)`. The case stays with the office until
    /// it is returned for correction or approved again; absent otherwise.
    pub issue_blocked: Option<String>,
}

pub fn office_holds(status: &str) -> bool {
    matches!(
        ApplicationStatus::parse(status),
        Some(ApplicationStatus::Submitted | ApplicationStatus::UnderReview)
    )
}

impl ApplicationSummary {
    pub fn new(
        a: &Application,
        keys: &crate::crypto::DataKeys,
        type_name: String,
        village_name: String,
        now: NaiveDateTime,
    ) -> Self {
        let status = ApplicationStatus::parse(&a.status);
        let holds = office_holds(&a.status);
        ApplicationSummary {
            id: a.id.clone(),
            number: a.number.clone(),
            type_code: a.type_code.clone(),
            type_name,
            status: a.status.clone(),
            status_label: status.map(|s| s.label_zh()).unwrap_or_default().to_owned(),
            subject_name: a.subject_name.clone(),
            subject_id_number: mask_id(&keys.open_or_stars(&a.subject_id_number)),
            village_code: a.village_code.clone(),
            village_name,
            township_code: a.township_code.clone(),
            delivery_method: a.delivery_method.clone(),
            current_step: a.current_step,
            version: a.version,
            created_at: utc(a.created_at),
            submitted_at: a.submitted_at.map(utc),
            finished_at: a.finished_at.map(utc),
            node_deadline: holds.then(|| utc(a.node_deadline)),
            overall_deadline: if a.submitted_at.is_some() {
                a.overall_deadline.map(utc)
            } else {
                None
            },
            deadline_provisional: holds && a.deadline_provisional,
            overdue: holds && a.node_deadline < now,
            at_risk: false,
            issue_blocked: a.issue_blocked.clone(),
        }
    }

    /// Sets `at_risk` given the end of the next working day (see
    /// `WorkCalendar::at_risk_until`); `None` (the calendar could not be read) leaves it false.
    pub fn flag_at_risk(
        &mut self,
        a: &Application,
        now: NaiveDateTime,
        until: Option<NaiveDateTime>,
    ) {
        self.at_risk = office_holds(&a.status)
            && a.node_deadline >= now
            && until.is_some_and(|u| a.node_deadline <= u);
    }
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationList {
    pub items: Vec<ApplicationSummary>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryView {
    pub method: String,
    pub recipient: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EventView {
    pub seq: i32,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub step: Option<i32>,
    pub actor_role: String,
    pub actor_name: Option<String>,
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
    pub node_deadline: Option<DateTime<Utc>>,
    pub deadline_met: Option<bool>,
}

impl EventView {
    pub fn new(e: &ApplicationEvent, actor_name: Option<String>) -> Self {
        EventView {
            seq: e.seq,
            action: e.action.clone(),
            from_status: e.from_status.clone(),
            to_status: e.to_status.clone(),
            step: e.step,
            actor_role: e.actor_role.clone(),
            actor_name,
            reason: e.reason.clone(),
            at: utc(e.created_at),
            node_deadline: e.node_deadline.map(utc),
            deadline_met: e.deadline_met,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CertificateView {
    pub number: String,
    pub status: String,
    pub issued_at: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
    pub pdf_url: String,
    pub pdf_sha256: String,
}

impl CertificateView {
    pub fn new(c: &Certificate) -> Self {
        CertificateView {
            number: c.number.clone(),
            status: c.status.clone(),
            issued_at: utc(c.issued_at),
            valid_until: utc(c.valid_until),
            pdf_url: format!("/api/v1/applications/{}/certificate.pdf", c.application_id),
            pdf_sha256: c.pdf_sha256.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DispatchView {
    pub id: String,
    pub tracking_number: String,
    pub application_id: String,
    pub status: String,
    pub status_label: String,
    pub recipient: String,
    pub phone: String,
    pub address: String,
    pub village_code: String,
    pub village_name: String,
    pub township_code: String,
    pub courier_id: Option<String>,
    pub failed_attempts: i32,
    pub signer: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    /// Too many wrong delivery codes: no delivery until the office sends a new code
    /// (`POST /api/v1/dispatches/{id}/code`).
    pub locked: bool,
    /// Wrong delivery codes since the last code was sent (5 lock the dispatch).
    pub code_failures: i32,
}

impl DispatchView {
    /// As the caller's role may see it: a courier gets the recipient's name masked
    /// (张*伟) — the delivery phone and address are what delivery needs.
    pub fn for_role(d: &Dispatch, village_name: String, role: Role) -> Self {
        let mut v = Self::new(d, village_name);
        if role == Role::Courier {
            v.recipient = crate::domain::text::mask_name(&d.recipient);
        }
        v
    }

    pub fn new(d: &Dispatch, village_name: String) -> Self {
        DispatchView {
            id: d.id.clone(),
            tracking_number: d.tracking_number.clone(),
            application_id: d.application_id.clone(),
            status: d.status.clone(),
            status_label: DispatchStatus::parse(&d.status)
                .map(|s| s.label_zh())
                .unwrap_or_default()
                .to_owned(),
            recipient: d.recipient.clone(),
            phone: d.phone.clone(),
            address: d.address.clone(),
            village_code: d.village_code.clone(),
            village_name,
            township_code: d.township_code.clone(),
            courier_id: d.courier_id.clone(),
            failed_attempts: d.failed_attempts,
            signer: d.signer.clone(),
            version: d.version,
            created_at: utc(d.created_at),
            delivered_at: d.delivered_at.map(utc),
            locked: d.locked_at.is_some(),
            code_failures: d.code_failures,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DispatchList {
    pub items: Vec<DispatchView>,
}

/// Full case view: the summary plus form data, delivery, trail and outcome.
#[derive(Serialize, ToSchema)]
pub struct ApplicationDetail {
    #[serde(flatten)]
    pub summary: ApplicationSummary,
    /// The form as the type defines it (field name → value).
    #[schema(value_type = Object)]
    pub form: serde_json::Value,
    pub delivery: DeliveryView,
    /// The node-by-node trail, oldest first.
    pub events: Vec<EventView>,
    pub certificate: Option<CertificateView>,
    pub dispatch: Option<DispatchView>,
    /// Uploaded supporting documents (要件材料), oldest first.
    pub documents: Vec<DocumentView>,
    /// Actions the caller may take now (e.g. `approve`, `return`).
    pub allowed_actions: Vec<String>,
    /// Name of the current approval step.
    pub current_step_name: Option<String>,
    /// Made for someone else (代办 or a relative): by whom, how they agreed. Null for a
    /// case about the applicant themself.
    pub proxy: Option<crate::workflow::proxy::ProxyView>,
    /// What the roster the type relies on said at the last submission (issue 16):
    /// instant approval, or why the case is reviewed by hand.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roster_check: Option<RosterCheckView>,
}

/// The roster check of a case: `outcome` is `instant`, `confirmed`, `not_found`,
/// `name_differs`, `stale`, `other_village` or `no_roster`.
#[derive(Serialize, ToSchema)]
pub struct RosterCheckView {
    pub outcome: String,
    pub reason: String,
    pub reason_en: String,
    pub checked_at: DateTime<Utc>,
}

/// One uploaded document. Photos are stored normalised (upright JPEG, no metadata).
#[derive(Serialize, ToSchema)]
pub struct DocumentView {
    pub id: String,
    /// Document kind, e.g. `id_card`.
    pub kind: String,
    /// The kind's Chinese name in the certificate type, e.g. 居民身份证.
    pub kind_name: String,
    /// The file name as uploaded (for display only).
    pub original_name: String,
    /// Stored type: `image/jpeg` or `application/pdf`.
    pub content_type: String,
    pub size_bytes: i64,
    /// SHA-256 (hex) of the stored file.
    pub sha256: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub created_at: DateTime<Utc>,
    /// The named place it fills (`front` / `back`), where the kind has slots.
    pub slot: Option<String>,
    /// Where to fetch the file.
    pub url: String,
    /// Where to fetch the thumbnail (photos only).
    pub thumb_url: Option<String>,
}

impl DocumentView {
    pub fn new(d: &Document, t: Option<&CertificateType>) -> Self {
        let url = format!("/api/v1/documents/{}", d.id);
        DocumentView {
            id: d.id.clone(),
            kind: d.kind.clone(),
            kind_name: t
                .and_then(|t| t.document(&d.kind))
                .map(|s| s.name_zh.clone())
                .unwrap_or_else(|| {
                    if d.kind == crate::domain::proxy::AUTHORISATION_KIND {
                        crate::domain::proxy::AUTHORISATION_NAME_ZH.to_owned()
                    } else {
                        d.kind.clone()
                    }
                }),
            original_name: d.original_name.clone(),
            content_type: d.content_type.clone(),
            size_bytes: d.size_bytes,
            sha256: d.sha256.clone(),
            width: d.width,
            height: d.height,
            created_at: utc(d.created_at),
            slot: d.slot.clone(),
            thumb_url: d.thumb_key.as_ref().map(|_| format!("{url}?thumb=1")),
            url,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DocumentList {
    pub items: Vec<DocumentView>,
}
