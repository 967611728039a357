//! The certificate body: a type's template filled with the display strings of a form.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use serde_json::{Map, Value};

use super::{CertificateType, FieldKind, FieldSpec};

impl CertificateType {
    /// Display strings of a normalised form (the `Ok` of [`validate_form`](Self::validate_form))
    /// for the body template: a select shows its Chinese label, a boolean 是 / 否, a date
    /// 2026年3月1日, a decimal without trailing zeros; a textarea loses its final full stop
    /// (templates add their own punctuation). Unknown keys are ignored.
    pub fn template_values(&self, form: &Map<String, Value>) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for field in &self.fields {
            if let Some(v) = form.get(&field.name) {
                out.insert(field.name.clone(), field.display(v));
            }
        }
        out
    }

    /// Replaces the `{name}` placeholders of the body template with `values` (a missing
    /// value renders as nothing); `{{` and `}}` render as literal braces. The
    /// "村（居）民" a template writes after `{village_name}` is worded for the name
    /// (see [`resident_suffix`]), so no suffix is ever doubled.
    pub fn render_body(&self, values: &BTreeMap<String, String>) -> String {
        let mut out = String::with_capacity(self.body_template.len() + 64);
        let mut village: Option<&str> = None;
        for piece in parse_template(&self.body_template) {
            match piece {
                Piece::Literal(s) => match (village.take(), s.strip_prefix(RESIDENT)) {
                    (Some(name), Some(rest)) => {
                        out.push_str(resident_suffix(name));
                        out.push_str(rest);
                    }
                    _ => out.push_str(s),
                },
                Piece::Brace(c) => {
                    village = None;
                    out.push(c);
                }
                Piece::Placeholder(name) => {
                    village = None;
                    if let Some(v) = values.get(name) {
                        out.push_str(v);
                        if name == "village_name" {
                            village = Some(v.as_str());
                        }
                    }
                }
            }
        }
        out
    }

    /// The distinct placeholder names of the body template, in order of first appearance.
    pub fn placeholders(&self) -> Vec<String> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for piece in parse_template(&self.body_template) {
            if let Piece::Placeholder(name) = piece {
                if seen.insert(name) {
                    out.push(name.to_owned());
                }
            }
        }
        out
    }
}

/// What templates write after the village's name: "a villager or resident of".
const RESIDENT: &str = "村（居）民";

/// "村（居）民" worded for a village or community name that may already end in
/// its kind: 致富村 → 致富村村民 (not 致富村村（居）民), 幸福社区 or 幸福居委会 →
/// 幸福社区居民; a bare name keeps both (青龙 → 青龙村（居）民).
pub fn resident_suffix(village_name: &str) -> &'static str {
    let name = village_name.trim_end();
    if name.ends_with('村') {
        "村民"
    } else if ["社区", "居委会", "居民委员会", "居委"]
        .iter()
        .any(|s| name.ends_with(s))
    {
        "居民"
    } else {
        RESIDENT
    }
}

impl FieldSpec {
    fn display(&self, v: &Value) -> String {
        match (self.kind, v) {
            (_, Value::Null) => String::new(),
            (FieldKind::Select, Value::String(s)) => self
                .option(s)
                .map_or_else(|| s.clone(), |o| o.label_zh.clone()),
            (_, Value::Bool(b)) => if *b { "是" } else { "否" }.to_owned(),
            (FieldKind::Date, Value::String(s)) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(|d| format!("{}年{}月{}日", d.year(), d.month(), d.day()))
                .unwrap_or_else(|_| s.clone()),
            (FieldKind::Textarea, Value::String(s)) => s
                .trim_end_matches(['。', '.', '；', ';', '，', ',', ' ', '\n'])
                .to_owned(),
            (_, Value::String(s)) => s.clone(),
            (FieldKind::Decimal, Value::Number(n)) => match n.as_f64() {
                Some(x) => format_decimal(x),
                None => n.to_string(),
            },
            (_, other) => other.to_string(),
        }
    }
}

/// At most two decimals, no trailing zeros: 12000.0 → "12000", 1234.5 → "1234.5".
pub(super) fn format_decimal(x: f64) -> String {
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

enum Piece<'a> {
    Literal(&'a str),
    Brace(char),
    Placeholder(&'a str),
}

/// Splits a template into literal text, escaped braces and `{name}` placeholders (`name`:
/// ASCII letters, digits, `_`). A brace that starts no placeholder is kept literally.
fn parse_template(t: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let b = t.as_bytes();
    let (mut i, mut start) = (0, 0);
    while i < b.len() {
        let c = b[i];
        if c != b'{' && c != b'}' {
            i += 1;
            continue;
        }
        if start < i {
            pieces.push(Piece::Literal(&t[start..i]));
        }
        if b.get(i + 1) == Some(&c) {
            pieces.push(Piece::Brace(c as char));
            i += 2;
        } else if c == b'{' {
            let rest = &t[i + 1..];
            let len = rest
                .bytes()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
                .count();
            if len > 0 && rest.as_bytes().get(len) == Some(&b'}') {
                pieces.push(Piece::Placeholder(&rest[..len]));
                i += len + 2;
            } else {
                pieces.push(Piece::Brace('{'));
                i += 1;
            }
        } else {
            pieces.push(Piece::Brace('}'));
            i += 1;
        }
        start = i;
    }
    if start < b.len() {
        pieces.push(Piece::Literal(&t[start..]));
    }
    pieces
}
