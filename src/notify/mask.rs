//! Masking personal data before it reaches a log line.

/// `13912345678` → `139****5678`; anything else keeps at most its last 2 characters.
pub fn phone(p: &str) -> String {
    let chars: Vec<char> = p.chars().collect();
    if chars.len() == 11 {
        format!(
            "{}****{}",
            chars[..3].iter().collect::<String>(),
            chars[7..].iter().collect::<String>()
        )
    } else {
        let tail: String = chars[chars.len().saturating_sub(2)..].iter().collect();
        format!("***{tail}")
    }
}

/// `wang@example.cn` → `w***@example.cn`.
pub fn email(e: &str) -> String {
    match e.split_once('@') {
        Some((local, domain)) => {
            format!("{}***@{domain}", local.chars().next().unwrap_or('*'))
        }
        None => "***".into(),
    }
}

/// Masks runs of 11 or more digits (phone or ID numbers, with a trailing X) in free
/// text, keeping the first 3 and last 4.
pub fn digits_in(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        while i < chars.len()
            && (chars[i].is_ascii_digit() || (i > start && matches!(chars[i], 'X' | 'x')))
        {
            i += 1;
        }
        if i == start {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let run = &chars[start..i];
        if run.len() >= 11 {
            out.extend(&run[..3]);
            out.extend(std::iter::repeat_n('*', run.len() - 7));
            out.extend(&run[run.len() - 4..]);
        } else {
            out.extend(run);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_phones_ids_and_emails() {
        assert_eq!(phone("13912345678"), "139****5678");
        assert_eq!(email("wang@example.cn"), "w***@example.cn");
        assert_eq!(
            digits_in("电话13912345678，身份证22240319800101123X，编号ZM2026000123"),
            "电话139****5678，身份证222***********123X，编号ZM2026000123"
        );
    }
}
