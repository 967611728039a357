//! The audit log as the admin reads it (`GET /api/v1/admin/audit`, the page
//! `/admin/audit`, `zhengming audit`): newest first, by person or by case, a page at a
//! time.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::views::utc;
use crate::db::access_log::{self, AuditFilter, AuditRow};
use crate::db::DbConn;
use crate::domain::Invalid;
use crate::error::{AppError, AppResult};

/// One audited access: who, what, when, from where, with what outcome.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryView {
    pub id: String,
    pub at: DateTime<Utc>,
    /// e.g. `sign_in`, `reveal_id_number`, `view_document`, `view_document_thumb`,
    /// `download_certificate`, `user_add`, `account_update`, `delivery_locked`,
    /// `delivery_code_reissued`.
    pub action: String,
    /// `ok`, `failed` (e.g. a wrong password) or `refused`.
    pub outcome: String,
    /// The account, if the row names one.
    pub user_id: Option<String>,
    pub user_name: Option<String>,
    pub user_role: Option<String>,
    /// The account's phone, or the phone a sign-in named.
    pub phone: Option<String>,
    pub target_type: String,
    pub target_id: String,
    /// The case the access concerns, if any.
    pub case_number: Option<String>,
    pub client_addr: Option<String>,
    pub user_agent: Option<String>,
    /// A short note, e.g. `wrong_password` or `role=official`; never an ID number.
    pub detail: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    pub items: Vec<AuditEntryView>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl AuditEntryView {
    fn new(r: AuditRow) -> Self {
        let (user_name, user_role, user_phone) = match r.user {
            Some((n, role, p)) => (Some(n), Some(role), Some(p)),
            None => (None, None, None),
        };
        AuditEntryView {
            id: r.row.id,
            at: utc(r.row.created_at),
            action: r.row.action,
            outcome: r.row.outcome,
            user_id: r.row.user_id,
            user_name,
            user_role,
            phone: r.row.phone.or(user_phone),
            target_type: r.row.target_type,
            target_id: r.row.target_id,
            case_number: r.case_number,
            client_addr: r.row.client_addr,
            user_agent: r.row.user_agent,
            detail: r.row.detail,
        }
    }
}

fn encode_cursor(t: NaiveDateTime, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{id}", t.and_utc().timestamp_micros()))
}

fn decode_cursor(s: &str) -> Option<(NaiveDateTime, String)> {
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(s).ok()?).ok()?;
    let (t, id) = raw.split_once('|')?;
    let t = DateTime::from_timestamp_micros(t.parse().ok()?)?.naive_utc();
    Some((t, id.to_owned()))
}

/// The page of the audit log after `cursor` (newest first), `limit` rows (1–200).
/// The narrower filters of the admin's audit page and API (raw, as typed): an action,
/// and a range of days in China time (`YYYY-MM-DD`, both ends included).
#[derive(Debug, Clone, Default)]
pub struct Narrow {
    pub action: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// A county admin's county (`Scope::admin_county`): only rows about that county's
    /// cases or staff. Not a filter the person types: set from who asks.
    pub county: Option<String>,
}

type Checked = (
    Option<String>,
    Option<chrono::NaiveDateTime>,
    Option<chrono::NaiveDateTime>,
);

impl Narrow {
    fn check(&self) -> AppResult<Checked> {
        let clean = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let action = clean(&self.action);
        if let Some(a) = &action {
            if !crate::workflow::audit::action::ALL.contains(&a.as_str()) {
                return Err(AppError::field(
                    "action",
                    Invalid::new(
                        format!("没有名为 {a} 的操作"),
                        format!("No action named {a}"),
                    ),
                ));
            }
        }
        let day = |name: &str, v: &Option<String>| -> AppResult<Option<chrono::NaiveDate>> {
            clean(v)
                .map(|d| {
                    chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|_| {
                        AppError::field(
                            name,
                            Invalid::new(
                                "日期格式应为 YYYY-MM-DD，例如 2026-12-01",
                                "A date is written YYYY-MM-DD, e.g. 2026-12-01",
                            ),
                        )
                    })
                })
                .transpose()
        };
        let (from, to) = (day("from", &self.from)?, day("to", &self.to)?);
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                return Err(AppError::field(
                    "to",
                    Invalid::new(
                        "结束日期早于开始日期",
                        "The end date is before the start date",
                    ),
                ));
            }
        }
        // Days are China's (UTC+8); the log is stored in UTC.
        let start = |d: chrono::NaiveDate| {
            d.and_hms_opt(0, 0, 0)
                .map(|t| t - chrono::TimeDelta::hours(8))
        };
        Ok((
            action,
            from.and_then(start),
            to.and_then(|d| d.succ_opt()).and_then(start),
        ))
    }
}

pub fn list(
    conn: &mut DbConn,
    person: Option<String>,
    case_number: Option<String>,
    cursor: Option<&str>,
    limit: i64,
) -> AppResult<AuditList> {
    list_narrowed(conn, person, case_number, &Narrow::default(), cursor, limit)
}

pub fn list_narrowed(
    conn: &mut DbConn,
    person: Option<String>,
    case_number: Option<String>,
    narrow: &Narrow,
    cursor: Option<&str>,
    limit: i64,
) -> AppResult<AuditList> {
    let (action, from, until) = narrow.check()?;
    let before = match cursor.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => Some(decode_cursor(c).ok_or_else(|| {
            AppError::field(
                "cursor",
                Invalid::new(
                    "翻页参数无效，请从第一页重新查看",
                    "Invalid cursor; start from the first page",
                ),
            )
        })?),
        None => None,
    };
    let limit = limit.clamp(1, 200);
    let rows = access_log::search(
        conn,
        &AuditFilter {
            person,
            case_number,
            action,
            from,
            until,
            before,
            limit,
            county: narrow.county.clone(),
        },
    )?;
    let next_cursor = (rows.len() as i64 == limit)
        .then(|| {
            rows.last()
                .map(|r| encode_cursor(r.row.created_at, &r.row.id))
        })
        .flatten();
    Ok(AuditList {
        items: rows.into_iter().map(AuditEntryView::new).collect(),
        next_cursor,
    })
}
