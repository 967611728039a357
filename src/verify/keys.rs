//! Ed25519 signing keys in `<data_dir>/keys/`.
//!
//! `<kid>.pub` holds a public key (hex) trusted for verification, `<kid>.secret` the
//! matching 32-byte seed (hex, mode 0600), `active` the kid that signs new
//! certificates. The kid is the first 8 hex digits of the public key's SHA-256, so a
//! `.pub` file copied from another installation cannot collide silently.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use ed25519_dalek::{SigningKey, VerifyingKey};
use rand::RngCore;
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("签名密钥读写失败 / Signing key storage: {0}")]
    Io(String),
    #[error("签名密钥文件有误 / Bad key file {0}")]
    Bad(String),
    #[error("数据目录中没有核验公钥 / No public keys in {0}")]
    NoKeys(String),
}

#[derive(Clone)]
pub struct KeyRing {
    active_kid: String,
    signing: Option<SigningKey>,
    public: BTreeMap<String, VerifyingKey>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("active_kid", &self.active_kid)
            .field("public", &self.public.keys().collect::<Vec<_>>())
            .finish()
    }
}

pub fn key_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("keys")
}

pub fn kid_of(key: &VerifyingKey) -> String {
    hex::encode(&Sha256::digest(key.as_bytes())[..4])
}

fn io(p: &Path, e: std::io::Error) -> KeyError {
    KeyError::Io(format!("{}: {e}", p.display()))
}

fn read_hex32(p: &Path) -> Result<[u8; 32], KeyError> {
    let s = fs::read_to_string(p).map_err(|e| io(p, e))?;
    hex::decode(s.trim())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| KeyError::Bad(p.display().to_string()))
}

fn write_private(p: &Path, contents: &str) -> Result<(), KeyError> {
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

impl KeyRing {
    /// Loads the keys, generating a first one if there is no active key.
    pub fn load_or_create(data_dir: &Path) -> Result<KeyRing, KeyError> {
        let dir = key_dir(data_dir);
        if !dir.join("active").exists() {
            Self::rotate(data_dir)?;
        }
        let mut ring = Self::load_public(data_dir)?;
        let secret = dir.join(format!("{}.secret", ring.active_kid));
        let key = SigningKey::from_bytes(&read_hex32(&secret)?);
        if kid_of(&key.verifying_key()) != ring.active_kid {
            return Err(KeyError::Bad(secret.display().to_string()));
        }
        ring.public
            .insert(ring.active_kid.clone(), key.verifying_key());
        ring.signing = Some(key);
        Ok(ring)
    }

    /// Generates a new key and makes it the active one; older public keys stay
    /// trusted. Returns the new kid.
    pub fn rotate(data_dir: &Path) -> Result<String, KeyError> {
        let dir = key_dir(data_dir);
        fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
        let mut seed = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut seed);
        let key = SigningKey::from_bytes(&seed);
        let kid = kid_of(&key.verifying_key());
        write_private(&dir.join(format!("{kid}.secret")), &hex::encode(seed))?;
        let pub_path = dir.join(format!("{kid}.pub"));
        fs::write(&pub_path, hex::encode(key.verifying_key().as_bytes()))
            .map_err(|e| io(&pub_path, e))?;
        // Written last and renamed into place: a crash leaves the old key active.
        let tmp = dir.join("active.tmp");
        fs::write(&tmp, &kid).map_err(|e| io(&tmp, e))?;
        fs::rename(&tmp, dir.join("active")).map_err(|e| io(&tmp, e))?;
        Ok(kid)
    }

    /// Public keys only: enough to verify, offline.
    pub fn load_public(data_dir: &Path) -> Result<KeyRing, KeyError> {
        let dir = key_dir(data_dir);
        let mut public = BTreeMap::new();
        let entries = fs::read_dir(&dir).map_err(|e| io(&dir, e))?;
        for e in entries {
            let p = e.map_err(|e| io(&dir, e))?.path();
            if p.extension().and_then(|x| x.to_str()) != Some("pub") {
                continue;
            }
            let vk = VerifyingKey::from_bytes(&read_hex32(&p)?)
                .map_err(|_| KeyError::Bad(p.display().to_string()))?;
            let kid = kid_of(&vk);
            if p.file_stem().and_then(|s| s.to_str()) != Some(kid.as_str()) {
                return Err(KeyError::Bad(p.display().to_string()));
            }
            public.insert(kid, vk);
        }
        if public.is_empty() {
            return Err(KeyError::NoKeys(dir.display().to_string()));
        }
        let active_kid = fs::read_to_string(dir.join("active"))
            .map(|s| s.trim().to_owned())
            .unwrap_or_default();
        Ok(KeyRing {
            active_kid,
            signing: None,
            public,
        })
    }

    /// From a seed, for tests and benchmarks.
    pub fn from_seed(seed: [u8; 32]) -> KeyRing {
        let key = SigningKey::from_bytes(&seed);
        let kid = kid_of(&key.verifying_key());
        KeyRing {
            active_kid: kid.clone(),
            public: BTreeMap::from([(kid, key.verifying_key())]),
            signing: Some(key),
        }
    }

    pub fn active_kid(&self) -> &str {
        &self.active_kid
    }

    pub fn signing_key(&self) -> Option<&SigningKey> {
        self.signing.as_ref()
    }

    pub fn public_key(&self, kid: &str) -> Option<VerifyingKey> {
        self.public.get(kid).copied()
    }

    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.public.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_rotated_and_old_keys_stay_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let a = KeyRing::load_or_create(dir.path()).unwrap();
        let again = KeyRing::load_or_create(dir.path()).unwrap();
        assert_eq!(a.active_kid(), again.active_kid(), "not regenerated");
        let new = KeyRing::rotate(dir.path()).unwrap();
        let b = KeyRing::load_or_create(dir.path()).unwrap();
        assert_eq!(b.active_kid(), new);
        assert!(
            b.public_key(a.active_kid()).is_some(),
            "old key still trusted"
        );
        let public = KeyRing::load_public(dir.path()).unwrap();
        assert!(public.signing_key().is_none());
        assert_eq!(public.kids().count(), 2);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let m = fs::metadata(key_dir(dir.path()).join(format!("{new}.secret")))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(m & 0o777, 0o600);
        }
    }

    #[test]
    fn no_keys_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(key_dir(dir.path())).unwrap();
        assert!(matches!(
            KeyRing::load_public(dir.path()),
            Err(KeyError::NoKeys(_))
        ));
    }
}
