//! `zhengming`: serve, migrate, manage users, seed demo data.

use std::io::Read;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use zhengming::config::Settings;
use zhengming::domain::{id_number::IdNumber, phone::Phone, role::Role, text};
use zhengming::startup::{prepare_database, Application};
use zhengming::workflow::audit;
use zhengming::workflow::id_numbers;
use zhengming::workflow::register::{create_account, hash_password, NewAccount};

#[derive(Parser)]
#[command(
    name = "zhengming",
    version,
    about = "网上开证明 — online certificates with courier delivery"
)]
struct Cli {
    /// Configuration file (default: ./zhengming.toml if present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP service.
    Serve {
        /// Seed demo jurisdictions and accounts first, and print the credentials.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and seed reference data, then exit.
    Migrate,
    /// Seed demo jurisdictions, staff and residents, and print the credentials.
    Demo {
        /// Also seed a year of N cases with their trails in an invented county (229901)
        /// of 15 townships, for measuring (progress on stderr).
        #[arg(long)]
        scale: Option<usize>,
    },
    /// The holiday calendar (days off and 调休 make-up workdays).
    Holidays {
        #[command(subcommand)]
        command: HolidaysCommand,
    },
    /// Jurisdictions (counties, townships, villages) from the official division codes.
    Jurisdictions {
        #[command(subcommand)]
        command: JurisdictionsCommand,
    },
    /// Rosters other departments keep (低保, 特困, 户籍), for roster-backed approval.
    Rosters {
        #[command(subcommand)]
        command: RostersCommand,
    },
    /// Time the supervision figures and the official's queue on the seeded scale county.
    BenchStats {
        /// Timed runs of each query.
        #[arg(long, default_value_t = 20)]
        iterations: usize,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Check a certificate PDF offline against the public keys in the data
    /// directory. Exit status: 0 genuine, 1 tampered or not signed, 2 cannot check.
    Verify {
        /// The certificate PDF.
        file: PathBuf,
    },
    /// Manage the certificate signing keys and the data keys (ID numbers at rest) in
    /// `<data_dir>/keys/`.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Run the background worker only (sends notifications, runs jobs) until SIGTERM.
    Worker,
    /// Inspect and retry background jobs.
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// Read the audit log (sign-ins, certificate downloads, reveals, document views,
    /// account changes), newest first, by person or by case.
    Audit(AuditArgs),
    /// Back up while serving: on SQLite the database (`VACUUM INTO`), the local blobs
    /// and the keys, with a MANIFEST.json of SHA-256 checksums, into an empty DIR. On
    /// PostgreSQL blobs and keys only (the database with pg_dump or PITR).
    Backup {
        dir: PathBuf,
        /// Leave `<data_dir>/keys/` out (kept apart from the data backups).
        #[arg(long)]
        without_keys: bool,
    },
    /// Restore a backup into an empty data directory, after checking every checksum.
    Restore { dir: PathBuf },
}

#[derive(Args)]
#[command(group(clap::ArgGroup::new("filter").required(true).multiple(true).args(["user", "case"])))]
struct AuditArgs {
    /// A person: account phone (also a phone a failed sign-in named) or name.
    #[arg(long)]
    user: Option<String>,
    /// A case number, e.g. ZM2026000123.
    #[arg(long)]
    case: Option<String>,
    /// How many rows (newest first).
    #[arg(long, default_value_t = 100)]
    limit: i64,
}

#[derive(Subcommand)]
enum JobsCommand {
    /// List jobs parked as failed, with their last error.
    Failed,
    /// Put a failed job back in the queue with fresh attempts.
    Retry {
        /// The job id (from `jobs failed`).
        id: String,
    },
}

#[derive(Subcommand)]
enum RostersCommand {
    /// Import a roster CSV (UTF-8 or GBK) for a county; it replaces the county's older
    /// roster of the same kind. A bad row refuses the whole file.
    Import {
        /// dibao, tekun or hukou.
        #[arg(long)]
        kind: String,
        /// Who keeps the list, e.g. "东丰县民政局".
        #[arg(long)]
        source: String,
        /// The day the list was true, YYYY-MM-DD.
        #[arg(long)]
        as_of: String,
        /// The county's 6-digit code.
        #[arg(long)]
        county: String,
        file: PathBuf,
    },
    /// List the imports (newest first).
    List,
}

#[derive(Subcommand)]
enum HolidaysCommand {
    /// Add a year's calendar from a JSON file in the format of seed/holidays.json.
    Add {
        #[arg(long)]
        file: PathBuf,
    },
    /// Print one year's rows.
    List {
        #[arg(long)]
        year: i32,
    },
}

#[derive(Subcommand)]
enum JurisdictionsCommand {
    /// Import a CSV `code,name` (UTF-8 or GBK; 6/9/12-digit codes): adds new ones,
    /// renames changed ones, deactivates those of the file's counties it no longer lists.
    Import {
        file: PathBuf,
        /// Print what would change, change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Make a new signing key the active one; older public keys stay trusted.
    Rotate,
    /// Make a new data key the active one and re-encrypt every stored ID number under
    /// it, in batches (with `data_keys` in the settings: put the new key first there,
    /// then run this to re-encrypt). Older keys stay readable.
    RotateData,
    /// List the signing keys, and the data keys with how many values each encrypts.
    List,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a staff account.
    Add(UserAdd),
    /// Import staff accounts from a CSV file `role,phone,name,jurisdiction` (all or none);
    /// prints each new account's one-time password once.
    Import { file: std::path::PathBuf },
}

#[derive(Args)]
struct UserAdd {
    /// official, courier, supervisor, admin or agent (代办员, with a village code).
    #[arg(long)]
    role: String,
    #[arg(long)]
    phone: String,
    #[arg(long)]
    name: String,
    /// The password (visible in the process list: prefer --password-stdin).
    #[arg(long, conflicts_with = "password_stdin")]
    password: Option<String>,
    /// Read the password from standard input.
    #[arg(long)]
    password_stdin: bool,
    /// Jurisdiction code (county, township or village); required except for admins.
    #[arg(long)]
    jurisdiction: Option<String>,
    /// Resident ID number (optional for staff).
    #[arg(long)]
    id_number: Option<String>,
}

fn main() {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => fail(&e),
    };
    zhengming::telemetry::init(&settings.log, &settings.log_format);
    let result = match cli.command {
        Command::Serve { demo } => serve(settings, demo),
        Command::Migrate => {
            prepare_database(&settings).map(|_| println!("数据库已就绪 / database ready"))
        }
        Command::Demo { scale } => demo(&settings).and_then(|()| match scale {
            Some(n) => {
                let (db, keys) = zhengming::startup::prepare(&settings)?;
                zhengming::devtools::demo_scale::seed(&db, &keys, n)
            }
            None => Ok(()),
        }),
        Command::Holidays { command } => holidays(&settings, command),
        Command::Jurisdictions {
            command: JurisdictionsCommand::Import { file, dry_run },
        } => jurisdictions_import(&settings, &file, dry_run),
        Command::Rosters { command } => rosters(&settings, command),
        Command::BenchStats { iterations } => prepare_database(&settings)
            .and_then(|db| zhengming::devtools::bench::run(&db, iterations)),
        Command::User {
            command: UserCommand::Add(args),
        } => user_add(&settings, args),
        Command::User {
            command: UserCommand::Import { file },
        } => user_import(&settings, &file),
        Command::Worker => worker(settings),
        Command::Jobs { command } => jobs(&settings, command),
        Command::Audit(args) => audit(&settings, args),
        Command::Verify { file } => verify_file(&settings, &file),
        Command::Keys { command } => keys(&settings, command),
        Command::Backup { dir, without_keys } => {
            zhengming::backup::backup(&settings, &dir, without_keys).map(|m| {
                println!(
                    "已备份 / backed up {} files into {} ({})",
                    m.files.len(),
                    dir.display(),
                    m.note
                )
            })
        }
        Command::Restore { dir } => zhengming::backup::restore(&settings, &dir).map(|m| {
            println!(
                "已恢复 / restored {} files of the backup made {} into {}",
                m.files.len(),
                m.created_at.format("%Y-%m-%d %H:%M:%S UTC"),
                settings.data_dir.display()
            );
            if m.backend == "postgres" {
                println!("数据库请用 pg_restore 恢复 / restore the database with pg_restore");
            }
        }),
    };
    if let Err(e) = result {
        fail(&e);
    }
}

/// An error as an operator reads it: the field messages, not the debug form.
fn describe(e: zhengming::error::AppError) -> String {
    match e {
        zhengming::error::AppError::Validation(f) => f
            .values()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("错误 / error: {msg}");
    std::process::exit(1)
}

fn demo(settings: &Settings) -> Result<(), String> {
    let (db, keys) = zhengming::startup::prepare(settings)?;
    let accounts = zhengming::devtools::demo::seed(&db, &keys)?;
    zhengming::devtools::demo::print_accounts(&accounts);
    Ok(())
}

fn jurisdictions_import(
    settings: &Settings,
    file: &std::path::Path,
    dry_run: bool,
) -> Result<(), String> {
    use zhengming::workflow::jurisdictions::{import, Importer};
    let bytes = std::fs::read(file)
        .map_err(|e| format!("cannot read {} / 无法读取文件: {e}", file.display()))?;
    let db = prepare_database(settings)?;
    let mut conn = db.write_conn().map_err(|e| e.to_string())?;
    let client = audit::Client::cli();
    let who = Importer {
        user_id: None,
        county: None,
        client: &client,
    };
    let plan = conn
        .write_tx(|c| import(c, &who, &bytes, !dry_run))
        .map_err(describe)?;
    let show = |label: &str, list: &[zhengming::workflow::jurisdictions::DivisionChange]| {
        for c in list {
            match &c.old_name {
                Some(old) => println!("  {label} {} {old} → {}", c.code, c.name),
                None => println!("  {label} {} {}", c.code, c.name),
            }
        }
    };
    if dry_run {
        show("+", &plan.added);
        show("~", &plan.renamed);
        show("-", &plan.deactivated);
        show("↺", &plan.reactivated);
        println!(
            "预览，未改动 / dry run, nothing changed: {}",
            plan.summary()
        );
    } else {
        println!(
            "已导入 / imported: 新增 {} 更名 {} 停用 {} 恢复 {} 未变 {} ({})",
            plan.added.len(),
            plan.renamed.len(),
            plan.deactivated.len(),
            plan.reactivated.len(),
            plan.unchanged,
            plan.summary()
        );
    }
    Ok(())
}

fn rosters(settings: &Settings, command: RostersCommand) -> Result<(), String> {
    let (db, keys) = zhengming::startup::prepare(settings)?;
    let mut conn = db.write_conn().map_err(|e| e.to_string())?;
    match command {
        RostersCommand::Import {
            kind,
            source,
            as_of,
            county,
            file,
        } => {
            let bytes = std::fs::read(&file)
                .map_err(|e| format!("cannot read {} / 无法读取文件: {e}", file.display()))?;
            let input = zhengming::workflow::rosters::ImportInput {
                kind,
                source,
                as_of,
                county: Some(county),
                bytes,
            };
            let client = zhengming::workflow::audit::Client::cli();
            let done = conn
                .write_tx(|c| zhengming::workflow::rosters::import(c, &keys, None, &client, input))
                .map_err(describe)?;
            println!(
                "已导入 / imported {} {} rows for county {} ({}, as of {})",
                done.rows, done.kind, done.county_code, done.source, done.as_of
            );
        }
        RostersCommand::List => {
            let rows =
                zhengming::db::rosters::imports(&mut conn, None).map_err(|e| e.to_string())?;
            for r in rows {
                println!(
                    "{}\t{}\t{}\t{}\t{} rows\t{}\t{}",
                    r.imported_at.format("%Y-%m-%d %H:%M"),
                    r.kind,
                    r.county_code,
                    r.as_of,
                    r.row_count,
                    r.source,
                    if r.replaced_at.is_some() {
                        "replaced"
                    } else {
                        "current"
                    }
                );
            }
        }
    }
    Ok(())
}

fn holidays(settings: &Settings, command: HolidaysCommand) -> Result<(), String> {
    let db = prepare_database(settings)?;
    let mut conn = db.write_conn().map_err(|e| e.to_string())?;
    match command {
        HolidaysCommand::Add { file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {} / 无法读取文件: {e}", file.display()))?;
            let rows: Vec<zhengming::domain::holiday_import::HolidayInput> =
                serde_json::from_str(&text).map_err(|e| {
                    format!(
                    "{} is not a JSON array of {{date, kind, note, source}} / 文件格式有误: {e}",
                    file.display()
                )
                })?;
            let added = conn
                .write_tx(|c| zhengming::workflow::holidays::add(c, &rows))
                .map_err(|e| match e {
                    zhengming::error::AppError::Validation(f) => f
                        .iter()
                        .map(|(k, v)| format!("{k}: {v}"))
                        .collect::<Vec<_>>()
                        .join("; "),
                    other => other.to_string(),
                })?;
            println!(
                "已添加 / added {} rows for {:?}; 重新计算 / recomputed: {} open deadlines, {} cases' figures",
                added.added, added.years, added.deadlines_recomputed, added.figures_recomputed
            );
        }
        HolidaysCommand::List { year } => {
            let rows = zhengming::db::catalog::holidays_of_year(&mut conn, year)
                .map_err(|e| e.to_string())?;
            if rows.is_empty() {
                let days: Vec<String> = zhengming::domain::statutory::days_off(year)
                    .iter()
                    .map(|d| format!("{} {}", d.date, d.name))
                    .collect();
                return Err(format!(
                    "{year}年节假日安排尚未导入，暂按预计工作日计算（周一至周五，扣除法定节假日：{}） / \
                     no calendar for {year} yet: working days are provisional (Monday–Friday less the statutory holidays above)",
                    days.join("，")
                ));
            }
            for r in rows {
                println!("{}\t{}\t{}\t{}", r.day, r.kind, r.note, r.source);
            }
        }
    }
    Ok(())
}

fn serve(settings: Settings, with_demo: bool) -> Result<(), String> {
    if with_demo {
        demo(&settings)?;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async move {
        let app = Application::build(settings).await?;
        println!("zhengming listening on {}", app.base_url());
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}

fn user_add(settings: &Settings, a: UserAdd) -> Result<(), String> {
    let role = Role::parse(&a.role).map_err(|e| e.to_string())?;
    if role == Role::Resident {
        return Err("residents register themselves / 群众账号请自行注册".into());
    }
    let phone = Phone::parse(&a.phone).map_err(|e| e.to_string())?;
    let name = text::person_name(&a.name).map_err(|e| e.to_string())?;
    let id_number = a
        .id_number
        .as_deref()
        .map(IdNumber::parse)
        .transpose()
        .map_err(|e| e.to_string())?;
    if role != Role::Admin && a.jurisdiction.is_none() {
        return Err("--jurisdiction is required for this role / 请指定所属行政区划代码".into());
    }
    let password = match (a.password, a.password_stdin) {
        (Some(p), _) => p,
        (None, true) => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| e.to_string())?;
            s.trim_end_matches(['\r', '\n']).to_owned()
        }
        (None, false) => return Err("give --password or --password-stdin".into()),
    };
    let personal = [
        phone.as_str(),
        id_number.as_ref().map(|i| i.as_str()).unwrap_or(""),
    ];
    let password_hash = hash_password(&password, &personal).map_err(describe)?;
    let (db, keys) = zhengming::startup::prepare(settings)?;
    let id_number = id_number.map(|i| keys.seal_id(&i));
    let mut conn = db.write_conn().map_err(|e| e.to_string())?;
    let account = NewAccount {
        role,
        phone,
        name,
        password_hash,
        id_number,
        jurisdiction: a.jurisdiction,
    };
    let user = conn
        .write_tx(|c| {
            let user = create_account(c, account)?;
            audit::record(
                c,
                &audit::Client::cli(),
                audit::Entry {
                    action: audit::action::USER_ADD,
                    target_type: "user",
                    target_id: user.id.clone(),
                    phone: Some(user.phone.clone()),
                    detail: Some(format!(
                        "role={} jurisdiction={}",
                        user.role,
                        user.jurisdiction_code.as_deref().unwrap_or("-")
                    )),
                    ..audit::Entry::default()
                },
            )?;
            Ok::<_, zhengming::error::AppError>(user)
        })
        .map_err(describe)?;
    println!(
        "已创建 / created: {} {} ({})",
        user.role, user.phone, user.id
    );
    Ok(())
}

/// `zhengming user import FILE`: the same checks as the admin page, one transaction.
fn user_import(settings: &Settings, file: &std::path::Path) -> Result<(), String> {
    use zhengming::workflow::staff_accounts;
    let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let text = zhengming::domain::division_import::decode(&bytes).map_err(|e| e.to_string())?;
    let rows = staff_accounts::parse_csv(&text).map_err(|e| e.to_string())?;
    let prepared = staff_accounts::prepare(rows).map_err(describe)?;
    let (db, _keys) = zhengming::startup::prepare(settings)?;
    let mut conn = db.write_conn().map_err(|e| e.to_string())?;
    let made = conn
        .write_tx(|c| {
            staff_accounts::create_many(c, None, None, &audit::Client::cli(), prepared, true)
        })
        .map_err(describe)?;
    println!(
        "已导入 {} 个账号 / {} accounts imported",
        made.len(),
        made.len()
    );
    println!("一次性密码只显示这一次，首次登录须修改 / one-time passwords, shown once, changed at first sign-in:");
    for m in made {
        println!(
            "{}\t{}\t{}\t{}\t{}",
            m.line,
            m.user.role,
            m.user.name,
            m.user.jurisdiction.as_deref().unwrap_or("-"),
            m.one_time_password
        );
    }
    Ok(())
}

fn worker(settings: Settings) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async move {
        let s = settings.clone();
        let db = tokio::task::spawn_blocking(move || {
            let (db, keys) = zhengming::startup::prepare(&s)?;
            id_numbers::check_keys(&db, &keys)?;
            Ok::<_, String>(db)
        })
        .await
        .map_err(|e| e.to_string())??;
        let base_url = if settings.base_url.trim().is_empty() {
            format!("http://{}", settings.listen)
        } else {
            settings.base_url.trim_end_matches('/').to_owned()
        };
        let handle = zhengming::startup::build_worker(&db, &settings, &base_url)?.spawn();
        println!("zhengming worker running");
        wait_for_stop_signal().await;
        handle.shutdown().await;
        Ok(())
    })
}

/// SIGTERM (what service managers send) or Ctrl-C.
async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// `zhengming audit --user PHONE|NAME --case NUMBER`: a table, newest first.
fn audit(settings: &Settings, a: AuditArgs) -> Result<(), String> {
    let db = prepare_database(settings)?;
    let mut conn = db.read_conn().map_err(|e| e.to_string())?;
    let list = zhengming::read_model::audit::list(&mut conn, a.user, a.case, None, a.limit)
        .map_err(describe)?;
    if list.items.is_empty() {
        println!("没有符合条件的记录 / no matching entries");
        return Ok(());
    }
    println!("time (UTC)           action                  outcome  who                  phone        case           from");
    for e in list.items {
        let who = match (&e.user_name, &e.user_role) {
            (Some(n), Some(r)) => format!("{n} ({r})"),
            _ => "-".into(),
        };
        println!(
            "{}  {:<22}  {:<7}  {:<20} {:<12} {:<14} {}{}",
            e.at.format("%Y-%m-%d %H:%M:%S"),
            e.action,
            e.outcome,
            who,
            e.phone.as_deref().unwrap_or("-"),
            e.case_number.as_deref().unwrap_or("-"),
            e.client_addr.as_deref().unwrap_or("-"),
            e.detail.map(|d| format!("  {d}")).unwrap_or_default(),
        );
    }
    Ok(())
}

fn jobs(settings: &Settings, command: JobsCommand) -> Result<(), String> {
    let db = prepare_database(settings)?;
    let mut conn = db.write_conn().map_err(|e| e.to_string())?;
    match command {
        JobsCommand::Failed => {
            let failed =
                zhengming::db::jobs::list(&mut conn, "failed", 1000).map_err(|e| e.to_string())?;
            if failed.is_empty() {
                println!("没有失败的任务 / no failed jobs");
            }
            for j in failed {
                println!(
                    "{}\t{}\t{} attempts\t{}\t{}",
                    j.id,
                    j.kind,
                    j.attempts,
                    j.updated_at.format("%Y-%m-%d %H:%M:%S"),
                    j.last_error.unwrap_or_default()
                );
            }
            Ok(())
        }
        JobsCommand::Retry { id } => {
            let now = zhengming::db::models::now();
            if zhengming::db::jobs::retry(&mut conn, id.trim(), now).map_err(|e| e.to_string())? {
                println!("已重新排队 / queued again: {}", id.trim());
                Ok(())
            } else {
                Err(format!(
                    "没有这个失败的任务 / no failed job with id {}",
                    id.trim()
                ))
            }
        }
    }
}
fn verify_file(settings: &Settings, file: &std::path::Path) -> Result<(), String> {
    use zhengming::verify::{seal::check_file, KeyRing};
    let cannot = |msg: String| -> ! {
        eprintln!("无法核验 / cannot verify: {msg}");
        std::process::exit(2)
    };
    let keys = KeyRing::load_public(&settings.data_dir).unwrap_or_else(|e| cannot(e.to_string()));
    let bytes = std::fs::read(file).unwrap_or_else(|e| cannot(format!("{}: {e}", file.display())));
    match check_file(&bytes, &keys) {
        Ok(c) => {
            println!("真实 / genuine");
            println!("证明编号 / number: {}", c.number);
            println!("类型 / type: {}", c.type_code);
            println!("出具日期 / issued on: {}", c.issued_on);
            println!("出具机关代码 / office: {}", c.office);
            println!("签名密钥 / key id: {}", c.key_id);
            println!("（撤销状态请扫码在线核验 / scan the QR code online for revocation status）");
            Ok(())
        }
        Err(e) => {
            println!("已篡改或无效 / tampered: {e}");
            std::process::exit(1)
        }
    }
}

fn keys(settings: &Settings, command: KeysCommand) -> Result<(), String> {
    use zhengming::verify::KeyRing;
    match command {
        KeysCommand::Rotate => {
            let kid = KeyRing::rotate(&settings.data_dir).map_err(|e| e.to_string())?;
            println!(
                "新签名密钥 / new signing key: {kid}（重启服务后生效 / takes effect on restart）"
            );
        }
        KeysCommand::RotateData => {
            let (db, mut data) = zhengming::startup::prepare(settings)?;
            if data.in_key_dir() {
                let kid = zhengming::crypto::DataKeys::new_dir_key(&settings.data_dir)
                    .map_err(|e| e.to_string())?;
                data = zhengming::startup::data_keys(settings)?;
                println!("新数据密钥 / new data key: {kid}");
            } else {
                println!(
                    "数据密钥来自配置，使用第一个 / data keys from the settings; the first is active: {}",
                    data.active_kid()
                );
            }
            let n = id_numbers::reencrypt(&db, &data, id_numbers::BATCH)?;
            println!("已重新加密 / re-encrypted: {n}");
            let blobs = zhengming::storage::BlobStore::from_url(
                &settings.storage_url,
                &settings.blob_dir(),
            )?;
            let files = id_numbers::seal_certificates(&db, &data, &blobs, true, id_numbers::BATCH)?;
            println!("证明文件已重新加密 / certificate files re-encrypted: {files}");
            print_data_keys(&db, &data)?;
        }
        KeysCommand::List => {
            let ring = KeyRing::load_public(&settings.data_dir).map_err(|e| e.to_string())?;
            println!("签名密钥 / signing keys:");
            for kid in ring.kids() {
                let mark = if kid == ring.active_kid() { " *" } else { "" };
                println!("{kid}{mark}");
            }
            let (db, data) = zhengming::startup::prepare(settings)?;
            print_data_keys(&db, &data)?;
        }
    }
    Ok(())
}

/// One line per data key: kid, `*` if active, values in users and in applications.
fn print_data_keys(
    db: &zhengming::db::Db,
    keys: &zhengming::crypto::DataKeys,
) -> Result<(), String> {
    let mut conn = db.read_conn().map_err(|e| e.to_string())?;
    println!(
        "数据密钥 / data keys (kid, users, applications, certificate files; all 0: no longer used):"
    );
    for u in id_numbers::usage(&mut conn, keys)? {
        if (u.kid == "plaintext" || u.kid == id_numbers::UNKNOWN)
            && u.users + u.applications + u.certificates == 0
        {
            continue;
        }
        let mark = if u.active { " *" } else { "" };
        println!(
            "{}{mark}\t{}\t{}\t{}",
            u.kid, u.users, u.applications, u.certificates
        );
    }
    Ok(())
}
