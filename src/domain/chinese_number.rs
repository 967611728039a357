//! Small Chinese numerals for certificate text (九十日, 一百八十日).

const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

/// 0..=9999 in Chinese numerals as written in official text; larger values as digits.
pub fn chinese_number(n: u32) -> String {
    if n >= 10_000 {
        return n.to_string();
    }
    if n == 0 {
        return DIGITS[0].to_owned();
    }
    let parts = [
        (n / 1000, "千"),
        ((n / 100) % 10, "百"),
        ((n / 10) % 10, "十"),
        (n % 10, ""),
    ];
    let mut out = String::new();
    let mut pending_zero = false;
    for (i, (d, unit)) in parts.iter().enumerate() {
        if *d == 0 {
            pending_zero = !out.is_empty();
            continue;
        }
        if pending_zero {
            out.push_str(DIGITS[0]);
            pending_zero = false;
        }
        // 十 rather than 一十 when the number starts with the tens.
        if !(i == 2 && *d == 1 && out.is_empty()) {
            out.push_str(DIGITS[*d as usize]);
        }
        out.push_str(unit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::chinese_number;

    #[test]
    fn official_numerals() {
        for (n, s) in [
            (0, "零"),
            (5, "五"),
            (10, "十"),
            (15, "十五"),
            (30, "三十"),
            (90, "九十"),
            (105, "一百零五"),
            (110, "一百一十"),
            (180, "一百八十"),
            (365, "三百六十五"),
            (1005, "一千零五"),
            (2026, "二千零二十六"),
        ] {
            assert_eq!(chinese_number(n), s, "{n}");
        }
        assert_eq!(chinese_number(12345), "12345");
    }
}
