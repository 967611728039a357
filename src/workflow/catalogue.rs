//! Catalogue edits by an admin (issue 15): a new version of a certificate type, and the
//! per-county switch. Both audited; the API, the page and tests go through here.

use serde_json::Value;

use super::audit::{self, action, Client, Entry};
use crate::auth::CurrentUser;
use crate::db::{catalog, type_versions, DbConn};
use crate::domain::cert_type::CertificateType;
use crate::domain::role::Role;
use crate::domain::Invalid;
use crate::error::{AppError, AppResult};

/// Longest note of a version.
const NOTE_MAX_CHARS: usize = 200;

/// Whether `user` may change the catalogue itself: it is shared by every county of the
/// installation, so a province admin (or one with no code) may; a county admin only
/// switches types on or off for their county ([`set_county`]).
pub fn may_edit(user: &CurrentUser) -> AppResult<()> {
    user.require_role(&[Role::Admin])?;
    if crate::auth::Scope::admin_county(user).is_some() {
        return Err(AppError::forbidden(
            "证明事项目录由全省（市）共用，县级管理员不能修改；可以为本县开启或关闭某项证明",
            "The catalogue is shared by every county: a county admin cannot change it, only switch types on or off for their county",
        ));
    }
    Ok(())
}

/// Stores `spec` (a whole type, as `GET /api/v1/admin/catalogue/{code}` gives it) as the
/// next version of type `code`, in the caller's write transaction; returns its number.
///
/// Refused (422, nothing written): a spec that does not parse, names another code, fails
/// the catalogue check the seed passes (a placeholder without a field is named), changes
/// nothing, or drops a form field that cases of the type have a value for.
pub fn add_version(
    conn: &mut DbConn,
    client: &Client,
    user: &CurrentUser,
    code: &str,
    spec: Value,
    note: &str,
) -> AppResult<i32> {
    may_edit(user)?;
    let current = catalog::type_by_code(conn, code)?.ok_or_else(AppError::not_found)?;
    let t: CertificateType = serde_json::from_value(spec).map_err(|e| {
        AppError::field(
            "spec",
            Invalid::new(
                format!("证明事项的格式不对：{e}"),
                format!("The certificate type does not parse: {e}"),
            ),
        )
    })?;
    if t.code != code {
        return Err(AppError::field(
            "spec.code",
            Invalid::new(
                format!("证明事项代码不能修改（应为“{code}”）"),
                format!("The code cannot change (it is “{code}”)"),
            ),
        ));
    }
    if let Err(problems) = t.check() {
        return Err(AppError::field("spec", joined(&problems)));
    }
    if t == current {
        return Err(AppError::field(
            "spec",
            Invalid::new("没有任何修改", "Nothing was changed"),
        ));
    }
    // A field a case has a value for stays: old cases show and print it (it may be made
    // optional instead).
    for removed in current.fields.iter().filter(|f| t.field(&f.name).is_none()) {
        if type_versions::field_in_use(conn, code, &removed.name)? {
            return Err(AppError::field(
                "spec.fields",
                Invalid::new(
                    format!(
                        "字段“{}”（{}）已有申请填写，不能删除；可改为选填",
                        removed.label_zh, removed.name
                    ),
                    format!(
                        "Field “{}” ({}) is used by existing applications and cannot be removed; make it optional instead",
                        removed.label_en, removed.name
                    ),
                ),
            ));
        }
    }
    let note = note.trim();
    if note.chars().count() > NOTE_MAX_CHARS {
        return Err(AppError::field(
            "note",
            Invalid::new(
                format!("修改说明最多{NOTE_MAX_CHARS}个字"),
                format!("The note has at most {NOTE_MAX_CHARS} characters"),
            ),
        ));
    }
    let version =
        type_versions::add(conn, &t, Some(&user.id), note)?.ok_or_else(AppError::not_found)?;
    audit::record(
        conn,
        client,
        Entry {
            user_id: Some(user.id.clone()),
            action: action::CATALOGUE_VERSION,
            target_type: "certificate_type",
            target_id: code.to_owned(),
            detail: Some(format!("version {version}: {note}")),
            ..Entry::default()
        },
    )?;
    Ok(version)
}

/// Switches type `code` on or off in `county` (6 digits), in the caller's write
/// transaction; returns whether anything changed. An admin whose jurisdiction is a county
/// switches only that county.
pub fn set_county(
    conn: &mut DbConn,
    client: &Client,
    user: &CurrentUser,
    code: &str,
    county: &str,
    enabled: bool,
) -> AppResult<bool> {
    user.require_role(&[Role::Admin])?;
    let county = county.trim();
    let is_county = catalog::jurisdiction(conn, county)?.is_some_and(|j| j.level == "county");
    if !is_county {
        return Err(AppError::field(
            "county",
            Invalid::new(
                format!("没有代码为“{county}”的县（区）"),
                format!("There is no county with the code “{county}”"),
            ),
        ));
    }
    // The county is taken from the admin's jurisdiction code: a county admin has a
    // 6-digit one (issue 15, "a county admin limited to that county").
    if let Some(own) = user.jurisdiction.as_ref().and_then(|(c, _)| c.get(..6)) {
        if own != county {
            return Err(AppError::forbidden(
                "只能开关本县的证明事项",
                "You can switch types only in your own county",
            ));
        }
    }
    catalog::type_by_code(conn, code)?.ok_or_else(AppError::not_found)?;
    let changed = type_versions::set_county(conn, code, county, enabled, &user.id)?;
    if changed {
        audit::record(
            conn,
            client,
            Entry {
                user_id: Some(user.id.clone()),
                action: action::CATALOGUE_COUNTY,
                target_type: "certificate_type",
                target_id: code.to_owned(),
                detail: Some(format!("{county} {}", if enabled { "on" } else { "off" })),
                ..Entry::default()
            },
        )?;
    }
    Ok(changed)
}

/// Refuses a draft of a type its county has switched off.
pub fn require_offered(conn: &mut DbConn, code: &str, county: &str) -> AppResult<()> {
    if type_versions::is_off(conn, code, county)? {
        return Err(AppError::field(
            "type",
            Invalid::new(
                "本县暂不办理这种证明，请咨询乡镇（街道）便民服务中心",
                "Your county does not issue this certificate at present; please ask the township service centre",
            ),
        ));
    }
    Ok(())
}

/// Several check problems as one message, each on its own.
fn joined(problems: &[Invalid]) -> Invalid {
    Invalid::new(
        problems
            .iter()
            .map(|p| p.zh.as_str())
            .collect::<Vec<_>>()
            .join("；"),
        problems
            .iter()
            .map(|p| p.en.as_str())
            .collect::<Vec<_>>()
            .join("; "),
    )
}
