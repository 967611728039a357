//! CSV export: UTF-8 with a byte-order mark, so Excel opens Chinese text correctly.

use super::Figures;

const BOM: &str = "\u{feff}";

/// A cell a spreadsheet would take for a formula (`=`, `+`, `-`, `@`, or a tab or
/// carriage return before one) gets a leading `'`, so it is shown as text and never
/// evaluated (CSV injection: a name like `=HYPERLINK(…)` in a supervisor's export).
pub fn neutralise(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// One CSV field, neutralised, then quoted when it holds a separator, quote or line break.
fn field(s: &str) -> String {
    let s = neutralise(s);
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.into_owned()
    }
}

/// A whole CSV document: BOM, header row, then the rows; CRLF line ends (RFC 4180).
pub fn document(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::from(BOM);
    let line = |cells: Vec<String>| cells.iter().map(|c| field(c)).collect::<Vec<_>>().join(",");
    out.push_str(&line(headers.iter().map(|h| (*h).to_owned()).collect()));
    out.push_str("\r\n");
    for r in rows {
        out.push_str(&line(r.clone()));
        out.push_str("\r\n");
    }
    out
}

fn opt(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// Column headers of the figures table (Chinese with the API field name).
pub const FIGURE_HEADERS: [&str; 15] = [
    "分组 key",
    "名称 label",
    "受理 received",
    "办结 finished",
    "出证 issued",
    "平均工作日 avg_working_days",
    "中位工作日 median_working_days",
    "当日办结 same_day",
    "当日办结率 same_day_rate",
    "按时办结 on_time",
    "按时办结率 on_time_rate",
    "超期办结 overdue_finished",
    "在办超期 open_overdue",
    "临近超期 open_at_risk",
    "退回补正率 returned_rate",
];

/// The figures table: each group, then the total.
pub fn figures(groups: &[Figures], total: &Figures) -> String {
    let row = |f: &Figures| {
        vec![
            f.key.clone().unwrap_or_default(),
            f.label.clone(),
            f.received.to_string(),
            f.finished.to_string(),
            f.issued.to_string(),
            opt(f.avg_working_days),
            opt(f.median_working_days),
            f.same_day.to_string(),
            opt(f.same_day_rate),
            f.on_time.to_string(),
            opt(f.on_time_rate),
            f.overdue_finished.to_string(),
            f.open_overdue.to_string(),
            f.open_at_risk.to_string(),
            opt(f.returned_rate),
        ]
    };
    let mut rows: Vec<Vec<String>> = groups.iter().map(row).collect();
    rows.push(row(total));
    document(&FIGURE_HEADERS, &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_header_and_quoting() {
        let doc = document(
            &["编号", "原因"],
            &[vec!["ZM1".into(), "材料不全, 请补\"身份证\"".into()]],
        );
        assert!(doc.starts_with('\u{feff}'));
        let lines: Vec<&str> = doc.trim_start_matches('\u{feff}').split("\r\n").collect();
        assert_eq!(lines[0], "编号,原因");
        assert_eq!(lines[1], "ZM1,\"材料不全, 请补\"\"身份证\"\"\"");
        assert_eq!(lines[2], "");
    }

    #[test]
    fn formula_cells_are_neutralised() {
        for (cell, shown) in [
            (
                "=HYPERLINK(\"http://evil.example\",\"点击\")",
                "'=HYPERLINK(\"\"http://evil.example\"\",\"\"点击\"\")",
            ),
            ("+86 139", "'+86 139"),
            ("-1+2", "'-1+2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1+1", "'\t=1+1"),
            ("\r=1+1", "'\r=1+1"),
        ] {
            let doc = document(&["名称"], &[vec![cell.to_owned()]]);
            let line = doc
                .trim_start_matches('\u{feff}')
                .split_once("\r\n")
                .unwrap()
                .1;
            assert!(
                line.starts_with(shown) || line.starts_with(&format!("\"{shown}")),
                "{cell:?} written as {line:?}"
            );
        }
        // Ordinary text, numbers and rates are untouched.
        assert_eq!(neutralise("雁鸣湖镇"), "雁鸣湖镇");
        assert_eq!(neutralise("0.5"), "0.5");
        assert_eq!(neutralise("a=b"), "a=b");
    }

    #[test]
    fn figures_end_with_the_total() {
        let g = Figures {
            key: Some("222403108".into()),
            label: "雁鸣湖镇".into(),
            received: 3,
            on_time_rate: Some(0.5),
            ..Figures::default()
        };
        let t = Figures {
            label: "合计".into(),
            received: 3,
            ..Figures::default()
        };
        let doc = figures(&[g], &t);
        let lines: Vec<&str> = doc.split("\r\n").collect();
        assert_eq!(
            lines[0].trim_start_matches('\u{feff}').split(',').count(),
            15
        );
        assert!(lines[1].starts_with("222403108,雁鸣湖镇,3,"));
        assert!(lines[1].contains(",0.5,"));
        assert!(lines[2].starts_with(",合计,3,"));
    }
}
