//! The one error type of PDF rendering, shared by the font, the layouts and every
//! document.

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("字体错误：{0} / Font error: {0}")]
    Font(String),
    #[error("字体缺少以下字符：{chars} / The font lacks these characters: {chars}")]
    MissingGlyphs { chars: String },
    #[error("PDF 生成失败：{0} / PDF rendering failed: {0}")]
    Render(String),
}
