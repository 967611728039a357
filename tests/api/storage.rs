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
