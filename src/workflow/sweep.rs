//! Files a crash left behind: an upload spooled to `<data_dir>/tmp/uploads/*.part`
//! when the process died mid-request, and a blob written just before a transaction
//! that never committed (a document or a certificate PDF with no row). Swept at
//! start-up and by a periodic task on every worker; only files older than
//! [`MIN_AGE`] are touched, so a request still in flight never loses its file.

use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::db::{documents, Db};
use crate::error::{AppError, AppResult};
use crate::jobs::Registry;
use crate::storage::BlobStore;

/// How old a file must be before it may be an orphan: far longer than any request or
/// transaction takes (an upload stalls out after `body_timeout_secs`).
pub const MIN_AGE: Duration = Duration::from_secs(3600);

/// How often the workers sweep.
pub const INTERVAL: Duration = Duration::from_secs(3600);

/// The blob key prefixes the service writes rows for.
const PREFIXES: [&str; 2] = ["documents", "certificates"];

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub spooled: usize,
    pub blobs: usize,
}

/// Removes `.part` files under `tmp_dir` and unreferenced blobs, each older than `min_age`.
pub async fn sweep(
    db: &Db,
    blobs: &BlobStore,
    tmp_dir: &Path,
    min_age: Duration,
) -> AppResult<Swept> {
    let spooled = sweep_spool(tmp_dir, min_age).await;
    let cutoff =
        chrono::Utc::now() - chrono::Duration::from_std(min_age).map_err(AppError::internal)?;
    let mut removed = 0;
    for prefix in PREFIXES {
        let candidates = blobs
            .keys_older_than(prefix, cutoff)
            .await
            .map_err(AppError::internal)?;
        if candidates.is_empty() {
            continue;
        }
        let keys = candidates.clone();
        let referenced = db
            .read(move |c| Ok::<_, AppError>(documents::referenced_blobs(c, &keys)?))
            .await?;
        for key in candidates.iter().filter(|k| !referenced.contains(*k)) {
            match blobs.delete_async(key).await {
                Ok(()) => {
                    removed += 1;
                    tracing::info!(key = %key, "orphan blob removed");
                }
                Err(e) => tracing::warn!(key = %key, error = %e, "orphan blob not removed"),
            }
        }
    }
    Ok(Swept {
        spooled,
        blobs: removed,
    })
}

async fn sweep_spool(dir: &Path, min_age: Duration) -> usize {
    let Ok(mut entries) = tokio::fs::read_dir(dir).await else {
        return 0;
    };
    let now = SystemTime::now();
    let mut removed = 0;
    while let Ok(Some(e)) = entries.next_entry().await {
        let path = e.path();
        if path.extension().and_then(|x| x.to_str()) != Some("part") {
            continue;
        }
        let old = e
            .metadata()
            .await
            .and_then(|m| m.modified())
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age >= min_age);
        if old && tokio::fs::remove_file(&path).await.is_ok() {
            removed += 1;
        }
    }
    if removed > 0 {
        tracing::info!(files = removed, "abandoned upload spool files removed");
    }
    removed
}

/// The periodic sweep on every worker (several workers sweeping at once is harmless:
/// a file is removed once, a second delete finds nothing).
pub fn register(registry: &mut Registry, blobs: BlobStore, tmp_dir: std::path::PathBuf) {
    registry.every("sweep_orphan_files", INTERVAL, move |db| {
        let (blobs, tmp_dir) = (blobs.clone(), tmp_dir.clone());
        async move {
            if let Err(e) = sweep(&db, &blobs, &tmp_dir, MIN_AGE).await {
                tracing::warn!(error = %e, "orphan file sweep failed");
            }
        }
    });
}
