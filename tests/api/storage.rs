//! Blobs outside the write transaction (issue 18): a certificate's PDF is drawn and
//! stored before the transaction that records it, and removed when that transaction
//! does not commit.

use crate::both_backends;
use crate::helpers::{accounts, spawn_app, Backend, TestApp};

/// Files under `dir`, recursively (none when it does not exist).
pub fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(d) = std::fs::read_dir(dir) {
        for e in d.flatten() {
            let path = e.path();
            if path.is_dir() {
                out.extend(files_under(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// Runs `sql` (statements separated by `;;`) on the server's database.
async fn execute(app: &TestApp, sql: &'static str) {
    use diesel::RunQueryDsl;
    let db = app.app_db.clone();
    tokio::task::spawn_blocking(move || {
        let mut c = db.write_conn().expect("writer");
        for statement in sql.split(";;") {
            diesel::sql_query(statement)
                .execute(&mut c)
                .expect(statement);
        }
    })
    .await
    .unwrap();
}

/// The database refuses every certificate row from now on (a fault injected after the
/// PDF is drawn and stored).
async fn refuse_certificates(app: &TestApp) {
    match app.backend {
        Backend::Sqlite => {
            execute(
                app,
                "CREATE TRIGGER refuse_cert BEFORE INSERT ON certificates \
                 BEGIN SELECT RAISE(ABORT, 'injected fault'); END",
            )
            .await
        }
        Backend::Postgres => {
            execute(
                app,
                "CREATE FUNCTION refuse_cert() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$;;\
                 CREATE TRIGGER refuse_cert BEFORE INSERT ON certificates \
                 FOR EACH ROW EXECUTE FUNCTION refuse_cert()",
            )
            .await
        }
    }
}

async fn accept_certificates(app: &TestApp) {
    match app.backend {
        Backend::Sqlite => execute(app, "DROP TRIGGER refuse_cert").await,
        Backend::Postgres => execute(app, "DROP TRIGGER refuse_cert ON certificates").await,
    }
}

async fn a_rolled_back_approval_leaves_no_blob(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("孙一").await;
    let village = app.login_staff("official", accounts::VILLAGE).await;
    let township = app.login_staff("official", accounts::TOWNSHIP).await;
    let submitted = app.submitted(&resident, "pickup").await;
    let accepted = app.act_ok(&village, &submitted, "accept", None).await;
    let at_township = app.act_ok(&village, &accepted, "approve", None).await;
    let certs = app.data_dir().join("blobs/certificates");
    assert!(files_under(&certs).is_empty());

    refuse_certificates(&app).await;
    let id = at_township["id"].as_str().unwrap();
    // Sent directly: the helpers treat any 500 as a failed test.
    let r = app
        .client
        .post(app.url(&format!("/api/v1/applications/{id}/actions")))
        .bearer_auth(&township)
        .json(&serde_json::json!({"action": "approve", "version": at_township["version"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500, "the injected fault");
    assert_eq!(app.certificate_rows(id).await, 0);
    assert_eq!(
        files_under(&certs),
        Vec::<std::path::PathBuf>::new(),
        "the PDF stored for the approval that rolled back is removed"
    );
    let seen = app.detail(&resident, &at_township).await;
    assert_eq!(seen["status"], "under_review");
    assert_eq!(seen["version"], at_township["version"]);

    // Without the fault, the same approval issues one certificate with one stored PDF.
    accept_certificates(&app).await;
    let issued = app.act_ok(&township, &at_township, "approve", None).await;
    assert_eq!(issued["status"], "issued");
    assert_eq!(app.certificate_rows(id).await, 1);
    assert_eq!(files_under(&certs).len(), 1, "one PDF, no leftovers");
    let r = app
        .client
        .get(app.url(&format!("/api/v1/applications/{id}/certificate.pdf")))
        .bearer_auth(&resident)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF"));
}
both_backends!(a_rolled_back_approval_leaves_no_blob);

/// The `s3` feature against a real S3-compatible server: moto in server mode
/// (`ZHENGMING_TEST_S3_ENDPOINT`, as `scripts/test` starts it, or one started here).
#[cfg(feature = "s3")]
mod s3 {
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    use zhengming::storage::BlobStore;

    use crate::both_backends;
    use crate::helpers::{spawn_app_with, Backend};

    /// A moto server this test started; stopped when dropped.
    struct Moto(Option<Child>);

    impl Drop for Moto {
        fn drop(&mut self) {
            if let Some(c) = &mut self.0 {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
    }

    /// The endpoint and a new empty bucket on it.
    async fn moto_bucket() -> (Moto, String, String) {
        let (moto, endpoint) = match std::env::var("ZHENGMING_TEST_S3_ENDPOINT") {
            Ok(e) => (Moto(None), e),
            Err(_) => {
                let port = std::net::TcpListener::bind("127.0.0.1:0")
                    .unwrap()
                    .local_addr()
                    .unwrap()
                    .port();
                let child = Command::new("moto_server")
                    .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("moto_server is required (pip install 'moto[server]')");
                (Moto(Some(child)), format!("http://127.0.0.1:{port}"))
            }
        };
        let client = reqwest::Client::new();
        let bucket = format!("zm-{}", uuid::Uuid::now_v7().simple());
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            match client.put(format!("{endpoint}/{bucket}")).send().await {
                Ok(r) if r.status().is_success() => break,
                r => assert!(
                    Instant::now() < until,
                    "moto at {endpoint} does not answer: {r:?}"
                ),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        // object_store's S3 client reads these (one process per test under nextest).
        for (k, v) in [
            ("AWS_ENDPOINT", endpoint.as_str()),
            ("AWS_ALLOW_HTTP", "true"),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_REGION", "us-east-1"),
        ] {
            std::env::set_var(k, v);
        }
        (moto, endpoint, bucket)
    }

    /// Keys in the bucket, listed over plain HTTP (ListObjectsV2), not through our store.
    async fn bucket_keys(endpoint: &str, bucket: &str) -> Vec<String> {
        let xml = reqwest::get(format!("{endpoint}/{bucket}?list-type=2"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        xml.split("<Key>")
            .skip(1)
            .map(|s| s.split("</Key>").next().unwrap().to_owned())
            .collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn put_get_delete_and_probe_through_s3() {
        let (_moto, endpoint, bucket) = moto_bucket().await;
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::from_url(&format!("s3://{bucket}/zm"), dir.path()).unwrap();
        store
            .put_async("documents/a/b.jpg", b"a photo".to_vec())
            .await
            .unwrap();
        assert_eq!(
            store.get_async("documents/a/b.jpg").await.unwrap(),
            b"a photo"
        );
        assert_eq!(
            bucket_keys(&endpoint, &bucket).await,
            ["zm/documents/a/b.jpg"],
            "under the prefix, in the bucket itself"
        );
        store.probe().await.unwrap();
        assert_eq!(
            bucket_keys(&endpoint, &bucket).await.len(),
            1,
            "the readiness probe writes nothing"
        );
        store.delete_async("documents/a/b.jpg").await.unwrap();
        assert_eq!(
            store
                .get_async("documents/a/b.jpg")
                .await
                .unwrap_err()
                .kind(),
            std::io::ErrorKind::NotFound
        );
        store.delete_async("documents/a/b.jpg").await.unwrap();
        assert!(bucket_keys(&endpoint, &bucket).await.is_empty());
        assert!(store.put_async("../x", b"x".to_vec()).await.is_err());
    }

    /// A case's documents and certificate go to S3 and come back; the sweep removes an
    /// old object no row references and keeps a fresh one and the referenced ones.
    async fn a_certificate_and_the_sweep_through_s3(backend: Backend) {
        let (_moto, endpoint, bucket) = moto_bucket().await;
        let url = format!("s3://{bucket}");
        let app = spawn_app_with(backend, |s| s.storage_url = url.clone()).await;
        assert_eq!(app.get("/readyz", None).await.body["storage"], "ok");
        let (resident, _, _) = app.new_resident("赵六").await;
        let done = app.issued(&resident, "pickup").await;
        let id = done["id"].as_str().unwrap();
        let r = app
            .client
            .get(app.url(&format!("/api/v1/applications/{id}/certificate.pdf")))
            .bearer_auth(&resident)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.bytes().await.unwrap().starts_with(b"%PDF"));
        let stored = bucket_keys(&endpoint, &bucket).await;
        assert_eq!(
            stored
                .iter()
                .filter(|k| k.starts_with("certificates/"))
                .count(),
            1,
            "{stored:?}"
        );
        assert!(
            stored
                .iter()
                .any(|k| k.starts_with(&format!("documents/{id}/"))),
            "{stored:?}"
        );
        assert!(
            super::files_under(&app.data_dir().join("blobs")).is_empty(),
            "nothing stored locally"
        );

        let store = BlobStore::from_url(&url, app.data_dir()).unwrap();
        let orphans = [
            format!("documents/{id}/0190aaaa-orphan.jpg"),
            "certificates/2026/0190bbbb-orphan.pdf".to_owned(),
        ];
        for k in &orphans {
            store
                .put_async(k, b"left by a crash".to_vec())
                .await
                .unwrap();
        }
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let fresh = format!("documents/{id}/0190cccc-in-flight.jpg");
        store
            .put_async(&fresh, b"being written".to_vec())
            .await
            .unwrap();
        let swept = zhengming::workflow::sweep::sweep(
            &app.app_db,
            &store,
            &app.data_dir().join("tmp/uploads"),
            Duration::from_secs(2),
        )
        .await
        .unwrap();
        assert_eq!(swept.blobs, 2);
        let after = bucket_keys(&endpoint, &bucket).await;
        for k in &orphans {
            assert!(!after.contains(k), "{k} swept");
        }
        assert!(after.contains(&fresh), "a fresh object is kept");
        for k in &stored {
            assert!(after.contains(k), "{k} (has a row) kept");
        }
        let r = app
            .client
            .get(app.url(&format!("/api/v1/applications/{id}/certificate.pdf")))
            .bearer_auth(&resident)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    both_backends!(a_certificate_and_the_sweep_through_s3);
}
