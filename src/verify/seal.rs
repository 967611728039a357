//! The signature sealed into a certificate PDF: `%ZM-SIG:<token>` on its own line
//! after the PDF's `%%EOF`, where the token's hash covers every byte before it.

use sha2::{Digest, Sha256};

use super::token::{Claims, TokenError};
use super::KeyRing;

const MARK: &[u8] = b"\n%ZM-SIG:";

/// Appends the seal; `claims.pdf_sha256` is set to the hash of `pdf`.
pub fn seal_pdf(
    pdf: &mut Vec<u8>,
    mut claims: Claims,
    keys: &KeyRing,
) -> Result<[u8; 32], TokenError> {
    let key = keys.signing_key().ok_or(TokenError::UnknownKey)?;
    if !pdf.ends_with(b"\n") {
        pdf.push(b'\n');
    }
    let hash: [u8; 32] = Sha256::digest(&pdf[..]).into();
    claims.pdf_sha256 = Some(hash);
    let token = claims.sign(key)?;
    pdf.extend_from_slice(&MARK[1..]);
    pdf.extend_from_slice(token.as_bytes());
    pdf.push(b'\n');
    Ok(hash)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error(
        "文件没有核验签名（不是本系统出具的证明，或签名被删除）/ The file carries no signature"
    )]
    NoSeal,
    #[error(
        "文件内容与签名不符，已被篡改 / The file does not match its signature: it was altered"
    )]
    HashMismatch,
    #[error("{0}")]
    Token(#[from] TokenError),
}

/// Checks a sealed PDF offline: the claims it carries if genuine.
pub fn check_file(bytes: &[u8], keys: &KeyRing) -> Result<Claims, SealError> {
    let at = bytes
        .windows(MARK.len())
        .rposition(|w| w == MARK)
        .ok_or(SealError::NoSeal)?;
    let (body, rest) = bytes.split_at(at + 1);
    let token = rest[MARK.len() - 1..]
        .strip_suffix(b"\n")
        .ok_or(SealError::NoSeal)?;
    // Nothing may follow the seal line.
    let token = std::str::from_utf8(token).map_err(|_| TokenError::Malformed)?;
    if token.contains(['\n', '\r', ' ']) {
        return Err(TokenError::Malformed.into());
    }
    let claims = Claims::verify(token, |kid| keys.public_key(kid))?;
    let hash: [u8; 32] = Sha256::digest(body).into();
    match claims.pdf_sha256 {
        Some(h) if h == hash => Ok(claims),
        Some(_) => Err(SealError::HashMismatch),
        None => Err(TokenError::Malformed.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn claims(keys: &KeyRing) -> Claims {
        Claims {
            number: "222403101-2026-00001".into(),
            type_code: "poverty".into(),
            issued_on: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
            office: "222403101".into(),
            key_id: keys.active_kid().into(),
            pdf_sha256: None,
        }
    }

    #[test]
    fn any_changed_byte_is_detected() {
        let keys = KeyRing::from_seed([1; 32]);
        let mut pdf = b"%PDF-1.7\nsome body\n%%EOF\n".to_vec();
        seal_pdf(&mut pdf, claims(&keys), &keys).unwrap();
        let c = check_file(&pdf, &keys).unwrap();
        assert_eq!(c.number, "222403101-2026-00001");
        for i in 0..pdf.len() {
            let mut bad = pdf.clone();
            bad[i] ^= 0x01;
            assert!(check_file(&bad, &keys).is_err(), "byte {i} changed");
        }
        let mut appended = pdf.clone();
        appended.extend_from_slice(b"x\n");
        assert!(check_file(&appended, &keys).is_err());
        assert_eq!(
            check_file(b"%PDF-1.7\n%%EOF\n", &keys),
            Err(SealError::NoSeal)
        );
        let stranger = KeyRing::from_seed([2; 32]);
        assert_eq!(
            check_file(&pdf, &stranger),
            Err(SealError::Token(TokenError::UnknownKey))
        );
    }
}
