//! JSON API v1 (DESIGN §8), one module per resource.

pub mod actions;
pub mod admin_jobs;
pub mod applications;
pub mod catalog;
pub mod certificates;
pub mod dispatches;
pub mod documents;
pub mod escalations;
pub mod holidays;
pub mod me;
pub mod residents;
pub mod session;
pub mod stats;
pub mod track;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .route("/session", web::post().to(session::create))
            .route("/session", web::delete().to(session::delete))
            .route("/residents", web::post().to(residents::register))
            .route("/me", web::get().to(me::get))
            .route("/me", web::patch().to(me::patch))
            .route("/track", web::get().to(track::get))
            .route("/admin/jobs", web::get().to(admin_jobs::list))
            .route("/admin/jobs/{id}/retry", web::post().to(admin_jobs::retry))
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
            .route("/holidays", web::get().to(holidays::list))
            .route("/admin/holidays", web::post().to(holidays::add))
            .route("/stats", web::get().to(stats::stats))
            .route("/stats/cases", web::get().to(stats::cases))
            .route("/escalations", web::get().to(escalations::list))
            .route(
                "/certificates/{number}/revoke",
                web::post().to(certificates::revoke),
            )
            .route("/dispatches", web::get().to(dispatches::list))
            .route(
                "/dispatches/manifest.pdf",
                web::get().to(dispatches::manifest),
            )
            .route(
                "/dispatches/{id}/label.pdf",
                web::get().to(dispatches::label),
            )
            .route(
                "/dispatches/{id}/events",
                web::post().to(dispatches::post_event),
            ),
    );
}
