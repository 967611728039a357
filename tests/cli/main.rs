//! The operator's shell interface: `zhengming user add` and `zhengming migrate`,
//! run as a real process against a SQLite file, then checked through the HTTP API.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::json;
use zhengming::config::Settings;
use zhengming::startup::Application;

fn zhengming(data_dir: &std::path::Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zhengming"))
        .args(args)
        .env("ZHENGMING_DATA_DIR", data_dir)
        .env("ZHENGMING_LOG", "warn")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run zhengming");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

async fn sign_in(base: &str, phone: &str, password: &str) -> (u16, serde_json::Value) {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"phone": phone, "password": password}))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_add_creates_staff_who_can_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let out = zhengming(dir.path(), &["migrate"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The demo data provides the jurisdictions the accounts belong to.
    assert!(zhengming(dir.path(), &["demo"], None).status.success());

    let out = zhengming(
        dir.path(),
        &[
            "user",
            "add",
            "--role",
            "official",
            "--phone",
            "13600001111",
            "--name",
            "韩梅梅",
            "--password",
            "township-pass-1",
            "--jurisdiction",
            "222403108",
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = zhengming(
        dir.path(),
        &[
            "user",
            "add",
            "--role",
            "courier",
            "--phone",
            "136 0000 2222",
            "--name",
            "李雷",
            "--password-stdin",
            "--jurisdiction",
            "222403108",
        ],
        Some("courier-pass-2\n"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Refusals: clear message, non-zero exit, nothing created.
    for (args, needle) in [
        (
            vec![
                "--role",
                "king",
                "--phone",
                "13600003333",
                "--name",
                "甲",
                "--password",
                "long-enough-1",
                "--jurisdiction",
                "222403108",
            ],
            "role",
        ),
        (
            vec![
                "--role",
                "official",
                "--phone",
                "1360000",
                "--name",
                "乙",
                "--password",
                "long-enough-1",
                "--jurisdiction",
                "222403108",
            ],
            "手机号",
        ),
        (
            vec![
                "--role",
                "official",
                "--phone",
                "13600004444",
                "--name",
                "丙",
                "--password",
                "long-enough-1",
                "--jurisdiction",
                "999999999",
            ],
            "999999999",
        ),
        (
            vec![
                "--role",
                "official",
                "--phone",
                "13600005555",
                "--name",
                "丁",
                "--password",
                "short",
                "--jurisdiction",
                "222403108",
            ],
            "密码",
        ),
        (
            vec![
                "--role",
                "official",
                "--phone",
                "13600001111",
                "--name",
                "重",
                "--password",
                "long-enough-1",
                "--jurisdiction",
                "222403108",
            ],
            "已注册",
        ),
    ] {
        let mut full = vec!["user", "add"];
        full.extend(args);
        let out = zhengming(dir.path(), &full, None);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{full:?} should fail");
        assert!(err.contains(needle), "{full:?}: {err}");
    }

    let settings = Settings {
        data_dir: dir.path().to_owned(),
        listen: "127.0.0.1:0".into(),
        log: "warn".into(),
        ..Settings::default()
    }
    .resolved();
    let app = Application::build(settings).await.unwrap();
    let base = app.base_url().to_owned();
    tokio::spawn(app.run_until_stopped());

    let (status, body) = sign_in(&base, "13600001111", "township-pass-1").await;
    assert_eq!(status, 200);
    assert_eq!(body["user"]["role"], "official");
    assert_eq!(body["user"]["jurisdiction"]["code"], "222403108");
    let (status, body) = sign_in(&base, "13600002222", "courier-pass-2").await;
    assert_eq!(status, 200, "password read from stdin without its newline");
    assert_eq!(body["user"]["role"], "courier");
    for phone in ["13600004444", "13600005555"] {
        assert_eq!(
            sign_in(&base, phone, "long-enough-1").await.0,
            401,
            "{phone} was not created"
        );
    }

    // The audit log: the account added from the shell and the sign-ins just made,
    // read by person; `audit` without a filter is refused.
    let out = zhengming(dir.path(), &["audit", "--user", "13600001111"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("time"), "{table}");
    assert!(
        lines[1].contains("sign_in") && lines[1].contains("ok"),
        "newest first: {table}"
    );
    assert!(lines[1].contains("韩梅梅 (official)"), "{table}");
    assert!(
        lines.iter().any(|l| l.contains("user_add")
            && l.contains("cli")
            && l.contains("role=official jurisdiction=222403108")),
        "{table}"
    );
    let out = zhengming(dir.path(), &["audit", "--user", "13600004444"], None);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("sign_in") && table.contains("failed") && table.contains("unknown_phone"),
        "a sign-in with a phone that has no account: {table}"
    );
    let out = zhengming(dir.path(), &["audit"], None);
    assert!(!out.status.success());
}
mod backup;
mod instances;
mod worker;

/// `zhengming user import FILE`: a bad row refuses the file (named, nothing created); a
/// good file prints each one-time password once, which signs in and must be changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_import_prints_one_time_passwords_and_refuses_a_bad_file() {
    let dir = tempfile::tempdir().unwrap();
    assert!(zhengming(dir.path(), &["migrate"], None).status.success());
    let fixture = format!(
        "{}/tests/fixtures/divisions-2023-pilot.csv",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = zhengming(dir.path(), &["jurisdictions", "import", &fixture], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "role,phone,name,jurisdiction\nofficial,13700001001,甲,220421100201\nofficial,13700001002,乙,220421999999\n",
    )
    .unwrap();
    let out = zhengming(dir.path(), &["user", "import", bad.to_str().unwrap()], None);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("第 3 行") && err.contains("Line 3"), "{err}");

    let good = dir.path().join("good.csv");
    std::fs::write(
        &good,
        "role,phone,name,jurisdiction\nofficial,13700001001,甲,220421100201\ncourier,13700001002,乙,220421100\n",
    )
    .unwrap();
    let out = zhengming(
        dir.path(),
        &["user", "import", good.to_str().unwrap()],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let first = stdout
        .lines()
        .find(|l| l.starts_with("2\t"))
        .and_then(|l| l.rsplit('\t').next())
        .unwrap_or_else(|| panic!("{stdout}"))
        .to_owned();

    let settings = Settings {
        data_dir: dir.path().to_owned(),
        listen: "127.0.0.1:0".into(),
        log: "warn".into(),
        ..Settings::default()
    }
    .resolved();
    let app = Application::build(settings).await.unwrap();
    let base = app.base_url().to_owned();
    tokio::spawn(app.run_until_stopped());
    assert_eq!(sign_in(&base, "13700001001", "wrong-pass-1").await.0, 401);
    let (status, body) = sign_in(&base, "13700001001", &first).await;
    assert_eq!(status, 200, "{body}");
    let token = body["token"].as_str().unwrap();
    let r = reqwest::Client::new()
        .get(format!("{base}/api/v1/applications"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        403,
        "the one-time password is changed first"
    );
}

/// `keys rotate-data` makes a new data key and re-encrypts every stored ID number under
/// it; a server started before reads the new values, values under the old key stay
/// readable, and `keys list` counts the values of each key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotate_data_reencrypts_and_old_values_stay_readable() {
    use diesel::prelude::*;
    use zhengming::db::schema::{applications::dsl as a, users::dsl as u};

    let dir = tempfile::tempdir().unwrap();
    for args in [&["migrate"][..], &["demo"]] {
        let out = zhengming(dir.path(), args, None);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let settings = Settings {
        data_dir: dir.path().to_owned(),
        listen: "127.0.0.1:0".into(),
        log: "warn".into(),
        ..Settings::default()
    }
    .resolved();
    let db = zhengming::db::Db::connect(&settings.database_url, 2).unwrap();
    let app = Application::build(settings).await.unwrap();
    let base = app.base_url().to_owned();
    tokio::spawn(app.run_until_stopped());

    // A resident and a draft about themself.
    let id = "222403198001010017";
    let client = reqwest::Client::new();
    let r = client
        .post(format!("{base}/api/v1/sms-codes"))
        .json(&json!({"phone": "13700001234", "purpose": "register"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    // The code as the SMS gateway gets it: the outbox row's params, or, once the
    // worker has sent it (and blanked the stored code), the console provider's line.
    let code: String = {
        use zhengming::db::schema::notifications::dsl as n;
        let mut c = db.read_conn().unwrap();
        let (nid, params): (String, String) = n::notifications
            .filter(n::recipient.eq("13700001234"))
            .filter(n::template_code.eq("code_register"))
            .select((n::id, n::params))
            .first(&mut c)
            .unwrap();
        let mut params: serde_json::Value = serde_json::from_str(&params).unwrap();
        if params["code"] == zhengming::notify::SENT_CODE {
            let console = std::fs::read_to_string(dir.path().join("sms-console.jsonl")).unwrap();
            params = console
                .lines()
                .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
                .find(|l| l["id"] == nid.as_str())
                .expect("the sent code SMS in the console store")["params"]
                .clone();
        }
        params["code"].as_str().unwrap().to_owned()
    };
    let r = client
        .post(format!("{base}/api/v1/residents"))
        .json(&json!({"phone": "13700001234", "code": code, "password": "secret-pass-1", "name": "孙八", "id_number": id}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let (_, session) = sign_in(&base, "13700001234", "secret-pass-1").await;
    let token = session["token"].as_str().unwrap().to_owned();
    let r = client
        .post(format!("{base}/api/v1/applications"))
        .bearer_auth(&token)
        .json(&json!({
            "type": "residence", "jurisdiction": "222403108200",
            "form": {"address": "大山村三组12号", "living_since": "2015-03-01",
                     "permanent_resident": true, "purpose": "子女入学"},
            "delivery": {"method": "pickup"},
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let app_id = r.json::<serde_json::Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let read_subject = || async {
        let r = client
            .get(format!("{base}/api/v1/applications/{app_id}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json::<serde_json::Value>().await.unwrap()["subject_id_number"].clone()
    };
    assert_eq!(read_subject().await, id);

    // A roster line about the resident: other departments' data, sealed like ours.
    let roster = dir.path().join("dibao.csv");
    std::fs::write(
        &roster,
        format!(
            "name,id_number,dibao_number,category,people,monthly_amount,since\n\
             孙八,{id},DB20240001,rural_full,2,500,2024-01-01\n"
        ),
    )
    .unwrap();
    let out = zhengming(
        dir.path(),
        &[
            "rosters",
            "import",
            "--kind",
            "dibao",
            "--source",
            "敦化市民政局",
            "--as-of",
            "2026-11-01",
            "--county",
            "222403",
            roster.to_str().unwrap(),
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let stored = |db: &zhengming::db::Db| {
        use zhengming::db::schema::roster_entries::dsl as r;
        let mut c = db.read_conn().unwrap();
        let mut v: Vec<String> = u::users
            .filter(u::id_number.is_not_null())
            .select(u::id_number.assume_not_null())
            .load(&mut c)
            .unwrap();
        v.extend(
            a::applications
                .select(a::subject_id_number)
                .load::<String>(&mut c)
                .unwrap(),
        );
        v.extend(
            r::roster_entries
                .select(r::id_number)
                .load::<String>(&mut c)
                .unwrap(),
        );
        v
    };
    let kid = |v: &str| zhengming::crypto::kid_of_value(v).unwrap().to_owned();
    let before = stored(&db);
    assert_eq!(
        before.len(),
        5,
        "two demo residents, ours, our draft, the roster line"
    );
    let old_kid = kid(&before[0]);
    assert!(before.iter().all(|v| kid(v) == old_kid));

    let out = zhengming(dir.path(), &["keys", "rotate-data"], None);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("re-encrypted: 5"), "{text}");
    let after = stored(&db);
    let new_kid = kid(&after[0]);
    assert_ne!(new_kid, old_kid);
    assert!(after.iter().all(|v| kid(v) == new_kid), "{after:?}");
    // The server started before the rotation reads values under the new key …
    assert_eq!(read_subject().await, id);
    // … and a value still under the old key (the old key file stays).
    let old_value = before[3].clone();
    {
        let mut c = db.write_conn().unwrap();
        diesel::update(a::applications.filter(a::id.eq(&app_id)))
            .set(a::subject_id_number.eq(&old_value))
            .execute(&mut c)
            .unwrap();
    }
    assert_eq!(read_subject().await, id);

    let out = zhengming(dir.path(), &["keys", "list"], None);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains(&format!("{new_kid} *\t3\t0\t0")), "{text}");
    assert!(text.contains(&format!("{old_kid}\t0\t1\t0")), "{text}");
    // No ID number in clear in the database file.
    for name in ["zhengming.db", "zhengming.db-wal"] {
        if let Ok(bytes) = std::fs::read(dir.path().join(name)) {
            assert!(
                !bytes.windows(11).any(|w| w == &id.as_bytes()[6..17]),
                "{name}"
            );
        }
    }

    // A second instance on the same database that made its own keys refuses to start.
    let other = tempfile::tempdir().unwrap();
    let second = Settings {
        data_dir: other.path().to_owned(),
        database_url: format!("sqlite://{}", dir.path().join("zhengming.db").display()),
        listen: "127.0.0.1:0".into(),
        log: "warn".into(),
        ..Settings::default()
    };
    let err = match Application::build(second).await {
        Ok(_) => panic!("a second instance without the data keys started"),
        Err(e) => e,
    };
    assert!(err.contains("data keys this instance lacks"), "{err}");
}

/// `demo --scale N` into a log (stderr not a terminal): the seed says what it made on
/// stdout and writes no progress ticks; a bar is for a person at a terminal.
#[test]
fn scale_seed_into_a_log_writes_no_progress_ticks() {
    let dir = tempfile::tempdir().unwrap();
    let out = zhengming(dir.path(), &["demo", "--scale", "60"], None);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("seeded 60 cases"), "{stdout}");
    assert!(
        !stderr.contains('\r') && !stderr.contains("60/60"),
        "progress ticks in a log: {stderr}"
    );
}
