//! ID numbers at rest: the data migration (values in clear → encrypted), key rotation
//! (re-encrypted under the active key), the count per key, and re-binding an ID number
//! to the account of the person it belongs to.
//!
//! The batches read by keyset outside any transaction and write each batch in its own
//! short write transaction, so the SQLite writer is never held for long; each row is
//! replaced only if it still holds the value read (a concurrent edit wins).

use crate::auth::CurrentUser;
use crate::crypto::{self, DataKeys};
use crate::db::id_numbers::{self as store, Column};
use crate::db::models::{new_id, now, User};
use crate::db::{users, Db, DbConn};
use crate::domain::id_number::IdNumber;
use crate::domain::phone::Phone;
use crate::domain::role::{Level, Role};
use crate::domain::Invalid;
use crate::error::{AppError, AppResult};
use crate::workflow::audit::{self, Client};

/// Rows per transaction in the migration and the rotation.
pub const BATCH: i64 = 500;

fn db_err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Encrypts every ID number still in clear and sets its blind index. Idempotent: an
/// encrypted value is recognised by its prefix. Returns how many values it encrypted.
///
/// Accounts that share one ID number (possible before one ID number, one account) keep
/// their numbers, encrypted; only the oldest gets the blind index, the others are
/// logged (by account id) for an official to settle with a re-bind.
pub fn seal_plaintext(db: &Db, keys: &DataKeys, batch: i64) -> Result<usize, String> {
    let mut conn = db.write_conn().map_err(db_err)?;
    let mut done = 0;
    for col in Column::ALL {
        let mut after = String::new();
        loop {
            let rows = store::batch(&mut conn, col, &after, &crypto::like_sealed(), batch)
                .map_err(db_err)?;
            let Some(last) = rows.last() else { break };
            after = last.0.clone();
            done += conn
                .write_tx(|c| {
                    let mut n = 0;
                    for (id, plain, _) in &rows {
                        // A stored number is normally valid; keep an odd one as typed.
                        let normal = IdNumber::parse(plain)
                            .map(|i| i.as_str().to_owned())
                            .unwrap_or_else(|_| plain.trim().to_owned());
                        let mut index = Some(keys.blind_index(&normal));
                        if col == Column::Users {
                            let holder = store::user_with_index(c, index.as_deref().unwrap_or(""))?;
                            if holder.is_some_and(|u| u.id != *id) {
                                tracing::warn!(
                                    user_id = %id,
                                    "an ID number is bound to an earlier account too: re-bind it"
                                );
                                index = None;
                            }
                        }
                        let sealed = keys.seal(&normal);
                        if store::replace(c, col, id, plain, &sealed, Some(index.as_deref()))? {
                            n += 1;
                        }
                    }
                    Ok::<_, diesel::result::Error>(n)
                })
                .map_err(db_err)?;
        }
    }
    Ok(done)
}

/// After values were sealed in place, the old bytes in clear must not stay in the
/// database files. SQLite (whose connections zero freed content, `secure_delete`) has
/// its WAL folded into the file and truncated, the file rebuilt (`VACUUM`), then the
/// WAL truncated again. PostgreSQL keeps dead row versions until they are vacuumed:
/// only a hint is logged, since `VACUUM FULL` locks the tables and is the operator's
/// call.
pub fn scrub_freed_space(db: &Db) -> Result<(), String> {
    let mut conn = db.write_conn().map_err(db_err)?;
    match &mut *conn {
        DbConn::Sqlite(c) => {
            use diesel::connection::SimpleConnection;
            checkpoint(c)?;
            c.batch_execute("VACUUM").map_err(db_err)?;
            checkpoint(c)?;
            tracing::info!("database file rebuilt after encrypting ID numbers (VACUUM)");
        }
        DbConn::Pg(_) => tracing::warn!(
            "ID numbers were encrypted in place; PostgreSQL keeps the old row versions until \
             vacuumed: run `VACUUM FULL users, applications;` in a quiet hour / \
             身份证号已就地加密，旧数据行在清理前仍留在 PostgreSQL 中：请择时执行 \
             VACUUM FULL users, applications;"
        ),
    }
    Ok(())
}

#[derive(diesel::QueryableByName)]
struct Checkpoint {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    busy: i32,
}

/// `PRAGMA wal_checkpoint(TRUNCATE)`; a reader holding an old snapshot makes it stop
/// short (logged: the WAL is then truncated at a later checkpoint).
fn checkpoint(c: &mut diesel::SqliteConnection) -> Result<(), String> {
    use diesel::RunQueryDsl;
    let r: Checkpoint = diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)")
        .get_result(c)
        .map_err(db_err)?;
    if r.busy != 0 {
        tracing::warn!("the SQLite WAL could not be checkpointed fully: a reader held it");
    }
    Ok(())
}

/// Re-encrypts every value not under the active key. Values under a key that is
/// missing are left (and counted by [`usage`]). Returns how many it re-encrypted.
pub fn reencrypt(db: &Db, keys: &DataKeys, batch: i64) -> Result<usize, String> {
    let mut conn = db.write_conn().map_err(db_err)?;
    let current = crypto::like_kid(&keys.active_kid());
    let mut done = 0;
    for col in Column::ALL {
        let mut after = String::new();
        loop {
            let rows = store::batch(&mut conn, col, &after, &current, batch).map_err(db_err)?;
            let Some(last) = rows.last() else { break };
            after = last.0.clone();
            done += conn
                .write_tx(|c| {
                    let mut n = 0;
                    for (id, old, _) in &rows {
                        // Values in clear are `seal_plaintext`'s (run at every start).
                        if !crypto::is_sealed(old) {
                            continue;
                        }
                        let plain = match keys.open(old) {
                            Ok(p) => p,
                            Err(e) => {
                                tracing::warn!(row = %id, column = col.name(), error = %e, "left as it is");
                                continue;
                            }
                        };
                        if store::replace(c, col, id, old, &keys.seal(&plain), None)? {
                            n += 1;
                        }
                    }
                    Ok::<_, diesel::result::Error>(n)
                })
                .map_err(db_err)?;
        }
    }
    Ok(done)
}

/// Certificate PDFs (which print the full number) in the blob store: those stored in
/// clear (`to_active: false`, the data migration) or under an older key (`true`, the
/// rotation) are (re-)encrypted under the active key, one file at a time, and the key
/// recorded. A crash between the file and the row leaves a file that names its own key,
/// so it stays readable and the next run finishes it. Returns how many it wrote.
pub fn seal_certificates(
    db: &Db,
    keys: &DataKeys,
    blobs: &crate::storage::BlobStore,
    to_active: bool,
    batch: i64,
) -> Result<usize, String> {
    let mut conn = db.write_conn().map_err(db_err)?;
    let active = keys.active_kid();
    let mut after = String::new();
    let mut done = 0;
    loop {
        let not_under = to_active.then_some(active.as_str());
        let rows =
            store::certificates_batch(&mut conn, &after, not_under, batch).map_err(db_err)?;
        let Some(last) = rows.last() else {
            return Ok(done);
        };
        after = last.0.clone();
        for (id, blob_key, _) in &rows {
            let stored = match blobs.get(blob_key) {
                Ok(b) => b,
                Err(e) => {
                    tracing::warn!(certificate = %id, error = %e, "certificate file unreadable; left");
                    continue;
                }
            };
            let kid = match DataKeys::blob_kid(&stored) {
                Some(k) if k == active => k.to_owned(),
                _ => {
                    let plain = keys.open_bytes(stored).map_err(|e| e.to_string())?;
                    let (kid, sealed) = keys.seal_bytes(&plain);
                    blobs.put(blob_key, &sealed).map_err(db_err)?;
                    kid
                }
            };
            conn.write_tx(|c| store::set_certificate_kid(c, id, &kid))
                .map_err(db_err)?;
            done += 1;
        }
    }
}

/// How many stored values one key encrypts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyUsage {
    /// A kid, or `"plaintext"` for values in clear.
    pub kid: String,
    pub active: bool,
    pub users: i64,
    pub applications: i64,
    /// Certificate PDFs stored under this key.
    pub certificates: i64,
}

/// The `usage` line of values under keys this process does not have.
pub const UNKNOWN: &str = "unknown";

/// Refuses to serve when stored ID numbers are encrypted under data keys this process
/// lacks: typically a second instance that made its own keys instead of sharing them.
pub fn check_keys(db: &Db, keys: &DataKeys) -> Result<(), String> {
    let mut conn = db.read_conn().map_err(db_err)?;
    let missing: i64 = usage(&mut conn, keys)?
        .iter()
        .filter(|u| u.kid == UNKNOWN)
        .map(|u| u.users + u.applications + u.certificates)
        .sum();
    if missing > 0 {
        return Err(format!(
            "数据库中有{missing}个身份证号由本实例没有的数据密钥加密：请从生成它们的实例复制 keys/data-*.key 与 index.key，\
             或在每个实例配置相同的 data_keys 与 blind_index_key / {missing} stored ID numbers are encrypted under \
             data keys this instance lacks: copy keys/data-*.key and index.key from the instance that made them, \
             or set the same data_keys and blind_index_key on every instance"
        ));
    }
    Ok(())
}

/// Values per data key (every key this process knows), under keys it lacks, and those
/// still in clear.
pub fn usage(conn: &mut DbConn, keys: &DataKeys) -> Result<Vec<KeyUsage>, String> {
    let active = keys.active_kid();
    let mut out = Vec::new();
    for kid in keys.kids() {
        let like = crypto::like_kid(&kid);
        out.push(KeyUsage {
            active: kid == active,
            users: store::count(conn, Column::Users, &like, false).map_err(db_err)?,
            applications: store::count(conn, Column::Applications, &like, false).map_err(db_err)?,
            certificates: store::count_certificates(conn, Some(&kid)).map_err(db_err)?,
            kid,
        });
    }
    let sealed = crypto::like_sealed();
    let kids = keys.kids();
    let likes: Vec<String> = kids.iter().map(|k| crypto::like_kid(k)).collect();
    out.push(KeyUsage {
        kid: UNKNOWN.into(),
        active: false,
        users: store::count_unknown(conn, Column::Users, &sealed, &likes).map_err(db_err)?,
        applications: store::count_unknown(conn, Column::Applications, &sealed, &likes)
            .map_err(db_err)?,
        certificates: store::count_certificates_unknown(conn, &kids).map_err(db_err)?,
    });
    out.push(KeyUsage {
        kid: "plaintext".into(),
        active: false,
        users: store::count(conn, Column::Users, &sealed, true).map_err(db_err)?,
        applications: store::count(conn, Column::Applications, &sealed, true).map_err(db_err)?,
        certificates: store::count_certificates(conn, None).map_err(db_err)?,
    });
    Ok(out)
}

/// A staff search by ID number, for the access log: the target is the number's blind
/// index (never the number), so searches for one person can be found together.
pub fn log_search(
    conn: &mut DbConn,
    actor: &CurrentUser,
    index: &str,
    client: &Client,
) -> AppResult<()> {
    audit::record(
        conn,
        client,
        audit::Entry {
            user_id: Some(actor.id.clone()),
            action: audit::action::SEARCH_ID_NUMBER,
            target_type: "id_number_index",
            target_id: index.to_owned(),
            ..audit::Entry::default()
        },
    )
}

/// The refusal of a second account for one ID number.
pub fn id_in_use() -> AppError {
    AppError::field(
        "id_number",
        Invalid::new(
            "该身份证号已绑定其他账号。如是您本人的身份证号，请携带身份证到户籍所在县（市、区）的乡镇（街道）便民服务中心办理改绑",
            "This ID number is already bound to an account. If it is yours, take your ID card to a township service centre of the county where it was issued to have it re-bound",
        ),
    )
}

/// Re-binding as asked at the office.
pub struct Rebind {
    pub id_number: IdNumber,
    /// The account the number moves to; made if there is none.
    pub phone: Phone,
    /// For a new account: the person's name.
    pub name: Option<String>,
    /// For a new account: the hash of the password the person typed at the counter.
    /// Without it the person sets one with 忘记密码 (a code by SMS).
    pub password_hash: Option<String>,
}

/// What a re-bind did.
pub struct Rebound {
    pub user: User,
    pub previous_user_id: String,
    pub created: bool,
}

/// Who may re-bind: township- or county-level officials (a resident has no area, so
/// not a village official alone) and admins.
pub fn may_rebind(user: &CurrentUser) -> AppResult<()> {
    let ok = match user.role {
        Role::Admin => true,
        Role::Official => matches!(
            user.jurisdiction,
            Some((_, Level::Township | Level::County))
        ),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "只有乡镇（街道）或县级经办人、管理员可以改绑身份证号",
            "Only township or county officials and admins may re-bind an ID number",
        ))
    }
}

/// A re-binding as typed at the counter or sent by a client; empty name and password
/// are absent.
pub struct RebindInput {
    pub id_number: String,
    pub phone: String,
    pub name: String,
    pub password: String,
}

/// Checks every field (all problems at once; the password may be neither the phone nor
/// the ID number), hashes the password off the executor and re-binds in one write
/// transaction: the one path of the API and the page.
pub async fn rebind_as_asked(
    state: &crate::state::AppState,
    actor: &CurrentUser,
    input: RebindInput,
    client: &Client,
) -> AppResult<Rebound> {
    may_rebind(actor)?;
    let mut f = crate::error::Fields::default();
    let id = f.take("id_number", IdNumber::parse(&input.id_number));
    let phone = f.take("phone", Phone::parse(&input.phone));
    let name = Some(input.name.trim())
        .filter(|n| !n.is_empty())
        .and_then(|n| f.take("name", crate::domain::text::person_name(n)));
    let personal = [input.phone.clone(), input.id_number.clone()];
    let password = Some(input.password).filter(|p| !p.is_empty());
    if let Some(p) = &password {
        f.take(
            "password",
            crate::auth::password::check_policy(p, &[&personal[0], &personal[1]]),
        );
    }
    f.finish()?;
    let (Some(id_number), Some(phone)) = (id, phone) else {
        return Err(AppError::internal("validated fields missing"));
    };
    let password_hash = match password {
        Some(p) => Some(
            tokio::task::spawn_blocking(move || {
                super::register::hash_password(&p, &[&personal[0], &personal[1]])
            })
            .await
            .map_err(AppError::internal)??,
        ),
        None => None,
    };
    let keys = state.services.data_keys.clone();
    let (actor, client) = (actor.clone(), client.clone());
    state
        .db
        .write(move |c| {
            rebind(
                c,
                &keys,
                &actor,
                Rebind {
                    id_number,
                    phone,
                    name,
                    password_hash,
                },
                &client,
            )
        })
        .await
}

/// An official re-binds only numbers issued in their own county (the first six digits of
/// an ID number are the county of household registration): taking a number over
/// disables its account, so it must not reach beyond the official's area. An admin
/// with a jurisdiction is held to it the same way; one without works service-wide.
fn in_area(actor: &CurrentUser, id: &IdNumber) -> AppResult<()> {
    let Some((code, _)) = &actor.jurisdiction else {
        return if actor.role == Role::Admin {
            Ok(())
        } else {
            Err(outside_area())
        };
    };
    match (code.get(..6), id.as_str().get(..6)) {
        (Some(area), Some(issued)) if area == issued => Ok(()),
        _ => Err(outside_area()),
    }
}

fn outside_area() -> AppError {
    AppError::forbidden(
        "该身份证号的户籍地不在您的辖区（县、市、区），请到户籍所在县办理，或请管理员改绑",
        "This ID number was issued outside your county; it is re-bound there, or by an admin",
    )
}

/// Moves an ID number from the account it is bound to onto the account with `phone`
/// (made if there is none); the old account is deactivated and signed out everywhere.
/// Both are written to the access log. One transaction.
pub fn rebind(
    conn: &mut DbConn,
    keys: &DataKeys,
    actor: &CurrentUser,
    r: Rebind,
    client: &Client,
) -> AppResult<Rebound> {
    may_rebind(actor)?;
    in_area(actor, &r.id_number)?;
    let index = keys.blind_index(r.id_number.as_str());
    let old = store::user_with_index(conn, &index)?.ok_or_else(|| {
        AppError::NotFound(Invalid::new(
            "该身份证号没有绑定任何账号，本人可直接注册",
            "No account holds this ID number; the person can register",
        ))
    })?;
    let at = now();
    let (target, created) = match users::by_phone(conn, r.phone.as_str())? {
        Some(t) if t.id == old.id => {
            return Err(AppError::conflict(
                "该身份证号已绑定在这个手机号的账号上",
                "The ID number is already bound to this phone's account",
            ))
        }
        Some(t) if t.role != Role::Resident.as_str() || t.id_number.is_some() => {
            return Err(AppError::field(
                "phone",
                Invalid::new(
                    "该手机号的账号不是未绑定身份证号的群众账号",
                    "This phone's account is not a resident account without an ID number",
                ),
            ))
        }
        Some(t) => (t, false),
        None => {
            let name = r.name.clone().ok_or_else(|| {
                AppError::field(
                    "name",
                    Invalid::new(
                        "该手机号尚未注册，请填写本人姓名以新建账号",
                        "No account has this phone yet: give the person's name to make one",
                    ),
                )
            })?;
            let user = User {
                id: new_id(),
                role: Role::Resident.as_str().into(),
                phone: r.phone.as_str().into(),
                name,
                // No password yet unless typed at the counter: "!" never verifies.
                password_hash: r.password_hash.clone().unwrap_or_else(|| "!".into()),
                jurisdiction_code: None,
                id_number: None,
                id_number_bidx: None,
                email: None,
                status: "active".into(),
                created_at: at,
                updated_at: at,
            };
            users::insert(conn, &user)?;
            (user, true)
        }
    };
    store::bind(conn, &old.id, None, at)?;
    store::deactivate(conn, &old.id, at)?;
    let sealed = keys.seal_id(&r.id_number);
    store::bind(conn, &target.id, Some((&sealed.stored, &sealed.index)), at)?;
    for (action, target_id) in [
        (audit::action::REBIND_ID_NUMBER, &target.id),
        (audit::action::DEACTIVATE_ACCOUNT, &old.id),
    ] {
        audit::record(
            conn,
            client,
            audit::Entry {
                user_id: Some(actor.id.clone()),
                action,
                target_type: "user",
                target_id: target_id.clone(),
                ..audit::Entry::default()
            },
        )?;
    }
    tracing::info!(
        actor = %actor.id, from = %old.id, to = %target.id, created,
        "ID number re-bound"
    );
    let user = users::by_id(conn, &target.id)?.ok_or_else(AppError::not_found)?;
    Ok(Rebound {
        user,
        previous_user_id: old.id,
        created,
    })
}
