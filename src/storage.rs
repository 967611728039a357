//! Blob storage for generated PDFs (and, later, uploads): a local directory under the
//! data directory. Keys are made by the server, never taken from user input.

use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    pub fn open(root: &Path) -> std::io::Result<BlobStore> {
        std::fs::create_dir_all(root)?;
        Ok(BlobStore {
            root: root.to_owned(),
        })
    }

    fn path(&self, key: &str) -> Option<PathBuf> {
        // Server-made keys are `segment/segment…` of [A-Za-z0-9._-]; refuse anything else.
        let ok = !key.is_empty()
            && key.split('/').all(|s| {
                !s.is_empty()
                    && s != "."
                    && s != ".."
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
            });
        ok.then(|| self.root.join(key))
    }

    /// Writes the blob durably: temp file, fsync, rename, fsync of the directory.
    pub fn put(&self, key: &str, bytes: &[u8]) -> std::io::Result<()> {
        let path = self
            .path(key)
            .ok_or_else(|| std::io::Error::other("invalid blob key"))?;
        let dir = path
            .parent()
            .ok_or_else(|| std::io::Error::other("blob key has no parent"))?;
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(".{}.tmp", uuid::Uuid::now_v7()));
        let result = (|| {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            std::fs::File::open(dir)?.sync_all()
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    pub fn get(&self, key: &str) -> std::io::Result<Vec<u8>> {
        let path = self
            .path(key)
            .ok_or_else(|| std::io::Error::other("invalid blob key"))?;
        std::fs::read(path)
    }

    pub fn delete(&self, key: &str) -> std::io::Result<()> {
        match self.path(key) {
            Some(p) => match std::fs::remove_file(p) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            },
            None => Ok(()),
        }
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
        for bad in ["../x", "/etc/passwd", "a//b", "a/../b", "", "a b"] {
            assert!(s.put(bad, b"x").is_err(), "{bad}");
        }
        s.delete("certs/2026/a.pdf").unwrap();
        assert!(s.get("certs/2026/a.pdf").is_err());
        s.delete("certs/2026/a.pdf").unwrap();
        let leftovers = std::fs::read_dir(dir.path().join("certs/2026"))
            .unwrap()
            .count();
        assert_eq!(leftovers, 0, "no temp files left behind");
    }
}
