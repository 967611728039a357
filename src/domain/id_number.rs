//! Resident identity card number (居民身份证号码, GB 11643-1999).
//!
//! An [`IdNumber`] can only be obtained through [`IdNumber::parse`], so holding one
//! proves the number is well-formed: 18 characters, a real birth date and a correct
//! ISO 7064 MOD 11-2 check character. The full number is personal data: `Debug` prints
//! the masked form so it can never leak into logs by accident.

use std::fmt;

use chrono::{NaiveDate, Utc};

use super::Invalid;

/// The check characters indexed by the weighted sum modulo 11 (GB 11643-1999 table).
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// The earliest birth date accepted: nobody alive was born earlier.
const MIN_BIRTH: (i32, u32, u32) = (1900, 1, 1);

/// A valid 18-character resident ID number, stored with an uppercase `X`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

impl IdNumber {
    /// Parses a number typed by a person, checking it against today's date in China.
    pub fn parse(s: &str) -> Result<IdNumber, Invalid> {
        let today = super::calendar::china_date(Utc::now());
        Self::parse_on(s, today)
    }

    /// Like [`IdNumber::parse`] with an explicit "today", so the birth-date rule is
    /// testable and deterministic.
    pub fn parse_on(s: &str, today: NaiveDate) -> Result<IdNumber, Invalid> {
        // Chinese input methods often produce full-width digits; accept them.
        let chars: Vec<char> = s.trim().chars().map(half_width).collect();
        if chars.len() != 18 {
            return Err(Invalid::new(
                format!(
                    "身份证号码应为18位，您输入了{}位，请核对后重新输入",
                    chars.len()
                ),
                format!(
                    "An ID number has 18 characters; you entered {}",
                    chars.len()
                ),
            ));
        }
        let (body, last) = chars.split_at(17);
        let last = last[0].to_ascii_uppercase();
        let body_ok = body.iter().all(char::is_ascii_digit) && body[0] != '0';
        if !body_ok || !(last.is_ascii_digit() || last == 'X') {
            return Err(Invalid::new(
                "身份证号码格式不正确：前17位应为数字，最后一位为数字或X",
                "The ID number is malformed: the first 17 characters must be digits and the last a digit or X",
            ));
        }
        let number: String = body.iter().copied().chain(std::iter::once(last)).collect();
        let birth = birth_date_of(&number).filter(|d| {
            let min = NaiveDate::from_ymd_opt(MIN_BIRTH.0, MIN_BIRTH.1, MIN_BIRTH.2);
            min.is_some_and(|min| *d >= min) && *d <= today
        });
        if birth.is_none() {
            return Err(Invalid::new(
                "身份证号码中的出生日期不正确，请核对后重新输入",
                "The birth date inside the ID number is not a valid date; please check it",
            ));
        }
        if mod11_2_check(&number[..17]) != Some(last) {
            return Err(Invalid::new(
                "身份证号码校验位不正确，请核对后重新输入",
                "The ID number's check character is wrong; please check it",
            ));
        }
        Ok(IdNumber(number))
    }

    /// The full number. Only for storage and for an audited reveal (docs/architecture.md §4, access_log).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The date of birth encoded in characters 7–14.
    pub fn birth_date(&self) -> NaiveDate {
        // Checked in `parse`, so this cannot fail; fall back defensively rather than panic.
        birth_date_of(&self.0).unwrap_or(NaiveDate::MIN)
    }

    /// The form shown on screens and certificates: `110105********002X`.
    pub fn masked(&self) -> String {
        mask_id(&self.0)
    }
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for IdNumber {
    /// Masked on purpose: ID numbers must never reach logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

impl AsRef<str> for IdNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Masks any stored ID-like string for display, without trusting its shape.
///
/// 11 characters or more: the first 6 and last 4 stay, every other character becomes
/// `*` (18 characters → 6 + 8 `*` + 4). 4–10 characters: only the first and last stay.
/// Shorter: everything is masked. Works on characters, so multi-byte input is safe.
pub fn mask_id(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    let (keep_head, keep_tail) = match n {
        11.. => (6, 4),
        4..=10 => (1, 1),
        _ => (0, 0),
    };
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < keep_head || i >= n - keep_tail {
                *c
            } else {
                '*'
            }
        })
        .collect()
}

/// ISO 7064 MOD 11-2 check character for a string of ASCII digits (any length).
///
/// The digit at position `i` counted from the right, starting at 2 (position 1 is the
/// check character itself), has weight `2^(i-1) mod 11`; the check value makes the
/// total ≡ 1 (mod 11) and 10 is written `X`. For 17 digits this is exactly the
/// GB 11643 weight table 7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2. Detects every
/// single-digit error and every adjacent transposition. `None` if `digits` is empty or
/// holds anything but ASCII digits.
pub fn mod11_2_check(digits: &str) -> Option<char> {
    if digits.is_empty() {
        return None;
    }
    let mut sum: u32 = 0;
    let mut weight: u32 = 2;
    for c in digits.chars().rev() {
        let d = c.to_digit(10).filter(|_| c.is_ascii_digit())?;
        sum = (sum + d * weight) % 11;
        weight = (weight * 2) % 11;
    }
    Some(char::from(CHECK_CHARS[sum as usize]))
}

/// Folds full-width ASCII forms (U+FF01–U+FF5E) and the ideographic space to their
/// ASCII equivalents: what a Chinese input method produces for digits and letters.
pub(crate) fn half_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Birth date from characters 7–14 of an ASCII string, if they form a real date.
fn birth_date_of(number: &str) -> Option<NaiveDate> {
    let part = number.get(6..14)?;
    if !part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i32 = part.get(0..4)?.parse().ok()?;
    let month: u32 = part.get(4..6)?.parse().ok()?;
    let day: u32 = part.get(6..8)?.parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
    }

    /// Builds a valid number from 17 digits by appending the check character.
    fn with_check(body17: &str) -> String {
        format!("{body17}{}", mod11_2_check(body17).unwrap())
    }

    /// The table-driven algorithm exactly as printed in GB 11643-1999.
    fn table_check(body17: &str) -> char {
        const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        let sum: u32 = body17
            .chars()
            .zip(W)
            .map(|(c, w)| c.to_digit(10).unwrap() * w)
            .sum();
        char::from(CHECK_CHARS[(sum % 11) as usize])
    }

    #[test]
    fn standard_example_is_valid() {
        let id = IdNumber::parse_on("11010519491231002X", today()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.to_string(), "11010519491231002X");
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
    }

    #[test]
    fn computed_numbers_are_valid() {
        for body in [
            "22240319800101001",
            "44030420000229123",
            "51010219991231456",
            "11010120260301000",
        ] {
            let s = with_check(body);
            let id = IdNumber::parse_on(&s, today()).unwrap();
            assert_eq!(id.as_str(), s);
        }
        // Known published examples.
        assert!(IdNumber::parse_on("110101199003074477", today()).is_ok());
        assert_eq!(mod11_2_check("11010519491231002"), Some('X'));
    }

    #[test]
    fn mod11_2_matches_gb_table_for_17_digits() {
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..2000 {
            let body: String = (0..17)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    char::from(b'0' + (seed % 10) as u8)
                })
                .collect();
            assert_eq!(mod11_2_check(&body), Some(table_check(&body)), "{body}");
        }
    }

    #[test]
    fn mod11_2_rejects_non_digits() {
        assert_eq!(mod11_2_check(""), None);
        assert_eq!(mod11_2_check("12a4"), None);
        assert_eq!(mod11_2_check("１２３"), None);
        assert_eq!(mod11_2_check("٣"), None); // Arabic-Indic digit
    }

    #[test]
    fn wrong_check_character() {
        let err = IdNumber::parse_on("110105194912310021", today()).unwrap_err();
        assert!(err.zh.contains("校验位"), "{err}");
        assert!(err.en.contains("check character"));
    }

    #[test]
    fn lowercase_x_is_accepted_and_stored_upper() {
        let id = IdNumber::parse_on("11010519491231002x", today()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn surrounding_whitespace_is_trimmed() {
        let id = IdNumber::parse_on("  11010519491231002X\n", today()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn full_width_digits_are_folded() {
        let id = IdNumber::parse_on("１１０１０５１９４９１２３１００２Ｘ", today()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn february_30_is_a_bad_date() {
        let s = with_check("11010520010230001");
        let err = IdNumber::parse_on(&s, today()).unwrap_err();
        assert!(err.zh.contains("出生日期"), "{err}");
        // And Feb 29 only in leap years.
        assert!(IdNumber::parse_on(&with_check("11010520000229001"), today()).is_ok());
        assert!(IdNumber::parse_on(&with_check("11010519000229001"), today()).is_err());
        assert!(IdNumber::parse_on(&with_check("11010520011301001"), today()).is_err());
        assert!(IdNumber::parse_on(&with_check("11010520010100001"), today()).is_err());
    }

    #[test]
    fn future_and_too_old_dates_are_bad() {
        let err = IdNumber::parse_on(&with_check("11010520260302001"), today()).unwrap_err();
        assert!(err.zh.contains("出生日期"));
        assert!(IdNumber::parse_on(&with_check("11010520260301001"), today()).is_ok());
        assert!(IdNumber::parse_on(&with_check("11010518991231001"), today()).is_err());
        assert!(IdNumber::parse_on(&with_check("11010519000101001"), today()).is_ok());
    }

    #[test]
    fn wrong_length() {
        for s in ["11010519491231002", "11010519491231002X1", "", "   "] {
            let err = IdNumber::parse_on(s, today()).unwrap_err();
            assert!(err.zh.contains("18位"), "{s}: {err}");
        }
    }

    #[test]
    fn bad_characters() {
        for s in [
            "1101051949123100AX",
            "11010519491231002Y",
            "01010519491231002X",
            "1101 519491231002X",
            "X10105194912310021",
        ] {
            let err = IdNumber::parse_on(s, today()).unwrap_err();
            assert!(err.zh.contains("格式不正确"), "{s}: {err}");
        }
    }

    #[test]
    fn multibyte_input_never_panics() {
        for s in [
            "一二三四五六七八九十一二三四五六七八",
            "11010519491231002é",
            "1101051949123100😀X",
            "😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀",
            "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X",
        ] {
            assert!(IdNumber::parse_on(s, today()).is_err(), "{s}");
            let _ = mask_id(s);
        }
    }

    #[test]
    fn parse_uses_today() {
        assert!(IdNumber::parse("11010519491231002X").is_ok());
        assert!(IdNumber::parse(&with_check("11010529991231001")).is_err());
    }

    #[test]
    fn masking() {
        let id = IdNumber::parse_on("11010519491231002X", today()).unwrap();
        assert_eq!(id.masked(), "110105********002X");
        assert_eq!(mask_id("11010519491231002X"), "110105********002X");
        assert_eq!(mask_id("110105491231002"), "110105*****1002"); // old 15-digit number
        assert_eq!(mask_id("12345678901"), "123456*8901");
        assert_eq!(mask_id("1234567890"), "1********0");
        assert_eq!(mask_id("1234"), "1**4");
        assert_eq!(mask_id("123"), "***");
        assert_eq!(mask_id(""), "");
        assert_eq!(
            mask_id("一二三四五六七八九十一二"),
            "一二三四五六**九十一二"
        );
    }

    #[test]
    fn debug_never_shows_the_full_number() {
        let id = IdNumber::parse_on("11010519491231002X", today()).unwrap();
        let dbg = format!("{id:?}");
        assert!(!dbg.contains("11010519491231002X"), "{dbg}");
        assert!(dbg.contains("110105********002X"));
        let wrapped = format!("{:?}", Some(id));
        assert!(!wrapped.contains("19491231"));
    }

    #[test]
    fn half_width_folding() {
        assert_eq!(half_width('０'), '0');
        assert_eq!(half_width('ｘ'), 'x');
        assert_eq!(half_width('＋'), '+');
        assert_eq!(half_width('\u{3000}'), ' ');
        assert_eq!(half_width('中'), '中');
    }
}
