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
mod worker;
