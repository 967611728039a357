//! SMS providers, keyed by template codes: Chinese SMS platforms send only
//! pre-approved templates with short variables (and no links as variables).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use futures_util::future::BoxFuture;

use super::mask;
use crate::config::Settings;
use crate::jobs::JobError;

/// One message: the template code and its variables, plus the text our template
/// renders (what the gateway's approved template says).
pub struct SmsMessage<'a> {
    /// The outbox row's id (the console provider writes it with the message).
    pub id: &'a str,
    pub phone: &'a str,
    pub template: &'a str,
    pub params: &'a serde_json::Map<String, serde_json::Value>,
    pub text: &'a str,
}

pub trait SmsProvider: Send + Sync {
    fn send<'a>(&'a self, m: SmsMessage<'a>) -> BoxFuture<'a, Result<(), JobError>>;
}

pub fn from_settings(s: &Settings) -> Result<Box<dyn SmsProvider>, String> {
    match s.sms_provider.as_str() {
        "console" => Ok(Box::new(Console {
            file: s.data_dir.join("sms-console.jsonl"),
            lock: Mutex::new(()),
        })),
        "http" => Ok(Box::new(HttpGateway::new(s)?)),
        other => Err(format!(
            "unknown sms_provider {other:?} (use console or http) / 短信通道配置有误"
        )),
    }
}

/// Development provider: logs that a message went out (template and masked phone only:
/// the text may hold a verification or delivery code) and appends the message to
/// `<data_dir>/sms-console.jsonl`.
pub struct Console {
    file: PathBuf,
    lock: Mutex<()>,
}

impl SmsProvider for Console {
    fn send<'a>(&'a self, m: SmsMessage<'a>) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(async move {
            tracing::info!(to = %mask::phone(m.phone), template = m.template, "SMS (console)");
            let line = serde_json::json!({
                "id": m.id,
                "at": crate::db::models::now().to_string(),
                "to": mask::phone(m.phone),
                "template": m.template,
                "params": m.params,
                "text": m.text,
            });
            let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.file)
                .and_then(|mut f| writeln!(f, "{line}"))
                .map_err(|e| JobError::Retryable(format!("console SMS store: {e}")))
        })
    }
}

/// A real gateway: `POST {url}` with JSON `{"phone", "template", "params"}` and
/// `Authorization: Bearer {key}`, where `template` is the gateway's id for our code.
pub struct HttpGateway {
    client: reqwest::Client,
    url: String,
    key: String,
    templates: BTreeMap<String, String>,
}

impl HttpGateway {
    pub fn new(s: &Settings) -> Result<HttpGateway, String> {
        if s.sms_http_url.trim().is_empty() {
            return Err("sms_provider = \"http\" needs sms_http_url / 请配置短信网关地址".into());
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(s.sms_http_timeout_ms.max(100)))
            .connect_timeout(Duration::from_millis(
                s.sms_http_timeout_ms.clamp(100, 5000),
            ))
            .build()
            .map_err(|e| format!("SMS gateway client: {e}"))?;
        Ok(HttpGateway {
            client,
            url: s.sms_http_url.trim().to_owned(),
            key: s.sms_http_key.clone(),
            templates: s.sms_templates.clone(),
        })
    }
}

/// Server trouble, throttling and timeouts pass; anything else the gateway refused
/// will be refused again.
pub fn classify_status(status: u16) -> Option<bool> {
    match status {
        200..=299 => None,
        408 | 425 | 429 | 500..=599 => Some(true),
        _ => Some(false),
    }
}

impl SmsProvider for HttpGateway {
    fn send<'a>(&'a self, m: SmsMessage<'a>) -> BoxFuture<'a, Result<(), JobError>> {
        Box::pin(async move {
            let Some(gateway_template) = self.templates.get(m.template) else {
                return Err(JobError::Permanent(format!(
                    "no gateway template configured for {} (sms_templates)",
                    m.template
                )));
            };
            let body = serde_json::json!({
                "phone": m.phone,
                "template": gateway_template,
                "params": m.params,
            });
            let resp = self
                .client
                .post(&self.url)
                .bearer_auth(&self.key)
                .json(&body)
                .send()
                .await
                .map_err(|e| JobError::Retryable(format!("SMS gateway unreachable: {e}")))?;
            let status = resp.status().as_u16();
            match classify_status(status) {
                None => Ok(()),
                Some(retry) => {
                    let text: String = resp
                        .text()
                        .await
                        .unwrap_or_default()
                        .chars()
                        .take(200)
                        .collect();
                    let msg = format!("SMS gateway answered {status}: {}", mask::digits_in(&text));
                    Err(if retry {
                        JobError::Retryable(msg)
                    } else {
                        JobError::Permanent(msg)
                    })
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::classify_status;

    #[test]
    fn gateway_errors_are_classified() {
        assert_eq!(classify_status(200), None);
        assert_eq!(classify_status(503), Some(true));
        assert_eq!(classify_status(429), Some(true));
        assert_eq!(classify_status(400), Some(false));
        assert_eq!(classify_status(401), Some(false));
    }
}
