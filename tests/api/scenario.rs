//! A small fixed scenario for the supervision figures, written straight through the
//! database layer with fixed timestamps (the workflow stamps "now", which a test of
//! hand-computed figures cannot use).

use chrono::{NaiveDateTime, TimeDelta};
use zhengming::db::models::{new_id, Application, ApplicationEvent};
use zhengming::db::{applications, DbConn};

/// A time given in Beijing time, as stored (UTC).
pub fn bj(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time") - TimeDelta::hours(8)
}

/// One event: (action, from, to, step, time).
pub type Ev<'a> = (
    &'a str,
    Option<&'a str>,
    &'a str,
    Option<i32>,
    NaiveDateTime,
);

/// One case: its place and its trail as (action, from, to, step, Beijing time).
pub struct Case<'a> {
    pub number: &'a str,
    pub township: &'a str,
    pub village: &'a str,
    pub county: &'a str,
    pub status: &'a str,
    pub current_step: i32,
    pub node_started_at: NaiveDateTime,
    pub node_deadline: NaiveDateTime,
    pub events: Vec<Ev<'a>>,
}

/// Writes the case and its events; returns the application id.
pub fn write(c: &mut DbConn, applicant: &str, case: &Case<'_>) -> String {
    let id = new_id();
    let first = case.events.first().expect("events").4;
    let submitted = case
        .events
        .iter()
        .filter(|e| e.0 == "submit" || e.0 == "resubmit")
        .map(|e| e.4)
        .next_back();
    let finished = case.events.iter().find(|e| e.2 == "rejected").map(|e| e.4);
    let app = Application {
        id: id.clone(),
        number: case.number.into(),
        type_code: "residence".into(),
        applicant_id: applicant.into(),
        subject_name: "测试人".into(),
        subject_id_number: "222403199001010011".into(),
        form_data: "{}".into(),
        county_code: case.county.into(),
        township_code: case.township.into(),
        village_code: case.village.into(),
        delivery_method: "pickup".into(),
        delivery_recipient: None,
        delivery_phone: None,
        delivery_address: None,
        status: case.status.into(),
        current_step: case.current_step,
        version: 1,
        created_at: first,
        updated_at: first,
        submitted_at: submitted,
        finished_at: finished,
        node_started_at: case.node_started_at,
        node_deadline: case.node_deadline,
        overall_deadline: None,
        deadline_provisional: false,
        // In clear, as before encryption: reads take such a value as it is.
        subject_id_bidx: None,
        type_version: 1,
        issue_blocked: None,
    };
    applications::insert(c, &app).expect("insert application");
    for (i, (action, from, to, step, at)) in case.events.iter().enumerate() {
        applications::insert_event(
            c,
            &ApplicationEvent {
                id: new_id(),
                application_id: id.clone(),
                seq: i32::try_from(i).unwrap() + 1,
                action: (*action).into(),
                from_status: from.map(Into::into),
                to_status: (*to).into(),
                step: *step,
                actor_id: None,
                actor_role: "official".into(),
                reason: None,
                created_at: *at,
                node_deadline: None,
                deadline_met: None,
            },
        )
        .expect("insert event");
    }
    // As the workflow does after appending the events.
    zhengming::workflow::figures::refresh(c, &id).expect("case figures");
    id
}

/// An issued two-step case: submit, accept, approve step 0, approve step 1, issue.
pub fn issued_trail<'a>(submit: &str, approve0: &str, approve1: &str) -> Vec<Ev<'a>> {
    let s = bj(submit);
    vec![
        ("create", None, "draft", None, s - TimeDelta::minutes(10)),
        ("submit", Some("draft"), "submitted", None, s),
        (
            "accept",
            Some("submitted"),
            "under_review",
            Some(0),
            s + TimeDelta::minutes(5),
        ),
        (
            "approve",
            Some("under_review"),
            "under_review",
            Some(0),
            bj(approve0),
        ),
        (
            "approve",
            Some("under_review"),
            "approved",
            Some(1),
            bj(approve1),
        ),
        ("issue", Some("approved"), "issued", None, bj(approve1)),
    ]
}
