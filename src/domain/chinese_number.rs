//! Chinese numerals for certificate text (九十日, 一百八十日) and dates
//! (二〇二六年十一月二十八日).

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

/// A date the way it is written on an official document:
/// 2026-11-28 → "二〇二六年十一月二十八日" (year digit by digit with 〇,
/// month and day as numbers: 五, 十, 十一, 二十, 二十八, 三十一).
pub fn chinese_date(d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    const YEAR_DIGITS: [char; 10] = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    let mut s = String::new();
    if d.year() < 0 {
        s.push_str("公元前");
    }
    for c in d.year().unsigned_abs().to_string().chars() {
        match c.to_digit(10) {
            Some(n) => s.push(YEAR_DIGITS[n as usize]),
            None => s.push(c),
        }
    }
    s.push('年');
    s.push_str(&chinese_number(d.month()));
    s.push('月');
    s.push_str(&chinese_number(d.day()));
    s.push('日');
    s
}

#[cfg(test)]
mod tests {
    use super::{chinese_date, chinese_number};

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

    fn date(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    #[test]
    fn chinese_dates() {
        assert_eq!(chinese_date(date(2026, 11, 28)), "二〇二六年十一月二十八日");
        assert_eq!(chinese_date(date(2026, 1, 1)), "二〇二六年一月一日");
        assert_eq!(chinese_date(date(2030, 10, 10)), "二〇三〇年十月十日");
        assert_eq!(chinese_date(date(2025, 12, 31)), "二〇二五年十二月三十一日");
        assert_eq!(chinese_date(date(2027, 5, 20)), "二〇二七年五月二十日");
        assert_eq!(chinese_date(date(2027, 2, 15)), "二〇二七年二月十五日");
    }
}
