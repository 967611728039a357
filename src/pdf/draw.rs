//! Vector drawing shared by certificates, labels and manifests: QR codes, Code128
//! bars and the red round seal, all as PDF paths (no images), so they stay sharp
//! when printed and add only a few KB.

use printpdf::{
    Color, FontId, LinePoint, Op, PaintMode, PdfFontHandle, Point, Polygon, PolygonRing, Pt, Rect,
    Rgb, TextItem, TextMatrix, TextRenderingMode, WindingOrder,
};

use super::font::CertFont;

pub const PT_PER_MM: f32 = 72.0 / 25.4;

pub fn rgb(c: [f32; 3]) -> Color {
    Color::Rgb(Rgb {
        r: c[0],
        g: c[1],
        b: c[2],
        icc_profile: None,
    })
}

pub const BLACK: [f32; 3] = [0.0, 0.0, 0.0];

fn fill_rect(ops: &mut Vec<Op>, x: f32, y: f32, w: f32, h: f32) {
    ops.push(Op::DrawRectangle {
        rectangle: Rect {
            x: Pt(x),
            y: Pt(y),
            width: Pt(w),
            height: Pt(h),
            mode: Some(PaintMode::Fill),
            winding_order: Some(WindingOrder::NonZero),
        },
    });
}

/// A QR code of `data` with its top-left corner at (`x`, `top`), `size` points
/// square including the 4-module quiet zone. Runs of dark modules in a row are
/// merged into one rectangle to keep the content stream small.
pub fn qr(ops: &mut Vec<Op>, data: &str, x: f32, top: f32, size: f32) -> Result<(), String> {
    let code = qrcode::QrCode::with_error_correction_level(data, qrcode::EcLevel::M)
        .map_err(|e| format!("QR: {e}"))?;
    let n = code.width();
    let colors = code.to_colors();
    let module = size / (n + 8) as f32;
    ops.push(Op::SaveGraphicsState);
    ops.push(Op::SetFillColor { col: rgb(BLACK) });
    for row in 0..n {
        let mut col = 0;
        while col < n {
            if colors[row * n + col] == qrcode::Color::Dark {
                let start = col;
                while col < n && colors[row * n + col] == qrcode::Color::Dark {
                    col += 1;
                }
                let y = top - (row + 4 + 1) as f32 * module;
                fill_rect(
                    ops,
                    x + (start + 4) as f32 * module,
                    y,
                    (col - start) as f32 * module,
                    module,
                );
            } else {
                col += 1;
            }
        }
    }
    ops.push(Op::RestoreGraphicsState);
    Ok(())
}

/// Code128 bars of `data` (set B) from (`x`, `y`) up, `module` points per bar unit.
/// Returns the width drawn.
pub fn code128(
    ops: &mut Vec<Op>,
    data: &str,
    x: f32,
    y: f32,
    module: f32,
    height: f32,
) -> Result<f32, String> {
    let bc = barcoders::sym::code128::Code128::new(format!("\u{0181}{data}"))
        .map_err(|e| format!("Code128: {e}"))?;
    let bits = bc.encode();
    ops.push(Op::SaveGraphicsState);
    ops.push(Op::SetFillColor { col: rgb(BLACK) });
    let mut i = 0;
    while i < bits.len() {
        if bits[i] == 1 {
            let start = i;
            while i < bits.len() && bits[i] == 1 {
                i += 1;
            }
            fill_rect(
                ops,
                x + start as f32 * module,
                y,
                (i - start) as f32 * module,
                height,
            );
        } else {
            i += 1;
        }
    }
    ops.push(Op::RestoreGraphicsState);
    Ok(bits.len() as f32 * module)
}

fn circle(cx: f32, cy: f32, r: f32) -> PolygonRing {
    const N: usize = 96;
    PolygonRing {
        points: (0..N)
            .map(|i| {
                let a = i as f32 / N as f32 * std::f32::consts::TAU;
                LinePoint {
                    p: Point {
                        x: Pt(cx + r * a.cos()),
                        y: Pt(cy + r * a.sin()),
                    },
                    bezier: false,
                }
            })
            .collect(),
    }
}

/// What the seal says, where, and how big.
pub struct SealText<'a> {
    pub centre: (f32, f32),
    pub diameter: f32,
    pub color: [f32; 3],
    /// Along the upper arc, e.g. 敦化市大石头镇人民政府.
    pub office: &'a str,
    /// Straight under the star, e.g. 证明专用章.
    pub caption: &'a str,
}

/// A round official seal centred on (`cx`, `cy`): a ring, the office name along
/// the upper arc (reading clockwise, characters upright towards the rim), a
/// five-pointed star and the caption line under it — text as real text, so it
/// stays searchable, in the seal's colour.
pub fn seal(ops: &mut Vec<Op>, font: &CertFont, font_id: &FontId, text: &SealText<'_>) {
    let (cx, cy) = text.centre;
    let color = text.color;
    let r = text.diameter / 2.0;
    let ring = r * 0.045;
    ops.push(Op::SaveGraphicsState);
    ops.push(Op::SetFillColor { col: rgb(color) });
    ops.push(Op::SetOutlineColor { col: rgb(color) });
    ops.push(Op::SetOutlineThickness { pt: Pt(r * 0.012) });
    ops.push(Op::DrawPolygon {
        polygon: Polygon {
            rings: vec![circle(cx, cy, r), circle(cx, cy, r - ring)],
            mode: PaintMode::Fill,
            winding_order: WindingOrder::EvenOdd,
        },
    });

    // Star: outer radius 0.3 r, inner ratio of a regular pentagram.
    let (ro, ri) = (r * 0.3, r * 0.3 * 0.382);
    let star = PolygonRing {
        points: (0..10)
            .map(|i| {
                let rad = if i % 2 == 0 { ro } else { ri };
                let a = std::f32::consts::FRAC_PI_2 + i as f32 * std::f32::consts::PI / 5.0;
                LinePoint {
                    p: Point {
                        x: Pt(cx + rad * a.cos()),
                        y: Pt(cy + rad * a.sin()),
                    },
                    bezier: false,
                }
            })
            .collect(),
    };
    ops.push(Op::DrawPolygon {
        polygon: Polygon {
            rings: vec![star],
            mode: PaintMode::Fill,
            winding_order: WindingOrder::NonZero,
        },
    });

    // Seal strokes are heavier than printed text: fill and stroke the glyphs.
    ops.push(Op::SetTextRenderingMode {
        mode: TextRenderingMode::FillStroke,
    });

    // Office name along the upper arc: spread over up to 240°, centred on the top.
    let chars: Vec<char> = text.office.chars().collect();
    if !chars.is_empty() {
        let size = (r * 0.27).min(r * 3.0 / chars.len() as f32);
        let baseline_r = r - ring - r * 0.06 - size * 0.85;
        let span = (240f32).min(chars.len() as f32 * 24.0).to_radians();
        let step = if chars.len() > 1 {
            span / (chars.len() - 1) as f32
        } else {
            0.0
        };
        for (i, ch) in chars.iter().enumerate() {
            // Angle clockwise from the top.
            let theta = -span / 2.0 + i as f32 * step;
            let w = font.advance(*ch, size);
            let (s, c) = theta.sin_cos();
            // Baseline centre on the arc, then back along the tangent by half a glyph.
            let bx = cx + baseline_r * s - (w / 2.0) * c;
            let by = cy + baseline_r * c + (w / 2.0) * s;
            text_at(
                ops,
                font_id,
                &ch.to_string(),
                size,
                bx,
                by,
                -theta.to_degrees(),
            );
        }
    }
    if !text.caption.is_empty() {
        let size = r * 0.15;
        let w = font.text_width(text.caption, size);
        text_at(
            ops,
            font_id,
            text.caption,
            size,
            cx - w / 2.0,
            cy - r * 0.58,
            0.0,
        );
    }
    ops.push(Op::RestoreGraphicsState);
}

/// Text at an absolute position, rotated `deg` counter-clockwise about its origin.
pub fn text_at(
    ops: &mut Vec<Op>,
    font_id: &FontId,
    text: &str,
    size: f32,
    x: f32,
    y: f32,
    deg: f32,
) {
    ops.extend([
        Op::StartTextSection,
        Op::SetFont {
            font: PdfFontHandle::External(font_id.clone()),
            size: Pt(size),
        },
        Op::SetCharacterSpacing { multiplier: 0.0 },
        Op::SetTextMatrix {
            matrix: if deg == 0.0 {
                TextMatrix::Translate(Pt(x), Pt(y))
            } else {
                TextMatrix::TranslateRotate(Pt(x), Pt(y), deg)
            },
        },
        Op::ShowText {
            items: vec![TextItem::Text(text.to_string())],
        },
        Op::EndTextSection,
    ]);
}
