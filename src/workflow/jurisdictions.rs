//! Loading a county's jurisdictions from the official division codes (issue 15): the
//! same use case behind `zhengming jurisdictions import`, the upload form and
//! `POST /api/v1/admin/jurisdictions/import`. A plan (added, renamed, missing) is
//! computed first; applying it is one transaction. A jurisdiction missing from the file
//! is deactivated, never deleted: cases keep pointing at it, it is only no longer
//! offered for new applications. Re-importing the same file changes nothing.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use utoipa::ToSchema;

use super::audit::{self, Client, Entry};
use crate::db::models::Jurisdiction;
use crate::db::{catalog, jurisdictions, DbConn};
use crate::domain::division_import::{decode, level_of, parent_of, parse, DivisionRow};
use crate::domain::Invalid;
use crate::error::{AppError, AppResult};

/// One jurisdiction in a plan.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct DivisionChange {
    pub code: String,
    pub name: String,
    /// The name before (renames only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_name: Option<String>,
}

/// What an import does (a preview) or did.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ImportPlan {
    pub added: Vec<DivisionChange>,
    pub renamed: Vec<DivisionChange>,
    /// In the database under a county of the file, missing from the file: deactivated.
    pub deactivated: Vec<DivisionChange>,
    /// Inactive, listed again: active again.
    pub reactivated: Vec<DivisionChange>,
    pub unchanged: usize,
    /// Province and prefecture lines, which the service does not keep.
    pub skipped_above_county: usize,
    /// Whether the plan was applied (false for a preview).
    pub applied: bool,
}

impl ImportPlan {
    pub fn changes(&self) -> usize {
        self.added.len() + self.renamed.len() + self.deactivated.len() + self.reactivated.len()
    }

    /// `added 3, renamed 1, deactivated 1, reactivated 0, unchanged 40`.
    pub fn summary(&self) -> String {
        format!(
            "added {}, renamed {}, deactivated {}, reactivated {}, unchanged {}",
            self.added.len(),
            self.renamed.len(),
            self.deactivated.len(),
            self.reactivated.len(),
            self.unchanged
        )
    }
}

/// Who imports: the county an admin is limited to (`None`: anywhere), for the audit.
pub struct Importer<'a> {
    pub user_id: Option<&'a str>,
    pub county: Option<&'a str>,
    pub client: &'a Client,
}

fn file_error(invalid: Invalid) -> AppError {
    AppError::field("file", invalid)
}

/// Reads the file and compares it with the database; applies it when `apply` (in the
/// caller's transaction: call it inside `db.write`). A bad row refuses the whole file.
pub fn import(
    conn: &mut DbConn,
    who: &Importer<'_>,
    bytes: &[u8],
    apply: bool,
) -> AppResult<ImportPlan> {
    let parsed = parse(&decode(bytes).map_err(file_error)?).map_err(file_error)?;
    let rows = parsed.rows;
    if let Some(county) = who.county {
        if let Some(r) = rows.iter().find(|r| !r.code.starts_with(county)) {
            return Err(AppError::Forbidden(Invalid::new(
                format!(
                    "第 {} 行：{} 不在您管理的县（{county}）内，整个文件未导入",
                    r.line, r.code
                ),
                format!(
                    "Line {}: {} is outside your county ({county}); nothing was imported",
                    r.line, r.code
                ),
            )));
        }
    }
    let in_file: BTreeSet<&str> = rows.iter().map(|r| r.code.as_str()).collect();
    let counties: BTreeSet<&str> = rows.iter().map(|r| &r.code[..6]).collect();
    let mut existing: BTreeMap<String, Jurisdiction> = BTreeMap::new();
    for c in &counties {
        for j in jurisdictions::under(conn, c)? {
            existing.insert(j.code.clone(), j);
        }
    }
    for r in &rows {
        orphan_check(conn, r, &in_file, &existing)?;
    }
    let mut plan = ImportPlan {
        skipped_above_county: parsed.skipped_above_county,
        ..ImportPlan::default()
    };
    for r in &rows {
        let change = DivisionChange {
            code: r.code.clone(),
            name: r.name.clone(),
            old_name: None,
        };
        match existing.get(&r.code) {
            None => plan.added.push(change),
            Some(j) if j.name != r.name => plan.renamed.push(DivisionChange {
                old_name: Some(j.name.clone()),
                ..change
            }),
            Some(j) if !j.active => plan.reactivated.push(change),
            Some(_) => plan.unchanged += 1,
        }
    }
    for j in existing.values() {
        if j.active && !in_file.contains(j.code.as_str()) {
            plan.deactivated.push(DivisionChange {
                code: j.code.clone(),
                name: j.name.clone(),
                old_name: None,
            });
        }
    }
    if apply {
        write(conn, &plan)?;
        plan.applied = true;
        audit::record(
            conn,
            who.client,
            Entry {
                user_id: who.user_id.map(str::to_owned),
                action: audit::action::JURISDICTIONS_IMPORT,
                target_type: "jurisdiction",
                target_id: counties.into_iter().collect::<Vec<_>>().join(","),
                detail: Some(plan.summary()),
                ..Entry::default()
            },
        )?;
    }
    Ok(plan)
}

/// The parent (the code's prefix) is in the file or already in the database.
fn orphan_check(
    conn: &mut DbConn,
    r: &DivisionRow,
    in_file: &BTreeSet<&str>,
    existing: &BTreeMap<String, Jurisdiction>,
) -> AppResult<()> {
    let Some(parent) = r.parent() else {
        return Ok(());
    };
    if in_file.contains(parent)
        || existing.contains_key(parent)
        || catalog::jurisdiction(conn, parent)?.is_some()
    {
        return Ok(());
    }
    Err(file_error(Invalid::new(
        format!(
            "第 {} 行：{} {} 的上级 {parent} 既不在文件中也不在系统中，整个文件未导入",
            r.line, r.code, r.name
        ),
        format!(
            "Line {}: the parent {parent} of {} {} is neither in the file nor in the system; nothing was imported",
            r.line, r.code, r.name
        ),
    )))
}

fn write(conn: &mut DbConn, plan: &ImportPlan) -> AppResult<()> {
    // Parents first: codes sort counties before their townships before their villages.
    let mut added: Vec<&DivisionChange> = plan.added.iter().collect();
    added.sort_by_key(|c| (c.code.len(), c.code.clone()));
    for c in added {
        jurisdictions::insert(
            conn,
            &c.code,
            &c.name,
            level_of(&c.code).as_str(),
            parent_of(&c.code),
        )?;
    }
    for c in plan.renamed.iter().chain(&plan.reactivated) {
        jurisdictions::update(conn, &c.code, &c.name, true)?;
    }
    for c in &plan.deactivated {
        jurisdictions::update(conn, &c.code, &c.name, false)?;
    }
    Ok(())
}

/// Whether [`add_or_rename`] adds a new code or renames an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum One {
    Add,
    Rename,
}

/// Adds one jurisdiction (a village, usually) or renames one: `code,name` as a
/// one-line import that deactivates nothing.
pub fn add_or_rename(
    conn: &mut DbConn,
    who: &Importer<'_>,
    code: &str,
    name: &str,
    mode: One,
) -> AppResult<DivisionChange> {
    let line = format!("{},{}", code.trim(), name.trim());
    let row = parse(&line)
        .map_err(|e| {
            // Named by field rather than by a line the user never saw.
            let strip = |s: &str| s.split_once('：').map_or(s, |(_, r)| r).to_owned();
            AppError::field(
                "code",
                Invalid::new(
                    strip(&e.zh),
                    e.en.split_once(": ")
                        .map_or(e.en.clone(), |(_, r)| r.to_owned()),
                ),
            )
        })?
        .rows
        .into_iter()
        .next()
        .ok_or_else(|| {
            AppError::field(
                "code",
                Invalid::new("请填写乡镇或村的代码", "Give a township or village code"),
            )
        })?;
    if let Some(county) = who.county {
        if !row.code.starts_with(county) {
            return Err(AppError::Forbidden(Invalid::new(
                format!("{} 不在您管理的县（{county}）内", row.code),
                format!("{} is outside your county ({county})", row.code),
            )));
        }
    }
    let before = catalog::jurisdiction(conn, &row.code)?;
    match (mode, &before) {
        (One::Add, Some(b)) => {
            return Err(AppError::Conflict(Invalid::new(
                format!("代码 {} 已有：{}", row.code, b.name),
                format!("The code {} exists already: {}", row.code, b.name),
            )))
        }
        (One::Rename, None) => return Err(AppError::not_found()),
        _ => {}
    }
    if before.is_none() {
        if let Some(parent) = row.parent() {
            if catalog::jurisdiction(conn, parent)?.is_none() {
                return Err(AppError::field(
                    "code",
                    Invalid::new(
                        format!("上级 {parent} 不在系统中，请先导入或添加它"),
                        format!("The parent {parent} is not in the system; import or add it first"),
                    ),
                ));
            }
        }
        jurisdictions::insert(
            conn,
            &row.code,
            &row.name,
            row.level().as_str(),
            row.parent(),
        )?;
    } else {
        jurisdictions::update(conn, &row.code, &row.name, true)?;
    }
    let change = DivisionChange {
        code: row.code.clone(),
        name: row.name.clone(),
        old_name: before.map(|b| b.name),
    };
    audit::record(
        conn,
        who.client,
        Entry {
            user_id: who.user_id.map(str::to_owned),
            action: audit::action::JURISDICTION_CHANGE,
            target_type: "jurisdiction",
            target_id: row.code,
            detail: Some(match &change.old_name {
                Some(old) => format!("{old} → {}", change.name),
                None => format!("added {}", change.name),
            }),
            ..Entry::default()
        },
    )?;
    Ok(change)
}
