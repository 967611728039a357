//! Email over SMTP with lettre: plain, STARTTLS or implicit TLS (rustls).

use std::time::Duration;

use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};

use crate::config::Settings;
use crate::jobs::JobError;

#[derive(Clone)]
pub struct Mailer {
    transport: SmtpTransport,
    from: Mailbox,
}

pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Stable per outbox row, so a receiver can drop a duplicate of a retried message.
    pub message_id: String,
}

impl Mailer {
    /// `None` when no SMTP host is configured: email is then off.
    pub fn from_settings(s: &Settings) -> Result<Option<Mailer>, String> {
        let host = s.smtp_host.trim();
        if host.is_empty() {
            return Ok(None);
        }
        let tls =
            || TlsParameters::new(host.to_owned()).map_err(|e| format!("SMTP TLS for {host}: {e}"));
        let mut b = SmtpTransport::builder_dangerous(host)
            .port(s.smtp_port)
            .timeout(Some(Duration::from_millis(s.smtp_timeout_ms.max(100))));
        b = match s.smtp_security.as_str() {
            "plain" => b.tls(Tls::None),
            "starttls" => b.tls(Tls::Required(tls()?)),
            "tls" => b.tls(Tls::Wrapper(tls()?)),
            other => {
                return Err(format!(
                    "smtp_security must be plain, starttls or tls, not {other:?} / 邮件加密方式配置有误"
                ))
            }
        };
        if !s.smtp_username.is_empty() {
            b = b.credentials(Credentials::new(
                s.smtp_username.clone(),
                s.smtp_password.clone(),
            ));
        }
        let from: Mailbox = s
            .smtp_from
            .parse()
            .map_err(|e| format!("smtp_from {:?} is not an address: {e}", s.smtp_from))?;
        Ok(Some(Mailer {
            transport: b.build(),
            from,
        }))
    }

    pub fn domain(&self) -> &str {
        self.from.email.domain()
    }

    /// Sends on the blocking pool (lettre's SMTP client is synchronous).
    pub async fn send(&self, e: Email) -> Result<(), JobError> {
        let to: Mailbox =
            e.to.parse()
                .map_err(|err| JobError::Permanent(format!("bad recipient address: {err}")))?;
        let msg = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(e.subject)
            .message_id(Some(e.message_id))
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(e.text),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(e.html),
                    ),
            )
            .map_err(|err| JobError::Permanent(format!("cannot build the email: {err}")))?;
        let transport = self.transport.clone();
        let sent = tokio::task::spawn_blocking(move || transport.send(&msg))
            .await
            .map_err(|err| JobError::Retryable(format!("email task: {err}")))?;
        match sent {
            Ok(_) => Ok(()),
            Err(err) if err.is_permanent() => {
                Err(JobError::Permanent(format!("SMTP refused: {err}")))
            }
            Err(err) => Err(JobError::Retryable(format!("SMTP: {err}"))),
        }
    }
}
