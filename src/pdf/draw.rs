//! Vector drawing shared by certificates, labels and manifests: QR codes, Code128
//! bars and the red round seal, all as PDF paths (no images), so they stay sharp
//! when printed and add only a few KB.

use printpdf::{
    Color, CurTransMat, DictItem, LinePoint, Op, PaintMode, Point, Polygon, PolygonRing, Pt, Rect,
    Rgb, TextMatrix, TextRenderingMode, WindingOrder,
};

use super::faces::DocFaces;

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
/// The QR code of `data` (error correction level M) as its width and its modules,
/// row by row. The same code as `qrcode::QrCode::with_error_correction_level`:
/// same encoding, same mask chosen by the same penalty rules — but the mask
/// penalties are scored here on a plain grid; the crate's scoring (a boxed closure
/// per module and pattern) took ~17% of a whole certificate's time.
pub fn qr_modules(data: &str) -> Result<(usize, Vec<qrcode::Color>), String> {
    use qrcode::canvas::{Canvas, MaskPattern};
    let ec_level = qrcode::EcLevel::M;
    let err = |e: qrcode::types::QrError| format!("QR: {e}");
    let bits = qrcode::bits::encode_auto(data.as_bytes(), ec_level).map_err(err)?;
    let version = bits.version();
    let (encoded, ec) =
        qrcode::ec::construct_codewords(&bits.into_bytes(), version, ec_level).map_err(err)?;
    let mut canvas = Canvas::new(version, ec_level);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&encoded, &ec);
    let n = usize::try_from(version.width()).map_err(|e| format!("QR: {e}"))?;
    let mut best: Option<(u16, Vec<qrcode::Color>)> = None;
    for p in [
        MaskPattern::Checkerboard,
        MaskPattern::HorizontalLines,
        MaskPattern::VerticalLines,
        MaskPattern::DiagonalLines,
        MaskPattern::LargeCheckerboard,
        MaskPattern::Fields,
        MaskPattern::Diamonds,
        MaskPattern::Meadow,
    ] {
        let mut c = canvas.clone();
        c.apply_mask(p);
        let colors = c.into_colors();
        let dark: Vec<bool> = colors.iter().map(|&c| c == qrcode::Color::Dark).collect();
        let score = mask_penalty(&dark, n);
        // Strictly lower wins: the first of equal scores, as `min_by_key` keeps.
        if best.as_ref().is_none_or(|(s, _)| score < *s) {
            best = Some((score, colors));
        }
    }
    let (_, colors) = best.expect("eight masks");
    Ok((n, colors))
}

/// The penalty of a masked QR symbol (ISO/IEC 18004 §7.8.3, as the `qrcode` crate
/// computes it, including its quirks, so it picks the same mask): runs of five or
/// more in rows and columns, 2×2 blocks, finder-like 1:1:3:1:1 patterns, and the
/// dark/light balance. `dark` is the `n`×`n` grid row by row.
fn mask_penalty(dark: &[bool], n: usize) -> u16 {
    // Columns are scored as the rows of the transposed grid, so both directions
    // walk contiguous memory.
    let mut columns = vec![false; n * n];
    for (y, row) in dark.chunks_exact(n).enumerate() {
        for (x, &d) in row.iter().enumerate() {
            columns[x * n + y] = d;
        }
    }
    let mut total: u16 = 0;
    let mut finder = [0u16; 2];
    for (grid, finder) in [dark, &columns[..]].into_iter().zip(finder.iter_mut()) {
        for line in grid.chunks_exact(n) {
            let (runs, patterns) = line_penalty(line);
            total += runs;
            *finder += patterns;
        }
    }
    // N2: 2×2 blocks of one colour.
    for pair in dark.windows(2 * n).step_by(n) {
        let (a, b) = pair.split_at(n);
        for x in 0..n - 1 {
            let c = a[x];
            if a[x + 1] == c && b[x] == c && b[x + 1] == c {
                total += 3;
            }
        }
    }
    // N3, per direction; the crate subtracts the three finder patterns' 9 hits.
    for score in finder {
        total = total.wrapping_add(score.wrapping_sub(360));
    }
    // N4: balance.
    let dark_count = dark.iter().filter(|&&d| d).count();
    let ratio = dark_count * 200 / dark.len();
    total.wrapping_add(ratio.abs_diff(100) as u16)
}

/// N1 (runs of five or more of one colour) and N3 (dark-light-dark×3-light-dark not
/// bordered by four light modules on either side) of one row or column.
fn line_penalty(line: &[bool]) -> (u16, u16) {
    // 1:1:3:1:1 as bits, the first module highest.
    const PATTERN: u8 = 0b101_1101;
    let n = line.len();
    let (mut runs, mut patterns) = (0u16, 0u16);
    let mut run = 1u16;
    let mut window = 0u8;
    for (k, &d) in line.iter().enumerate() {
        if k > 0 {
            if d == line[k - 1] {
                run += 1;
            } else {
                if run >= 5 {
                    runs += run - 2;
                }
                run = 1;
            }
        }
        window = ((window << 1) | u8::from(d)) & 0x7F;
        if k >= 6 && window == PATTERN {
            let j = k - 6;
            let dark_before = line[j.saturating_sub(4)..j].contains(&true);
            let dark_after = line[j + 7..(j + 11).min(n)].contains(&true);
            if !dark_before || !dark_after {
                patterns += 40;
            }
        }
    }
    if run >= 5 {
        runs += run - 2;
    }
    (runs, patterns)
}

pub fn qr(ops: &mut Vec<Op>, data: &str, x: f32, top: f32, size: f32) -> Result<(), String> {
    let (n, colors) = qr_modules(data)?;
    let module = size / (n + 8) as f32;
    ops.push(Op::SaveGraphicsState);
    ops.push(Op::SetFillColor { col: rgb(BLACK) });
    // One module is one unit with the origin at the symbol's bottom-left corner, so
    // each run is `x y w 1 re f` in small integers: a third of the content bytes of
    // rectangles in points (bytes the certificate spends its time compressing). Each
    // run is filled on its own: a renderer snaps a lone rectangle to whole pixels, so
    // modules stay crisp at low resolution (filled as one path, poppler smooths their
    // edges and a 200 dpi raster of some codes no longer decodes).
    let bottom = top - (n + 4) as f32 * module;
    ops.push(Op::SetTransformationMatrix {
        matrix: CurTransMat::Raw([module, 0.0, 0.0, module, x + 4.0 * module, bottom]),
    });
    for row in 0..n {
        let y = (n - 1 - row) as i64;
        let mut col = 0;
        while col < n {
            if colors[row * n + col] == qrcode::Color::Dark {
                let start = col;
                while col < n && colors[row * n + col] == qrcode::Color::Dark {
                    col += 1;
                }
                ops.push(raw_op(
                    "re",
                    vec![
                        DictItem::Int(start as i64),
                        DictItem::Int(y),
                        DictItem::Int((col - start) as i64),
                        DictItem::Int(1),
                    ],
                ));
                ops.push(raw_op("f", Vec::new()));
            } else {
                col += 1;
            }
        }
    }
    ops.push(Op::RestoreGraphicsState);
    Ok(())
}

/// A PDF operator printpdf has no typed form for. Written only because `save` turns
/// off printpdf's `secure` option, which would drop it; every operator of our
/// documents is made here from fixed names, never from user text.
fn raw_op(key: &str, value: Vec<DictItem>) -> Op {
    Op::Unknown {
        key: key.to_owned(),
        value,
    }
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
pub fn seal(ops: &mut Vec<Op>, font: &DocFaces, text: &SealText<'_>) {
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
                font,
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
            font,
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
    font: &DocFaces,
    text: &str,
    size: f32,
    x: f32,
    y: f32,
    deg: f32,
) {
    ops.push(Op::StartTextSection);
    font.show(
        ops,
        text,
        size,
        [
            Op::SetCharacterSpacing { multiplier: 0.0 },
            Op::SetTextMatrix {
                matrix: if deg == 0.0 {
                    TextMatrix::Translate(Pt(x), Pt(y))
                } else {
                    TextMatrix::TranslateRotate(Pt(x), Pt(y), deg)
                },
            },
        ],
    );
    ops.push(Op::EndTextSection);
}

/// One line of text at `x`, `baseline`, with character spacing (for justified lines).
pub(crate) fn push_text(
    ops: &mut Vec<Op>,
    font: &DocFaces,
    text: &str,
    size: f32,
    x: f32,
    baseline: f32,
    char_spacing: f32,
) {
    // One text object per line: `SetTextCursor` is a relative move (Td), which
    // is absolute only at the start of a text object. Character spacing (Tc)
    // is part of the graphics state and outlives the text object, so it is set
    // on every line.
    ops.push(Op::StartTextSection);
    font.show(
        ops,
        text,
        size,
        [
            Op::SetCharacterSpacing {
                multiplier: char_spacing,
            },
            Op::SetTextCursor {
                pos: Point {
                    x: Pt(x),
                    y: Pt(baseline),
                },
            },
        ],
    );
    ops.push(Op::EndTextSection);
}

#[cfg(test)]
mod tests {
    use super::qr_modules;

    /// The fast mask scoring picks the same mask, so the same symbol, as the crate.
    #[test]
    fn qr_modules_match_the_qrcode_crate() {
        let token = "v1.".to_owned() + &"AbCdEfGh0123456789_-".repeat(6);
        for data in [
            "ZD2026112800017".to_owned(),
            "https://zm.example.cn/verify/222403100-2026-00001?t=".to_owned() + &token,
            "https://zm.example.cn/verify/222403101-2026-99999?t=".to_owned() + &token[..60],
            "x".repeat(300),
        ] {
            let code =
                qrcode::QrCode::with_error_correction_level(&data, qrcode::EcLevel::M).unwrap();
            let (n, colors) = qr_modules(&data).unwrap();
            assert_eq!(n, code.width(), "{data}");
            assert_eq!(colors, code.to_colors(), "{data}");
        }
    }
}
