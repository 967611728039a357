//! Integration tests: the real HTTP server on a random port, against a fresh SQLite
//! file and a fresh PostgreSQL database.

mod helpers;
mod lifecycle;
#[allow(dead_code)]
#[path = "../pdf/support.rs"]
mod pdf_support;
mod verification;
