//! Per-type certificate layout from `templates/certificates/`: `default.toml`, with
//! `<type code>.toml` laid over it. A new certificate type needs a layout file (and
//! its body text in the type's `body_template`), not code.

use std::collections::BTreeMap;
use std::path::Path;

use figment::providers::{Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

use super::error::PdfError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertLayout {
    /// Title printed at the top; empty: the type's Chinese title.
    pub title: String,
    pub title_size: f32,
    /// Extra space between title characters, in em (reduced if the title would
    /// not fit on one line).
    pub title_spacing_em: f32,
    pub body_size: f32,
    pub line_height: f32,
    /// `{purpose}` is replaced; a certificate without a purpose omits the line.
    pub purpose_line: String,
    /// `{days}` is replaced by the validity in Chinese numerals.
    pub validity_line: String,
    pub qr_caption: String,
    pub qr_size_mm: f32,
    pub seal_diameter_mm: f32,
    /// RGB 0..1 of the seal.
    pub seal_color: [f32; 3],
}

impl Default for CertLayout {
    fn default() -> Self {
        CertLayout {
            title: String::new(),
            title_size: 22.0,
            title_spacing_em: 1.0,
            body_size: 14.0,
            line_height: 1.6,
            purpose_line: "此证明用于：{purpose}。".into(),
            validity_line: "本证明自开具之日起{days}日内有效。".into(),
            qr_caption: "扫码核验真伪".into(),
            qr_size_mm: 28.0,
            seal_diameter_mm: 42.0,
            seal_color: [0.86, 0.08, 0.10],
        }
    }
}

impl CertLayout {
    pub fn purpose(&self, purpose: &str) -> Option<String> {
        let p = purpose.trim().trim_end_matches('。');
        (!p.is_empty()).then(|| self.purpose_line.replace("{purpose}", p))
    }

    pub fn validity(&self, days_zh: &str) -> String {
        self.validity_line.replace("{days}", days_zh)
    }

    fn check(&self, name: &str) -> Result<(), PdfError> {
        let sane = |v: f32, lo: f32, hi: f32| v.is_finite() && v >= lo && v <= hi;
        let ok = sane(self.title_size, 8.0, 48.0)
            && sane(self.title_spacing_em, 0.0, 3.0)
            && sane(self.body_size, 8.0, 24.0)
            && sane(self.line_height, 1.0, 3.0)
            && sane(self.qr_size_mm, 15.0, 50.0)
            && sane(self.seal_diameter_mm, 20.0, 60.0)
            && self.seal_color.iter().all(|c| sane(*c, 0.0, 1.0));
        if ok {
            Ok(())
        } else {
            Err(PdfError::Render(format!(
                "layout {name}: a value is out of range"
            )))
        }
    }
}

/// All layouts, read once at start.
#[derive(Debug, Clone, Default)]
pub struct Layouts {
    default: CertLayout,
    by_type: BTreeMap<String, CertLayout>,
}

impl Layouts {
    /// Reads `<dir>/certificates/default.toml` and every `<code>.toml` beside it.
    pub fn load(templates_dir: &Path) -> Result<Layouts, PdfError> {
        let dir = templates_dir.join("certificates");
        let default_path = dir.join("default.toml");
        if !default_path.is_file() {
            return Err(PdfError::Render(format!(
                "missing certificate layout {}",
                default_path.display()
            )));
        }
        let base = Figment::from(Serialized::defaults(CertLayout::default()))
            .merge(Toml::file(&default_path));
        let default: CertLayout = base
            .extract()
            .map_err(|e| PdfError::Render(format!("{}: {e}", default_path.display())))?;
        default.check("default")?;
        let mut by_type = BTreeMap::new();
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| PdfError::Render(format!("{}: {e}", dir.display())))?;
        for e in entries.flatten() {
            let p = e.path();
            let Some(code) = p.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            if p.extension().and_then(|x| x.to_str()) != Some("toml") || code == "default" {
                continue;
            }
            let l: CertLayout = base
                .clone()
                .merge(Toml::file(&p))
                .extract()
                .map_err(|e| PdfError::Render(format!("{}: {e}", p.display())))?;
            l.check(code)?;
            by_type.insert(code.to_owned(), l);
        }
        Ok(Layouts { default, by_type })
    }

    /// The layout of a type; the default one for a type without its own file.
    pub fn for_type(&self, code: &str) -> &CertLayout {
        self.by_type.get(code).unwrap_or(&self.default)
    }

    pub fn has_type(&self, code: &str) -> bool {
        self.by_type.contains_key(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_layouts_cover_every_seeded_type() {
        let l = Layouts::load(&crate::templates::default_dir()).expect("layouts load");
        for t in crate::domain::cert_type::seed_types() {
            assert!(
                l.has_type(&t.code),
                "templates/certificates/{}.toml",
                t.code
            );
        }
        assert_eq!(
            l.for_type("residence").validity("九十"),
            "本证明自开具之日起九十日内有效。"
        );
        assert_eq!(
            l.for_type("residence").purpose("办理入学。").as_deref(),
            Some("此证明用于：办理入学。")
        );
    }

    #[test]
    fn a_bad_layout_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let c = dir.path().join("certificates");
        std::fs::create_dir_all(&c).unwrap();
        std::fs::write(c.join("default.toml"), "title_size = 2000.0\n").unwrap();
        assert!(Layouts::load(dir.path()).is_err());
        std::fs::write(c.join("default.toml"), "").unwrap();
        std::fs::write(c.join("x.toml"), "no_such_key = 1\n").unwrap();
        assert!(Layouts::load(dir.path()).is_err());
    }
}
