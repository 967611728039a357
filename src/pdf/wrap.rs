//! Line breaking by the font's measured advance widths, for every document that
//! flows text (certificate body, dispatch label, manifest cells).

use std::collections::VecDeque;

use super::faces::DocFaces;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Line {
    pub(crate) text: String,
    /// Natural advance width in points.
    pub(crate) width: f32,
    /// Ended by wrapping (not the paragraph's last line): may be justified.
    pub(crate) wrapped: bool,
}

#[derive(Debug, Clone)]
struct Unit {
    text: String,
    width: f32,
    space: bool,
}

pub(crate) fn is_space(c: char) -> bool {
    c == ' ' || c == '\u{3000}'
}

/// Characters kept together in a run that breaks only when it cannot fit on a
/// line of its own: ASCII letters, digits and punctuation (numbers, IDs, URLs)
/// and other non-CJK letters.
fn is_glue(c: char) -> bool {
    c.is_ascii_graphic() || (c.is_alphanumeric() && u32::from(c) < 0x2E80)
}

/// Must not begin a line (closing punctuation).
pub(crate) fn no_line_start(c: char) -> bool {
    "，。、；：？！）》」』〕】〉’”…—·%,.;:?!)]}".contains(c)
}

/// Must not end a line (opening punctuation).
fn no_line_end(c: char) -> bool {
    "（《「『〔【〈‘“([{".contains(c)
}

fn units(font: &DocFaces, text: &str, size: f32) -> VecDeque<Unit> {
    let mut out = VecDeque::new();
    let mut run = String::new();
    for c in text.chars() {
        if is_glue(c) {
            run.push(c);
            continue;
        }
        if !run.is_empty() {
            let width = font.text_width(&run, size);
            out.push_back(Unit {
                text: std::mem::take(&mut run),
                width,
                space: false,
            });
        }
        out.push_back(Unit {
            text: c.to_string(),
            width: font.advance(c, size),
            space: is_space(c),
        });
    }
    if !run.is_empty() {
        let width = font.text_width(&run, size);
        out.push_back(Unit {
            text: run,
            width,
            space: false,
        });
    }
    out
}

/// Greedy line breaking by measured advance widths. CJK characters break
/// anywhere; runs of ASCII letters/digits/punctuation stay together when they
/// fit on a line, and are broken between characters when they do not; closing
/// punctuation never starts a line and opening punctuation never ends one.
/// The first line is `first_indent` points narrower. No line is wider than its
/// room unless a single character is.
pub(crate) fn wrap(
    font: &DocFaces,
    text: &str,
    size: f32,
    first_indent: f32,
    width: f32,
) -> Vec<Line> {
    const EPS: f32 = 0.01;
    let mut queue = units(font, text, size);
    let mut lines: Vec<Line> = Vec::new();
    let mut cur: Vec<Unit> = Vec::new();
    let mut cur_w = 0.0f32;

    fn finish(lines: &mut Vec<Line>, cur: &mut Vec<Unit>, wrapped: bool) {
        while cur.last().is_some_and(|u| u.space) {
            cur.pop();
        }
        let text: String = cur.iter().map(|u| u.text.as_str()).collect();
        let width = cur.iter().map(|u| u.width).sum();
        lines.push(Line {
            text,
            width,
            wrapped,
        });
        cur.clear();
    }

    while let Some(u) = queue.pop_front() {
        let avail = if lines.is_empty() {
            width - first_indent
        } else {
            width
        };
        if u.space && cur.is_empty() && !lines.is_empty() {
            continue; // no spaces at the start of a wrapped line
        }
        if cur_w + u.width <= avail + EPS {
            cur_w += u.width;
            cur.push(u);
            continue;
        }
        if u.space {
            finish(&mut lines, &mut cur, true);
            cur_w = 0.0;
            continue;
        }
        let chars = u.text.chars().count();
        if chars > 1 && (cur.is_empty() || u.width > width + EPS) {
            // A run that cannot fit on a line: break it between characters.
            for c in u.text.chars().rev() {
                queue.push_front(Unit {
                    text: c.to_string(),
                    width: font.advance(c, size),
                    space: false,
                });
            }
            continue;
        }
        if cur.is_empty() {
            // A single character wider than the line: it gets a line of its own.
            cur.push(u);
            finish(&mut lines, &mut cur, true);
            cur_w = 0.0;
            continue;
        }
        // Break before `u`, carrying characters along to respect punctuation rules.
        let mut carry: Vec<Unit> = Vec::new();
        let starts_bad = u.text.chars().next().is_some_and(no_line_start);
        if starts_bad && cur.len() > 1 && !cur.last().is_some_and(|l| l.space) {
            if let Some(last) = cur.pop() {
                carry.push(last);
            }
        }
        while cur.len() > 1
            && cur
                .last()
                .is_some_and(|l| l.text.chars().last().is_some_and(no_line_end))
        {
            if let Some(last) = cur.pop() {
                carry.insert(0, last);
            }
        }
        finish(&mut lines, &mut cur, true);
        cur_w = 0.0;
        queue.push_front(u);
        for c in carry.into_iter().rev() {
            queue.push_front(c);
        }
    }
    if !cur.is_empty() || lines.is_empty() {
        finish(&mut lines, &mut cur, false);
    }
    lines
}
