//! Rosters other departments keep (issue 16): their CSV files, and what a roster entry
//! says about an application. No I/O: the import and the look-up are in
//! `workflow::rosters`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::id_number::IdNumber;
use super::text;
use super::Invalid;

/// Which roster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RosterKind {
    /// 低保: minimum living allowance.
    Dibao,
    /// 特困: destitute persons supported by the state.
    Tekun,
    /// 户籍: household register extract.
    Hukou,
}

impl RosterKind {
    pub const ALL: [RosterKind; 3] = [RosterKind::Dibao, RosterKind::Tekun, RosterKind::Hukou];

    pub fn as_str(self) -> &'static str {
        match self {
            RosterKind::Dibao => "dibao",
            RosterKind::Tekun => "tekun",
            RosterKind::Hukou => "hukou",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            RosterKind::Dibao => "低保名册",
            RosterKind::Tekun => "特困人员名册",
            RosterKind::Hukou => "户籍信息",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            RosterKind::Dibao => "dibao roster",
            RosterKind::Tekun => "tekun roster",
            RosterKind::Hukou => "household register",
        }
    }

    pub fn parse(s: &str) -> Result<RosterKind, Invalid> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                Invalid::new(
                    "名册种类应为 dibao（低保）、tekun（特困）或 hukou（户籍）",
                    "The roster kind must be dibao, tekun or hukou",
                )
            })
    }

    /// The header row, in this order.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            RosterKind::Dibao => &[
                "name",
                "id_number",
                "dibao_number",
                "category",
                "people",
                "monthly_amount",
                "since",
            ],
            RosterKind::Tekun => &["name", "id_number", "tekun_number", "category", "since"],
            RosterKind::Hukou => &[
                "id_number",
                "name",
                "village_code",
                "household_head",
                "relation",
            ],
        }
    }
}

/// One checked row: the person, and the kind's other columns (`data`) as text.
#[derive(Debug, Clone, PartialEq)]
pub struct RosterRow {
    pub id_number: IdNumber,
    pub name: String,
    /// Hukou only: the 12-digit village the person is registered in.
    pub village_code: Option<String>,
    pub data: BTreeMap<String, String>,
}

/// A roster file as text: UTF-8 (with or without a byte-order mark) or, failing that,
/// GBK, which spreadsheets on Chinese Windows save.
pub fn decode(bytes: &[u8]) -> Result<String, Invalid> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_owned());
    }
    let (s, had_errors) = encoding_rs::GBK.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(Invalid::new(
            "文件既不是 UTF-8 也不是 GBK 编码的文本，请另存为 CSV（UTF-8）后重试",
            "The file is neither UTF-8 nor GBK text; save it as CSV (UTF-8) and try again",
        ));
    }
    Ok(s.into_owned())
}

/// Splits one CSV line: commas, fields in double quotes may hold commas and `""`.
fn split_line(line: &str) -> Result<Vec<String>, ()> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cur.push(c),
            (false, '"') if cur.trim().is_empty() => {
                cur.clear();
                quoted = true;
            }
            (false, ',') => out.push(std::mem::take(&mut cur)),
            (false, c) => cur.push(c),
        }
    }
    if quoted {
        return Err(());
    }
    out.push(cur);
    Ok(out.into_iter().map(|s| s.trim().to_owned()).collect())
}

fn row_error(line: usize, e: &Invalid) -> Invalid {
    Invalid::new(
        format!("第{line}行：{}。整个文件未导入", e.zh),
        format!("Line {line}: {}. Nothing was imported", e.en),
    )
}

/// Checks a whole file: the header must name the kind's columns (in any order), every
/// row must be valid and every ID number appear once. The first bad row refuses the
/// file, named by its line (the header is line 1).
pub fn parse_rows(kind: RosterKind, text: &str) -> Result<Vec<RosterRow>, Invalid> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim().is_empty());
    let expected = kind.columns();
    let header = match lines.next() {
        Some((_, h)) => split_line(h).unwrap_or_default(),
        None => Vec::new(),
    };
    let mut index = BTreeMap::new();
    for (i, h) in header.iter().enumerate() {
        index.insert(h.as_str(), i);
    }
    if header.len() != expected.len() || expected.iter().any(|c| !index.contains_key(c)) {
        return Err(Invalid::new(
            format!("第1行（表头）应为：{}", expected.join(",")),
            format!("Line 1 (the header) must be: {}", expected.join(",")),
        ));
    }
    let mut rows = Vec::new();
    let mut seen = BTreeMap::new();
    for (line, raw) in lines {
        let cells = split_line(raw).map_err(|()| {
            row_error(
                line,
                &Invalid::new("引号不成对", "a quoted field is not closed"),
            )
        })?;
        if cells.len() != expected.len() {
            return Err(row_error(
                line,
                &Invalid::new(
                    format!("应有{}列，实有{}列", expected.len(), cells.len()),
                    format!("expected {} columns, found {}", expected.len(), cells.len()),
                ),
            ));
        }
        let by_name: BTreeMap<&str, &str> = expected
            .iter()
            .map(|c| (*c, cells[index[c]].as_str()))
            .collect();
        let row = parse_row(kind, &by_name).map_err(|e| row_error(line, &e))?;
        if let Some(first) = seen.insert(row.id_number.as_str().to_owned(), line) {
            return Err(row_error(
                line,
                &Invalid::new(
                    format!("身份证号码与第{first}行重复"),
                    format!("the ID number is the same as on line {first}"),
                ),
            ));
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(Invalid::new(
            "文件中没有名册数据",
            "The file holds no roster rows",
        ));
    }
    Ok(rows)
}

fn column_err(col: &str, e: Invalid) -> Invalid {
    Invalid::new(format!("{col}：{}", e.zh), format!("{col}: {}", e.en))
}

fn parse_row(kind: RosterKind, cells: &BTreeMap<&str, &str>) -> Result<RosterRow, Invalid> {
    let cell = |name: &str| cells.get(name).copied().unwrap_or("");
    let name = text::person_name(cell("name")).map_err(|e| column_err("name", e))?;
    let id_number = IdNumber::parse(cell("id_number")).map_err(|e| column_err("id_number", e))?;
    let mut data = BTreeMap::new();
    let mut village_code = None;
    let short = |col: &str| {
        text::required(cell(col), col, col, 40)
            .map_err(|e| column_err(col, e))
            .and_then(|v| {
                if v.contains('\n') {
                    Err(column_err(col, Invalid::new("不能换行", "no line breaks")))
                } else {
                    Ok(v)
                }
            })
    };
    let date = |col: &str| {
        NaiveDate::parse_from_str(cell(col), "%Y-%m-%d")
            .map(|d| d.to_string())
            .map_err(|_| {
                column_err(
                    col,
                    Invalid::new("日期应写作 2026-01-31", "a date is written 2026-01-31"),
                )
            })
    };
    match kind {
        RosterKind::Dibao => {
            data.insert("dibao_number".into(), short("dibao_number")?);
            data.insert("category".into(), short("category")?);
            let people: u32 = cell("people")
                .parse()
                .ok()
                .filter(|n| (1..=20).contains(n))
                .ok_or_else(|| {
                    column_err(
                        "people",
                        Invalid::new("应为1到20的整数", "must be a whole number from 1 to 20"),
                    )
                })?;
            data.insert("people".into(), people.to_string());
            let amount: f64 = cell("monthly_amount")
                .parse()
                .ok()
                .filter(|a: &f64| a.is_finite() && *a >= 0.0 && *a <= 100_000.0)
                .ok_or_else(|| {
                    column_err(
                        "monthly_amount",
                        Invalid::new("应为0到100000的金额", "must be an amount from 0 to 100000"),
                    )
                })?;
            data.insert("monthly_amount".into(), amount.to_string());
            data.insert("since".into(), date("since")?);
        }
        RosterKind::Tekun => {
            data.insert("tekun_number".into(), short("tekun_number")?);
            data.insert("category".into(), short("category")?);
            data.insert("since".into(), date("since")?);
        }
        RosterKind::Hukou => {
            let v = cell("village_code");
            if v.len() != 12 || !v.bytes().all(|b| b.is_ascii_digit()) {
                return Err(column_err(
                    "village_code",
                    Invalid::new("应为12位村级区划代码", "must be a 12-digit village code"),
                ));
            }
            village_code = Some(v.to_owned());
            data.insert(
                "household_head".into(),
                text::person_name(cell("household_head"))
                    .map_err(|e| column_err("household_head", e))?,
            );
            data.insert("relation".into(), short("relation")?);
        }
    }
    Ok(RosterRow {
        id_number,
        name,
        village_code,
        data,
    })
}

/// What a certificate type takes from a roster (the catalogue's optional `roster`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RosterRule {
    pub kind: RosterKind,
    /// "Instant when the roster confirms": the system approves and issues at submit.
    #[serde(default)]
    pub instant: bool,
    /// A roster older than this (from its as-of date) confirms nothing.
    pub max_age_days: u32,
    /// Form field → roster column, filled from the roster.
    #[serde(default)]
    pub fills: BTreeMap<String, String>,
    /// Form field → value set when the roster confirms (e.g. `permanent_resident: true`).
    #[serde(default)]
    pub sets: BTreeMap<String, Value>,
    /// Document kinds the roster proves: not required when it confirms.
    #[serde(default)]
    pub proves_documents: Vec<String>,
    /// The person must be registered in the application's village (hukou).
    #[serde(default)]
    pub same_village: bool,
}

/// A roster entry as found for a case's subject.
pub struct Found<'a> {
    pub name: &'a str,
    pub village_code: Option<&'a str>,
    pub as_of: NaiveDate,
}

/// Why a roster did not confirm a case, or that it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Confirmed and the type is instant: the system approves.
    Instant,
    /// Confirmed: form filled, documents proven, an official still reviews.
    Confirmed,
    NotFound,
    NameDiffers,
    Stale,
    OtherVillage,
    /// No roster of this kind was imported for the county.
    NoRoster,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Instant => "instant",
            Outcome::Confirmed => "confirmed",
            Outcome::NotFound => "not_found",
            Outcome::NameDiffers => "name_differs",
            Outcome::Stale => "stale",
            Outcome::OtherVillage => "other_village",
            Outcome::NoRoster => "no_roster",
        }
    }

    pub fn confirms(self) -> bool {
        matches!(self, Outcome::Instant | Outcome::Confirmed)
    }
}

/// Compares the roster's entry (if any) with the case: the subject's name, the
/// village where the rule asks, the roster's age. Returns the outcome and a reason in
/// Chinese and English that the official sees and the trail cites.
pub fn judge(
    rule: &RosterRule,
    found: Option<&Found<'_>>,
    imported: Option<(&str, NaiveDate)>,
    subject_name: &str,
    village_code: &str,
    today: NaiveDate,
) -> (Outcome, Invalid) {
    let label_zh = rule.kind.label_zh();
    let label_en = rule.kind.label_en();
    let Some((source, as_of)) = imported else {
        return (
            Outcome::NoRoster,
            Invalid::new(
                format!("本县尚未导入{label_zh}，需人工审核"),
                format!("No {label_en} has been imported for this county: reviewed by hand"),
            ),
        );
    };
    let cite_zh = format!("{label_zh}（{source}，截至{as_of}）");
    let cite_en = format!("the {label_en} ({source}, as of {as_of})");
    let Some(f) = found else {
        return (
            Outcome::NotFound,
            Invalid::new(
                format!("{cite_zh}中查无此人，需人工审核"),
                format!("Not found in {cite_en}: reviewed by hand"),
            ),
        );
    };
    if f.name != subject_name.trim() {
        return (
            Outcome::NameDiffers,
            Invalid::new(
                format!(
                    "{cite_zh}中该身份证号码的姓名为“{}”，与申请的“{}”不符，需人工审核",
                    f.name, subject_name
                ),
                format!(
                    "In {cite_en} this ID number belongs to “{}”, not “{}”: reviewed by hand",
                    f.name, subject_name
                ),
            ),
        );
    }
    let age = (today - f.as_of).num_days();
    if age > i64::from(rule.max_age_days) {
        return (
            Outcome::Stale,
            Invalid::new(
                format!(
                    "{cite_zh}已超过{}天，不能作为依据，需人工审核",
                    rule.max_age_days
                ),
                format!(
                    "{cite_en} is older than {} days and proves nothing: reviewed by hand",
                    rule.max_age_days
                ),
            ),
        );
    }
    if rule.same_village && f.village_code != Some(village_code) {
        return (
            Outcome::OtherVillage,
            Invalid::new(
                format!("{cite_zh}中此人户籍不在申请的村（社区），需人工审核"),
                format!(
                    "In {cite_en} this person is registered in another village: reviewed by hand"
                ),
            ),
        );
    }
    if rule.instant {
        (
            Outcome::Instant,
            Invalid::new(
                format!("经{cite_zh}核实，系统即时办结（秒批）"),
                format!("Confirmed by {cite_en}: approved by the system at once"),
            ),
        )
    } else {
        (
            Outcome::Confirmed,
            Invalid::new(
                format!("经{cite_zh}核实，相关材料免于提交"),
                format!("Confirmed by {cite_en}: the documents it proves are not needed"),
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "220403198001010016";

    fn dibao_csv(rows: &str) -> String {
        format!("name,id_number,dibao_number,category,people,monthly_amount,since\n{rows}")
    }

    fn valid_id() -> String {
        // A valid check digit for the test number, computed rather than hoped for.
        let body = &ID[..17];
        format!(
            "{body}{}",
            crate::domain::id_number::mod11_2_check(body).unwrap()
        )
    }

    #[test]
    fn a_valid_dibao_file_parses_with_or_without_bom() {
        let csv = dibao_csv(&format!(
            "张三,{},DB001,rural_full,3,\"1,2\",2024-05-01\n",
            valid_id()
        ));
        // A quoted comma stays in its cell: the row has 7 columns, and "1,2" is no amount.
        let err = parse_rows(RosterKind::Dibao, &csv).unwrap_err();
        assert!(err.zh.starts_with("第2行"), "{err}");
        assert!(err.zh.contains("monthly_amount"), "{err}");
        let csv = dibao_csv(&format!(
            "张三,{},DB001,rural_full,3,620.5,2024-05-01\n",
            valid_id()
        ));
        let bom = format!("\u{feff}{csv}");
        let rows = parse_rows(RosterKind::Dibao, &decode(bom.as_bytes()).unwrap()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].name, "张三");
        assert_eq!(rows[0].data["monthly_amount"], "620.5");
    }

    #[test]
    fn gbk_files_decode() {
        let (bytes, _, _) = encoding_rs::GBK.encode("张三,低保");
        assert_eq!(decode(&bytes).unwrap(), "张三,低保");
    }

    #[test]
    fn a_bad_row_names_its_line_and_duplicates_are_refused() {
        let csv = dibao_csv(&format!(
            "张三,{id},DB001,rural_full,3,600,2024-05-01\n李四,{id},DB002,rural_full,2,500,2024-05-01\n",
            id = valid_id()
        ));
        let err = parse_rows(RosterKind::Dibao, &csv).unwrap_err();
        assert!(err.zh.starts_with("第3行"), "{err}");
        assert!(err.en.starts_with("Line 3"), "{err}");
        let csv = dibao_csv("张三,12345,DB001,rural_full,3,600,2024-05-01\n");
        let err = parse_rows(RosterKind::Dibao, &csv).unwrap_err();
        assert!(err.zh.contains("id_number"), "{err}");
        let err = parse_rows(RosterKind::Hukou, &csv).unwrap_err();
        assert!(err.zh.starts_with("第1行"), "{err}");
    }

    fn rule(instant: bool, same_village: bool) -> RosterRule {
        RosterRule {
            kind: RosterKind::Hukou,
            instant,
            max_age_days: 90,
            fills: BTreeMap::new(),
            sets: BTreeMap::new(),
            proves_documents: Vec::new(),
            same_village,
        }
    }

    #[test]
    fn judging_falls_back_with_a_reason() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let fresh = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let old = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let v = "222403108201";
        let f = |name, as_of| Found {
            name,
            village_code: Some(v),
            as_of,
        };
        let imp = Some(("民政局", fresh));
        let r = rule(true, true);
        assert_eq!(judge(&r, None, None, "张三", v, today).0, Outcome::NoRoster);
        assert_eq!(judge(&r, None, imp, "张三", v, today).0, Outcome::NotFound);
        let (o, why) = judge(&r, Some(&f("张三", fresh)), imp, "张四", v, today);
        assert_eq!(o, Outcome::NameDiffers);
        assert!(
            why.zh.contains("张三") && why.zh.contains("民政局"),
            "{why}"
        );
        let stale = Some(("民政局", old));
        assert_eq!(
            judge(&r, Some(&f("张三", old)), stale, "张三", v, today).0,
            Outcome::Stale
        );
        assert_eq!(
            judge(
                &r,
                Some(&f("张三", fresh)),
                imp,
                "张三",
                "222403108202",
                today
            )
            .0,
            Outcome::OtherVillage
        );
        assert_eq!(
            judge(&r, Some(&f("张三", fresh)), imp, "张三", v, today).0,
            Outcome::Instant
        );
        assert_eq!(
            judge(
                &rule(false, false),
                Some(&f("张三", fresh)),
                imp,
                "张三",
                "x",
                today
            )
            .0,
            Outcome::Confirmed
        );
    }
}
