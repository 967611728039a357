//! Where the service may send a browser back to (`next=` of the language switch and the
//! sign-in page): only a path on this site. Everything else is ignored by the caller,
//! which then goes to `/`.

/// Longest `next` kept; a longer one is not a page of ours.
const MAX_LEN: usize = 2000;

/// `next` as a safe `Location`, if it is a local path: it starts with one `/` (not `//`
/// nor `/\`), has no backslash, and no control, whitespace or invisible formatting
/// character — neither as it stands nor once percent-decoded (`/%09/evil.example`
/// turns into `//evil.example` in a browser that drops the tab). Characters beyond
/// ASCII are percent-encoded, so the answer is always a valid header value.
pub fn local_path(next: &str) -> Option<String> {
    if next.len() > MAX_LEN || !is_local(next) {
        return None;
    }
    // A few rounds catch double encoding (`%2509`) as well.
    let mut decoded = next.to_owned();
    for _ in 0..3 {
        let once = percent_decode(&decoded);
        if once == decoded {
            break;
        }
        if !is_local(&once) {
            return None;
        }
        decoded = once;
    }
    Some(encode_non_ascii(next))
}

fn is_local(s: &str) -> bool {
    let b = s.as_bytes();
    b.first() == Some(&b'/')
        && !matches!(b.get(1), Some(b'/') | Some(b'\\'))
        && !s.chars().any(|c| c == '\\' || forbidden(c))
}

fn forbidden(c: char) -> bool {
    c.is_control()
        || c.is_whitespace()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2069}' | '\u{feff}' | '\u{fffd}')
}

/// `%XX` decoded to bytes (invalid UTF-8 becomes U+FFFD, which is refused).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |x: u8| (x as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn encode_non_ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn local_paths_pass() {
        assert_eq!(local_path("/").as_deref(), Some("/"));
        assert_eq!(local_path("/my").as_deref(), Some("/my"));
        assert_eq!(
            local_path("/track?number=ZM2026000001&phone=139").as_deref(),
            Some("/track?number=ZM2026000001&phone=139")
        );
        assert_eq!(
            local_path("/guide/poverty#docs").as_deref(),
            Some("/guide/poverty#docs")
        );
        // An encoded slash inside a path is still a path.
        assert_eq!(local_path("/a%2Fb").as_deref(), Some("/a%2Fb"));
        // Beyond ASCII: percent-encoded, so the Location header is valid.
        assert_eq!(
            local_path("/track?q=证明").as_deref(),
            Some("/track?q=%E8%AF%81%E6%98%8E")
        );
    }

    #[test]
    fn anything_off_site_or_odd_is_refused() {
        for bad in [
            "",
            "my",
            "//evil.example",
            "///evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/a\\b",
            "https://evil.example",
            "javascript:alert(1)",
            " /my",
            "/\t/evil.example",
            "/my\r\nSet-Cookie: x=1",
            "/my\u{0}",
            "/my page",
            "/my\u{3000}",
            "/\u{202e}gpj.exe",
            "/\u{200b}/evil.example",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn percent_encoded_tricks_are_refused() {
        for bad in [
            "/%09/evil.example",
            "/%2509/evil.example",
            "/%0d%0aSet-Cookie:%20x=1",
            "/%2F/evil.example",
            "/%2f%2fevil.example",
            "/%5Cevil.example",
            "/%20",
            "/%E2%80%AE",
            "/%ff",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn very_long_targets_are_refused() {
        assert_eq!(local_path(&format!("/{}", "a".repeat(3000))), None);
    }
}
