//! Public reference data: certificate types and the jurisdiction tree.

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::catalog;
use crate::domain::cert_type::CertificateType;
use crate::error::{AppError, AppResult};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct CertificateTypeList {
    pub items: Vec<CertificateType>,
}

/// The catalogue of certificate types with their fields, documents, steps and limits.
#[utoipa::path(get, path = "/api/v1/certificate-types", tag = "catalogue",
    responses((status = 200, body = CertificateTypeList)))]
pub async fn types(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let items = state
        .db
        .read(|c| catalog::active_types(c).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(CertificateTypeList { items }))
}

#[derive(Serialize, ToSchema)]
pub struct JurisdictionNode {
    pub code: String,
    pub name: String,
    /// county, township or village.
    pub level: String,
    #[schema(no_recursion)]
    pub children: Vec<JurisdictionNode>,
}

#[derive(Serialize, ToSchema)]
pub struct JurisdictionTree {
    pub items: Vec<JurisdictionNode>,
}

/// The county → township → village tree.
#[utoipa::path(get, path = "/api/v1/jurisdictions", tag = "catalogue",
    responses((status = 200, body = JurisdictionTree)))]
pub async fn jurisdictions(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let rows = state
        .db
        .read(|c| catalog::all_jurisdictions(c).map_err(AppError::from))
        .await?;
    let mut by_parent: std::collections::HashMap<Option<String>, Vec<_>> =
        std::collections::HashMap::new();
    // The tree is for choosing where one lives: jurisdictions no longer in the official
    // list (inactive) are left out; admins see them in /api/v1/admin/jurisdictions.
    for r in rows.into_iter().filter(|r| r.active) {
        by_parent.entry(r.parent_code.clone()).or_default().push(r);
    }
    fn build(
        parent: Option<String>,
        by_parent: &mut std::collections::HashMap<
            Option<String>,
            Vec<crate::db::models::Jurisdiction>,
        >,
        depth: usize,
    ) -> Vec<JurisdictionNode> {
        let Some(children) = by_parent.remove(&parent) else {
            return Vec::new();
        };
        children
            .into_iter()
            .map(|j| JurisdictionNode {
                children: if depth < 3 {
                    build(Some(j.code.clone()), by_parent, depth + 1)
                } else {
                    Vec::new()
                },
                code: j.code,
                name: j.name,
                level: j.level,
            })
            .collect()
    }
    let items = build(None, &mut by_parent, 0);
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .json(JurisdictionTree { items }))
}
