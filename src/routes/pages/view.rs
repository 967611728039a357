//! Turning domain data into what the templates show, in one language.

use serde_json::{json, Map, Value};

use super::i18n::{self, Lang};
use crate::domain::cert_type::{CertificateType, FieldKind, FieldSpec, Level};
use crate::domain::dispatch::DispatchStatus;
use crate::domain::status::{Action, ApplicationStatus};
use crate::read_model::views::{ApplicationDetail, DocumentView, EventView};

pub fn pick<'a>(lang: Lang, zh: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

pub fn type_name(lang: Lang, t: &CertificateType) -> String {
    pick(lang, &t.name_zh, &t.name_en).to_owned()
}

pub fn level(lang: Lang, l: Level) -> &'static str {
    match (lang, l) {
        (Lang::Zh, l) => l.label_zh(),
        (Lang::En, Level::Village) => "village (community)",
        (Lang::En, Level::Township) => "township",
    }
}

pub fn status(lang: Lang, s: &str) -> String {
    ApplicationStatus::parse(s)
        .map(|s| pick(lang, s.label_zh(), s.label_en()).to_owned())
        .unwrap_or_else(|| s.to_owned())
}

pub fn action(lang: Lang, a: &str) -> String {
    if a == crate::workflow::issue_blocked::ACTION {
        return i18n::text(lang, "issue_blocked_event").to_owned();
    }
    if a == crate::workflow::urge::ACTION {
        return pick(lang, "督办", "Urged by supervision").to_owned();
    }
    match Action::parse(a) {
        Some(a) => pick(lang, a.label_zh(), a.label_en()).to_owned(),
        // The trail's first event is no action a user takes (the track page says 创建).
        None if a == "create" => pick(lang, "创建", "Created").to_owned(),
        None => a.to_owned(),
    }
}

/// A stored number as a person writes it: 320, not "320.0".
fn number_text(n: &serde_json::Number) -> String {
    match n.as_f64() {
        Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        _ => n.to_string(),
    }
}

pub fn dispatch_status(lang: Lang, s: &str) -> String {
    DispatchStatus::parse(s)
        .map(|s| pick(lang, s.label_zh(), s.label_en()).to_owned())
        .unwrap_or_else(|| s.to_owned())
}

fn opt_time(lang: Lang, t: Option<chrono::DateTime<chrono::Utc>>) -> Option<String> {
    t.map(|t| i18n::datetime(lang, t.naive_utc()))
}

/// A stored form value as text for reading (option labels, 是/否).
pub fn show_value(lang: Lang, f: &FieldSpec, v: &Value) -> String {
    match (f.kind, v) {
        (FieldKind::Boolean, Value::Bool(b)) => {
            i18n::text(lang, if *b { "yes" } else { "no" }).into()
        }
        (FieldKind::Select, Value::String(s)) => f
            .option(s)
            .map(|o| pick(lang, &o.label_zh, &o.label_en).to_owned())
            .unwrap_or_else(|| s.clone()),
        (_, Value::String(s)) => s.clone(),
        (_, Value::Null) => String::new(),
        (_, Value::Number(n)) => number_text(n),
        (_, other) => other.to_string(),
    }
}

/// A stored form value as the text an input holds.
pub fn input_value(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Number(n) => number_text(n),
        other => other.to_string(),
    }
}

/// The fields of a type, ready for the form template.
pub fn field_specs(lang: Lang, t: &CertificateType) -> Vec<Value> {
    t.fields
        .iter()
        .map(|f| {
            let options: Vec<_> = f
                .options
                .iter()
                .map(|o| json!({"value": o.value, "label": pick(lang, &o.label_zh, &o.label_en)}))
                .collect();
            let kind = match f.kind {
                FieldKind::Text => "text",
                FieldKind::Textarea => "textarea",
                FieldKind::Integer => "integer",
                FieldKind::Decimal => "decimal",
                FieldKind::Date => "date",
                FieldKind::Boolean => "boolean",
                FieldKind::Select => "select",
                FieldKind::Phone => "phone",
            };
            json!({
                "name": f.name,
                "label": pick(lang, &f.label_zh, &f.label_en),
                "kind": kind,
                "required": f.required,
                "help": match lang {
                    Lang::Zh => f.help_zh.as_deref(),
                    Lang::En => f.help_en.as_deref(),
                },
                "options": options,
                "min": f.min, "max": f.max, "max_len": f.max_len,
            })
        })
        .collect()
}

/// The form data as label / value rows.
pub fn form_rows(lang: Lang, t: &CertificateType, form: &Value) -> Vec<Value> {
    let empty = Map::new();
    let form = form.as_object().unwrap_or(&empty);
    t.fields
        .iter()
        .filter_map(|f| {
            let v = form.get(&f.name)?;
            Some(json!({"label": pick(lang, &f.label_zh, &f.label_en), "value": show_value(lang, f, v)}))
        })
        .collect()
}

/// The trail as timeline nodes: what happened, when, by whom, the node's deadline.
pub fn timeline(lang: Lang, events: &[EventView]) -> Vec<Value> {
    events
        .iter()
        .map(|e| {
            json!({
                "action": action(lang, &e.action),
                "status": status(lang, &e.to_status),
                "to_status": e.to_status,
                "at": i18n::datetime(lang, e.at.naive_utc()),
                "deadline": opt_time(lang, e.node_deadline),
                "deadline_met": e.deadline_met,
                "actor": e.actor_name,
                "reason": e.reason,
            })
        })
        .collect()
}

/// The case as the templates read it (in addition to the raw detail).
pub fn case(lang: Lang, d: &ApplicationDetail, t: &CertificateType) -> Value {
    let s = &d.summary;
    let actions: Vec<_> = d
        .allowed_actions
        .iter()
        .map(|a| {
            json!({"code": a, "label": action(lang, a),
                        "needs_reason": matches!(a.as_str(), "return" | "reject")})
        })
        .collect();
    let step = t
        .step(usize::try_from(s.current_step).unwrap_or(0))
        .map(|st| pick(lang, &st.name_zh, &st.name_en).to_owned());
    json!({
        "id": s.id,
        "number": s.number,
        "type_name": type_name(lang, t),
        "status": s.status,
        "status_label": status(lang, &s.status),
        "subject_name": s.subject_name,
        "subject_id_number": s.subject_id_number,
        "village_name": s.village_name,
        "version": s.version,
        "created_at": i18n::datetime(lang, s.created_at.naive_utc()),
        "submitted_at": opt_time(lang, s.submitted_at),
        "node_deadline": opt_time(lang, s.node_deadline),
        "overall_deadline": opt_time(lang, s.overall_deadline),
        "deadline_provisional": s.deadline_provisional,
        "overdue": s.overdue,
        "issue_blocked": s.issue_blocked,
        "step": step,
        "form": form_rows(lang, t, &d.form),
        "roster_check": d.roster_check.as_ref().map(|r| json!({
            "outcome": r.outcome,
            "reason": pick(lang, &r.reason, &r.reason_en),
        })),
        "delivery": {
            "method": d.delivery.method,
            "recipient": d.delivery.recipient,
            "phone": d.delivery.phone,
            "address": d.delivery.address,
        },
        "timeline": timeline(lang, &d.events),
        // 督办 notes, newest first, for the top of the staff's case page.
        "urges": timeline(lang, &d.events).into_iter().rev()
            .zip(d.events.iter().rev())
            .filter(|(_, e)| e.action == crate::workflow::urge::ACTION)
            .map(|(v, _)| v)
            .collect::<Vec<_>>(),
        "urgeable": matches!(s.status.as_str(), "submitted" | "under_review"),
        // Why the case is returned or rejected, for the top of the page.
        "status_reason": d.events.iter().rev()
            .filter(|e| e.action != crate::workflow::urge::ACTION)
            .find(|e| e.to_status == s.status)
            .and_then(|e| e.reason.clone()),
        "certificate": d.certificate.as_ref().map(|c| json!({
            "number": c.number, "status": c.status, "pdf_url": c.pdf_url,
            "valid_until": i18n::date(lang, c.valid_until.naive_utc()),
        })),
        "dispatch": d.dispatch.as_ref().map(|x| json!({
            "id": x.id,
            "locked": x.locked,
            "open": !DispatchStatus::parse(&x.status).is_some_and(|s| s.is_terminal()),
            "tracking_number": x.tracking_number,
            "status_label": dispatch_status(lang, &x.status),
        })),
        "actions": actions,
        "editable": matches!(s.status.as_str(), "draft" | "returned"),
        "documents": documents(lang, t, &d.documents, d.proxy.is_some()),
        "proxy": d.proxy.as_ref().map(|p| proxy(lang, p)),
        "needs_authorisation_check": d.proxy.as_ref().is_some_and(|p| {
            p.consent.as_deref() == Some("authorisation") && s.current_step == 0
        }),
    })
}

/// Who applied for whom and how the person agreed (issue 16, 代办).
fn proxy(lang: Lang, p: &crate::workflow::proxy::ProxyView) -> Value {
    let zh = lang == Lang::Zh;
    let label = match (&p.agent_name, &p.relationship) {
        (Some(a), _) => pick(lang, &format!("代办：{a}"), &format!("Agent: {a}")).to_owned(),
        (None, Some(r)) => {
            let rel = p
                .relationship_label
                .clone()
                .filter(|_| r == "other")
                .unwrap_or_else(|| crate::domain::proxy::relationship_label(r, zh).to_owned());
            pick(
                lang,
                &format!("为他人申请（{rel}）"),
                &format!("For someone else ({rel})"),
            )
            .to_owned()
        }
        _ => pick(lang, "为他人申请", "For someone else").to_owned(),
    };
    let consent = match p.consent.as_deref() {
        Some("sms") => pick(
            lang,
            "当事人已短信验证码确认",
            "Confirmed by the person's SMS code",
        ),
        Some("authorisation") => pick(lang, "凭当事人签字的委托书", "By a signed authorisation"),
        _ => pick(
            lang,
            "尚未取得当事人同意",
            "The person's consent is not yet given",
        ),
    };
    json!({"label": label, "consent": consent, "consent_code": p.consent})
}

/// The type's document kinds, each with what is uploaded for it, in the type's order;
/// on a case made for someone else, the signed authorisation (委托书) too.
pub fn documents(
    lang: Lang,
    t: &CertificateType,
    docs: &[DocumentView],
    for_someone_else: bool,
) -> Vec<Value> {
    let authorisation = for_someone_else.then(crate::domain::proxy::authorisation_spec);
    // Kinds a roster can prove (秒批): not needed from a person the roster lists.
    let proven: &[String] = crate::workflow::rosters::rule_of(t)
        .map(|r| r.proves_documents.as_slice())
        .unwrap_or(&[]);
    t.documents
        .iter()
        .chain(authorisation.iter())
        .map(|spec| {
            let file = |d: &DocumentView| {
                json!({
                    "id": d.id, "name": d.original_name, "url": d.url,
                    "thumb_url": d.thumb_url,
                    "is_pdf": d.content_type == "application/pdf",
                    "size": human_size(d.size_bytes),
                })
            };
            let of_kind: Vec<&DocumentView> = docs.iter().filter(|d| d.kind == spec.kind).collect();
            // Named places first (正面 / 反面), each with its photo or its own picker;
            // then the files without a place (older uploads, or room beyond the slots).
            let slots: Vec<_> = spec
                .slots
                .iter()
                .map(|s| {
                    let filled = of_kind.iter().find(|d| d.slot.as_deref() == Some(&s.code));
                    json!({
                        "code": s.code,
                        "name": pick(lang, &s.name_zh, &s.name_en),
                        "file": filled.map(|d| file(d)),
                        "example": super::examples::url(&spec.kind, Some(&s.code)),
                    })
                })
                .collect();
            let loose: Vec<_> = of_kind
                .iter()
                .filter(|d| d.slot.as_deref().is_none_or(|c| spec.slot(c).is_none()))
                .map(|d| file(d))
                .collect();
            let room = of_kind.len() < spec.max_count as usize;
            let empty_slots = slots.iter().filter(|s| s["file"].is_null()).count();
            json!({
                "kind": spec.kind,
                "name": pick(lang, &spec.name_zh, &spec.name_en),
                "description": pick(lang, &spec.description_zh, &spec.description_en),
                "required": spec.required,
                "roster_proves": proven.contains(&spec.kind),
                "room": room,
                // A picker without a name, beside the empty slots, while room is left.
                "loose_room": of_kind.len() + empty_slots < spec.max_count as usize,
                "max_count": spec.max_count,
                "slots": slots,
                "files": loose,
                "example": super::examples::url(&spec.kind, None),
            })
        })
        .collect()
}

fn human_size(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}
