//! JSON API v1 (docs/architecture.md §8), one module per resource. The routes are registered and
//! documented from one list, `routes::documented`.

pub mod accounts;
pub mod actions;
pub mod admin_audit;
pub mod admin_catalogue;
pub mod admin_jobs;
pub mod admin_jurisdictions;
pub mod admin_keys;
pub mod admin_staff;
pub mod applications;
pub mod catalog;
pub mod certificates;
pub mod consent;
pub mod dispatches;
pub mod documents;
pub mod escalations;
pub mod holidays;
pub mod me;
pub mod residents;
pub mod rosters;
pub mod session;
pub mod stats;
pub mod track;
pub mod urge;
