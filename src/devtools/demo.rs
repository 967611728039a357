//! Demo data: the pilot jurisdictions, one account per role and office, two residents.
//! Idempotent: running it again adds only what is missing.

use super::jurisdiction_seed::seed_demo_jurisdictions;
use crate::auth::password;
use crate::crypto::DataKeys;
use crate::db::models::{new_id, now, User};
use crate::db::{catalog, users, Db, DbConn};
use crate::domain::id_number::mod11_2_check;

/// The password of every demo account (printed; demo data only).
pub const DEMO_PASSWORD: &str = "demo12345";

pub struct DemoAccount {
    pub role: &'static str,
    pub phone: String,
    pub name: String,
    pub jurisdiction: Option<(String, String)>,
}

/// A valid resident ID number for the demo (area code, birth date, sequence).
fn demo_id_number(area: &str, birth: &str, seq: &str) -> String {
    let body = format!("{area}{birth}{seq}");
    let check = mod11_2_check(&body).unwrap_or('0');
    format!("{body}{check}")
}

pub fn seed(db: &Db, keys: &DataKeys) -> Result<Vec<DemoAccount>, String> {
    let hash = password::hash(DEMO_PASSWORD)?;
    let mut conn = db.write_conn().map_err(|e| e.to_string())?;
    conn.write_tx(|c| seed_in(c, keys, &hash))
        .map_err(|e| format!("demo seeding failed: {e}"))
}

fn seed_in(
    c: &mut DbConn,
    keys: &DataKeys,
    hash: &str,
) -> Result<Vec<DemoAccount>, diesel::result::Error> {
    let mut accounts = Vec::new();
    let mut n = 0u32;
    let mut add = |c: &mut DbConn,
                   role: &'static str,
                   name: String,
                   jurisdiction: Option<(&str, &str)>,
                   id_number: Option<String>|
     -> Result<(), diesel::result::Error> {
        n += 1;
        let phone = if role == "resident" {
            format!("138{n:08}")
        } else {
            format!("139{n:08}")
        };
        let sealed = id_number
            .as_deref()
            .map(|i| (keys.seal(i), keys.blind_index(i)));
        let index_free = match &sealed {
            Some((_, ix)) => crate::db::id_numbers::user_with_index(c, ix)?.is_none(),
            None => true,
        };
        if !users::phone_taken(c, &phone)? && index_free {
            let t = now();
            users::insert(
                c,
                &User {
                    id: new_id(),
                    role: role.into(),
                    phone: phone.clone(),
                    name: name.clone(),
                    password_hash: hash.to_owned(),
                    jurisdiction_code: jurisdiction.map(|j| j.0.to_owned()),
                    id_number: sealed.as_ref().map(|s| s.0.clone()),
                    id_number_bidx: sealed.map(|s| s.1),
                    email: None,
                    status: "active".into(),
                    created_at: t,
                    updated_at: t,
                },
            )?;
        }
        accounts.push(DemoAccount {
            role,
            phone,
            name,
            jurisdiction: jurisdiction.map(|(code, name)| (code.to_owned(), name.to_owned())),
        });
        Ok(())
    };
    let counties = seed_demo_jurisdictions();
    add(c, "admin", "系统管理员".into(), None, None)?;
    for county in &counties {
        catalog::ensure_jurisdiction(c, &county.code, &county.name, "county", None)?;
        add(
            c,
            "supervisor",
            format!("{}效能监察", county.name),
            Some((&county.code, &county.name)),
            None,
        )?;
        for t in &county.townships {
            catalog::ensure_jurisdiction(c, &t.code, &t.name, "township", Some(&county.code))?;
            add(
                c,
                "official",
                format!("{}经办人", t.name),
                Some((&t.code, &t.name)),
                None,
            )?;
            add(
                c,
                "courier",
                format!("{}投递员", t.name),
                Some((&t.code, &t.name)),
                None,
            )?;
            for v in &t.villages {
                catalog::ensure_jurisdiction(c, &v.code, &v.name, "village", Some(&t.code))?;
                add(
                    c,
                    "official",
                    format!("{}经办人", v.name),
                    Some((&v.code, &v.name)),
                    None,
                )?;
            }
        }
    }
    add(
        c,
        "resident",
        "张秀英".into(),
        None,
        Some(demo_id_number("222403", "19650312", "002")),
    )?;
    add(
        c,
        "resident",
        "李建国".into(),
        None,
        Some(demo_id_number("220421", "19800708", "013")),
    )?;
    Ok(accounts)
}

/// The credentials table printed by `demo` and `serve --demo`.
pub fn print_accounts(accounts: &[DemoAccount]) {
    println!("演示账号 / demo accounts (password for all: {DEMO_PASSWORD})");
    println!("role        phone        jurisdiction   name");
    for a in accounts {
        let j = a
            .jurisdiction
            .as_ref()
            .map(|(c, n)| format!("{c} {n}"))
            .unwrap_or_default();
        println!("{:<11} {:<12} {:<14} {}", a.role, a.phone, j, a.name);
    }
}
