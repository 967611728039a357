//! Writing a finished document: the font subset, our own stream compression and
//! printpdf's complaints checked.

use std::io::Write;

use printpdf::{PdfDocument, PdfPage, PdfParseErrorSeverity, PdfSaveOptions};

use super::error::PdfError;

/// A PDF larger than this means the font was embedded whole, not subset
/// (printpdf falls back to the whole 20 MB collection if subsetting fails).
const MAX_PDF_BYTES: usize = 2 * 1024 * 1024;

/// Deflate level for the PDF's streams. printpdf's own `save` compresses through
/// lopdf at level 9 (`Compression::best()`), which took ~40% of a certificate's
/// time. With the zlib-rs backend (Cargo.toml), measured on the poverty certificate
/// (`examples/render_many`): level 6 3.94 ms / 36.7 KB, 3 3.65 ms / 37.8 KB, 2
/// 3.40 ms / 38.9 KB, 1 2.93 ms / 46.9 KB (too close to the 50 KB budget).
const DEFLATE_LEVEL: u32 = 2;

/// What a document's Info dictionary says (`pdfinfo`): printpdf leaves the dates
/// at 1970-01-01 and the author and producer empty.
pub(crate) struct DocInfo<'a> {
    pub(crate) title: &'a str,
    /// The issuing office (certificate, label) or the courier's office (manifest).
    pub(crate) author: &'a str,
    /// Seconds since the epoch: the issue time for a certificate, the print time
    /// for a label or manifest.
    pub(crate) created_unix: i64,
}

/// Names the service in every PDF it writes.
pub const PRODUCER: &str = concat!("zhengming 证明 ", env!("CARGO_PKG_VERSION"));

pub(crate) fn set_info(doc: &mut PdfDocument, info: &DocInfo<'_>) {
    let i = &mut doc.metadata.info;
    i.document_title = info.title.to_owned();
    i.author = info.author.to_owned();
    i.producer = PRODUCER.to_owned();
    i.creator = PRODUCER.to_owned();
    if let Ok(t) = printpdf::OffsetDateTime::from_unix_timestamp(info.created_unix) {
        i.creation_date = t;
        i.modification_date = t;
        i.metadata_date = t;
    }
}

/// Now, for documents printed on demand.
pub(crate) fn now_unix() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Saves pages with the font subset, checking printpdf's own complaints. Streams
/// are compressed here at [`DEFLATE_LEVEL`] instead of by printpdf (`optimize`
/// only switches that compression on; nothing else).
pub(crate) fn save(mut doc: PdfDocument, pages: Vec<PdfPage>) -> Result<Vec<u8>, PdfError> {
    let opts = PdfSaveOptions {
        subset_fonts: true,
        optimize: false,
        // `secure` drops `Op::Unknown`; ours are the QR's `re`/`f` (draw::raw_op).
        secure: false,
        ..PdfSaveOptions::default()
    };
    let mut warnings = Vec::new();
    let mut lo = doc
        .with_pages(pages)
        .to_lopdf_document(&opts, &mut warnings);
    for object in lo.objects.values_mut() {
        if let lopdf::Object::Stream(stream) = object {
            if stream.allows_compression && stream.dict.get(b"Filter").is_err() {
                let mut enc = flate2::write::ZlibEncoder::new(
                    Vec::with_capacity(stream.content.len() / 2),
                    flate2::Compression::new(DEFLATE_LEVEL),
                );
                enc.write_all(&stream.content)
                    .map_err(|e| PdfError::Render(format!("deflate: {e}")))?;
                let packed = enc
                    .finish()
                    .map_err(|e| PdfError::Render(format!("deflate: {e}")))?;
                if packed.len() + 19 < stream.content.len() {
                    stream.dict.set("Filter", "FlateDecode");
                    stream.set_content(packed);
                }
            }
        }
    }
    let mut bytes = Vec::new();
    lo.save_to(&mut bytes)
        .map_err(|e| PdfError::Render(format!("writing the PDF: {e}")))?;
    let errors: Vec<&str> = warnings
        .iter()
        .filter(|w| w.severity == PdfParseErrorSeverity::Error)
        .map(|w| w.msg.as_str())
        .collect();
    if !errors.is_empty() {
        return Err(PdfError::Render(errors.join("; ")));
    }
    if !bytes.starts_with(b"%PDF") {
        return Err(PdfError::Render("printpdf produced no PDF".into()));
    }
    if bytes.len() > MAX_PDF_BYTES {
        return Err(PdfError::Render(format!(
            "PDF is {} bytes: the font was not subset",
            bytes.len()
        )));
    }
    Ok(bytes)
}
