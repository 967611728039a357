//! PDFs (docs/architecture.md §9): certificates (AR PL UMing CN, subset-embedded) with their seal
//! and QR code, dispatch labels and courier manifests.

pub mod certificate;
pub mod draw;
mod error;
pub mod faces;
pub mod font;
pub mod label;
pub mod layout;
pub mod manifest;
mod save;
mod wrap;

pub use crate::domain::chinese_number::chinese_date;
pub use certificate::{render_certificate, CertificateContent, SealLines};
pub use error::PdfError;
pub use font::{CertFont, UMING_CN_FACE_INDEX};
pub use layout::{CertLayout, Layouts};
