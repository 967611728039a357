//! Free-text inputs: names, addresses, reasons. Trimmed, bounded, no control characters.

use std::sync::OnceLock;

use super::Invalid;

/// Whether a character can be printed (some face of the certificate font chain
/// has it), set once at startup from the loaded font: the domain does no I/O, so
/// the font's coverage is handed to it as a predicate. Unset (unit tests, tools
/// without a font), only the checks that need no font apply.
type Printable = Box<dyn Fn(char) -> bool + Send + Sync>;
static PRINTABLE: OnceLock<Printable> = OnceLock::new();

/// Sets the coverage predicate (see [`PRINTABLE`]); later calls are ignored (every
/// app a test process starts loads the same font).
pub fn set_printable(f: impl Fn(char) -> bool + Send + Sync + 'static) {
    let _ = PRINTABLE.set(Box::new(f));
}

/// Emoji and their joiners and selectors: no certificate face draws them, and a
/// name or address never needs them.
pub fn is_emoji(c: char) -> bool {
    matches!(c,
        '\u{1F000}'..='\u{1FAFF}' // emoji, pictographs, flags, playing cards
        | '\u{FE0E}' | '\u{FE0F}' // text / emoji presentation selectors
        | '\u{200D}'               // zero-width joiner (emoji sequences)
        | '\u{E0020}'..='\u{E007F}' // tag characters (flag sequences)
    )
}

/// Private-use code points mean something only to the font or input method that
/// made them; a certificate must say what anyone can read.
fn is_private_use(c: char) -> bool {
    matches!(c, '\u{E000}'..='\u{F8FF}' | '\u{F0000}'..='\u{10FFFF}')
}

/// Refuses the first character of `v` that cannot be printed on a certificate,
/// label or manifest (an emoji, a private-use code point, or one no face of the
/// font chain has), naming it and its code point, with what to do instead.
pub fn printable(v: &str, label_zh: &str, label_en: &str) -> Result<(), Invalid> {
    let covered = PRINTABLE.get();
    let bad = v.chars().find(|&c| {
        c != '\n'
            && c != '\t'
            && (is_emoji(c) || is_private_use(c) || covered.is_some_and(|f| !f(c)))
    });
    let Some(c) = bad else { return Ok(()) };
    let code = format!("U+{:04X}", u32::from(c));
    if is_emoji(c) {
        return Err(Invalid::new(
            format!("{label_zh}含有表情符号（{code}），证明上无法打印，请删除"),
            format!("{label_en} contains an emoji ({code}), which cannot be printed on a certificate; remove it"),
        ));
    }
    let shown = if is_private_use(c) {
        String::new()
    } else {
        format!("“{c}”")
    };
    Err(Invalid::new(
        format!("{label_zh}中的字{shown}（{code}）无法打印在证明上：请改用通用写法，并在备注中说明原字"),
        format!("{label_en} contains the character {shown}({code}), which cannot be printed on a certificate: write its common form and note the original in the remarks"),
    ))
}

/// A required single-line text of at most `max` characters.
pub fn required(
    value: &str,
    label_zh: &str,
    label_en: &str,
    max: usize,
) -> Result<String, Invalid> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Invalid::new(
            format!("请填写{label_zh}"),
            format!("{label_en} is required"),
        ));
    }
    if v.chars().count() > max {
        return Err(Invalid::new(
            format!("{label_zh}不能超过{max}个字"),
            format!("{label_en} may have at most {max} characters"),
        ));
    }
    if v.chars().any(is_bidi_control) {
        return Err(Invalid::new(
            format!("{label_zh}含有文字方向控制字符（如U+202E），这类字符会让显示的文字与实际内容不符，请删除后重新填写"),
            format!("{label_en} contains text-direction control characters (such as U+202E), which make the text display differently from what it says; remove them and try again"),
        ));
    }
    if v.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Invalid::new(
            format!("{label_zh}含有无法识别的字符"),
            format!("{label_en} contains characters that are not allowed"),
        ));
    }
    printable(v, label_zh, label_en)?;
    Ok(v.to_owned())
}

/// The Unicode bidirectional embedding, override and isolate controls (U+202A–U+202E,
/// U+2066–U+2069): invisible, they reorder what is displayed, so `张三\u{202e}cod.exe`
/// shows as something else than it is.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A person's name as written on the household register.
pub fn person_name(value: &str) -> Result<String, Invalid> {
    let v = required(value, "姓名", "Name", 30)?;
    if v.contains('\n') {
        return Err(Invalid::new(
            "姓名不能换行",
            "A name cannot contain a line break",
        ));
    }
    Ok(v)
}

/// What a verifier or a courier may see of a person's name: 张*伟, 欧**明, 王*.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => chars[0].to_string(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(person_name("  张三 ").unwrap(), "张三");
        assert!(person_name("   ").is_err());
        assert!(person_name(&"张".repeat(31)).is_err());
        assert!(person_name("张\u{0}三").is_err());
        assert!(person_name("张\n三").is_err());
        assert_eq!(
            person_name("阿卜杜热合曼·买买提").unwrap(),
            "阿卜杜热合曼·买买提"
        );
    }

    #[test]
    fn bidi_controls_are_refused_with_a_message_saying_so() {
        for c in [
            '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}',
        ] {
            let e = person_name(&format!("张三{c}")).unwrap_err();
            assert!(e.zh.contains("文字方向控制字符"), "{c:?}: {}", e.zh);
            assert!(e.en.contains("text-direction control"), "{c:?}: {}", e.en);
            let e = required(&format!("大山村{c}三组"), "地址", "The address", 200).unwrap_err();
            assert!(e.zh.starts_with("地址") && e.en.starts_with("The address"));
        }
        // Neighbours that are ordinary text stay allowed.
        assert!(person_name("阿卜杜热合曼·买买提").is_ok());
        assert!(required("大山村三组\u{2014}12号", "地址", "The address", 200).is_ok());
    }

    #[test]
    fn emoji_and_private_use_characters_are_refused_naming_the_code_point() {
        let e = person_name("张三\u{1F600}").unwrap_err();
        assert!(
            e.zh.contains("表情符号") && e.zh.contains("U+1F600"),
            "{}",
            e.zh
        );
        assert!(
            e.en.contains("emoji") && e.en.contains("U+1F600"),
            "{}",
            e.en
        );
        let e = required("大山村\u{E0A1}三组", "地址", "The address", 200).unwrap_err();
        assert!(
            e.zh.starts_with("地址") && e.zh.contains("U+E0A1"),
            "{}",
            e.zh
        );
        assert!(e.zh.contains("备注"), "a suggestion: {}", e.zh);
        assert!(
            e.en.contains("U+E0A1") && e.en.contains("common form"),
            "{}",
            e.en
        );
        // Symbols GB2312 has stay allowed.
        assert!(required("大山村★三组※", "地址", "The address", 200).is_ok());
    }

    #[test]
    fn required_text_messages_name_the_field() {
        let e = required("", "退回原因", "The reason", 500).unwrap_err();
        assert!(e.zh.contains("退回原因"));
        assert!(e.en.contains("reason"));
    }
}
