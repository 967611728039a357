//! Rosters (issue 16): an admin imports the rosters other departments keep (API, admin
//! page, CLI), and a submission looks its subject up in the roster its type relies on.
//! Every look-up is in the access log; ID numbers are stored and matched like all
//! others (sealed, keyed blind index).

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::audit::{self, Client};
use crate::auth::CurrentUser;
use crate::crypto::DataKeys;
use crate::db::models::{new_id, now, Application, RosterEntry, RosterImport};
use crate::db::{catalog, rosters, DbConn};
use crate::domain::calendar::china_date;
use crate::domain::cert_type::CertificateType;
use crate::domain::role::{Level, Role};
use crate::domain::roster::{self, Found, Outcome, RosterKind, RosterRule};
use crate::domain::{text, Invalid};
use crate::error::{AppError, AppResult};

/// An import as sent: raw values, checked in [`import`].
pub struct ImportInput {
    pub kind: String,
    pub source: String,
    pub as_of: String,
    /// The county (6 digits); an admin with a county of their own may leave it out.
    pub county: Option<String>,
    pub bytes: Vec<u8>,
}

/// An import as listed (never its rows).
#[derive(Debug, Serialize, ToSchema)]
pub struct RosterImportView {
    pub id: String,
    /// `dibao`, `tekun` or `hukou`.
    pub kind: String,
    pub county_code: String,
    pub source: String,
    /// The day the source says the list was true (YYYY-MM-DD).
    pub as_of: String,
    pub rows: i32,
    pub imported_at: chrono::NaiveDateTime,
    /// Set once a newer import of the same kind and county replaced this one.
    pub replaced_at: Option<chrono::NaiveDateTime>,
}

impl From<RosterImport> for RosterImportView {
    fn from(r: RosterImport) -> Self {
        RosterImportView {
            id: r.id,
            kind: r.kind,
            county_code: r.county_code,
            source: r.source,
            as_of: r.as_of,
            rows: r.row_count,
            imported_at: r.imported_at,
            replaced_at: r.replaced_at,
        }
    }
}

/// The county an admin works on: their own (a county or anything below it), or the
/// one they name when they have none. `None` user: the CLI, which must name one.
fn county_of(
    conn: &mut DbConn,
    user: Option<&CurrentUser>,
    given: Option<&str>,
) -> AppResult<String> {
    let given = given.map(str::trim).filter(|c| !c.is_empty());
    let own = user
        .and_then(|u| u.jurisdiction.as_ref())
        .and_then(|(code, _)| code.get(..6))
        .map(str::to_owned);
    let county = match (own, given) {
        (Some(own), Some(g)) if own != g => {
            return Err(AppError::forbidden(
                "只能为本县（区）导入名册",
                "You can import rosters only for your own county",
            ))
        }
        (Some(own), _) => own,
        (None, Some(g)) => g.to_owned(),
        (None, None) => {
            return Err(AppError::field(
                "county",
                Invalid::new(
                    "请指定名册所属的县（区）代码（6位）",
                    "Give the county (6-digit code) the roster belongs to",
                ),
            ))
        }
    };
    match catalog::jurisdiction(conn, &county)? {
        Some(j) if Level::parse(&j.level) == Some(Level::County) => Ok(county),
        _ => Err(AppError::field(
            "county",
            Invalid::new(
                format!("没有代码为“{county}”的县（区）"),
                format!("There is no county with the code '{county}'"),
            ),
        )),
    }
}

/// Checks a whole file and stores it as the roster in force for its kind and county,
/// replacing the older one, in the caller's write transaction. Nothing is stored
/// unless every row is valid.
pub fn import(
    conn: &mut DbConn,
    keys: &DataKeys,
    user: Option<&CurrentUser>,
    client: &Client,
    input: ImportInput,
) -> AppResult<RosterImportView> {
    if let Some(u) = user {
        u.require_role(&[Role::Admin])?;
    }
    let kind = RosterKind::parse(&input.kind).map_err(|e| AppError::field("kind", e))?;
    let source = text::required(&input.source, "来源", "The source", 100)
        .map_err(|e| AppError::field("source", e))?;
    let as_of = NaiveDate::parse_from_str(input.as_of.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| *d <= china_date(chrono::Utc::now()))
        .ok_or_else(|| {
            AppError::field(
                "as_of",
                Invalid::new(
                    "请填写名册的截止日期，如 2026-11-30（不能晚于今天）",
                    "Give the day the roster is as of, e.g. 2026-11-30 (not after today)",
                ),
            )
        })?;
    let county = county_of(conn, user, input.county.as_deref())?;
    let text = roster::decode(&input.bytes).map_err(|e| AppError::field("file", e))?;
    let rows = roster::parse_rows(kind, &text).map_err(|e| AppError::field("file", e))?;
    let at = now();
    let import = RosterImport {
        id: new_id(),
        kind: kind.as_str().to_owned(),
        county_code: county,
        source,
        as_of: as_of.to_string(),
        row_count: i32::try_from(rows.len()).unwrap_or(i32::MAX),
        imported_by: user.map(|u| u.id.clone()),
        imported_at: at,
        replaced_at: None,
    };
    let entries: Vec<RosterEntry> = rows
        .into_iter()
        .map(|r| RosterEntry {
            id: new_id(),
            import_id: import.id.clone(),
            id_bidx: keys.blind_index(r.id_number.as_str()),
            id_number: keys.seal(r.id_number.as_str()),
            name: r.name,
            village_code: r.village_code,
            data: serde_json::to_string(&r.data).unwrap_or_else(|_| "{}".into()),
        })
        .collect();
    let replaced = rosters::replace(conn, &import, &entries, at)?;
    audit::record(
        conn,
        client,
        audit::Entry {
            user_id: user.map(|u| u.id.clone()),
            action: audit::action::ROSTER_IMPORT,
            target_type: "roster_import",
            target_id: import.id.clone(),
            detail: Some(format!(
                "{} {} rows={} replaced={replaced}",
                import.kind, import.county_code, import.row_count
            )),
            ..audit::Entry::default()
        },
    )?;
    tracing::info!(kind = %import.kind, county = %import.county_code, rows = import.row_count, replaced, "roster imported");
    Ok(import.into())
}

/// Imports of the admin's county (all for an admin without one), newest first.
pub fn list(conn: &mut DbConn, user: &CurrentUser) -> AppResult<Vec<RosterImportView>> {
    user.require_role(&[Role::Admin])?;
    let county = user
        .jurisdiction
        .as_ref()
        .and_then(|(c, _)| c.get(..6))
        .map(str::to_owned);
    Ok(rosters::imports(conn, county.as_deref())?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// What the roster said about a case at submission.
pub struct Verdict {
    pub outcome: Outcome,
    pub reason: Invalid,
    pub import_id: Option<String>,
    /// The entry's columns, to fill the form from (only when it confirms).
    pub data: serde_json::Map<String, Value>,
}

/// Whom a look-up is about: the case's subject and village.
pub struct Subject<'a> {
    pub name: &'a str,
    pub bidx: Option<&'a str>,
    pub county_code: &'a str,
    pub village_code: &'a str,
}

impl<'a> Subject<'a> {
    pub fn of(app: &'a Application) -> Self {
        Subject {
            name: &app.subject_name,
            bidx: app.subject_id_bidx.as_deref(),
            county_code: &app.county_code,
            village_code: &app.village_code,
        }
    }
}

/// Looks the subject up in the roster `rule` relies on and judges the entry. Writes
/// nothing: the caller logs the look-up with [`log_look_up`] once the case exists.
pub fn look_up(conn: &mut DbConn, s: &Subject<'_>, rule: &RosterRule) -> AppResult<Verdict> {
    let import = rosters::current(conn, rule.kind.as_str(), s.county_code)?;
    let entry = match (&import, s.bidx) {
        (Some(i), Some(bidx)) => rosters::entry(conn, &i.id, bidx)?,
        _ => None,
    };
    let as_of = import
        .as_ref()
        .and_then(|i| NaiveDate::parse_from_str(&i.as_of, "%Y-%m-%d").ok());
    let found = entry.as_ref().zip(as_of).map(|(e, as_of)| Found {
        name: &e.name,
        village_code: e.village_code.as_deref(),
        as_of,
    });
    let imported = import
        .as_ref()
        .zip(as_of)
        .map(|(i, d)| (i.source.as_str(), d));
    let (outcome, reason) = roster::judge(
        rule,
        found.as_ref(),
        imported,
        s.name,
        s.village_code,
        china_date(chrono::Utc::now()),
    );
    let data = match entry.filter(|_| outcome.confirms()) {
        Some(e) => serde_json::from_str(&e.data).map_err(AppError::internal)?,
        None => serde_json::Map::new(),
    };
    Ok(Verdict {
        outcome,
        reason,
        import_id: import.map(|i| i.id),
        data,
    })
}

/// Records a look-up in the access log: by the account whose action made it, about
/// the case, naming the import and the outcome (never the ID number). Where the county
/// has no roster of the kind nothing was read, and nothing is logged.
pub fn log_look_up(
    conn: &mut DbConn,
    user_id: &str,
    application_id: &str,
    rule: &RosterRule,
    v: &Verdict,
) -> AppResult<()> {
    if v.import_id.is_none() {
        return Ok(());
    }
    audit::record(
        conn,
        &Client::new("system", "roster look-up"),
        audit::Entry {
            user_id: Some(user_id.to_owned()),
            action: audit::action::ROSTER_LOOKUP,
            target_type: "roster_import",
            target_id: v.import_id.clone().unwrap_or_default(),
            application_id: Some(application_id.to_owned()),
            detail: Some(format!("{} {}", rule.kind.as_str(), v.outcome.as_str())),
            ..audit::Entry::default()
        },
    )
}

/// The form with the roster's values filled in (they win over what was typed: the
/// roster is the authority) and the rule's fixed values set.
pub fn fill_form(rule: &RosterRule, verdict: &Verdict, form: &mut serde_json::Map<String, Value>) {
    for (field, column) in &rule.fills {
        if let Some(v) = verdict.data.get(column) {
            form.insert(field.clone(), v.clone());
        }
    }
    for (field, v) in &rule.sets {
        form.insert(field.clone(), v.clone());
    }
}

/// The type's rule, if it relies on a roster.
pub fn rule_of(t: &CertificateType) -> Option<&RosterRule> {
    t.roster.as_ref()
}
