//! Certificate PDFs (DESIGN §9): an A4 page in AR PL UMing CN, subset-embedded.

pub mod certificate;
pub mod font;

pub use certificate::{chinese_date, render_certificate, CertificateContent, PdfError};
pub use font::{CertFont, UMING_CN_FACE_INDEX};
