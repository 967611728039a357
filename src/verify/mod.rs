//! Signing keys, verification tokens and the signature sealed into certificate PDFs
//! (docs/architecture.md §9).
//!
//! # The chicken-and-egg of "the PDF's hash in the QR code"
//!
//! The QR code is drawn inside the PDF, so a token in the QR cannot hold the hash of
//! the very file it is part of. We therefore sign twice, with the same token format
//! ([`token::Claims`]) and the same key:
//!
//! 1. The **QR token** signs the certificate's public facts: number, type, issue
//!    date, issuing office (its jurisdiction code) and key id — no hash, no personal
//!    data. It is what a verifier holding the *paper* can check: the verify page
//!    checks the signature, then compares every field with the database record and
//!    its status (valid / revoked). Paper cannot be hashed anyway.
//! 2. The **file seal** signs the same facts *plus the SHA-256 of the rendered PDF*
//!    (which already contains the QR). It is appended to the file after `%%EOF` as a
//!    PDF comment line (`%ZM-SIG:<token>`), which readers ignore, so the
//!    electronic copy and the printed copy are the same document. The database keeps
//!    that same hash (`certificates.pdf_sha256`).
//!
//! `zhengming verify FILE.pdf` ([`seal::check_file`]) splits the file at the seal,
//! hashes what precedes it, and checks the hash and the signature against the public
//! keys in the data directory — offline. Any changed byte before the seal changes the
//! hash; any change in the seal breaks the signature; anything appended after it is
//! refused. The verify page also accepts a sealed token (with the hash) and then
//! compares the hash with the stored one.
//!
//! Keys ([`keys::KeyRing`]) live in `<data_dir>/keys/`: `<kid>.pub` (trusted for
//! verification) and `<kid>.secret` (signing); `active` names the signing key. All
//! public keys stay trusted, so rotating (`zhengming keys rotate`) never invalidates a
//! certificate already issued. Several instances must share the same key files.

pub mod keys;
pub mod mask;
pub mod rate_limit;
pub mod seal;
pub mod token;

pub use keys::KeyRing;
pub use token::{Claims, TokenError};
