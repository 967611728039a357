//! The turn of the year (issue 13): a year without its State Council notice is counted
//! provisionally, never refused; loading it recomputes open deadlines and figures.

use chrono::{Datelike, NaiveDate, Utc, Weekday};
use diesel::prelude::*;
use serde_json::{json, Value};
use zhengming::db::schema::holidays::dsl as h;
use zhengming::domain::calendar::{china_date, end_of_china_day};

use crate::both_backends;
use crate::helpers::{spawn_app, Backend, TestApp};

/// Deletes the stored calendar of `year`, as if its notice had not come yet.
async fn forget_year(app: &TestApp, year: i32) {
    app.with_writer(move |c| {
        diesel::delete(h::holidays.filter(h::day.like(format!("{year:04}-%"))))
            .execute(c)
            .unwrap()
    })
    .await;
}

fn deadline(v: &Value, key: &str) -> chrono::DateTime<Utc> {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {v}"))
        .parse()
        .unwrap()
}

async fn missing_year_is_provisional_then_recomputed(backend: Backend) {
    let app = spawn_app(backend).await;
    let today = china_date(Utc::now());
    let year = today.year();
    forget_year(&app, year).await;
    forget_year(&app, year + 1).await;

    let r = app
        .get(&format!("/api/v1/holidays?year={year}"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["loaded"], false);
    assert!(r.body["provisional_rule"]["zh"]
        .as_str()
        .unwrap()
        .contains("法定节假日"));
    let days_off = r.body["provisional_days_off"].as_array().unwrap();
    assert!(days_off
        .iter()
        .any(|d| d["date"] == format!("{year}-01-01")));
    assert!(days_off.iter().any(|d| d["name"] == "春节"));

    // Accepted, with deadlines marked provisional.
    let (resident, _, _) = app.new_resident("跨年办").await;
    let open = app.submitted(&resident, "pickup").await;
    assert_eq!(open["deadline_provisional"], true, "{open}");
    let before = deadline(&open, "node_deadline");
    // The resident's case page and the official's queue say the date is provisional.
    let page = |path: String, token: String| {
        let req = app.client.get(app.url(&path)).bearer_auth(token);
        async move { req.send().await.unwrap().text().await.unwrap() }
    };
    let id = open["id"].as_str().unwrap().to_owned();
    let mine = page(format!("/my/{id}"), resident.clone()).await;
    assert!(mine.contains(">预计</span>"), "{mine}");
    let village = app
        .login_staff("official", crate::helpers::accounts::VILLAGE)
        .await;
    let queue = page("/office".into(), village).await;
    assert!(queue.contains(">预计</span>"), "{queue}");
    // A decided case in the same days: its figures are computed now and again on load.
    let (other, _, _) = app.new_resident("已办结").await;
    let issued = app.issued(&other, "pickup").await;
    assert_eq!(issued["status"], "issued");

    // The notice arrives: the day the first step was due becomes a day off (a bridge
    // day), and the Saturday after it a make-up workday (调休).
    let due_before = china_date(before);
    let notice_year = due_before.year();
    let saturday = due_before
        .iter_days()
        .find(|d| d.weekday() == Weekday::Sat)
        .unwrap();
    let mut rows = vec![
        json!({"date": format!("{notice_year}-01-01"), "kind": "off", "note": "元旦", "source": "测试通知"}),
        json!({"date": due_before.to_string(), "kind": "off", "note": "调休", "source": "测试通知"}),
    ];
    if saturday.year() == notice_year {
        rows.push(json!({"date": saturday.to_string(), "kind": "workday", "note": "调休上班", "source": "测试通知"}));
    }
    if due_before == NaiveDate::from_ymd_opt(notice_year, 1, 1).unwrap() {
        rows.remove(1);
    }
    let admin = app.admin_token().await;
    let r = app
        .post("/api/v1/admin/holidays", Some(&admin), json!(rows))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["deadlines_recomputed"], 1, "{}", r.body);
    if notice_year == year {
        assert!(
            r.body["figures_recomputed"].as_u64().unwrap() >= 1,
            "{}",
            r.body
        );
    }
    assert_eq!(r.body["summary"][0]["year"], notice_year);

    // The open case's deadline moved past the new day off, to what the loaded calendar
    // says; the version moved so a form opened before cannot write the old one back.
    let after = app.detail(&resident, &open).await;
    let moved = deadline(&after, "node_deadline");
    assert!(moved > before, "{before} → {moved}");
    let cal = app
        .with_db(|c| zhengming::db::catalog::calendar(c).unwrap())
        .await;
    let expected = cal.due(today, 1);
    assert_eq!(moved, end_of_china_day(expected.date));
    assert_eq!(after["deadline_provisional"], expected.provisional);
    assert!(after["version"].as_i64() > open["version"].as_i64());
    assert_eq!(
        app.act(&resident, &open, "withdraw", None).await.status,
        409,
        "the old version is stale"
    );

    // The figures work across the boundary.
    let r = app.get("/api/v1/stats", Some(&admin)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        r.body["total"]["finished"].as_u64().unwrap() >= 1,
        "{}",
        r.body
    );

    // Loading the same year again is refused and changes nothing.
    let r = app
        .post("/api/v1/admin/holidays", Some(&admin), json!(rows))
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let again = app.detail(&resident, &open).await;
    assert_eq!(again["node_deadline"], after["node_deadline"]);
}
both_backends!(missing_year_is_provisional_then_recomputed);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_says_whether_next_year_is_loaded() {
    let app = spawn_app(Backend::Sqlite).await;
    let next = china_date(Utc::now()).year() + 1;
    let r = app.get("/healthz", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["calendar"]["next_year"], next);
    let loaded = r.body["calendar"]["next_year_loaded"].as_bool().unwrap();
    // The seed holds 2025 and 2026 only.
    assert_eq!(loaded, next <= 2026);
}

/// The release binary with its clock shifted by Debian's `faketime` (libfaketime), on
/// its own SQLite data directory with the demo accounts. Killed on drop.
struct ShiftedServer {
    child: std::process::Child,
}

impl Drop for ShiftedServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `zhengming serve --demo` with its clock at `utc` ("YYYY-MM-DD HH:MM:SS").
async fn serve_at(utc: &str) -> (ShiftedServer, TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // libfaketime preloaded into the server itself (the `faketime` wrapper would fork,
    // and killing it would leave the server running).
    let lib = ["x86_64-linux-gnu", "aarch64-linux-gnu"]
        .iter()
        .map(|arch| format!("/usr/lib/{arch}/faketime/libfaketime.so.1"))
        .find(|p| std::path::Path::new(p).exists())
        .expect(
            "libfaketime must be installed (Debian package faketime; scripts/test installs it)",
        );
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_zhengming"))
        .args(["serve", "--demo"])
        .env("LD_PRELOAD", lib)
        .env("FAKETIME", format!("@{utc}"))
        .env("TZ", "UTC")
        // Timers and timeouts keep the real monotonic clock; only the date moves.
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1")
        .env("ZHENGMING_DATA_DIR", dir.path())
        .env("ZHENGMING_LISTEN", format!("127.0.0.1:{port}"))
        .env("ZHENGMING_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start the server");
    let server = ShiftedServer { child };
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await {
            if r.status() == 200 {
                return (server, crate::helpers::attach(base, dir));
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the server under faketime {utc} did not answer /healthz");
}

/// Submits a residence certificate (promised in 3 working days: first step 1 day) on
/// a server whose clock reads `utc`, and checks the deadlines it promises.
async fn submit_at(utc: &str, node: &str, overall: &str, provisional: bool) {
    let (_server, app) = serve_at(utc).await;
    let health = app.get("/healthz", None).await;
    assert_eq!(health.body["status"], "ok");
    let (resident, _, _) = app.new_resident("年底办").await;
    let submitted = app.submitted(&resident, "pickup").await;
    let day = |key: &str| china_date(deadline(&submitted, key)).to_string();
    assert_eq!(
        (day("node_deadline"), day("overall_deadline")),
        (node.to_owned(), overall.to_owned()),
        "submitted at {utc}"
    );
    assert_eq!(
        submitted["deadline_provisional"], provisional,
        "{submitted}"
    );
    // The official's queue (with its at-risk flag) and the figures answer too.
    let village = app
        .login_staff("official", crate::helpers::accounts::VILLAGE)
        .await;
    let r = app
        .get("/api/v1/applications?at_risk=true", Some(&village))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let admin = app.admin_token().await;
    assert_eq!(app.get("/api/v1/stats", Some(&admin)).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submissions_work_with_the_clock_in_late_december_and_january() {
    // Mon 2026-12-28, 10:00 in Beijing: all within the loaded 2026.
    submit_at("2026-12-28 02:00:00", "2026-12-29", "2026-12-31", false).await;
    // Wed 2026-12-30: Dec 31, then Fri Jan 1 (元旦) and the weekend are skipped.
    submit_at("2026-12-30 02:00:00", "2026-12-31", "2027-01-05", true).await;
    // Mon 2027-01-04: the whole of 2027 is provisional.
    submit_at("2027-01-04 02:00:00", "2027-01-05", "2027-01-07", true).await;
}

/// From 1 October while next year is missing: one SMS per admin per week and one log
/// line per day, however often (and on however many workers) the check runs.
async fn admins_are_texted_once_a_week(backend: Backend) {
    use zhengming::db::schema::notifications::dsl as n;
    use zhengming::workflow::calendar_watch::warn;
    let app = spawn_app(backend).await;
    let at = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
    let run =
        |t: chrono::NaiveDateTime| app.with_writer(move |c| c.write_tx(|c| warn(c, t)).unwrap());
    // September: nothing yet.
    assert_eq!(run(at("2099-09-30 03:00")).await, 0);
    let first = run(at("2099-10-05 03:00")).await;
    assert!(first >= 1, "every active admin is texted");
    assert_eq!(run(at("2099-10-05 04:00")).await, 0, "once a week");
    assert_eq!(run(at("2099-10-09 04:00")).await, 0, "same ISO week");
    assert_eq!(run(at("2099-10-12 04:00")).await, first, "next week again");
    let texts: Vec<(String, String)> = app
        .with_db(|c| {
            n::notifications
                .filter(n::template_code.eq("calendar_missing"))
                // The server's own worker also warns about the real next year.
                .filter(n::params.like("%2100%"))
                .select((n::channel, n::params))
                .load(c)
                .unwrap()
        })
        .await;
    assert_eq!(texts.len(), 2 * first);
    assert!(texts.iter().all(|(ch, _)| ch == "sms"), "{texts:?}");
}
both_backends!(admins_are_texted_once_a_week);

/// A release that ships a year's calendar loads it at start-up like an admin would
/// (open provisional deadlines recomputed), and never mixes its rows into a year that
/// an admin loaded already.
async fn shipped_calendar_counts_like_a_load(backend: Backend) {
    use zhengming::domain::calendar::{seed_holidays, DayKind, Holiday};
    use zhengming::workflow::holidays::seed;
    let app = spawn_app(backend).await;
    let year = china_date(Utc::now()).year();
    forget_year(&app, year).await;
    let (resident, _, _) = app.new_resident("发版前").await;
    let open = app.submitted(&resident, "pickup").await;
    assert_eq!(open["deadline_provisional"], true);

    // An admin loads a far year by hand; the release's seed has other rows for it.
    let admin = app.admin_token().await;
    let mine = json!([{"date": "2099-01-01", "kind": "off", "note": "元旦", "source": "管理员"}]);
    let r = app.post("/api/v1/admin/holidays", Some(&admin), mine).await;
    assert_eq!(r.status, 201, "{}", r.body);
    // The admin page shrugs off a mistyped year (an HTML page, not a JSON error).
    let r = app
        .client
        .get(app.url("/admin/holidays?year=abc"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("节假日安排"));
    let mut shipped = seed_holidays();
    shipped.push(Holiday {
        date: NaiveDate::from_ymd_opt(2099, 1, 2).unwrap(),
        kind: DayKind::Off,
        note: "元旦".into(),
        source: "发版".into(),
    });
    let added = app
        .with_writer(move |c| c.write_tx(|c| seed(c, &shipped)).unwrap())
        .await;
    assert_eq!(added, if year <= 2026 { vec![year] } else { vec![] });
    let r = app.get("/api/v1/holidays?year=2099", None).await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "not mixed");
    if year <= 2026 {
        let after = app.detail(&resident, &open).await;
        let cal = app
            .with_db(|c| zhengming::db::catalog::calendar(c).unwrap())
            .await;
        let today = china_date(Utc::now());
        assert_eq!(after["deadline_provisional"], cal.due(today, 3).provisional);
        assert!(after["version"].as_i64() > open["version"].as_i64());
    }
}
both_backends!(shipped_calendar_counts_like_a_load);
