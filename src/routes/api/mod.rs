//! JSON API v1 (DESIGN §8), one module per resource.

pub mod actions;
pub mod applications;
pub mod catalog;
pub mod certificates;
pub mod detail;
pub mod dispatches;
pub mod documents;
pub mod residents;
pub mod session;
pub mod views;

use std::collections::BTreeMap;

use actix_web::web;

use crate::domain::Invalid;
use crate::error::{AppError, AppResult};

/// Collects every field error of a request so the user sees them all at once.
#[derive(Default)]
pub struct Fields(BTreeMap<String, Invalid>);

impl Fields {
    pub fn take<T>(&mut self, name: &str, r: Result<T, Invalid>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(name, e);
                None
            }
        }
    }

    pub fn add(&mut self, name: &str, e: Invalid) {
        self.0.entry(name.to_owned()).or_insert(e);
    }

    pub fn finish(self) -> AppResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self.0))
        }
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .route("/session", web::post().to(session::create))
            .route("/session", web::delete().to(session::delete))
            .route("/residents", web::post().to(residents::register))
            .route("/certificate-types", web::get().to(catalog::types))
            .route("/jurisdictions", web::get().to(catalog::jurisdictions))
            .route("/applications", web::post().to(applications::create))
            .route("/applications", web::get().to(applications::list))
            .route("/applications/{id}", web::get().to(applications::get))
            .route("/applications/{id}", web::patch().to(applications::patch))
            .route("/applications/{id}/actions", web::post().to(actions::post))
            .route(
                "/applications/{id}/documents",
                web::post().to(documents::upload),
            )
            .route(
                "/applications/{id}/documents",
                web::get().to(documents::list),
            )
            .route("/documents/{id}", web::get().to(documents::get))
            .route("/documents/{id}", web::delete().to(documents::delete))
            .route(
                "/applications/{id}/certificate.pdf",
                web::get().to(certificates::pdf),
            )
            .route("/dispatches", web::get().to(dispatches::list))
            .route(
                "/dispatches/{id}/events",
                web::post().to(dispatches::post_event),
            ),
    );
}
