//! The courier's daily manifest (A4): every stop of the day grouped by village, in
//! the order of the dispatch list, with an empty column for the signer's name (filled
//! in with the recorded signer once delivered).

use printpdf::{Mm, Op, PdfDocument, PdfPage, Pt, Rect};

use super::draw::push_text;
use super::draw::PT_PER_MM;
use super::error::PdfError;
use super::faces::DocFaces;
use super::font::CertFont;
use super::font::{check_texts, code_points, printable};
use super::save::{now_unix, save, set_info, DocInfo};
use super::wrap::wrap;

pub struct ManifestStop {
    pub tracking_number: String,
    pub recipient: String,
    pub phone: String,
    pub address: String,
    pub status_zh: String,
    pub signer: Option<String>,
}

pub struct ManifestContent {
    pub courier: String,
    pub date_zh: String,
    /// (village name, its stops), in delivery order.
    pub villages: Vec<(String, Vec<ManifestStop>)>,
}

/// Heads the list of rows that need a handwritten label.
pub const HANDWRITE_HEADING: &str = "以下运单有无法打印的字（□），须手写面单";

const SIZE: f32 = 9.5;
const LINE: f32 = SIZE * 1.35;
/// Column widths in mm: 序号, 运单号, 收件人, 电话, 地址, 状态, 签收人签名.
const COLS: [f32; 7] = [10.0, 30.0, 22.0, 24.0, 52.0, 14.0, 28.0];
const HEAD: [&str; 7] = [
    "序号",
    "运单号",
    "收件人",
    "电话",
    "地址",
    "状态",
    "签收人签名",
];

pub fn render_manifest(font: &CertFont, m: &ManifestContent) -> Result<Vec<u8>, PdfError> {
    // A row with a character no face draws is printed with replacement marks and
    // listed at the end as needing a handwritten label; the rest prints as usual.
    let mut title_bad = Vec::new();
    let title = format!(
        "投递清单　投递员：{}　日期：{}",
        printable(font, &m.courier, &mut title_bad),
        printable(font, &m.date_zh, &mut title_bad)
    );
    let mut handwrite: Vec<String> = Vec::new();
    let mut n = 0;
    let villages: Vec<(String, Vec<[String; 7]>)> = m
        .villages
        .iter()
        .map(|(v, stops)| {
            let mut village_bad = Vec::new();
            let v = printable(font, v, &mut village_bad);
            let rows = stops
                .iter()
                .map(|s| {
                    n += 1;
                    let mut bad = village_bad.clone();
                    let mut clean = |t: &str| printable(font, t, &mut bad);
                    let cells = [
                        n.to_string(),
                        clean(&s.tracking_number),
                        clean(&s.recipient),
                        clean(&s.phone),
                        clean(&s.address),
                        clean(&s.status_zh),
                        clean(s.signer.as_deref().unwrap_or("")),
                    ];
                    if !bad.is_empty() {
                        handwrite.push(format!(
                            "{}　运单号 {}　无法打印：{}",
                            n,
                            cells[1],
                            code_points(&bad)
                        ));
                    }
                    cells
                })
                .collect();
            (v, rows)
        })
        .collect();
    let mut texts: Vec<&str> = vec![
        title.as_str(),
        "第页，共0123456789 （件）本页无投递",
        HANDWRITE_HEADING,
    ];
    texts.extend(HEAD);
    for (v, rows) in &villages {
        texts.push(v);
        for r in rows {
            texts.extend(r.iter().map(String::as_str));
        }
    }
    texts.extend(handwrite.iter().map(String::as_str));
    let faces = check_texts(font, texts)?;

    let mut doc = PdfDocument::new("投递清单");
    set_info(
        &mut doc,
        &DocInfo {
            title: "投递清单",
            author: m.courier.trim(),
            created_unix: now_unix(),
        },
    );
    let font = &DocFaces::register(&mut doc, faces);
    let (pw, ph) = (210.0 * PT_PER_MM, 297.0 * PT_PER_MM);
    let margin = 15.0 * PT_PER_MM;
    let widths: Vec<f32> = COLS.iter().map(|c| c * PT_PER_MM).collect();
    let mut pages: Vec<Vec<Op>> = vec![Vec::new()];
    let mut y = ph - margin;

    let header = |ops: &mut Vec<Op>, y: &mut f32| {
        *y -= 16.0;
        push_text(ops, font, &title, 13.0, margin, *y, 0.0);
        *y -= 8.0;
        row(ops, font, margin, y, &widths, &HEAD.map(str::to_owned));
    };
    header(pages.last_mut().expect("page"), &mut y);
    if m.villages.is_empty() {
        y -= 20.0;
        push_text(
            pages.last_mut().expect("page"),
            font,
            "本日无投递",
            12.0,
            margin,
            y,
            0.0,
        );
    }
    for (village, rows) in villages {
        let count = rows.len();
        let mut first = true;
        for c in rows {
            let h = row_height(font, &widths, &c);
            let need = h + if first { 22.0 } else { 0.0 };
            if y - need < margin + 20.0 {
                pages.push(Vec::new());
                y = ph - margin;
                header(pages.last_mut().expect("page"), &mut y);
            }
            let ops = pages.last_mut().expect("page");
            if first {
                y -= 18.0;
                let t = format!("{village}（{count}件）");
                push_text(ops, font, &t, 11.0, margin, y + 4.0, 0.0);
                first = false;
            }
            row(ops, font, margin, &mut y, &widths, &c);
        }
    }
    if !handwrite.is_empty() {
        let lines: Vec<String> =
            std::iter::once(format!("{HANDWRITE_HEADING}（{}件）", handwrite.len()))
                .chain(handwrite)
                .collect();
        for (i, l) in lines.iter().enumerate() {
            let step = if i == 0 { 22.0 } else { LINE + 2.0 };
            if y - step < margin + 20.0 {
                pages.push(Vec::new());
                y = ph - margin;
            }
            y -= step;
            let size = if i == 0 { 11.0 } else { SIZE };
            push_text(
                pages.last_mut().expect("page"),
                font,
                l,
                size,
                margin,
                y,
                0.0,
            );
        }
    }
    let total = pages.len();
    let out = pages
        .into_iter()
        .enumerate()
        .map(|(i, mut ops)| {
            let s = format!("第 {} 页，共 {} 页", i + 1, total);
            let w = font.text_width(&s, 9.0);
            push_text(&mut ops, font, &s, 9.0, (pw - w) / 2.0, margin / 2.0, 0.0);
            PdfPage::new(Mm(210.0), Mm(297.0), ops)
        })
        .collect();
    save(doc, out)
}

fn cell_lines(font: &DocFaces, w: f32, text: &str) -> Vec<String> {
    wrap(font, text, SIZE, 0.0, w - 4.0)
        .into_iter()
        .map(|l| l.text)
        .collect()
}

fn row_height(font: &DocFaces, widths: &[f32], cells: &[String; 7]) -> f32 {
    let lines = cells
        .iter()
        .zip(widths)
        .map(|(c, w)| cell_lines(font, *w, c).len())
        .max()
        .unwrap_or(1)
        .max(2);
    lines as f32 * LINE + 6.0
}

/// One table row with cell borders, top at `y`; moves `y` below it.
fn row(
    ops: &mut Vec<Op>,
    font: &DocFaces,
    left: f32,
    y: &mut f32,
    widths: &[f32],
    cells: &[String; 7],
) {
    let h = row_height(font, widths, cells);
    let mut x = left;
    for (c, w) in cells.iter().zip(widths) {
        ops.push(Op::DrawRectangle {
            rectangle: Rect {
                x: Pt(x),
                y: Pt(*y - h),
                width: Pt(*w),
                height: Pt(h),
                mode: Some(printpdf::PaintMode::Stroke),
                winding_order: None,
            },
        });
        let mut ty = *y - 3.0 - SIZE;
        for l in cell_lines(font, *w, c) {
            push_text(ops, font, &l, SIZE, x + 2.0, ty, 0.0);
            ty -= LINE;
        }
        x += w;
    }
    *y -= h;
}
