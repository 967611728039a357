//! Assembling the full view of one application for the caller.

use chrono::NaiveDateTime;

use super::views::{
    ApplicationDetail, ApplicationSummary, CertificateView, DeliveryView, DispatchView,
    DocumentView, EventView, RosterCheckView,
};
use crate::auth::{CurrentUser, Scope};
use crate::db::models::now;
use crate::db::{applications, catalog, dispatches, documents, users, DbConn};
use crate::error::{AppError, AppResult};
use crate::workflow::act::allowed_actions;
use crate::workflow::audit::{self, Client};

/// Loads the application if the caller's scope includes it. `reveal` (staff only:
/// where the request came from) shows the full ID number and writes the access to the
/// audit log; the owner always sees it.
pub fn load(
    conn: &mut DbConn,
    keys: &crate::crypto::DataKeys,
    user: &CurrentUser,
    id: &str,
    reveal: Option<&Client>,
) -> AppResult<ApplicationDetail> {
    let mut scope = Scope::of(user);
    let mut app = applications::find(conn, id, &scope)?;
    if app.is_none() && user.role == crate::domain::role::Role::Official {
        // A village official's own draft as agent (their area hides drafts).
        scope = crate::workflow::proxy::applicant_scope(user);
        app = applications::find(conn, id, &scope)?;
    }
    let app = app.ok_or_else(AppError::not_found)?;
    let t = crate::workflow::drafts::load_case_type(conn, &app)?;
    let names = catalog::jurisdiction_names(conn, &[&app.village_code])?;
    let t0 = now();
    let mut summary = ApplicationSummary::new(
        &app,
        keys,
        t.name_zh.clone(),
        names.get(&app.village_code).cloned().unwrap_or_default(),
        t0,
    );
    let until = at_risk_until(conn, t0).ok();
    summary.flag_at_risk(&app, t0, until);
    let owner = matches!(scope, Scope::Own(_));
    if owner || reveal.is_some() {
        summary.subject_id_number = keys
            .open(&app.subject_id_number)
            .map_err(AppError::internal)?;
    }
    if let (Some(client), false) = (reveal, owner) {
        audit::record(
            conn,
            client,
            audit::Entry {
                user_id: Some(user.id.clone()),
                action: audit::action::REVEAL_ID_NUMBER,
                target_type: "application",
                target_id: app.id.clone(),
                application_id: Some(app.id.clone()),
                ..audit::Entry::default()
            },
        )?;
    }
    let mut events = applications::events(conn, &app.id)?;
    if owner {
        // 督办 notes are between supervision and the office.
        events.retain(|e| e.action != crate::workflow::urge::ACTION);
    }
    let mut actor_names = std::collections::HashMap::new();
    for e in &events {
        if let Some(a) = &e.actor_id {
            if !actor_names.contains_key(a) {
                let name = users::by_id(conn, a)?.map(|u| u.name);
                actor_names.insert(a.clone(), name);
            }
        }
    }
    let events = events
        .iter()
        .map(|e| {
            EventView::new(
                e,
                e.actor_id
                    .as_ref()
                    .and_then(|a| actor_names.get(a).cloned().flatten()),
            )
        })
        .collect();
    let certificate = dispatches::certificate_of(conn, &app.id)?.map(|c| CertificateView::new(&c));
    let dispatch = dispatches::by_application(conn, &app.id)?;
    let returned = dispatch.as_ref().is_some_and(|d| d.status == "returned");
    let dispatch = dispatch.map(|d| {
        let village = summary.village_name.clone();
        DispatchView::new(&d, village)
    });
    let form = serde_json::from_str(&app.form_data).map_err(AppError::internal)?;
    let documents = documents::for_application(conn, &app.id)?
        .iter()
        .map(|d| DocumentView::new(d, Some(&t)))
        .collect();
    let proxy = crate::workflow::proxy::view(conn, &app.id)?;
    Ok(ApplicationDetail {
        proxy,
        allowed_actions: allowed_actions(user, &app, &t, returned)
            .into_iter()
            .map(str::to_owned)
            .collect(),
        current_step_name: t
            .step(usize::try_from(app.current_step).unwrap_or(0))
            .map(|s| s.name_zh.clone()),
        summary,
        form,
        delivery: DeliveryView {
            method: app.delivery_method.clone(),
            recipient: app.delivery_recipient.clone(),
            phone: app.delivery_phone.clone(),
            address: app.delivery_address.clone(),
        },
        events,
        certificate,
        dispatch,
        documents,
        roster_check: crate::db::rosters::check_of(conn, &app.id)?.map(|r| RosterCheckView {
            outcome: r.outcome,
            reason: r.reason_zh,
            reason_en: r.reason_en,
            checked_at: r.checked_at.and_utc(),
        }),
    })
}

/// The end of the next working day after `now`: a node due by then is at risk.
pub fn at_risk_until(c: &mut crate::db::DbConn, now: NaiveDateTime) -> AppResult<NaiveDateTime> {
    Ok(crate::db::catalog::calendar(c)?.at_risk_until(now))
}
