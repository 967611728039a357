//! Uploaded documents: intake, normalisation, serving, and hostile inputs that must each
//! get a clear 4xx and leave the database and the blob store unchanged.

use std::path::{Path, PathBuf};

use reqwest::Method;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::both_backends;
use crate::fixtures::{self, contains, dimensions, pixel};
use crate::helpers::{accounts, has_chinese, spawn_app, Backend, TestApp};

fn files_under(p: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(p) {
        for e in rd.flatten() {
            if e.path().is_dir() {
                out.extend(files_under(&e.path()));
            } else {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

/// Rows in `documents` and every stored or spooled file.
async fn snapshot(app: &TestApp) -> (i64, Vec<PathBuf>) {
    use diesel::prelude::*;
    use zhengming::db::schema::documents::dsl as d;
    let rows = app
        .with_db(|c| d::documents.count().get_result::<i64>(c).unwrap())
        .await;
    let mut files = files_under(&app.data_dir().join("blobs/documents"));
    files.extend(files_under(&app.data_dir().join("tmp")));
    (rows, files)
}

async fn fetch(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn upload_fetch_and_scope(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("王小明").await;
    let draft = app.draft(&resident, "pickup").await;
    let id = draft["id"].as_str().unwrap();

    // A 3000×2000 photo is stored capped at 2400 px with a 320 px thumbnail.
    let r = app
        .upload(
            &resident,
            id,
            "id_card",
            "IMG_0001.JPG",
            fixtures::jpeg(3000, 2000),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let doc = r.body.clone();
    assert_eq!(doc["content_type"], "image/jpeg");
    assert_eq!(
        (doc["width"].as_i64(), doc["height"].as_i64()),
        (Some(2400), Some(1600))
    );
    assert_eq!(doc["kind_name"], "居民身份证");
    let url = doc["url"].as_str().unwrap().to_owned();
    let resp = fetch(&app, &resident, &url).await;
    assert_eq!(resp.status(), 200);
    let h = resp.headers().clone();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["content-type"], "image/jpeg");
    assert!(h["cache-control"].to_str().unwrap().starts_with("private"));
    let cd = h["content-disposition"].to_str().unwrap();
    assert!(
        cd.starts_with("inline; filename=\"id_card-") && cd.ends_with("IMG_0001.jpg"),
        "{cd}"
    );
    let body = resp.bytes().await.unwrap();
    assert_eq!(dimensions(&body), (2400, 1600));
    assert_eq!(
        hex::encode(Sha256::digest(&body)),
        doc["sha256"].as_str().unwrap()
    );
    assert_eq!(doc["size_bytes"].as_u64().unwrap(), body.len() as u64);
    let thumb = fetch(&app, &resident, doc["thumb_url"].as_str().unwrap()).await;
    assert_eq!(thumb.status(), 200);
    assert_eq!(dimensions(&thumb.bytes().await.unwrap()), (320, 213));

    // A PDF is stored as uploaded and served for download.
    let pdf = fixtures::pdf(3);
    let r = app
        .upload(&resident, id, "other", "证明 材料.pdf", pdf.clone())
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let resp = fetch(&app, &resident, r.body["url"].as_str().unwrap()).await;
    let cd = resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cd.starts_with("attachment; filename=\"other-"), "{cd}");
    assert!(
        cd.contains("filename*=UTF-8''%E8%AF%81%E6%98%8E%20%E6%9D%90%E6%96%99.pdf"),
        "{cd}"
    );
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    assert_eq!(resp.bytes().await.unwrap().as_ref(), pdf.as_slice());
    assert!(r.body["thumb_url"].is_null());
    let pdf_doc = r.body["id"].as_str().unwrap().to_owned();

    // The type allows two ID-card files.
    let r = app
        .upload(&resident, id, "id_card", "3.jpg", fixtures::jpeg(40, 30))
        .await;
    assert!(r.field_error("kind").contains("最多上传2个"));

    // Listed, and shown in the application's detail.
    let list = app
        .get(
            &format!("/api/v1/applications/{id}/documents"),
            Some(&resident),
        )
        .await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 4);
    let detail = app
        .get(&format!("/api/v1/applications/{id}"), Some(&resident))
        .await;
    assert_eq!(detail.body["documents"].as_array().unwrap().len(), 4);

    // Deleting one of your own while editable removes the row and the file.
    let before = snapshot(&app).await;
    let r = app
        .send(
            Method::DELETE,
            &format!("/api/v1/documents/{pdf_doc}"),
            Some(&resident),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let after = snapshot(&app).await;
    assert_eq!(after.0, before.0 - 1);
    assert_eq!(after.1.len(), before.1.len() - 1);

    // Staff see nothing of a draft; another resident never.
    let village = app.login_staff("official", accounts::VILLAGE).await;
    let (other, _, _) = app.new_resident("李四").await;
    for t in [&village, &other] {
        assert_eq!(fetch(&app, t, &url).await.status(), 404);
    }
    assert!(app
        .access_log_for(doc["id"].as_str().unwrap())
        .await
        .is_empty());

    // After submission: the village official reads it (and the access log says so),
    // an official elsewhere gets a 404, the resident can no longer change documents.
    let submitted = app.act_ok(&resident, &draft, "submit", None).await;
    assert_eq!(submitted["status"], "submitted");
    let resp = fetch(&app, &village, &url).await;
    assert_eq!(resp.status(), 200);
    let log = app.access_log_for(doc["id"].as_str().unwrap()).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].1, "view_document");
    assert_eq!(log[0].2, "document");
    let elsewhere = app.login_staff("official", accounts::OTHER_TOWNSHIP).await;
    assert_eq!(fetch(&app, &elsewhere, &url).await.status(), 404);
    let staff_list = app
        .get(
            &format!("/api/v1/applications/{id}/documents"),
            Some(&village),
        )
        .await;
    assert_eq!(staff_list.status, 200);
    let r = app
        .send(
            Method::DELETE,
            &format!("/api/v1/documents/{}", doc["id"].as_str().unwrap()),
            Some(&resident),
            None,
        )
        .await;
    r.error(409, "conflict");

    // Returned for correction: documents may change again.
    let accepted = app
        .get(&format!("/api/v1/applications/{id}"), Some(&village))
        .await
        .body;
    let returned = app
        .act_ok(&village, &accepted, "return", Some("身份证照片不清晰"))
        .await;
    assert_eq!(returned["status"], "returned");
    let r = app
        .upload(
            &resident,
            id,
            "household_register",
            "户口簿.png",
            fixtures::png(300, 200),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["content_type"], "image/jpeg");
}
both_backends!(upload_fetch_and_scope);

async fn submit_requires_the_types_documents(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("王小明").await;
    let draft = app.bare_draft(&resident, "pickup").await;
    let id = draft["id"].as_str().unwrap();
    let r = app.act(&resident, &draft, "submit", None).await;
    assert!(r.field_error("documents.id_card").contains("居民身份证"));
    assert!(r
        .field_error("documents.lease_or_property")
        .contains("住所证明材料"));
    assert!(
        !r.field_names()
            .contains(&"documents.household_register".to_owned()),
        "optional"
    );
    let r = app
        .upload(&resident, id, "id_card", "id.jpg", fixtures::jpeg(64, 48))
        .await;
    assert_eq!(r.status, 201);
    let r = app.act(&resident, &draft, "submit", None).await;
    assert_eq!(r.field_names(), ["documents.lease_or_property"]);
    let r = app
        .upload(
            &resident,
            id,
            "lease_or_property",
            "lease.pdf",
            fixtures::pdf(2),
        )
        .await;
    assert_eq!(r.status, 201);
    app.act_ok(&resident, &draft, "submit", None).await;
}
both_backends!(submit_requires_the_types_documents);

async fn photos_come_out_upright_and_without_metadata(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("王小明").await;
    let draft = app.bare_draft(&resident, "pickup").await;
    let id = draft["id"].as_str().unwrap();
    // Landscape sensor data, red left / blue right, tagged "rotate 90° clockwise", with GPS.
    let photo = fixtures::with_exif(&fixtures::jpeg(400, 200), 6, true);
    assert!(contains(&photo, b"Exif\0\0"));
    let r = app.upload(&resident, id, "id_card", "gps.jpg", photo).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        (r.body["width"].as_i64(), r.body["height"].as_i64()),
        (Some(200), Some(400))
    );
    let stored = fetch(&app, &resident, r.body["url"].as_str().unwrap())
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(dimensions(&stored), (200, 400), "upright: portrait");
    let top = pixel(&stored, 100, 100);
    let bottom = pixel(&stored, 100, 300);
    assert!(
        top[0] > 150 && top[2] < 100,
        "the left (red) half is now on top: {top:?}"
    );
    assert!(
        bottom[2] > 150 && bottom[0] < 100,
        "blue at the bottom: {bottom:?}"
    );
    assert!(!contains(&stored, b"Exif"), "no EXIF block left");
    assert!(!contains(&stored, &[0xFF, 0xE1]), "no APP1 segment left");
}
both_backends!(photos_come_out_upright_and_without_metadata);

async fn hostile_inputs_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("王小明").await;
    let draft = app.bare_draft(&resident, "pickup").await;
    let id = draft["id"].as_str().unwrap().to_owned();
    let (other, _, _) = app.new_resident("李四").await;
    let submitted_app = app.draft(&other, "pickup").await;
    let submitted_app = app.act_ok(&other, &submitted_app, "submit", None).await;
    let submitted_id = submitted_app["id"].as_str().unwrap().to_owned();

    let good = fixtures::jpeg(64, 48);
    let mut truncated = fixtures::jpeg(640, 480);
    truncated.truncate(truncated.len() * 2 / 3);
    let mut over = fixtures::jpeg(64, 48);
    over.resize(15 * 1024 * 1024 + 1, 0);
    let html = b"<!DOCTYPE html><html><script>alert(1)</script></html>".to_vec();
    let exe = [b"MZ\x90\0\x03\0\0\0".as_slice(), &[0u8; 200]].concat();
    // (what, application, kind, file, status, error code)
    type Case<'a> = (&'a str, &'a str, &'a str, Vec<u8>, u16, &'a str);
    let cases: Vec<Case> = vec![
        (
            "zero bytes",
            &id,
            "id_card",
            Vec::new(),
            422,
            "unprocessable",
        ),
        (
            "truncated JPEG",
            &id,
            "id_card",
            truncated,
            422,
            "unprocessable",
        ),
        (
            "PNG claiming 100000×100000",
            &id,
            "id_card",
            fixtures::png_claiming(100_000, 100_000),
            413,
            "payload_too_large",
        ),
        (
            "HTML named .jpg",
            &id,
            "id_card",
            html,
            415,
            "unsupported_media_type",
        ),
        (
            "executable named .jpg",
            &id,
            "id_card",
            exe,
            415,
            "unsupported_media_type",
        ),
        (
            "PDF of 500 pages",
            &id,
            "other",
            fixtures::pdf(500),
            422,
            "unprocessable",
        ),
        (
            "body over the limit",
            &id,
            "id_card",
            over,
            413,
            "payload_too_large",
        ),
        (
            "kind the type does not ask for",
            &id,
            "dibao_card",
            good.clone(),
            422,
            "validation_failed",
        ),
        (
            "unknown kind",
            &id,
            "passport",
            good.clone(),
            422,
            "validation_failed",
        ),
        (
            "someone else's application",
            &submitted_id,
            "id_card",
            good.clone(),
            404,
            "not_found",
        ),
    ];
    for (what, app_id, kind, bytes, status, code) in cases {
        let before = snapshot(&app).await;
        let r = app
            .upload(&resident, app_id, kind, "photo.jpg", bytes)
            .await;
        let e = r.error(status, code);
        assert!(has_chinese(e["message"].as_str().unwrap()), "{what}");
        assert_eq!(snapshot(&app).await, before, "{what} left something behind");
    }
    // The owner after submission.
    let before = snapshot(&app).await;
    let r = app
        .upload(&other, &submitted_id, "other", "late.jpg", good.clone())
        .await;
    assert!(r.error(409, "conflict")["message"]
        .as_str()
        .unwrap()
        .contains("不能修改材料"));
    assert_eq!(snapshot(&app).await, before);
    // Unsupported formats are told which ones are accepted.
    let r = app
        .upload(&resident, &id, "id_card", "a.gif", b"GIF89a....".to_vec())
        .await;
    let msg = r.error(415, "unsupported_media_type")["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(msg.contains("JPEG") && msg.contains("PDF"), "{msg}");
}
both_backends!(hostile_inputs_change_nothing);

/// A client that goes away mid-upload leaves no spooled file, blob or row.
async fn interrupted_upload_leaves_nothing(backend: Backend) {
    use tokio::io::AsyncWriteExt;
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("王小明").await;
    let draft = app.bare_draft(&resident, "pickup").await;
    let id = draft["id"].as_str().unwrap();
    let before = snapshot(&app).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let boundary = "XyZ";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nid_card\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\
         Content-Type: image/jpeg\r\n\r\n"
    );
    let req = format!(
        "POST /api/v1/applications/{id}/documents HTTP/1.1\r\nHost: {addr}\r\n\
         Authorization: Bearer {resident}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n\
         Content-Length: 5000000\r\n\r\n{head}"
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let photo = fixtures::jpeg(800, 600);
    s.write_all(&photo[..photo.len() / 2]).await.unwrap();
    s.flush().await.unwrap();
    // Let the server spool what arrived, then hang up.
    let spool = app.data_dir().join("tmp/uploads");
    for _ in 0..50 {
        if !files_under(&spool).is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(files_under(&spool).len(), 1, "the upload was being spooled");
    drop(s);
    let mut after = snapshot(&app).await;
    for _ in 0..100 {
        if after == before {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        after = snapshot(&app).await;
    }
    assert_eq!(after, before);
    let _: Value = app.get("/healthz", None).await.body;
}
both_backends!(interrupted_upload_leaves_nothing);
