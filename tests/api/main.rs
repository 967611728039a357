//! Integration tests: the real HTTP server on a random port, against a fresh SQLite
//! file and a fresh PostgreSQL database.

mod documents;
mod fixtures;
mod helpers;
mod lifecycle;
