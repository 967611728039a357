pub mod auth;
pub mod config;
pub mod db;
pub mod devtools;
pub mod documents;
pub mod domain;
pub mod error;
pub mod jobs;
pub mod notify;
pub mod pdf;
pub mod read_model;
pub mod routes;
pub mod startup;
pub mod state;
pub mod stats;
pub mod storage;
pub mod telemetry;
pub mod templates;
pub mod verify;
pub mod workflow;

// The demo seed keeps its crate-root path: the scale seed and the tests name
// `crate::demo` (DEMO_PASSWORD).
pub use devtools::demo;
