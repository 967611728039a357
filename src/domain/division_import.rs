//! Reading a list of official division codes (统计用区划代码) as a county's IT officer
//! has it: a CSV `code,name`, UTF-8 or GBK (what Excel on a Chinese Windows saves),
//! with or without a byte-order mark and a header line. Pure: the comparison with the
//! database is `workflow::jurisdictions`.

use std::collections::BTreeMap;

use super::role::Level;
use super::Invalid;

/// One division read from the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DivisionRow {
    /// Line in the file (1-based), to name it in an error.
    pub line: usize,
    /// 6, 9 or 12 digits (a 12-digit code padded with zeros is shortened to its level).
    pub code: String,
    pub name: String,
}

impl DivisionRow {
    pub fn level(&self) -> Level {
        level_of(&self.code)
    }

    /// The code's prefix one level up; `None` for a county.
    pub fn parent(&self) -> Option<&str> {
        parent_of(&self.code)
    }
}

pub fn level_of(code: &str) -> Level {
    match code.len() {
        6 => Level::County,
        9 => Level::Township,
        _ => Level::Village,
    }
}

pub fn parent_of(code: &str) -> Option<&str> {
    match code.len() {
        9 => Some(&code[..6]),
        12 => Some(&code[..9]),
        _ => None,
    }
}

/// The longest name we store (the longest real village names are about 20 characters).
pub const NAME_MAX_CHARS: usize = 50;

/// The file's text: UTF-8 when it is valid UTF-8 (a BOM is dropped), else GBK.
pub fn decode(bytes: &[u8]) -> Result<String, Invalid> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_owned());
    }
    // GB18030 decodes GBK and GB2312 too; a file that is neither fails here rather
    // than loading replacement characters as names.
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(Invalid::new(
            "文件既不是 UTF-8 也不是 GBK 编码的文本，请另存为 CSV（UTF-8 或 GBK）",
            "The file is neither UTF-8 nor GBK text; save it as CSV (UTF-8 or GBK)",
        ));
    }
    Ok(text.into_owned())
}

/// What [`parse`] read: the rows, and how many lines above county level (province,
/// prefecture) it passed over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub rows: Vec<DivisionRow>,
    pub skipped_above_county: usize,
}

/// Reads `code,name` lines. Refuses the whole file at the first bad line, naming it:
/// a code that is not 6/9/12 digits, an empty or overlong name, a code twice.
pub fn parse(text: &str) -> Result<Parsed, Invalid> {
    let mut out = Parsed::default();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        let (code, name) = raw.split_once([',', '，', '\t']).unwrap_or((raw, ""));
        let code = unquote(code);
        let name = unquote(name.split([',', '\t']).next().unwrap_or(""));
        if line == 1 && !code.bytes().all(|b| b.is_ascii_digit()) {
            continue; // a header such as `code,name` or `代码,名称`
        }
        let bad = |zh: &str, en: &str| {
            Invalid::new(
                format!("第 {line} 行（{}）：{zh}，整个文件未导入", shorten(raw)),
                format!("Line {line} ({}): {en}; nothing was imported", shorten(raw)),
            )
        };
        let Some(code) = normalise_code(code) else {
            return Err(bad(
                "代码须为 6、9 或 12 位数字",
                "the code must have 6, 9 or 12 digits",
            ));
        };
        if code.is_empty() {
            out.skipped_above_county += 1;
            continue;
        }
        if name.is_empty() {
            return Err(bad("缺少名称", "the name is missing"));
        }
        if name.chars().count() > NAME_MAX_CHARS || name.chars().any(char::is_control) {
            return Err(bad(
                &format!("名称须为 {NAME_MAX_CHARS} 个字以内的文字"),
                &format!("the name must be text of at most {NAME_MAX_CHARS} characters"),
            ));
        }
        // A name goes on every certificate of its villages: a character no font has
        // would stop them all at issue, so it is refused here, where it is typed.
        if let Err(e) = super::text::printable(name, "名称", "the name") {
            return Err(bad(&e.zh, &e.en));
        }
        if let Some(first) = seen.insert(code.clone(), line) {
            return Err(bad(
                &format!("代码 {code} 与第 {first} 行重复"),
                &format!("the code {code} repeats line {first}"),
            ));
        }
        out.rows.push(DivisionRow {
            line,
            code,
            name: name.to_owned(),
        });
    }
    if out.rows.is_empty() {
        return Err(Invalid::new(
            "文件中没有区划（每行一个：代码,名称）",
            "The file has no divisions (one per line: code,name)",
        ));
    }
    Ok(out)
}

/// A code at its own length: `220421100000` (a township padded to 12 digits) becomes
/// `220421100`, `220421000000` becomes `220421`. `Some("")` for a province or
/// prefecture (`220000`, `220400000000`), which the service does not keep; `None` for
/// anything that is no code.
pub fn normalise_code(code: &str) -> Option<String> {
    if !matches!(code.len(), 6 | 9 | 12) || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut c = code;
    if c.len() == 12 && c.ends_with("000") {
        c = &c[..9];
    }
    if c.len() == 9 && c.ends_with("000") {
        c = &c[..6];
    }
    if c.len() == 6 && c.ends_with("00") {
        return Some(String::new());
    }
    Some(c.to_owned())
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
        .trim()
}

fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_gbk_with_header_and_padded_codes() {
        let text =
            "代码,名称\r\n220421000000,东丰县\r\n220421100000,东丰镇\r\n220421100201,青龙村\r\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let parsed = parse(&decode(&gbk).unwrap()).unwrap();
        let codes: Vec<_> = parsed
            .rows
            .iter()
            .map(|r| (r.code.as_str(), r.name.as_str()))
            .collect();
        assert_eq!(
            codes,
            [
                ("220421", "东丰县"),
                ("220421100", "东丰镇"),
                ("220421100201", "青龙村")
            ]
        );
        assert_eq!(parsed.rows[2].parent(), Some("220421100"));
    }

    #[test]
    fn utf8_bom_and_province_lines() {
        let text = "\u{feff}220000000000,吉林省\n220400,辽源市\n\"220421\",\"东丰县\"\n";
        let parsed = parse(&decode(text.as_bytes()).unwrap()).unwrap();
        assert_eq!(parsed.skipped_above_county, 2);
        assert_eq!(parsed.rows.len(), 1);
        assert_eq!(parsed.rows[0].name, "东丰县");
    }

    #[test]
    fn a_name_with_a_private_use_character_is_refused_by_line() {
        let e = parse("222403,敦化市\n222403108,雁鸣湖\u{E0A1}镇\n").unwrap_err();
        assert!(e.zh.contains("第 2 行") && e.zh.contains("U+E0A1"), "{e}");
        assert!(e.en.contains("Line 2") && e.en.contains("U+E0A1"), "{e}");
    }

    #[test]
    fn a_bad_line_is_named() {
        let e = parse("220421,东丰县\n2204211,坏\n").unwrap_err();
        assert!(e.zh.contains("第 2 行"), "{e}");
        assert!(e.en.contains("Line 2"), "{e}");
        let e = parse("220421,东丰县\n220421,东丰\n").unwrap_err();
        assert!(e.zh.contains("与第 1 行重复"), "{e}");
        let e = parse("220421,\n").unwrap_err();
        assert!(e.en.contains("name is missing"), "{e}");
    }

    #[test]
    fn binary_is_refused() {
        assert!(decode(&[0xff, 0xfe, 0x00, 0x81]).is_err());
    }
}
