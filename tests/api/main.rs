//! Integration tests: the real HTTP server on a random port, against a fresh SQLite
//! file and a fresh PostgreSQL database.

mod admin_jobs;
mod helpers;
mod lifecycle;
mod notify;
mod smtp_sink;
mod track;
mod workers;
