//! What an operator watches: `/metrics`, `/readyz` and the request id on every response.

use crate::both_backends;
use crate::helpers::{spawn_app, spawn_app_with, Backend, TestApp};

/// The value of the sample `name{labels}` (labels exactly as rendered), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

async fn scrape(app: &TestApp) -> String {
    let r = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    r.text().await.unwrap()
}

async fn metrics_count_what_happened(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("张三").await;
    app.issued(&resident, "pickup").await;
    // A refused upload: not a photo nor a PDF.
    let draft = app.bare_draft(&resident, "pickup").await;
    let r = app
        .upload(
            &resident,
            draft["id"].as_str().unwrap(),
            "id_card",
            "notes.txt",
            b"just some text, not a document".to_vec(),
        )
        .await;
    assert_eq!(r.status, 415, "{}", r.body);
    // Two lookups of certificates that do not exist (the page says so), and a path that
    // is no route.
    for n in ["222403108-2026-99998", "222403108-2026-99999"] {
        app.client
            .get(app.url(&format!("/verify/{n}")))
            .send()
            .await
            .unwrap();
    }
    app.client
        .get(app.url("/no/such/page/12345"))
        .send()
        .await
        .unwrap();

    let text = scrape(&app).await;
    // Requests by route pattern: both verify lookups in one series, no number as a label.
    assert_eq!(
        sample(
            &text,
            r#"zhengming_http_requests_total{method="GET",route="/verify/{certificate_number}",status="200"}"#
        ),
        Some(2.0),
        "{text}"
    );
    assert!(
        !text.contains("2026-9999") && !text.contains("/no/such"),
        "{text}"
    );
    assert!(text.contains(r#"route="unmatched""#), "{text}");
    assert!(text.contains(
        r#"zhengming_http_request_duration_seconds_bucket{method="POST",route="/api/v1/applications/{id}/actions",status="200","#
    ), "{text}");
    assert_eq!(
        sample(&text, "zhengming_certificates_issued_total"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"zhengming_uploads_refused_total{reason="unsupported_media_type"}"#
        ),
        Some(1.0),
        "{text}"
    );
    // Jobs are counted from the database: one that no worker knows fails at once.
    app.app_db
        .write(|c| {
            zhengming::jobs::enqueue(c, "no_such_kind", &serde_json::json!({}), 1)
                .map_err(zhengming::db::DbError::from)
        })
        .await
        .unwrap();
    crate::notify::wait_until(10, "the failed job counted", || async {
        scrape(&app)
            .await
            .contains(r#"zhengming_jobs{kind="no_such_kind",status="failed"} 1"#)
    })
    .await;
    let text = scrape(&app).await;
    assert!(
        sample(&text, "zhengming_outbox_oldest_unsent_age_seconds").is_some(),
        "{text}"
    );
    let pool = match backend {
        Backend::Sqlite => "read",
        Backend::Postgres => "main",
    };
    assert!(
        text.contains(&format!(
            r#"zhengming_db_pool_connections{{pool="{pool}",state="idle"}}"#
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(r#"zhengming_db_pool_waiting{{pool="{pool}"}}"#)),
        "{text}"
    );
    if backend == Backend::Sqlite {
        // Every write above waited for the one writer, however briefly.
        let waits = sample(&text, "zhengming_sqlite_write_lock_wait_seconds_count").unwrap();
        assert!(waits >= 5.0, "{text}");
    }
}
both_backends!(metrics_count_what_happened);

async fn metrics_need_the_token_when_one_is_set(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.metrics_token = "s3cret-token".into()).await;
    let get = |auth: Option<&'static str>| {
        let mut req = app.client.get(app.url("/metrics"));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        req.send()
    };
    for auth in [None, Some("Bearer wrong-token"), Some("s3cret-token")] {
        let r = get(auth).await.unwrap();
        assert_eq!(r.status(), 401, "{auth:?}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");
        assert!(crate::helpers::has_chinese(
            body["error"]["message"].as_str().unwrap()
        ));
    }
    let r = get(Some("Bearer s3cret-token")).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("zhengming_http_requests_total"));
}
both_backends!(metrics_need_the_token_when_one_is_set);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_token_metrics_refuse_what_came_through_a_proxy() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.trust_forwarded_for = true).await;
    // Loopback, but forwarded by a proxy on this machine for someone else.
    let r = app
        .client
        .get(app.url("/metrics"))
        .header("x-forwarded-for", "127.0.0.1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "forbidden");
    assert!(body["error"]["message_en"]
        .as_str()
        .unwrap()
        .contains("metrics_token"));
    scrape(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_has_a_request_id_and_a_trusted_proxy_sets_it() {
    let plain = spawn_app(Backend::Sqlite).await;
    let mut seen = std::collections::HashSet::new();
    for path in ["/healthz", "/api/v1/no-such", "/", "/api/v1/me"] {
        let r = plain
            .client
            .get(plain.url(path))
            .header("x-request-id", "from-the-client")
            .send()
            .await
            .unwrap();
        let id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
        // Not trusted: the client's own id is not taken.
        assert_ne!(id, "from-the-client", "{path}");
        assert!(id.len() >= 16, "{path}: {id}");
        assert!(seen.insert(id), "ids are unique");
    }

    let behind = spawn_app_with(Backend::Sqlite, |s| s.trust_forwarded_for = true).await;
    let id_of = |sent: &'static str| {
        let req = behind
            .client
            .get(behind.url("/api/v1/certificate-types"))
            .header("x-request-id", sent);
        async move {
            let r = req.send().await.unwrap();
            r.headers()["x-request-id"].to_str().unwrap().to_owned()
        }
    };
    assert_eq!(
        id_of("0af7651916cd43dd8448eb211c80319c").await,
        "0af7651916cd43dd8448eb211c80319c"
    );
    // Not a plain id (it would go into the logs as it is): a new one instead.
    let replaced = id_of("a b\"c").await;
    assert_ne!(replaced, "a b\"c");
    assert!(replaced.bytes().all(|b| b.is_ascii_alphanumeric()));
}

async fn readyz_checks_database_and_storage(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = app.get("/readyz", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["database"], "ok");
    assert_eq!(r.body["storage"], "ok");
    // The probe only reads: nothing is written, however often it is asked.
    let blobs = app.data_dir.join("blobs");
    for _ in 0..3 {
        assert_eq!(app.get("/readyz", None).await.status, 200);
    }
    assert!(!blobs.join("readyz").exists(), "no probe objects written");

    // The blob directory replaced by a file: nothing can be stored.
    std::fs::remove_dir_all(&blobs).unwrap();
    std::fs::write(&blobs, b"not a directory").unwrap();
    let r = app.get("/readyz", None).await;
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(r.body["database"], "ok");
    assert_eq!(r.body["storage"], "unavailable");
    // Liveness is not readiness: the process itself is fine.
    assert_eq!(app.get("/healthz", None).await.status, 200);
}
both_backends!(readyz_checks_database_and_storage);

/// Two instances on one PostgreSQL share the verify page's limit per client: each
/// instance's own bucket would let every request below through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_verify_limit_holds_across_two_instances() {
    let limits = |s: &mut zhengming::config::Settings| {
        s.verify_burst = 3;
        s.verify_per_minute = 3;
    };
    let a = spawn_app_with(Backend::Postgres, limits).await;
    let mut settings = zhengming::config::Settings {
        database_url: a.database_url.clone(),
        data_dir: a.data_dir.clone(),
        listen: "127.0.0.1:0".into(),
        log: "warn".into(),
        worker_in_serve: false,
        db_timeout_secs: 1,
        ..Default::default()
    };
    limits(&mut settings);
    let b = zhengming::startup::Application::build(settings)
        .await
        .unwrap();
    let b_base = format!("http://127.0.0.1:{}", b.port());
    tokio::spawn(b.run_until_stopped());

    let mut statuses = Vec::new();
    for base in [&a.base, &b_base, &a.base, &b_base] {
        let r = a
            .client
            .get(format!("{base}/verify/222403108-2026-00001"))
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 429]);
}
