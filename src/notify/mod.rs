//! Notifications (docs/architecture.md §7): the outbox, SMS providers, email, and the `notify` job
//! that sends one outbox row: queued → sending → sent | failed, with attempts and the
//! last error. Retries and backoff are the job queue's.

pub mod email;
pub mod mask;
pub mod outbox;
pub mod sms;

use std::sync::Arc;

use serde_json::Value;

use crate::config::Settings;
use crate::db::models::{now, Notification};
use crate::db::{notifications, Db, DbError};
use crate::jobs::{JobContext, JobError, Registry};
use crate::templates::Templates;

pub struct Notifier {
    db: Db,
    templates: Templates,
    sms: Box<dyn sms::SmsProvider>,
    mailer: Option<email::Mailer>,
    base_url: String,
}

/// What stands in the stored params for a code once its message is sent.
pub const SENT_CODE: &str = "******";

/// `params` (JSON text) with a `code` variable blanked, or `None` when it has none.
fn without_code(params: &str) -> Option<String> {
    let mut v: Value = serde_json::from_str(params).ok()?;
    let code = v.as_object_mut()?.get_mut("code")?;
    *code = Value::String(SENT_CODE.to_owned());
    Some(v.to_string())
}

/// The language of a message: `en` or (default) `zh`.
fn lang(params: &Value) -> &'static str {
    match params["lang"].as_str() {
        Some("en") => "en",
        _ => "zh",
    }
}

impl Notifier {
    pub fn from_settings(db: Db, s: &Settings, base_url: &str) -> Result<Notifier, String> {
        Ok(Notifier {
            db,
            templates: Templates::new(&s.templates_dir),
            sms: sms::from_settings(s)?,
            mailer: email::Mailer::from_settings(s)?,
            base_url: base_url.trim_end_matches('/').to_owned(),
        })
    }

    /// Adds the `notify` kind to `registry`.
    pub fn register(self: Arc<Self>, registry: &mut Registry) {
        registry.register(outbox::KIND_NOTIFY, move |ctx| {
            let n = self.clone();
            async move { n.run(ctx).await }
        });
    }

    async fn run(&self, ctx: JobContext) -> Result<(), JobError> {
        let id = ctx.payload["notification_id"]
            .as_str()
            .ok_or_else(|| JobError::Permanent("payload without notification_id".into()))?
            .to_owned();
        let db_err = |e: DbError| JobError::Retryable(e.to_string());
        let lookup = id.clone();
        let Some(n) = self
            .db
            .read(move |c| Ok::<_, DbError>(notifications::find(c, &lookup)?))
            .await
            .map_err(db_err)?
        else {
            return Err(JobError::Permanent(format!("no notification {id}")));
        };
        let start = id.clone();
        let started = self
            .db
            .with_writer(move |c| Ok::<_, DbError>(notifications::start_attempt(c, &start)?))
            .await
            .map_err(db_err)?;
        if !started {
            return Ok(()); // sent already: running it again changes nothing
        }
        let result = self.deliver(&n).await;
        let (row, at) = (id.clone(), now());
        // A sent code is not kept readable in the outbox.
        let blanked = without_code(&n.params);
        match &result {
            Ok(()) => self
                .db
                .with_writer(move |c| {
                    Ok::<_, DbError>(notifications::mark_sent(c, &row, at, blanked.as_deref())?)
                })
                .await
                .map_err(db_err)?,
            Err(e) => {
                let next = match e {
                    JobError::Retryable(_) => ctx.retry_at,
                    JobError::Permanent(_) => None,
                };
                let msg = e.message().to_owned();
                self.db
                    .with_writer(move |c| {
                        Ok::<_, DbError>(notifications::mark_failed(c, &row, &msg, next)?)
                    })
                    .await
                    .map_err(db_err)?
            }
        }
        result
    }

    async fn deliver(&self, n: &Notification) -> Result<(), JobError> {
        let params: Value = serde_json::from_str(&n.params)
            .map_err(|e| JobError::Permanent(format!("bad params: {e}")))?;
        let render = |name: String, ctx: &Value| {
            self.templates
                .render(&name, ctx)
                .map(|s| s.trim().to_owned())
                .map_err(|e| JobError::Permanent(format!("template {name}: {e}")))
        };
        match n.channel.as_str() {
            "sms" => {
                let text = render(format!("sms/{}.txt", n.template_code), &params)?;
                let empty = serde_json::Map::new();
                self.sms
                    .send(sms::SmsMessage {
                        id: &n.id,
                        phone: &n.recipient,
                        template: &n.template_code,
                        params: params.as_object().unwrap_or(&empty),
                        text: &text,
                    })
                    .await
            }
            "email" => {
                let Some(mailer) = &self.mailer else {
                    return Err(JobError::Permanent(
                        "email is not configured (smtp_host)".into(),
                    ));
                };
                let mut ctx = params.clone();
                ctx["base_url"] = Value::String(self.base_url.clone());
                if let Some(app) = &n.application_id {
                    ctx["pdf_url"] = Value::String(format!(
                        "{}/api/v1/applications/{app}/certificate.pdf",
                        self.base_url
                    ));
                }
                let base = format!("email/{}/{}", lang(&params), n.template_code);
                mailer
                    .send(email::Email {
                        to: n.recipient.clone(),
                        subject: render(format!("{base}.subject.txt"), &ctx)?,
                        text: render(format!("{base}.txt"), &ctx)? + "\n",
                        html: render(format!("{base}.html"), &ctx)?,
                        message_id: format!("<{}@{}>", n.id, mailer.domain()),
                    })
                    .await
            }
            other => Err(JobError::Permanent(format!("unknown channel {other}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::outbox::{self, sms_params};
    use crate::templates::{default_dir, Templates};

    #[test]
    fn a_sent_code_is_blanked_and_other_params_kept() {
        let p = super::without_code(r#"{"code":"123456","number":"ZM1"}"#).unwrap();
        let v: serde_json::Value = serde_json::from_str(&p).unwrap();
        assert_eq!(v, json!({"code": super::SENT_CODE, "number": "ZM1"}));
        assert_eq!(super::without_code(r#"{"number":"ZM1"}"#), None);
    }

    /// Each SMS, with its variables as long as an SMS variable may be, fits in one
    /// 70-character message, and no template puts a link in it.
    #[test]
    fn sms_texts_fit_in_one_message() {
        let t = Templates::new(&default_dir());
        let long = "长".repeat(40);
        let params = sms_params(&json!({
            "number": "ZM2026000123",
            "type_name": "集体经济组织成员身份证明",
            "reason": long,
            "certificate_number": "222403108-2026-00001",
            "tracking_number": "ZMD1234567890123",
            "code": "123456",
            "signer": "欧阳长长长",
            "applicant": "欧阳长长长",
            "township": "黄泥河镇",
            "deadline": "2026-02-25",
            "year": "2027",
            // delivery_failed's longer branch (the certificate goes back).
            "last": true,
        }));
        for code in outbox::all() {
            let text = t.render(&format!("sms/{code}.txt"), &params).unwrap();
            let text = text.trim();
            let n = text.chars().count();
            assert!(n <= 70, "{code}: {n} characters: {text}");
            assert!(!text.contains("http"), "{code} carries a link");
            assert!(!text.contains("{{"), "{code}: {text}");
        }
    }

    /// Every message to an applicant has an email in both languages.
    #[test]
    fn email_templates_exist_for_both_languages() {
        let t = Templates::new(&default_dir());
        let ctx =
            json!({"number": "ZM2026000123", "reason": "<b>x</b>", "pdf_url": "http://h/p.pdf"});
        for code in outbox::WITH_EMAIL {
            for lang in ["zh", "en"] {
                for part in ["subject.txt", "txt", "html"] {
                    let s = t
                        .render(&format!("email/{lang}/{code}.{part}"), &ctx)
                        .unwrap();
                    assert!(!s.trim().is_empty());
                    if part == "html" {
                        assert!(!s.contains("<b>x"), "HTML escapes values");
                    }
                }
            }
        }
    }
}
