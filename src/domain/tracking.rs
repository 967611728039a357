//! Courier tracking number (邮件号) for a dispatch: `ZMD` + 12 random digits + an
//! ISO 7064 MOD 11-2 check character, e.g. `ZMD4821730596152`.
//!
//! The digits come from a CSPRNG so numbers cannot be guessed or enumerated (the public
//! tracking page is keyed by them). The check character catches the typing mistakes a
//! courier makes on a phone keypad: any single wrong digit, any swap of neighbours.

use std::fmt;

use rand::Rng;

use super::id_number::{half_width, mod11_2_check};
use super::Invalid;

/// The project's own prefix, so our numbers never collide with a carrier's.
pub const PREFIX: &str = "ZMD";
/// Number of random digits after the prefix.
const DIGITS: usize = 12;
/// Total length: prefix + digits + check character.
const LEN: usize = PREFIX.len() + DIGITS + 1;

/// A well-formed tracking number, stored uppercase.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TrackingNumber(String);

impl TrackingNumber {
    /// A fresh, unguessable number from the thread-local CSPRNG (reseeded from the OS).
    pub fn generate() -> Self {
        Self::generate_with(&mut rand::thread_rng())
    }

    /// A fresh number from the given generator; pass a CSPRNG outside tests.
    pub fn generate_with(rng: &mut impl Rng) -> Self {
        let mut digits = String::with_capacity(DIGITS);
        // A non-zero first digit keeps every number exactly 12 significant digits.
        digits.push(char::from(b'0' + rng.gen_range(1..=9u8)));
        for _ in 1..DIGITS {
            digits.push(char::from(b'0' + rng.gen_range(0..=9u8)));
        }
        // `digits` is non-empty ASCII digits, so a check character always exists.
        let check = mod11_2_check(&digits).unwrap_or('0');
        TrackingNumber(format!("{PREFIX}{digits}{check}"))
    }

    /// Parses a number typed or scanned by a person: surrounding and embedded spaces
    /// or dashes are ignored, the prefix and check `x` may be lowercase.
    pub fn parse(s: &str) -> Result<TrackingNumber, Invalid> {
        let cleaned: String = s
            .chars()
            .map(half_width)
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let format_err = || {
            Invalid::new(
                "快递单号格式不正确：应为ZMD加13位数字（最后一位也可能是X），共16位",
                "The tracking number is malformed: it is ZMD followed by 13 digits (the last may be X), 16 characters",
            )
        };
        if !cleaned.is_ascii() || cleaned.len() != LEN {
            return Err(format_err());
        }
        // ASCII only from here, so byte slicing cannot split a character.
        let rest = cleaned.strip_prefix(PREFIX).ok_or_else(format_err)?;
        let (digits, check) = rest.split_at(DIGITS);
        let digits_ok = digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0');
        let check_ok = check.bytes().all(|b| b.is_ascii_digit() || b == b'X');
        if !digits_ok || !check_ok {
            return Err(format_err());
        }
        if mod11_2_check(digits).map(String::from).as_deref() != Some(check) {
            return Err(Invalid::new(
                "快递单号校验位不正确，请核对后重新输入",
                "The tracking number's check character is wrong; please check it",
            ));
        }
        Ok(TrackingNumber(cleaned))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TrackingNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for TrackingNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn generated_numbers_parse_back() {
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..1000 {
            let t = TrackingNumber::generate_with(&mut rng);
            let s = t.as_str();
            assert_eq!(s.len(), 16);
            assert!(s.starts_with("ZMD"));
            assert_ne!(s.as_bytes()[3], b'0');
            assert_eq!(TrackingNumber::parse(s).unwrap(), t);
        }
    }

    #[test]
    fn generate_uses_fresh_randomness() {
        let a = TrackingNumber::generate();
        let b = TrackingNumber::generate();
        assert_ne!(a, b);
        assert!(TrackingNumber::parse(a.as_str()).is_ok());
    }

    #[test]
    fn parse_is_lenient_about_case_and_spacing() {
        let digits = "482173059615";
        let check = mod11_2_check(digits).unwrap();
        let canonical = format!("ZMD{digits}{check}");
        for s in [
            canonical.clone(),
            canonical.to_lowercase(),
            format!(" zmd {digits} {check} "),
            format!("Zmd-4821-7305-9615-{check}"),
        ] {
            assert_eq!(
                TrackingNumber::parse(&s).unwrap().as_str(),
                canonical,
                "{s}"
            );
        }
    }

    #[test]
    fn x_check_character_is_handled() {
        // Find a 12-digit body whose check character is X and parse it in both cases.
        let body = (100_000_000_000u64..)
            .map(|n| n.to_string())
            .find(|d| mod11_2_check(d) == Some('X'))
            .unwrap();
        let t = TrackingNumber::parse(&format!("zmd{body}x")).unwrap();
        assert_eq!(t.as_str(), format!("ZMD{body}X"));
        assert_eq!(t.to_string(), t.as_str());
    }

    #[test]
    fn rejects_malformed() {
        for s in [
            "",
            "ZMD",
            "ZMD48217305961",
            "ZMD48217305961530",
            "ZME4821730596153",
            "4821730596153ZMD",
            "ZMD0821730596153",
            "ZMD48217305961Y3",
            "ZMD4821730596１５３x", // becomes too long after folding
            "ZMD48217305961😀",
            "ZMD四八二一七三〇五九六一五三",
            "😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀",
        ] {
            let err = TrackingNumber::parse(s).unwrap_err();
            assert!(err.zh.contains("格式"), "{s}: {err}");
        }
    }

    #[test]
    fn every_single_digit_error_and_adjacent_swap_is_detected() {
        let good = TrackingNumber::generate_with(&mut StdRng::seed_from_u64(42));
        let chars: Vec<char> = good.as_str().chars().collect();
        let alphabet: Vec<char> = "0123456789X".chars().collect();
        let mut tried = 0;
        // Single substitutions in every digit and in the check position.
        for pos in 3..chars.len() {
            for &c in &alphabet {
                if c == chars[pos] || (c == 'X' && pos < chars.len() - 1) {
                    continue;
                }
                let mut bad = chars.clone();
                bad[pos] = c;
                let s: String = bad.into_iter().collect();
                assert!(TrackingNumber::parse(&s).is_err(), "{s} accepted");
                tried += 1;
            }
        }
        // Adjacent transpositions, including the last digit with the check character.
        for pos in 3..chars.len() - 1 {
            if chars[pos] == chars[pos + 1] {
                continue;
            }
            let mut bad = chars.clone();
            bad.swap(pos, pos + 1);
            let s: String = bad.into_iter().collect();
            assert!(TrackingNumber::parse(&s).is_err(), "{s} accepted");
            tried += 1;
        }
        assert!(tried > 100);
    }

    #[test]
    fn wrong_check_message() {
        let good = TrackingNumber::generate_with(&mut StdRng::seed_from_u64(1));
        let mut s = good.as_str().to_owned();
        let last = s.pop().unwrap();
        s.push(if last == '0' { '1' } else { '0' });
        let err = TrackingNumber::parse(&s).unwrap_err();
        assert!(err.zh.contains("校验位"), "{err}");
    }
}
