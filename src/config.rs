//! Settings: defaults < `zhengming.toml` (or `--config FILE`) < `ZHENGMING_*` environment.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    /// `sqlite://path`, a plain path, or `postgres://…`. Empty: `<data_dir>/zhengming.db`.
    pub database_url: String,
    pub data_dir: PathBuf,
    /// Address to listen on; port 0 picks a free port (the log says which).
    pub listen: String,
    /// Public URL used in QR codes and messages. Empty: `http://<listen address>`.
    pub base_url: String,
    /// Connections in the read pool (SQLite) or in the one pool (PostgreSQL).
    pub pool_size: u32,
    /// How long a request waits for a database connection before it fails, in seconds.
    pub db_timeout_secs: u64,
    /// How long a sign-in lasts, in hours.
    pub session_hours: i64,
    /// A staff session unused this many minutes ends (besides `session_hours`).
    pub session_idle_minutes_staff: i64,
    /// A resident's session unused this many minutes ends.
    pub session_idle_minutes_resident: i64,
    /// SMS verification codes one phone may receive per 24 hours (all purposes).
    pub sms_code_daily_per_phone: i64,
    /// SMS verification codes one client address may ask for per 24 hours.
    pub sms_code_daily_per_client: i64,
    /// Failed sign-ins of one phone before each further attempt must wait (first
    /// `sign_in_delay_secs`, doubling with every failure) …
    pub sign_in_free_failures: i32,
    /// … and before the phone is locked for `sign_in_lock_minutes` (a password reset
    /// by SMS unlocks it).
    pub sign_in_lock_failures: i32,
    pub sign_in_delay_secs: i64,
    pub sign_in_lock_minutes: i64,
    /// The same two thresholds per client address (many people may share one).
    pub sign_in_client_free_failures: i32,
    pub sign_in_client_lock_failures: i32,
    /// Applications (drafts) one account may create per 24 hours.
    pub drafts_per_day: i32,
    /// Submissions (each sends an SMS) one account may make per 24 hours.
    pub submits_per_day: i32,
    /// Failed delivery attempts before the certificate goes back to the office.
    pub max_delivery_attempts: i32,
    /// The CJK font embedded (as a subset) in certificate PDFs.
    pub font_path: PathBuf,
    /// Face index inside a font collection (.ttc).
    pub font_index: usize,
    /// Directory of page, SMS and email templates.
    pub templates_dir: PathBuf,
    /// `tracing` filter, e.g. `info` or `zhengming=debug,info`.
    pub log: String,
    /// Run the background worker inside `serve` (off: run `zhengming worker` instead).
    pub worker_in_serve: bool,
    /// How often an idle worker looks for due jobs, in milliseconds.
    pub worker_poll_ms: u64,
    /// How long a claimed job is reserved for its worker before another may take it
    /// (renewed while it runs), in seconds.
    pub job_lease_secs: u64,
    /// Attempts before a job is parked as failed.
    pub job_max_attempts: i32,
    /// First retry delay in milliseconds; doubles per attempt, with jitter.
    pub job_backoff_ms: u64,
    /// Upper bound of the retry delay, in seconds.
    pub job_backoff_max_secs: u64,
    /// On SIGTERM, how long the worker lets a running job finish before it releases it.
    pub worker_shutdown_grace_secs: u64,
    /// Finished jobs are deleted after this many days.
    pub job_retention_days: i64,
    /// How often the worker escalates overdue cases to the supervisors, in seconds.
    pub escalation_interval_secs: u64,
    /// SMS provider: `console` (logs masked, appends to `<data_dir>/sms-console.jsonl`)
    /// or `http` (a gateway).
    pub sms_provider: String,
    /// The HTTP gateway's endpoint (POST JSON).
    pub sms_http_url: String,
    /// Sent as `Authorization: Bearer <key>`.
    pub sms_http_key: String,
    pub sms_http_timeout_ms: u64,
    /// Our template codes → the gateway's approved template ids.
    pub sms_templates: BTreeMap<String, String>,
    /// SMTP server; empty: no email is sent (nor queued).
    pub smtp_host: String,
    pub smtp_port: u16,
    /// `plain`, `starttls` or `tls` (implicit TLS, usually port 465).
    pub smtp_security: String,
    pub smtp_username: String,
    pub smtp_password: String,
    /// The From address, e.g. `网上开证明 <noreply@example.gov.cn>`.
    pub smtp_from: String,
    pub smtp_timeout_ms: u64,
    /// Public status lookups allowed per client address and window.
    pub track_rate_limit: i32,
    pub track_rate_window_secs: i64,
    /// Take the client address from `X-Forwarded-For` (only behind a proxy that sets it).
    pub trust_forwarded_for: bool,
    /// Public verify page: requests a client may make at once (per instance) …
    pub verify_burst: u32,
    /// … and how many more per minute.
    pub verify_per_minute: u32,
    /// Where blobs go: empty → `<data_dir>/blobs`; a directory path; or `s3://bucket[/prefix]`
    /// (a build with `--features s3`; credentials and endpoint from `AWS_*` variables).
    pub storage_url: String,
    /// Largest uploaded file in bytes.
    pub upload_max_bytes: u64,
    /// Largest image in pixels (width × height), checked from the header before decoding.
    pub upload_max_pixels: u64,
    /// Most documents on one application (each kind also has its own `max_count`).
    pub upload_max_files: u32,
    /// Most pages of an uploaded PDF.
    pub upload_max_pdf_pages: u32,
    /// Long side of a stored photo, in pixels (larger photos are scaled down).
    pub image_max_side: u32,
    /// Long side of a thumbnail, in pixels.
    pub thumb_side: u32,
    /// A request body that makes no progress for this many seconds is cut off (408).
    pub body_timeout_secs: u64,
    /// Uploads one account may have in progress at once, on all instances together (429 beyond).
    pub uploads_per_account: usize,
    /// Data keys for ID numbers at rest: 64-hex-digit AES-256 keys separated by commas,
    /// the first one encrypts new values. Empty: the keys in `<data_dir>/keys/` (made on
    /// first start). Set it (with `blind_index_key`) when several instances share one
    /// PostgreSQL, so they all hold the same keys.
    pub data_keys: String,
    /// The blind-index key (64 hex digits) for exact look-ups by ID number.
    pub blind_index_key: String,
    /// `GET /metrics` requires `Authorization: Bearer <metrics_token>` when set; unset,
    /// it answers only clients on loopback that did not come through a proxy.
    pub metrics_token: String,
    /// Count every request and its latency for `/metrics`. Only `scripts/bench-http`
    /// turns it off, to measure what the counting costs (issue 20: under 5%).
    pub request_metrics: bool,
    /// `text` (readable) or `json` (one object per line, for log shippers).
    pub log_format: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            database_url: String::new(),
            data_dir: PathBuf::from("./data"),
            listen: "127.0.0.1:8080".into(),
            base_url: String::new(),
            pool_size: 4,
            db_timeout_secs: 30,
            session_hours: 24 * 7,
            session_idle_minutes_staff: 120,
            session_idle_minutes_resident: 30 * 24 * 60,
            sms_code_daily_per_phone: 10,
            sms_code_daily_per_client: 50,
            sign_in_free_failures: 5,
            sign_in_lock_failures: 10,
            sign_in_delay_secs: 2,
            sign_in_lock_minutes: 15,
            sign_in_client_free_failures: 20,
            sign_in_client_lock_failures: 100,
            drafts_per_day: 20,
            submits_per_day: 20,
            max_delivery_attempts: crate::domain::dispatch::DEFAULT_MAX_ATTEMPTS,
            font_path: default_font_path(),
            font_index: 0,
            templates_dir: crate::templates::default_dir(),
            log: "info".into(),
            worker_in_serve: true,
            worker_poll_ms: 1000,
            job_lease_secs: 60,
            job_max_attempts: 8,
            job_backoff_ms: 5000,
            job_backoff_max_secs: 3600,
            worker_shutdown_grace_secs: 20,
            job_retention_days: 30,
            escalation_interval_secs: 60,
            sms_provider: "console".into(),
            sms_http_url: String::new(),
            sms_http_key: String::new(),
            sms_http_timeout_ms: 5000,
            sms_templates: BTreeMap::new(),
            smtp_host: String::new(),
            smtp_port: 587,
            smtp_security: "starttls".into(),
            smtp_username: String::new(),
            smtp_password: String::new(),
            smtp_from: "网上开证明 <noreply@localhost>".into(),
            smtp_timeout_ms: 10000,
            track_rate_limit: 20,
            track_rate_window_secs: 600,
            trust_forwarded_for: false,
            verify_burst: 20,
            verify_per_minute: 30,
            storage_url: String::new(),
            upload_max_bytes: 15 * 1024 * 1024,
            upload_max_pixels: 50_000_000,
            upload_max_files: 30,
            upload_max_pdf_pages: 50,
            image_max_side: 2400,
            thumb_side: 320,
            body_timeout_secs: 30,
            uploads_per_account: 2,
            data_keys: String::new(),
            blind_index_key: String::new(),
            metrics_token: String::new(),
            request_metrics: true,
            log_format: "text".into(),
        }
    }
}

/// `fonts/uming.ttc` next to the working directory, else the one in the source tree.
fn default_font_path() -> PathBuf {
    let local = PathBuf::from("fonts/uming.ttc");
    if local.exists() {
        local
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts/uming.ttc")
    }
}

impl Settings {
    /// Loads settings; `file` overrides the default `zhengming.toml` lookup.
    pub fn load(file: Option<&Path>) -> Result<Settings, String> {
        let mut fig = Figment::from(Serialized::defaults(Settings::default()));
        match file {
            Some(f) if !f.exists() => {
                return Err(format!("config file not found: {}", f.display()))
            }
            Some(f) => fig = fig.merge(Toml::file(f)),
            None => fig = fig.merge(Toml::file("zhengming.toml")),
        }
        fig = fig.merge(Env::prefixed("ZHENGMING_"));
        let s: Settings = fig
            .extract()
            .map_err(|e| format!("invalid configuration: {e}"))?;
        if !["text", "json"].contains(&s.log_format.as_str()) {
            return Err(format!(
                "invalid configuration: log_format is {:?}; use \"text\" or \"json\"",
                s.log_format
            ));
        }
        Ok(s.resolved())
    }

    /// Fills in the values that default from others.
    pub fn resolved(mut self) -> Settings {
        if self.database_url.trim().is_empty() {
            self.database_url =
                format!("sqlite://{}", self.data_dir.join("zhengming.db").display());
        }
        self
    }

    /// Whether the public URL is HTTPS: cookies are then `Secure` and named `__Host-…`,
    /// and responses carry HSTS.
    pub fn https(&self) -> bool {
        self.base_url.trim_start().starts_with("https://")
    }

    /// The name of the cookie `base` (e.g. `zm_session`): `__Host-zm_session` over
    /// HTTPS (the browser then insists on Secure, Path=/ and no Domain, so a sibling
    /// host cannot plant it), the plain name over HTTP so local use keeps working.
    pub fn cookie_name(&self, base: &str) -> String {
        if self.https() {
            format!("__Host-{base}")
        } else {
            base.to_owned()
        }
    }

    pub fn blob_dir(&self) -> PathBuf {
        self.data_dir.join("blobs")
    }

    /// Where uploads are spooled while they arrive (removed when done or aborted).
    pub fn upload_tmp_dir(&self) -> PathBuf {
        self.data_dir.join("tmp").join("uploads")
    }

    pub fn upload_limits(&self) -> crate::documents::Limits {
        crate::documents::Limits {
            max_bytes: self.upload_max_bytes,
            max_pixels: self.upload_max_pixels,
            max_side: self.image_max_side.max(1),
            thumb_side: self.thumb_side.max(1),
            max_pdf_pages: self.upload_max_pdf_pages,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Settings;

    #[test]
    fn cookies_are_host_prefixed_only_over_https() {
        let mut s = Settings {
            base_url: "http://127.0.0.1:8080".into(),
            ..Settings::default()
        };
        assert!(!s.https());
        assert_eq!(s.cookie_name("zm_session"), "zm_session");
        s.base_url = "https://zm.example.gov.cn".into();
        assert!(s.https());
        assert_eq!(s.cookie_name("zm_session"), "__Host-zm_session");
    }
}
