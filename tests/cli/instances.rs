//! Several instances on one PostgreSQL (issue 18), as real processes: two `serve` and
//! two `zhengming worker` on one database. A session made on one instance works on the
//! other; a limit counted on both holds; every SMS is sent once; and one `serve`
//! restarted with SIGTERM while requests stream through both loses no acknowledged
//! request and answers no 5xx.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::json;

const VILLAGE: &str = "222403108200";

fn pg_admin_url() -> String {
    std::env::var("ZHENGMING_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A fresh PostgreSQL database, dropped at the end.
struct PgDatabase {
    name: String,
    url: String,
}

impl PgDatabase {
    fn create() -> PgDatabase {
        let name = format!("zm_test_{}", uuid::Uuid::now_v7().simple());
        let mut c = diesel::pg::PgConnection::establish(&pg_admin_url())
            .expect("PostgreSQL is required for this test");
        diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
            .execute(&mut c)
            .unwrap();
        let admin = pg_admin_url();
        let base = admin.rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap();
        let url = format!("{base}/{name}?gssencmode=disable&sslmode=disable");
        PgDatabase { name, url }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if let Ok(mut c) = diesel::pg::PgConnection::establish(&pg_admin_url()) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ))
            .execute(&mut c);
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn command(dir: &Path, db: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_zhengming"));
    c.env("ZHENGMING_DATA_DIR", dir)
        .env("ZHENGMING_DATABASE_URL", db)
        .env("ZHENGMING_LOG", "warn")
        .env("ZHENGMING_WORKER_IN_SERVE", "false")
        .env("ZHENGMING_WORKER_POLL_MS", "50")
        .env("ZHENGMING_DRAFTS_PER_DAY", "100000")
        .env("ZHENGMING_SMS_CODE_DAILY_PER_CLIENT", "8")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    c
}

fn serve(dir: &Path, db: &str, port: u16) -> Child {
    command(dir, db)
        .arg("serve")
        .env("ZHENGMING_LISTEN", format!("127.0.0.1:{port}"))
        .spawn()
        .expect("start zhengming serve")
}

fn worker(dir: &Path, db: &str) -> Child {
    command(dir, db)
        .arg("worker")
        .spawn()
        .expect("start zhengming worker")
}

async fn wait_ready(base: &str, child: &mut Child) {
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = reqwest::get(format!("{base}/readyz")).await {
            if r.status().is_success() {
                return;
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("server for {base} exited: {status}");
        }
        assert!(Instant::now() < until, "server at {base} did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// SIGTERM, then waits for the exit; returns whether the process exited cleanly.
fn terminate(child: &mut Child) -> bool {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.success();
        }
        if Instant::now() > until {
            let _ = child.kill();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Kills the processes still running when the test ends (also when it fails).
struct Processes(Vec<Child>);

impl Drop for Processes {
    fn drop(&mut self) {
        for c in &mut self.0 {
            terminate(c);
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

/// The notification ids in a console SMS file (one JSON object a line).
fn sms_ids(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["id"].as_str().unwrap().to_owned()
        })
        .collect()
}

fn draft_body() -> serde_json::Value {
    json!({
        "type": "residence",
        "jurisdiction": VILLAGE,
        "form": {"address": "敦化市雁鸣湖镇大山村三组12号",
                 "living_since": "2010-05-01",
                 "permanent_resident": true,
                 "purpose": "办理子女入学"},
        "delivery": {"method": "pickup"},
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_and_two_workers_share_one_postgresql() {
    let db = PgDatabase::create();
    let root = tempfile::tempdir().unwrap();
    let shared = root.path().join("web");
    std::fs::create_dir_all(&shared).unwrap();
    let out = command(&shared, &db.url).arg("migrate").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = command(&shared, &db.url)
        .arg("demo")
        .stdout(Stdio::piped())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let resident = String::from_utf8_lossy(&out.stdout)
        .lines()
        .find(|l| l.starts_with("resident"))
        .and_then(|l| l.split_whitespace().nth(1))
        .expect("a demo resident")
        .to_owned();

    // The two web instances share a data directory (keys and blobs: a shared volume);
    // each worker has its own with a copy of the keys, so the console SMS files the
    // test counts are each worker's own.
    let (port_a, port_b) = (free_port(), free_port());
    let (a, b) = (
        format!("http://127.0.0.1:{port_a}"),
        format!("http://127.0.0.1:{port_b}"),
    );
    let mut procs = Processes(vec![serve(&shared, &db.url, port_a)]);
    wait_ready(&a, &mut procs.0[0]).await;
    procs.0.push(serve(&shared, &db.url, port_b));
    wait_ready(&b, &mut procs.0[1]).await;
    let worker_dirs = [root.path().join("w1"), root.path().join("w2")];
    for dir in &worker_dirs {
        copy_dir(&shared.join("keys"), &dir.join("keys"));
        procs.0.push(worker(dir, &db.url));
    }
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();

    // A session made on A works on B; signing out on B ends it on A.
    let sign_in = |base: String| {
        let (client, phone) = (client.clone(), resident.clone());
        async move {
            let r = client
                .post(format!("{base}/api/v1/session"))
                .json(&json!({"phone": phone, "password": "demo12345"}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            let body: serde_json::Value = r.json().await.unwrap();
            body["token"].as_str().unwrap().to_owned()
        }
    };
    let token = sign_in(a.clone()).await;
    let r = client
        .get(format!("{b}/api/v1/applications"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "A's session on B");
    let r = client
        .delete(format!("{b}/api/v1/session"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let r = client
        .get(format!("{a}/api/v1/applications"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "signed out on B, so out on A too");

    let pg = zhengming::db::Db::connect(&db.url, 2).unwrap();
    let sms_rows = || {
        use zhengming::db::schema::notifications::dsl as n;
        let mut c = pg.read_conn().unwrap();
        n::notifications
            .filter(n::channel.eq("sms"))
            .select((n::id, n::status, n::template_code))
            .load::<(String, String, String)>(&mut c)
            .unwrap()
    };
    // One client asks both instances for codes to new phones: the daily limit per
    // client (8) is counted once across both.
    let mut statuses = Vec::new();
    for i in 0..10 {
        let base = if i % 2 == 0 { &a } else { &b };
        let r = client
            .post(format!("{base}/api/v1/sms-codes"))
            .json(&json!({"phone": format!("1770000{i:04}"), "purpose": "register"}))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, [202, 202, 202, 202, 202, 202, 202, 202, 429, 429]);

    // The two workers send each message exactly once.
    let until = Instant::now() + Duration::from_secs(60);
    while sms_rows().iter().any(|(_, s, _)| s != "sent") {
        assert!(Instant::now() < until, "SMS not sent: {:?}", sms_rows());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rows = sms_rows();
    let codes = rows
        .iter()
        .filter(|r| r.2.starts_with("code_register"))
        .count();
    assert_eq!(codes, 8, "one message per code asked for: {rows:?}");
    let mut sent: Vec<String> = worker_dirs
        .iter()
        .flat_map(|d| sms_ids(&d.join("sms-console.jsonl")))
        .collect();
    sent.sort();
    // Every message the workers sent (the codes, and any the periodic jobs made, such as
    // the warning that next year's holiday calendar is missing), each once.
    let mut expected: Vec<String> = rows.into_iter().map(|(id, _, _)| id).collect();
    expected.sort();
    assert_eq!(sent, expected, "each message sent once, by one worker");

    // A rolling restart of A while four clients create drafts through both instances.
    let token = sign_in(b.clone()).await;
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let (refused, running) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicBool::new(true)),
    );
    let mut load = Vec::new();
    for n in 0..4 {
        let (acked, refused, running) = (acked.clone(), refused.clone(), running.clone());
        let (client, token, bases) = (client.clone(), token.clone(), [a.clone(), b.clone()]);
        load.push(tokio::spawn(async move {
            let mut i = n;
            while running.load(Ordering::Relaxed) {
                i += 1;
                let mut base = &bases[i % 2];
                let r = loop {
                    match client
                        .post(format!("{base}/api/v1/applications"))
                        .bearer_auth(&token)
                        .json(&draft_body())
                        .send()
                        .await
                    {
                        Ok(r) => break r,
                        // Nothing listens (the instance is down): the other one.
                        Err(e) if e.is_connect() => {
                            refused.fetch_add(1, Ordering::Relaxed);
                            base = &bases[(i + 1) % 2];
                            i += 1;
                            tokio::time::sleep(Duration::from_millis(10)).await;
                        }
                        Err(e) => panic!("request to {base} lost: {e}"),
                    }
                };
                let status = r.status();
                let body: serde_json::Value = r.json().await.unwrap();
                assert_eq!(status, 201, "create draft on {base}: {body}");
                acked
                    .lock()
                    .unwrap()
                    .push(body["id"].as_str().unwrap().to_owned());
            }
        }));
    }
    let wait_acked = |n: usize| {
        let acked = acked.clone();
        async move {
            let until = Instant::now() + Duration::from_secs(60);
            while acked.lock().unwrap().len() < n {
                assert!(Instant::now() < until, "the load stalled");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    };
    wait_acked(30).await;
    let mut old_a = procs.0.remove(0);
    let clean = tokio::task::spawn_blocking(move || terminate(&mut old_a))
        .await
        .unwrap();
    assert!(clean, "A drained and exited cleanly on SIGTERM");
    let during = acked.lock().unwrap().len();
    procs.0.push(serve(&shared, &db.url, port_a));
    let restarted = procs.0.len() - 1;
    wait_ready(&a, &mut procs.0[restarted]).await;
    wait_acked(during + 30).await;
    running.store(false, Ordering::Relaxed);
    for l in load {
        l.await.unwrap();
    }
    for p in &mut procs.0 {
        assert!(p.try_wait().unwrap().is_none(), "every process still runs");
    }
    let acked = acked.lock().unwrap().clone();
    eprintln!(
        "drafts acknowledged: {}; connections refused and retried on the other: {}",
        acked.len(),
        refused.load(Ordering::Relaxed)
    );
    for id in &acked {
        for base in [&a, &b] {
            let r = client
                .get(format!("{base}/api/v1/applications/{id}"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "acknowledged draft {id} on {base}");
        }
    }
}
