//! The faces one document draws with: the main face, then the fallback faces it
//! needs (see `font.rs`, "The fallback chain"), each registered with the document
//! and so embedded as its own subset. Layout measures through it and every text
//! operator is split into runs of one face.

use printpdf::{FontId, Op, PdfDocument, PdfFontHandle, Pt, TextItem};

use super::font::CertFont;

pub struct DocFaces {
    /// The main face first; a character is drawn with the first face that has it.
    faces: Vec<(CertFont, FontId)>,
}

impl DocFaces {
    /// Registers `faces` (from `check_texts`, main face first) with `doc`.
    pub(crate) fn register(doc: &mut PdfDocument, faces: Vec<CertFont>) -> DocFaces {
        let faces = faces
            .into_iter()
            .map(|f| {
                let id = doc.add_font(f.parsed());
                (f, id)
            })
            .collect();
        DocFaces { faces }
    }

    /// The main face (the one every document uses).
    pub fn main(&self) -> &CertFont {
        &self.faces[0].0
    }

    fn face_of(&self, c: char) -> usize {
        if self.faces.len() == 1 || self.faces[0].0.has_glyph(c) {
            return 0;
        }
        self.faces
            .iter()
            .position(|(f, _)| f.has_glyph(c))
            .unwrap_or(0)
    }

    /// Horizontal advance of `c` at `size_pt`, in points, from the face that draws it.
    pub fn advance(&self, c: char, size_pt: f32) -> f32 {
        self.faces[self.face_of(c)].0.advance(c, size_pt)
    }

    /// Advance width of a whole string at `size_pt`, in points.
    pub fn text_width(&self, text: &str, size_pt: f32) -> f32 {
        if self.faces.len() == 1 {
            return self.faces[0].0.text_width(text, size_pt);
        }
        text.chars().map(|c| self.advance(c, size_pt)).sum()
    }

    /// `text` as runs of one face each: (font, text) in order.
    fn runs<'t>(&self, text: &'t str) -> Vec<(&FontId, &'t str)> {
        if self.faces.len() == 1 {
            return vec![(&self.faces[0].1, text)];
        }
        let mut out: Vec<(&FontId, &'t str)> = Vec::new();
        let mut start = 0;
        let mut current: Option<usize> = None;
        for (i, c) in text.char_indices() {
            let k = self.face_of(c);
            match current {
                Some(cur) if cur != k => {
                    out.push((&self.faces[cur].1, &text[start..i]));
                    start = i;
                    current = Some(k);
                }
                None => current = Some(k),
                _ => {}
            }
        }
        if let Some(cur) = current {
            out.push((&self.faces[cur].1, &text[start..]));
        }
        out
    }

    /// Appends the operators showing `text` inside an open text object after
    /// `before` (the position and spacing operators): the first face is set before
    /// them, each further run sets its own face.
    pub(crate) fn show(&self, ops: &mut Vec<Op>, text: &str, size: f32, before: [Op; 2]) {
        let runs = self.runs(text);
        let set = |id: &FontId| Op::SetFont {
            font: PdfFontHandle::External(id.clone()),
            size: Pt(size),
        };
        let first = runs.first().map_or(&self.faces[0].1, |r| r.0);
        ops.push(set(first));
        ops.extend(before);
        for (i, (id, run)) in runs.into_iter().enumerate() {
            if i > 0 {
                ops.push(set(id));
            }
            ops.push(Op::ShowText {
                items: vec![TextItem::Text(run.to_owned())],
            });
        }
    }
}
