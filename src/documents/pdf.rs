//! PDFs are parsed to prove they are PDFs and counted for pages; they are stored as
//! uploaded and never rendered on the server.

use crate::domain::Invalid;
use crate::error::{AppError, AppResult};

/// The page count of a valid PDF within `max_pages`.
pub fn check(bytes: &[u8], max_pages: u32) -> AppResult<u32> {
    let doc =
        lopdf::Document::load_mem(bytes).map_err(|_| super::unreadable(super::Format::Pdf))?;
    let pages = u32::try_from(doc.get_pages().len()).unwrap_or(u32::MAX);
    if pages == 0 {
        return Err(super::unreadable(super::Format::Pdf));
    }
    if pages > max_pages {
        return Err(AppError::Unprocessable(Invalid::new(
            format!("PDF页数过多：最多{max_pages}页，请拆分后分别上传"),
            format!(
                "The PDF has too many pages: at most {max_pages}; split it and upload the parts"
            ),
        )));
    }
    Ok(pages)
}
