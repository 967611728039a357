//! The certificate font: parsed once per process, shared by every render.
//!
//! The face is AR PL UMing CN (face 0 of `fonts/uming.ttc`, Arphic Public
//! Licence, see `fonts/LICENSE-uming.txt`). printpdf draws a character the font
//! lacks as nothing at all, so callers must check text with
//! [`CertFont::missing_glyphs`] before rendering; `render_certificate` does.

use std::path::Path;
use std::sync::Arc;

use printpdf::ParsedFont;

use super::certificate::PdfError;

/// Face index of "AR PL UMing CN" (simplified Chinese forms) inside `uming.ttc`.
/// The collection holds CN (0), HK (1), TW (2) and TW MBE (3).
pub const UMING_CN_FACE_INDEX: usize = 0;

/// A parsed font, cheap to clone (one `Arc`) and safe to share between threads.
#[derive(Clone)]
pub struct CertFont {
    inner: Arc<Inner>,
}

struct Inner {
    font: ParsedFont,
    units_per_em: f32,
}

// `render_certificate` runs on whichever worker thread handles the request.
const _: fn() = || {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<CertFont>();
};

impl std::fmt::Debug for CertFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertFont")
            .field("name", &self.inner.font.font_name)
            .field("glyphs", &self.inner.font.num_glyphs)
            .field("units_per_em", &self.inner.units_per_em)
            .finish()
    }
}

impl CertFont {
    /// Reads and parses face [`UMING_CN_FACE_INDEX`] of the font file at `path`
    /// (a `.ttc` collection or a plain `.ttf`, for which the index is 0 anyway).
    pub fn load(path: &Path) -> Result<CertFont, PdfError> {
        let bytes =
            std::fs::read(path).map_err(|e| PdfError::Font(format!("{}: {e}", path.display())))?;
        Self::from_bytes(&bytes)
    }

    /// Parses face [`UMING_CN_FACE_INDEX`] of a font file held in memory.
    pub fn from_bytes(bytes: &[u8]) -> Result<CertFont, PdfError> {
        Self::from_bytes_with_index(bytes, UMING_CN_FACE_INDEX)
    }

    /// Parses face `face_index` of a font collection (0 for a single font).
    pub fn from_bytes_with_index(bytes: &[u8], face_index: usize) -> Result<CertFont, PdfError> {
        let mut warnings = Vec::new();
        let font = ParsedFont::from_bytes(bytes, face_index, &mut warnings).ok_or_else(|| {
            let detail: Vec<String> = warnings.iter().map(|w| format!("{w:?}")).collect();
            PdfError::Font(format!(
                "cannot parse font face {face_index} ({} bytes): {}",
                bytes.len(),
                detail.join("; ")
            ))
        })?;
        if !font.has_source_bytes() {
            return Err(PdfError::Font(
                "parsed font kept no source bytes, it could not be embedded".into(),
            ));
        }
        let units_per_em = f32::from(font.pdf_font_metrics.units_per_em);
        if units_per_em <= 0.0 {
            return Err(PdfError::Font("font has units_per_em = 0".into()));
        }
        Ok(CertFont {
            inner: Arc::new(Inner { font, units_per_em }),
        })
    }

    /// The PostScript name from the font's name table, e.g. `UMingCN`.
    pub fn name(&self) -> Option<&str> {
        self.inner.font.font_name.as_deref()
    }

    /// Whether the font has a real glyph (not `.notdef`) for `c`.
    pub fn has_glyph(&self, c: char) -> bool {
        self.glyph(c).is_some()
    }

    /// The characters of `text` the font cannot draw, each once, in order of
    /// first appearance. Control characters count as missing.
    pub fn missing_glyphs(&self, text: &str) -> Vec<char> {
        let mut missing: Vec<char> = Vec::new();
        for c in text.chars() {
            if !self.has_glyph(c) && !missing.contains(&c) {
                missing.push(c);
            }
        }
        missing
    }

    /// Horizontal advance of `c` at `size_pt`, in points (0 if there is no glyph).
    pub fn advance(&self, c: char, size_pt: f32) -> f32 {
        match self.glyph(c) {
            Some(gid) => {
                f32::from(self.inner.font.get_horizontal_advance(gid)) * size_pt
                    / self.inner.units_per_em
            }
            None => 0.0,
        }
    }

    /// Advance width of a whole string at `size_pt`, in points (no kerning:
    /// printpdf does not apply any to plain text either).
    pub fn text_width(&self, text: &str, size_pt: f32) -> f32 {
        text.chars().map(|c| self.advance(c, size_pt)).sum()
    }

    pub(crate) fn parsed(&self) -> &ParsedFont {
        &self.inner.font
    }

    fn glyph(&self, c: char) -> Option<u16> {
        if c.is_control() {
            return None;
        }
        match self.inner.font.lookup_glyph_index(u32::from(c)) {
            Some(0) | None => None,
            Some(gid) => Some(gid),
        }
    }
}
