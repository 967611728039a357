//! Notifications through a real SMTP server on loopback and the console SMS provider.

use std::time::Duration;

use serde_json::{json, Value};
use zhengming::db::models::Notification;

use crate::both_backends;
use crate::helpers::{spawn_app_with, Backend, TestApp};
use crate::smtp_sink::{free_port, SmtpSink};

fn smtp(port: u16) -> impl FnOnce(&mut zhengming::config::Settings) {
    move |s| {
        s.smtp_host = "127.0.0.1".into();
        s.smtp_port = port;
        s.smtp_security = "plain".into();
        s.smtp_from = "网上开证明 <noreply@zhengming.test>".into();
    }
}

/// Polls `check` until it holds (or fails the test after `secs`).
pub async fn wait_until<F, Fut>(secs: u64, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let until = std::time::Instant::now() + Duration::from_secs(secs);
    while !check().await {
        assert!(
            std::time::Instant::now() < until,
            "timed out waiting: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn outbox(app: &TestApp, application_id: &str) -> Vec<Notification> {
    let id = application_id.to_owned();
    app.with_db(move |c| zhengming::db::notifications::for_application(c, &id).unwrap())
        .await
}

async fn all_sent(app: &TestApp, application_id: &str) -> bool {
    outbox(app, application_id)
        .await
        .iter()
        .all(|n| n.status == "sent")
}

/// (subject, text part, html part, Message-ID) of a raw message.
fn parse(raw: &str) -> (String, String, String, String) {
    use mailparse::MailHeaderMap;
    let m = mailparse::parse_mail(raw.as_bytes()).expect("a MIME message");
    let subject = m.headers.get_first_value("Subject").unwrap_or_default();
    let id = m.headers.get_first_value("Message-ID").unwrap_or_default();
    let part = |ct: &str| {
        m.subparts
            .iter()
            .find(|p| p.ctype.mimetype == ct)
            .map(|p| p.get_body().unwrap())
            .unwrap_or_default()
    };
    (subject, part("text/plain"), part("text/html"), id)
}

async fn set_email(app: &TestApp, token: &str, body: Value) {
    let r = app.patch("/api/v1/me", Some(token), body).await;
    assert_eq!(r.status, 200, "PATCH /me: {}", r.body);
}

async fn approval_sends_one_email_and_an_sms(backend: Backend) {
    let sink = SmtpSink::start(0).await;
    let app = spawn_app_with(backend, smtp(sink.port)).await;
    let (resident, phone, _) = app.new_resident("王小明").await;
    set_email(&app, &resident, json!({"email": "wang@example.cn"})).await;

    let before = sink.received().len();
    let done = app.issued(&resident, "pickup").await;
    assert_eq!(done["status"], "issued");
    let id = done["id"].as_str().unwrap();
    let number = done["number"].as_str().unwrap();
    let cert = done["certificate"]["number"].as_str().unwrap();
    wait_until(30, "all messages sent", || all_sent(&app, id)).await;

    // Submission and approval: one email each, nothing for the intermediate steps.
    let mails: Vec<_> = sink.received()[before..].iter().map(|m| parse(m)).collect();
    assert_eq!(mails.len(), 2, "{mails:?}");
    let approved: Vec<_> = mails.iter().filter(|m| m.0.contains("审批通过")).collect();
    assert_eq!(approved.len(), 1, "exactly one approval email: {mails:?}");
    let (subject, text, html, message_id) = approved[0];
    assert!(subject.contains(number), "{subject}");
    assert!(text.contains(&format!("证明编号 {cert}")), "{text}");
    let link = format!("{}/api/v1/applications/{id}/certificate.pdf", app.base);
    assert!(text.contains(&link), "text carries the PDF link: {text}");
    // minijinja escapes "/" in HTML as an entity, which browsers read back as "/".
    let html = html.replace("&#x2f;", "/");
    assert!(html.contains(&format!("href=\"{link}\"")), "{html}");
    assert!(message_id.ends_with("@zhengming.test>"), "{message_id}");

    // The SMS outbox row for the approval: to the account phone, no link in it.
    let rows = outbox(&app, id).await;
    let sms: Vec<_> = rows
        .iter()
        .filter(|n| n.channel == "sms" && n.template_code == "approved")
        .collect();
    assert_eq!(sms.len(), 1);
    let s = sms[0];
    assert_eq!(s.recipient, phone);
    assert_eq!((s.status.as_str(), s.attempts), ("sent", 1));
    let params: Value = serde_json::from_str(&s.params).unwrap();
    assert_eq!(
        params,
        json!({"number": number, "certificate_number": cert})
    );
    assert_eq!(
        rows.iter().filter(|n| n.channel == "email").count(),
        2,
        "submitted + approved"
    );
    // The console provider stored the rendered text, with the phone masked.
    let log = std::fs::read_to_string(app.data_dir.join("sms-console.jsonl")).unwrap();
    let line = log
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|l| l["template"] == "approved" && l["params"]["number"] == number)
        .expect("approved SMS in the console store");
    assert_eq!(
        line["text"],
        format!("您的申请{number}已审批通过，证明编号{cert}，可登录下载电子证明。")
    );
    assert!(!log.contains(&phone), "full phone numbers are not stored");
}
both_backends!(approval_sends_one_email_and_an_sms);

async fn opted_out_residents_get_sms_only(backend: Backend) {
    let sink = SmtpSink::start(0).await;
    let app = spawn_app_with(backend, smtp(sink.port)).await;
    let (resident, _, _) = app.new_resident("李四").await;
    set_email(
        &app,
        &resident,
        json!({"email": "li@example.cn", "email_opt_out": true, "language": "en"}),
    )
    .await;
    let me = app.get("/api/v1/me", Some(&resident)).await;
    assert_eq!(me.body["email"], "li@example.cn");
    assert_eq!(me.body["email_opt_out"], true);
    let bad = app
        .patch(
            "/api/v1/me",
            Some(&resident),
            json!({"email": "not an address", "language": "fr"}),
        )
        .await;
    bad.field_error("email");
    bad.field_error("language");

    let app_row = app.submitted(&resident, "pickup").await;
    let id = app_row["id"].as_str().unwrap();
    wait_until(30, "sent", || all_sent(&app, id)).await;
    let rows = outbox(&app, id).await;
    assert_eq!(rows.len(), 1, "SMS only");
    assert_eq!(rows[0].channel, "sms");
    assert!(sink.received().is_empty());
}
both_backends!(opted_out_residents_get_sms_only);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtp_down_then_up_delivers_exactly_once() {
    let port = free_port();
    let app = spawn_app_with(Backend::Sqlite, smtp(port)).await;
    let (resident, _, _) = app.new_resident("赵六").await;
    set_email(
        &app,
        &resident,
        json!({"email": "zhao@example.cn", "language": "en"}),
    )
    .await;
    let row = app.submitted(&resident, "pickup").await;
    let id = row["id"].as_str().unwrap().to_owned();

    let email = |rows: Vec<Notification>| rows.into_iter().find(|n| n.channel == "email").unwrap();
    // The server is down: attempts fail and are retried, the message stays queued.
    wait_until(30, "two failed attempts", || async {
        let e = email(outbox(&app, &id).await);
        e.attempts >= 2 && e.status == "queued"
    })
    .await;
    let e = email(outbox(&app, &id).await);
    assert!(
        e.last_error.as_deref().unwrap_or("").contains("SMTP"),
        "{:?}",
        e.last_error
    );

    let sink = SmtpSink::start(port).await;
    wait_until(30, "sent once the server is back", || async {
        email(outbox(&app, &id).await).status == "sent"
    })
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let got = sink.received();
    assert_eq!(got.len(), 1, "sent exactly once");
    let (subject, text, _, message_id) = parse(&got[0]);
    assert_eq!(
        subject,
        format!(
            "Your application {} has been submitted",
            row["number"].as_str().unwrap()
        )
    );
    assert!(
        text.starts_with("Hello,"),
        "the resident's language: {text}"
    );
    let e = email(outbox(&app, &id).await);
    assert_eq!(message_id, format!("<{}@zhengming.test>", e.id));
    assert!(e.last_error.is_none() && e.sent_at.is_some());
}
