//! Normalising a 12-megapixel phone photo (4000×3000 JPEG): decode, resize to the
//! 2400 px cap (Lanczos3), orient, re-encode, thumbnail.
//!
//! `cargo bench --bench normalise` for the timings. For peak memory, write the photo to
//! a file and normalise it once in a fresh process, so the fixture's own generation
//! does not count: `normalise-* --write photo.jpg`, then
//! `/usr/bin/time -v normalise-* --once photo.jpg`.

use std::io::Cursor;

use criterion::{criterion_group, Criterion};
use image::{ImageFormat, Rgb, RgbImage};
use zhengming::documents::{normalise::normalise, Format, Limits};

/// A photo-like 12 MP JPEG: smooth gradients, fine text-like strokes and noise, so the
/// encoder and the filter do realistic work (a flat colour would flatter both).
fn photo() -> Vec<u8> {
    let (w, h) = (4000u32, 3000u32);
    let mut seed = 0x2545_F491u32;
    let img = RgbImage::from_fn(w, h, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let noise = (seed % 24) as i32 - 12;
        let stroke = (x / 3 + y / 7) % 11 == 0 && (y / 40) % 2 == 0;
        let base = if stroke {
            40
        } else {
            180 + ((x * 60 / w) as i32) - ((y * 40 / h) as i32)
        };
        let v = |d: i32| (base + d + noise).clamp(0, 255) as u8;
        Rgb([v(10), v(0), v(-15)])
    });
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), ImageFormat::Jpeg)
        .expect("encode fixture");
    out
}

fn bench(c: &mut Criterion) {
    let jpeg = photo();
    let limits = Limits::default();
    let n = normalise(&jpeg, Format::Jpeg, &limits).expect("normalises");
    eprintln!(
        "input {} KB (4000×3000) → stored {} KB ({}×{}), thumbnail {} KB",
        jpeg.len() / 1024,
        n.jpeg.len() / 1024,
        n.width,
        n.height,
        n.thumb.len() / 1024
    );
    let mut g = c.benchmark_group("normalise");
    g.sample_size(30);
    g.bench_function("jpeg_12mp", |b| {
        b.iter(|| normalise(&jpeg, Format::Jpeg, &limits).expect("normalises"))
    });
    g.finish();
}

criterion_group!(benches, bench);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, path, ..] = args.as_slice() {
        if flag == "--write" {
            std::fs::write(path, photo()).expect("write photo");
            return;
        }
        if flag == "--once" {
            let jpeg = std::fs::read(path).expect("read photo");
            let n = normalise(&jpeg, Format::Jpeg, &Limits::default()).expect("normalises");
            println!("stored {} bytes ({}×{})", n.jpeg.len(), n.width, n.height);
            return;
        }
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
