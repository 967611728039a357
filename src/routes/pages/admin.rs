//! The administrator's landing page (`/admin`): where an admin arrives after signing in,
//! with a link to each part of running a county (issue 15).

use serde_json::json;

use super::ctx::Ctx;
use super::error::PageResult;
use crate::auth::Scope;
use crate::domain::role::Role;

/// (path, title key, help key) of each admin area, in the order a county sets up.
const AREAS: [(&str, &str, &str); 7] = [
    (
        "/admin/jurisdictions",
        "admin_area_jurisdictions",
        "admin_area_jurisdictions_help",
    ),
    ("/admin/staff", "admin_area_staff", "admin_area_staff_help"),
    (
        "/admin/catalogue",
        "admin_area_catalogue",
        "admin_area_catalogue_help",
    ),
    (
        "/admin/holidays",
        "admin_area_holidays",
        "admin_area_holidays_help",
    ),
    ("/admin/keys", "admin_area_keys", "admin_area_keys_help"),
    ("/admin/jobs", "admin_area_jobs", "admin_area_jobs_help"),
    ("/admin/audit", "admin_area_audit", "admin_area_audit_help"),
];

pub async fn page(ctx: Ctx) -> PageResult {
    let user = ctx.require(&[Role::Admin])?;
    let county = Scope::admin_county(user);
    let areas: Vec<_> = AREAS
        .iter()
        .map(
            |(href, title, help)| json!({"href": href, "title": ctx.t(title), "help": ctx.t(help)}),
        )
        .collect();
    Ok(ctx.ok("admin", json!({"areas": areas, "county": county})))
}
