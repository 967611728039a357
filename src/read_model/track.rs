//! The public status of an application (查询办理进度), as the API returns it and the
//! `/track` page shows it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::views::utc;
use crate::db::track::Tracked;
use crate::domain::status::{Action, ApplicationStatus};

#[derive(Serialize, ToSchema)]
pub struct TrackView {
    pub number: String,
    pub type_name: String,
    pub type_name_en: String,
    pub status: String,
    pub status_label: String,
    pub status_label_en: String,
    pub created_at: DateTime<Utc>,
    /// The promised completion date, once submitted.
    pub overall_deadline: Option<DateTime<Utc>>,
    /// The promised date was counted on provisional working days (next year's holiday
    /// notice is not loaded yet) and may move when it is.
    pub deadline_provisional: bool,
    pub timeline: Vec<TrackNode>,
}

#[derive(Serialize, ToSchema)]
pub struct TrackNode {
    pub action: String,
    pub label: String,
    pub label_en: String,
    pub status: String,
    pub at: DateTime<Utc>,
}

impl TrackView {
    pub fn new(found: Tracked) -> Self {
        let status = ApplicationStatus::parse(&found.status);
        TrackView {
            number: found.number,
            type_name: found.type_name,
            type_name_en: found.type_name_en,
            status_label: status.map(|s| s.label_zh()).unwrap_or("").into(),
            status_label_en: status.map(|s| s.label_en()).unwrap_or("").into(),
            status: found.status,
            created_at: utc(found.created_at),
            overall_deadline: found.overall_deadline.map(utc),
            deadline_provisional: found.deadline_provisional,
            timeline: found
                .events
                .into_iter()
                // A supervisor's 督办 note is for the office, not the public trail.
                .filter(|(action, _, _)| action != crate::workflow::urge::ACTION)
                .map(|(action, to, at)| {
                    let a = Action::parse(&action);
                    TrackNode {
                        label: a.map(|a| a.label_zh()).unwrap_or("创建").into(),
                        label_en: a.map(|a| a.label_en()).unwrap_or("Created").into(),
                        action,
                        status: to,
                        at: utc(at),
                    }
                })
                .collect(),
        }
    }
}
