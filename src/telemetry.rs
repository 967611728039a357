//! Logging. Personal data (ID numbers, phones) is never passed to a log call; the
//! domain types' Debug output is masked as a second line of defence. Every line of a
//! request carries its `request_id` (the span opened in `routes::observe`).

use tracing_subscriber::EnvFilter;

/// `format`: `json` for one JSON object per line (with the current span's fields, so
/// a log shipper can group a request's lines), anything else for readable text.
pub fn init(filter: &str, format: &str) {
    let filter = EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| EnvFilter::new(filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    // A second init (tests start several servers in one process) is harmless.
    let _ = if format.eq_ignore_ascii_case("json") {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder.try_init()
    };
}
