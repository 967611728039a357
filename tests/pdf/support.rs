//! Poppler tools, the QR decoder and the shared font, layouts and keys.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use zhengming::pdf::{CertFont, Layouts};
use zhengming::verify::KeyRing;

pub struct Env {
    pub font: CertFont,
    pub layouts: Layouts,
    pub keys: KeyRing,
}

impl Env {
    pub fn new() -> Env {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        Env {
            font: CertFont::load(&root.join("fonts/uming.ttc")).expect("font"),
            layouts: Layouts::load(&root.join("templates")).expect("layouts"),
            keys: KeyRing::from_seed([9; 32]),
        }
    }
}

fn run(tool: &str, args: &[&str], input: &[u8]) -> Vec<u8> {
    let mut child = Command::new(tool)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("`{tool}` not runnable ({e}): install poppler-utils"));
    let mut stdin = child.stdin.take().unwrap();
    let data = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success(), "{tool} failed");
    out.stdout
}

pub fn pdftotext(pdf: &[u8]) -> String {
    String::from_utf8(run("pdftotext", &["-enc", "UTF-8", "-", "-"], pdf)).unwrap()
}

pub fn pdffonts(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("f.pdf");
    std::fs::write(&p, pdf).unwrap();
    String::from_utf8(run("pdffonts", &[p.to_str().unwrap()], b"")).unwrap()
}

pub fn page_count(pdf: &[u8]) -> usize {
    let info = String::from_utf8(run("pdfinfo", &["-"], pdf)).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo gives the page count")
}

/// The last page (where the QR code is) as an 8-bit grey raster (PGM from pdftoppm).
fn raster(pdf: &[u8], dpi: u32) -> (usize, usize, Vec<u8>) {
    let last = page_count(pdf).to_string();
    let pgm = run(
        "pdftoppm",
        &[
            "-gray",
            "-r",
            &dpi.to_string(),
            "-f",
            &last,
            "-l",
            &last,
            "-",
        ],
        pdf,
    );
    // Header: "P5\n<w> <h>\n255\n"
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while pgm[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while !pgm[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8(pgm[start..i].to_vec()).unwrap());
    }
    assert_eq!(fields[0], "P5");
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let data = pgm[i + 1..].to_vec();
    assert_eq!(data.len(), w * h);
    (w, h, data)
}

pub fn decode_qr(pdf: &[u8]) -> String {
    let (w, h, data) = raster(pdf, 200);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| data[y * w + x]);
    let grids = img.detect_grids();
    let found: Vec<String> = grids
        .iter()
        .filter_map(|g| g.decode().ok().map(|(_, s)| s))
        .collect();
    assert_eq!(found.len(), 1, "exactly one QR code: {found:?}");
    found.into_iter().next().unwrap()
}

/// Keeps a PNG under test-artifacts/ for a person to look at.
pub fn save_png(pdf: &[u8], name: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    let png = run(
        "pdftoppm",
        &["-png", "-r", "110", "-f", "1", "-l", "1", "-"],
        pdf,
    );
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    std::fs::write(dir.join(format!("{name}.pdf")), pdf).unwrap();
}
