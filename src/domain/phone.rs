//! Mainland China mobile number (手机号码): the account name of every user and the
//! address for SMS, so it is normalised to the bare 11 digits once, here.

use std::fmt;

use super::id_number::half_width;
use super::Invalid;

/// An 11-digit mainland mobile number `1[3-9]xxxxxxxxx`, without country code.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// Accepts what people actually type: spaces and dashes (`138-1234-5678`),
    /// full-width digits, and a `+86` / `0086` / `86` country prefix.
    pub fn parse(s: &str) -> Result<Phone, Invalid> {
        let cleaned: String = s
            .chars()
            .map(half_width)
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '\u{2010}'..='\u{2015}'))
            .collect();
        if cleaned.is_empty() {
            return Err(Invalid::new(
                "请输入手机号码",
                "Please enter a mobile number",
            ));
        }
        let digits = strip_country_code(&cleaned)?;
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(Invalid::new(
                "手机号码只能包含数字",
                "A mobile number may contain digits only",
            ));
        }
        if digits.len() != 11 {
            return Err(Invalid::new(
                format!("手机号码应为11位，您输入了{}位", digits.len()),
                format!(
                    "A mobile number has 11 digits; you entered {}",
                    digits.len()
                ),
            ));
        }
        let b = digits.as_bytes();
        if b[0] != b'1' || !(b'3'..=b'9').contains(&b[1]) {
            return Err(Invalid::new(
                "请输入有效的中国大陆手机号码（以13–19开头）",
                "Please enter a valid mainland China mobile number (starting 13–19)",
            ));
        }
        Ok(Phone(digits.to_owned()))
    }

    /// The bare 11 digits, as stored and as sent to the SMS gateway.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form shown on screens, labels and manifests: `138****5678`.
    pub fn masked(&self) -> String {
        // Only ASCII digits are ever stored, so byte slicing is safe.
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

/// Removes an optional `+86`, `0086` or `86` prefix. The bare `86` is only a prefix when
/// 11 digits follow, since no mobile number starts with 86.
fn strip_country_code(s: &str) -> Result<&str, Invalid> {
    if let Some(rest) = s.strip_prefix('+') {
        return rest.strip_prefix("86").ok_or_else(|| {
            Invalid::new(
                "仅支持中国大陆手机号码（+86）",
                "Only mainland China mobile numbers (+86) are supported",
            )
        });
    }
    if let Some(rest) = s.strip_prefix("0086") {
        return Ok(rest);
    }
    match s.strip_prefix("86") {
        Some(rest) if rest.chars().count() == 11 => Ok(rest),
        _ => Ok(s),
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Phone {
    /// Masked: phone numbers are personal data and must not end up in logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

impl AsRef<str> for Phone {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> String {
        Phone::parse(s)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .as_str()
            .to_owned()
    }

    #[test]
    fn accepts_common_spellings() {
        for s in [
            "13812345678",
            " 13812345678 ",
            "138 1234 5678",
            "138-1234-5678",
            "+8613812345678",
            "+86 138 1234 5678",
            "+86-138-1234-5678",
            "008613812345678",
            "8613812345678",
            "１３８１２３４５６７８",
            "138\u{3000}1234\u{3000}5678",
        ] {
            assert_eq!(ok(s), "13812345678", "{s}");
        }
    }

    #[test]
    fn accepts_every_valid_second_digit() {
        for d in 3..=9 {
            let s = format!("1{d}012345678");
            assert_eq!(ok(&s), s);
        }
    }

    #[test]
    fn rejects_bad_prefixes() {
        for s in ["12012345678", "10012345678", "23812345678", "03812345678"] {
            let err = Phone::parse(s).unwrap_err();
            assert!(err.zh.contains("有效"), "{s}: {err}");
        }
        let err = Phone::parse("+85261234567").unwrap_err();
        assert!(err.zh.contains("+86"), "{err}");
    }

    #[test]
    fn rejects_wrong_length() {
        for s in ["1381234567", "138123456789", "+86138123456", "86"] {
            let err = Phone::parse(s).unwrap_err();
            assert!(err.zh.contains("11位"), "{s}: {err}");
        }
    }

    #[test]
    fn rejects_empty() {
        for s in ["", "   ", "--"] {
            assert!(Phone::parse(s).unwrap_err().zh.contains("请输入"));
        }
    }

    #[test]
    fn rejects_letters_and_multibyte_without_panicking() {
        for s in [
            "1381234567a",
            "138一二三四五六七八",
            "😀😀😀😀😀😀😀😀😀😀😀",
            "١٣٨١٢٣٤٥٦٧٨",
            "+😀",
            "+",
            "(138)12345678",
        ] {
            let err = Phone::parse(s).unwrap_err();
            assert!(!err.zh.is_empty() && !err.en.is_empty(), "{s}");
        }
        assert!(Phone::parse("1381234567a").unwrap_err().zh.contains("数字"));
    }

    #[test]
    fn eighty_six_is_only_a_prefix_before_eleven_digits() {
        // 11 digits that happen to start with 86 are not a mobile number either way.
        assert!(Phone::parse("86123456789").is_err());
    }

    #[test]
    fn masked_and_debug() {
        let p = Phone::parse("13812345678").unwrap();
        assert_eq!(p.masked(), "138****5678");
        assert_eq!(p.to_string(), "13812345678");
        let dbg = format!("{p:?}");
        assert_eq!(dbg, "Phone(138****5678)");
        assert!(!dbg.contains("13812345678"));
    }
}
