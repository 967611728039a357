//! ID numbers at rest: encrypted in every column (and so in the SQLite file), one ID
//! number one account, re-binding at the office, and the start-up data migration.

use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use serde_json::json;
use zhengming::db::DbConn;

use crate::both_backends;
use crate::helpers::{
    accounts, id_number, id_number_ending_in_x, phone, spawn_app, Backend, TestApp,
};

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Cell {
    #[diesel(sql_type = Nullable<Text>)]
    v: Option<String>,
}

/// Every value of every column of `tables`, as text, read raw.
fn raw_values(c: &mut DbConn, tables: &[&str]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for table in tables {
        let columns: Vec<Name> = match c {
            DbConn::Sqlite(s) => {
                diesel::sql_query(format!("SELECT name FROM pragma_table_info('{table}')"))
                    .load(s)
                    .expect("columns")
            }
            DbConn::Pg(p) => diesel::sql_query(format!(
                "SELECT column_name::text AS name FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name = '{table}'"
            ))
            .load(p)
            .expect("columns"),
        };
        assert!(!columns.is_empty(), "no table {table}");
        for col in columns {
            let q = format!(
                "SELECT CAST(\"{}\" AS TEXT) AS v FROM \"{table}\"",
                col.name
            );
            let cells: Vec<Cell> = match c {
                DbConn::Sqlite(s) => diesel::sql_query(q).load(s).expect("values"),
                DbConn::Pg(p) => diesel::sql_query(q).load(p).expect("values"),
            };
            out.extend(
                cells
                    .into_iter()
                    .filter_map(|x| x.v)
                    .map(|v| (format!("{table}.{}", col.name), v)),
            );
        }
    }
    out
}

const TABLES: &[&str] = &[
    "users",
    "applications",
    "application_events",
    "notifications",
    "documents",
    "dispatches",
    "dispatch_events",
    "certificates",
    "access_log",
    "jobs",
];

/// No column holds the number (nor its birth date and sequence, the part a mask hides).
async fn assert_nowhere_in_clear(app: &TestApp, id: &str) {
    let hidden = id[6..17].to_owned();
    let values = app.with_db(|c| raw_values(c, TABLES)).await;
    assert!(values.len() > 50, "read the tables: {}", values.len());
    for (col, v) in &values {
        assert!(
            !v.contains(&hidden),
            "{col} holds the ID number in clear: {v}"
        );
    }
}

async fn nothing_is_stored_in_clear(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, id) = app.new_resident("赵敏").await;
    // A whole case: events, messages, certificate, dispatch.
    let issued = app.issued(&resident, "courier").await;
    let own = app.detail(&resident, &issued).await;
    assert_eq!(own["subject_id_number"], id, "the owner reads it decrypted");
    // And a second case for someone else, the subject typed in.
    let other = id_number_ending_in_x();
    let r = app
        .create_application(
            &resident,
            json!({
                "type": "residence",
                "jurisdiction": accounts::VILLAGE,
                "subject": {"name": "赵父", "id_number": other.to_lowercase(), "relationship": "parent"},
                "form": crate::helpers::residence_form(),
                "delivery": {"method": "pickup"},
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["subject_id_number"], other);
    let stored: Vec<(String, Option<String>)> = app
        .with_db(|c| {
            use zhengming::db::schema::users::dsl as u;
            u::users
                .filter(u::role.eq("resident"))
                .select((u::id_number.assume_not_null(), u::id_number_bidx))
                .load(c)
                .unwrap()
        })
        .await;
    for (v, ix) in &stored {
        assert!(v.starts_with("enc:v1:"), "{v}");
        assert_eq!(ix.as_deref().map(str::len), Some(64));
    }
    assert_nowhere_in_clear(&app, &id).await;
    assert_nowhere_in_clear(&app, &other).await;
    if backend == Backend::Sqlite {
        for name in ["test.db", "test.db-wal"] {
            let Ok(bytes) = std::fs::read(app.data_dir().join(name)) else {
                continue;
            };
            for needle in [&id, &other] {
                assert!(
                    !bytes.windows(11).any(|w| w == &needle.as_bytes()[6..17]),
                    "{name} holds an ID number in clear"
                );
            }
        }
    }
}
both_backends!(nothing_is_stored_in_clear);

async fn one_id_number_one_account(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = id_number_ending_in_x();
    let r = app.register(&phone(), "secret-pass-1", &id).await;
    assert_eq!(r.status, 201, "{}", r.body);
    // The same number again, typed with a lowercase x and spaces: refused.
    let again = phone();
    let r = app
        .register(&again, "secret-pass-1", &format!(" {} ", id.to_lowercase()))
        .await;
    let msg = r.field_error("id_number");
    assert!(msg.contains("已绑定") && msg.contains("身份证"), "{msg}");
    assert!(
        r.body["error"]["fields_en"]["id_number"]
            .as_str()
            .unwrap()
            .contains("township service centre"),
        "{}",
        r.body
    );
    // Nothing was written: that phone can still register with its own number.
    let r = app.register(&again, "secret-pass-1", &id_number()).await;
    assert_eq!(r.status, 201, "{}", r.body);
}
both_backends!(one_id_number_one_account);

async fn an_official_rebinds_the_number_and_it_is_audited(backend: Backend) {
    let app = spawn_app(backend).await;
    // Somebody registered with a stranger's ID number.
    let (squatter, squatter_phone, id) = app.new_resident("冒用者").await;
    let squatter_id = app.get("/api/v1/me", Some(&squatter)).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let owner_phone = phone();
    let body = json!({"id_number": id, "phone": owner_phone, "name": "真本人", "password": "owner-pass-1"});

    // Not for residents, couriers or a village official.
    for token in [
        squatter.clone(),
        app.login_staff("courier", accounts::TOWNSHIP).await,
        app.login_staff("official", accounts::VILLAGE).await,
    ] {
        app.post("/api/v1/admin/residents/rebind", Some(&token), body.clone())
            .await
            .error(403, "forbidden");
    }
    let official = app.login_staff("official", accounts::TOWNSHIP).await;
    let r = app
        .post(
            "/api/v1/admin/residents/rebind",
            Some(&official),
            json!({"id_number": id_number(), "phone": owner_phone, "name": "某人"}),
        )
        .await;
    r.error(404, "not_found");
    // An official of another county may not take over a number issued here.
    let elsewhere = app.login_staff("official", accounts::OTHER_TOWNSHIP).await;
    let r = app
        .post(
            "/api/v1/admin/residents/rebind",
            Some(&elsewhere),
            body.clone(),
        )
        .await;
    r.error(403, "forbidden");
    assert_eq!(app.get("/api/v1/me", Some(&squatter)).await.status, 200);
    let r = app
        .post(
            "/api/v1/admin/residents/rebind",
            Some(&official),
            body.clone(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["created"], true);
    assert_eq!(r.body["previous_user_id"], squatter_id);
    let new_id = r.body["user"]["id"].as_str().unwrap().to_owned();

    // The old account is signed out and cannot sign in again.
    assert_eq!(app.get("/api/v1/me", Some(&squatter)).await.status, 401);
    assert_eq!(
        app.try_login(&squatter_phone, "secret-pass-1").await.status,
        401
    );
    // The owner signs in, and an application about themself carries their number.
    let owner = app.login(&owner_phone, "owner-pass-1").await;
    let draft = app.bare_draft(&owner, "pickup").await;
    assert_eq!(draft["subject_id_number"], id);
    // Still one account per number.
    app.register(&phone(), "secret-pass-1", &id)
        .await
        .field_error("id_number");
    // Again is a conflict: it is bound there already.
    app.post("/api/v1/admin/residents/rebind", Some(&official), body)
        .await
        .error(409, "conflict");

    let official_id = app.get("/api/v1/me", Some(&official)).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.access_log_for(&new_id).await,
        vec![(
            official_id.clone(),
            "rebind_id_number".into(),
            "user".into()
        )]
    );
    assert_eq!(
        app.access_log_for(&squatter_id).await,
        vec![(official_id, "deactivate_account".into(), "user".into())]
    );
    assert_nowhere_in_clear(&app, &id).await;
}
both_backends!(an_official_rebinds_the_number_and_it_is_audited);

async fn start_up_encrypts_rows_written_in_clear(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, resident_phone, id) = app.new_resident("钱七").await;
    let draft = app.bare_draft(&resident, "pickup").await;
    let app_id = draft["id"].as_str().unwrap().to_owned();
    // As an older version wrote them: in clear, no blind index.
    let plain = id.clone();
    app.with_writer(move |c| {
        use zhengming::db::schema::{applications::dsl as a, users::dsl as u};
        diesel::update(u::users.filter(u::phone.eq(resident_phone)))
            .set((
                u::id_number.eq(&plain),
                u::id_number_bidx.eq(None::<String>),
            ))
            .execute(c)
            .unwrap();
        diesel::update(a::applications)
            .set((
                a::subject_id_number.eq(&plain),
                a::subject_id_bidx.eq(None::<String>),
            ))
            .execute(c)
            .unwrap();
    })
    .await;
    // A value in clear still reads (masked in lists, whole for its owner).
    assert_eq!(app.detail(&resident, &draft).await["subject_id_number"], id);

    // Restart: the start-up's preparation runs the data migration.
    let settings = zhengming::config::Settings {
        database_url: app.database_url.clone(),
        data_dir: app.data_dir().to_owned(),
        ..Default::default()
    };
    let (_, keys) = tokio::task::spawn_blocking(move || zhengming::startup::prepare(&settings))
        .await
        .unwrap()
        .expect("prepare");
    // SQLite: the old bytes are not left in the file's free space nor in the WAL.
    if backend == Backend::Sqlite {
        let hidden = &id.as_bytes()[6..17];
        for name in ["test.db", "test.db-wal"] {
            let Ok(bytes) = std::fs::read(app.data_dir().join(name)) else {
                continue;
            };
            assert!(
                !bytes.windows(hidden.len()).any(|w| w == hidden),
                "{name} holds the ID number in clear after the restart"
            );
        }
    }
    type Stored = Vec<(String, Option<String>)>;
    let (users, apps): (Stored, Stored) = app
        .with_db(|c| {
            use zhengming::db::schema::{applications::dsl as a, users::dsl as u};
            (
                u::users
                    .filter(u::id_number.is_not_null())
                    .select((u::id_number.assume_not_null(), u::id_number_bidx))
                    .load(c)
                    .unwrap(),
                a::applications
                    .select((a::subject_id_number, a::subject_id_bidx))
                    .load(c)
                    .unwrap(),
            )
        })
        .await;
    for (v, ix) in users.iter().chain(apps.iter()) {
        assert!(v.starts_with("enc:v1:"), "encrypted: {v}");
        assert!(ix.is_some(), "indexed");
    }
    assert!(apps.iter().all(|(v, _)| keys.open(v).unwrap() == id));
    // Readable through the API, and the number is bound again.
    let r = app
        .get(&format!("/api/v1/applications/{app_id}"), Some(&resident))
        .await;
    assert_eq!(r.body["subject_id_number"], id);
    app.register(&phone(), "secret-pass-1", &id)
        .await
        .field_error("id_number");
    assert_nowhere_in_clear(&app, &id).await;
}
both_backends!(start_up_encrypts_rows_written_in_clear);

async fn staff_find_cases_by_id_number(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, id) = app.new_resident("孙九").await;
    let mine = app.submitted(&resident, "pickup").await;
    let (other, _, _) = app.new_resident("周十").await;
    app.submitted(&other, "pickup").await;
    let official = app.login_staff("official", accounts::TOWNSHIP).await;
    let found = |r: crate::helpers::Resp| -> Vec<String> {
        assert_eq!(r.status, 200, "{}", r.body);
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = found(app.get("/api/v1/applications", Some(&official)).await);
    assert_eq!(all.len(), 2);
    let hit = found(
        app.get(
            &format!("/api/v1/applications?id_number={}", id.to_lowercase()),
            Some(&official),
        )
        .await,
    );
    assert_eq!(hit, vec![mine["id"].as_str().unwrap().to_owned()]);
    // The search is in the access log, under the number's blind index, not the number.
    let searches: Vec<(String, String)> = app
        .with_db(|c| {
            use zhengming::db::schema::access_log::dsl as l;
            l::access_log
                .filter(l::action.eq("search_id_number"))
                .select((l::target_type, l::target_id))
                .load(c)
                .unwrap()
        })
        .await;
    assert_eq!(searches.len(), 1, "{searches:?}");
    assert_eq!(searches[0].0, "id_number_index");
    assert_eq!(searches[0].1.len(), 64);
    let none = found(
        app.get(
            &format!("/api/v1/applications?id_number={}", id_number()),
            Some(&official),
        )
        .await,
    );
    assert!(none.is_empty());
    app.get("/api/v1/applications?id_number=12345", Some(&official))
        .await
        .field_error("id_number");
    // Scoped as ever: another township's official finds nothing.
    let elsewhere = app.login_staff("official", accounts::OTHER_TOWNSHIP).await;
    let r = app
        .get(
            &format!("/api/v1/applications?id_number={id}"),
            Some(&elsewhere),
        )
        .await;
    assert!(found(r).is_empty());
}
both_backends!(staff_find_cases_by_id_number);

async fn certificate_files_are_encrypted(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("吴十一").await;
    let issued = app.issued(&resident, "pickup").await;
    let app_id = issued["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/applications/{app_id}/certificate.pdf");
    let download = || async {
        let r = app
            .client
            .get(app.url(&path))
            .bearer_auth(&resident)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.bytes().await.unwrap().to_vec()
    };
    let pdf = download().await;
    assert!(pdf.starts_with(b"%PDF"), "the download is the PDF");
    let id = app_id.clone();
    let (blob_key, kid): (String, Option<String>) = app
        .with_db(move |c| {
            use zhengming::db::schema::certificates::dsl as t;
            t::certificates
                .filter(t::application_id.eq(id))
                .select((t::pdf_key, t::pdf_data_kid))
                .first(c)
                .unwrap()
        })
        .await;
    let file = app.data_dir().join("blobs").join(&blob_key);
    let stored = std::fs::read(&file).unwrap();
    assert!(stored.starts_with(b"zmenc:v1:"), "stored encrypted");
    assert_eq!(
        zhengming::crypto::DataKeys::blob_kid(&stored),
        kid.as_deref()
    );

    // A file an older version stored in clear is encrypted at the next start.
    std::fs::write(&file, &pdf).unwrap();
    let id = app_id.clone();
    app.with_writer(move |c| {
        use zhengming::db::schema::certificates::dsl as t;
        diesel::update(t::certificates.filter(t::application_id.eq(id)))
            .set(t::pdf_data_kid.eq(None::<String>))
            .execute(c)
            .unwrap();
    })
    .await;
    assert_eq!(download().await, pdf, "a file in clear still downloads");
    let settings = zhengming::config::Settings {
        database_url: app.database_url.clone(),
        data_dir: app.data_dir().to_owned(),
        ..Default::default()
    };
    tokio::task::spawn_blocking(move || zhengming::startup::prepare(&settings))
        .await
        .unwrap()
        .expect("prepare");
    assert!(std::fs::read(&file).unwrap().starts_with(b"zmenc:v1:"));
    assert_eq!(download().await, pdf);

    // Rotation (what `keys rotate-data` runs) moves the file to the new key, and the
    // server started before reads it.
    let (db, dir) = (app.app_db.clone(), app.data_dir().to_owned());
    let new_kid = tokio::task::spawn_blocking(move || {
        use zhengming::workflow::id_numbers::{reencrypt, seal_certificates, BATCH};
        let kid = zhengming::crypto::DataKeys::new_dir_key(&dir).unwrap();
        let keys = zhengming::crypto::DataKeys::load(&dir, "", "").unwrap();
        let blobs = zhengming::storage::BlobStore::open(&dir.join("blobs")).unwrap();
        reencrypt(&db, &keys, BATCH).unwrap();
        assert_eq!(
            seal_certificates(&db, &keys, &blobs, true, BATCH).unwrap(),
            1
        );
        kid
    })
    .await
    .unwrap();
    let stored = std::fs::read(&file).unwrap();
    assert_eq!(
        zhengming::crypto::DataKeys::blob_kid(&stored),
        Some(new_kid.as_str())
    );
    assert_eq!(download().await, pdf);
}
both_backends!(certificate_files_are_encrypted);
