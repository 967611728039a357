//! Recognising an upload by its first bytes, never by its name or declared type.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
    Webp,
    Pdf,
}

pub fn sniff(b: &[u8]) -> Option<Format> {
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Format::Jpeg)
    } else if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Format::Png)
    } else if b.len() >= 12 && &b[..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        Some(Format::Webp)
    } else if b.starts_with(b"%PDF-") {
        Some(Format::Pdf)
    } else {
        None
    }
}

/// Whether a JPEG's segment structure runs to its end-of-image marker. The decoder is
/// lenient and would turn a cut-off upload into a half-grey photo; we refuse it instead.
pub fn jpeg_is_complete(b: &[u8]) -> bool {
    let mut i = 2; // after SOI
    loop {
        // Markers may be padded with 0xFF fill bytes.
        while i < b.len() && b[i] == 0xFF && b.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        if i + 1 >= b.len() || b[i] != 0xFF {
            return false;
        }
        let marker = b[i + 1];
        i += 2;
        match marker {
            0xD9 => return true,
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        if i + 1 >= b.len() {
            return false;
        }
        let len = usize::from(u16::from_be_bytes([b[i], b[i + 1]]));
        if len < 2 {
            return false;
        }
        i += len;
        if marker == 0xDA {
            // Entropy-coded data: runs until a marker that is not a stuffed 0x00 or a restart.
            loop {
                if i + 1 >= b.len() {
                    return false;
                }
                if b[i] == 0xFF && b[i + 1] != 0x00 && !(0xD0..=0xD7).contains(&b[i + 1]) {
                    if b[i + 1] == 0xFF {
                        i += 1;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_content() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(Format::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(Format::Png));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(Format::Webp));
        assert_eq!(sniff(b"%PDF-1.7\n"), Some(Format::Pdf));
        for other in [
            &b"<!doctype html><script>"[..],
            b"MZ\x90\0",
            b"\x7fELF",
            b"",
            b"GIF89a",
        ] {
            assert_eq!(sniff(other), None);
        }
    }

    #[test]
    fn jpeg_structure() {
        // SOI, APP0 (len 4), SOS (len 2), data with a stuffed FF 00 and a restart, EOI.
        let ok = [
            0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 1, 2, 0xFF, 0xDA, 0, 2, 9, 0xFF, 0, 8, 0xFF, 0xD0, 7,
            0xFF, 0xD9,
        ];
        assert!(jpeg_is_complete(&ok));
        for cut in 3..ok.len() - 1 {
            assert!(!jpeg_is_complete(&ok[..cut]), "cut at {cut}");
        }
    }
}
