//! Compact, URL-safe signed statements about a certificate.
//!
//! Form: `v1.<number>.<type>.<yyyymmdd>.<office>.<kid>[.<sha256 b64url>].<sig b64url>`
//! — the signed message is everything before the last dot. Every field is ASCII
//! without dots, so the token needs no escaping in a URL and stays short enough for
//! a small QR code (about 150 characters without the hash).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::NaiveDate;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

const VERSION: &str = "v1";

/// What a token states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    pub number: String,
    pub type_code: String,
    pub issued_on: NaiveDate,
    /// Jurisdiction code of the issuing office.
    pub office: String,
    pub key_id: String,
    /// SHA-256 of the PDF (file seal only, see the module doc of `verify`).
    pub pdf_sha256: Option<[u8; 32]>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("核验码格式不正确 / The token is malformed")]
    Malformed,
    #[error("签名密钥未知 / The token was signed with an unknown key")]
    UnknownKey,
    #[error("签名无效，内容可能被篡改 / The signature does not match: the token was altered")]
    BadSignature,
}

fn field_ok(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Claims {
    /// The signed message, or `None` if a field cannot be put in a token.
    fn message(&self) -> Option<String> {
        let date = self.issued_on.format("%Y%m%d").to_string();
        let mut parts = vec![
            VERSION,
            &self.number,
            &self.type_code,
            &date,
            &self.office,
            &self.key_id,
        ];
        if parts[1..].iter().any(|p| !field_ok(p)) {
            return None;
        }
        let hash = self.pdf_sha256.map(|h| URL_SAFE_NO_PAD.encode(h));
        if let Some(h) = &hash {
            parts.push(h);
        }
        Some(parts.join("."))
    }

    /// Signs with `key`; the claims' `key_id` must name it.
    pub fn sign(&self, key: &SigningKey) -> Result<String, TokenError> {
        let msg = self.message().ok_or(TokenError::Malformed)?;
        let sig = key.sign(msg.as_bytes());
        Ok(format!("{msg}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes())))
    }

    /// Parses `token` and checks its signature with the key its `kid` names,
    /// looked up by `key_of`.
    pub fn verify(
        token: &str,
        key_of: impl Fn(&str) -> Option<VerifyingKey>,
    ) -> Result<Claims, TokenError> {
        let token = token.trim();
        if token.len() > 512 {
            return Err(TokenError::Malformed);
        }
        let (msg, sig) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
        let parts: Vec<&str> = msg.split('.').collect();
        if parts.len() < 6 || parts.len() > 7 || parts[0] != VERSION {
            return Err(TokenError::Malformed);
        }
        let issued_on =
            NaiveDate::parse_from_str(parts[3], "%Y%m%d").map_err(|_| TokenError::Malformed)?;
        let pdf_sha256 = match parts.get(6) {
            None => None,
            Some(h) => Some(
                URL_SAFE_NO_PAD
                    .decode(h)
                    .ok()
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .ok_or(TokenError::Malformed)?,
            ),
        };
        let claims = Claims {
            number: parts[1].into(),
            type_code: parts[2].into(),
            issued_on,
            office: parts[4].into(),
            key_id: parts[5].into(),
            pdf_sha256,
        };
        // Re-serialise: a token is accepted only in its one canonical form.
        if claims.message().as_deref() != Some(msg) {
            return Err(TokenError::Malformed);
        }
        let sig = URL_SAFE_NO_PAD
            .decode(sig)
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
            .map(|b| Signature::from_bytes(&b))
            .ok_or(TokenError::Malformed)?;
        let key = key_of(&claims.key_id).ok_or(TokenError::UnknownKey)?;
        key.verify_strict(msg.as_bytes(), &sig)
            .map_err(|_| TokenError::BadSignature)?;
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Claims {
        Claims {
            number: "222403101-2026-00012".into(),
            type_code: "land_contract".into(),
            issued_on: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
            office: "222403101".into(),
            key_id: "k1".into(),
            pdf_sha256: None,
        }
    }

    #[test]
    fn signs_and_verifies_and_rejects_any_change() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let other = SigningKey::from_bytes(&[8u8; 32]);
        let vk = key.verifying_key();
        let lookup = |kid: &str| (kid == "k1").then_some(vk);
        let t = claims().sign(&key).unwrap();
        assert!(t
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)));
        assert!(t.len() < 160, "{t}");
        assert_eq!(Claims::verify(&t, lookup).unwrap(), claims());

        let mut with_hash = claims();
        with_hash.pdf_sha256 = Some([3u8; 32]);
        let th = with_hash.sign(&key).unwrap();
        assert_eq!(Claims::verify(&th, lookup).unwrap(), with_hash);

        // Every field altered in turn is rejected.
        for (from, to) in [
            ("222403101-2026-00012", "222403101-2026-00013"),
            ("land_contract", "residence"),
            ("20261128", "20261129"),
            (".222403101.", ".222403102."),
        ] {
            let bad = t.replacen(from, to, 1);
            assert_ne!(bad, t);
            assert_eq!(
                Claims::verify(&bad, lookup),
                Err(TokenError::BadSignature),
                "{from}"
            );
        }
        let bad_hash = th.replace(
            &URL_SAFE_NO_PAD.encode([3u8; 32]),
            &URL_SAFE_NO_PAD.encode([4u8; 32]),
        );
        assert_eq!(
            Claims::verify(&bad_hash, lookup),
            Err(TokenError::BadSignature)
        );
        // Another kid, unknown to the verifier.
        let bad_kid = t.replacen(".k1.", ".k2.", 1);
        assert_eq!(
            Claims::verify(&bad_kid, lookup),
            Err(TokenError::UnknownKey)
        );
        // Signed with a key the verifier does not hold under that kid.
        let forged = claims().sign(&other).unwrap();
        assert_eq!(
            Claims::verify(&forged, lookup),
            Err(TokenError::BadSignature)
        );
        for junk in ["", "v1", "v1.a.b.c.d.e.f", "v2.x", &t[..t.len() - 2]] {
            assert!(Claims::verify(junk, lookup).is_err(), "{junk}");
        }
    }

    #[test]
    fn fields_with_dots_cannot_be_signed() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let mut c = claims();
        c.number = "a.b".into();
        assert_eq!(c.sign(&key), Err(TokenError::Malformed));
    }
}
