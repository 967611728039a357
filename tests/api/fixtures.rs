//! Files for upload tests, generated here: photos (with and without EXIF), a
//! decompression-bomb PNG header, PDFs of any page count, hostile look-alikes.

use std::io::Cursor;

use image::{ImageFormat, Rgb, RgbImage};

/// A photo-like JPEG: left half red, right half blue, with a grey gradient stripe.
pub fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(w, h, |x, y| {
        if y % 50 < 4 {
            let g = (x * 255 / w.max(1)) as u8;
            Rgb([g, g, g])
        } else if x < w / 2 {
            Rgb([220, 20, 20])
        } else {
            Rgb([20, 20, 220])
        }
    });
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), ImageFormat::Jpeg)
        .unwrap();
    out
}

pub fn png(w: u32, h: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(w, h, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .unwrap();
    out
}

/// `jpeg` with an EXIF block (orientation, and GPS coordinates if `gps`) after SOI.
pub fn with_exif(jpeg: &[u8], orientation: u16, gps: bool) -> Vec<u8> {
    let mut t: Vec<u8> = b"II*\0".to_vec();
    t.extend(8u32.to_le_bytes());
    let entry = |t: &mut Vec<u8>, tag: u16, ty: u16, count: u32, value: [u8; 4]| {
        t.extend(tag.to_le_bytes());
        t.extend(ty.to_le_bytes());
        t.extend(count.to_le_bytes());
        t.extend(value);
    };
    // IFD0 at 8: orientation and the GPS IFD pointer (→ 38).
    let n: u16 = if gps { 2 } else { 1 };
    t.extend(n.to_le_bytes());
    let o = orientation.to_le_bytes();
    entry(&mut t, 0x0112, 3, 1, [o[0], o[1], 0, 0]);
    if gps {
        entry(&mut t, 0x8825, 4, 1, 38u32.to_le_bytes());
    }
    t.extend(0u32.to_le_bytes());
    if gps {
        assert_eq!(t.len(), 38);
        t.extend(2u16.to_le_bytes());
        entry(&mut t, 0x0001, 2, 2, *b"N\0\0\0");
        entry(&mut t, 0x0002, 5, 3, 68u32.to_le_bytes());
        t.extend(0u32.to_le_bytes());
        assert_eq!(t.len(), 68);
        for (num, den) in [(43u32, 1u32), (30, 1), (1234, 100)] {
            t.extend(num.to_le_bytes());
            t.extend(den.to_le_bytes());
        }
    }
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend(u16::try_from(2 + 6 + t.len()).unwrap().to_be_bytes());
    app1.extend(b"Exif\0\0");
    app1.extend(t);
    let mut out = jpeg[..2].to_vec();
    out.extend(app1);
    out.extend(&jpeg[2..]);
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend(u32::try_from(data.len()).unwrap().to_be_bytes());
    let mut c = kind.to_vec();
    c.extend(data);
    out.extend(&c);
    out.extend(crc32(&c).to_be_bytes());
}

/// A tiny PNG whose header claims `w`×`h` pixels (a decompression bomb's header).
pub fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(w.to_be_bytes());
    ihdr.extend(h.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]); // 8-bit RGB
    png_chunk(&mut out, b"IHDR", &ihdr);
    // A zlib stream of zeros: it would inflate to the claimed size.
    png_chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    );
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// A valid PDF with `pages` pages (each page object listed once in the page tree).
pub fn pdf(pages: usize) -> Vec<u8> {
    let mut objects: Vec<String> = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".into(),
        String::new(), // the page tree, filled below
        "<< /Length 44 >>\nstream\nBT /F1 12 Tf 72 720 Td (zhengming) Tj ET\nendstream".into(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".into(),
    ];
    let first_page = objects.len() + 1;
    let mut kids = Vec::new();
    for i in 0..pages {
        kids.push(format!("{} 0 R", first_page + i));
        objects.push(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R \
             /Resources << /Font << /F1 4 0 R >> >> >>"
                .into(),
        );
    }
    objects[1] = format!(
        "<< /Type /Pages /Kids [{}] /Count {pages} >>",
        kids.join(" ")
    );
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{o}\nendobj\n", i + 1).bytes());
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).bytes());
    for off in offsets {
        out.extend(format!("{off:010} 00000 n \n").bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .bytes(),
    );
    out
}

/// The pixel at (x, y) of a JPEG.
pub fn pixel(jpeg: &[u8], x: u32, y: u32) -> [u8; 3] {
    let img = image::load_from_memory_with_format(jpeg, ImageFormat::Jpeg)
        .unwrap()
        .into_rgb8();
    img.get_pixel(x, y).0
}

pub fn dimensions(jpeg: &[u8]) -> (u32, u32) {
    image::ImageReader::with_format(Cursor::new(jpeg), ImageFormat::Jpeg)
        .into_dimensions()
        .unwrap()
}

/// Whether a byte string occurs in `hay`.
pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}
