//! The HTTP surface against an attacker (issue 14): security headers on every
//! response, `__Host-` cookies over HTTPS, HEAD, `next=` only local, stalled bodies
//! cut off, uploads per account, CSV formula cells, bidi controls, the public
//! revocation reason, and the sweep of files a crash left behind.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::both_backends;
use crate::helpers::{accounts, spawn_app, spawn_app_with, Backend, TestApp};

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn header<'a>(r: &'a reqwest::Response, name: &str) -> &'a str {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}

fn assert_security_headers(r: &reqwest::Response, what: &str, https: bool) {
    let csp = header(r, "content-security-policy");
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ] {
        assert!(
            csp.contains(directive),
            "{what}: CSP {csp:?} lacks {directive}"
        );
    }
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{what}: {csp}"
    );
    assert_eq!(header(r, "referrer-policy"), "no-referrer", "{what}");
    assert!(
        header(r, "permissions-policy").contains("camera=()"),
        "{what}"
    );
    assert_eq!(header(r, "x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header(r, "x-frame-options"), "DENY", "{what}");
    let hsts = header(r, "strict-transport-security");
    if https {
        assert!(hsts.starts_with("max-age="), "{what}: HSTS {hsts:?}");
    } else {
        assert!(
            hsts.is_empty(),
            "{what}: no HSTS over plain HTTP, got {hsts:?}"
        );
    }
}

/// Pages, JSON, errors, static files, /verify, the API documents and /healthz all carry
/// the same headers; no page has inline script or style for the CSP to break.
async fn security_headers_on_every_response(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("王小明").await;
    let c = no_redirects();
    let cases: [(&str, Option<&str>, u16); 13] = [
        ("/", None, 200),
        ("/signin", None, 200),
        ("/guide/residence", None, 200),
        ("/no-such-page", None, 404),
        ("/my", None, 303),
        ("/my", Some(&resident), 200),
        ("/api/v1/certificate-types", None, 200),
        ("/api/v1/me", None, 401),
        ("/api/v1/no-such-endpoint", None, 404),
        ("/static/app.css", None, 200),
        ("/verify/222403108-2026-00001?t=forged", None, 200),
        ("/api/docs", None, 200),
        ("/api/openapi.json", None, 200),
    ];
    for (path, token, status) in cases {
        let mut req = c.get(app.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{path}");
        assert_security_headers(&r, path, false);
        let is_html = header(&r, "content-type").starts_with("text/html");
        let body = r.text().await.unwrap();
        if is_html {
            assert!(!body.contains("<style"), "{path}: inline <style>");
            assert!(!body.contains(" style="), "{path}: inline style attribute");
            assert!(!body.contains("<script>"), "{path}: inline <script>");
            for tag in body.split("<script").skip(1) {
                assert!(
                    tag.trim_start().starts_with("src="),
                    "{path}: inline script {tag:.60}"
                );
            }
        }
    }
    let r = c.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_security_headers(&r, "/healthz", false);
    // The verify page's and the API index's styles are files the CSP allows.
    let html = c
        .get(app.url("/verify/x?t=y"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let css = html
        .split("href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .replace("&#x2f;", "/")
        .replace("&amp;", "&");
    let r = c.get(app.url(&css)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{css}");
    assert!(header(&r, "content-type").starts_with("text/css"));
    assert_security_headers(&r, &css, false);
    let docs = c
        .get(app.url("/api/docs"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let css = docs
        .split("href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let r = c.get(app.url(css)).send().await.unwrap();
    assert_eq!(r.status(), 200, "{css}");
    assert!(header(&r, "content-type").starts_with("text/css"));
}
both_backends!(security_headers_on_every_response);

/// Over HTTPS: HSTS, and every cookie is `__Host-…; Secure; Path=/` without Domain; a
/// plainly named session cookie is not accepted there. Over HTTP the names stay plain.
async fn https_cookies_are_host_prefixed() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.base_url = "https://zm.example.gov.cn".into();
    })
    .await;
    let c = no_redirects();
    let r = c.get(app.url("/signin")).send().await.unwrap();
    assert_security_headers(&r, "/signin over https", true);
    let set: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let csrf = set
        .iter()
        .find(|c| c.starts_with("__Host-zm_csrf="))
        .unwrap_or_else(|| panic!("{set:?}"));
    assert!(csrf.contains("Secure") && csrf.contains("Path=/"), "{csrf}");
    assert!(!csrf.to_ascii_lowercase().contains("domain="), "{csrf}");

    let phone = app.staff_phone("official", accounts::TOWNSHIP).await;
    let r = c
        .post(app.url("/api/v1/session"))
        .json(&json!({"phone": phone, "password": zhengming::devtools::demo::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let session = header(&r, "set-cookie").to_owned();
    assert!(session.starts_with("__Host-zm_session="), "{session}");
    assert!(
        session.contains("Secure") && session.contains("Path=/") && session.contains("HttpOnly")
    );
    assert!(
        !session.to_ascii_lowercase().contains("domain="),
        "{session}"
    );
    let token = session["__Host-zm_session=".len()..]
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let r = c
        .get(app.url("/office"))
        .header("cookie", format!("__Host-zm_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "signed in by the __Host- cookie");
    let r = c
        .get(app.url("/office"))
        .header("cookie", format!("zm_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        303,
        "an unprefixed cookie is not ours over https"
    );

    // The language switch's cookie too.
    let r = c.get(app.url("/lang/en?next=/")).send().await.unwrap();
    let lang = header(&r, "set-cookie");
    assert!(
        lang.starts_with("__Host-zm_lang=en") && lang.contains("Secure"),
        "{lang}"
    );

    // Over plain HTTP the names are plain, so local use keeps working.
    let plain = spawn_app(Backend::Sqlite).await;
    let r = c.get(plain.url("/signin")).send().await.unwrap();
    assert!(header(&r, "set-cookie").starts_with("zm_csrf="));
    assert!(header(&r, "strict-transport-security").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_cookies_are_host_prefixed_sqlite() {
    https_cookies_are_host_prefixed().await
}

/// HEAD is answered wherever GET is: same status and headers, no body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn head_is_answered_where_get_is() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = no_redirects();
    for path in [
        "/",
        "/signin",
        "/static/app.css",
        "/api/v1/certificate-types",
        "/api/openapi.json",
        "/api/docs",
        "/healthz",
        "/verify/x?t=y",
    ] {
        let get = c.get(app.url(path)).send().await.unwrap();
        let head = c.head(app.url(path)).send().await.unwrap();
        assert_eq!(head.status(), get.status(), "HEAD {path}");
        assert_eq!(head.status(), StatusCode::OK, "HEAD {path}");
        assert_eq!(
            header(&head, "content-type"),
            header(&get, "content-type"),
            "{path}"
        );
        assert_security_headers(&head, &format!("HEAD {path}"), false);
        let body = head.bytes().await.unwrap();
        assert!(body.is_empty(), "HEAD {path} sent a body");
    }
    // The same length as the GET's body is announced.
    let get = c.get(app.url("/api/openapi.json")).send().await.unwrap();
    let head = c.head(app.url("/api/openapi.json")).send().await.unwrap();
    assert_eq!(
        header(&head, "content-length"),
        get.bytes().await.unwrap().len().to_string()
    );
    // HEAD where there is no GET stays a 404 (a POST-only path).
    let r = c.head(app.url("/api/v1/session")).send().await.unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
}

/// `next=` takes only a local path; anything else goes to `/` (never off-site, never 500).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn next_only_accepts_a_local_path() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = no_redirects();
    for (next, to) in [
        ("/my", "/my"),
        ("/guide/residence%3Fx%3D1", "/guide/residence?x=1"),
        ("/%09/evil.example", "/"),
        ("%2F%09%2Fevil.example", "/"),
        ("//evil.example", "/"),
        ("%2F%2Fevil.example", "/"),
        ("/%5Cevil.example", "/"),
        ("https://evil.example", "/"),
        ("/%0d%0aSet-Cookie:%20x=1", "/"),
        ("/%250d%250aSet-Cookie:x", "/"),
        ("%20/my", "/"),
        ("/%E2%80%AE/my", "/"),
    ] {
        let r = c
            .get(app.url(&format!("/lang/en?next={next}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "next={next}");
        assert_eq!(header(&r, "location"), to, "next={next}");
    }
    // The sign-in page drops a bad `next` from its form.
    let html = c
        .get(app.url("/signin?next=/%09/evil.example"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("name=\"next\" value=\"\""), "{html}");
    let html = c
        .get(app.url("/signin?next=/my"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("name=\"next\" value=\"&#x2f;my\"") || html.contains("value=\"/my\""),
        "{html}"
    );
}

/// A raw HTTP/1.1 exchange: sends `head` and the first `body` bytes, then stalls;
/// returns the status and body the server answers with.
async fn stalled_request(app: &TestApp, head: &str, body: &[u8]) -> (u16, String) {
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(body).await.unwrap();
    s.flush().await.unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), async {
        let mut chunk = [0u8; 4096];
        loop {
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf);
                    if let Some((h, b)) = text.split_once("\r\n\r\n") {
                        let len = h
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap())
                            })
                            .unwrap_or(0);
                        if b.len() >= len {
                            break;
                        }
                    }
                }
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "the server never answered the stalled request"
    );
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn upload_head(app: &TestApp, token: &str, application_id: &str) -> (String, Vec<u8>) {
    let addr = app.base.trim_start_matches("http://");
    let boundary = "XyZ";
    let start = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nid_card\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\
         Content-Type: image/jpeg\r\n\r\n"
    );
    let head = format!(
        "POST /api/v1/applications/{application_id}/documents HTTP/1.1\r\nHost: {addr}\r\n\
         Authorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n\
         Content-Length: 5000000\r\n\r\n"
    );
    let photo = crate::fixtures::jpeg(400, 300);
    let mut body = start.into_bytes();
    body.extend_from_slice(&photo[..photo.len() / 2]);
    (head, body)
}

fn spool_files(app: &TestApp) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(app.data_dir().join("tmp/uploads"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

/// A body that stops arriving is cut off with a 408 in the error shape, and the upload's
/// spool file is gone; a JSON body likewise.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_body_is_timed_out() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.body_timeout_secs = 1).await;
    let (resident, _, _) = app.new_resident("王小明").await;
    let draft = app.bare_draft(&resident, "pickup").await;
    let id = draft["id"].as_str().unwrap();

    let started = std::time::Instant::now();
    let (head, body) = upload_head(&app, &resident, id);
    let (status, body) = stalled_request(&app, &head, &body).await;
    assert_eq!(status, 408, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"]["code"], "request_timeout", "{v}");
    assert!(
        v["error"]["message"].as_str().unwrap().contains("中断"),
        "{v}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(spool_files(&app).is_empty(), "{:?}", spool_files(&app));

    let addr = app.base.trim_start_matches("http://");
    let head = format!(
        "POST /api/v1/session HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: 200\r\n\r\n"
    );
    let (status, body) = stalled_request(&app, &head, b"{\"phone\": \"139").await;
    assert_eq!(status, 408, "{body}");
    assert!(body.contains("request_timeout"), "{body}");

    // A body that keeps arriving, if slowly, is not cut off.
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let json = format!(
        "{{\"phone\": \"13900000000\", \"password\": \"{}\"}}",
        "x".repeat(20)
    );
    s.write_all(
        format!(
            "POST /api/v1/session HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            json.len()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    for piece in json.as_bytes().chunks(json.len() / 4 + 1) {
        tokio::time::sleep(Duration::from_millis(600)).await;
        s.write_all(piece).await.unwrap();
    }
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    assert!(out.starts_with("HTTP/1.1 401"), "{out}");
}

/// Two uploads of one account in progress: the third is refused with a 429 (zh/en);
/// another account is not affected, and the slots come back when the uploads end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_third_concurrent_upload_is_refused() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.body_timeout_secs = 3).await;
    let (resident, _, _) = app.new_resident("王小明").await;
    let draft = app.bare_draft(&resident, "pickup").await;
    let id = draft["id"].as_str().unwrap().to_owned();
    let mut stalled = Vec::new();
    for _ in 0..2 {
        let (head, body) = upload_head(&app, &resident, &id);
        let addr = app.base.trim_start_matches("http://").to_owned();
        let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
        s.write_all(head.as_bytes()).await.unwrap();
        s.write_all(&body).await.unwrap();
        s.flush().await.unwrap();
        stalled.push(s);
    }
    for _ in 0..100 {
        if spool_files(&app).len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(spool_files(&app).len(), 2, "both uploads are in progress");
    let r = app
        .upload(
            &resident,
            &id,
            "id_card",
            "c.jpg",
            crate::fixtures::jpeg(64, 48),
        )
        .await;
    assert_eq!(r.status, 429, "{}", r.body);
    let e = &r.body["error"];
    assert_eq!(e["code"], "too_many_requests");
    assert!(e["message"].as_str().unwrap().contains("正在上传"), "{e}");
    assert!(
        e["message_en"].as_str().unwrap().contains("in progress"),
        "{e}"
    );

    let (other, _, _) = app.new_resident("李秀英").await;
    let theirs = app.bare_draft(&other, "pickup").await;
    let r = app
        .upload(
            &other,
            theirs["id"].as_str().unwrap(),
            "id_card",
            "d.jpg",
            crate::fixtures::jpeg(64, 48),
        )
        .await;
    assert_eq!(r.status, 201, "another account uploads: {}", r.body);

    // Once the stalled uploads time out, the account may upload again.
    drop(stalled);
    let mut last = 0;
    for _ in 0..100 {
        let r = app
            .upload(
                &resident,
                &id,
                "id_card",
                "e.jpg",
                crate::fixtures::jpeg(64, 48),
            )
            .await;
        last = r.status;
        if r.status == 201 {
            break;
        }
        assert_eq!(r.status, 429, "{}", r.body);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(last, 201);
}

/// `uploads_per_account` holds across two instances on one PostgreSQL: an upload in
/// progress on one instance uses the account's only slot on the other too, and the
/// slot comes back when it ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upload_limit_holds_across_two_instances() {
    let limits = |s: &mut zhengming::config::Settings| {
        s.uploads_per_account = 1;
        s.body_timeout_secs = 3;
    };
    let app = spawn_app_with(Backend::Postgres, limits).await;
    let mut settings = zhengming::config::Settings {
        database_url: app.database_url.clone(),
        data_dir: app.data_dir.clone(),
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

    let (resident, _, _) = app.new_resident("王小明").await;
    let draft = app.bare_draft(&resident, "pickup").await;
    let id = draft["id"].as_str().unwrap().to_owned();
    let upload_to_b = || async {
        let form = reqwest::multipart::Form::new()
            .text("kind", "id_card")
            .part(
                "file",
                reqwest::multipart::Part::bytes(crate::fixtures::jpeg(64, 48))
                    .file_name("b.jpg")
                    .mime_str("image/jpeg")
                    .unwrap(),
            );
        let r = app
            .client
            .post(format!("{b_base}/api/v1/applications/{id}/documents"))
            .bearer_auth(&resident)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json::<Value>().await.unwrap())
    };
    // The slot is free: instance B takes an upload (and gives the slot back).
    let (status, body) = upload_to_b().await;
    assert_eq!(status, 201, "{body}");

    // An upload stalled on instance A holds the account's one slot ...
    let (head, body) = upload_head(&app, &resident, &id);
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut stalled = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stalled.write_all(head.as_bytes()).await.unwrap();
    stalled.write_all(&body).await.unwrap();
    stalled.flush().await.unwrap();
    for _ in 0..100 {
        if spool_files(&app).len() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(spool_files(&app).len(), 1, "the upload is in progress on A");
    // ... so instance B refuses the account's next one.
    let (status, body) = upload_to_b().await;
    assert_eq!(status, 429, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("正在上传"));

    // The stalled upload is cut off on A; B takes the account's upload again.
    drop(stalled);
    let mut last = 0;
    for _ in 0..100 {
        let (status, body) = upload_to_b().await;
        last = status;
        if status == 201 {
            break;
        }
        assert_eq!(status, 429, "{body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(last, 201);
}

/// Formula-like cells (`=`, `+`, `-`, `@`, tab, CR) come out of the real CSV export
/// prefixed with `'`.
async fn csv_export_neutralises_formula_cells(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("王小明").await;
    app.issued(&resident, "pickup").await;
    let evil = "=HYPERLINK(\"http://evil.example\",\"点击\")";
    let db = app.app_db.clone();
    tokio::task::spawn_blocking(move || {
        use diesel::prelude::*;
        use zhengming::db::schema::jurisdictions::dsl as j;
        let mut c = db.write_conn().unwrap();
        diesel::update(j::jurisdictions.filter(j::code.eq(accounts::TOWNSHIP)))
            .set(j::name.eq(evil))
            .execute(&mut *c)
            .unwrap();
    })
    .await
    .unwrap();
    let county = app.login_staff("supervisor", "222403").await;
    let resp = app
        .client
        .get(app.url("/api/v1/stats?group_by=township&format=csv"))
        .bearer_auth(&county)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    let row = text
        .lines()
        .find(|l| l.starts_with(accounts::TOWNSHIP))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        row.starts_with(&format!("{},\"'=HYPERLINK(", accounts::TOWNSHIP)),
        "{row}"
    );
    assert!(
        !text.contains(",=HYPERLINK") && !text.contains(",\"=HYPERLINK"),
        "{text}"
    );
}
both_backends!(csv_export_neutralises_formula_cells);

/// Bidi controls (U+202A–U+202E, U+2066–U+2069) are refused in names and addresses,
/// with a message saying what is wrong.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bidi_controls_are_refused_in_names_and_addresses() {
    let app = spawn_app(Backend::Sqlite).await;
    let r = app
        .post(
            "/api/v1/residents",
            None,
            json!({"phone": crate::helpers::phone(), "password": "secret-pass-1",
                   "name": "张三\u{202e}gpj.exe", "id_number": crate::helpers::id_number()}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let msg = r.body["error"]["fields"]["name"]
        .as_str()
        .unwrap_or_default();
    assert!(msg.contains("文字方向控制字符"), "{}", r.body);
    assert!(
        r.body["error"]["fields_en"]["name"]
            .as_str()
            .unwrap()
            .contains("text-direction"),
        "{}",
        r.body
    );

    let (resident, _, _) = app.new_resident("王小明").await;
    let mut form = crate::helpers::residence_form();
    form["address"] = json!("大山村\u{2066}三组\u{2069}12号");
    let r = app
        .create_application(
            &resident,
            json!({"type": "residence", "jurisdiction": accounts::VILLAGE, "form": form,
                   "delivery": {"method": "pickup"}}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.to_string().contains("文字方向控制字符"),
        "{}",
        r.body
    );

    let r = app
        .create_application(
            &resident,
            json!({"type": "residence", "jurisdiction": accounts::VILLAGE,
                   "form": crate::helpers::residence_form(),
                   "delivery": {"method": "courier", "recipient": "王小明", "phone": "13912345678",
                                "address": "敦化市雁鸣湖镇大山村\u{202b}三组12号"}}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.to_string().contains("文字方向控制字符"),
        "{}",
        r.body
    );
}

async fn verify_json(app: &TestApp, url: &str) -> Value {
    let r = app
        .client
        .get(url)
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn verify_url(app: &TestApp, resident: &str, done: &Value) -> String {
    let id = done["id"].as_str().unwrap();
    let pdf = app
        .client
        .get(app.url(&format!("/api/v1/applications/{id}/certificate.pdf")))
        .bearer_auth(resident)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    crate::pdf_support::decode_qr(&pdf)
}

/// `/verify` shows the reason chosen from the list, never the official's own words,
/// which stay in the case trail; a revoke without a code is "other"; a bad code is
/// refused; the official's case page revokes with the same list.
async fn the_public_revocation_reason_comes_from_a_list(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("张小伟").await;
    let township = app.login_staff("official", accounts::TOWNSHIP).await;

    let done = app.issued(&resident, "pickup").await;
    let number = done["certificate"]["number"].as_str().unwrap().to_owned();
    let url = verify_url(&app, &resident, &done).await;
    let path = format!("/api/v1/certificates/{number}/revoke");
    let r = app
        .post(
            &path,
            Some(&township),
            json!({"reason": "x", "reason_code": "because"}),
        )
        .await;
    assert!(
        r.status == 400 || r.status == 422,
        "{} {}",
        r.status,
        r.body
    );
    let secret = "申请人王某提供的租房合同系伪造";
    let r = app
        .post(
            &path,
            Some(&township),
            json!({"reason": secret, "reason_code": "annulled"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["revocation_code"], "annulled");
    assert_eq!(r.body["revocation_reason"], secret, "staff see their words");
    let v = verify_json(&app, &url).await;
    assert_eq!(v["result"], "revoked");
    assert_eq!(v["revocation_reason"], "依法撤销", "{v}");
    assert_eq!(v["revocation_reason_en"], "Revoked under the law", "{v}");
    assert_eq!(v["revocation_code"], "annulled", "{v}");
    assert!(!v.to_string().contains("伪造"), "{v}");
    let html = app
        .client
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("依法撤销") && !html.contains("伪造"),
        "{html}"
    );
    let detail = app.detail(&township, &done).await;
    let last = detail["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["reason"], secret, "the trail keeps the words");

    // No code: "other".
    let done = app.issued(&resident, "pickup").await;
    let number = done["certificate"]["number"].as_str().unwrap().to_owned();
    let url = verify_url(&app, &resident, &done).await;
    let r = app
        .post(
            &format!("/api/v1/certificates/{number}/revoke"),
            Some(&township),
            json!({"reason": "重复录入"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let v = verify_json(&app, &url).await;
    assert_eq!(v["revocation_reason"], "其他", "{v}");
    assert_eq!(v["revocation_code"], "other", "{v}");

    // The official's case page: the form lists the codes and revokes.
    let done = app.issued(&resident, "pickup").await;
    let id = done["id"].as_str().unwrap();
    let number = done["certificate"]["number"].as_str().unwrap().to_owned();
    let url = verify_url(&app, &resident, &done).await;
    let c = no_redirects();
    let r = c
        .get(app.url(&format!("/office/{id}")))
        .bearer_auth(&township)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let csrf_cookie = header(&r, "set-cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let html = r.text().await.unwrap();
    assert!(
        html.contains("name=\"reason_code\"") && html.contains("重复开具"),
        "{html}"
    );
    let csrf = csrf_cookie.split_once('=').unwrap().1.to_owned();
    let r = c
        .post(app.url(&format!("/office/{id}/revoke")))
        .bearer_auth(&township)
        .header("cookie", &csrf_cookie)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("number", number.as_str()),
            ("reason_code", "duplicate"),
            ("reason", "与ZM2026000001重复"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let v = verify_json(&app, &url).await;
    assert_eq!(v["revocation_reason"], "重复开具", "{v}");
}
both_backends!(the_public_revocation_reason_comes_from_a_list);

fn age(path: &std::path::Path, by: Duration) {
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(SystemTime::now() - by).unwrap();
}

/// A restart sweeps an old `.part` upload and an old blob without a row, and keeps a
/// document's blob, a certificate and anything recent.
async fn restart_sweeps_orphan_files(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("王小明").await;
    let done = app.issued(&resident, "pickup").await;
    let blobs = app.data_dir().join("blobs");
    let app_id = done["id"].as_str().unwrap();
    let docs: Vec<_> = std::fs::read_dir(blobs.join("documents").join(app_id))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(!docs.is_empty());
    let certs: Vec<_> = walk(&blobs.join("certificates"));
    assert_eq!(certs.len(), 1);
    let two_hours = Duration::from_secs(7200);
    for p in docs.iter().chain(certs.iter()) {
        age(p, two_hours);
    }
    let orphan = blobs
        .join("documents")
        .join(app_id)
        .join("0190aaaa-orphan.jpg");
    std::fs::write(&orphan, b"left by a crash").unwrap();
    age(&orphan, two_hours);
    let orphan_cert = blobs.join("certificates/2026/0190bbbb-orphan.pdf");
    std::fs::write(&orphan_cert, b"%PDF-").unwrap();
    age(&orphan_cert, two_hours);
    let fresh = blobs
        .join("documents")
        .join(app_id)
        .join("0190cccc-in-flight.jpg");
    std::fs::write(&fresh, b"being written now").unwrap();
    let spool = app.data_dir().join("tmp/uploads");
    std::fs::create_dir_all(&spool).unwrap();
    let old_part = spool.join("old.part");
    std::fs::write(&old_part, b"half an upload").unwrap();
    age(&old_part, two_hours);
    let new_part = spool.join("new.part");
    std::fs::write(&new_part, b"arriving").unwrap();

    // A second instance starting on the same data: the start-up path sweeps.
    let settings = zhengming::config::Settings {
        database_url: app.database_url.clone(),
        data_dir: app.data_dir().to_owned(),
        listen: "127.0.0.1:0".into(),
        log: "warn".into(),
        worker_in_serve: false,
        db_timeout_secs: 1,
        ..Default::default()
    };
    let second = zhengming::startup::Application::build(settings)
        .await
        .unwrap();
    assert!(!orphan.exists(), "orphan blob swept");
    assert!(!orphan_cert.exists(), "orphan certificate blob swept");
    assert!(!old_part.exists(), "old .part swept");
    assert!(fresh.exists(), "a recent blob is never taken");
    assert!(new_part.exists(), "a recent .part is never taken");
    for p in docs.iter().chain(certs.iter()) {
        assert!(p.exists(), "{} kept", p.display());
    }
    drop(second);
    // The documents and certificate still download.
    let r = app
        .client
        .get(app.url(&format!("/api/v1/applications/{app_id}/certificate.pdf")))
        .bearer_auth(&resident)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}
both_backends!(restart_sweeps_orphan_files);

fn walk(p: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(d) = std::fs::read_dir(p) {
        for e in d.flatten() {
            let path = e.path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}
