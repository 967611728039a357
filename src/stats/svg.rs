//! Charts drawn on the server as SVG strings: no JavaScript, no CDN. A fixed 360-unit
//! wide `viewBox` scaled to the container's width keeps them legible on a 360 px phone.

use std::fmt::Write;

use super::DayCount;

const WIDTH: f64 = 360.0;
const ON_TIME: &str = "#2e7d32";
const LATE: &str = "#e65100";
const BAR: &str = "#1565c0";

/// Escapes text for SVG content and attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn open(height: f64, title: &str) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-label="{t}" font-family="sans-serif" font-size="11"><title>{t}</title>"#,
        t = escape(title)
    )
}

/// The words a daily chart draws besides its figures, in the page's language.
pub struct DailyText<'a> {
    pub title: &'a str,
    /// Legend: the on-time part.
    pub legend_on_time: &'a str,
    /// Legend: the late part.
    pub legend_late: &'a str,
    /// Tooltip of a day: before its finished cases.
    pub day_finished: &'a str,
    /// Tooltip of a day: before its cases finished on time.
    pub day_on_time: &'a str,
    /// Shown when there are no days.
    pub no_data: &'a str,
}

/// Finished cases per day as columns, the on-time part in green and the late part in
/// orange on top, with the on-time share of the period in the legend.
pub fn daily_chart(days: &[DayCount], text: &DailyText) -> String {
    let title = text.title;
    let height = 200.0;
    let (left, top, bottom) = (28.0, 24.0, 176.0);
    let plot_w = WIDTH - left - 6.0;
    let plot_h = bottom - top;
    let mut s = open(height, title);
    let max = days.iter().map(|d| d.finished).max().unwrap_or(0).max(1);
    let finished: u64 = days.iter().map(|d| d.finished).sum();
    let on_time: u64 = days.iter().map(|d| d.on_time).sum();
    let share = if finished > 0 {
        format!("{:.1}%", on_time as f64 * 100.0 / finished as f64)
    } else {
        "—".into()
    };
    let _ = write!(
        s,
        r#"<rect x="{left}" y="6" width="10" height="10" fill="{ON_TIME}"/><text x="{}" y="15">{} {share}</text><rect x="200" y="6" width="10" height="10" fill="{LATE}"/><text x="214" y="15">{}</text>"#,
        left + 14.0,
        escape(text.legend_on_time),
        escape(text.legend_late)
    );
    let _ = write!(
        s,
        r##"<line x1="{left}" y1="{bottom}" x2="{}" y2="{bottom}" stroke="#555"/><text x="{}" y="{}" text-anchor="end">{max}</text><text x="{}" y="{bottom}" text-anchor="end">0</text>"##,
        WIDTH - 6.0,
        left - 3.0,
        top + 8.0,
        left - 3.0
    );
    if days.is_empty() {
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
            WIDTH / 2.0,
            top + plot_h / 2.0,
            escape(text.no_data)
        );
    }
    let n = days.len().max(1) as f64;
    let step = plot_w / n;
    let bar_w = (step * 0.8).max(0.5);
    for (i, d) in days.iter().enumerate() {
        let x = left + step * i as f64 + (step - bar_w) / 2.0;
        let h_all = plot_h * d.finished as f64 / max as f64;
        let h_on = plot_h * d.on_time as f64 / max as f64;
        let _ = write!(
            s,
            r#"<g class="day"><title>{} {} {} {} {}</title><rect class="bar late" x="{x:.2}" y="{:.2}" width="{bar_w:.2}" height="{:.2}" fill="{LATE}"/><rect class="bar on-time" x="{x:.2}" y="{:.2}" width="{bar_w:.2}" height="{h_on:.2}" fill="{ON_TIME}"/></g>"#,
            d.date,
            escape(text.day_finished),
            d.finished,
            escape(text.day_on_time),
            d.on_time,
            bottom - h_all,
            h_all - h_on,
            bottom - h_on,
        );
    }
    if let (Some(first), Some(last)) = (days.first(), days.last()) {
        let _ = write!(
            s,
            r#"<text x="{left}" y="{}">{}</text><text x="{}" y="{}" text-anchor="end">{}</text>"#,
            bottom + 14.0,
            first.date,
            WIDTH - 6.0,
            bottom + 14.0,
            last.date
        );
    }
    s.push_str("</svg>");
    s
}

/// Whether a character is drawn about as wide as it is high (CJK, full-width forms).
fn is_wide(c: char) -> bool {
    matches!(c,
        '\u{1100}'..='\u{115f}'
        | '\u{2e80}'..='\u{a4cf}'
        | '\u{ac00}'..='\u{d7a3}'
        | '\u{f900}'..='\u{faff}'
        | '\u{fe30}'..='\u{fe4f}'
        | '\u{ff00}'..='\u{ff60}'
        | '\u{ffe0}'..='\u{ffe6}'
        | '\u{20000}'..='\u{3fffd}')
}

/// Rough width of `s` at the charts' 11-unit font: wide characters are square, Latin
/// ones a little over half as wide (a generous average, so text rather fits than not).
fn text_width(s: &str) -> f64 {
    s.chars().map(|c| if is_wide(c) { 11.0 } else { 6.5 }).sum()
}

/// `s` cut to at most `max` units wide, ending in "…" when cut.
fn fit(s: &str, max: f64) -> String {
    if text_width(s) <= max {
        return s.to_owned();
    }
    let mut out = String::new();
    let mut w = text_width("…");
    for c in s.chars() {
        let cw = if is_wide(c) { 11.0 } else { 6.5 };
        if w + cw > max {
            break;
        }
        w += cw;
        out.push(c);
    }
    out.push('…');
    out
}

/// Horizontal bars, one row per label (long names stay readable on a phone), with the
/// value written after each bar. `None` values are shown as "—" without a bar. Short
/// labels (Chinese names) stand left of their bars; when one is too long for that
/// column (English type names), every label goes on its own line above its bar.
/// `no_data` is written when there are no rows.
pub fn bar_chart(rows: &[(String, Option<f64>)], title: &str, unit: &str, no_data: &str) -> String {
    let top = 20.0;
    let value_w = 56.0;
    let side_w = 110.0;
    let stacked = rows.iter().any(|r| text_width(&r.0) > side_w - 6.0);
    // (row height, label column width, label baseline, bar top, bar height, value baseline)
    let (row_h, label_w, label_y, bar_y, bar_h, value_y) = if stacked {
        (34.0, 0.0, 13.0, 17.0, 12.0, 27.0)
    } else {
        (22.0, side_w, 15.0, 4.0, 14.0, 15.0)
    };
    let label_max = if stacked { WIDTH } else { side_w - 6.0 };
    let height = top + row_h * rows.len().max(1) as f64 + 6.0;
    let plot_w = WIDTH - label_w - value_w;
    let max = rows
        .iter()
        .filter_map(|r| r.1)
        .fold(0.0_f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let mut s = open(height, title);
    let _ = write!(
        s,
        r#"<text x="0" y="13" font-weight="bold">{}</text>"#,
        escape(title)
    );
    if rows.is_empty() {
        let _ = write!(
            s,
            r#"<text x="0" y="{}">{}</text>"#,
            top + 15.0,
            escape(no_data)
        );
    }
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = top + row_h * i as f64;
        let _ = write!(
            s,
            r#"<text x="0" y="{:.1}">{}</text>"#,
            y + label_y,
            escape(&fit(label, label_max))
        );
        match value {
            Some(v) => {
                let w = (plot_w * v / max).max(1.0);
                let _ = write!(
                    s,
                    r#"<rect class="bar" x="{label_w}" y="{:.1}" width="{w:.2}" height="{bar_h:.1}" fill="{BAR}"><title>{}: {v} {}</title></rect><text x="{:.1}" y="{:.1}">{v}</text>"#,
                    y + bar_y,
                    escape(label),
                    escape(unit),
                    label_w + w + 4.0,
                    y + value_y
                );
            }
            None => {
                let _ = write!(s, r#"<text x="{label_w}" y="{:.1}">—</text>"#, y + value_y);
            }
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    /// Minimal well-formedness check: every element opened is closed in order.
    fn well_formed(svg: &str) -> bool {
        let mut stack: Vec<String> = Vec::new();
        let mut rest = svg;
        while let Some(i) = rest.find('<') {
            rest = &rest[i + 1..];
            let end = rest.find('>').expect("tag closes");
            let tag = &rest[..end];
            rest = &rest[end + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                if stack.pop().as_deref() != Some(name.trim()) {
                    return false;
                }
            } else if !tag.ends_with('/') {
                stack.push(tag.split_whitespace().next().unwrap_or("").to_owned());
            }
        }
        stack.is_empty()
    }

    #[test]
    fn daily_chart_has_a_bar_pair_per_day() {
        let days = vec![
            DayCount {
                date: NaiveDate::from_ymd_opt(2026, 2, 13).unwrap(),
                finished: 4,
                on_time: 3,
            },
            DayCount {
                date: NaiveDate::from_ymd_opt(2026, 2, 14).unwrap(),
                finished: 2,
                on_time: 2,
            },
        ];
        let text = |title| DailyText {
            title,
            legend_on_time: "按时",
            legend_late: "超期",
            day_finished: "办结",
            day_on_time: "按时",
            no_data: "无数据",
        };
        let svg = daily_chart(&days, &text("每日办结 <测试>"));
        assert!(well_formed(&svg), "{svg}");
        assert!(svg.starts_with("<svg") && svg.contains(r#"viewBox="0 0 360 200""#));
        assert_eq!(svg.matches(r#"class="bar on-time""#).count(), 2);
        assert_eq!(svg.matches(r#"class="bar late""#).count(), 2);
        assert!(svg.contains("83.3%"), "5 of 6 on time");
        assert!(svg.contains("&lt;测试&gt;") && !svg.contains("<测试>"));
        assert!(svg.contains("2026-02-13") && svg.contains("2026-02-14"));
        assert!(
            svg.contains("按时 83.3%") && svg.contains(">超期<"),
            "legend: {svg}"
        );
        assert!(svg.contains("2026-02-13 办结 4 按时 3"), "tooltip: {svg}");
        let empty = daily_chart(&[], &text("空"));
        assert!(well_formed(&empty) && empty.contains("无数据"));

        // English words, and no Chinese of the chart's own.
        let en = daily_chart(
            &days,
            &DailyText {
                title: "Finished per day",
                legend_on_time: "On time",
                legend_late: "Late",
                day_finished: "finished",
                day_on_time: "on time",
                no_data: "No data",
            },
        );
        assert!(
            en.contains("On time 83.3%") && en.contains(">Late<"),
            "{en}"
        );
        assert!(en.contains("2026-02-13 finished 4 on time 3"), "{en}");
        assert!(
            !en.chars().any(is_wide),
            "Chinese in the English chart: {en}"
        );
    }

    #[test]
    fn bar_chart_scales_to_the_largest_value() {
        let rows = vec![
            ("雁鸣湖镇".to_owned(), Some(2.0)),
            ("大石头镇".to_owned(), Some(1.0)),
            ("黄泥河镇".to_owned(), None),
        ];
        let svg = bar_chart(&rows, "平均办理工作日", "工作日", "无数据");
        assert!(well_formed(&svg), "{svg}");
        assert_eq!(svg.matches(r#"class="bar""#).count(), 2);
        assert!(
            svg.contains(r#"width="194.00""#),
            "full width for the max: {svg}"
        );
        assert!(svg.contains(r#"width="97.00""#), "half for half");
        assert!(svg.contains("雁鸣湖镇") && svg.contains("—"));
        let empty = bar_chart(&[], "空", "", "No data");
        assert!(well_formed(&empty) && empty.contains("No data"));
    }

    #[test]
    fn long_labels_go_above_their_bars() {
        let rows = vec![
            (
                "Certificate of household financial hardship".to_owned(),
                Some(2.0),
            ),
            ("Residence".to_owned(), Some(1.0)),
            ("A".repeat(80), None),
        ];
        let svg = bar_chart(&rows, "Average working days", "working days", "No data");
        assert!(well_formed(&svg), "{svg}");
        // The whole width but the value column: 360 - 56.
        assert!(svg.contains(r#"width="304.00""#), "{svg}");
        assert!(svg.contains(r#"width="152.00""#), "half for half");
        assert!(svg.contains(">Certificate of household financial hardship<"));
        // Too long even for a line of its own: cut, with an ellipsis.
        assert!(svg.contains(&format!(">{}…<", "A".repeat(54))), "{svg}");
        // Chinese names are cut to the label column instead.
        let cut = fit("黑龙江省某某县某某乡镇", 104.0);
        assert_eq!(cut, "黑龙江省某某县某…");
        assert!(text_width(&cut) <= 104.0);
    }
}
