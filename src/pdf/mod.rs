//! PDFs (DESIGN §9): certificates (AR PL UMing CN, subset-embedded) with their seal
//! and QR code, dispatch labels and courier manifests.

pub mod certificate;
pub mod draw;
pub mod font;
pub mod label;
pub mod layout;
pub mod manifest;

pub use certificate::{chinese_date, render_certificate, CertificateContent, PdfError, SealLines};
pub use font::{CertFont, UMING_CN_FACE_INDEX};
pub use layout::{CertLayout, Layouts};
