//! Builds the application: database (migrated and seeded), services, HTTP server.
//! Tests build it with port 0 and talk to the real server.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::{Server, Service};
use actix_web::{web, App, HttpServer};

use crate::config::Settings;
use crate::db::{catalog, Db};
use crate::domain::calendar::seed_holidays;
use crate::domain::cert_type::seed_types;
use crate::jobs::{Registry, Worker, WorkerConfig};
use crate::notify::Notifier;
use crate::pdf::CertFont;
use crate::storage::BlobStore;
use crate::workflow::Services;

// Re-exported for the modules that still name it here.
pub use crate::state::AppState;

pub struct Application {
    port: u16,
    base_url: String,
    db: Db,
    data_keys: crate::crypto::DataKeys,
    server: Server,
    worker: Option<Worker>,
}

/// What a worker runs: the built-in job kinds, `notify` (the outbox sender), and the
/// periodic escalation and calendar warnings.
pub fn job_registry(db: &Db, settings: &Settings, base_url: &str) -> Result<Registry, String> {
    let mut registry = Registry::builtin();
    Arc::new(Notifier::from_settings(db.clone(), settings, base_url)?).register(&mut registry);
    crate::workflow::escalate::register(
        &mut registry,
        std::time::Duration::from_secs(settings.escalation_interval_secs.max(1)),
    );
    crate::workflow::calendar_watch::register(&mut registry);
    let blobs = BlobStore::from_url(&settings.storage_url, &settings.blob_dir())?;
    crate::workflow::sweep::register(&mut registry, blobs, settings.upload_tmp_dir());
    Ok(registry)
}

/// A worker over `db` configured by `settings`.
pub fn build_worker(db: &Db, settings: &Settings, base_url: &str) -> Result<Worker, String> {
    Ok(Worker::new(
        db.clone(),
        WorkerConfig::from_settings(settings),
        job_registry(db, settings, base_url)?,
    ))
}

/// Connects, applies migrations and seeds the reference data (certificate types and
/// the holiday calendar) that the service cannot run without. Idempotent.
pub fn prepare_database(settings: &Settings) -> Result<Db, String> {
    prepare(settings).map(|(db, _)| db)
}

/// The data keys of these settings (`data_keys`, or `<data_dir>/keys/`, made on first
/// start).
pub fn data_keys(settings: &Settings) -> Result<crate::crypto::DataKeys, String> {
    crate::crypto::DataKeys::load(
        &settings.data_dir,
        &settings.data_keys,
        &settings.blind_index_key,
    )
    .map_err(|e| e.to_string())
}

/// [`prepare_database`], also giving the data keys: right after the schema migrations,
/// ID numbers still in clear are encrypted (the data migration; idempotent).
pub fn prepare(settings: &Settings) -> Result<(Db, crate::crypto::DataKeys), String> {
    let keys = data_keys(settings)?;
    let db = Db::connect_with_timeout(
        &settings.database_url,
        settings.pool_size,
        std::time::Duration::from_secs(settings.db_timeout_secs.max(1)),
    )
    .map_err(|e| e.to_string())?;
    let ran = db.migrate().map_err(|e| e.to_string())?;
    if ran > 0 {
        tracing::info!(migrations = ran, "database migrated");
    }
    let sealed =
        crate::workflow::id_numbers::seal_plaintext(&db, &keys, crate::workflow::id_numbers::BATCH)
            .map_err(|e| format!("encrypting ID numbers failed: {e}"))?;
    if sealed > 0 {
        tracing::info!(values = sealed, "ID numbers encrypted");
        // The values in clear are still in the file's free space (and the WAL).
        crate::workflow::id_numbers::scrub_freed_space(&db)
            .map_err(|e| format!("compacting the database failed: {e}"))?;
    }
    // Certificate PDFs stored in clear by an older version.
    let blobs = BlobStore::from_url(&settings.storage_url, &settings.blob_dir())?;
    let files = crate::workflow::id_numbers::seal_certificates(
        &db,
        &keys,
        &blobs,
        false,
        crate::workflow::id_numbers::BATCH,
    )
    .map_err(|e| format!("encrypting certificate files failed: {e}"))?;
    if files > 0 {
        tracing::info!(files, "certificate files encrypted");
    }
    let mut conn = db.write_conn().map_err(|e| e.to_string())?;
    conn.write_tx(|c| {
        catalog::seed_types(c, &seed_types())?;
        crate::workflow::holidays::seed(c, &seed_holidays())?;
        Ok::<_, crate::error::AppError>(())
    })
    .map_err(|e| format!("seeding reference data failed: {e}"))?;
    // The rolled-up figures of a database from before they were kept (issue 20).
    if let Some(cases) = crate::workflow::figures::build_rollup(&mut conn)
        .map_err(|e| format!("building the rolled-up figures failed: {e}"))?
    {
        tracing::info!(cases, "rolled-up figures built from the case figures");
    }
    // Cases without supervision figures (from before they were kept, or decided in a
    // year whose calendar has just been added) get them from their trails.
    let filled = crate::workflow::figures::backfill(&mut conn, 2000, |_| {})
        .map_err(|e| format!("computing case figures failed: {e}"))?;
    if filled > 0 {
        tracing::info!(cases = filled, "case figures computed from the trails");
    }
    Ok((db, keys))
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Application, String> {
        let s = settings.clone();
        let (db, data_keys) = tokio::task::spawn_blocking(move || {
            let (db, keys) = prepare(&s)?;
            crate::workflow::id_numbers::check_keys(&db, &keys)?;
            Ok::<_, String>((db, keys))
        })
        .await
        .map_err(|e| e.to_string())??;
        let font = CertFont::load(&settings.font_path).map_err(|e| {
            format!(
                "cannot load the certificate font {}: {e}",
                settings.font_path.display()
            )
        })?;
        // Text is checked against the chain where it is typed (issue 19).
        let chain = font.clone();
        crate::domain::text::set_printable(move |c| chain.chain_has(c));
        let blobs = BlobStore::from_url(&settings.storage_url, &settings.blob_dir())?;
        // What a crash left behind (a half-received upload, a blob whose transaction
        // never committed) goes before the server takes requests.
        match crate::workflow::sweep::sweep(
            &db,
            &blobs,
            &settings.upload_tmp_dir(),
            crate::workflow::sweep::MIN_AGE,
        )
        .await
        {
            Ok(s) if s != Default::default() => {
                tracing::info!(spooled = s.spooled, blobs = s.blobs, "orphan files swept")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "orphan file sweep failed"),
        }
        let layouts = crate::pdf::Layouts::load(&settings.templates_dir)
            .map_err(|e| format!("cannot load certificate layouts: {e}"))?;
        let keys = crate::verify::KeyRing::load_or_create(&settings.data_dir)
            .map_err(|e| e.to_string())?;
        tracing::info!(key_id = %keys.active_kid(), "certificate signing key loaded");
        let listener = TcpListener::bind(&settings.listen)
            .map_err(|e| format!("cannot listen on {}: {e}", settings.listen))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let base_url = if settings.base_url.trim().is_empty() {
            format!("http://{addr}")
        } else {
            settings.base_url.trim_end_matches('/').to_owned()
        };
        let services = Arc::new(Services {
            font,
            blobs,
            base_url: base_url.clone(),
            max_delivery_attempts: settings.max_delivery_attempts,
            templates: crate::templates::Templates::new(&settings.templates_dir),
            layouts,
            keys,
            data_keys: data_keys.clone(),
            verify_limiter: crate::verify::rate_limit::RateLimiter::new(
                settings.verify_burst,
                settings.verify_per_minute,
            ),
            image_work: tokio::sync::Semaphore::new(crate::workflow::IMAGE_WORKERS),
            upload_slots: crate::workflow::intake::UploadSlots::new(settings.uploads_per_account),
            quotas: crate::workflow::quota::Quotas {
                drafts_per_day: settings.drafts_per_day,
                submits_per_day: settings.submits_per_day,
            },
            metrics: crate::metrics::Metrics::new(&db),
        });
        let mut settings = settings;
        settings.base_url = base_url.clone();
        let worker = if settings.worker_in_serve {
            Some(build_worker(&db, &settings, &base_url)?)
        } else {
            None
        };
        let state = web::Data::new(AppState {
            db: db.clone(),
            settings: Arc::new(settings),
            services,
        });
        let https = state.settings.https();
        let body_idle = std::time::Duration::from_secs(state.settings.body_timeout_secs.max(1));
        let server = HttpServer::new(move || {
            App::new()
                .wrap_fn(move |mut req, srv| {
                    crate::routes::security::head_as_get(&mut req);
                    crate::routes::security::limit_body_idle(&mut req, body_idle);
                    srv.call(req)
                })
                .wrap(crate::routes::security::headers(https))
                .wrap_fn({
                    let state = state.clone();
                    move |req, srv| crate::routes::observe::around(&state, req, srv)
                })
                .app_data(state.clone())
                .configure(crate::routes::configure)
        })
        .listen(listener)
        .map_err(|e| e.to_string())?
        .shutdown_timeout(10)
        .run();
        tracing::info!(address = %addr, base_url = %base_url, "listening");
        Ok(Application {
            port: addr.port(),
            base_url,
            db,
            data_keys,
            server,
            worker,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn data_keys(&self) -> &crate::crypto::DataKeys {
        &self.data_keys
    }

    /// Serves until SIGTERM / Ctrl-C (actix stops accepting and drains requests), then
    /// stops the worker, which finishes or releases the job it holds.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let worker = self.worker.map(Worker::spawn);
        let result = self.server.await;
        if let Some(w) = worker {
            w.shutdown().await;
        }
        result
    }
}
