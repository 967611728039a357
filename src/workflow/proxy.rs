//! Applying for someone else (代办, issue 16): a resident for a relative, or a village
//! agent (or a village official acting as one) for a villager. The subject must agree:
//! a code sent to their own phone and read out, or a photographed signed authorisation
//! (委托书) that the village official checks at the first step. Without it the case
//! cannot be submitted; once it is, the subject gets an SMS, so misuse is seen.

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::auth::{CurrentUser, Scope};
use crate::crypto::DataKeys;
use crate::db::models::{now, Application, ApplicationProxy};
use crate::db::{applications, documents, id_numbers, proxies, users, DbConn};
use crate::domain::id_number::IdNumber;
use crate::domain::phone::Phone;
use crate::domain::proxy::{self, Consent, Relationship, AUTHORISATION_KIND};
use crate::domain::role::{Level, Role};
use crate::domain::status::ApplicationStatus;
use crate::domain::Invalid;
use crate::error::{AppError, AppResult};
use crate::notify::outbox;
use crate::state::AppState;

/// What the applicant says about the subject beyond name and ID number, as parsed.
#[derive(Default, Clone)]
pub struct ProxyInput {
    pub phone: Option<Phone>,
    /// Code from `domain::proxy::RELATIONSHIPS`, not yet checked (whether it is needed
    /// depends on who applies for whom).
    pub relationship: Option<String>,
    pub relationship_note: Option<String>,
}

/// Whether the user may apply at all: a resident, or an agent or official of a village
/// (an agent of a township or county has no villagers of their own).
pub fn may_apply(user: &CurrentUser) -> AppResult<()> {
    user.require_role(Role::APPLICANTS)?;
    match (user.role, &user.jurisdiction) {
        (Role::Resident, _) | (_, Some((_, Level::Village))) => Ok(()),
        _ => Err(AppError::forbidden(
            "只有村（社区）的代办员或经办人可以代村民申请",
            "Only a village agent or village official may apply for a villager",
        )),
    }
}

/// The village an agent (or a village official acting as one) applies in: their own.
/// Anyone else on staff cannot apply.
pub fn check_agent_village(user: &CurrentUser, village: &str) -> AppResult<()> {
    match (user.role, &user.jurisdiction) {
        (Role::Resident, _) => Ok(()),
        (Role::Agent | Role::Official, Some((code, Level::Village))) if code == village => Ok(()),
        (Role::Agent | Role::Official, Some((_, Level::Village))) => Err(AppError::forbidden(
            "代办只能为本村（社区）的村民申请",
            "An agent applies only for residents of their own village",
        )),
        _ => Err(AppError::forbidden(
            "只有村（社区）的代办员或经办人可以代村民申请",
            "Only a village agent or village official may apply for a villager",
        )),
    }
}

/// Whether the signed-in user applies as an agent (staff) rather than for themself.
pub fn is_agent(user: &CurrentUser) -> bool {
    matches!(user.role, Role::Agent | Role::Official)
}

/// The proxy row a new or edited draft needs, or `None` when the subject is the
/// resident applying (`own_index`: the blind index of their own ID number).
pub fn plan(
    conn: &mut DbConn,
    keys: &DataKeys,
    user: &CurrentUser,
    own_index: Option<&str>,
    subject: &IdNumber,
    input: &ProxyInput,
    app: &Application,
) -> AppResult<Option<ApplicationProxy>> {
    let index = keys.blind_index(subject.as_str());
    let agent = is_agent(user);
    if !agent && own_index == Some(index.as_str()) {
        return Ok(None);
    }
    let relationship = if agent {
        None
    } else {
        Some(
            Relationship::parse(
                input.relationship.as_deref().unwrap_or(""),
                input.relationship_note.as_deref(),
            )
            .map_err(|e| AppError::field("subject.relationship", e))?,
        )
    };
    // A registered resident is found by the ID number's blind index, as staff search
    // does: their own phone gets the consent code and the notice, whatever was typed.
    let registered = id_numbers::user_with_index(conn, &index)?
        .filter(|u| u.role == Role::Resident.as_str() && u.status == "active")
        .map(|u| u.phone);
    let subject_phone = registered.or_else(|| input.phone.as_ref().map(|p| p.as_str().to_owned()));
    Ok(Some(ApplicationProxy {
        application_id: app.id.clone(),
        agent_id: agent.then(|| user.id.clone()),
        relationship: relationship.as_ref().map(|r| r.code().to_owned()),
        relationship_note: relationship
            .as_ref()
            .and_then(|r| r.note().map(str::to_owned)),
        subject_phone,
        consent: None,
        consent_at: None,
        consent_code_id: None,
        village_code: app.village_code.clone(),
        created_at: now(),
    }))
}

/// Stores the plan for a draft: a new row, a changed one (which drops any consent
/// given: it was for another person, phone or relationship), or none.
pub fn store_plan(
    conn: &mut DbConn,
    app_id: &str,
    plan: Option<ApplicationProxy>,
    subject_changed: bool,
) -> AppResult<()> {
    let old = proxies::of_application(conn, app_id)?;
    match (old, plan) {
        (None, None) => {}
        (Some(_), None) => proxies::delete(conn, app_id)?,
        (None, Some(p)) => proxies::insert(conn, &p)?,
        (Some(old), Some(mut p)) => {
            let same = !subject_changed
                && old.subject_phone == p.subject_phone
                && old.relationship == p.relationship
                && old.relationship_note == p.relationship_note
                && old.agent_id == p.agent_id;
            if same {
                p = old;
            } else {
                p.created_at = old.created_at;
            }
            proxies::save(conn, &p)?;
        }
    }
    Ok(())
}

/// A case the caller applied for (themself, or as agent): what only the applicant may
/// do (edit, upload, submit, withdraw). A resident or agent does not find another's
/// case (404); a village official, who sees the village's cases, is refused (403).
pub fn own_case(conn: &mut DbConn, user: &CurrentUser, app_id: &str) -> AppResult<Application> {
    user.require_role(Role::APPLICANTS)?;
    match applications::find(conn, app_id, &applicant_scope(user))? {
        Some(a) => check_applicant(user, a),
        None if user.role == Role::Official => Err(not_applicant()),
        None => Err(AppError::not_found()),
    }
}

/// As [`own_case`], for the applicant's actions (submit, withdraw, resubmit), which
/// answer as they always did: a case outside the caller's scope is not found (404),
/// one inside it that they did not apply for is refused (403).
pub fn own_case_to_act_on(
    conn: &mut DbConn,
    user: &CurrentUser,
    app_id: &str,
) -> AppResult<Application> {
    if let Some(a) = applications::find(conn, app_id, &applicant_scope(user))? {
        return check_applicant(user, a);
    }
    match applications::find(conn, app_id, &Scope::of(user))? {
        Some(a) => check_applicant(user, a),
        None => Err(AppError::not_found()),
    }
}

/// Where the caller's own applications are: a village official's scope hides drafts
/// (they are the applicant's business), so one acting as agent looks among their own.
pub fn applicant_scope(user: &CurrentUser) -> Scope {
    match user.role {
        Role::Official => Scope::Own(user.id.clone()),
        _ => Scope::of(user),
    }
}

/// `app` (found in the caller's scope) if the caller applied for it.
pub fn check_applicant(user: &CurrentUser, app: Application) -> AppResult<Application> {
    user.require_role(Role::APPLICANTS)?;
    if app.applicant_id == user.id {
        Ok(app)
    } else if user.role == Role::Official {
        Err(not_applicant())
    } else {
        Err(AppError::not_found())
    }
}

fn not_applicant() -> AppError {
    AppError::forbidden(
        "只有申请人（或代办人）可以办理这一步",
        "Only the applicant (or the agent who applied) may do this",
    )
}

/// The caller's own case made for someone else, while it can still be changed.
fn own_proxy_draft(
    conn: &mut DbConn,
    user: &CurrentUser,
    app_id: &str,
) -> AppResult<(Application, ApplicationProxy)> {
    let app = own_case(conn, user, app_id)?;
    if !matches!(
        ApplicationStatus::parse(&app.status),
        Some(ApplicationStatus::Draft | ApplicationStatus::Returned)
    ) {
        return Err(AppError::conflict(
            "申请已提交，不需要再取得当事人同意",
            "The application was submitted; consent is no longer asked for",
        ));
    }
    let p = proxies::of_application(conn, &app.id)?.ok_or_else(|| {
        AppError::conflict(
            "这份申请是为本人办理的，不需要他人同意",
            "This application is about yourself; nobody else's consent is needed",
        )
    })?;
    Ok((app, p))
}

/// Sends the consent code for a draft to the subject's phone (the text names who
/// applies and for which certificate). Only the newest code sent for the draft works.
pub async fn send_code(
    state: &AppState,
    user: &CurrentUser,
    app_id: &str,
    client: &str,
) -> AppResult<()> {
    let limits = (
        state.settings.sms_code_daily_per_phone.max(1),
        state.settings.sms_code_daily_per_client.max(1),
    );
    let (u, id, client) = (user.clone(), app_id.to_owned(), client.to_owned());
    state
        .db
        .write(move |c| {
            let (app, mut p) = own_proxy_draft(c, &u, &id)?;
            let phone = p.subject_phone.clone().ok_or_else(|| {
                AppError::field(
                    "subject.phone",
                    Invalid::new(
                        "当事人没有登记手机号：请填写当事人的手机号，或上传当事人签字的委托书照片",
                        "The person has no phone on record: enter their phone, or upload a photo of the authorisation they signed",
                    ),
                )
            })?;
            let t = super::drafts::load_case_type(c, &app)?;
            let account = users::by_id(c, &u.id)?;
            // A code sent to the applicant's own phone would let them consent for the
            // person (an unregistered subject's phone is whatever was typed).
            if account.as_ref().is_some_and(|a| a.phone == phone) {
                return Err(AppError::field(
                    "subject.phone",
                    Invalid::new(
                        "同意验证码要发到当事人本人的手机，不能发到您自己的手机；当事人没有手机的，请上传其签字的委托书照片",
                        "The consent code must go to the person's own phone, not yours; if they have no phone, upload a photo of the authorisation they signed",
                    ),
                ));
            }
            let applicant = account.map(|a| a.name).unwrap_or_default();
            let at = now();
            let code_id = super::sms_codes::issue_for_case(
                c,
                &phone,
                &client,
                limits,
                at,
                &json!({ "applicant": applicant, "type_name": t.name_zh }),
            )?;
            p.consent_code_id = Some(code_id);
            if p.consent.as_deref() == Some(Consent::Sms.as_str()) {
                // A new code asked for: the one given before no longer counts.
                p.consent = None;
                p.consent_at = None;
            }
            proxies::save(c, &p)?;
            Ok(())
        })
        .await
}

/// Records the subject's consent by the code they read out. A wrong code counts as a
/// try (at most five per code) and changes nothing else.
pub async fn confirm_code(
    state: &AppState,
    user: &CurrentUser,
    app_id: &str,
    code: &str,
) -> AppResult<()> {
    let (u, id, code) = (user.clone(), app_id.to_owned(), code.to_owned());
    state
        .db
        .with_writer(move |conn| {
            conn.write_tx(|c| -> AppResult<AppResult<()>> {
                // Whose draft it is first: nobody else learns even how a code looks.
                let (_, mut p) = own_proxy_draft(c, &u, &id)?;
                let code = match super::sms_codes::parse_code(&code) {
                    Ok(code) => code,
                    Err(e) => return Ok(Err(AppError::field("code", e))),
                };
                let (Some(code_id), Some(phone)) =
                    (p.consent_code_id.clone(), p.subject_phone.clone())
                else {
                    return Ok(Err(super::sms_codes::bad_code()));
                };
                let at = now();
                if let Err(e) = super::sms_codes::try_bound_code(c, &code_id, &phone, &code, at)? {
                    return Ok(Err(e));
                }
                p.consent = Some(Consent::Sms.as_str().into());
                p.consent_at = Some(at);
                proxies::save(c, &p)?;
                Ok(Ok(()))
            })?
        })
        .await
}

/// At submit: a case made for someone else needs their consent — a confirmed code, or
/// an authorisation photo (recorded as the consent here, checked by the official).
pub fn check_consent(
    conn: &mut DbConn,
    app: &Application,
    at: chrono::NaiveDateTime,
) -> AppResult<()> {
    let Some(mut p) = proxies::of_application(conn, &app.id)? else {
        return Ok(());
    };
    if p.consent.as_deref() == Some(Consent::Sms.as_str()) {
        return Ok(());
    }
    let (photos, _) = documents::counts(conn, &app.id, AUTHORISATION_KIND)?;
    if photos == 0 {
        let mut fields = std::collections::BTreeMap::new();
        fields.insert("consent".to_owned(), proxy::no_consent());
        return Err(AppError::Validation(fields));
    }
    if p.consent.as_deref() != Some(Consent::Authorisation.as_str()) {
        p.consent = Some(Consent::Authorisation.as_str().into());
        p.consent_at = Some(at);
        proxies::save(conn, &p)?;
    }
    Ok(())
}

/// After a submit: the subject hears of it on their own phone (if they have one).
pub fn notify_subject(conn: &mut DbConn, app: &Application, type_name: &str) -> AppResult<()> {
    let Some(p) = proxies::of_application(conn, &app.id)? else {
        return Ok(());
    };
    let Some(phone) = &p.subject_phone else {
        return Ok(());
    };
    let applicant = users::by_id(conn, &app.applicant_id)?
        .map(|a| a.name)
        .unwrap_or_default();
    let params = json!({ "applicant": applicant, "type_name": type_name, "number": app.number });
    outbox::queue(
        conn,
        "sms",
        phone,
        outbox::ABOUT_YOU,
        &outbox::sms_params(&params),
        Some(&app.id),
    )?;
    Ok(())
}

/// Whether approving the case's current step needs the official to confirm they
/// checked the signed authorisation: the first step of a case consented that way.
pub fn needs_authorisation_check(conn: &mut DbConn, app: &Application) -> AppResult<bool> {
    if app.current_step != 0 {
        return Ok(false);
    }
    Ok(proxies::of_application(conn, &app.id)?
        .is_some_and(|p| p.consent.as_deref() == Some(Consent::Authorisation.as_str())))
}

pub fn unchecked_authorisation() -> AppError {
    AppError::field(
        "authorisation_checked",
        Invalid::new(
            "本申请凭委托书代办：请先核对当事人签字的委托书照片，并勾选“已核对委托书”",
            "This application was made with a signed authorisation: check the photo and confirm you did (authorisation_checked)",
        ),
    )
}

/// How a case was made for someone else, as the case view shows it.
#[derive(Serialize, ToSchema, Clone)]
pub struct ProxyView {
    /// `代办：<agent>` when an agent applied (staff see the agent's name).
    pub agent_name: Option<String>,
    /// The applicant's relationship to the subject (a resident applying), e.g. `parent`.
    pub relationship: Option<String>,
    /// The relationship in Chinese (the note for `other`).
    pub relationship_label: Option<String>,
    /// `sms`, `authorisation`, or null while not given yet.
    pub consent: Option<String>,
    pub consent_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The label the case shows: `代办：<agent>` or `为他人申请（<relationship>）`.
    pub label: String,
}

pub fn view(conn: &mut DbConn, app_id: &str) -> AppResult<Option<ProxyView>> {
    let Some((p, agent_name)) = proxies::with_agent_name(conn, app_id)? else {
        return Ok(None);
    };
    let relationship_label = p.relationship.as_deref().map(|r| {
        p.relationship_note
            .clone()
            .unwrap_or_else(|| proxy::relationship_label(r, true).to_owned())
    });
    let label = match (&agent_name, &relationship_label) {
        (Some(a), _) => format!("代办：{a}"),
        (None, Some(r)) => format!("为他人申请（{r}）"),
        (None, None) => "为他人申请".to_owned(),
    };
    Ok(Some(ProxyView {
        agent_name,
        relationship: p.relationship,
        relationship_label,
        consent: p.consent,
        consent_at: p.consent_at.map(|t| t.and_utc()),
        label,
    }))
}
