//! `zhengming backup` during a write load and `zhengming restore`, as real processes on
//! a real SQLite file: every draft the service acknowledged before the backup began is
//! in the restored copy; a tampered backup is refused and nothing is written.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

const VILLAGE: &str = "222403108200";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_server(dir: &Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_zhengming"))
        .arg("serve")
        .env("ZHENGMING_DATA_DIR", dir)
        .env("ZHENGMING_LISTEN", format!("127.0.0.1:{port}"))
        .env("ZHENGMING_LOG", "warn")
        .env("ZHENGMING_DRAFTS_PER_DAY", "100000")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start zhengming serve")
}

async fn wait_ready(base: &str) {
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = reqwest::get(format!("{base}/healthz")).await {
            if r.status().is_success() {
                return;
            }
        }
        assert!(Instant::now() < until, "server at {base} did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Seeds the demo data and returns a demo resident's phone (from the printed table).
fn seed_demo(dir: &Path) -> String {
    let out = super::zhengming(dir, &["demo"], None);
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find(|l| l.starts_with("resident"))
        .and_then(|l| l.split_whitespace().nth(1))
        .expect("a demo resident")
        .to_owned()
}

async fn sign_in(base: &str, phone: &str) -> String {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"phone": phone, "password": "demo12345"}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(status, 200, "sign in: {body}");
    body["token"].as_str().unwrap().to_owned()
}

fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let until = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > until {
            let _ = child.kill();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn is_empty(dir: &Path) -> bool {
    std::fs::read_dir(dir).map_or(true, |mut d| d.next().is_none())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_during_writes_restores_every_acknowledged_draft() {
    let data = tempfile::tempdir().unwrap();
    let resident = seed_demo(data.path());
    let port = free_port();
    let server = start_server(data.path(), port);
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&base).await;
    let token = sign_in(&base, &resident).await;

    // The load: drafts one after another; an id is recorded once the 201 is in hand.
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let running = Arc::new(AtomicBool::new(true));
    let load = {
        let (acked, running, base, token) =
            (acked.clone(), running.clone(), base.clone(), token.clone());
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            while running.load(Ordering::Relaxed) {
                let r = client
                    .post(format!("{base}/api/v1/applications"))
                    .bearer_auth(&token)
                    .json(&json!({
                        "type": "residence",
                        "jurisdiction": VILLAGE,
                        "form": {"address": "敦化市雁鸣湖镇大山村三组12号",
                                 "living_since": "2010-05-01",
                                 "permanent_resident": true,
                                 "purpose": "办理子女入学"},
                        "delivery": {"method": "pickup"},
                    }))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201, "create draft");
                let body: serde_json::Value = r.json().await.unwrap();
                acked
                    .lock()
                    .unwrap()
                    .push(body["id"].as_str().unwrap().to_owned());
            }
        })
    };
    while acked.lock().unwrap().len() < 20 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let backup_root = tempfile::tempdir().unwrap();
    let backup_dir = backup_root.path().join("b1");
    let before: Vec<String> = acked.lock().unwrap().clone();
    let out = {
        let (data, dir) = (data.path().to_owned(), backup_dir.clone());
        tokio::task::spawn_blocking(move || {
            super::zhengming(&data, &["backup", dir.to_str().unwrap()], None)
        })
        .await
        .unwrap()
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The service kept serving: more drafts are acknowledged after the backup.
    let after_backup = acked.lock().unwrap().len();
    eprintln!(
        "drafts acknowledged before the backup: {}, while it ran: {}",
        before.len(),
        after_backup - before.len()
    );
    while acked.lock().unwrap().len() < after_backup + 5 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    running.store(false, Ordering::Relaxed);
    load.await.unwrap();
    stop(server);

    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(backup_dir.join("MANIFEST.json")).unwrap())
            .unwrap();
    let paths: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"zhengming.db"), "{paths:?}");
    assert!(paths.iter().any(|p| p.starts_with("keys/")), "{paths:?}");

    // A second backup into the same (now full) directory is refused.
    let again = super::zhengming(data.path(), &["backup", backup_dir.to_str().unwrap()], None);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));

    // Restore into a fresh data directory; into a non-empty one it is refused.
    let restored = tempfile::tempdir().unwrap();
    let out = super::zhengming(
        data.path(),
        &["restore", backup_dir.to_str().unwrap()],
        None,
    );
    assert!(
        !out.status.success(),
        "restore over the live data directory"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("not empty"));
    let out = super::zhengming(
        restored.path(),
        &["restore", backup_dir.to_str().unwrap()],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let port = free_port();
    let server = start_server(restored.path(), port);
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&base).await;
    let token = sign_in(&base, &resident).await;
    let client = reqwest::Client::new();
    for id in &before {
        let r = client
            .get(format!("{base}/api/v1/applications/{id}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "draft {id} acknowledged before the backup");
    }
    stop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_refuses_a_tampered_backup_and_writes_nothing() {
    let data = tempfile::tempdir().unwrap();
    seed_demo(data.path());
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("b");
    let out = super::zhengming(data.path(), &["backup", dir.to_str().unwrap()], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // One byte changed in a key file.
    let key = std::fs::read_dir(dir.join("keys"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_file())
        .expect("a key file in the backup");
    let mut bytes = std::fs::read(&key).unwrap();
    bytes[0] ^= 1;
    std::fs::write(&key, bytes).unwrap();
    let name = format!("keys/{}", key.file_name().unwrap().to_string_lossy());

    let target = tempfile::tempdir().unwrap();
    let out = super::zhengming(target.path(), &["restore", dir.to_str().unwrap()], None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("checksum mismatch") && err.contains(&name),
        "{err}"
    );
    assert!(
        is_empty(target.path()),
        "restore wrote into the data directory"
    );

    // A file slipped into the backup is refused too.
    let mut bytes = std::fs::read(&key).unwrap();
    bytes[0] ^= 1;
    std::fs::write(&key, bytes).unwrap();
    std::fs::write(dir.join("keys").join("extra.pem"), "x").unwrap();
    let out = super::zhengming(target.path(), &["restore", dir.to_str().unwrap()], None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("keys/extra.pem"), "{err}");
    assert!(is_empty(target.path()));

    // Keys kept apart: a backup without them lists none and says so.
    let apart = root.path().join("no-keys");
    let out = super::zhengming(
        data.path(),
        &["backup", "--without-keys", apart.to_str().unwrap()],
        None,
    );
    assert!(out.status.success());
    let manifest = std::fs::read_to_string(apart.join("MANIFEST.json")).unwrap();
    assert!(!apart.join("keys").exists());
    assert!(manifest.contains("WITHOUT the keys"), "{manifest}");
    assert!(manifest.contains("\"zhengming.db\""), "{manifest}");
}

#[test]
fn on_postgresql_blobs_and_keys_are_backed_up_and_the_database_is_left_to_pg_dump() {
    let data = tempfile::tempdir().unwrap();
    let keys = data.path().join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    std::fs::write(keys.join("index.key"), "k".repeat(64)).unwrap();
    let blob = data.path().join("blobs").join("ab").join("cdef");
    std::fs::create_dir_all(blob.parent().unwrap()).unwrap();
    std::fs::write(&blob, b"a certificate").unwrap();
    // A blob still being written by the store is not part of any row yet.
    std::fs::write(blob.with_file_name("cdef#1"), b"half").unwrap();

    // The command does not need the database: it only names it.
    let pg = |dir: &Path, args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_zhengming"))
            .args(args)
            .env("ZHENGMING_DATA_DIR", dir)
            .env(
                "ZHENGMING_DATABASE_URL",
                "postgres://postgres@127.0.0.1:5432/zhengming",
            )
            .env("ZHENGMING_LOG", "warn")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap()
    };
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("b");
    let out = pg(data.path(), &["backup", dir.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("pg_dump"));
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.json")).unwrap();
    assert!(manifest.contains("\"postgres\""), "{manifest}");
    assert!(manifest.contains("\"blobs/ab/cdef\""), "{manifest}");
    assert!(manifest.contains("\"keys/index.key\""), "{manifest}");
    assert!(!manifest.contains("zhengming.db") && !manifest.contains("cdef#1"));

    let target = tempfile::tempdir().unwrap();
    let out = pg(target.path(), &["restore", dir.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("pg_restore"));
    assert_eq!(
        std::fs::read(target.path().join("blobs/ab/cdef")).unwrap(),
        b"a certificate"
    );
    assert!(target.path().join("keys/index.key").is_file());
}
