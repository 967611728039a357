//! `zhengming backup DIR` and `zhengming restore DIR`: the database (SQLite only), the
//! local blobs and the keys, with a manifest of SHA-256 checksums.
//!
//! The database is copied first with `VACUUM INTO` on a connection opened like the
//! service's own (WAL: the service keeps reading and writing meanwhile), then the blobs:
//! blobs are written before their rows commit and never changed, so blobs copied after
//! the database cover every row in it. The manifest is written last, so a backup cut
//! short has none and `restore` refuses it.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::Settings;
use crate::db::conn::DbUrl;
use crate::db::{Backend, Db};

pub const MANIFEST: &str = "MANIFEST.json";
const DB_FILE: &str = "zhengming.db";
const BLOBS: &str = "blobs";
const KEYS: &str = "keys";

#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub version: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// "sqlite" (the database file is in the backup) or "postgres" (it is not).
    pub backend: String,
    pub note: String,
    pub files: Vec<Entry>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Entry {
    /// Relative to the backup directory, `/`-separated.
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

fn io(what: &Path, e: std::io::Error) -> String {
    format!("{}: {e}", what.display())
}

/// True when `dir` does not exist or has nothing in it.
fn is_empty_dir(dir: &Path) -> Result<bool, String> {
    match fs::read_dir(dir) {
        Ok(mut it) => Ok(it.next().is_none()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(e) => Err(io(dir, e)),
    }
}

/// The local blob directory, or None when blobs are in object storage.
fn local_blob_dir(settings: &Settings) -> Result<Option<PathBuf>, String> {
    let url = settings.storage_url.trim();
    if url.is_empty() {
        return Ok(Some(settings.blob_dir()));
    }
    if url.starts_with("s3://") {
        return Ok(None);
    }
    Ok(Some(PathBuf::from(
        url.strip_prefix("file://").unwrap_or(url),
    )))
}

/// Copies `from` to `to` (new file), returning its size and SHA-256 of the bytes
/// written: a file hashed as it is copied cannot differ from its checksum.
fn copy_hashed(from: &Path, to: &Path) -> std::io::Result<(u64, String)> {
    let mut src = fs::File::open(from)?;
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent)?;
    }
    let mut dst = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(to)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = src.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        dst.write_all(&buf[..n])?;
        total += n as u64;
    }
    dst.sync_all()?;
    // Keys are 0600: the copy keeps the mode.
    fs::set_permissions(to, src.metadata()?.permissions())?;
    Ok((total, hex::encode(hasher.finalize())))
}

fn hash_file(path: &Path) -> std::io::Result<(u64, String)> {
    let mut f = fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let n = std::io::copy(&mut f, &mut hasher)?;
    Ok((n, hex::encode(hasher.finalize())))
}

/// Every regular file under `dir`, as paths relative to it (sorted). A missing `dir`
/// has none. Files object_store is still writing (`name#n`) are left out.
fn files_under(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let entries = match fs::read_dir(dir.join(&rel)) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io(&dir.join(&rel), e)),
        };
        for e in entries {
            let e = e.map_err(|e| io(dir, e))?;
            let kind = e.file_type().map_err(|err| io(&e.path(), err))?;
            let name = rel.join(e.file_name());
            if kind.is_dir() {
                stack.push(name);
            } else if kind.is_file() && !e.file_name().to_string_lossy().contains('#') {
                out.push(name);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn slash(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Backs up into `dest`, which must be empty or absent; the keys too unless
/// `without_keys` (for operators who keep the keys apart from the data, see README).
pub fn backup(settings: &Settings, dest: &Path, without_keys: bool) -> Result<Manifest, String> {
    if !is_empty_dir(dest)? {
        return Err(format!(
            "备份目录不是空的 / the backup directory is not empty: {}",
            dest.display()
        ));
    }
    fs::create_dir_all(dest).map_err(|e| io(dest, e))?;
    let url = DbUrl::parse(&settings.database_url)?;
    let mut files = Vec::new();

    let note = match url.backend {
        Backend::Sqlite => {
            if !Path::new(&url.target).is_file() {
                return Err(format!(
                    "没有数据库文件 / no database file at {}",
                    url.target
                ));
            }
            let db = Db::connect(&settings.database_url, 1).map_err(|e| e.to_string())?;
            let mut conn = db.read_conn().map_err(|e| e.to_string())?;
            let out = dest.join(DB_FILE);
            let target = out.to_string_lossy().replace('\'', "''");
            diesel::connection::SimpleConnection::batch_execute(
                &mut *conn,
                &format!("VACUUM INTO '{target}'"),
            )
            .map_err(|e| format!("VACUUM INTO failed / 数据库备份失败: {e}"))?;
            let (bytes, sha256) = hash_file(&out).map_err(|e| io(&out, e))?;
            files.push(Entry {
                path: DB_FILE.into(),
                bytes,
                sha256,
            });
            "SQLite database (VACUUM INTO)".to_owned()
        }
        Backend::Postgres => "PostgreSQL: the database is NOT in this backup; back it up with \
                              pg_dump or WAL archiving (PITR), see the README"
            .to_owned(),
    };

    let mut sources = Vec::new();
    if !without_keys {
        sources.push((KEYS, crate::crypto::key_dir(&settings.data_dir)));
    }
    let blob_dir = local_blob_dir(settings)?;
    if let Some(dir) = &blob_dir {
        // After the database: see the module comment.
        sources.insert(0, (BLOBS, dir.clone()));
    }
    for (prefix, dir) in sources {
        for rel in files_under(&dir)? {
            let from = dir.join(&rel);
            let to = dest.join(prefix).join(&rel);
            match copy_hashed(&from, &to) {
                Ok((bytes, sha256)) => files.push(Entry {
                    path: format!("{prefix}/{}", slash(&rel)),
                    bytes,
                    sha256,
                }),
                // Swept between listing and copying: it had no row.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io(&from, e)),
            }
        }
    }
    let mut note = note;
    note.push_str(if blob_dir.is_none() {
        "; blobs are in object storage (use bucket versioning or replication)"
    } else {
        "; local blobs"
    });
    note.push_str(if without_keys {
        "; WITHOUT the keys: restore them into <data_dir>/keys/ from their own copy"
    } else {
        "; keys"
    });

    let manifest = Manifest {
        format: 1,
        version: env!("CARGO_PKG_VERSION").into(),
        created_at: chrono::Utc::now(),
        backend: match url.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
        .into(),
        note,
        files,
    };
    // Written last and renamed into place: a backup without it is incomplete.
    let tmp = dest.join(format!("{MANIFEST}.tmp"));
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?;
    fs::write(&tmp, text).map_err(|e| io(&tmp, e))?;
    fs::rename(&tmp, dest.join(MANIFEST)).map_err(|e| io(&tmp, e))?;
    Ok(manifest)
}

/// Reads the manifest of `src` and checks every file against it, writing nothing: a
/// missing, changed or unlisted file is refused by name.
pub fn verify(src: &Path) -> Result<Manifest, String> {
    let path = src.join(MANIFEST);
    let text = fs::read_to_string(&path).map_err(|e| {
        format!(
            "没有清单，备份不完整 / no {MANIFEST}, the backup is incomplete: {}",
            io(&path, e)
        )
    })?;
    let manifest: Manifest = serde_json::from_str(&text)
        .map_err(|e| format!("清单无法读取 / {MANIFEST} is not readable: {e}"))?;
    for f in &manifest.files {
        let rel = Path::new(&f.path);
        let safe = rel
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        if !safe {
            return Err(format!("清单路径无效 / bad path in {MANIFEST}: {}", f.path));
        }
        let (bytes, sha256) = hash_file(&src.join(rel))
            .map_err(|e| format!("缺少文件 / missing file {}: {e}", f.path))?;
        if bytes != f.bytes || sha256 != f.sha256 {
            return Err(format!(
                "校验和不符，文件被改动 / checksum mismatch, the file was changed: {}",
                f.path
            ));
        }
    }
    let listed: std::collections::BTreeSet<&str> =
        manifest.files.iter().map(|f| f.path.as_str()).collect();
    for rel in files_under(src)? {
        let name = slash(&rel);
        if name != MANIFEST && !listed.contains(name.as_str()) {
            return Err(format!("文件不在清单中 / file not in {MANIFEST}: {name}"));
        }
    }
    Ok(manifest)
}

/// Restores `src` into the (empty) data directory of `settings`, after checking every
/// file. On a failure part-way, what was written is removed again.
pub fn restore(settings: &Settings, src: &Path) -> Result<Manifest, String> {
    let manifest = verify(src)?;
    let url = DbUrl::parse(&settings.database_url)?;
    let has_db = manifest.files.iter().any(|f| f.path == DB_FILE);
    if has_db && url.backend != Backend::Sqlite {
        return Err(
            "备份含 SQLite 数据库，但配置的是 PostgreSQL / the backup holds a SQLite database \
             but the settings name PostgreSQL"
                .into(),
        );
    }
    if !is_empty_dir(&settings.data_dir)? {
        return Err(format!(
            "数据目录不是空的 / the data directory is not empty: {}",
            settings.data_dir.display()
        ));
    }
    let blob_dir = local_blob_dir(settings)?;
    let has_blobs = manifest.files.iter().any(|f| f.path.starts_with("blobs/"));
    if has_blobs {
        match &blob_dir {
            None => {
                return Err(
                    "备份含本地文件，但配置的是对象存储 / the backup holds local blobs \
                            but storage_url is object storage"
                        .into(),
                )
            }
            Some(d) if !is_empty_dir(d)? => {
                return Err(format!(
                    "文件目录不是空的 / the blob directory is not empty: {}",
                    d.display()
                ))
            }
            Some(_) => {}
        }
    }
    if has_db && Path::new(&url.target).exists() {
        return Err(format!(
            "数据库文件已存在 / the database file exists: {}",
            url.target
        ));
    }

    let mut written: Vec<PathBuf> = Vec::new();
    let result = (|| {
        for f in &manifest.files {
            let to = if f.path == DB_FILE {
                PathBuf::from(&url.target)
            } else if let Some(rest) = f.path.strip_prefix("blobs/") {
                blob_dir.as_ref().expect("checked above").join(rest)
            } else if let Some(rest) = f.path.strip_prefix("keys/") {
                crate::crypto::key_dir(&settings.data_dir).join(rest)
            } else {
                return Err(format!("清单路径无效 / bad path in {MANIFEST}: {}", f.path));
            };
            let (_, sha256) = copy_hashed(&src.join(&f.path), &to).map_err(|e| io(&to, e))?;
            written.push(to);
            if sha256 != f.sha256 {
                return Err(format!(
                    "校验和不符，文件被改动 / checksum mismatch, the file was changed: {}",
                    f.path
                ));
            }
        }
        Ok(())
    })();
    if let Err(e) = result {
        for p in written {
            let _ = fs::remove_file(p);
        }
        return Err(e);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let keys = crate::crypto::key_dir(&settings.data_dir);
        if keys.is_dir() {
            fs::set_permissions(&keys, fs::Permissions::from_mode(0o700))
                .map_err(|e| io(&keys, e))?;
        }
    }
    Ok(manifest)
}
