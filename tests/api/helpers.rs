//! Spawns the real server on a random port against a fresh database: a new SQLite
//! file, or a new PostgreSQL database on the local server.

use std::sync::atomic::{AtomicU32, Ordering};

use diesel::{Connection, RunQueryDsl};
use reqwest::{Client, Method, Response};
use serde_json::{json, Value};
use zhengming::config::Settings;
use zhengming::domain::id_number::mod11_2_check;
use zhengming::startup::Application;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server the tests use (the maintenance database on it).
pub fn pg_admin_url() -> String {
    std::env::var("ZHENGMING_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub struct TestApp {
    pub base: String,
    pub client: Client,
    pub app_db: zhengming::db::Db,
    pub backend: Backend,
    pub database_url: String,
    pub data_dir: std::path::PathBuf,
    _dir: tempfile::TempDir,
    pg_db: Option<String>,
}

impl TestApp {
    /// The server's data directory (keys, SQLite file, blobs under `blobs/`, spooled
    /// uploads under `tmp/`).
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(name) = &self.pg_db {
            if let Ok(mut c) = diesel::pg::PgConnection::establish(&pg_admin_url()) {
                let _ =
                    diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                        .execute(&mut c);
            }
        }
    }
}

static SEQ: AtomicU32 = AtomicU32::new(1);

/// A fresh, valid resident ID number (different on every call within a test run).
pub fn id_number() -> String {
    let n = SEQ.fetch_add(1, Ordering::Relaxed) % 1000;
    let body = format!(
        "22240319{:02}0{}{:02}{n:03}",
        70 + n % 30,
        1 + n % 9,
        10 + n % 18
    );
    let check = mod11_2_check(&body).expect("digits");
    format!("{body}{check}")
}

/// A fresh mainland mobile number.
pub fn phone() -> String {
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    format!("137{:08}", (std::process::id() % 1000) * 100_000 + n)
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// Like [`spawn_app`], with settings adjusted by `adjust` (SMTP server, limits …).
pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    spawn(backend, adjust, true).await
}

/// A server on an empty database, as a county starts out: the catalogue that ships
/// with the release, no jurisdictions, no accounts (no demo data). Used by the
/// browser journey of a county's set-up.
#[allow(dead_code)]
pub async fn spawn_app_empty(backend: Backend) -> TestApp {
    spawn(backend, |_| {}, false).await
}

async fn spawn(backend: Backend, adjust: impl FnOnce(&mut Settings), demo: bool) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut pg_db = None;
    let database_url = match backend {
        Backend::Sqlite => format!("sqlite://{}", dir.path().join("test.db").display()),
        Backend::Postgres => {
            let name = format!("zm_test_{}", uuid::Uuid::now_v7().simple());
            let admin = pg_admin_url();
            let mut c = diesel::pg::PgConnection::establish(&admin).unwrap_or_else(|e| {
                panic!(
                    "PostgreSQL is required for this suite and is not reachable at {admin}: {e}. \
                     Start it (see .ci/run) or set ZHENGMING_TEST_PG_URL."
                )
            });
            diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
                .execute(&mut c)
                .expect("create database");
            pg_db = Some(name.clone());
            let base = admin
                .rsplit_once('/')
                .map(|(b, _)| b.to_owned())
                .unwrap_or(admin);
            // No GSSAPI or TLS negotiation on loopback: libpq's Kerberos and OpenSSL state is torn
            // down at process exit, and a worker thread that is still reconnecting when a
            // test process exits would crash it.
            format!("{base}/{name}?gssencmode=disable&sslmode=disable")
        }
    };
    let mut settings = Settings {
        database_url: database_url.clone(),
        data_dir: dir.path().to_owned(),
        listen: "127.0.0.1:0".into(),
        log: "warn".into(),
        // Messages go out promptly and retries come quickly in tests.
        worker_poll_ms: 50,
        job_backoff_ms: 100,
        job_backoff_max_secs: 2,
        // The test drops its PostgreSQL database under the running worker; its next
        // connection attempt should give up quickly rather than hold the runtime.
        db_timeout_secs: 1,
        ..Settings::default()
    };
    adjust(&mut settings);
    zhengming::telemetry::init(&settings.log, &settings.log_format);
    let app = Application::build(settings)
        .await
        .expect("application builds");
    // The listening address (the public `base_url` may be set to an https:// name).
    let base = format!("http://127.0.0.1:{}", app.port());
    let app_db = app.db().clone();
    // The demo data gives every role an account in known jurisdictions.
    if demo {
        let seed_db = app_db.clone();
        let keys = app.data_keys().clone();
        tokio::task::spawn_blocking(move || zhengming::devtools::demo::seed(&seed_db, &keys))
            .await
            .unwrap()
            .expect("demo seed");
    }
    tokio::spawn(app.run_until_stopped());
    TestApp {
        base,
        client: Client::new(),
        app_db,
        backend,
        database_url,
        data_dir: dir.path().to_owned(),
        _dir: dir,
        pg_db,
    }
}

/// A server started as its own process on the SQLite database in `dir` (e.g. under a
/// shifted clock), reachable at `base`.
pub fn attach(base: String, dir: tempfile::TempDir) -> TestApp {
    let database_url = format!("sqlite://{}", dir.path().join("zhengming.db").display());
    let app_db = zhengming::db::Db::connect(&database_url, 2).expect("open the server's database");
    TestApp {
        base,
        client: Client::new(),
        app_db,
        backend: Backend::Sqlite,
        database_url,
        data_dir: dir.path().to_owned(),
        _dir: dir,
        pg_db: None,
    }
}

/// Well-known demo accounts (see `zhengming::devtools::demo`).
pub mod accounts {
    /// 敦化市 雁鸣湖镇 (222403108) and its village 大山嘴子村 (222403108200, real).
    pub const TOWNSHIP: &str = "222403108";
    pub const VILLAGE: &str = "222403108200";
    /// 雁鸣湖演示村: invented, in the village range (9xx) no real division uses.
    pub const OTHER_VILLAGE_SAME_TOWNSHIP: &str = "222403108901";
    /// 东丰县 东丰镇 and its village 青龙村 (220421100201, real).
    pub const OTHER_TOWNSHIP: &str = "220421100";
    pub const OTHER_TOWNSHIP_VILLAGE: &str = "220421100201";
}

pub struct Resp {
    pub status: u16,
    pub body: Value,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp: Response = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        assert_ne!(status, 500, "server error on {path}: {body}");
        Resp { status, body }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.send(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.send(Method::POST, path, token, Some(body)).await
    }

    /// Signs in and returns the bearer token.
    pub async fn login(&self, phone: &str, password: &str) -> String {
        let r = self
            .post(
                "/api/v1/session",
                None,
                json!({"phone": phone, "password": password}),
            )
            .await;
        assert_eq!(r.status, 200, "sign-in of {phone} failed: {}", r.body);
        r.body["token"].as_str().expect("token").to_owned()
    }

    /// Signs in as the demo account with this role and jurisdiction code.
    pub async fn login_staff(&self, role: &str, jurisdiction: &str) -> String {
        let phone = self.staff_phone(role, jurisdiction).await;
        self.login(&phone, zhengming::devtools::demo::DEMO_PASSWORD)
            .await
    }

    pub async fn staff_phone(&self, role: &str, jurisdiction: &str) -> String {
        let db = self.app_db.clone();
        let (role, j) = (role.to_owned(), jurisdiction.to_owned());
        tokio::task::spawn_blocking(move || {
            let mut c = db.read_conn().unwrap();
            zhengming::db::users::staff_in(&mut c, &role, &j).unwrap()
        })
        .await
        .unwrap()
        .first()
        .unwrap_or_else(|| panic!("no demo {jurisdiction} account"))
        .phone
        .clone()
    }

    /// Registers a new resident (with the SMS code, as a person would) and signs in;
    /// returns (token, phone, id_number).
    pub async fn new_resident(&self, name: &str) -> (String, String, String) {
        let (phone, id) = (phone(), id_number());
        let code = self.sms_code(&phone, "register").await;
        let r = self
            .post(
                "/api/v1/residents",
                None,
                json!({"phone": phone, "password": "secret-pass-1", "name": name, "id_number": id, "code": code}),
            )
            .await;
        assert_eq!(r.status, 201, "register: {}", r.body);
        let token = self.login(&phone, "secret-pass-1").await;
        (token, phone, id)
    }

    /// Creates a draft residence certificate application (village step, then township)
    /// with its required documents uploaded, ready to submit.
    pub async fn draft(&self, token: &str, delivery: &str) -> Value {
        let app = self.bare_draft(token, delivery).await;
        self.upload_required_documents(token, &app).await;
        app
    }

    /// Uploads the residence type's required documents: an ID-card photo (JPEG) and a
    /// lease (PDF).
    pub async fn upload_required_documents(&self, token: &str, app: &Value) {
        let id = app["id"].as_str().expect("id");
        let r = self
            .upload(
                token,
                id,
                "id_card",
                "身份证.jpg",
                crate::fixtures::jpeg(64, 48),
            )
            .await;
        assert_eq!(r.status, 201, "upload id_card: {}", r.body);
        let r = self
            .upload(
                token,
                id,
                "lease_or_property",
                "租房合同.pdf",
                crate::fixtures::pdf(1),
            )
            .await;
        assert_eq!(r.status, 201, "upload lease_or_property: {}", r.body);
    }

    /// Uploads one document (multipart `kind` and `file`).
    pub async fn upload(
        &self,
        token: &str,
        application_id: &str,
        kind: &str,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Resp {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(file_name.to_owned())
            .mime_str("application/octet-stream")
            .unwrap();
        let form = reqwest::multipart::Form::new()
            .text("kind", kind.to_owned())
            .part("file", part);
        let resp = self
            .client
            .post(self.url(&format!("/api/v1/applications/{application_id}/documents")))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("request sent");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        assert_ne!(status, 500, "server error on upload: {body}");
        Resp { status, body }
    }

    /// Creates a draft residence certificate application without documents.
    pub async fn bare_draft(&self, token: &str, delivery: &str) -> Value {
        let delivery = if delivery == "courier" {
            json!({"method": "courier", "recipient": "王小明", "phone": "13912345678", "address": "敦化市雁鸣湖镇大山村三组12号"})
        } else {
            json!({"method": "pickup"})
        };
        let r = self
            .post(
                "/api/v1/applications",
                Some(token),
                json!({
                    "type": "residence",
                    "jurisdiction": accounts::VILLAGE,
                    "form": residence_form(),
                    "delivery": delivery,
                }),
            )
            .await;
        assert_eq!(r.status, 201, "create draft: {}", r.body);
        r.body
    }

    pub async fn act(&self, token: &str, app: &Value, action: &str, reason: Option<&str>) -> Resp {
        let id = app["id"].as_str().expect("id");
        let mut body = json!({"action": action, "version": app["version"]});
        if let Some(r) = reason {
            body["reason"] = json!(r);
        }
        self.post(
            &format!("/api/v1/applications/{id}/actions"),
            Some(token),
            body,
        )
        .await
    }

    /// Acts and insists on success; returns the new state.
    pub async fn act_ok(
        &self,
        token: &str,
        app: &Value,
        action: &str,
        reason: Option<&str>,
    ) -> Value {
        let r = self.act(token, app, action, reason).await;
        assert_eq!(r.status, 200, "{action}: {}", r.body);
        r.body
    }

    /// Drives a fresh draft through submit, village and township approval.
    pub async fn issued(&self, resident: &str, delivery: &str) -> Value {
        let village = self.login_staff("official", accounts::VILLAGE).await;
        let township = self.login_staff("official", accounts::TOWNSHIP).await;
        let app = self.draft(resident, delivery).await;
        let app = self.act_ok(resident, &app, "submit", None).await;
        let app = self.act_ok(&village, &app, "accept", None).await;
        let app = self.act_ok(&village, &app, "approve", None).await;
        self.act_ok(&township, &app, "approve", None).await
    }

    /// The delivery code sent by SMS, read from the outbox as the SMS gateway would.
    pub async fn delivery_code(&self, application_id: &str) -> String {
        use diesel::prelude::*;
        use zhengming::db::schema::notifications::dsl as n;
        let db = self.app_db.clone();
        let id = application_id.to_owned();
        let (nid, params): (String, String) = tokio::task::spawn_blocking(move || {
            let mut c = db.read_conn().unwrap();
            n::notifications
                .filter(n::application_id.eq(id))
                .filter(n::template_code.eq("dispatch_created"))
                .filter(n::channel.eq("sms"))
                .select((n::id, n::params))
                .first::<(String, String)>(&mut *c)
                .unwrap()
        })
        .await
        .unwrap();
        let v = self.as_sent(&nid, serde_json::from_str(&params).unwrap());
        v["code"].as_str().unwrap().to_owned()
    }
}

pub fn residence_form() -> Value {
    json!({
        "address": "敦化市雁鸣湖镇大山村三组12号",
        "living_since": "2010-05-01",
        "permanent_resident": true,
        "purpose": "办理子女入学"
    })
}

/// Runs one async test body against both backends.
#[macro_export]
macro_rules! both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::helpers::Backend::Postgres).await
            }
        }
    };
}

/// Whether `s` contains Chinese characters (the user-facing `message` is Chinese first).
pub fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// A valid ID number whose check character is `X` (returned with an uppercase `X`).
pub fn id_number_ending_in_x() -> String {
    (0..1000)
        .map(|n| format!("22240319850{}{:02}{n:03}", 1 + n % 9, 10 + n % 18))
        .find_map(|body| match mod11_2_check(&body) {
            Some('X') => Some(format!("{body}X")),
            _ => None,
        })
        .expect("some sequence number gives check character X")
}

/// The masked form staff see in lists: first 6, eight `*`, last 4.
pub fn masked(id_number: &str) -> String {
    format!("{}********{}", &id_number[..6], &id_number[14..])
}

impl Resp {
    /// Asserts an error of this HTTP status and `error.code`, with a Chinese `message`
    /// and an English `message_en`. Returns the `error` object.
    pub fn error(&self, status: u16, code: &str) -> &Value {
        assert_eq!(
            self.status, status,
            "expected {status} {code}: {}",
            self.body
        );
        let e = &self.body["error"];
        assert_eq!(e["code"], code, "{}", self.body);
        let zh = e["message"].as_str().expect("error.message");
        let en = e["message_en"].as_str().expect("error.message_en");
        assert!(has_chinese(zh), "message should be Chinese: {zh}");
        assert!(
            !en.is_empty() && !has_chinese(en),
            "message_en should be English: {en}"
        );
        e
    }

    /// Asserts a 422 whose `fields` has `name`, in Chinese, with an English twin in
    /// `fields_en`. Returns the Chinese text.
    pub fn field_error(&self, name: &str) -> String {
        let e = self.error(422, "validation_failed");
        let zh = e["fields"][name]
            .as_str()
            .unwrap_or_else(|| panic!("no fields.{name}: {}", self.body));
        let en = e["fields_en"][name]
            .as_str()
            .unwrap_or_else(|| panic!("no fields_en.{name}: {}", self.body));
        assert!(has_chinese(zh), "fields.{name} should be Chinese: {zh}");
        assert!(
            en.chars().any(|c| c.is_ascii_alphabetic()) && !has_chinese(en),
            "fields_en.{name} should be English: {en}"
        );
        zh.to_owned()
    }

    /// The names in `error.fields`.
    pub fn field_names(&self) -> Vec<String> {
        self.body["error"]["fields"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }
}

/// What a user can observe of an application: status, version, number of events.
#[derive(Debug, PartialEq, Eq)]
pub struct Observed {
    pub status: String,
    pub version: i64,
    pub events: usize,
}

/// What a user can observe of a dispatch, plus the number of its event rows.
#[derive(Debug, PartialEq, Eq)]
pub struct ObservedDispatch {
    pub status: String,
    pub version: i64,
    pub failed_attempts: i64,
    pub events: i64,
}

impl TestApp {
    /// A request with a raw body and content type (for malformed input).
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: &str,
    ) -> Resp {
        let mut req = self
            .client
            .request(method, self.url(path))
            .header("content-type", content_type)
            .body(body.to_owned());
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        assert_ne!(status, 500, "server error on {path}: {body}");
        Resp { status, body }
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.send(Method::PATCH, path, token, Some(body)).await
    }

    /// `POST /api/v1/residents` with the code sent for it: asks for a `register` code
    /// first and sends whatever code reached the phone (`000000` when none did: a bad
    /// phone, a phone with an account).
    pub async fn register(&self, phone: &str, password: &str, id_number: &str) -> Resp {
        let r = self.request_code(phone, "register").await;
        // Within the minute no new code is sent: the last one is still good.
        let code = match r.status {
            202 | 429 => self.sent_code(phone, "code_register").await,
            _ => None,
        };
        self.post(
            "/api/v1/residents",
            None,
            json!({"phone": phone, "password": password, "name": "测试人", "id_number": id_number,
                   "code": code.unwrap_or_else(|| "000000".into())}),
        )
        .await
    }

    /// `POST /api/v1/sms-codes`.
    pub async fn request_code(&self, phone: &str, purpose: &str) -> Resp {
        self.post(
            "/api/v1/sms-codes",
            None,
            json!({"phone": phone, "purpose": purpose}),
        )
        .await
    }

    /// The newest SMS-code message to `phone` (as typed), read from the outbox as the
    /// SMS gateway gets it: (template, params). Once the worker has sent it, the
    /// outbox holds no code; the code is then read from what the console provider
    /// wrote (see [`TestApp::as_sent`]).
    pub async fn last_code_sms(&self, phone: &str) -> Option<(String, Value)> {
        use diesel::prelude::*;
        use zhengming::db::schema::notifications::dsl as n;
        let to = zhengming::domain::phone::Phone::parse(phone)
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|_| phone.to_owned());
        let row: Option<(String, String, String)> = self
            .with_db(move |c| {
                n::notifications
                    .filter(n::recipient.eq(to))
                    .filter(n::template_code.like("code_%"))
                    .order(n::id.desc())
                    .select((n::id, n::template_code, n::params))
                    .first(c)
                    .optional()
                    .unwrap()
            })
            .await;
        let (id, t, p) = row?;
        Some((t, self.as_sent(&id, serde_json::from_str(&p).unwrap())))
    }

    /// An outbox message's params as they went out: the stored ones, or, when the
    /// worker has sent it and blanked its `code`, the ones the console provider wrote
    /// to `sms-console.jsonl` (written before the row is marked sent, so no race).
    pub fn as_sent(&self, notification_id: &str, stored: Value) -> Value {
        if stored["code"] != zhengming::notify::SENT_CODE {
            return stored;
        }
        let file = self.data_dir().join("sms-console.jsonl");
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        text.lines()
            .rev()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find(|v| v["id"] == notification_id)
            .map(|v| v["params"].clone())
            .unwrap_or_else(|| panic!("sent {notification_id} not in {}", file.display()))
    }

    /// The code in the newest SMS-code message to `phone`, if that message is
    /// `template` (e.g. `code_register`).
    pub async fn sent_code(&self, phone: &str, template: &str) -> Option<String> {
        let (t, params) = self.last_code_sms(phone).await?;
        (t == template).then(|| params["code"].as_str().map(str::to_owned))?
    }

    /// Asks for a code for `purpose` and returns the code the phone received.
    pub async fn sms_code(&self, phone: &str, purpose: &str) -> String {
        let r = self.request_code(phone, purpose).await;
        assert_eq!(r.status, 202, "sms code for {phone}: {}", r.body);
        let template = format!("code_{purpose}");
        self.sent_code(phone, &template)
            .await
            .unwrap_or_else(|| panic!("no {template} SMS to {phone}"))
    }

    /// `POST /api/v1/session` without insisting on success.
    pub async fn try_login(&self, phone: &str, password: &str) -> Resp {
        self.post(
            "/api/v1/session",
            None,
            json!({"phone": phone, "password": password}),
        )
        .await
    }

    /// `POST /api/v1/applications` with a full body.
    pub async fn create_application(&self, token: &str, body: Value) -> Resp {
        self.post("/api/v1/applications", Some(token), body).await
    }

    /// `POST /api/v1/applications/{id}/actions` with a raw body.
    pub async fn act_raw(&self, token: &str, app: &Value, body: Value) -> Resp {
        let id = app["id"].as_str().expect("id");
        self.post(
            &format!("/api/v1/applications/{id}/actions"),
            Some(token),
            body,
        )
        .await
    }

    /// `GET /api/v1/applications/{id}` as `token`, insisting on 200.
    pub async fn detail(&self, token: &str, app: &Value) -> Value {
        let id = app["id"].as_str().expect("id");
        let r = self
            .get(&format!("/api/v1/applications/{id}"), Some(token))
            .await;
        assert_eq!(r.status, 200, "read {id}: {}", r.body);
        r.body
    }

    /// Status, version and number of events of the application, as `token` sees it.
    pub async fn observe(&self, token: &str, app: &Value) -> Observed {
        let d = self.detail(token, app).await;
        Observed {
            status: d["status"].as_str().expect("status").to_owned(),
            version: d["version"].as_i64().expect("version"),
            events: d["events"].as_array().expect("events").len(),
        }
    }

    /// The ids of the applications in `GET /api/v1/applications` (first page of 100).
    pub async fn listed_ids(&self, token: &str) -> Vec<String> {
        let r = self
            .get("/api/v1/applications?limit=100", Some(token))
            .await;
        assert_eq!(r.status, 200, "list: {}", r.body);
        r.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|a| a["id"].as_str().expect("id").to_owned())
            .collect()
    }

    /// A submitted application (at the village step).
    pub async fn submitted(&self, resident: &str, delivery: &str) -> Value {
        let d = self.draft(resident, delivery).await;
        self.act_ok(resident, &d, "submit", None).await
    }

    /// `POST /api/v1/dispatches/{id}/events`.
    pub async fn dispatch_event(&self, token: &str, dispatch_id: &str, body: Value) -> Resp {
        self.post(
            &format!("/api/v1/dispatches/{dispatch_id}/events"),
            Some(token),
            body,
        )
        .await
    }

    /// Records `event` (with `extra` fields) at the dispatch's current version,
    /// insisting on success; returns the dispatch.
    pub async fn dispatch_ok(
        &self,
        courier: &str,
        dispatch: &Value,
        event: &str,
        extra: Value,
    ) -> Value {
        let mut body = json!({"event": event, "version": dispatch["version"]});
        if let Some(m) = extra.as_object() {
            for (k, v) in m {
                body[k] = v.clone();
            }
        }
        let id = dispatch["id"].as_str().expect("dispatch id");
        let r = self.dispatch_event(courier, id, body).await;
        assert_eq!(r.status, 200, "{event}: {}", r.body);
        r.body
    }

    /// The dispatch of an application (as shown in its detail) and its event count.
    pub async fn observe_dispatch(&self, token: &str, app: &Value) -> ObservedDispatch {
        let d = self.detail(token, app).await["dispatch"].clone();
        let id = d["id"].as_str().expect("dispatch").to_owned();
        ObservedDispatch {
            status: d["status"].as_str().expect("status").to_owned(),
            version: d["version"].as_i64().expect("version"),
            failed_attempts: d["failed_attempts"].as_i64().expect("failed_attempts"),
            events: self.dispatch_event_rows(&id).await,
        }
    }

    /// The demo administrator's phone (the admin has no jurisdiction).
    pub async fn admin_phone(&self) -> String {
        use diesel::prelude::*;
        use zhengming::db::schema::users::dsl as u;
        self.with_db(|c| {
            u::users
                .filter(u::role.eq("admin"))
                .select(u::phone)
                .first(c)
                .unwrap()
        })
        .await
    }

    /// Signs in as the demo administrator.
    pub async fn admin_token(&self) -> String {
        let phone = self.admin_phone().await;
        self.login(&phone, zhengming::devtools::demo::DEMO_PASSWORD)
            .await
    }

    /// Runs `f` with the application's write connection (test set-up only).
    pub async fn with_writer<T, F>(&self, f: F) -> T
    where
        T: Send + 'static,
        F: FnOnce(&mut zhengming::db::DbConn) -> T + Send + 'static,
    {
        let db = self.app_db.clone();
        tokio::task::spawn_blocking(move || {
            let mut c = db.write_conn().expect("write connection");
            f(&mut c)
        })
        .await
        .expect("database task")
    }

    /// Runs `f` with a pooled read connection of the application's database.
    pub async fn with_db<T, F>(&self, f: F) -> T
    where
        T: Send + 'static,
        F: FnOnce(&mut zhengming::db::DbConn) -> T + Send + 'static,
    {
        let db = self.app_db.clone();
        tokio::task::spawn_blocking(move || {
            let mut c = db.read_conn().expect("read connection");
            f(&mut c)
        })
        .await
        .expect("database task")
    }

    /// Rows in `certificates` for the application.
    pub async fn certificate_rows(&self, application_id: &str) -> i64 {
        use diesel::prelude::*;
        use zhengming::db::schema::certificates::dsl as t;
        let id = application_id.to_owned();
        self.with_db(move |c| {
            t::certificates
                .filter(t::application_id.eq(id))
                .count()
                .get_result::<i64>(c)
                .unwrap()
        })
        .await
    }

    /// Rows in `dispatches` for the application.
    pub async fn dispatch_rows(&self, application_id: &str) -> i64 {
        use diesel::prelude::*;
        use zhengming::db::schema::dispatches::dsl as t;
        let id = application_id.to_owned();
        self.with_db(move |c| {
            t::dispatches
                .filter(t::application_id.eq(id))
                .count()
                .get_result::<i64>(c)
                .unwrap()
        })
        .await
    }

    /// Rows in `dispatch_events` for the dispatch.
    pub async fn dispatch_event_rows(&self, dispatch_id: &str) -> i64 {
        use diesel::prelude::*;
        use zhengming::db::schema::dispatch_events::dsl as t;
        let id = dispatch_id.to_owned();
        self.with_db(move |c| {
            t::dispatch_events
                .filter(t::dispatch_id.eq(id))
                .count()
                .get_result::<i64>(c)
                .unwrap()
        })
        .await
    }

    /// `access_log` rows about the target: (user_id, action, target_type).
    pub async fn access_log_for(&self, target_id: &str) -> Vec<(String, String, String)> {
        use diesel::prelude::*;
        use zhengming::db::schema::access_log::dsl as t;
        let id = target_id.to_owned();
        self.with_db(move |c| {
            // Sign-ins are in the log too (issue 14); these are what was done to the target.
            t::access_log
                .filter(t::target_id.eq(id))
                .filter(t::action.ne("sign_in"))
                .order(t::created_at.asc())
                .select((t::user_id.assume_not_null(), t::action, t::target_type))
                .load::<(String, String, String)>(c)
                .unwrap()
        })
        .await
    }

    /// Creates another staff account (password [`zhengming::devtools::demo::DEMO_PASSWORD`]) and
    /// signs it in; returns the token.
    pub async fn add_staff(&self, role: &str, jurisdiction: &str, name: &str) -> String {
        let phone = self.staff_account(role, jurisdiction, name).await;
        self.login(&phone, zhengming::devtools::demo::DEMO_PASSWORD)
            .await
    }

    /// Creates another staff account (password [`zhengming::devtools::demo::DEMO_PASSWORD`]);
    /// returns its phone.
    pub async fn staff_account(&self, role: &str, jurisdiction: &str, name: &str) -> String {
        use zhengming::domain::phone::Phone;
        use zhengming::domain::role::Role;
        use zhengming::workflow::register::{create_account, NewAccount};
        let phone = phone();
        let hash = tokio::task::spawn_blocking(|| {
            zhengming::auth::password::hash(zhengming::devtools::demo::DEMO_PASSWORD).expect("hash")
        })
        .await
        .unwrap();
        let account = NewAccount {
            role: Role::parse(role).expect("role"),
            phone: Phone::parse(&phone).expect("phone"),
            name: name.to_owned(),
            password_hash: hash,
            id_number: None,
            jurisdiction: Some(jurisdiction.to_owned()),
        };
        self.app_db
            .write(move |c| create_account(c, account))
            .await
            .expect("create staff account");
        phone
    }
}

/// Chinese characters and full-width punctuation (《》（）、，；。).
pub fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| {
        matches!(c, '\u{3000}'..='\u{303f}' | '\u{3400}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}')
    })
}

/// The text of an HTML page (SVG titles and labels included): tags dropped, entities
/// left as they are.
pub fn page_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}
