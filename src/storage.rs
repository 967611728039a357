//! Blob storage (generated certificate PDFs and uploaded documents) behind one small
//! interface over `object_store`: a local directory under the data directory by default,
//! S3-compatible storage with `storage_url = "s3://bucket"` in a build with `--features s3`.
//! Keys are made by the server, never taken from user input.

use std::future::Future;
use std::path::Path;
use std::sync::Arc;

use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

#[derive(Debug, Clone)]
pub struct BlobStore {
    store: Arc<dyn ObjectStore>,
    /// The directory of a local store (its listing does not fail when it is gone).
    local_root: Option<std::path::PathBuf>,
}

fn io_error(e: object_store::Error) -> std::io::Error {
    match e {
        object_store::Error::NotFound { .. } => {
            std::io::Error::new(std::io::ErrorKind::NotFound, e.to_string())
        }
        other => std::io::Error::other(other.to_string()),
    }
}

/// Server-made keys are `segment/segment…` of [A-Za-z0-9._-]; anything else is refused.
fn object_path(key: &str) -> std::io::Result<ObjectPath> {
    let ok = !key.is_empty()
        && key.split('/').all(|s| {
            !s.is_empty()
                && s != "."
                && s != ".."
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        });
    if !ok {
        return Err(std::io::Error::other("invalid blob key"));
    }
    ObjectPath::parse(key).map_err(|e| std::io::Error::other(e.to_string()))
}

/// Runs a storage future from synchronous code (the blocking pool, where the database
/// transactions run), on the server's runtime when there is one.
fn block_on<F: Future>(f: F) -> F::Output {
    match tokio::runtime::Handle::try_current() {
        Ok(h) => h.block_on(f),
        Err(_) => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime builds")
            .block_on(f),
    }
}

impl BlobStore {
    /// A local directory. Writes are fsynced (file and directory) before they return, so
    /// an acknowledged upload or certificate survives power loss.
    pub fn open(root: &Path) -> std::io::Result<BlobStore> {
        std::fs::create_dir_all(root)?;
        let fs = LocalFileSystem::new_with_prefix(root)
            .map_err(io_error)?
            .with_automatic_cleanup(true)
            .with_fsync(true);
        Ok(BlobStore {
            store: Arc::new(fs),
            local_root: Some(root.to_owned()),
        })
    }

    /// The store named by `url`: empty or a path → local directory (`default_dir` when
    /// empty); `s3://bucket[/prefix]` → S3-compatible storage (credentials, region and
    /// endpoint from the usual `AWS_*` environment variables).
    pub fn from_url(url: &str, default_dir: &Path) -> Result<BlobStore, String> {
        let url = url.trim();
        if let Some(rest) = url.strip_prefix("s3://") {
            return Self::s3(rest);
        }
        if url.contains("://") && !url.starts_with("file://") {
            return Err(format!(
                "unsupported storage_url {url:?}: use a directory path or s3://bucket"
            ));
        }
        let dir = match url.strip_prefix("file://").unwrap_or(url) {
            "" => default_dir.to_owned(),
            p => Path::new(p).to_owned(),
        };
        Self::open(&dir).map_err(|e| format!("cannot open blob directory {}: {e}", dir.display()))
    }

    #[cfg(feature = "s3")]
    fn s3(bucket_and_prefix: &str) -> Result<BlobStore, String> {
        let (bucket, prefix) = bucket_and_prefix
            .split_once('/')
            .unwrap_or((bucket_and_prefix, ""));
        let s3 = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .build()
            .map_err(|e| format!("cannot configure S3 storage: {e}"))?;
        let store: Arc<dyn ObjectStore> = if prefix.trim_matches('/').is_empty() {
            Arc::new(s3)
        } else {
            Arc::new(object_store::prefix::PrefixStore::new(
                s3,
                prefix.trim_matches('/'),
            ))
        };
        Ok(BlobStore {
            store,
            local_root: None,
        })
    }

    #[cfg(not(feature = "s3"))]
    fn s3(_: &str) -> Result<BlobStore, String> {
        Err("storage_url is s3://… but this build has no S3 support; rebuild with `cargo build --release --features s3`".into())
    }

    pub async fn put_async(&self, key: &str, bytes: Vec<u8>) -> std::io::Result<()> {
        let path = object_path(key)?;
        self.store
            .put(&path, PutPayload::from(bytes))
            .await
            .map(|_| ())
            .map_err(io_error)
    }

    pub async fn get_async(&self, key: &str) -> std::io::Result<Vec<u8>> {
        let path = object_path(key)?;
        let r = self.store.get(&path).await.map_err(io_error)?;
        Ok(r.bytes().await.map_err(io_error)?.to_vec())
    }

    /// Removes the blob; a missing one is not an error.
    pub async fn delete_async(&self, key: &str) -> std::io::Result<()> {
        let Ok(path) = object_path(key) else {
            return Ok(());
        };
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(io_error(e)),
        }
    }

    /// The store answers (`/readyz`): one listing of its top level, read-only, so a
    /// load balancer's probe every few seconds writes nothing (and costs no S3 PUT).
    /// A local store must still be a directory.
    pub async fn probe(&self) -> std::io::Result<()> {
        if let Some(root) = &self.local_root {
            if !tokio::fs::metadata(root).await?.is_dir() {
                return Err(std::io::Error::other(
                    "the blob directory is not a directory",
                ));
            }
        }
        self.store
            .list_with_delimiter(None)
            .await
            .map(|_| ())
            .map_err(io_error)
    }

    /// Keys under `prefix` (a key's first segments, e.g. `documents`) last written
    /// before `before`: the candidates of the orphan sweep.
    pub async fn keys_older_than(
        &self,
        prefix: &str,
        before: chrono::DateTime<chrono::Utc>,
    ) -> std::io::Result<Vec<String>> {
        use futures_util::StreamExt;
        let prefix = object_path(prefix)?;
        let mut listing = self.store.list(Some(&prefix));
        let mut keys = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = meta.map_err(io_error)?;
            if meta.last_modified < before {
                keys.push(meta.location.to_string());
            }
        }
        Ok(keys)
    }

    /// Writes the blob durably (called from the blocking pool).
    pub fn put(&self, key: &str, bytes: &[u8]) -> std::io::Result<()> {
        block_on(self.put_async(key, bytes.to_vec()))
    }

    pub fn get(&self, key: &str) -> std::io::Result<Vec<u8>> {
        block_on(self.get_async(key))
    }

    pub fn delete(&self, key: &str) -> std::io::Result<()> {
        block_on(self.delete_async(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refuses_escaping_keys() {
        let dir = tempfile::tempdir().unwrap();
        let s = BlobStore::open(dir.path()).unwrap();
        s.put("certs/2026/a.pdf", b"%PDF").unwrap();
        assert_eq!(s.get("certs/2026/a.pdf").unwrap(), b"%PDF");
        assert_eq!(
            std::fs::read(dir.path().join("certs/2026/a.pdf")).unwrap(),
            b"%PDF",
            "a plain file under the directory"
        );
        for bad in ["../x", "/etc/passwd", "a//b", "a/../b", "", "a b"] {
            assert!(s.put(bad, b"x").is_err(), "{bad}");
        }
        s.delete("certs/2026/a.pdf").unwrap();
        assert_eq!(
            s.get("certs/2026/a.pdf").unwrap_err().kind(),
            std::io::ErrorKind::NotFound
        );
        s.delete("certs/2026/a.pdf").unwrap();
        let leftovers = walk(dir.path());
        assert!(leftovers.is_empty(), "nothing left behind: {leftovers:?}");
    }

    fn walk(p: &Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(p).unwrap().flatten() {
            if e.path().is_dir() {
                out.extend(walk(&e.path()));
            } else {
                out.push(e.path());
            }
        }
        out
    }

    #[test]
    fn urls() {
        let dir = tempfile::tempdir().unwrap();
        assert!(BlobStore::from_url("", dir.path()).is_ok());
        assert!(BlobStore::from_url("ftp://x", dir.path()).is_err());
        #[cfg(not(feature = "s3"))]
        assert!(BlobStore::from_url("s3://bucket", dir.path())
            .unwrap_err()
            .contains("--features s3"));
    }
}
