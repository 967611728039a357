//! Integration tests: the real HTTP server on a random port, against a fresh SQLite
//! file and a fresh PostgreSQL database.

mod access;
mod concurrency;
mod helpers;
mod lifecycle;
mod openapi;
mod transitions;
mod validation;
