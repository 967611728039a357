//! Integration tests: the real HTTP server on a random port, against a fresh SQLite
//! file and a fresh PostgreSQL database.

mod access;
mod accounts;
mod admin_jobs;
mod audit;
mod catalog;
mod catalogue_versions;
mod concurrency;
mod courier_notices;
mod delivery_lock;
mod document_slots;
mod documents;
mod fixtures;
mod hardening;
mod helpers;
mod id_crypto;
mod jurisdictions;
mod keys;
mod lifecycle;
mod notify;
mod observability;
mod openapi;
#[allow(dead_code)]
#[path = "../pdf/support.rs"]
mod pdf_support;
mod privilege;
mod proxy;
mod queue;
mod rare_characters;
mod rollup;
mod rosters;
mod scenario;
mod schema;
mod smtp_sink;
mod staff;
mod storage;
mod supervise_page;
mod supervision;
mod track;
mod transitions;
mod urge;
mod validation;
mod verification;
mod workers;
mod year_boundary;
