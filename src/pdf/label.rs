//! The dispatch label stuck on the envelope (A6): tracking number as Code128 bars
//! and as text, recipient, phone (middle digits hidden, as on China's privacy
//! waybills — the courier has the full number in the app), address, sender and a
//! QR code holding the tracking number for the courier's scanner.

use printpdf::{Mm, PdfDocument, PdfPage};

use super::draw::push_text;
use super::draw::{self, PT_PER_MM};
use super::error::PdfError;
use super::faces::DocFaces;
use super::font::check_texts;
use super::font::{code_points, printable, CertFont};
use super::save::{now_unix, save, set_info, DocInfo};
use super::wrap::wrap;

pub struct LabelContent {
    pub tracking_number: String,
    pub recipient: String,
    pub phone: String,
    pub address: String,
    /// The village, to sort envelopes by.
    pub village: String,
    /// Sender: the issuing office.
    pub sender: String,
    pub certificate_number: String,
}

/// Printed on a label some of whose characters no face draws.
pub const HANDWRITE_NOTE: &str = "此面单有无法打印的字（□），请手写收件信息：";

const W_MM: f32 = 105.0;
const H_MM: f32 = 148.0;

/// 13812345678 → 138****5678.
pub fn mask_phone(p: &str) -> String {
    let c: Vec<char> = p.chars().collect();
    if c.len() < 7 {
        return p.to_owned();
    }
    let n = c.len();
    format!(
        "{}****{}",
        c[..3].iter().collect::<String>(),
        c[n - 4..].iter().collect::<String>()
    )
}

pub fn render_label(font: &CertFont, l: &LabelContent) -> Result<Vec<u8>, PdfError> {
    // A character no face draws is printed as a replacement mark and the label
    // says it must be handwritten, rather than the label failing.
    let mut bad = Vec::new();
    let mut clean = |s: &str| printable(font, s, &mut bad);
    let phone = clean(&mask_phone(&l.phone));
    let mut lines = vec![
        format!("收件人：{}", clean(&l.recipient)),
        format!("电话：{phone}"),
        format!("地址：{}", clean(&l.address)),
        format!("村（社区）：{}", clean(&l.village)),
        format!("寄件：{}", clean(&l.sender)),
        format!("证明编号：{}", clean(&l.certificate_number)),
    ];
    if !bad.is_empty() {
        lines.push(format!("{HANDWRITE_NOTE}{}", code_points(&bad)));
    }
    let title = "证明文件专递";
    let faces = check_texts(
        font,
        lines.iter().map(String::as_str).chain([
            title,
            l.tracking_number.as_str(),
            "运单号",
            HANDWRITE_NOTE,
        ]),
    )?;
    let mut doc = PdfDocument::new("投递面单");
    set_info(
        &mut doc,
        &DocInfo {
            title: "投递面单",
            author: l.sender.trim(),
            created_unix: now_unix(),
        },
    );
    let font = &DocFaces::register(&mut doc, faces);
    let (w, h) = (W_MM * PT_PER_MM, H_MM * PT_PER_MM);
    let m = 6.0 * PT_PER_MM;
    let inner = w - 2.0 * m;
    let mut ops = Vec::new();
    let mut y = h - m - 14.0;
    push_text(&mut ops, font, title, 14.0, m, y, 2.0);
    y -= 10.0;

    // Barcode: as wide as fits, modules no wider than 0.5 mm.
    let bars_h = 16.0 * PT_PER_MM;
    let modules = (l.tracking_number.len() * 11 + 35) as f32;
    let module = (inner / modules).min(0.5 * PT_PER_MM);
    y -= bars_h;
    let bw = draw::code128(
        &mut ops,
        &l.tracking_number,
        m + (inner - modules * module) / 2.0,
        y,
        module,
        bars_h,
    )
    .map_err(PdfError::Render)?;
    let _ = bw;
    y -= 14.0;
    let t = format!("运单号 {}", l.tracking_number);
    let tw = font.text_width(&t, 12.0);
    push_text(&mut ops, font, &t, 12.0, m + (inner - tw) / 2.0, y, 0.0);
    y -= 10.0;

    let size = 11.0;
    for (i, line) in lines.iter().enumerate() {
        let s = if i < 3 { size + 1.0 } else { size - 1.5 };
        for wl in wrap(font, line, s, 0.0, inner) {
            y -= s * 1.5;
            push_text(&mut ops, font, &wl.text, s, m, y, 0.0);
        }
        if i == 2 {
            y -= 4.0;
        }
    }
    let q = 26.0 * PT_PER_MM;
    let qy = (y - 6.0).min(m + q);
    if qy - q < m * 0.5 {
        return Err(PdfError::Render("label content too long".into()));
    }
    draw::qr(&mut ops, &l.tracking_number, w - m - q, qy, q).map_err(PdfError::Render)?;
    save(doc, vec![PdfPage::new(Mm(W_MM), Mm(H_MM), ops)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_the_middle_of_a_phone() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("12"), "12");
    }
}
