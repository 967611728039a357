//! Uploaded documents (docs/architecture.md §9): recognise the format by content, enforce the limits,
//! normalise photos (orientation applied, metadata dropped, long side capped, thumbnail)
//! and check PDFs. Pure CPU work on bytes; storage and database are the caller's.

pub mod normalise;
pub mod pdf;
pub mod sniff;

use sha2::{Digest, Sha256};

use crate::domain::Invalid;
use crate::error::{AppError, AppResult};
pub use sniff::Format;

/// The configurable limits of one upload (see `Settings`).
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_bytes: u64,
    pub max_pixels: u64,
    pub max_side: u32,
    pub thumb_side: u32,
    pub max_pdf_pages: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 15 * 1024 * 1024,
            max_pixels: 50_000_000,
            max_side: 2400,
            thumb_side: 320,
            max_pdf_pages: 50,
        }
    }
}

/// What is stored for an accepted upload.
#[derive(Debug)]
pub struct Prepared {
    pub format: Format,
    pub content_type: &'static str,
    pub extension: &'static str,
    pub bytes: Vec<u8>,
    pub thumb: Option<Vec<u8>>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// SHA-256 (hex) of `bytes`, the stored file.
    pub sha256: String,
}

pub fn too_large(limits: &Limits) -> AppError {
    let mb = limits.max_bytes as f64 / (1024.0 * 1024.0);
    AppError::TooLarge(Invalid::new(
        format!("文件过大：每个文件不能超过{mb:.0} MB"),
        format!("The file is too large: at most {mb:.0} MB per file"),
    ))
}

/// Checks and converts one uploaded file. Never panics on hostile input: the decoders
/// run under `catch_unwind` as a last line of defence.
pub fn prepare(bytes: Vec<u8>, limits: &Limits) -> AppResult<Prepared> {
    if bytes.is_empty() {
        return Err(AppError::Unprocessable(Invalid::new(
            "文件是空的，请重新选择",
            "The file is empty; choose another one",
        )));
    }
    if bytes.len() as u64 > limits.max_bytes {
        return Err(too_large(limits));
    }
    let format = sniff::sniff(&bytes).ok_or_else(|| {
        AppError::UnsupportedMedia(Invalid::new(
            "不支持该文件格式：请上传JPEG、PNG或WebP格式的照片，或PDF文件",
            "Unsupported file format: upload a JPEG, PNG or WebP photo, or a PDF file",
        ))
    })?;
    type Out = (Option<Vec<u8>>, Option<Vec<u8>>, Option<(u32, u32)>);
    let guarded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| -> AppResult<Out> {
        match format {
            Format::Pdf => {
                pdf::check(&bytes, limits.max_pdf_pages)?;
                Ok((None, None, None))
            }
            _ => {
                let n = normalise::normalise(&bytes, format, limits)?;
                Ok((Some(n.jpeg), Some(n.thumb), Some((n.width, n.height))))
            }
        }
    }));
    let (stored, thumb, size) = match guarded {
        Ok(r) => r?,
        Err(_) => return Err(unreadable(format)),
    };
    let bytes = stored.unwrap_or(bytes);
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let (content_type, extension) = match format {
        Format::Pdf => ("application/pdf", "pdf"),
        _ => ("image/jpeg", "jpg"),
    };
    Ok(Prepared {
        format,
        content_type,
        extension,
        bytes,
        thumb,
        width: size.map(|s| s.0),
        height: size.map(|s| s.1),
        sha256,
    })
}

/// The file claims a format but cannot be read as one.
pub fn unreadable(format: Format) -> AppError {
    match format {
        Format::Pdf => AppError::Unprocessable(Invalid::new(
            "PDF文件已损坏或不是有效的PDF，请重新导出后上传",
            "The PDF is damaged or not a valid PDF; export it again and upload",
        )),
        _ => AppError::Unprocessable(Invalid::new(
            "图片已损坏或不完整，请重新拍照上传",
            "The image is damaged or incomplete; take the photo again and upload",
        )),
    }
}
