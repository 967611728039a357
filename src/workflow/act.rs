//! Actions on an application: submit, withdraw, resubmit (applicant); accept, return,
//! reject, approve, collect (official). The last approval issues the certificate.

use crate::auth::{CurrentUser, Scope};
use crate::db::models::{now, Application, RosterCheck};
use crate::db::{applications, catalog, dispatches, rosters, Db, DbConn};
use crate::domain::cert_type::{CertificateType, Level as StepLevel};
use crate::domain::role::{Level, Role};
use crate::domain::status::{next_status, Action, ApplicationStatus};
use crate::domain::text;
use crate::error::{AppError, AppResult};
use crate::notify::outbox;
use diesel::Connection;
use serde_json::json;

use super::issue::{IssueError, Issuing, Prepared};
use super::{save_transition, stamp_deadlines, EventInput, Services, SharedServices};

#[derive(Clone)]
pub struct ActInput {
    pub action: Action,
    pub reason: Option<String>,
    pub version: i32,
    /// The official checked the signed authorisation (委托书) of a case made for
    /// someone else: required to approve its first step (issue 16).
    pub authorisation_checked: bool,
}

/// Tries of an action that issues: the first finds what the certificate will say, the
/// PDF is drawn outside the transaction, the second records it; if the number moved
/// meanwhile (another approval of the office took it), the second draws inside instead
/// (see `Issuing::inline`). More tries outside only redraw for a number that keeps
/// moving while the office is busy: in the benchmark (64 approvals at once, 15 offices)
/// four tries gave 30 approvals a second, each one drawn up to four times.
const ATTEMPTS: usize = 2;

/// Runs [`act`] in a write transaction of its own (on SQLite in the writer's group
/// commit); the API and the pages both act through here. A last approval takes two tries: the first decides the
/// certificate and rolls back, the PDF is drawn and stored with no lock held, the second
/// records it (see [`super::issue`]). A stored PDF no committed row references is
/// removed here.
pub async fn run(
    db: &Db,
    svc: &SharedServices,
    user: &CurrentUser,
    id: &str,
    input: ActInput,
) -> AppResult<Application> {
    let mut prepared: Option<Prepared> = None;
    for attempt in 1..=ATTEMPTS {
        let stored = prepared
            .as_ref()
            .and_then(|p| p.blob_key())
            .map(str::to_owned);
        let (s, u, i, inp) = (svc.clone(), user.clone(), id.to_owned(), input.clone());
        // Through the group commit (`Db::write`): the answer comes after the COMMIT.
        // The action itself is a savepoint inside, so a refused action keeps nothing
        // while the prepared PDF's fate still reaches this loop.
        let tried = db
            .write(move |c| {
                let mut issuing = Issuing {
                    prepared,
                    used: false,
                    inline: attempt == ATTEMPTS,
                    stale: None,
                };
                let result = c.write_tx(|c| act(c, &s, &u, &i, inp, &mut issuing));
                let last = issuing.prepared.as_ref().and_then(|p| p.blob_key());
                let last = last.map(str::to_owned);
                Ok::<_, AppError>((result, issuing.used, last, issuing.stale))
            })
            .await;
        // If the group's COMMIT failed, a PDF drawn inline is left to the sweep of
        // blobs without a row.
        let (result, used, last, stale) = match tried {
            Ok(r) => r,
            Err(e) => {
                forget(svc, stored).await;
                return Err(e);
            }
        };
        forget(svc, stale).await;
        if used && result.is_ok() {
            svc.metrics.certificates_issued(1);
        } else {
            forget(svc, last).await;
        }
        match result {
            Ok(app) => return Ok(app),
            Err(IssueError::NeedsPdf(draft)) => {
                prepared = Some(super::issue::prepare(svc, *draft).await?);
            }
            Err(e) => return Err(e.into()),
        }
    }
    forget(
        svc,
        prepared
            .as_ref()
            .and_then(|p| p.blob_key())
            .map(str::to_owned),
    )
    .await;
    Err(AppError::conflict(
        "同时办结的证明较多，请稍后重试",
        "Many certificates are being issued at this moment; please try again",
    ))
}

/// Removes a prepared PDF no row references.
async fn forget(svc: &SharedServices, key: Option<String>) {
    if let Some(key) = key {
        if let Err(e) = svc.blobs.delete_async(&key).await {
            tracing::warn!(key = %key, error = %e, "unused certificate blob not removed");
        }
    }
}

/// Applies one action in the caller's write transaction; a certificate it issues comes
/// from `issuing` (or the action stops with [`IssueError::NeedsPdf`]).
fn act(
    conn: &mut DbConn,
    svc: &Services,
    user: &CurrentUser,
    id: &str,
    input: ActInput,
    issuing: &mut Issuing,
) -> Result<Application, IssueError> {
    let action = input.action;
    let mut app = if action.by_applicant() {
        super::proxy::own_case_to_act_on(conn, user, id)?
    } else {
        let app =
            applications::find(conn, id, &Scope::of(user))?.ok_or_else(AppError::not_found)?;
        user.require_role(&[Role::Official])?;
        // An official who applied as agent does not also decide the case.
        if app.applicant_id == user.id {
            return Err(AppError::forbidden(
                "您是这份申请的代办人，不能审批自己代办的申请",
                "You applied for this case as agent; another official must decide it",
            )
            .into());
        }
        app
    };
    let t = super::drafts::load_case_type(conn, &app)?;
    let step_index = usize::try_from(app.current_step).unwrap_or(usize::MAX);
    if action.by_official() {
        check_official_level(user, &app, &t, step_index, action)?;
    }
    if input.version != app.version {
        return Err(AppError::stale().into());
    }
    let reason = match &input.reason {
        Some(r) if !r.trim().is_empty() => Some(
            text::required(r, "原因", "The reason", 500)
                .map_err(|e| AppError::field("reason", e))?,
        ),
        _ if action.requires_reason() => {
            return Err(AppError::field(
                "reason",
                crate::domain::Invalid::new(
                    format!("{}时必须填写原因", action.label_zh()),
                    format!(
                        "A reason is required to {}",
                        action.label_en().to_lowercase()
                    ),
                ),
            )
            .into())
        }
        _ => None,
    };
    let from =
        ApplicationStatus::parse(&app.status).ok_or_else(|| AppError::internal("bad status"))?;
    let effective_from = collect_from(conn, &app, from, action)?;
    let last_step = t.is_last_step(step_index);
    let to = next_status(effective_from, action, last_step).map_err(AppError::Conflict)?;

    let at = now();
    let cal = catalog::calendar(conn)?;
    let acted_node_deadline = action.by_official().then_some(app.node_deadline);
    let mut verdict = None;
    match action {
        Action::Submit | Action::Resubmit => {
            // The roster the type relies on, if any, fills the form and spares the
            // documents it proves (issue 16); it is asked at each submission.
            let mut form = parse_form(&app)?;
            let rule = super::rosters::rule_of(&t);
            if let (Some(rule), Some(map)) = (rule, form.as_object_mut()) {
                let v = super::rosters::look_up(conn, &super::rosters::Subject::of(&app), rule)?;
                super::rosters::log_look_up(conn, &user.id, &app.id, rule, &v)?;
                if v.outcome.confirms() {
                    super::rosters::fill_form(rule, &v, map);
                }
                verdict = Some(v);
            }
            // The type may have changed since the draft was saved.
            let form = super::drafts::validate_form(&t, &form).map_err(AppError::Validation)?;
            app.form_data = serde_json::Value::Object(form).to_string();
            let mut missing = super::documents::missing_required(conn, &app, &t)?;
            if let (Some(rule), Some(v)) = (rule, &verdict) {
                if v.outcome.confirms() {
                    missing.retain(|k, _| {
                        !rule
                            .proves_documents
                            .iter()
                            .any(|d| k.strip_prefix("documents.") == Some(d.as_str()))
                    });
                }
            }
            if !missing.is_empty() {
                return Err(AppError::Validation(missing).into());
            }
            // For someone else: not without their consent.
            super::proxy::check_consent(conn, &app, at)?;
            // Each submission sends an SMS: a daily quota per account.
            let quota = svc.quotas.submits_per_day;
            super::quota::take(conn, super::quota::Kind::Submit, &user.id, quota, at)?;
            // A case keeps the catalogue version it was first submitted under (its form,
            // limits and certificate text); a draft followed the current one until now.
            if from == ApplicationStatus::Draft {
                app.type_version = crate::db::type_versions::current_version(conn, &app.type_code)?
                    .ok_or_else(AppError::not_found)?;
            }
            // The office's clock (re)starts now: time with the resident does not count.
            app.current_step = 0;
            app.submitted_at = Some(at);
            app.node_started_at = at;
            stamp_deadlines(&mut app, &t, &cal)?;
        }
        Action::Approve
            if !input.authorisation_checked
                && super::proxy::needs_authorisation_check(conn, &app)? =>
        {
            return Err(super::proxy::unchecked_authorisation().into());
        }
        _ => {}
    }
    let reason = match (reason, action, input.authorisation_checked) {
        (None, Action::Approve, true) if super::proxy::needs_authorisation_check(conn, &app)? => {
            Some("已核对当事人签字的委托书".to_owned())
        }
        (r, _, _) => r,
    };
    match action {
        Action::Approve if !last_step => {
            app.current_step += 1;
            app.node_started_at = at;
            stamp_deadlines(&mut app, &t, &cal)?;
        }
        _ => {}
    }
    let event = EventInput {
        action: action.as_str(),
        from: Some(from.as_str()),
        to: to.as_str(),
        step: Some(i32::try_from(step_index).unwrap_or(0)),
        actor_id: Some(&user.id),
        actor_role: user.role.as_str(),
        reason: reason.as_deref(),
        at,
        node_deadline: acted_node_deadline,
    };
    if to == ApplicationStatus::Approved {
        // The last approval issues the certificate in a savepoint: a certificate that
        // cannot be drawn undoes the approval and its number, and the case stays with
        // the office, flagged, instead of the request failing on every try.
        let before = app.clone();
        let issued = conn.transaction(|c| approve_and_issue(c, svc, &mut app, &t, event, issuing));
        return match issued {
            Ok(()) => Ok(app),
            Err(IssueError::Unprintable(chars)) => {
                let mut app = before;
                super::issue_blocked::flag(conn, &mut app, user, step_index, &chars, at)?;
                Ok(app)
            }
            Err(e) => Err(e),
        };
    }
    save_transition(conn, &mut app, event)?;
    // The roster confirms the facts, not the person's consent: a case made on a signed
    // authorisation waits for the village office to check the photo, roster or not.
    if let Some(v) = verdict.as_mut() {
        if v.outcome == crate::domain::roster::Outcome::Instant
            && super::proxy::needs_authorisation_check(conn, &app)?
        {
            v.outcome = crate::domain::roster::Outcome::Confirmed;
            v.reason
                .zh
                .push_str("；本申请凭委托书代办，须村（社区）核对委托书后办理");
            v.reason.en.push_str(
                "; made on a signed authorisation, which the village office checks first",
            );
        }
    }
    let instant = verdict
        .as_ref()
        .is_some_and(|v| v.outcome == crate::domain::roster::Outcome::Instant);
    // Where the county keeps no roster of the kind, nothing was checked: no row to
    // show the official (it would say the same on every case of the county).
    if let Some(v) = verdict
        .as_ref()
        .filter(|v| v.outcome != crate::domain::roster::Outcome::NoRoster)
    {
        rosters::save_check(
            conn,
            &RosterCheck {
                application_id: app.id.clone(),
                import_id: v.import_id.clone(),
                outcome: v.outcome.as_str().to_owned(),
                reason_zh: v.reason.zh.clone(),
                reason_en: v.reason.en.clone(),
                checked_at: at,
            },
        )?;
    }
    let to = if instant {
        // The roster's instant approval (秒批) issues in the submit's transaction, in a
        // savepoint: a certificate that cannot be drawn (say, a village name imported
        // with a character no font has) leaves the case submitted for the office to
        // review, where the never-stuck path takes over, instead of refusing the submit.
        let reason = verdict.as_ref().map(|v| v.reason.zh.as_str()).unwrap_or("");
        let before = app.clone();
        let issued = conn.transaction(|c| -> Result<(), IssueError> {
            approve_by_roster(c, &mut app, &t, &cal, reason)?;
            issue_and_tell(c, svc, &mut app, &t, issuing)
        });
        match issued {
            Ok(()) => ApplicationStatus::Approved,
            Err(IssueError::Unprintable(_)) => {
                app = before;
                to
            }
            Err(e) => return Err(e),
        }
    } else {
        to
    };
    // Messages go to the outbox in this transaction: sent if and only if it commits.
    match to {
        ApplicationStatus::Submitted => {
            outbox::to_applicant(
                conn,
                &app,
                outbox::SUBMITTED,
                json!({ "type_name": t.name_zh }),
            )?;
            super::proxy::notify_subject(conn, &app, &t.name_zh)?;
        }
        ApplicationStatus::Returned => {
            outbox::to_applicant(conn, &app, outbox::RETURNED, json!({ "reason": reason }))?
        }
        ApplicationStatus::Rejected => {
            outbox::to_applicant(conn, &app, outbox::REJECTED, json!({ "reason": reason }))?
        }
        _ => {}
    }
    Ok(app)
}

/// The last approval: the transition, the certificate, the message and the dispatch.
fn approve_and_issue(
    conn: &mut DbConn,
    svc: &Services,
    app: &mut Application,
    t: &CertificateType,
    event: EventInput<'_>,
    issuing: &mut Issuing,
) -> Result<(), IssueError> {
    save_transition(conn, app, event)?;
    issue_and_tell(conn, svc, app, t, issuing)
}

/// The approval path, whoever approved: certificate, message, dispatch.
fn issue_and_tell(
    conn: &mut DbConn,
    svc: &Services,
    app: &mut Application,
    t: &CertificateType,
    issuing: &mut Issuing,
) -> Result<(), IssueError> {
    super::issue::issue(conn, svc, app, t, issuing)?;
    let cert = dispatches::certificate_of(conn, &app.id)?
        .ok_or_else(|| AppError::internal("issued without certificate"))?;
    outbox::to_applicant(
        conn,
        app,
        outbox::APPROVED,
        json!({ "certificate_number": cert.number }),
    )?;
    if app.delivery_method == "courier" {
        super::dispatch::create(conn, app)?;
    }
    Ok(())
}

/// The system approves a case its roster confirmed (秒批), in the submit's
/// transaction: accepts it and approves every step, each event by "system" with the
/// reason citing the roster, its source and date. Returns the status reached.
fn approve_by_roster(
    conn: &mut DbConn,
    app: &mut Application,
    t: &CertificateType,
    cal: &crate::domain::calendar::WorkCalendar,
    reason: &str,
) -> AppResult<ApplicationStatus> {
    let at = now();
    let mut from = ApplicationStatus::Submitted;
    let mut action = Action::Accept;
    loop {
        let step = usize::try_from(app.current_step).unwrap_or(usize::MAX);
        if t.step(step).is_none() {
            return Err(AppError::internal("the case's step is not in its type"));
        }
        let last = t.is_last_step(step);
        let to = next_status(from, action, last).map_err(AppError::Conflict)?;
        let node_deadline = app.node_deadline;
        if action == Action::Approve && !last {
            app.current_step += 1;
            app.node_started_at = at;
            stamp_deadlines(app, t, cal)?;
        }
        save_transition(
            conn,
            app,
            EventInput {
                action: action.as_str(),
                from: Some(from.as_str()),
                to: to.as_str(),
                step: Some(i32::try_from(step).unwrap_or(0)),
                actor_id: None,
                actor_role: "system",
                reason: Some(reason),
                at,
                node_deadline: Some(node_deadline),
            },
        )?;
        if to == ApplicationStatus::Approved {
            return Ok(to);
        }
        from = to;
        action = Action::Approve;
    }
}

/// A certificate that came back after failed deliveries can still be collected at the
/// office: the application is `dispatched`, the dispatch `returned`.
fn collect_from(
    conn: &mut DbConn,
    app: &Application,
    from: ApplicationStatus,
    action: Action,
) -> AppResult<ApplicationStatus> {
    if action == Action::Collect && from == ApplicationStatus::Dispatched {
        if let Some(d) = dispatches::by_application(conn, &app.id)? {
            if d.status == "returned" {
                return Ok(ApplicationStatus::Issued);
            }
        }
    }
    if action == Action::Collect
        && from == ApplicationStatus::Issued
        && app.delivery_method != "pickup"
    {
        return Err(AppError::conflict(
            "该证明将由投递员送达，不能在窗口领取",
            "This certificate is being delivered by courier",
        ));
    }
    Ok(from)
}

fn parse_form(app: &Application) -> AppResult<serde_json::Value> {
    serde_json::from_str(&app.form_data).map_err(AppError::internal)
}

/// Each step belongs to one office: the village's officials for a village step, the
/// township's for a township step. Collecting happens at the issuing township.
fn check_official_level(
    user: &CurrentUser,
    app: &Application,
    t: &CertificateType,
    step_index: usize,
    action: Action,
) -> AppResult<()> {
    let (level, code) = if action == Action::Collect {
        (Level::Township, &app.township_code)
    } else {
        match t.step(step_index).map(|s| s.level) {
            Some(StepLevel::Village) => (Level::Village, &app.village_code),
            _ => (Level::Township, &app.township_code),
        }
    };
    match &user.jurisdiction {
        Some((c, l)) if *l == level && c == code => Ok(()),
        _ => Err(AppError::forbidden(
            if level == Level::Village {
                "此环节应由申请人所在村（社区）的经办人办理"
            } else {
                "此环节应由申请人所在乡镇（街道）的经办人办理"
            },
            if level == Level::Village {
                "This step belongs to an official of the applicant's village"
            } else {
                "This step belongs to an official of the applicant's township"
            },
        )),
    }
}

/// The actions `user` could take on `app` now (for pages and clients to offer).
pub fn allowed_actions(
    user: &CurrentUser,
    app: &Application,
    t: &CertificateType,
    dispatch_returned: bool,
) -> Vec<&'static str> {
    let Some(mut from) = ApplicationStatus::parse(&app.status) else {
        return Vec::new();
    };
    let step_index = usize::try_from(app.current_step).unwrap_or(usize::MAX);
    let last = t.is_last_step(step_index);
    let mut out = Vec::new();
    for action in [
        Action::Submit,
        Action::Withdraw,
        Action::Resubmit,
        Action::Accept,
        Action::Return,
        Action::Reject,
        Action::Approve,
        Action::Collect,
    ] {
        let role_ok = if action.by_applicant() {
            Role::APPLICANTS.contains(&user.role) && user.id == app.applicant_id
        } else {
            user.role == Role::Official
                && user.id != app.applicant_id
                && check_official_level(user, app, t, step_index, action).is_ok()
        };
        if action == Action::Collect {
            if from == ApplicationStatus::Dispatched && dispatch_returned {
                from = ApplicationStatus::Issued;
            } else if app.delivery_method != "pickup" {
                continue;
            }
        }
        if role_ok && next_status(from, action, last).is_ok() {
            out.push(action.as_str());
        }
    }
    out
}
