//! A resident creates and edits a draft (also a returned application, for 补正).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::auth::CurrentUser;
use crate::crypto::DataKeys;
use crate::db::models::{new_id, now, Application};
use crate::db::{applications, catalog, users, DbConn};
use crate::domain::cert_type::CertificateType;
use crate::domain::id_number::IdNumber;
use crate::domain::phone::Phone;
use crate::domain::role::{parents_of_village, Role};
use crate::domain::status::ApplicationStatus;
use crate::domain::{text, Invalid};
use crate::error::{AppError, AppResult, Fields};

/// How the paper certificate reaches the resident.
#[derive(Debug, Clone)]
pub enum Delivery {
    Courier {
        recipient: String,
        phone: Phone,
        address: String,
    },
    Pickup,
}

// The delivery choice as sent (the API's JSON, the page's form), not yet checked. (A
// `//` comment: a doc comment would change the published schema.)
#[derive(Deserialize, ToSchema, Default)]
pub struct DeliveryInput {
    /// `courier` or `pickup`.
    pub method: Option<String>,
    pub recipient: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
}

impl DeliveryInput {
    /// The choice, and for courier delivery the recipient, phone and address; problems
    /// go into `f` under `delivery.*`.
    pub fn parse(self, f: &mut Fields) -> Option<Delivery> {
        match self.method.as_deref().map(str::trim) {
            Some("pickup") => Some(Delivery::Pickup),
            Some("courier") => {
                let recipient = f.take(
                    "delivery.recipient",
                    text::person_name(self.recipient.as_deref().unwrap_or("")),
                );
                let phone = f.take(
                    "delivery.phone",
                    Phone::parse(self.phone.as_deref().unwrap_or("")),
                );
                let address = f.take(
                    "delivery.address",
                    text::required(
                        self.address.as_deref().unwrap_or(""),
                        "送达地址",
                        "The delivery address",
                        200,
                    ),
                );
                Some(Delivery::Courier {
                    recipient: recipient?,
                    phone: phone?,
                    address: address?,
                })
            }
            _ => {
                f.add(
                    "delivery.method",
                    Invalid::new(
                        "请选择领取方式：邮寄送达（courier）或窗口自取（pickup）",
                        "Choose delivery: courier or pickup",
                    ),
                );
                None
            }
        }
    }
}

// The person the certificate is about, as sent; what is absent defaults to the
// resident (see `create`). Not a doc comment, as for `DeliveryInput`.
#[derive(Deserialize, ToSchema, Default)]
pub struct SubjectInput {
    pub name: Option<String>,
    pub id_number: Option<String>,
    /// The subject's phone, if they have one (applying for someone else): the consent
    /// code and the notice of each submission go there. A registered resident's own
    /// phone is used instead.
    pub phone: Option<String>,
    /// A resident applying for someone else: `spouse`, `parent`, `child`, `sibling`,
    /// `grandparent`, `grandchild`, `guardian` or `other` (with `relationship_note`).
    pub relationship: Option<String>,
    pub relationship_note: Option<String>,
}

impl SubjectInput {
    /// The parts about applying for someone else (issue 16); problems go into `f`
    /// under `subject.*`. Call before [`SubjectInput::parse`].
    pub fn proxy(&self, f: &mut Fields) -> super::proxy::ProxyInput {
        let phone = self
            .phone
            .as_deref()
            .filter(|p| !p.trim().is_empty())
            .and_then(|p| f.take("subject.phone", Phone::parse(p)));
        super::proxy::ProxyInput {
            phone,
            relationship: self.relationship.clone().filter(|r| !r.trim().is_empty()),
            relationship_note: self.relationship_note.clone(),
        }
    }

    /// The given name and ID number, each checked; problems go into `f` under
    /// `subject.*`.
    pub fn parse(self, f: &mut Fields) -> (Option<String>, Option<IdNumber>) {
        let name = self
            .name
            .and_then(|n| f.take("subject.name", text::person_name(&n)));
        let id = self
            .id_number
            .and_then(|i| f.take("subject.id_number", IdNumber::parse(&i)));
        (name, id)
    }
}

/// A parsed draft; each part is already valid on its own. Checks that need the
/// database (type exists, village exists, form fits the type) happen in [`create`].
pub struct DraftInput {
    pub type_code: String,
    pub village_code: String,
    /// `None`: the resident's own name.
    pub subject_name: Option<String>,
    /// `None`: the resident's own ID number.
    pub subject_id: Option<IdNumber>,
    pub form: serde_json::Value,
    pub delivery: Delivery,
    /// Applying for someone else: their phone, the relationship.
    pub proxy: super::proxy::ProxyInput,
}

/// The parts a PATCH may change; `None` keeps the stored value.
#[derive(Default)]
pub struct DraftPatch {
    pub subject_name: Option<String>,
    pub subject_id: Option<IdNumber>,
    /// With a subject in the patch: their phone and the relationship.
    pub proxy: Option<super::proxy::ProxyInput>,
    pub form: Option<serde_json::Value>,
    pub delivery: Option<Delivery>,
    pub version: i32,
}

pub fn load_type(conn: &mut DbConn, code: &str) -> AppResult<CertificateType> {
    catalog::type_by_code(conn, code)?.ok_or_else(|| {
        AppError::field(
            "type",
            Invalid::new(
                format!("没有“{code}”这种证明"),
                format!("There is no certificate type '{code}'"),
            ),
        )
    })
}

/// The type as a case reads it: a draft follows the current version (it is pinned when
/// submitted), every other case the version it was submitted under (issue 15).
pub fn load_case_type(conn: &mut DbConn, app: &Application) -> AppResult<CertificateType> {
    if app.status == ApplicationStatus::Draft.as_str() {
        return load_type(conn, &app.type_code);
    }
    crate::db::type_versions::type_at(conn, &app.type_code, app.type_version)?.ok_or_else(|| {
        AppError::internal(format!(
            "version {} of type {} is missing",
            app.type_version, app.type_code
        ))
    })
}

/// The type's checks of the form, with the errors keyed `form.<field>` as every caller
/// reports them.
pub fn validate_form(
    t: &CertificateType,
    form: &Value,
) -> Result<Map<String, Value>, BTreeMap<String, Invalid>> {
    t.validate_form(form).map_err(|errors| {
        errors
            .into_iter()
            .map(|(k, v)| (format!("form.{k}"), v))
            .collect()
    })
}

fn check_form(t: &CertificateType, form: &Value) -> AppResult<String> {
    validate_form(t, form)
        .map(|map| Value::Object(map).to_string())
        .map_err(AppError::Validation)
}

fn apply_delivery(app: &mut Application, d: Delivery) {
    match d {
        Delivery::Courier {
            recipient,
            phone,
            address,
        } => {
            app.delivery_method = "courier".into();
            app.delivery_recipient = Some(recipient);
            app.delivery_phone = Some(phone.as_str().to_owned());
            app.delivery_address = Some(address);
        }
        Delivery::Pickup => {
            app.delivery_method = "pickup".into();
            app.delivery_recipient = None;
            app.delivery_phone = None;
            app.delivery_address = None;
        }
    }
}

/// Creates the draft; `drafts_per_day` is the account's daily quota (429 beyond).
pub fn create(
    conn: &mut DbConn,
    keys: &DataKeys,
    user: &CurrentUser,
    input: DraftInput,
    drafts_per_day: i32,
) -> AppResult<Application> {
    user.require_role(Role::APPLICANTS)?;
    super::proxy::check_agent_village(user, &input.village_code)?;
    let account = users::by_id(conn, &user.id)?.ok_or_else(AppError::unauthorized)?;
    if super::proxy::is_agent(user) {
        // An agent applies for a villager, never for themself: who it is must be said.
        let mut f = Fields::default();
        if input.subject_name.is_none() {
            f.add(
                "subject.name",
                Invalid::new("请填写当事人姓名", "Enter the person's name"),
            );
        }
        if input.subject_id.is_none() {
            f.add(
                "subject.id_number",
                Invalid::new("请填写当事人身份证号", "Enter the person's ID number"),
            );
        }
        f.finish()?;
    }
    let own_index = account.id_number_bidx.clone();
    // The subject defaults to the resident themself, as registered.
    let subject_name = input.subject_name.unwrap_or(account.name);
    let subject_id = match input.subject_id {
        Some(i) => i,
        None => IdNumber::parse(
            &account
                .id_number
                .as_deref()
                .map(|v| keys.open(v))
                .transpose()
                .map_err(AppError::internal)?
                .unwrap_or_default(),
        )
        .map_err(|e| AppError::field("subject.id_number", e))?,
    };
    let t = load_type(conn, &input.type_code)?;
    let unknown_village = || {
        AppError::field(
            "jurisdiction",
            Invalid::new(
                "请选择所在的村（社区）",
                "Choose the village (community) you live in",
            ),
        )
    };
    let (county, township) = parents_of_village(&input.village_code).ok_or_else(unknown_village)?;
    let village = catalog::jurisdiction(conn, &input.village_code)?.ok_or_else(unknown_village)?;
    // An inactive village (gone from the official list) keeps its cases but takes no
    // new ones.
    if village.level != "village" || !village.active {
        return Err(unknown_village());
    }
    super::catalogue::require_offered(conn, &t.code, county)?;
    // A subject on the roster the type relies on need not know what it says (a 低保证号):
    // the form is filled from it before it is checked.
    let bidx = keys.blind_index(subject_id.as_str());
    let mut form = input.form;
    let mut looked_up = None;
    if let (Some(rule), Some(map)) = (super::rosters::rule_of(&t), form.as_object_mut()) {
        let subject = super::rosters::Subject {
            name: &subject_name,
            bidx: Some(&bidx),
            county_code: county,
            village_code: &village.code,
        };
        let v = super::rosters::look_up(conn, &subject, rule)?;
        if v.outcome.confirms() {
            super::rosters::fill_form(rule, &v, map);
        }
        looked_up = Some((rule, v));
    }
    let form_data = check_form(&t, &form)?;
    let at = now();
    super::quota::take(
        conn,
        super::quota::Kind::Draft,
        &user.id,
        drafts_per_day,
        at,
    )?;
    let year = chrono::Datelike::year(&crate::domain::calendar::china_date(at.and_utc()));
    let seq = catalog::next_counter(conn, &format!("application:{year}"))?;
    let mut app = Application {
        id: new_id(),
        number: format!("ZM{year}{seq:06}"),
        type_code: t.code.clone(),
        applicant_id: user.id.clone(),
        subject_name,
        subject_id_number: keys.seal(subject_id.as_str()),
        form_data,
        county_code: county.to_owned(),
        township_code: township.to_owned(),
        village_code: village.code,
        delivery_method: String::new(),
        delivery_recipient: None,
        delivery_phone: None,
        delivery_address: None,
        status: ApplicationStatus::Draft.as_str().into(),
        current_step: 0,
        version: 1,
        created_at: at,
        updated_at: at,
        submitted_at: None,
        finished_at: None,
        node_started_at: at,
        node_deadline: at,
        overall_deadline: None,
        deadline_provisional: false,
        subject_id_bidx: Some(bidx),
        type_version: crate::db::type_versions::current_version(conn, &t.code)?.unwrap_or(1),
        issue_blocked: None,
    };
    apply_delivery(&mut app, input.delivery);
    let plan = super::proxy::plan(
        conn,
        keys,
        user,
        own_index.as_deref(),
        &subject_id,
        &input.proxy,
        &app,
    )?;
    applications::insert(conn, &app)?;
    super::proxy::store_plan(conn, &app.id, plan, false)?;
    if let Some((rule, v)) = &looked_up {
        super::rosters::log_look_up(conn, &user.id, &app.id, rule, v)?;
    }
    super::record_event(
        conn,
        &app.id,
        super::EventInput {
            action: "create",
            from: None,
            to: ApplicationStatus::Draft.as_str(),
            step: None,
            actor_id: Some(&user.id),
            actor_role: user.role.as_str(),
            reason: None,
            at,
            node_deadline: None,
        },
    )?;
    Ok(app)
}

pub fn update(
    conn: &mut DbConn,
    keys: &DataKeys,
    user: &CurrentUser,
    id: &str,
    mut patch: DraftPatch,
) -> AppResult<Application> {
    let mut app = super::proxy::own_case(conn, user, id)?;
    let status =
        ApplicationStatus::parse(&app.status).ok_or_else(|| AppError::internal("bad status"))?;
    if !status.editable_by_applicant() {
        return Err(AppError::conflict(
            format!("申请当前状态为“{}”，不能修改", status.label_zh()),
            format!(
                "An application that is {} can no longer be edited",
                status.label_en().to_lowercase()
            ),
        ));
    }
    if patch.version != app.version {
        return Err(AppError::stale());
    }
    if let Some(form) = &patch.form {
        let t = load_case_type(conn, &app)?;
        app.form_data = check_form(&t, form)?;
    }
    if let Some(n) = patch.subject_name {
        app.subject_name = n;
    }
    let subject_changed = patch
        .subject_id
        .as_ref()
        .is_some_and(|i| app.subject_id_bidx.as_deref() != Some(&keys.blind_index(i.as_str())));
    if let Some(i) = &patch.subject_id {
        app.subject_id_number = keys.seal(i.as_str());
        app.subject_id_bidx = Some(keys.blind_index(i.as_str()));
    }
    if patch.subject_id.is_some() || patch.proxy.is_some() {
        // Who the case is about may have changed: so may the need for consent.
        let account = users::by_id(conn, &user.id)?.ok_or_else(AppError::unauthorized)?;
        let subject = match &patch.subject_id {
            Some(i) => i.clone(),
            None => IdNumber::parse(
                &keys
                    .open(&app.subject_id_number)
                    .map_err(AppError::internal)?,
            )
            .map_err(|e| AppError::field("subject.id_number", e))?,
        };
        let proxy_input = match patch.proxy.take() {
            Some(p) => p,
            // Not in the patch: what was said before still holds.
            None => crate::db::proxies::of_application(conn, &app.id)?
                .map(|p| super::proxy::ProxyInput {
                    // Another person's phone does not carry over to a new subject.
                    phone: p
                        .subject_phone
                        .as_deref()
                        .filter(|_| !subject_changed)
                        .and_then(|x| Phone::parse(x).ok()),
                    relationship: p.relationship,
                    relationship_note: p.relationship_note,
                })
                .unwrap_or_default(),
        };
        let plan = super::proxy::plan(
            conn,
            keys,
            user,
            account.id_number_bidx.as_deref(),
            &subject,
            &proxy_input,
            &app,
        )?;
        super::proxy::store_plan(conn, &app.id, plan, subject_changed)?;
        if subject_changed {
            // A signed authorisation is one person's consent: it says nothing about the
            // new subject.
            crate::db::documents::delete_kind(
                conn,
                &app.id,
                crate::domain::proxy::AUTHORISATION_KIND,
            )?;
        }
    }
    if let Some(d) = patch.delivery {
        apply_delivery(&mut app, d);
    }
    app.version += 1;
    app.updated_at = now();
    if !applications::update_if_version(conn, &app, patch.version)? {
        return Err(AppError::stale());
    }
    Ok(app)
}
