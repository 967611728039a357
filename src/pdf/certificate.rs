//! A4 certificate (证明) rendering with printpdf.
//!
//! Layout, all within 25 mm margins: title centred and letter-spaced; the
//! certificate number right-aligned under it; body paragraphs with a two-character
//! first-line indent, wrapped here by measuring the font's advance widths; the
//! purpose and validity lines; the issuing office and the date right-aligned near
//! the bottom of the body area; an optional small-print footer at the bottom.
//!
//! The font is embedded as a subset (only the glyphs used), so a certificate is a
//! few tens of KB. Every character is checked against the font first: printpdf
//! would silently draw nothing for a character the font lacks, and a certificate
//! must never lose a character of a name.

use printpdf::{Mm, Op, PdfDocument, PdfPage};

use super::draw::{self, push_text, PT_PER_MM};
use super::error::PdfError;
use super::faces::DocFaces;
use super::font::{check_texts, CertFont};
use super::layout::CertLayout;
use super::save::{save, set_info, DocInfo};
use super::wrap::{is_space, wrap, Line};

/// The filled-in text of one certificate.
#[derive(Debug, Clone, Default)]
pub struct CertificateContent {
    /// e.g. "贫困证明"
    pub title: String,
    /// e.g. "敦化市大石头镇〔2026〕第000123号" or "ZMC-222403101-2026-000123"
    pub number: String,
    /// Paragraphs separated by '\n', already filled in. Leading spaces of a
    /// paragraph are dropped (the renderer indents by two characters itself) and
    /// empty paragraphs are skipped.
    pub body: String,
    /// e.g. "此证明用于：申请助学贷款。"
    pub purpose_line: Option<String>,
    /// e.g. "本证明自开具之日起九十日内有效。"
    pub validity_line: String,
    /// Issuing office, e.g. "敦化市大石头镇人民政府"
    pub office: String,
    /// e.g. "二〇二六年十一月二十八日", see [`crate::pdf::chinese_date`]
    pub date_zh: String,
    /// Small print at the bottom of the page.
    pub footer: Option<String>,
    /// Encoded in the QR code (the verify URL with its signed token).
    pub qr_url: Option<String>,
    /// The red seal stamped over the office and date.
    pub seal: Option<SealLines>,
    pub layout: CertLayout,
    /// When it was issued, seconds since the epoch (the PDF's creation date);
    /// `None` renders the epoch, for tests that compare bytes.
    pub issued_unix: Option<i64>,
}

/// What the seal says (see [`draw::seal`]).
#[derive(Debug, Clone, Default)]
pub struct SealLines {
    pub office: String,
    pub caption: String,
}

// ---------------------------------------------------------------- layout constants

const PAGE_W_MM: f32 = 210.0;
const PAGE_H_MM: f32 = 297.0;
const PAGE_W: f32 = PAGE_W_MM * PT_PER_MM;
const PAGE_H: f32 = PAGE_H_MM * PT_PER_MM;
const MARGIN: f32 = 25.0 * PT_PER_MM;
const LEFT: f32 = MARGIN;
const RIGHT: f32 = PAGE_W - MARGIN;
const CONTENT_W: f32 = RIGHT - LEFT;
const TOP: f32 = PAGE_H - MARGIN;

const TITLE_LINE: f32 = 1.4;
const NUMBER_SIZE: f32 = 10.5;
const NUMBER_LINE: f32 = 1.5;
#[cfg(test)]
const BODY_SIZE: f32 = 14.0;
const FOOTER_SIZE: f32 = 9.0;
const FOOTER_LINE: f32 = 1.4;
const PAGE_NO_SIZE: f32 = 9.0;

/// Share of the font size above the baseline, used to place a baseline inside
/// its line box (UMing's ascent is about 0.8 em).
const ASCENT: f32 = 0.8;
/// Justify a wrapped body line only when that adds at most this much space
/// between two characters (in em); otherwise leave the line ragged.
const MAX_JUSTIFY_GAP_EM: f32 = 0.25;
/// Body lines left blank between the last body line and the office name
/// (room for the upper half of the seal).
const SIGNATURE_GAP_LINES: f32 = 2.5;
/// The office/date block ends this far above the bottom of the body area.
/// The office/date block's right edge is this many characters left of the margin.
const SIGNATURE_RIGHT_INDENT_EM: f32 = 2.0;
/// Printed at the top of a page that holds only the office and date.
const NO_BODY_NOTE: &str = "（此页无正文）";

/// Renders `c` as a one-page (more if the body is very long) A4 PDF.
pub fn render_certificate(font: &CertFont, c: &CertificateContent) -> Result<Vec<u8>, PdfError> {
    let faces = check_glyphs(font, c)?;
    let lay = &c.layout;
    let body_size = lay.body_size;
    let body_line = lay.line_height;

    let mut doc = PdfDocument::new(c.title.trim());
    set_info(
        &mut doc,
        &DocInfo {
            title: c.title.trim(),
            author: c.office.trim(),
            created_unix: c.issued_unix.unwrap_or(0),
        },
    );
    let font = &DocFaces::register(&mut doc, faces);

    let footer_lines = match c.footer.as_deref().map(str::trim) {
        Some(f) if !f.is_empty() => wrap(font, f, FOOTER_SIZE, 0.0, CONTENT_W),
        _ => Vec::new(),
    };
    let footer_h = footer_lines.len() as f32 * FOOTER_SIZE * FOOTER_LINE;
    let bottom = if footer_lines.is_empty() {
        MARGIN
    } else {
        MARGIN + footer_h + body_size
    };

    if bottom > PAGE_H / 2.0 {
        return Err(PdfError::Render(format!(
            "footer too long: {} lines",
            footer_lines.len()
        )));
    }

    let mut flow = Flow {
        font,
        pages: vec![Vec::new()],
        y: TOP,
        bottom,
        body_size,
        body_line,
    };

    // Title: centred and letter-spaced; the spacing shrinks so it fits one line.
    let title = c.title.trim();
    if !title.is_empty() {
        let size = lay.title_size;
        let n = title.chars().count() as f32;
        let natural = font.text_width(title, size);
        let mut spacing = lay.title_spacing_em * size;
        if n > 1.0 && natural + spacing * (n - 1.0) > CONTENT_W {
            spacing = ((CONTENT_W - natural) / (n - 1.0)).max(0.0);
        }
        let spaced_w = natural + spacing * (n - 1.0).max(0.0);
        if spaced_w <= CONTENT_W + 0.01 {
            flow.line(
                title,
                size,
                TITLE_LINE,
                LEFT + (CONTENT_W - spaced_w) / 2.0,
                spacing,
            );
        } else {
            for l in wrap(font, title, size, 0.0, CONTENT_W) {
                flow.line(
                    &l.text,
                    size,
                    TITLE_LINE,
                    LEFT + (CONTENT_W - l.width) / 2.0,
                    0.0,
                );
            }
        }
    }

    // Number: right-aligned under the title.
    let number = c.number.trim();
    if !number.is_empty() {
        flow.gap(NUMBER_SIZE * 0.3);
        for l in wrap(font, number, NUMBER_SIZE, 0.0, CONTENT_W) {
            flow.line(&l.text, NUMBER_SIZE, NUMBER_LINE, RIGHT - l.width, 0.0);
        }
    }
    flow.gap(body_size * body_line);

    // Body, purpose and validity: indented, justified paragraphs.
    let purpose = c.purpose_line.as_deref().unwrap_or("");
    let paragraphs = c
        .body
        .split('\n')
        .chain([purpose, c.validity_line.as_str()])
        .map(|p| p.trim_start_matches(is_space).trim_end())
        .filter(|p| !p.is_empty());
    for p in paragraphs {
        flow.paragraph(p);
    }

    // Office and date follow the text directly (a blank gap would invite
    // additions), with room above for the seal; the date is right-aligned, the
    // office centred over it. The seal is stamped over the block, the QR code sits
    // at the left margin level with the seal.
    let block_right = RIGHT - SIGNATURE_RIGHT_INDENT_EM * body_size;
    let block_avail = block_right - LEFT;
    let mut sig: Vec<Line> = Vec::new();
    for s in [c.office.trim(), c.date_zh.trim()] {
        if !s.is_empty() {
            sig.extend(wrap(font, s, body_size, 0.0, block_avail));
        }
    }
    let lh = body_size * body_line;
    let block_h = sig.len() as f32 * lh;
    let block_w = sig.iter().map(|l| l.width).fold(0.0, f32::max);
    let seal_r = if c.seal.is_some() {
        lay.seal_diameter_mm * PT_PER_MM / 2.0
    } else {
        0.0
    };
    let qr_size = if c.qr_url.is_some() {
        lay.qr_size_mm * PT_PER_MM
    } else {
        0.0
    };
    // Top gap: the upper half of the seal must clear the body text.
    let min_gap = (SIGNATURE_GAP_LINES * lh).max(seal_r - block_h / 2.0 + lh * 0.25);
    // Below the block: the lower half of the seal and of the QR code.
    let below = (seal_r - block_h / 2.0)
        .max(qr_size / 2.0 - block_h / 2.0)
        .max(0.0);
    if flow.y - min_gap - block_h - below < flow.bottom {
        flow.new_page();
        flow.line(NO_BODY_NOTE, body_size, body_line, LEFT, 0.0);
    }
    flow.gap(min_gap);
    let block_top = flow.y;
    let centre_x = block_right - block_w / 2.0;
    // The seal goes under the office and date, so they stay legible through it.
    let under_sig = flow.pages.last().map_or(0, Vec::len);
    for l in &sig {
        flow.line(&l.text, body_size, body_line, centre_x - l.width / 2.0, 0.0);
    }
    let mid_y = block_top - block_h / 2.0;
    let page = flow.pages.last_mut().expect("a page");
    if let Some(seal) = &c.seal {
        // Centred on the office name, as stamped, reaching over the date.
        let mut seal_ops = Vec::new();
        draw::seal(
            &mut seal_ops,
            font,
            &draw::SealText {
                centre: (centre_x, mid_y),
                diameter: 2.0 * seal_r,
                color: lay.seal_color,
                office: &seal.office,
                caption: &seal.caption,
            },
        );
        let at = under_sig.min(page.len());
        page.splice(at..at, seal_ops);
    }
    if let Some(url) = &c.qr_url {
        draw::qr(page, url, LEFT, mid_y + qr_size / 2.0, qr_size).map_err(PdfError::Render)?;
        let cap = lay.qr_caption.trim();
        if !cap.is_empty() {
            let size = NUMBER_SIZE;
            let w = font.text_width(cap, size);
            let x = (LEFT + (qr_size - w) / 2.0).max(LEFT);
            push_text(page, font, cap, size, x, mid_y - qr_size / 2.0 - size, 0.0);
        }
    }

    // Footer (small print) and, for more than one page, page numbers.
    let page_count = flow.pages.len();
    let mut pages = Vec::with_capacity(page_count);
    for (i, mut ops) in flow.pages.into_iter().enumerate() {
        let mut y = MARGIN + footer_h - FOOTER_SIZE * FOOTER_LINE;
        for l in &footer_lines {
            let baseline = y + (FOOTER_SIZE * FOOTER_LINE - FOOTER_SIZE) / 2.0;
            push_text(&mut ops, font, &l.text, FOOTER_SIZE, LEFT, baseline, 0.0);
            y -= FOOTER_SIZE * FOOTER_LINE;
        }
        if page_count > 1 {
            let s = format!("第 {} 页，共 {} 页", i + 1, page_count);
            let w = font.text_width(&s, PAGE_NO_SIZE);
            push_text(
                &mut ops,
                font,
                &s,
                PAGE_NO_SIZE,
                (PAGE_W - w) / 2.0,
                MARGIN / 2.0,
                0.0,
            );
        }
        pages.push(PdfPage::new(Mm(PAGE_W_MM), Mm(PAGE_H_MM), ops));
    }

    save(doc, pages)
}

/// Every character that will be drawn must have a glyph: picks the face and
/// checks the certificate's texts against it.
fn check_glyphs(font: &CertFont, c: &CertificateContent) -> Result<Vec<CertFont>, PdfError> {
    let (seal_office, seal_caption) = c
        .seal
        .as_ref()
        .map(|s| (s.office.as_str(), s.caption.as_str()))
        .unwrap_or_default();
    check_texts(
        font,
        [
            c.title.as_str(),
            c.number.as_str(),
            c.body.as_str(),
            c.purpose_line.as_deref().unwrap_or(""),
            c.validity_line.as_str(),
            c.office.as_str(),
            c.date_zh.as_str(),
            c.footer.as_deref().unwrap_or(""),
            "第页，共0123456789 ",
            NO_BODY_NOTE,
            c.layout.qr_caption.as_str(),
            seal_office,
            seal_caption,
        ],
    )
}

// ---------------------------------------------------------------- page flow

struct Flow<'a> {
    font: &'a DocFaces,
    pages: Vec<Vec<Op>>,
    /// Top of the next line box, in points from the bottom of the page.
    y: f32,
    /// Lowest point the body may reach.
    bottom: f32,
    body_size: f32,
    body_line: f32,
}

impl Flow<'_> {
    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    fn gap(&mut self, h: f32) {
        self.y -= h;
    }

    /// One line of text in a box `size * line_factor` high, starting at `x`.
    fn line(&mut self, text: &str, size: f32, line_factor: f32, x: f32, char_spacing: f32) {
        let lh = size * line_factor;
        if self.y - lh < self.bottom {
            self.new_page();
        }
        let baseline = self.y - (lh - size) / 2.0 - size * ASCENT;
        if let Some(ops) = self.pages.last_mut() {
            push_text(ops, self.font, text, size, x, baseline, char_spacing);
        }
        self.y -= lh;
    }

    /// A body paragraph: first-line indent of two characters, lines justified
    /// except the last.
    fn paragraph(&mut self, text: &str) {
        let (size, line) = (self.body_size, self.body_line);
        let indent = 2.0 * size;
        let lines = wrap(self.font, text, size, indent, CONTENT_W);
        for (i, l) in lines.iter().enumerate() {
            let x = if i == 0 { LEFT + indent } else { LEFT };
            let avail = if i == 0 {
                CONTENT_W - indent
            } else {
                CONTENT_W
            };
            let n = l.text.chars().count();
            let mut spacing = 0.0;
            if l.wrapped && n > 1 {
                let s = (avail - l.width) / (n - 1) as f32;
                if s > 0.0 && s <= MAX_JUSTIFY_GAP_EM * size {
                    spacing = s;
                }
            }
            self.line(&l.text, size, line, x, spacing);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::chinese_number::chinese_date;
    use crate::pdf::wrap::no_line_start;
    use std::io::Write;
    use std::process::{Command, Stdio};
    use std::sync::OnceLock;

    const FONT_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fonts/uming.ttc");

    fn font() -> &'static CertFont {
        static FONT: OnceLock<CertFont> = OnceLock::new();
        FONT.get_or_init(|| CertFont::load(std::path::Path::new(FONT_PATH)).expect("font loads"))
    }

    fn date(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    const NAME: &str = "欧阳娜娜木错·阿依古丽扎西卓玛";
    const ADDRESS: &str = "吉林省延边朝鲜族自治州敦化市大石头镇新华村三组幸福路一百二十八号院内东侧第二排平房从左数第三间";
    const ID_RUN: &str = "222403101234567890222403101234567890222403101234567890123456";

    fn sample() -> CertificateContent {
        let body = format!(
            "兹证明{NAME}，性别女，身份证号码222403199001011234，\
             现住{ADDRESS}，系我镇新华村村民。\n\
             该户共有家庭成员四人，因病致贫，家庭年人均纯收入低于当地最低生活保障标准，\
             经村民委员会评议、镇人民政府审核，情况属实。该户已于2024年纳入农村低收入人口监测范围，\
             档案编号{ID_RUN}。\n\
             特此证明。"
        );
        CertificateContent {
            title: "贫困证明".into(),
            number: "敦化市大石头镇〔2026〕第000123号".into(),
            body,
            purpose_line: Some("此证明用于：申请助学贷款。".into()),
            validity_line: "本证明自开具之日起九十日内有效。".into(),
            office: "敦化市大石头镇人民政府".into(),
            date_zh: chinese_date(date(2026, 11, 28)),
            footer: Some("本证明电子文件与纸质文件具有同等效力。".into()),
            qr_url: Some(
                "https://zhengming.example.cn/verify/222403101-2026-00123?t=v1.222403101-2026-00123.poverty.20261128.222403101.abcd1234.abcdefghijklmnopqrstuvwxyz0123456789".into(),
            ),
            seal: Some(SealLines {
                office: "敦化市大石头镇人民政府".into(),
                caption: "证明专用章".into(),
            }),
            layout: CertLayout::default(),
            issued_unix: Some(1_795_795_200), // 2026-11-28 00:00 +08:00
        }
    }

    /// Issue 19: `pdfinfo` gives the issue time, the office, the title and the service.
    #[test]
    fn the_pdf_says_when_by_whom_and_what() {
        let pdf = render_certificate(font(), &sample()).expect("renders");
        let path = write_tmp("metadata.pdf", &pdf);
        let out = tool("pdfinfo")
            .arg("-isodates")
            .arg(&path)
            .output()
            .expect("run pdfinfo");
        let info = String::from_utf8_lossy(&out.stdout).into_owned();
        let field = |k: &str| {
            info.lines()
                .find(|l| l.starts_with(k))
                .map(|l| l[k.len()..].trim().to_owned())
                .unwrap_or_default()
        };
        assert_eq!(field("Title:"), "贫困证明", "{info}");
        assert_eq!(field("Author:"), "敦化市大石头镇人民政府", "{info}");
        assert!(field("Producer:").starts_with("zhengming"), "{info}");
        assert!(
            field("CreationDate:").starts_with("2026-11-27T16:00:00"),
            "{info}"
        );
    }

    fn tool(name: &str) -> Command {
        let probe = Command::new(name).arg("-v").output();
        assert!(
            probe.is_ok(),
            "`{name}` not found: install poppler-utils (apt-get install -y poppler-utils)"
        );
        Command::new(name)
    }

    fn pdftotext(pdf: &[u8]) -> String {
        let mut child = tool("pdftotext")
            .args(["-enc", "UTF-8", "-", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn pdftotext");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(pdf)
            .expect("write pdf");
        let out = child.wait_with_output().expect("pdftotext output");
        assert!(out.status.success(), "pdftotext failed");
        String::from_utf8(out.stdout).expect("utf-8 text")
    }

    fn write_tmp(name: &str, pdf: &[u8]) -> std::path::PathBuf {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pdf-out");
        std::fs::create_dir_all(&dir).expect("mkdir");
        let path = dir.join(name);
        std::fs::write(&path, pdf).expect("write pdf");
        path
    }

    #[test]
    fn font_is_uming_cn_and_has_the_usual_characters() {
        let f = font();
        assert_eq!(f.name(), Some("UMingCN"));
        for c in
            "贫困证明〔〕第号：。，、〇一二三四五六七八九十·—（）0123456789ABCZabcz-./:? 　".chars()
        {
            assert!(f.has_glyph(c), "font lacks {c:?}");
        }
        assert!(!f.has_glyph('\u{20BB7}'), "𠮷 expected missing from UMing");
        assert!(!f.has_glyph('\n'));
        assert_eq!(
            f.missing_glyphs("吉𠮷野家𠮷\u{1F600}好"),
            vec!['\u{20BB7}', '\u{1F600}']
        );
        assert!(f.missing_glyphs(NAME).is_empty());
    }

    #[test]
    fn wrapping_stays_within_the_margins() {
        let mut doc = PdfDocument::new("t");
        let f = &DocFaces::register(&mut doc, vec![font().clone()]);
        let long_run = ID_RUN.repeat(2);
        let text =
            format!("{NAME}{ADDRESS}，编号{ID_RUN}，又{long_run}，网址https://example.cn/a/b。");
        let lines = wrap(f, &text, BODY_SIZE, 2.0 * BODY_SIZE, CONTENT_W);
        assert!(lines.len() > 3);
        for (i, l) in lines.iter().enumerate() {
            let room = if i == 0 {
                CONTENT_W - 2.0 * BODY_SIZE
            } else {
                CONTENT_W
            };
            assert!(l.width <= room + 0.01, "line {i} too wide: {l:?}");
            assert!((f.text_width(&l.text, BODY_SIZE) - l.width).abs() < 0.01);
            if i > 0 {
                let first = l.text.chars().next().expect("non-empty line");
                assert!(!no_line_start(first), "line {i} starts with {first}");
            }
        }
        let joined: String = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(joined, text, "no character lost or added");
        // A 120-digit run is wider than a line at 14 pt, so it must be broken.
        assert!(f.text_width(&long_run, BODY_SIZE) > CONTENT_W);
        // A short ASCII run is kept together.
        let short = "abcdefghij";
        let t = format!("{}{short}", "中".repeat(30));
        let lines = wrap(f, &t, BODY_SIZE, 0.0, CONTENT_W);
        assert!(lines.iter().any(|l| l.text.contains(short)), "{lines:?}");
    }

    #[test]
    fn renders_a_small_extractable_pdf() {
        let f = font();
        let c = sample();
        let t = std::time::Instant::now();
        let pdf = render_certificate(f, &c).expect("renders");
        eprintln!("first render: {:?}, {} bytes", t.elapsed(), pdf.len());
        assert!(pdf.starts_with(b"%PDF"));
        assert!(pdf.len() < 200 * 1024, "PDF is {} bytes", pdf.len());
        let path = write_tmp("sample.pdf", &pdf);

        let text = pdftotext(&pdf);
        eprintln!("pdftotext:\n{text}");
        let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        for needle in [
            "贫困证明",
            "敦化市大石头镇〔2026〕第000123号",
            NAME,
            ADDRESS,
            ID_RUN,
            "此证明用于：申请助学贷款。",
            "本证明自开具之日起九十日内有效。",
            "敦化市大石头镇人民政府",
            "二〇二六年十一月二十八日",
        ] {
            assert!(flat.contains(needle), "pdftotext lacks {needle:?}");
        }

        let out = tool("pdffonts").arg(&path).output().expect("run pdffonts");
        let fonts = String::from_utf8_lossy(&out.stdout).into_owned();
        eprintln!("pdffonts:\n{fonts}");
        let font_lines: Vec<&str> = fonts.lines().skip(2).collect();
        assert_eq!(font_lines.len(), 1, "exactly one font: {fonts}");
        // columns: name type encoding emb sub uni ...
        let cols: Vec<&str> = font_lines[0].split_whitespace().collect();
        let n = cols.len();
        assert!(n >= 6, "{fonts}");
        assert_eq!(
            &cols[n - 5..n - 2],
            &["yes", "yes", "yes"],
            "emb sub uni: {fonts}"
        );
    }

    /// One character from each of Extensions A–H (and the unified block's newer
    /// end, which UMing lacks too): every one is drawn, from the first face of the
    /// chain that has it, each face embedded as its own subset.
    #[test]
    fn rare_characters_come_from_the_fallback_faces() {
        let f = font();
        let names: std::collections::BTreeSet<_> =
            f.fallbacks().iter().filter_map(|p| p.name()).collect();
        assert_eq!(
            names.len(),
            3,
            "fonts/ ships HanaMin A and B and BabelStone Han cuts: {names:?}"
        );
        // 䶮 (Ext A), 𠮷 (B), 𪜀 (C), 𫝀 (D), 𫠠 (E), 𬺰 (F), 鿕 (U+9FD5), 𰀀 (G),
        // U+31350 (H).
        let rare = "刘䶮𠮷𪜀𫝀𫠠𬺰鿕𰀀\u{31350}";
        assert!(f.unprintable(rare).is_empty());
        let mut c = sample();
        c.body = format!("兹证明{rare}同志系我村村民。");
        let pdf = render_certificate(f, &c).expect("renders with the fallback chain");
        assert!(pdf.len() < 60_000, "{} bytes", pdf.len());
        let flat: String = pdftotext(&pdf)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        assert!(flat.contains(rare), "{flat}");
        let path = write_tmp("rare-characters.pdf", &pdf);
        let out = tool("pdffonts").arg(&path).output().expect("run pdffonts");
        let fonts = String::from_utf8_lossy(&out.stdout).into_owned();
        let faces: Vec<&str> = fonts.lines().skip(2).collect();
        let names: std::collections::BTreeSet<&str> = faces
            .iter()
            .filter_map(|l| l.split_whitespace().next())
            .filter_map(|n| n.split_once('+').map(|(_, face)| face))
            .collect();
        assert_eq!(
            names.into_iter().collect::<Vec<_>>(),
            ["BabelStoneHan", "HanaMinA", "HanaMinB", "UMingCN"],
            "UMing and all three fallbacks (a face's parts each their own subset): {fonts}"
        );
        for line in faces {
            let cols: Vec<&str> = line.split_whitespace().collect();
            assert!(cols.len() >= 3, "{line}");
            assert!(cols[0].contains('+'), "embedded as a subset: {line}");
        }
    }

    #[test]
    fn missing_glyph_is_an_error_not_a_gap() {
        let mut c = sample();
        // A private-use code point: no face of the chain has it.
        c.body = "兹证明吉\u{E0A1}同志系我村村民。".into();
        match render_certificate(font(), &c) {
            Err(PdfError::MissingGlyphs { chars }) => {
                assert!(chars.contains('\u{E0A1}'), "{chars}");
                assert!(chars.contains("U+E0A1"), "{chars}");
                let msg = PdfError::MissingGlyphs { chars }.to_string();
                assert!(msg.contains("字体缺少以下字符"), "{msg}");
            }
            other => panic!("expected MissingGlyphs, got {other:?}"),
        }
        let mut c = sample();
        c.footer = Some("很长的页脚".repeat(400));
        assert!(matches!(
            render_certificate(font(), &c),
            Err(PdfError::Render(_))
        ));
        let mut c = sample();
        c.office = "某某\t政府".into();
        assert!(matches!(
            render_certificate(font(), &c),
            Err(PdfError::MissingGlyphs { .. })
        ));
    }

    #[test]
    fn a_very_long_body_flows_onto_more_pages() {
        let mut c = sample();
        c.body = (0..40).map(|_| ADDRESS).collect::<Vec<_>>().join("\n");
        let pdf = render_certificate(font(), &c).expect("renders");
        let text = pdftotext(&pdf);
        assert!(text.contains('\u{c}'), "page break expected");
        let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(flat.contains("第2页"), "page numbers expected");
        // 40 address paragraphs fill three pages exactly enough that the
        // office and date go on a fourth, marked as having no body text.
        assert!(flat.contains("此页无正文"), "{text}");
        assert!(flat.contains("敦化市大石头镇人民政府"));
        write_tmp("long.pdf", &pdf);
    }

    #[test]
    fn renders_from_several_threads() {
        let f = font().clone();
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let f = f.clone();
                std::thread::spawn(move || {
                    let mut c = sample();
                    c.number = format!("ZMC-222403101-2026-{i:06}");
                    render_certificate(&f, &c).map(|p| p.len())
                })
            })
            .collect();
        for h in handles {
            let len = h.join().expect("thread").expect("renders");
            assert!(len > 1000);
        }
    }
}
