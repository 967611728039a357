//! What `/metrics` reports, in the Prometheus text format. One registry per server
//! (not the crate's global one): tests run several servers in one process, and each
//! must count only its own requests.
//!
//! Request figures are labelled by the route's *pattern* (`/api/v1/applications/{id}`),
//! never the raw path, so no id or certificate number becomes a label. Job and outbox
//! figures are read from the database when scraped (two small indexed queries), so they
//! are the same whichever instance is asked.

use prometheus::{
    Encoder, Gauge, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

use crate::db::{jobs, notifications, Db, DbConn};
use crate::error::AppError;

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool_connections: IntGaugeVec,
    pool_waiting: IntGaugeVec,
    jobs: IntGaugeVec,
    outbox_oldest_age: Gauge,
    certificates_issued: IntCounter,
    uploads_refused: IntCounterVec,
}

/// A request that matched no route: one label for all of them, whatever the path.
pub const UNMATCHED: &str = "unmatched";

impl Metrics {
    /// A registry with every figure, and the database's wait figures (kept by `db`).
    pub fn new(db: &Db) -> Metrics {
        let registry = Registry::new();
        let m = Metrics {
            requests: IntCounterVec::new(
                Opts::new("zhengming_http_requests_total", "HTTP requests answered"),
                &["method", "route", "status"],
            )
            .expect("valid metric"),
            latency: HistogramVec::new(
                HistogramOpts::new(
                    "zhengming_http_request_duration_seconds",
                    "Time from receiving a request to its response",
                )
                .buckets(vec![
                    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
                ]),
                &["method", "route", "status"],
            )
            .expect("valid metric"),
            pool_connections: IntGaugeVec::new(
                Opts::new(
                    "zhengming_db_pool_connections",
                    "Database connections per pool (read/write on SQLite, main on PostgreSQL) and state (in_use/idle)",
                ),
                &["pool", "state"],
            )
            .expect("valid metric"),
            pool_waiting: IntGaugeVec::new(
                Opts::new(
                    "zhengming_db_pool_waiting",
                    "Callers waiting for a database connection",
                ),
                &["pool"],
            )
            .expect("valid metric"),
            jobs: IntGaugeVec::new(
                Opts::new(
                    "zhengming_jobs",
                    "Background jobs not done, per kind and status (queued, running, failed)",
                ),
                &["kind", "status"],
            )
            .expect("valid metric"),
            outbox_oldest_age: Gauge::new(
                "zhengming_outbox_oldest_unsent_age_seconds",
                "Age of the oldest message in the outbox not sent yet (0 when none)",
            )
            .expect("valid metric"),
            certificates_issued: IntCounter::new(
                "zhengming_certificates_issued_total",
                "Certificates issued by this instance since it started",
            )
            .expect("valid metric"),
            uploads_refused: IntCounterVec::new(
                Opts::new(
                    "zhengming_uploads_refused_total",
                    "Document uploads refused, per reason (the error code)",
                ),
                &["reason"],
            )
            .expect("valid metric"),
            registry,
        };
        let r = &m.registry;
        for c in [
            Box::new(m.requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(m.latency.clone()),
            Box::new(m.pool_connections.clone()),
            Box::new(m.pool_waiting.clone()),
            Box::new(m.jobs.clone()),
            Box::new(m.outbox_oldest_age.clone()),
            Box::new(m.certificates_issued.clone()),
            Box::new(m.uploads_refused.clone()),
            Box::new(db.waits().write_lock_wait.clone()),
        ] {
            r.register(c).expect("each metric registered once");
        }
        m
    }

    /// One answered request; `route` is the matched pattern or [`UNMATCHED`].
    pub fn request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let status = status.to_string();
        let labels = [method, route, status.as_str()];
        self.requests.with_label_values(&labels).inc();
        self.latency.with_label_values(&labels).observe(seconds);
    }

    /// Certificates issued by a committed transaction.
    pub fn certificates_issued(&self, n: usize) {
        self.certificates_issued
            .inc_by(u64::try_from(n).unwrap_or(u64::MAX));
    }

    /// An upload refused: counted by the error's code (`payload_too_large`,
    /// `unsupported_media_type`, `unprocessable`, `request_timeout`, …). Our own
    /// failures (`internal`) are not refusals and are not counted here.
    pub fn upload_refused(&self, e: &AppError) {
        if !matches!(e, AppError::Internal(_)) {
            self.uploads_refused.with_label_values(&[e.code()]).inc();
        }
    }

    /// Reads the figures kept in the database, then renders every figure.
    pub fn render(&self, db: &Db, conn: &mut DbConn) -> Result<String, AppError> {
        self.pool_connections.reset();
        self.pool_waiting.reset();
        for p in db.pool_states() {
            self.pool_connections
                .with_label_values(&[p.pool, "in_use"])
                .set(i64::from(p.in_use));
            self.pool_connections
                .with_label_values(&[p.pool, "idle"])
                .set(i64::from(p.idle));
            self.pool_waiting
                .with_label_values(&[p.pool])
                .set(p.waiting);
        }
        let counts = jobs::open_counts(conn)?;
        // A kind whose failed jobs were all retried must drop to nothing, not stay.
        self.jobs.reset();
        for (kind, status, n) in counts {
            self.jobs.with_label_values(&[&kind, &status]).set(n);
        }
        let oldest = notifications::oldest_unsent(conn)?;
        let age = oldest.map_or(0.0, |t| {
            (crate::db::models::now() - t).num_milliseconds().max(0) as f64 / 1000.0
        });
        self.outbox_oldest_age.set(age);
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .map_err(AppError::internal)?;
        String::from_utf8(out).map_err(AppError::internal)
    }
}
