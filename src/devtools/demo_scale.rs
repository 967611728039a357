//! `zhengming demo --scale N`: a realistic year for one county, for measuring the
//! supervision figures and the queue at size. An invented county (229901, 演示县 — the
//! prefecture code 2299 does not exist) with 15 townships, 45 villages, 500 residents
//! and N applications of the 11 types with their full event trails over the 365 days
//! ending today. Deterministic (fixed seed); inserted in batches of 1000 cases, each
//! batch in one transaction. Every other 低保 and 特困 applicant is on the county's
//! roster and approved at submission by the system (秒批, issue 16); the seed prints the
//! same-day rate (当日办结率) overall and for those roster-backed types.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::db::models::{
    new_id, now, Application, ApplicationEvent, RosterCheck, RosterEntry, RosterImport, User,
};
use crate::db::schema::{application_events, applications, case_figures, roster_checks, users};
use crate::db::{catalog, Db, DbConn};
use crate::domain::calendar::{china_date, end_of_china_day, WorkCalendar};
use crate::domain::cert_type::CertificateType;

pub const COUNTY: &str = "229901";
pub const TOWNSHIPS: usize = 15;
const VILLAGES_PER_TOWNSHIP: usize = 3;
const RESIDENTS: usize = 500;
const BATCH: usize = 1000;

pub fn township_code(i: usize) -> String {
    format!("{COUNTY}{:03}", 100 + i)
}

struct Area {
    township: String,
    villages: Vec<String>,
    township_official: String,
    village_officials: Vec<String>,
}

fn user(role: &str, phone: String, name: String, hash: &str, j: Option<String>) -> User {
    let t = now();
    User {
        id: new_id(),
        role: role.into(),
        phone,
        name,
        password_hash: hash.into(),
        jurisdiction_code: j,
        id_number: None,
        id_number_bidx: None,
        email: None,
        status: "active".into(),
        created_at: t,
        updated_at: t,
    }
}

fn setup(c: &mut DbConn, hash: &str) -> QueryResult<(Vec<Area>, Vec<String>)> {
    catalog::ensure_jurisdiction(c, COUNTY, "演示县（规模测试）", "county", None)?;
    let mut staff = vec![user(
        "supervisor",
        "13600000000".into(),
        "演示县效能监察".into(),
        hash,
        Some(COUNTY.into()),
    )];
    let mut areas = Vec::new();
    for i in 0..TOWNSHIPS {
        let t = township_code(i);
        catalog::ensure_jurisdiction(c, &t, &format!("演示{}镇", i + 1), "township", Some(COUNTY))?;
        let to = user(
            "official",
            format!("136{:08}", 1000 + i),
            format!("演示{}镇经办人", i + 1),
            hash,
            Some(t.clone()),
        );
        let mut villages = Vec::new();
        let mut vo = Vec::new();
        for v in 0..VILLAGES_PER_TOWNSHIP {
            let code = format!("{t}{:03}", 200 + v);
            catalog::ensure_jurisdiction(
                c,
                &code,
                &format!("演示{}镇{}村", i + 1, v + 1),
                "village",
                Some(&t),
            )?;
            let u = user(
                "official",
                format!("136{:08}", 2000 + i * 10 + v),
                format!("演示{}镇{}村经办人", i + 1, v + 1),
                hash,
                Some(code.clone()),
            );
            vo.push(u.id.clone());
            staff.push(u);
            villages.push(code);
        }
        areas.push(Area {
            township: t,
            villages,
            township_official: to.id.clone(),
            village_officials: vo,
        });
        staff.push(to);
    }
    let residents: Vec<User> = (0..RESIDENTS)
        .map(|i| {
            user(
                "resident",
                format!("136{:08}", 10_000 + i),
                format!("居民{i}"),
                hash,
                None,
            )
        })
        .collect();
    let resident_ids = residents.iter().map(|u| u.id.clone()).collect();
    for chunk in staff.chunks(200).chain(residents.chunks(200)) {
        crate::db::batch_insert!(&mut *c, users::table, chunk)?;
    }
    Ok((areas, resident_ids))
}

/// A time on `day` between 08:30 and 17:00 Beijing, as stored (UTC).
fn office_time(rng: &mut StdRng, day: NaiveDate) -> NaiveDateTime {
    let secs = rng.gen_range(8 * 3600 + 1800..17 * 3600);
    day.and_time(NaiveTime::MIN) + TimeDelta::seconds(secs) - TimeDelta::hours(8)
}

struct Builder<'a> {
    cal: &'a WorkCalendar,
    rng: StdRng,
    apps: Vec<Application>,
    events: Vec<ApplicationEvent>,
    /// The one subject ID number of the scale county, encrypted once (same value,
    /// same ciphertext: nothing to learn but what is already known) and its index.
    subject_id: (String, String),
    /// Roster imports by kind (`dibao`, `tekun`) and the checks of instant cases.
    rosters: Vec<(String, String)>,
    checks: Vec<RosterCheck>,
}

impl Builder<'_> {
    #[allow(clippy::too_many_arguments)]
    fn event(
        &mut self,
        app: &str,
        seq: &mut i32,
        action: &str,
        from: Option<&str>,
        to: &str,
        step: Option<i32>,
        actor: Option<&str>,
        at: NaiveDateTime,
        deadline: Option<NaiveDateTime>,
    ) {
        *seq += 1;
        self.events.push(ApplicationEvent {
            id: new_id(),
            application_id: app.to_owned(),
            seq: *seq,
            action: action.into(),
            from_status: from.map(Into::into),
            to_status: to.into(),
            step,
            actor_id: actor.map(Into::into),
            actor_role: if actor.is_some() {
                "official".into()
            } else {
                "system".into()
            },
            reason: matches!(action, "return" | "reject").then(|| "材料不全".to_owned()),
            created_at: at,
            node_deadline: deadline,
            deadline_met: deadline.map(|d| at <= d),
        });
    }

    /// A step's duration: mostly the same day, sometimes past the limit.
    fn later(&mut self, from: NaiveDateTime, limit: u32) -> Option<NaiveDateTime> {
        let roll: f64 = self.rng.gen();
        let days = if roll < 0.6 {
            0
        } else if roll < 0.95 {
            self.rng.gen_range(1..=limit)
        } else {
            limit + self.rng.gen_range(1..=3)
        };
        let day = self.cal.add_working_days(china_date(from.and_utc()), days);
        let t = if days == 0 {
            from + TimeDelta::minutes(self.rng.gen_range(10..120))
        } else {
            office_time(&mut self.rng, day)
        };
        Some(t)
    }

    fn deadline(&self, from: NaiveDateTime, days: u32) -> Option<NaiveDateTime> {
        let d = self.cal.add_working_days(china_date(from.and_utc()), days);
        Some(end_of_china_day(d).naive_utc())
    }

    #[allow(clippy::too_many_lines)]
    fn case(
        &mut self,
        n: usize,
        t: &CertificateType,
        area: &Area,
        applicant: &str,
        day: NaiveDate,
        now: NaiveDateTime,
    ) -> Option<()> {
        let id = new_id();
        let v = self.rng.gen_range(0..area.villages.len());
        let created = office_time(&mut self.rng, day) - TimeDelta::minutes(30);
        let mut seq = 0;
        self.event(
            &id, &mut seq, "create", None, "draft", None, None, created, None,
        );
        self.events.last_mut()?.actor_role = "resident".into();
        let mut at = created + TimeDelta::minutes(20);
        self.event(
            &id,
            &mut seq,
            "submit",
            Some("draft"),
            "submitted",
            None,
            None,
            at,
            None,
        );
        self.events.last_mut()?.actor_role = "resident".into();
        // Every other applicant of a roster-backed type is on the roster (decided by
        // the case number, so the random draws of the other cases stay as they were).
        let import = t
            .roster
            .as_ref()
            .filter(|r| r.instant && (n / 11).is_multiple_of(2))
            .and_then(|r| self.rosters.iter().find(|(k, _)| k == r.kind.as_str()))
            .map(|(_, id)| id.clone());
        if let Some(import_id) = import {
            return self.instant(n, id, t, area, v, applicant, created, at, seq, import_id);
        }
        let mut restart = at;
        let roll: f64 = self.rng.gen();
        let (returned, rejected) = (roll < 0.07, (0.07..0.10).contains(&roll));
        let actor = |i: usize| {
            if t.steps[i].level == crate::domain::cert_type::Level::Village {
                area.village_officials[v].clone()
            } else {
                area.township_official.clone()
            }
        };
        let mut status = "submitted";
        let mut step = 0usize;
        let mut node_start = at;
        let mut node_deadline = self.deadline(at, t.steps[0].time_limit_days)?;
        let mut finished = None;
        // Accept, possibly return and resubmit, then each step.
        at = self.later(at, 1)?.min(node_deadline);
        if at > now {
            return self.push(
                n,
                id,
                t,
                area,
                v,
                applicant,
                created,
                restart,
                status,
                step,
                node_start,
                node_deadline,
                None,
            );
        }
        self.event(
            &id,
            &mut seq,
            "accept",
            Some("submitted"),
            "under_review",
            Some(0),
            Some(&actor(0)),
            at,
            Some(node_deadline),
        );
        status = "under_review";
        if returned {
            self.event(
                &id,
                &mut seq,
                "return",
                Some("under_review"),
                "returned",
                Some(0),
                Some(&actor(0)),
                at + TimeDelta::minutes(5),
                Some(node_deadline),
            );
            let back = self
                .cal
                .add_working_days(china_date(at.and_utc()), self.rng.gen_range(1..=5));
            at = office_time(&mut self.rng, back);
            if at > now {
                return self.push(
                    n,
                    id,
                    t,
                    area,
                    v,
                    applicant,
                    created,
                    restart,
                    "returned",
                    0,
                    node_start,
                    node_deadline,
                    None,
                );
            }
            self.event(
                &id,
                &mut seq,
                "resubmit",
                Some("returned"),
                "submitted",
                None,
                None,
                at,
                None,
            );
            self.events.last_mut()?.actor_role = "resident".into();
            restart = at;
            node_start = at;
            node_deadline = self.deadline(at, t.steps[0].time_limit_days)?;
            status = "submitted";
        }
        while step < t.steps.len() {
            let end = self.later(node_start, t.steps[step].time_limit_days)?;
            if end > now {
                return self.push(
                    n,
                    id,
                    t,
                    area,
                    v,
                    applicant,
                    created,
                    restart,
                    status,
                    step,
                    node_start,
                    node_deadline,
                    None,
                );
            }
            let last = step + 1 == t.steps.len();
            if rejected && last {
                self.event(
                    &id,
                    &mut seq,
                    "reject",
                    Some(status),
                    "rejected",
                    Some(step as i32),
                    Some(&actor(step)),
                    end,
                    Some(node_deadline),
                );
                status = "rejected";
                finished = Some(end);
                break;
            }
            let to = if last { "approved" } else { "under_review" };
            self.event(
                &id,
                &mut seq,
                "approve",
                Some(status),
                to,
                Some(step as i32),
                Some(&actor(step)),
                end,
                Some(node_deadline),
            );
            status = to;
            if last {
                self.event(
                    &id,
                    &mut seq,
                    "issue",
                    Some("approved"),
                    "issued",
                    None,
                    None,
                    end,
                    None,
                );
                status = "issued";
                break;
            }
            step += 1;
            node_start = end;
            node_deadline = self.deadline(end, t.steps[step].time_limit_days)?;
        }
        self.push(
            n,
            id,
            t,
            area,
            v,
            applicant,
            created,
            restart,
            status,
            step,
            node_start,
            node_deadline,
            finished,
        )
    }

    /// A roster-confirmed case: accepted, approved at every step and issued by the
    /// system a second after the submit, as `act` does in the submit's transaction.
    #[allow(clippy::too_many_arguments)]
    fn instant(
        &mut self,
        n: usize,
        id: String,
        t: &CertificateType,
        area: &Area,
        v: usize,
        applicant: &str,
        created: NaiveDateTime,
        submitted: NaiveDateTime,
        mut seq: i32,
        import_id: String,
    ) -> Option<()> {
        const WHY: &str = "经名册（演示县民政局）核实，系统即时办结（秒批）";
        let at = submitted + TimeDelta::seconds(1);
        let deadline = self.deadline(submitted, t.steps[0].time_limit_days)?;
        self.event(
            &id,
            &mut seq,
            "accept",
            Some("submitted"),
            "under_review",
            Some(0),
            None,
            at,
            Some(deadline),
        );
        self.events.last_mut()?.reason = Some(WHY.into());
        for step in 0..t.steps.len() {
            let to = if step + 1 == t.steps.len() {
                "approved"
            } else {
                "under_review"
            };
            self.event(
                &id,
                &mut seq,
                "approve",
                Some("under_review"),
                to,
                Some(step as i32),
                None,
                at,
                Some(deadline),
            );
            self.events.last_mut()?.reason = Some(WHY.into());
        }
        self.event(
            &id,
            &mut seq,
            "issue",
            Some("approved"),
            "issued",
            None,
            None,
            at,
            None,
        );
        self.checks.push(RosterCheck {
            application_id: id.clone(),
            import_id: Some(import_id),
            outcome: "instant".into(),
            reason_zh: WHY.into(),
            reason_en: "Confirmed by the roster: approved by the system at once".into(),
            checked_at: submitted,
        });
        let last = t.steps.len() - 1;
        self.push(
            n,
            id,
            t,
            area,
            v,
            applicant,
            created,
            submitted,
            "issued",
            last,
            submitted,
            deadline,
            Some(at),
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        n: usize,
        id: String,
        t: &CertificateType,
        area: &Area,
        v: usize,
        applicant: &str,
        created: NaiveDateTime,
        restart: NaiveDateTime,
        status: &str,
        step: usize,
        node_start: NaiveDateTime,
        node_deadline: NaiveDateTime,
        finished: Option<NaiveDateTime>,
    ) -> Option<()> {
        let overall = self.deadline(restart, t.promised_days);
        self.apps.push(Application {
            id,
            number: format!("ZMS{n:09}"),
            type_code: t.code.clone(),
            applicant_id: applicant.to_owned(),
            subject_name: "演示居民".into(),
            subject_id_number: self.subject_id.0.clone(),
            form_data: "{}".into(),
            county_code: COUNTY.into(),
            township_code: area.township.clone(),
            village_code: area.villages[v].clone(),
            delivery_method: "pickup".into(),
            delivery_recipient: None,
            delivery_phone: None,
            delivery_address: None,
            status: status.into(),
            current_step: step as i32,
            version: 1,
            created_at: created,
            updated_at: created,
            submitted_at: Some(restart),
            finished_at: finished,
            node_started_at: node_start,
            node_deadline,
            overall_deadline: overall,
            deadline_provisional: false,
            subject_id_bidx: Some(self.subject_id.1.clone()),
            type_version: 1,
            issue_blocked: None,
        });
        Some(())
    }
}

/// Seeds `n` cases; refuses when the scale county already has cases.
pub fn seed(db: &Db, keys: &crate::crypto::DataKeys, n: usize) -> Result<(), String> {
    let mut conn = db.write_conn().map_err(|e| e.to_string())?;
    let c: &mut DbConn = &mut conn;
    let existing: i64 = applications::table
        .filter(applications::county_code.eq(COUNTY))
        .count()
        .get_result(c)
        .map_err(|e| e.to_string())?;
    if existing > 0 {
        return Err(format!(
            "演示县已有{existing}件数据 / the scale county already has {existing} cases"
        ));
    }
    let hash = crate::auth::password::hash(super::demo::DEMO_PASSWORD)?;
    let (areas, residents) = c.write_tx(|c| setup(c, &hash)).map_err(|e| e.to_string())?;
    let cal = catalog::calendar(c).map_err(|e| e.to_string())?;
    let types = catalog::active_types(c).map_err(|e| e.to_string())?;
    let t_now = now();
    let today = china_date(t_now.and_utc());
    let days: Vec<NaiveDate> = (0..365)
        .map(|i| today - TimeDelta::days(364 - i))
        .filter(|d| cal.is_working_day(*d))
        .collect();
    if days.is_empty() || types.is_empty() {
        return Err("no working days or types to seed / 无可用工作日或证明类型".into());
    }
    let mut b = Builder {
        cal: &cal,
        rng: StdRng::seed_from_u64(7),
        apps: Vec::new(),
        events: Vec::new(),
        subject_id: {
            const SUBJECT: &str = "229901199001010011";
            (keys.seal(SUBJECT), keys.blind_index(SUBJECT))
        },
        rosters: Vec::new(),
        checks: Vec::new(),
    };
    b.rosters = c
        .write_tx(|c| seed_rosters(c, &b.subject_id, t_now))
        .map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    let bar = progress_bar(n, "cases");
    let mut done = 0;
    while done < n {
        let upto = (done + BATCH).min(n);
        for i in done..upto {
            let t = &types[i % types.len()];
            let area = &areas[b.rng.gen_range(0..areas.len())];
            let applicant = residents[b.rng.gen_range(0..residents.len())].clone();
            let day = days[i * days.len() / n.max(1)];
            b.case(i, t, area, &applicant, day, t_now)
                .ok_or("calendar does not cover the seeded year / 日历未覆盖该年度")?;
        }
        let (apps, events) = (std::mem::take(&mut b.apps), std::mem::take(&mut b.events));
        let checks = std::mem::take(&mut b.checks);
        c.write_tx(|c| {
            for chunk in apps.chunks(500) {
                crate::db::batch_insert!(&mut *c, applications::table, chunk)?;
            }
            for chunk in events.chunks(1000) {
                crate::db::batch_insert!(&mut *c, application_events::table, chunk)?;
            }
            for chunk in checks.chunks(1000) {
                crate::db::batch_insert!(&mut *c, roster_checks::table, chunk)?;
            }
            Ok::<_, diesel::result::Error>(())
        })
        .map_err(|e| e.to_string())?;
        done = upto;
        bar.set_position(done as u64);
    }
    bar.finish_and_clear();
    // Fresh statistics before the backfill reads what was just loaded: without them
    // PostgreSQL scans every event per batch of cases (minutes a batch at a million).
    crate::db::analyze(c, LOADED).map_err(|e| e.to_string())?;
    // The bulk insert bypasses the per-event refresh: derive the figures rows now.
    let bar = progress_bar(n, "figures");
    crate::workflow::figures::backfill(c, 2000, |done| bar.set_position(done as u64))
        .map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    // The figures and their rollup (kept by the backfill, batch by batch) were just
    // loaded: fresh statistics for the planner.
    crate::db::analyze(
        c,
        &[
            "case_figures",
            "figures_days",
            "figures_months",
            "figures_chart",
        ],
    )
    .map_err(|e| e.to_string())?;
    println!(
        "已生成 / seeded {n} cases in county {COUNTY} ({TOWNSHIPS} townships) in {:.1?}",
        started.elapsed()
    );
    print_same_day(c)
}

/// The county's 低保 and 特困 rosters as of today, each with the scale county's one
/// subject (every seeded case is about that person). Returns (kind, import id).
fn seed_rosters(
    c: &mut DbConn,
    subject: &(String, String),
    at: NaiveDateTime,
) -> QueryResult<Vec<(String, String)>> {
    let mut out = Vec::new();
    for kind in ["dibao", "tekun"] {
        let import = RosterImport {
            id: new_id(),
            kind: kind.into(),
            county_code: COUNTY.into(),
            source: "演示县民政局".into(),
            as_of: china_date(at.and_utc()).to_string(),
            row_count: 1,
            imported_by: None,
            imported_at: at,
            replaced_at: None,
        };
        let entry = RosterEntry {
            id: new_id(),
            import_id: import.id.clone(),
            id_bidx: subject.1.clone(),
            id_number: subject.0.clone(),
            name: "演示居民".into(),
            village_code: None,
            data: "{}".into(),
        };
        crate::db::rosters::replace(c, &import, &[entry], at)?;
        out.push((kind.to_owned(), import.id));
    }
    Ok(out)
}

/// 当日办结率 of the seeded county's decided cases: overall, for the types a roster
/// approves at once (a quarter of whose cases the roster did not confirm), and for
/// the roster-confirmed cases alone.
fn print_same_day(c: &mut DbConn) -> Result<(), String> {
    type Row = (String, Option<bool>, Option<String>);
    let rows: Vec<Row> = case_figures::table
        .left_join(
            roster_checks::table.on(roster_checks::application_id.eq(case_figures::application_id)),
        )
        .filter(case_figures::county_code.eq(COUNTY))
        .filter(case_figures::decided_at.is_not_null())
        .select((
            case_figures::type_code,
            case_figures::same_day,
            roster_checks::outcome.nullable(),
        ))
        .load(c)
        .map_err(|e| e.to_string())?;
    let rate = |pick: &dyn Fn(&Row) -> bool| {
        let chosen: Vec<_> = rows.iter().filter(|r| pick(r)).collect();
        let same = chosen.iter().filter(|r| r.1 == Some(true)).count();
        (same, chosen.len())
    };
    let backed = ["dibao", "tekun"];
    for (label, (same, all)) in [
        ("all types / 全部", rate(&|_| true)),
        (
            "低保+特困 / roster-backed types",
            rate(&|r| backed.contains(&r.0.as_str())),
        ),
        (
            "roster-confirmed cases / 名册核实（秒批）",
            rate(&|r| r.2.as_deref() == Some("instant")),
        ),
    ] {
        let pct = if all == 0 {
            0.0
        } else {
            same as f64 * 100.0 / all as f64
        };
        println!("当日办结率 / same-day rate, {label}: {pct:.1}% ({same}/{all} decided)");
    }
    Ok(())
}

/// A bar on stderr when it is a terminal; nothing at all when it is a file or a pipe.
fn progress_bar(n: usize, what: &'static str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(n as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{prefix:>8} [{bar:30}] {pos}/{len} {percent}%  {elapsed}",
    ) {
        bar.set_style(style.progress_chars("#>-"));
    }
    bar.set_prefix(what);
    bar
}

/// The tables the scale seed loads in bulk, analysed on PostgreSQL before the figures
/// backfill reads them.
const LOADED: &[&str] = &["users", "applications", "application_events"];
