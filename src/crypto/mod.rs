//! ID numbers encrypted at rest (docs/architecture.md §6).
//!
//! A stored ID number is `enc:v1:<kid>:<base64url(nonce || ciphertext)>`: AES-256-GCM
//! under the data key `<kid>`, a random 96-bit nonce per value, so two rows with the
//! same number differ. Exact look-ups (one ID number, one account; a search by ID
//! number) go through a keyed blind index: HMAC-SHA256 of the normalised number under
//! its own key, hex, in its own indexed column.
//!
//! Keys come from `<data_dir>/keys/` (created on first start, mode 0600, next to the
//! certificate signing keys):
//!
//! - `data-<kid>.key`: a 32-byte data key (hex); the kid is the first 8 hex digits of
//!   the SHA-256 of the key, so two installations cannot collide silently;
//! - `data.active`: the kid new values are encrypted with;
//! - `index.key`: the blind-index key (hex).
//!
//! or, for several instances sharing one PostgreSQL, from the settings `data_keys`
//! (hex keys separated by commas, the first one active) and `blind_index_key`.
//!
//! This module knows no table: `db/` stores the strings, `workflow/` and `read_model/`
//! seal and open them.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Every encrypted value starts with this.
pub const PREFIX: &str = "enc:v1:";
/// Bound into every ciphertext: a value is an ID number of this service.
const AAD: &[u8] = b"zhengming:id_number:v1";
/// An encrypted file starts with this, then `<kid>:`, the nonce and the ciphertext.
pub const BLOB_MAGIC: &[u8] = b"zmenc:v1:";
const BLOB_AAD: &[u8] = b"zhengming:blob:v1";
const ACTIVE_FILE: &str = "data.active";
const INDEX_FILE: &str = "index.key";

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("数据密钥读写失败 / Data key storage: {0}")]
    Io(String),
    #[error("数据密钥有误 / Bad data key: {0}")]
    Bad(String),
    #[error("缺少数据密钥 {0}，无法解密 / No data key {0} to decrypt with")]
    UnknownKey(String),
    #[error("密文无法解密（已损坏或密钥不符） / A value does not decrypt (damaged or wrong key)")]
    Damaged,
}

/// Where the keys came from: a key directory can gain keys while the service runs
/// (`zhengming keys rotate-data`), configured keys cannot.
#[derive(Clone)]
enum Source {
    Dir(PathBuf),
    Config,
}

struct Ring {
    active: String,
    ciphers: BTreeMap<String, Aes256Gcm>,
}

/// The data keys and the blind-index key. Cheap to clone.
#[derive(Clone)]
pub struct DataKeys {
    source: Source,
    ring: Arc<RwLock<Ring>>,
    index_key: Arc<[u8; 32]>,
}

impl std::fmt::Debug for DataKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataKeys")
            .field("active", &self.active_kid())
            .field("kids", &self.kids())
            .finish()
    }
}

/// An ID number as stored: encrypted, with its blind index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedId {
    pub stored: String,
    pub index: String,
}

/// The kid of a data key: first 8 hex digits of its SHA-256.
pub fn kid_of(key: &[u8; 32]) -> String {
    hex::encode(&Sha256::digest(key)[..4])
}

/// The kid an encrypted value names, or `None` for a value in clear.
pub fn kid_of_value(stored: &str) -> Option<&str> {
    stored.strip_prefix(PREFIX)?.split(':').next()
}

/// True when `stored` is already encrypted (the data migration skips it).
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

/// The `LIKE` pattern of values encrypted under `kid`.
pub fn like_kid(kid: &str) -> String {
    format!("{PREFIX}{kid}:%")
}

/// The `LIKE` pattern of every encrypted value.
pub fn like_sealed() -> String {
    format!("{PREFIX}%")
}

fn io(p: &Path, e: std::io::Error) -> CryptoError {
    CryptoError::Io(format!("{}: {e}", p.display()))
}

fn parse_hex32(s: &str, what: &str) -> Result<[u8; 32], CryptoError> {
    hex::decode(s.trim())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| CryptoError::Bad(format!("{what}: not 64 hex digits")))
}

fn read_hex32(p: &Path) -> Result<[u8; 32], CryptoError> {
    let s = fs::read_to_string(p).map_err(|e| io(p, e))?;
    parse_hex32(&s, &p.display().to_string())
}

fn random32() -> [u8; 32] {
    let mut k = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut k);
    k
}

/// Writes a new secret file, mode 0600 from the start.
fn write_private(p: &Path, contents: &str) -> Result<(), CryptoError> {
    use std::io::Write;
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(p).map_err(|e| io(p, e))?;
    f.write_all(contents.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| io(p, e))
}

/// The key directory (shared with the signing keys).
pub fn key_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("keys")
}

fn cipher(key: &[u8; 32]) -> Aes256Gcm {
    Aes256Gcm::new(key.into())
}

/// Reads the data keys of a key directory: (active kid, kid → key).
fn read_dir_keys(dir: &Path) -> Result<(String, BTreeMap<String, Aes256Gcm>), CryptoError> {
    let mut ciphers = BTreeMap::new();
    for e in fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let p = e.map_err(|e| io(dir, e))?.path();
        let Some(name) = p.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(kid) = name
            .strip_prefix("data-")
            .and_then(|n| n.strip_suffix(".key"))
        else {
            continue;
        };
        let key = read_hex32(&p)?;
        if kid_of(&key) != kid {
            return Err(CryptoError::Bad(format!(
                "{}: the key does not match its id",
                p.display()
            )));
        }
        ciphers.insert(kid.to_owned(), cipher(&key));
    }
    let active_path = dir.join(ACTIVE_FILE);
    let active = fs::read_to_string(&active_path)
        .map_err(|e| io(&active_path, e))?
        .trim()
        .to_owned();
    if !ciphers.contains_key(&active) {
        return Err(CryptoError::UnknownKey(active));
    }
    Ok((active, ciphers))
}

impl DataKeys {
    /// The configured keys (`data_keys`, `blind_index_key`) if given, else those in
    /// `<data_dir>/keys/`, made on first use.
    pub fn load(
        data_dir: &Path,
        data_keys: &str,
        blind_index_key: &str,
    ) -> Result<DataKeys, CryptoError> {
        match (
            data_keys.trim().is_empty(),
            blind_index_key.trim().is_empty(),
        ) {
            (true, true) => Self::load_or_create_dir(data_dir),
            (false, false) => Self::from_config(data_keys, blind_index_key),
            _ => Err(CryptoError::Bad(
                "data_keys and blind_index_key go together: set both or neither".into(),
            )),
        }
    }

    fn from_config(data_keys: &str, blind_index_key: &str) -> Result<DataKeys, CryptoError> {
        let mut ciphers = BTreeMap::new();
        let mut active = None;
        for (i, k) in data_keys.split(',').map(str::trim).enumerate() {
            let key = parse_hex32(k, &format!("data_keys[{i}]"))?;
            let kid = kid_of(&key);
            active.get_or_insert_with(|| kid.clone());
            ciphers.insert(kid, cipher(&key));
        }
        let index = parse_hex32(blind_index_key, "blind_index_key")?;
        Ok(DataKeys {
            source: Source::Config,
            ring: Arc::new(RwLock::new(Ring {
                active: active.ok_or_else(|| CryptoError::Bad("data_keys is empty".into()))?,
                ciphers,
            })),
            index_key: Arc::new(index),
        })
    }

    fn load_or_create_dir(data_dir: &Path) -> Result<DataKeys, CryptoError> {
        let dir = key_dir(data_dir);
        fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
        let index_path = dir.join(INDEX_FILE);
        if !index_path.exists() {
            match write_private(&index_path, &hex::encode(random32())) {
                // Another process made it first: use theirs.
                Err(_) if index_path.exists() => {}
                other => other?,
            }
        }
        if !dir.join(ACTIVE_FILE).exists() {
            Self::new_dir_key(data_dir)?;
        }
        let (active, ciphers) = read_dir_keys(&dir)?;
        Ok(DataKeys {
            source: Source::Dir(data_dir.to_owned()),
            ring: Arc::new(RwLock::new(Ring { active, ciphers })),
            index_key: Arc::new(read_hex32(&index_path)?),
        })
    }

    /// Generates a data key in `<data_dir>/keys/` and makes it the active one; older
    /// keys stay readable. Returns the new kid.
    pub fn new_dir_key(data_dir: &Path) -> Result<String, CryptoError> {
        let dir = key_dir(data_dir);
        fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
        let key = random32();
        let kid = kid_of(&key);
        write_private(&dir.join(format!("data-{kid}.key")), &hex::encode(key))?;
        // Written last and renamed into place: a crash leaves the old key active.
        let tmp = dir.join("data.active.tmp");
        fs::write(&tmp, &kid).map_err(|e| io(&tmp, e))?;
        fs::rename(&tmp, dir.join(ACTIVE_FILE)).map_err(|e| io(&tmp, e))?;
        Ok(kid)
    }

    /// Fixed keys, for tests and benchmarks.
    pub fn from_keys(data_key: [u8; 32], index_key: [u8; 32]) -> DataKeys {
        let kid = kid_of(&data_key);
        DataKeys {
            source: Source::Config,
            ring: Arc::new(RwLock::new(Ring {
                active: kid.clone(),
                ciphers: BTreeMap::from([(kid, cipher(&data_key))]),
            })),
            index_key: Arc::new(index_key),
        }
    }

    /// Whether new keys can be generated here (keys from files, not from settings).
    pub fn in_key_dir(&self) -> bool {
        matches!(self.source, Source::Dir(_))
    }

    pub fn active_kid(&self) -> String {
        self.ring
            .read()
            .map(|r| r.active.clone())
            .unwrap_or_default()
    }

    pub fn kids(&self) -> Vec<String> {
        self.ring
            .read()
            .map(|r| r.ciphers.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Encrypts an ID number under the active key.
    pub fn seal(&self, plain: &str) -> String {
        let ring = self.ring.read().unwrap_or_else(|e| e.into_inner());
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ct = ring.ciphers[&ring.active]
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: AAD,
                },
            )
            .expect("AES-GCM encrypts any message under 64 GB");
        let mut blob = Vec::with_capacity(12 + ct.len());
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&ct);
        format!("{PREFIX}{}:{}", ring.active, URL_SAFE_NO_PAD.encode(&blob))
    }

    /// The ID number in a stored value. A value in clear (from before encryption, not
    /// yet migrated) is returned as it is. A key written by `keys rotate-data` while
    /// this process runs is picked up from the key directory.
    pub fn open(&self, stored: &str) -> Result<String, CryptoError> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_owned());
        };
        let (kid, body) = rest.split_once(':').ok_or(CryptoError::Damaged)?;
        let known = self
            .ring
            .read()
            .map(|r| r.ciphers.contains_key(kid))
            .unwrap_or(false);
        if !known {
            self.reload()?;
        }
        let ring = self.ring.read().unwrap_or_else(|e| e.into_inner());
        let c = ring
            .ciphers
            .get(kid)
            .ok_or_else(|| CryptoError::UnknownKey(kid.to_owned()))?;
        let blob = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| CryptoError::Damaged)?;
        if blob.len() < 12 + 16 {
            return Err(CryptoError::Damaged);
        }
        let (nonce, ct) = blob.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| CryptoError::Damaged)?;
        let plain = c
            .decrypt(&Nonce::from(nonce), Payload { msg: ct, aad: AAD })
            .map_err(|_| CryptoError::Damaged)?;
        String::from_utf8(plain).map_err(|_| CryptoError::Damaged)
    }

    /// Re-reads the key directory (new keys become readable; the active key for new
    /// values stays the one this process started with, so values it writes remain
    /// readable by other processes that have not reloaded yet).
    fn reload(&self) -> Result<(), CryptoError> {
        let Source::Dir(data_dir) = &self.source else {
            return Ok(());
        };
        let (_, ciphers) = read_dir_keys(&key_dir(data_dir))?;
        let mut ring = self.ring.write().unwrap_or_else(|e| e.into_inner());
        for (kid, c) in ciphers {
            ring.ciphers.entry(kid).or_insert(c);
        }
        Ok(())
    }

    /// The blind index of a normalised ID number (`IdNumber::as_str`): HMAC-SHA256
    /// under the index key, hex.
    pub fn blind_index(&self, id_number: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.index_key.as_slice())
            .expect("HMAC takes any key length");
        mac.update(b"id_number:");
        mac.update(id_number.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Encrypts a file (a certificate PDF, which prints the full ID number): returns the
    /// kid used and `zmenc:v1:<kid>:` ‖ nonce ‖ ciphertext.
    pub fn seal_bytes(&self, data: &[u8]) -> (String, Vec<u8>) {
        let ring = self.ring.read().unwrap_or_else(|e| e.into_inner());
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ct = ring.ciphers[&ring.active]
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: data,
                    aad: BLOB_AAD,
                },
            )
            .expect("AES-GCM encrypts any message under 64 GB");
        let mut out = Vec::with_capacity(BLOB_MAGIC.len() + 9 + 12 + ct.len());
        out.extend_from_slice(BLOB_MAGIC);
        out.extend_from_slice(ring.active.as_bytes());
        out.push(b':');
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        (ring.active.clone(), out)
    }

    /// The kid an encrypted file names, or `None` for a file in clear.
    pub fn blob_kid(blob: &[u8]) -> Option<&str> {
        let rest = blob.strip_prefix(BLOB_MAGIC)?;
        let end = rest.iter().position(|b| *b == b':')?;
        std::str::from_utf8(&rest[..end]).ok()
    }

    /// The file in a stored blob; a file in clear (stored before) is returned as it is.
    pub fn open_bytes(&self, blob: Vec<u8>) -> Result<Vec<u8>, CryptoError> {
        let Some(kid) = Self::blob_kid(&blob).map(str::to_owned) else {
            return Ok(blob);
        };
        let body = &blob[BLOB_MAGIC.len() + kid.len() + 1..];
        if body.len() < 12 + 16 {
            return Err(CryptoError::Damaged);
        }
        if !self.kids().contains(&kid) {
            self.reload()?;
        }
        let ring = self.ring.read().unwrap_or_else(|e| e.into_inner());
        let c = ring
            .ciphers
            .get(&kid)
            .ok_or_else(|| CryptoError::UnknownKey(kid.clone()))?;
        let (nonce, ct) = body.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| CryptoError::Damaged)?;
        c.decrypt(
            &Nonce::from(nonce),
            Payload {
                msg: ct,
                aad: BLOB_AAD,
            },
        )
        .map_err(|_| CryptoError::Damaged)
    }

    /// A checked ID number, encrypted and indexed for storing.
    pub fn seal_id(&self, id: &crate::domain::id_number::IdNumber) -> SealedId {
        SealedId {
            stored: self.seal(id.as_str()),
            index: self.blind_index(id.as_str()),
        }
    }

    /// `open`, for display: a value that cannot be decrypted shows as stars (and is
    /// logged without its content) rather than failing a whole list.
    pub fn open_or_stars(&self, stored: &str) -> String {
        self.open(stored).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "an ID number could not be decrypted");
            "*".repeat(18)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "22240319800101002X";

    #[test]
    fn seal_open_round_trip_with_a_fresh_nonce_each_time() {
        let k = DataKeys::from_keys([7; 32], [9; 32]);
        let a = k.seal(ID);
        let b = k.seal(ID);
        assert!(a.starts_with(&format!("{PREFIX}{}:", k.active_kid())));
        assert_ne!(a, b, "random nonce per value");
        assert!(!a.contains(ID) && !a.contains("19800101"));
        assert_eq!(k.open(&a).unwrap(), ID);
        assert_eq!(k.open(&b).unwrap(), ID);
        assert_eq!(kid_of_value(&a), Some(k.active_kid().as_str()));
        assert_eq!(k.open(ID).unwrap(), ID, "a value in clear reads as it is");
    }

    #[test]
    fn tampering_and_unknown_keys_are_errors() {
        let k = DataKeys::from_keys([7; 32], [9; 32]);
        let v = k.seal(ID);
        let mut bad = v.clone().into_bytes();
        let last = bad.len() - 3;
        bad[last] = if bad[last] == b'A' { b'B' } else { b'A' };
        assert!(matches!(
            k.open(std::str::from_utf8(&bad).unwrap()),
            Err(CryptoError::Damaged)
        ));
        let other = DataKeys::from_keys([8; 32], [9; 32]);
        assert!(matches!(other.open(&v), Err(CryptoError::UnknownKey(_))));
        assert_eq!(other.open_or_stars(&v), "*".repeat(18));
    }

    #[test]
    fn files_round_trip_and_files_in_clear_read_as_they_are() {
        let k = DataKeys::from_keys([7; 32], [9; 32]);
        let pdf = b"%PDF-1.7 ... 22240319800101002X ...".to_vec();
        let (kid, sealed) = k.seal_bytes(&pdf);
        assert_eq!(kid, k.active_kid());
        assert_eq!(DataKeys::blob_kid(&sealed), Some(kid.as_str()));
        assert!(!sealed.windows(ID.len()).any(|w| w == ID.as_bytes()));
        assert_eq!(k.open_bytes(sealed.clone()).unwrap(), pdf);
        assert_eq!(k.open_bytes(pdf.clone()).unwrap(), pdf);
        let mut bad = sealed;
        let n = bad.len() - 1;
        bad[n] ^= 1;
        assert!(matches!(k.open_bytes(bad), Err(CryptoError::Damaged)));
    }

    #[test]
    fn blind_index_is_keyed_and_stable() {
        let k = DataKeys::from_keys([7; 32], [9; 32]);
        let same_index = DataKeys::from_keys([1; 32], [9; 32]);
        let other_index = DataKeys::from_keys([7; 32], [1; 32]);
        assert_eq!(k.blind_index(ID), same_index.blind_index(ID));
        assert_ne!(k.blind_index(ID), other_index.blind_index(ID));
        assert_ne!(k.blind_index(ID), k.blind_index("220421198001010022"));
        assert_eq!(k.blind_index(ID).len(), 64);
    }

    #[test]
    fn key_dir_made_once_rotated_old_values_readable_mode_0600() {
        let dir = tempfile::tempdir().unwrap();
        let a = DataKeys::load(dir.path(), "", "").unwrap();
        let again = DataKeys::load(dir.path(), "", "").unwrap();
        assert_eq!(a.active_kid(), again.active_kid(), "not regenerated");
        assert_eq!(a.blind_index(ID), again.blind_index(ID));
        let old = a.seal(ID);
        let new_kid = DataKeys::new_dir_key(dir.path()).unwrap();
        // A running process reads values sealed under a key made after it started.
        let b = DataKeys::load(dir.path(), "", "").unwrap();
        assert_eq!(b.active_kid(), new_kid);
        let fresh = b.seal(ID);
        assert_eq!(a.open(&fresh).unwrap(), ID, "picked up from the directory");
        assert_eq!(b.open(&old).unwrap(), ID, "old key still readable");
        assert_eq!(b.kids().len(), 2);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for f in [format!("data-{new_kid}.key"), INDEX_FILE.to_owned()] {
                let m = fs::metadata(key_dir(dir.path()).join(f))
                    .unwrap()
                    .permissions()
                    .mode();
                assert_eq!(m & 0o777, 0o600);
            }
        }
        // The signing keys beside them still load.
        crate::verify::KeyRing::load_or_create(dir.path()).unwrap();
    }

    #[test]
    fn configured_keys_first_is_active_and_both_are_required() {
        let k1 = hex::encode([1u8; 32]);
        let k2 = hex::encode([2u8; 32]);
        let idx = hex::encode([3u8; 32]);
        let dir = tempfile::tempdir().unwrap();
        let k = DataKeys::load(dir.path(), &format!("{k2}, {k1}"), &idx).unwrap();
        assert_eq!(k.active_kid(), kid_of(&[2; 32]));
        assert_eq!(k.kids().len(), 2);
        assert!(!k.in_key_dir());
        assert!(!key_dir(dir.path()).exists(), "nothing written");
        assert!(DataKeys::load(dir.path(), &k1, "").is_err());
        assert!(DataKeys::load(dir.path(), "zz", &idx).is_err());
    }
}
