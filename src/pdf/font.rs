//! The certificate font: parsed once per process, shared by every render.
//!
//! The face is AR PL UMing CN (face 0 of `fonts/uming.ttc`, Arphic Public
//! Licence, see `fonts/LICENSE-uming.txt`). printpdf draws a character the font
//! lacks as nothing at all, so callers must check text with
//! [`CertFont::missing_glyphs`] before rendering; `render_certificate` does.
//!
//! # The primary face
//!
//! printpdf subsets the font anew for every document, and the cost of that grows
//! with the size of the font it is handed (the whole cmap, loca and glyph table
//! directory of a 20 MB collection are read each time). So at load time, once, a
//! smaller *primary* face is cut from the full one with allsorts: ASCII, the
//! GB2312 repertoire (its 6,763 hanzi of levels 1 and 2 and its symbols and
//! full-width forms), CJK punctuation, full-width forms and general punctuation.
//! Every document is rendered with it; the characters of a document outside it
//! that the full face has (a rare name character, 生僻字, some of CJK Ext A) come
//! from a small face cut from the full one for that document, like a fallback's
//! (see `check_texts`), so no character is ever lost and the full face is never
//! subset whole. Glyph outlines and advance widths are the same in both, so layout
//! does not depend on which face is used. A large face is cut from in parts
//! ([`Part`]).
//!
//! # The fallback chain
//!
//! UMing lacks most of CJK Extensions A and B and all of C–H, where many rural
//! names live (𠮷, 䶮). Its characters are drawn from *fallback* faces after it,
//! cut from Debian's HanaMin A and B and, for Extensions G and H (which HanaMin
//! predates), BabelStone Han, to only the ideographs the faces before lack
//! (`scripts/cut-fallback-fonts`, `fonts/LICENSE-hanazono.txt`,
//! `fonts/LICENSE-babelstone-han.txt`). A character comes
//! from the first face of the chain that has it, and each face a document uses is
//! embedded as its own subset ([`super::faces::DocFaces`]). Since a fallback face is
//! large (HanaMin B is ~29 MB) and printpdf's subsetting cost grows with the font it
//! is handed, a document gets a small face cut from the fallback for just the
//! characters it needs ([`CertFont::cut`]); a document that needs no fallback costs
//! exactly what it did before.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use allsorts::binary::read::ReadScope;
use allsorts::font_data::FontData;
use allsorts::subset::{CmapTarget, SubsetProfile};
use allsorts::tag;
use printpdf::ParsedFont;

use super::error::PdfError;

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
    /// Glyph id and advance of each character of [`primary_chars`] the face has:
    /// layout and the glyph checks look characters up thousands of times per
    /// certificate, and a hash lookup is several times cheaper than the cmap's.
    /// Other characters go to the cmap.
    known: HashMap<char, (u16, u16)>,
    /// The smaller face cut from this one at load time (see the module docs);
    /// `None` for a face that is itself small, or is the primary.
    primary: Option<CertFont>,
    /// The faces after this one in the chain (see the module docs), in order.
    fallbacks: Vec<CertFont>,
    /// The font file, kept for faces that are cut per document (the fallbacks,
    /// and a full face that has a primary), and the face's index in it.
    source: Option<Arc<[u8]>>,
    source_index: usize,
    /// A large fallback face's parts, in code point order (see [`Part`]).
    parts: Vec<Part>,
}

/// A slice of a large fallback face: the glyphs of the code points `lo..=hi`, at
/// most [`FALLBACK_PART_GLYPHS`] of them. Cutting a document's few characters costs
/// in proportion to the face they are cut from (allsorts reads its cmap, loca, glyf
/// and post tables whole): from the whole ~29 MB HanaMin B ~11 ms per certificate,
/// from a part under 1 ms (dev build, loaded machine, `examples/render_many`). A
/// part is cut from the face the first time a document needs it (about a second in
/// a dev build, so not for all parts at start-up) and kept for the process.
struct Part {
    lo: u32,
    hi: u32,
    gids: BTreeSet<u16>,
    face: OnceLock<Option<CertFont>>,
}

/// The fallback faces [`CertFont::load`] looks for next to the primary font file,
/// in chain order (see `scripts/cut-fallback-fonts`).
pub const FALLBACK_FILES: [&str; 3] = [
    "hanamin-a-rare.ttf",
    "hanamin-b-rare.ttf",
    "babelstone-han-rare.ttf",
];

/// A large fallback face is cut per document from parts of at most this many
/// glyphs (see [`Part`]).
pub const FALLBACK_PART_GLYPHS: usize = 4000;

/// Build a primary face only when it holds well under the full face's glyphs.
const PRIMARY_MAX_SHARE: f32 = 0.6;

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
            .field(
                "primary_glyphs",
                &self.inner.primary.as_ref().map(|p| p.inner.font.num_glyphs),
            )
            .finish()
    }
}

impl CertFont {
    /// Reads and parses face [`UMING_CN_FACE_INDEX`] of the font file at `path`
    /// (a `.ttc` collection or a plain `.ttf`, for which the index is 0 anyway),
    /// followed by the [`FALLBACK_FILES`] found in the same directory.
    pub fn load(path: &Path) -> Result<CertFont, PdfError> {
        let read = |p: &Path| {
            std::fs::read(p).map_err(|e| PdfError::Font(format!("{}: {e}", p.display())))
        };
        let mut font = Self::from_bytes(&read(path)?)?;
        let dir = path.parent().unwrap_or(Path::new("."));
        for name in FALLBACK_FILES {
            let p = dir.join(name);
            if p.exists() {
                font = font.with_fallback(&read(&p)?)?;
            }
        }
        Ok(font)
    }

    /// Loads only the face at `path`, without the fallback chain (for measuring
    /// what the chain costs, and for tests of a face on its own).
    pub fn load_without_fallbacks(path: &Path) -> Result<CertFont, PdfError> {
        let bytes =
            std::fs::read(path).map_err(|e| PdfError::Font(format!("{}: {e}", path.display())))?;
        Self::from_bytes(&bytes)
    }

    /// Appends face 0 of `bytes` to the fallback chain (module docs). A face of more
    /// than [`FALLBACK_PART_GLYPHS`] glyphs is planned in parts, see [`Part`].
    pub fn with_fallback(mut self, bytes: &[u8]) -> Result<CertFont, PdfError> {
        let mut face = Self::parse(bytes, 0)?;
        let parts = plan_parts(&face);
        let inner = Arc::get_mut(&mut face.inner).expect("not shared yet");
        inner.source = Some(Arc::from(bytes));
        inner.parts = parts;
        let chain = Arc::get_mut(&mut self.inner)
            .ok_or_else(|| PdfError::Font("font already shared".into()))?;
        chain.fallbacks.push(face);
        Ok(self)
    }

    /// The fallback faces, in chain order.
    pub fn fallbacks(&self) -> &[CertFont] {
        &self.inner.fallbacks
    }

    /// Whether some face of the chain (this face or a fallback) can draw `c`.
    pub fn chain_has(&self, c: char) -> bool {
        self.has_glyph(c) || self.inner.fallbacks.iter().any(|f| f.has_glyph(c))
    }

    /// The characters of `text` no face of the chain can draw, each once, in order
    /// of first appearance; line breaks are not counted.
    pub fn unprintable(&self, text: &str) -> Vec<char> {
        let mut missing: Vec<char> = Vec::new();
        for c in text.chars() {
            if c != '\n' && c != '\r' && !self.chain_has(c) && !missing.contains(&c) {
                missing.push(c);
            }
        }
        missing
    }

    /// A small face cut from this one with only the glyphs of `chars` (which it
    /// must have): what a document embeds of a large fallback face.
    pub fn cut(&self, chars: &BTreeSet<char>) -> Result<CertFont, PdfError> {
        if let Some(part) = self.part_for(chars) {
            return part.cut(chars);
        }
        self.cut_here(chars)
    }

    /// The part (see [`Part`]) holding every character of `chars`, built on first
    /// use; `None` when the face has no parts or `chars` span several.
    fn part_for(&self, chars: &BTreeSet<char>) -> Option<&CertFont> {
        let (first, last) = (u32::from(*chars.first()?), u32::from(*chars.last()?));
        let part = self
            .inner
            .parts
            .iter()
            .find(|p| p.lo <= first && last <= p.hi)?;
        part.face
            .get_or_init(|| {
                let bytes = self.inner.source.as_deref()?;
                let cut = subset_glyphs(bytes, self.inner.source_index, part.gids.clone()).ok()?;
                let mut face = Self::parse(&cut, 0).ok()?;
                let inner = Arc::get_mut(&mut face.inner).expect("not shared yet");
                inner.source = Some(Arc::from(cut));
                inner.font.font_name = self.inner.font.font_name.clone();
                Some(face)
            })
            .as_ref()
    }

    fn cut_here(&self, chars: &BTreeSet<char>) -> Result<CertFont, PdfError> {
        let bytes = self
            .inner
            .source
            .as_deref()
            .ok_or_else(|| PdfError::Font("this face keeps no source to cut from".into()))?;
        let gids: BTreeSet<u16> = chars.iter().filter_map(|&c| self.glyph(c)).collect();
        let cut = subset_glyphs(bytes, self.inner.source_index, gids)?;
        let mut face = Self::parse(&cut, 0)?;
        Arc::get_mut(&mut face.inner)
            .expect("not shared yet")
            .font
            .font_name = self.inner.font.font_name.clone();
        Ok(face)
    }

    /// Parses face [`UMING_CN_FACE_INDEX`] of a font file held in memory.
    pub fn from_bytes(bytes: &[u8]) -> Result<CertFont, PdfError> {
        Self::from_bytes_with_index(bytes, UMING_CN_FACE_INDEX)
    }

    /// Parses face `face_index` of a font collection (0 for a single font) and
    /// cuts the primary face from it (see the module docs).
    pub fn from_bytes_with_index(bytes: &[u8], face_index: usize) -> Result<CertFont, PdfError> {
        let mut full = Self::parse(bytes, face_index)?;
        let primary = build_primary(bytes, face_index, &full.inner.font)?;
        if let Some(p) = primary {
            let mut primary = Self::parse(&p, 0)?;
            // The primary has no name table (see `build_primary`): the PDF names the
            // font after the full face.
            Arc::get_mut(&mut primary.inner)
                .expect("not shared yet")
                .font
                .font_name = full.inner.font.font_name.clone();
            let parts = plan_parts(&full);
            let inner = Arc::get_mut(&mut full.inner).expect("not shared yet");
            inner.primary = Some(primary);
            // What the primary lacks is cut per document from the full face, as from
            // a fallback (see `check_texts`).
            inner.source = Some(Arc::from(bytes));
            inner.source_index = face_index;
            inner.parts = parts;
        }
        Ok(full)
    }

    /// Parses face `face_index` without cutting a primary face: every document
    /// is then subset from this face (slower for a large font).
    pub fn without_primary(bytes: &[u8], face_index: usize) -> Result<CertFont, PdfError> {
        Self::parse(bytes, face_index)
    }

    fn parse(bytes: &[u8], face_index: usize) -> Result<CertFont, PdfError> {
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
        let known = primary_chars()
            .iter()
            .copied()
            .filter_map(|c| match font.lookup_glyph_index(u32::from(c)) {
                Some(0) | None => None,
                Some(gid) => Some((c, (gid, font.get_horizontal_advance(gid)))),
            })
            .collect();
        Ok(CertFont {
            inner: Arc::new(Inner {
                font,
                units_per_em,
                known,
                primary: None,
                fallbacks: Vec::new(),
                source: None,
                source_index: 0,
                parts: Vec::new(),
            }),
        })
    }

    /// The PostScript name from the font's name table, e.g. `UMingCN`.
    pub fn name(&self) -> Option<&str> {
        self.inner.font.font_name.as_deref()
    }

    /// The face to render `texts` with: the primary face when it has every
    /// character of them (control characters aside), otherwise this full face.
    /// Check the texts against the returned face with [`CertFont::missing_glyphs`].
    pub fn for_texts<'a>(&self, texts: impl IntoIterator<Item = &'a str>) -> &CertFont {
        match &self.inner.primary {
            Some(p)
                if texts
                    .into_iter()
                    .all(|t| t.chars().all(|c| c.is_control() || p.has_glyph(c))) =>
            {
                p
            }
            _ => self,
        }
    }

    /// The primary face cut from this one, if any (see the module docs).
    pub fn primary(&self) -> Option<&CertFont> {
        self.inner.primary.as_ref()
    }

    /// Number of glyphs in this face.
    pub fn glyph_count(&self) -> u16 {
        self.inner.font.num_glyphs
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
        let units = match self.inner.known.get(&c) {
            Some(&(_, adv)) => adv,
            None => match self.glyph(c) {
                Some(gid) => self.inner.font.get_horizontal_advance(gid),
                None => 0,
            },
        };
        f32::from(units) * size_pt / self.inner.units_per_em
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
        if let Some(&(gid, _)) = self.inner.known.get(&c) {
            return Some(gid);
        }
        if c.is_control() {
            return None;
        }
        match self.inner.font.lookup_glyph_index(u32::from(c)) {
            Some(0) | None => None,
            Some(gid) => Some(gid),
        }
    }
}

/// The characters the primary face is cut for: ASCII, Latin-1 punctuation and
/// signs, general punctuation, CJK symbols and punctuation, full-width forms, and
/// everything GB2312 encodes (symbols, full-width forms, kana, Greek, Cyrillic,
/// box drawing, and the 6,763 hanzi of levels 1 and 2), enumerated by decoding
/// every GB2312 double-byte code.
pub fn primary_chars() -> &'static BTreeSet<char> {
    // Decoded once per process; the full face, the primary and their glyph maps use it.
    static CHARS: OnceLock<BTreeSet<char>> = OnceLock::new();
    CHARS.get_or_init(decode_primary_chars)
}

fn decode_primary_chars() -> BTreeSet<char> {
    let mut set: BTreeSet<char> = BTreeSet::new();
    let ranges = [
        (0x20u32, 0x7E),  // ASCII
        (0xA0, 0xFF),     // Latin-1 signs (·, ×, °, ¥ …)
        (0x2010, 0x206F), // general punctuation (—, ‘’“”, …, ‰)
        (0x2100, 0x218F), // letter-like symbols, number forms (№, Ⅰ…Ⅻ)
        (0x2460, 0x24FF), // enclosed numbers (①…)
        (0x3000, 0x303F), // CJK symbols and punctuation (、。〇〔〕《》)
        (0xFF00, 0xFFEF), // full-width forms
    ];
    for (lo, hi) in ranges {
        set.extend((lo..=hi).filter_map(char::from_u32));
    }
    // GB2312 is rows 0xA1..=0xF7 × columns 0xA1..=0xFE of GBK (which encoding_rs
    // decodes); a code GB2312 leaves empty decodes to a private-use character,
    // which is skipped.
    for lead in 0xA1u8..=0xF7 {
        for trail in 0xA1u8..=0xFE {
            let code = [lead, trail];
            let (s, had_errors) = encoding_rs::GBK.decode_without_bom_handling(&code);
            if !had_errors {
                set.extend(
                    s.chars()
                        .filter(|&c| !c.is_control() && !('\u{E000}'..='\u{F8FF}').contains(&c)),
                );
            }
        }
    }
    set
}

/// Cuts the primary face (module docs) from face `face_index` of `bytes`: the
/// glyphs of [`primary_chars`] that the face has, with their advance widths and
/// the same OS/2, post and hinting tables. `None` when it would not be much smaller
/// than the full face. The name table is left out: in UMing it is 22 KB (mostly the
/// licence text, which `fonts/` ships), which every certificate's subset would carry
/// and compress; a PDF names an embedded font in its own dictionaries.
fn build_primary(
    bytes: &[u8],
    face_index: usize,
    full: &ParsedFont,
) -> Result<Option<Vec<u8>>, PdfError> {
    let gids: BTreeSet<u16> = primary_chars()
        .iter()
        .filter_map(|&c| full.lookup_glyph_index(u32::from(c)))
        .filter(|&g| g != 0)
        .collect();
    if gids.len() as f32 > PRIMARY_MAX_SHARE * f32::from(full.num_glyphs) {
        return Ok(None);
    }
    subset_glyphs(bytes, face_index, gids).map(Some)
}

/// Face `face_index` of `bytes` cut to glyphs `gids` (and .notdef), with its
/// metrics and hinting but no name table (see [`build_primary`]).
fn subset_glyphs(
    bytes: &[u8],
    face_index: usize,
    gids: BTreeSet<u16>,
) -> Result<Vec<u8>, PdfError> {
    // Glyph 0 (.notdef) first, as allsorts requires.
    let ids: Vec<u16> = std::iter::once(0).chain(gids).collect();
    let err = |e: &dyn std::fmt::Display| PdfError::Font(format!("cutting a face: {e}"));
    let font_file = ReadScope::new(bytes)
        .read::<FontData<'_>>()
        .map_err(|e| err(&e))?;
    let provider = font_file.table_provider(face_index).map_err(|e| err(&e))?;
    let profile = SubsetProfile::Custom(vec![
        tag::CMAP,
        tag::HEAD,
        tag::HHEA,
        tag::HMTX,
        tag::MAXP,
        tag::OS_2,
        tag::POST,
        tag::CVT,
        tag::FPGM,
        tag::PREP,
    ]);
    allsorts::subset::subset(&provider, &ids, &profile, CmapTarget::Unicode).map_err(|e| err(&e))
}

/// The parts of `face` (see [`Part`]), none when it is small.
fn plan_parts(face: &CertFont) -> Vec<Part> {
    let mut parts: Vec<Part> = Vec::new();
    if usize::from(face.glyph_count()) <= FALLBACK_PART_GLYPHS {
        return parts;
    }
    for cp in fallback_code_points() {
        let Some(gid) = char::from_u32(cp).and_then(|c| face.glyph(c)) else {
            continue;
        };
        match parts.last_mut() {
            Some(p) if p.gids.len() < FALLBACK_PART_GLYPHS => {
                p.hi = cp;
                p.gids.insert(gid);
            }
            _ => parts.push(Part {
                lo: cp,
                hi: cp,
                gids: BTreeSet::from([gid]),
                face: OnceLock::new(),
            }),
        }
    }
    parts
}

/// Where a fallback face's characters are looked for when it is planned in parts: the blocks
/// `scripts/cut-fallback-fonts` keeps (CJK radicals to the unified ideographs, the
/// compatibility ideographs, planes 2 and 3).
fn fallback_code_points() -> impl Iterator<Item = u32> {
    (0x2E80..=0x9FFF)
        .chain(0xF900..=0xFAFF)
        .chain(0x20000..=0x3FFFF)
}

/// Picks the faces to draw `texts` with: the primary or full face
/// ([`CertFont::for_texts`]), then for the characters it lacks the first fallback
/// face that has each, cut to those characters. Refuses text no face can draw,
/// naming the characters.
pub(crate) fn check_texts<'a>(
    font: &CertFont,
    texts: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<CertFont>, PdfError> {
    // The primary face draws what it has; what it lacks but the full face has is
    // cut from the full face like a fallback's (subsetting the whole 20 MB face
    // instead cost ~8 ms per certificate), then the fallbacks.
    let main = font.primary().unwrap_or(font);
    let mut from_full: BTreeSet<char> = BTreeSet::new();
    let mut missing: Vec<char> = Vec::new();
    let mut wanted: Vec<BTreeSet<char>> = vec![BTreeSet::new(); font.fallbacks().len()];
    for t in texts {
        for ch in main.missing_glyphs(t) {
            if ch == '\n' || ch == '\r' {
                continue;
            }
            if !std::ptr::eq(main, font) && font.has_glyph(ch) {
                from_full.insert(ch);
                continue;
            }
            match font.fallbacks().iter().position(|f| f.has_glyph(ch)) {
                Some(k) => {
                    wanted[k].insert(ch);
                }
                None if !missing.contains(&ch) => missing.push(ch),
                None => {}
            }
        }
    }
    if !missing.is_empty() {
        return Err(PdfError::MissingGlyphs {
            chars: name_chars(&missing),
        });
    }
    let mut faces = vec![main.clone()];
    if !from_full.is_empty() {
        faces.push(font.cut(&from_full)?);
    }
    for (face, chars) in font.fallbacks().iter().zip(&wanted) {
        if !chars.is_empty() {
            faces.push(face.cut(chars)?);
        }
    }
    Ok(faces)
}

/// `𠮷(U+20BB7)、U+202E`: each character with its code point, invisible ones by
/// code point only.
pub fn name_chars(chars: &[char]) -> String {
    let named: Vec<String> = chars
        .iter()
        .map(|&ch| {
            if ch.is_control() || ch.is_whitespace() || crate::domain::text::is_bidi_control(ch) {
                format!("U+{:04X}", u32::from(ch))
            } else {
                format!("{ch}(U+{:04X})", u32::from(ch))
            }
        })
        .collect();
    named.join("、")
}

/// Drawn in place of a character no face can draw on a label or manifest row
/// (in GB2312, so the primary face has it).
pub const REPLACEMENT: char = '□';

/// `text` with every character no face of the chain draws (and every control or
/// bidi control character, which would draw nothing or reorder the line)
/// replaced by [`REPLACEMENT`]; adds the replaced characters to `bad`, each once.
/// Labels and manifests print through this instead of failing as a whole.
pub fn printable(font: &CertFont, text: &str, bad: &mut Vec<char>) -> String {
    text.chars()
        .map(|c| {
            if crate::domain::text::is_bidi_control(c) || c.is_control() || !font.chain_has(c) {
                if !bad.contains(&c) {
                    bad.push(c);
                }
                REPLACEMENT
            } else {
                c
            }
        })
        .collect()
}

/// `U+20BB7、U+202E`: code points only, for text that must print whatever they are.
pub fn code_points(chars: &[char]) -> String {
    let named: Vec<String> = chars
        .iter()
        .map(|&c| format!("U+{:04X}", u32::from(c)))
        .collect();
    named.join("、")
}
