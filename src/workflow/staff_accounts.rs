//! Creating and changing staff accounts as an administrator (issue 15): add one, import a
//! CSV file `role,phone,name,jurisdiction` (all rows or none), change a role or a
//! jurisdiction, reset a password. Every password set here is a one-time password: it is
//! shown once to the admin and must be changed at the next sign-in. A county's admin
//! works inside that county only (another county's staff are "not found").
//!
//! Hashing is slow, so the passwords are generated and hashed by [`prepare`] before the
//! write transaction, never inside it.

use rand::Rng;
use serde::Serialize;
use utoipa::ToSchema;

use super::audit::{self, Client, Entry};
use super::register::{create_account, NewAccount};
use super::staff::StaffView;
use crate::db::models::{now, User};
use crate::db::{catalog, users, Db, DbConn};
use crate::domain::phone::Phone;
use crate::domain::role::Role;
use crate::domain::{text, Invalid};
use crate::error::{AppError, AppResult};

/// One account to create, checked (role, phone and name are valid; the jurisdiction is
/// checked against the database in the transaction).
#[derive(Debug, Clone)]
pub struct StaffRow {
    /// The line of the file (1 for a single account).
    pub line: usize,
    pub role: Role,
    pub phone: Phone,
    pub name: String,
    pub jurisdiction: Option<String>,
}

/// A row with its one-time password and the password's hash.
pub struct Prepared {
    pub row: StaffRow,
    pub password: String,
    pub hash: String,
}

/// A created account and its one-time password (shown once, stored nowhere in clear).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NewStaff {
    pub line: usize,
    pub user: StaffView,
    /// Empty when it went by SMS to the person's own phone (`sent_by_sms`): then
    /// nobody but them ever sees it.
    pub one_time_password: String,
    /// A password reset asked to be sent by SMS: the person's phone got it.
    pub sent_by_sms: bool,
}

/// A staff role from its name (residents register themselves).
pub fn staff_role(s: &str) -> Result<Role, Invalid> {
    let role = Role::parse(s.trim())?;
    if role == Role::Resident {
        return Err(Invalid::new(
            "群众账号请自行注册，这里只能添加工作人员",
            "Residents register themselves; only staff are added here",
        ));
    }
    Ok(role)
}

/// Checks one account's fields; `line` names the row in messages.
pub fn check_row(
    line: usize,
    role: &str,
    phone: &str,
    name: &str,
    jurisdiction: &str,
) -> Result<StaffRow, Invalid> {
    let role = staff_role(role)?;
    let phone = Phone::parse(phone)?;
    let name = text::person_name(name)?;
    let jurisdiction = Some(jurisdiction.trim())
        .filter(|j| !j.is_empty())
        .map(str::to_owned);
    if role != Role::Admin && jurisdiction.is_none() {
        return Err(Invalid::new(
            "除管理员外须填写所属行政区划代码",
            "A jurisdiction code is required for every role but admin",
        ));
    }
    Ok(StaffRow {
        line,
        role,
        phone,
        name,
        jurisdiction,
    })
}

/// Reads `role,phone,name,jurisdiction` lines (a header line is skipped). Refuses the
/// whole file at the first bad line, naming it: nothing is imported from a bad file.
pub fn parse_csv(text: &str) -> Result<Vec<StaffRow>, Invalid> {
    let mut rows: Vec<StaffRow> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        let cells: Vec<&str> = raw
            .split([',', '，', '\t'])
            .map(|c| c.trim().trim_matches('"').trim())
            .collect();
        if line == 1 && cells.first().is_some_and(|c| Role::parse(c).is_err()) {
            let first = cells[0].to_lowercase();
            if first == "role" || first == "角色" {
                continue; // the header
            }
        }
        let cell = |n: usize| cells.get(n).copied().unwrap_or("");
        let row = check_row(line, cell(0), cell(1), cell(2), cell(3))
            .map_err(|e| in_line(line, raw, &e))?;
        if let Some(first) = rows.iter().find(|r| r.phone == row.phone) {
            return Err(in_line(
                line,
                raw,
                &Invalid::new(
                    format!("手机号与第 {} 行重复", first.line),
                    format!("the phone repeats line {}", first.line),
                ),
            ));
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(Invalid::new(
            "文件中没有账号（每行一个：角色,手机号,姓名,行政区划代码）",
            "The file has no accounts (one per line: role,phone,name,jurisdiction)",
        ));
    }
    Ok(rows)
}

/// A row's error, naming the row: "nothing was imported".
fn in_line(line: usize, raw: &str, e: &Invalid) -> Invalid {
    let raw: String = raw.chars().take(60).collect();
    Invalid::new(
        format!("第 {line} 行（{raw}）：{}，整个文件未导入", e.zh),
        format!("Line {line} ({raw}): {}; nothing was imported", e.en),
    )
}

/// A one-time password: 12 characters without look-alikes (0/O, 1/l/I), easy to read out.
pub fn one_time_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..12)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Generates and hashes the one-time passwords (slow: outside any transaction).
pub fn prepare(rows: Vec<StaffRow>) -> AppResult<Vec<Prepared>> {
    rows.into_iter()
        .map(|row| {
            let password = one_time_password();
            let hash = crate::auth::password::hash(&password).map_err(AppError::internal)?;
            Ok(Prepared {
                row,
                password,
                hash,
            })
        })
        .collect()
}

/// Whether a county's admin (`county`) may place or find someone in `jurisdiction`.
fn in_county(county: Option<&str>, jurisdiction: Option<&str>) -> bool {
    match county {
        None => true,
        Some(c) => jurisdiction.is_some_and(|j| j.starts_with(c)),
    }
}

fn outside_county(county: &str) -> Invalid {
    Invalid::new(
        format!("只能在本县（{county}）范围内设置工作人员"),
        format!("You manage the staff of county {county} only"),
    )
}

/// Creates the accounts, all or none (the caller's transaction). A row that cannot be
/// created (phone taken, unknown jurisdiction, outside the admin's county) fails the
/// whole import with the row named.
pub fn create_many(
    conn: &mut DbConn,
    actor_id: Option<&str>,
    county: Option<&str>,
    client: &Client,
    rows: Vec<Prepared>,
    named_rows: bool,
) -> AppResult<Vec<NewStaff>> {
    let mut out = Vec::with_capacity(rows.len());
    for p in rows {
        let line = p.row.line;
        let named = |e: AppError| -> AppError {
            if !named_rows {
                return e;
            }
            let m = match &e {
                AppError::Internal(_) => return e,
                AppError::Validation(fields) => match fields.values().next() {
                    Some(m) => m.clone(),
                    None => e.message(),
                },
                _ => e.message(),
            };
            AppError::Unprocessable(Invalid::new(
                format!("第 {line} 行：{}，整个文件未导入", m.zh),
                format!("Line {line}: {}; nothing was imported", m.en),
            ))
        };
        if let Some(c) = county {
            if !in_county(Some(c), p.row.jurisdiction.as_deref()) {
                return Err(named(AppError::field("jurisdiction", outside_county(c))));
            }
        }
        let user = create_account(
            conn,
            NewAccount {
                role: p.row.role,
                phone: p.row.phone,
                name: p.row.name,
                password_hash: p.hash.clone(),
                id_number: None,
                jurisdiction: p.row.jurisdiction,
            },
        )
        .map_err(named)?;
        // Set by someone else: changed at the first sign-in.
        users::set_temporary_password(conn, &user.id, &p.hash, user.created_at)?;
        audit::record(
            conn,
            client,
            Entry {
                user_id: actor_id.map(str::to_owned),
                action: audit::action::USER_ADD,
                target_type: "user",
                target_id: user.id.clone(),
                phone: Some(user.phone.clone()),
                detail: Some(format!(
                    "role={} jurisdiction={}",
                    user.role,
                    user.jurisdiction_code.as_deref().unwrap_or("-")
                )),
                ..Entry::default()
            },
        )?;
        out.push(NewStaff {
            line,
            user: StaffView::from(user),
            one_time_password: p.password,
            sent_by_sms: false,
        });
    }
    Ok(out)
}

/// The staff account `id`, if this admin may manage it.
fn managed(conn: &mut DbConn, county: Option<&str>, id: &str) -> AppResult<User> {
    users::by_id(conn, id)?
        .filter(|u| u.role != "resident")
        .filter(|u| in_county(county, u.jurisdiction_code.as_deref()))
        .ok_or_else(AppError::not_found)
}

/// Moves a staff account to another role and/or jurisdiction. Sessions stay: the new
/// scope applies from the next request, since every request reads the account afresh.
pub fn change(
    conn: &mut DbConn,
    actor_id: &str,
    county: Option<&str>,
    client: &Client,
    id: &str,
    role: Option<&str>,
    jurisdiction: Option<&str>,
) -> AppResult<StaffView> {
    let user = managed(conn, county, id)?;
    let role = match role {
        Some(r) => staff_role(r).map_err(|e| AppError::field("role", e))?,
        None => Role::parse(&user.role).map_err(|_| AppError::internal("stored role unknown"))?,
    };
    let jurisdiction = match jurisdiction.map(str::trim) {
        Some("") => None,
        Some(j) => Some(j.to_owned()),
        None => user.jurisdiction_code.clone(),
    };
    if role != Role::Admin && jurisdiction.is_none() {
        return Err(AppError::field(
            "jurisdiction",
            Invalid::new(
                "除管理员外须填写所属行政区划代码",
                "A jurisdiction code is required for every role but admin",
            ),
        ));
    }
    if let Some(c) = county {
        if !in_county(Some(c), jurisdiction.as_deref()) {
            return Err(AppError::field("jurisdiction", outside_county(c)));
        }
    }
    if let Some(code) = &jurisdiction {
        if !catalog::jurisdiction(conn, code)?.is_some_and(|j| j.active) {
            return Err(AppError::field(
                "jurisdiction",
                Invalid::new(
                    format!("行政区划代码{code}不存在或已停用"),
                    format!("No active jurisdiction with code {code}"),
                ),
            ));
        }
    }
    users::set_role_and_jurisdiction(
        conn,
        &user.id,
        role.as_str(),
        jurisdiction.as_deref(),
        now(),
    )?;
    audit::record(
        conn,
        client,
        Entry {
            user_id: Some(actor_id.to_owned()),
            action: audit::action::STAFF_CHANGE,
            target_type: "user",
            target_id: user.id.clone(),
            phone: Some(user.phone.clone()),
            detail: Some(format!(
                "role {}→{} jurisdiction {}→{}",
                user.role,
                role.as_str(),
                user.jurisdiction_code.as_deref().unwrap_or("-"),
                jurisdiction.as_deref().unwrap_or("-")
            )),
            ..Entry::default()
        },
    )?;
    let mut view = StaffView::from(user);
    view.role = role.as_str().to_owned();
    view.jurisdiction = jurisdiction;
    Ok(view)
}

/// Sets a one-time password (already hashed) that must be changed at the next sign-in,
/// and ends the person's sessions: whoever knew the old password is out.
pub fn reset_password(
    conn: &mut DbConn,
    actor_id: &str,
    county: Option<&str>,
    client: &Client,
    id: &str,
    hash: &str,
    sms_password: Option<&str>,
) -> AppResult<StaffView> {
    let user = managed(conn, county, id)?;
    let t = now();
    users::set_temporary_password(conn, &user.id, hash, t)?;
    users::delete_sessions_of(conn, &user.id, None)?;
    if let Some(pw) = sms_password {
        // To the account's own phone (the view's is masked); `code` is blanked in the
        // outbox once the message has gone.
        crate::notify::outbox::queue(
            conn,
            "sms",
            &user.phone,
            crate::notify::outbox::STAFF_PASSWORD,
            &serde_json::json!({ "code": pw }),
            None,
        )?;
    }
    audit::record(
        conn,
        client,
        Entry {
            user_id: Some(actor_id.to_owned()),
            action: audit::action::STAFF_PASSWORD_RESET,
            target_type: "user",
            target_id: user.id.clone(),
            phone: Some(user.phone.clone()),
            ..Entry::default()
        },
    )?;
    Ok(StaffView::from(user))
}

/// Who acts: the admin (`None`: the command line), the county they run (`None`: all),
/// and the client for the access log.
pub struct Actor {
    pub user_id: Option<String>,
    pub county: Option<String>,
    pub client: Client,
}

/// Hashing off the async threads.
async fn prepare_blocking(rows: Vec<StaffRow>) -> AppResult<Vec<Prepared>> {
    actix_web::web::block(move || prepare(rows))
        .await
        .map_err(|e| AppError::internal(e.to_string()))?
}

/// Adds one account from the raw fields; its one-time password is in the answer.
pub async fn add_one(
    db: &Db,
    actor: Actor,
    role: &str,
    phone: &str,
    name: &str,
    jurisdiction: &str,
) -> AppResult<NewStaff> {
    let row = check_row(1, role, phone, name, jurisdiction).map_err(AppError::Unprocessable)?;
    let prepared = prepare_blocking(vec![row]).await?;
    let mut made = db
        .write(move |c| {
            create_many(
                c,
                actor.user_id.as_deref(),
                actor.county.as_deref(),
                &actor.client,
                prepared,
                false,
            )
        })
        .await?;
    made.pop()
        .ok_or_else(|| AppError::internal("no account created"))
}

/// Imports a CSV file (UTF-8 or GBK): every row's account, or none.
pub async fn import_csv(db: &Db, actor: Actor, bytes: &[u8]) -> AppResult<Vec<NewStaff>> {
    let text = crate::domain::division_import::decode(bytes).map_err(AppError::Unprocessable)?;
    let rows = parse_csv(&text).map_err(AppError::Unprocessable)?;
    let prepared = prepare_blocking(rows).await?;
    db.write(move |c| {
        create_many(
            c,
            actor.user_id.as_deref(),
            actor.county.as_deref(),
            &actor.client,
            prepared,
            true,
        )
    })
    .await
}

/// Resets a password to a new one-time password, returned once, or (`by_sms`) sent to
/// the person's own phone in the same transaction and returned to no one.
pub async fn reset(db: &Db, actor: Actor, id: String, by_sms: bool) -> AppResult<NewStaff> {
    let password = one_time_password();
    let pw = password.clone();
    let hash = actix_web::web::block(move || crate::auth::password::hash(&pw))
        .await
        .map_err(|e| AppError::internal(e.to_string()))?
        .map_err(AppError::internal)?;
    let actor_id = actor.user_id.clone().unwrap_or_default();
    let pw = password.clone();
    let user = db
        .write(move |c| {
            reset_password(
                c,
                &actor_id,
                actor.county.as_deref(),
                &actor.client,
                &id,
                &hash,
                by_sms.then_some(pw.as_str()),
            )
        })
        .await?;
    Ok(NewStaff {
        line: 1,
        user,
        one_time_password: if by_sms { String::new() } else { password },
        sent_by_sms: by_sms,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_row_refuses_the_file_naming_the_row() {
        let csv = "role,phone,name,jurisdiction\n\
                   official,13800000001,张三,220421100201\n\
                   official,12345,李四,220421100201\n";
        let e = parse_csv(csv).unwrap_err();
        assert!(e.zh.starts_with("第 3 行"), "{}", e.zh);
        assert!(e.en.contains("nothing was imported"), "{}", e.en);
    }

    #[test]
    fn rows_are_read_after_the_header() {
        let csv = "role,phone,name,jurisdiction\nofficial,13800000001,张三,220421100201\nadmin,13800000002,王五,\n";
        let rows = parse_csv(csv).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[1].jurisdiction, None);
    }

    #[test]
    fn a_repeated_phone_and_a_resident_are_refused() {
        let e = parse_csv("official,13800000001,张三,220421\nofficial,13800000001,李四,220421\n")
            .unwrap_err();
        assert!(e.zh.contains("与第 1 行重复"), "{}", e.zh);
        assert!(parse_csv("resident,13800000001,张三,220421\n").is_err());
    }

    #[test]
    fn one_time_passwords_are_long_and_differ() {
        let a = one_time_password();
        assert_eq!(a.chars().count(), 12);
        assert_ne!(a, one_time_password());
        assert!(!a.contains(['0', 'O', '1', 'l', 'I']));
    }
}
