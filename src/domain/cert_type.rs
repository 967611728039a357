//! The certificate-type catalogue (DESIGN §2): types are data, never code branches.
//!
//! The eleven seeded types live in `seed/certificate_types.json` (edited by people, embedded
//! at build time). This module holds their model, the validation of an applicant's form
//! against a type, and the rendering of the certificate body from the type's template.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::Invalid;

/// The embedded seed catalogue.
const SEED_JSON: &str = include_str!("../../seed/certificate_types.json");

/// Error key used by [`CertificateType::validate_form`] when the form as a whole is wrong
/// (not a JSON object) rather than one of its fields.
pub const FORM_ERROR_KEY: &str = "_form";

/// Placeholders the certificate renderer always supplies, besides the type's own field names.
pub const RENDERER_KEYS: &[&str] = &[
    "subject_name",
    "subject_id_number",
    "village_name",
    "township_name",
    "county_name",
    "purpose",
    "issue_date_zh",
    "valid_until_zh",
];

/// The shared document kinds (`DocumentSpec::kind`, and the `kind` of an upload).
pub const DOCUMENT_KINDS: &[&str] = &[
    "id_card",
    "household_register",
    "income_proof",
    "medical_record",
    "disability_card",
    "dibao_card",
    "lease_or_property",
    "bank_statement",
    "land_certificate",
    "house_certificate",
    "approval_record",
    "contract_certificate",
    "work_contract",
    "student_card",
    "other",
];

/// Default `max_len` (in characters) of a `text` field.
pub const DEFAULT_TEXT_MAX_LEN: u32 = 100;
/// Default `max_len` (in characters) of a `textarea` field.
pub const DEFAULT_TEXTAREA_MAX_LEN: u32 = 1000;

/// Level of the jurisdiction that performs a step or issues a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// 村（社区）
    Village,
    /// 乡镇（街道）
    Township,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Village => "village",
            Level::Township => "township",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Level::Village => "村（社区）",
            Level::Township => "乡镇（街道）",
        }
    }
}

/// Kind of a form field; decides how its value is validated and normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// One line of text (trimmed; default at most 100 characters).
    Text,
    /// Several lines of text (trimmed; default at most 1000 characters).
    Textarea,
    /// Whole number.
    Integer,
    /// Number with at most two decimals (amounts in yuan, areas).
    Decimal,
    /// Calendar date `YYYY-MM-DD`, not after today.
    Date,
    /// Yes / no.
    Boolean,
    /// One of `options`.
    Select,
    /// Mainland mobile number.
    Phone,
}

/// One choice of a `select` field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChoiceOption {
    /// Stored value (snake_case English).
    pub value: String,
    pub label_zh: String,
    pub label_en: String,
}

/// One field of a type's application form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// Key in the submitted form and placeholder name in the body template.
    pub name: String,
    pub label_zh: String,
    pub label_en: String,
    pub kind: FieldKind,
    pub required: bool,
    /// Hint shown under the input.
    #[serde(default)]
    pub help_zh: Option<String>,
    /// The hint in English; given exactly when `help_zh` is.
    #[serde(default)]
    pub help_en: Option<String>,
    /// Choices of a `select` field (empty for other kinds).
    #[serde(default)]
    pub options: Vec<ChoiceOption>,
    /// Smallest allowed value (integer and decimal fields).
    #[serde(default)]
    pub min: Option<f64>,
    /// Largest allowed value (integer and decimal fields).
    #[serde(default)]
    pub max: Option<f64>,
    /// Largest length in characters (text and textarea fields; defaults 100 / 1000).
    #[serde(default)]
    pub max_len: Option<u32>,
}

/// A supporting document (要件材料) an applicant uploads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentSpec {
    /// One of the shared document kinds, e.g. `id_card`, `household_register`.
    pub kind: String,
    pub name_zh: String,
    pub name_en: String,
    pub description_zh: String,
    pub description_en: String,
    pub required: bool,
    /// Most files (photos / PDFs) of this kind per application.
    pub max_count: u32,
}

/// One approval step; performed by an official of the step's level in the application's
/// jurisdiction. The first step accepts (受理 / 初审), the last one produces the certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepSpec {
    pub name_zh: String,
    pub name_en: String,
    pub level: Level,
    /// Time limit of this step in working days.
    pub time_limit_days: u32,
}

/// A certificate type (证明事项) of the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateType {
    /// Stable code, e.g. `poverty`.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// 法律依据: the laws, regulations and policy documents the certificate rests on.
    pub legal_basis: String,
    /// The legal basis in English: laws by their official English titles where they have
    /// one, article and document numbers kept.
    pub legal_basis_en: String,
    pub purpose_zh: String,
    pub purpose_en: String,
    /// 申请对象
    pub who_may_apply_zh: String,
    pub who_may_apply_en: String,
    /// Level of the office that issues (and seals) the certificate; the last step's level.
    pub issuing_level: Level,
    pub fields: Vec<FieldSpec>,
    pub documents: Vec<DocumentSpec>,
    pub steps: Vec<StepSpec>,
    /// 承诺时限, working days from acceptance.
    pub promised_days: u32,
    /// 法定时限, working days.
    pub statutory_days: u32,
    /// Days the issued certificate stays valid.
    pub validity_days: u32,
    /// 送达方式 as told to the applicant.
    pub delivery_note_zh: String,
    pub delivery_note_en: String,
    /// Heading printed on the certificate, e.g. "家庭经济困难证明".
    pub title_zh: String,
    /// Body of the certificate with `{name}` placeholders (`{{` / `}}` for literal braces);
    /// the purpose and validity lines are added by the renderer.
    pub body_template: String,
}

/// The seeded catalogue (DESIGN §2), from the embedded `seed/certificate_types.json`.
///
/// Panics only if the embedded file is malformed, which a unit test rules out.
pub fn seed_types() -> Vec<CertificateType> {
    serde_json::from_str(SEED_JSON).expect("embedded seed/certificate_types.json is malformed")
}

/// Fills in the English catalogue texts (`legal_basis_en`, `who_may_apply_en`,
/// `delivery_note_en`, each document's `description_en`, and `help_en` of each field that
/// has a `help_zh`) that a type stored before they existed lacks, from `seed`, the seeded
/// type of the same code; documents are matched by kind, fields by name. Keys already
/// present are left alone. Returns whether anything was added.
///
/// Without this, a catalogue seeded by an older version would no longer parse, as these
/// fields are required.
pub fn backfill_english_texts(stored: &mut Value, seed: &CertificateType) -> bool {
    fn fill(item: &mut Value, from: &Value, keys: &[&str]) -> bool {
        let (Some(item), Some(from)) = (item.as_object_mut(), from.as_object()) else {
            return false;
        };
        let mut added = false;
        for key in keys {
            if let (false, Some(v)) = (item.contains_key(*key), from.get(*key)) {
                item.insert((*key).to_owned(), v.clone());
                added = true;
            }
        }
        added
    }
    let Ok(seed) = serde_json::to_value(seed) else {
        return false;
    };
    let mut added = fill(
        stored,
        &seed,
        &["legal_basis_en", "who_may_apply_en", "delivery_note_en"],
    );
    for (list, id, key, paired_with) in [
        ("documents", "kind", "description_en", "description_zh"),
        ("fields", "name", "help_en", "help_zh"),
    ] {
        let Some(items) = stored.get_mut(list).and_then(Value::as_array_mut) else {
            continue;
        };
        for item in items.iter_mut().filter(|i| i.get(paired_with).is_some()) {
            let from = seed[list]
                .as_array()
                .and_then(|a| a.iter().find(|s| s[id] == item[id]));
            if let Some(from) = from {
                added |= fill(item, from, &[key]);
            }
        }
    }
    added
}

impl CertificateType {
    /// The form field called `name`.
    pub fn field(&self, name: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The document spec of `kind`, if this type accepts that kind.
    pub fn document(&self, kind: &str) -> Option<&DocumentSpec> {
        self.documents.iter().find(|d| d.kind == kind)
    }

    /// The step at `index` (0-based).
    pub fn step(&self, index: usize) -> Option<&StepSpec> {
        self.steps.get(index)
    }

    /// Whether `index` is the last step, the one whose approval issues the certificate.
    pub fn is_last_step(&self, index: usize) -> bool {
        !self.steps.is_empty() && index == self.steps.len() - 1
    }

    /// Sum of the steps' time limits in working days.
    pub fn total_step_days(&self) -> u32 {
        self.steps.iter().map(|s| s.time_limit_days).sum()
    }

    /// Checks `form` (the applicant's answers, keyed by field name) against this type.
    ///
    /// Returns the normalised form — trimmed strings, numbers as JSON numbers, dates as
    /// `YYYY-MM-DD`, booleans as `true` / `false`, phones as 11 digits; empty optional fields
    /// are left out — or the errors keyed by field name ([`FORM_ERROR_KEY`] when the form is
    /// not a JSON object). "Today" for date fields is the date in China (UTC+8).
    pub fn validate_form(
        &self,
        form: &Value,
    ) -> Result<Map<String, Value>, BTreeMap<String, Invalid>> {
        self.validate_form_on(form, today_in_china())
    }

    /// [`validate_form`](Self::validate_form) with an explicit "today".
    pub fn validate_form_on(
        &self,
        form: &Value,
        today: NaiveDate,
    ) -> Result<Map<String, Value>, BTreeMap<String, Invalid>> {
        let mut errors = BTreeMap::new();
        let Some(input) = form.as_object() else {
            errors.insert(
                FORM_ERROR_KEY.to_owned(),
                Invalid::new("表单格式错误，应为对象", "The form must be a JSON object"),
            );
            return Err(errors);
        };
        for key in input.keys() {
            if self.field(key).is_none() {
                errors.insert(
                    key.clone(),
                    Invalid::new(format!("未知字段“{key}”"), format!("Unknown field “{key}”")),
                );
            }
        }
        let mut out = Map::new();
        for field in &self.fields {
            let raw = input.get(&field.name).unwrap_or(&Value::Null);
            if is_blank(raw) {
                if field.required {
                    errors.insert(
                        field.name.clone(),
                        Invalid::new(
                            format!("请填写“{}”", field.short_label_zh()),
                            format!("“{}” is required", field.short_label_en()),
                        ),
                    );
                }
                continue;
            }
            match field.normalise(raw, today) {
                Ok(value) => {
                    out.insert(field.name.clone(), value);
                }
                Err(e) => {
                    errors.insert(field.name.clone(), e);
                }
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }

    /// Display strings of a normalised form (the `Ok` of [`validate_form`](Self::validate_form))
    /// for the body template: a select shows its Chinese label, a boolean 是 / 否, a date
    /// 2026年3月1日, a decimal without trailing zeros; a textarea loses its final full stop
    /// (templates add their own punctuation). Unknown keys are ignored.
    pub fn template_values(&self, form: &Map<String, Value>) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for field in &self.fields {
            if let Some(v) = form.get(&field.name) {
                out.insert(field.name.clone(), field.display(v));
            }
        }
        out
    }

    /// Replaces the `{name}` placeholders of the body template with `values` (a missing
    /// value renders as nothing); `{{` and `}}` render as literal braces.
    pub fn render_body(&self, values: &BTreeMap<String, String>) -> String {
        let mut out = String::with_capacity(self.body_template.len() + 64);
        for piece in parse_template(&self.body_template) {
            match piece {
                Piece::Literal(s) => out.push_str(s),
                Piece::Brace(c) => out.push(c),
                Piece::Placeholder(name) => {
                    if let Some(v) = values.get(name) {
                        out.push_str(v);
                    }
                }
            }
        }
        out
    }

    /// The distinct placeholder names of the body template, in order of first appearance.
    pub fn placeholders(&self) -> Vec<String> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for piece in parse_template(&self.body_template) {
            if let Piece::Placeholder(name) = piece {
                if seen.insert(name) {
                    out.push(name.to_owned());
                }
            }
        }
        out
    }

    /// Checks that the type is coherent (for the seed and for an admin's edit): code and
    /// field names are snake_case and unique, selects have options, step days add up to at
    /// most the promised limit, which is at most the statutory one, the issuing level is the
    /// last step's, document kinds are known, and every placeholder can be filled.
    pub fn check(&self) -> Result<(), Vec<Invalid>> {
        let mut problems = Vec::new();
        let mut bad = |zh: String, en: String| problems.push(Invalid::new(zh, en));
        if !is_snake_case(&self.code) {
            bad(
                format!("类型代码“{}”无效", self.code),
                format!("Invalid type code “{}”", self.code),
            );
        }
        for (zh, en, text) in [
            ("名称", "name_zh", &self.name_zh),
            ("英文名称", "name_en", &self.name_en),
            ("法律依据", "legal_basis", &self.legal_basis),
            ("英文法律依据", "legal_basis_en", &self.legal_basis_en),
            ("申请对象", "who_may_apply_zh", &self.who_may_apply_zh),
            ("英文申请对象", "who_may_apply_en", &self.who_may_apply_en),
            ("送达方式", "delivery_note_zh", &self.delivery_note_zh),
            ("英文送达方式", "delivery_note_en", &self.delivery_note_en),
            ("证明标题", "title_zh", &self.title_zh),
            ("证明正文模板", "body_template", &self.body_template),
        ] {
            if text.trim().is_empty() {
                bad(format!("{zh}不能为空"), format!("{en} must not be empty"));
            }
        }
        let mut names = BTreeSet::new();
        for f in &self.fields {
            if !is_snake_case(&f.name)
                || (RENDERER_KEYS.contains(&f.name.as_str()) && f.name != "purpose")
            {
                bad(
                    format!("字段名“{}”无效或与保留名冲突", f.name),
                    format!("Invalid or reserved field name “{}”", f.name),
                );
            }
            if !names.insert(f.name.as_str()) {
                bad(
                    format!("字段名“{}”重复", f.name),
                    format!("Duplicate field name “{}”", f.name),
                );
            }
            let is_select = f.kind == FieldKind::Select;
            if is_select == f.options.is_empty() {
                bad(
                    format!(
                        "字段“{}”：只有选择题才有选项，且选择题至少要有一个选项",
                        f.name
                    ),
                    format!(
                        "Field “{}”: options belong to select fields, which need at least one",
                        f.name
                    ),
                );
            }
            let blank = |h: &Option<String>| h.as_deref().is_none_or(|h| h.trim().is_empty());
            if blank(&f.help_zh) != blank(&f.help_en) {
                bad(
                    format!("字段“{}”的中英文提示必须同时填写", f.name),
                    format!("Field “{}”: help_zh and help_en go together", f.name),
                );
            }
            let mut values = BTreeSet::new();
            if f.options.iter().any(|o| !values.insert(o.value.as_str())) {
                bad(
                    format!("字段“{}”的选项值重复", f.name),
                    format!("Field “{}” has duplicate option values", f.name),
                );
            }
            if let (Some(min), Some(max)) = (f.min, f.max) {
                if min > max {
                    bad(
                        format!("字段“{}”的最小值大于最大值", f.name),
                        format!("Field “{}”: min is above max", f.name),
                    );
                }
            }
        }
        let mut kinds = BTreeSet::new();
        for d in &self.documents {
            if !DOCUMENT_KINDS.contains(&d.kind.as_str()) {
                bad(
                    format!("未知的材料类型“{}”", d.kind),
                    format!("Unknown document kind “{}”", d.kind),
                );
            }
            if !kinds.insert(d.kind.as_str()) {
                bad(
                    format!("材料类型“{}”重复", d.kind),
                    format!("Duplicate document kind “{}”", d.kind),
                );
            }
            if d.description_zh.trim().is_empty() || d.description_en.trim().is_empty() {
                bad(
                    format!("材料“{}”的中英文说明不能为空", d.kind),
                    format!(
                        "Document “{}”: description_zh and description_en must not be empty",
                        d.kind
                    ),
                );
            }
            if d.max_count == 0 {
                bad(
                    format!("材料“{}”的数量上限不能为0", d.kind),
                    format!("Document “{}”: max_count must be positive", d.kind),
                );
            }
        }
        match self.steps.last() {
            None => bad(
                "至少需要一个审批环节".into(),
                "At least one step is required".into(),
            ),
            Some(last) if last.level != self.issuing_level => bad(
                "出证层级必须与最后一个审批环节的层级一致".into(),
                "issuing_level must be the level of the last step".into(),
            ),
            Some(_) => {}
        }
        if self.steps.iter().any(|s| s.time_limit_days == 0) {
            bad(
                "每个审批环节的时限至少为1个工作日".into(),
                "Every step needs at least one working day".into(),
            );
        }
        if self.total_step_days() > self.promised_days {
            bad(
                "各环节时限之和不能超过承诺时限".into(),
                "The steps' time limits must add up to at most promised_days".into(),
            );
        }
        if self.promised_days > self.statutory_days {
            bad(
                "承诺时限不能超过法定时限".into(),
                "promised_days must not exceed statutory_days".into(),
            );
        }
        if self.validity_days == 0 {
            bad(
                "有效期至少为1天".into(),
                "validity_days must be positive".into(),
            );
        }
        for p in self.placeholders() {
            if !RENDERER_KEYS.contains(&p.as_str()) && self.field(&p).is_none() {
                bad(
                    format!("模板占位符“{{{p}}}”无对应字段"),
                    format!("Template placeholder “{{{p}}}” has no value"),
                );
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

impl FieldSpec {
    /// The Chinese label without a trailing unit in brackets: "家庭年收入（元）" → "家庭年收入".
    pub fn short_label_zh(&self) -> &str {
        strip_suffix_in_brackets(self.label_zh.trim(), '（', '）')
    }

    /// The English label without a trailing unit in brackets.
    pub fn short_label_en(&self) -> &str {
        strip_suffix_in_brackets(self.label_en.trim(), '(', ')').trim_end()
    }

    /// The label of the option whose value is `value`.
    pub fn option(&self, value: &str) -> Option<&ChoiceOption> {
        self.options.iter().find(|o| o.value == value)
    }

    fn err(&self, zh: impl std::fmt::Display, en: impl std::fmt::Display) -> Invalid {
        Invalid::new(
            format!("“{}”{}", self.short_label_zh(), zh),
            format!("“{}” {}", self.short_label_en(), en),
        )
    }

    fn normalise(&self, raw: &Value, today: NaiveDate) -> Result<Value, Invalid> {
        match self.kind {
            FieldKind::Text | FieldKind::Textarea => self.normalise_text(raw),
            FieldKind::Integer => self.normalise_integer(raw),
            FieldKind::Decimal => self.normalise_decimal(raw),
            FieldKind::Date => self.normalise_date(raw, today),
            FieldKind::Boolean => self.normalise_boolean(raw),
            FieldKind::Select => self.normalise_select(raw),
            FieldKind::Phone => self.normalise_phone(raw),
        }
    }

    fn normalise_text(&self, raw: &Value) -> Result<Value, Invalid> {
        let s = match raw {
            Value::String(s) => s.trim().to_owned(),
            Value::Number(n) => n.to_string(),
            _ => return Err(self.err("必须是文字", "must be text")),
        };
        let multiline = self.kind == FieldKind::Textarea;
        let s = if multiline {
            s.replace("\r\n", "\n").replace('\r', "\n")
        } else {
            s
        };
        if s.chars()
            .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\t')))
        {
            return Err(if multiline {
                self.err("含有不允许的控制字符", "contains control characters")
            } else {
                self.err("只能填写一行文字", "must be a single line of text")
            });
        }
        let max = self.max_len.unwrap_or(if multiline {
            DEFAULT_TEXTAREA_MAX_LEN
        } else {
            DEFAULT_TEXT_MAX_LEN
        });
        if s.chars().count() > max as usize {
            return Err(self.err(
                format!("不能超过{max}个字"),
                format!("must be at most {max} characters"),
            ));
        }
        Ok(Value::String(s))
    }

    fn check_range(&self, x: f64) -> Result<(), Invalid> {
        if let Some(min) = self.min {
            if x < min {
                return Err(self.err(format!("不能小于{min}"), format!("must be at least {min}")));
            }
        }
        if let Some(max) = self.max {
            if x > max {
                return Err(self.err(format!("不能大于{max}"), format!("must be at most {max}")));
            }
        }
        Ok(())
    }

    fn normalise_integer(&self, raw: &Value) -> Result<Value, Invalid> {
        let not_integer = || self.err("必须是整数", "must be a whole number");
        let n: i64 = match raw {
            Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => i,
                (None, Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => f as i64,
                _ => return Err(not_integer()),
            },
            Value::String(s) => s.trim().parse().map_err(|_| not_integer())?,
            _ => return Err(not_integer()),
        };
        self.check_range(n as f64)?;
        Ok(Value::from(n))
    }

    fn normalise_decimal(&self, raw: &Value) -> Result<Value, Invalid> {
        let not_number = || self.err("必须是数字", "must be a number");
        let x: f64 = match raw {
            Value::Number(n) => n.as_f64().ok_or_else(not_number)?,
            Value::String(s) => {
                let s = s.trim();
                // Plain decimal notation only: no "inf", "NaN", exponents or signs like "+".
                let plain = !s.is_empty()
                    && s.trim_start_matches('-')
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == '.')
                    && s.chars().filter(|&c| c == '.').count() <= 1
                    && s.chars().any(|c| c.is_ascii_digit());
                if !plain {
                    return Err(not_number());
                }
                s.parse().map_err(|_| not_number())?
            }
            _ => return Err(not_number()),
        };
        if !x.is_finite() {
            return Err(not_number());
        }
        let cents = x * 100.0;
        if (cents - cents.round()).abs() > 1e-9 * cents.abs().max(1.0) {
            return Err(self.err("最多保留两位小数", "must have at most two decimal places"));
        }
        self.check_range(x)?;
        let rounded = cents.round() / 100.0;
        // -0.0 would serialise as "-0.0".
        let rounded = if rounded == 0.0 { 0.0 } else { rounded };
        serde_json::Number::from_f64(rounded)
            .map(Value::Number)
            .ok_or_else(not_number)
    }

    fn normalise_date(&self, raw: &Value, today: NaiveDate) -> Result<Value, Invalid> {
        let bad_format = || {
            self.err(
                "必须是有效日期，格式为YYYY-MM-DD",
                "must be a valid date written YYYY-MM-DD",
            )
        };
        let s = raw.as_str().map(str::trim).ok_or_else(bad_format)?;
        let b = s.as_bytes();
        let shaped = b.len() == 10
            && b.iter().enumerate().all(|(i, c)| {
                if i == 4 || i == 7 {
                    *c == b'-'
                } else {
                    c.is_ascii_digit()
                }
            });
        if !shaped {
            return Err(bad_format());
        }
        let date = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad_format())?;
        if date.year() < 1900 {
            return Err(self.err("不能早于1900年", "must not be before 1900"));
        }
        if date > today {
            return Err(self.err("不能晚于今天", "must not be in the future"));
        }
        Ok(Value::String(date.format("%Y-%m-%d").to_string()))
    }

    fn normalise_boolean(&self, raw: &Value) -> Result<Value, Invalid> {
        let b = match raw {
            Value::Bool(b) => *b,
            Value::String(s) => match s.trim() {
                "是" => true,
                "否" => false,
                t if t.eq_ignore_ascii_case("true") => true,
                t if t.eq_ignore_ascii_case("false") => false,
                _ => return Err(self.err("只能选择“是”或“否”", "must be yes or no")),
            },
            _ => return Err(self.err("只能选择“是”或“否”", "must be yes or no")),
        };
        Ok(Value::Bool(b))
    }

    fn normalise_select(&self, raw: &Value) -> Result<Value, Invalid> {
        let invalid = || self.err("的选项无效", "is not one of the allowed options");
        let s = raw.as_str().map(str::trim).ok_or_else(invalid)?;
        self.option(s)
            .map(|o| Value::String(o.value.clone()))
            .ok_or_else(invalid)
    }

    fn normalise_phone(&self, raw: &Value) -> Result<Value, Invalid> {
        let invalid = || {
            self.err(
                "必须是11位手机号码",
                "must be an 11-digit mainland mobile number",
            )
        };
        let s = match raw {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return Err(invalid()),
        };
        let digits: String = s.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let digits = digits.strip_prefix("+86").unwrap_or(&digits);
        let b = digits.as_bytes();
        let ok = b.len() == 11
            && b[0] == b'1'
            && (b'3'..=b'9').contains(&b[1])
            && b.iter().all(u8::is_ascii_digit);
        if ok {
            Ok(Value::String(digits.to_owned()))
        } else {
            Err(invalid())
        }
    }

    fn display(&self, v: &Value) -> String {
        match (self.kind, v) {
            (_, Value::Null) => String::new(),
            (FieldKind::Select, Value::String(s)) => self
                .option(s)
                .map_or_else(|| s.clone(), |o| o.label_zh.clone()),
            (_, Value::Bool(b)) => if *b { "是" } else { "否" }.to_owned(),
            (FieldKind::Date, Value::String(s)) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(|d| format!("{}年{}月{}日", d.year(), d.month(), d.day()))
                .unwrap_or_else(|_| s.clone()),
            (FieldKind::Textarea, Value::String(s)) => s
                .trim_end_matches(['。', '.', '；', ';', '，', ',', ' ', '\n'])
                .to_owned(),
            (_, Value::String(s)) => s.clone(),
            (FieldKind::Decimal, Value::Number(n)) => match n.as_f64() {
                Some(x) => format_decimal(x),
                None => n.to_string(),
            },
            (_, other) => other.to_string(),
        }
    }
}

/// Today's date in China (UTC+8), whatever the server's time zone.
fn today_in_china() -> NaiveDate {
    let china = FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset");
    Utc::now().with_timezone(&china).date_naive()
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

fn is_snake_case(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn strip_suffix_in_brackets(s: &str, open: char, close: char) -> &str {
    if s.ends_with(close) {
        if let Some(i) = s.rfind(open) {
            if i > 0 {
                return &s[..i];
            }
        }
    }
    s
}

/// At most two decimals, no trailing zeros: 12000.0 → "12000", 1234.5 → "1234.5".
fn format_decimal(x: f64) -> String {
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

enum Piece<'a> {
    Literal(&'a str),
    Brace(char),
    Placeholder(&'a str),
}

/// Splits a template into literal text, escaped braces and `{name}` placeholders (`name`:
/// ASCII letters, digits, `_`). A brace that starts no placeholder is kept literally.
fn parse_template(t: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let b = t.as_bytes();
    let (mut i, mut start) = (0, 0);
    while i < b.len() {
        let c = b[i];
        if c != b'{' && c != b'}' {
            i += 1;
            continue;
        }
        if start < i {
            pieces.push(Piece::Literal(&t[start..i]));
        }
        if b.get(i + 1) == Some(&c) {
            pieces.push(Piece::Brace(c as char));
            i += 2;
        } else if c == b'{' {
            let rest = &t[i + 1..];
            let len = rest
                .bytes()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
                .count();
            if len > 0 && rest.as_bytes().get(len) == Some(&b'}') {
                pieces.push(Piece::Placeholder(&rest[..len]));
                i += len + 2;
            } else {
                pieces.push(Piece::Brace('{'));
                i += 1;
            }
        } else {
            pieces.push(Piece::Brace('}'));
            i += 1;
        }
        start = i;
    }
    if start < b.len() {
        pieces.push(Piece::Literal(&t[start..]));
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn types() -> Vec<CertificateType> {
        seed_types()
    }

    fn ty(code: &str) -> CertificateType {
        types()
            .into_iter()
            .find(|t| t.code == code)
            .unwrap_or_else(|| panic!("no type {code}"))
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    const TODAY: &str = "2026-03-15";

    fn validate(
        t: &CertificateType,
        form: Value,
    ) -> Result<Map<String, Value>, BTreeMap<String, Invalid>> {
        t.validate_form_on(&form, day(TODAY))
    }

    fn poverty_form() -> Value {
        json!({
            "household_size": 4,
            "workers": "1",
            "annual_income": "12000.5",
            "hardship_cause": "illness",
            "hardship_detail": "  父亲患尿毒症需长期透析。 ",
            "purpose": " 申请国家助学贷款 "
        })
    }

    #[test]
    fn seed_parses_with_the_eleven_types_in_order() {
        let codes: Vec<String> = types().into_iter().map(|t| t.code).collect();
        assert_eq!(
            codes,
            [
                "poverty",
                "dibao",
                "residence",
                "income",
                "housing",
                "tekun",
                "farming",
                "land_contract",
                "migrant_work",
                "collective_member",
                "student_family"
            ]
        );
    }

    #[test]
    fn every_seeded_type_is_coherent() {
        for t in types() {
            if let Err(problems) = t.check() {
                panic!("{}: {:?}", t.code, problems);
            }
        }
    }

    #[test]
    fn seeded_time_limits_are_plausible() {
        for t in types() {
            assert!(t.steps.len() >= 2, "{}", t.code);
            assert!((3..=5).contains(&t.promised_days), "{}", t.code);
            assert!((10..=20).contains(&t.statutory_days), "{}", t.code);
            assert!([90, 180].contains(&t.validity_days), "{}", t.code);
            assert!(t.total_step_days() <= t.promised_days, "{}", t.code);
            assert!(t.promised_days <= t.statutory_days, "{}", t.code);
            assert_eq!(t.steps.last().unwrap().level, t.issuing_level, "{}", t.code);
        }
        for code in [
            "poverty",
            "dibao",
            "tekun",
            "income",
            "student_family",
            "residence",
            "farming",
            "collective_member",
        ] {
            let t = ty(code);
            assert_eq!(t.steps[0].level, Level::Village, "{code}");
            assert_eq!(t.steps[0].name_zh, "村（社区）初审");
            assert!((1..=2).contains(&t.steps[0].time_limit_days), "{code}");
            assert!(
                (2..=3).contains(&t.steps.last().unwrap().time_limit_days),
                "{code}"
            );
            assert_eq!(t.steps.last().unwrap().name_zh, "乡镇（街道）审核出证");
        }
    }

    #[test]
    fn seeded_types_have_ids_purpose_and_required_documents() {
        for t in types() {
            assert!(t.documents.iter().any(|d| d.required), "{}", t.code);
            assert!(
                t.field("purpose")
                    .is_some_and(|f| f.required && f.kind == FieldKind::Text),
                "{}",
                t.code
            );
            assert!(t.legal_basis.contains('《'), "{}", t.code);
            assert!(
                !t.body_template.contains("特此证明。\n"),
                "{}: nothing after 特此证明",
                t.code
            );
            assert!(
                !t.placeholders().contains(&"purpose".to_owned()),
                "{}: the renderer adds purpose",
                t.code
            );
            assert!(
                !t.placeholders().contains(&"valid_until_zh".to_owned()),
                "{}",
                t.code
            );
        }
    }

    #[test]
    fn every_placeholder_is_a_renderer_key_or_a_field() {
        for t in types() {
            for p in t.placeholders() {
                assert!(
                    RENDERER_KEYS.contains(&p.as_str()) || t.field(&p).is_some(),
                    "{}: unknown placeholder {p}",
                    t.code
                );
            }
            // Every required non-purpose field appears in the body.
            for f in t
                .fields
                .iter()
                .filter(|f| f.required && f.name != "purpose")
            {
                assert!(
                    t.placeholders().contains(&f.name),
                    "{}: {} not in body",
                    t.code,
                    f.name
                );
            }
        }
    }

    #[test]
    fn serde_names_are_the_public_ones() {
        let t = ty("dibao");
        let v = serde_json::to_value(&t).unwrap();
        assert_eq!(v["issuing_level"], "township");
        assert_eq!(v["steps"][0]["level"], "village");
        assert_eq!(v["fields"][1]["kind"], "select");
        assert!(v["fields"][0]["options"].as_array().unwrap().is_empty());
        let back: CertificateType = serde_json::from_value(v).unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn compact_field_json_uses_defaults_and_typos_are_refused() {
        let f: FieldSpec = serde_json::from_value(json!({
            "name": "x", "label_zh": "某", "label_en": "X", "kind": "phone", "required": false
        }))
        .unwrap();
        assert_eq!(
            (
                f.help_zh,
                f.help_en,
                f.options.len(),
                f.min,
                f.max,
                f.max_len
            ),
            (None, None, 0, None, None, None)
        );
        let typo = serde_json::from_value::<FieldSpec>(json!({
            "name": "x", "label_zh": "某", "label_en": "X", "kind": "text", "required": true, "maxlen": 3
        }));
        assert!(typo.is_err());
    }

    #[test]
    fn valid_form_is_normalised() {
        let out = validate(&ty("poverty"), poverty_form()).unwrap();
        assert_eq!(out["household_size"], json!(4));
        assert_eq!(out["workers"], json!(1));
        assert_eq!(out["annual_income"], json!(12000.5));
        assert_eq!(out["hardship_cause"], json!("illness"));
        assert_eq!(out["hardship_detail"], json!("父亲患尿毒症需长期透析。"));
        assert_eq!(out["purpose"], json!("申请国家助学贷款"));
        assert_eq!(out.len(), 6);
    }

    #[test]
    fn form_must_be_an_object() {
        let errs = validate(&ty("poverty"), json!([1, 2])).unwrap_err();
        assert_eq!(errs.keys().collect::<Vec<_>>(), [FORM_ERROR_KEY]);
    }

    #[test]
    fn missing_required_and_unknown_fields() {
        let mut form = poverty_form();
        form["hardship_cause"] = json!("   ");
        form.as_object_mut().unwrap().remove("workers");
        form["spouse"] = json!("x");
        let errs = validate(&ty("poverty"), form).unwrap_err();
        assert_eq!(errs["hardship_cause"].zh, "请填写“致困原因”");
        assert_eq!(errs["workers"].en, "“Able-bodied workers” is required");
        assert_eq!(
            errs["spouse"],
            Invalid::new("未知字段“spouse”", "Unknown field “spouse”")
        );
        assert_eq!(errs.len(), 3);
    }

    #[test]
    fn optional_blank_fields_are_left_out() {
        let t = CertificateType {
            fields: vec![FieldSpec {
                name: "note".into(),
                label_zh: "备注".into(),
                label_en: "Note".into(),
                kind: FieldKind::Text,
                required: false,
                help_zh: None,
                help_en: None,
                options: vec![],
                min: None,
                max: None,
                max_len: None,
            }],
            ..ty("poverty")
        };
        assert!(validate(&t, json!({"note": ""})).unwrap().is_empty());
        assert!(validate(&t, json!({"note": null})).unwrap().is_empty());
        assert!(validate(&t, json!({})).unwrap().is_empty());
    }

    #[test]
    fn decimal_rules_and_message_names_the_label() {
        let t = ty("poverty");
        let with = |v: Value| {
            let mut f = poverty_form();
            f["annual_income"] = v;
            validate(&t, f)
        };
        let e = with(json!("一万")).unwrap_err();
        assert_eq!(e["annual_income"].zh, "“家庭年收入”必须是数字");
        assert_eq!(
            e["annual_income"].en,
            "“Annual household income” must be a number"
        );
        assert!(with(json!("1e5")).is_err());
        assert!(with(json!("NaN")).is_err());
        assert!(with(json!("inf")).is_err());
        assert!(with(json!(true)).is_err());
        assert_eq!(
            with(json!("12.345")).unwrap_err()["annual_income"].zh,
            "“家庭年收入”最多保留两位小数"
        );
        assert_eq!(
            with(json!(-1)).unwrap_err()["annual_income"].zh,
            "“家庭年收入”不能小于0"
        );
        assert_eq!(with(json!(0.1)).unwrap()["annual_income"], json!(0.1));
        assert_eq!(
            with(json!("1234567.89")).unwrap()["annual_income"],
            json!(1234567.89)
        );
        assert_eq!(
            with(json!(" 8000 ")).unwrap()["annual_income"],
            json!(8000.0)
        );
        assert_eq!(with(json!("0")).unwrap()["annual_income"], json!(0.0));
    }

    #[test]
    fn integer_rules() {
        let t = ty("poverty");
        let with = |v: Value| {
            let mut f = poverty_form();
            f["household_size"] = v;
            validate(&t, f)
        };
        assert_eq!(with(json!("3")).unwrap()["household_size"], json!(3));
        assert_eq!(with(json!(3.0)).unwrap()["household_size"], json!(3));
        assert_eq!(
            with(json!(2.5)).unwrap_err()["household_size"].zh,
            "“家庭人口”必须是整数"
        );
        assert!(with(json!("3人")).is_err());
        assert_eq!(
            with(json!(0)).unwrap_err()["household_size"].zh,
            "“家庭人口”不能小于1"
        );
        assert_eq!(
            with(json!(21)).unwrap_err()["household_size"].en,
            "“Household size” must be at most 20"
        );
    }

    #[test]
    fn text_lengths_count_characters_and_text_is_one_line() {
        let t = ty("poverty");
        let with = |v: Value| {
            let mut f = poverty_form();
            f["purpose"] = v;
            validate(&t, f)
        };
        // 50 Chinese characters are 150 bytes but within max_len 50.
        assert!(with(json!("办".repeat(50))).is_ok());
        assert_eq!(
            with(json!("办".repeat(51))).unwrap_err()["purpose"].zh,
            "“用途”不能超过50个字"
        );
        assert!(with(json!("申请\n贷款")).is_err());
        assert!(with(json!(["x"])).is_err());
        // Default lengths apply when max_len is absent.
        let mut f = t.field("purpose").unwrap().clone();
        f.max_len = None;
        assert!(f.normalise_text(&json!("a".repeat(100))).is_ok());
        assert!(f.normalise_text(&json!("a".repeat(101))).is_err());
        f.kind = FieldKind::Textarea;
        assert_eq!(f.normalise_text(&json!("a\r\nb")).unwrap(), json!("a\nb"));
        assert!(f.normalise_text(&json!("a".repeat(1000))).is_ok());
        assert!(f.normalise_text(&json!("a".repeat(1001))).is_err());
    }

    #[test]
    fn select_must_be_an_option_value() {
        let t = ty("poverty");
        let mut f = poverty_form();
        f["hardship_cause"] = json!("家庭成员患重大疾病");
        assert_eq!(
            validate(&t, f).unwrap_err()["hardship_cause"].zh,
            "“致困原因”的选项无效"
        );
    }

    #[test]
    fn dates_are_real_and_not_in_the_future() {
        let t = ty("migrant_work");
        let base = json!({
            "destination": "浙江省宁波市北仑区",
            "employer": "宁波某某机械有限公司",
            "period_from": "2024-02-29",
            "period_to": TODAY,
            "purpose": "为子女办理入学"
        });
        let out = validate(&t, base.clone()).unwrap();
        assert_eq!(out["period_from"], json!("2024-02-29"));
        for bad in [
            "2025-02-29",
            "2025-13-01",
            "2025-1-5",
            "2025/01/05",
            "20250105",
            "1899-12-31",
        ] {
            let mut f = base.clone();
            f["period_from"] = json!(bad);
            assert!(validate(&t, f).is_err(), "{bad}");
        }
        let mut f = base;
        f["period_to"] = json!("2026-03-16");
        assert_eq!(
            validate(&t, f).unwrap_err()["period_to"].zh,
            "“截至日期”不能晚于今天"
        );
    }

    #[test]
    fn booleans_accept_chinese_and_strings() {
        let t = ty("residence");
        let mut f = json!({"address": "三组15号", "living_since": "2010-05-01", "permanent_resident": "否", "purpose": "办理居住证"});
        assert_eq!(
            validate(&t, f.clone()).unwrap()["permanent_resident"],
            json!(false)
        );
        for (input, want) in [
            (json!("是"), true),
            (json!("TRUE"), true),
            (json!(false), false),
            (json!("false"), false),
        ] {
            f["permanent_resident"] = input;
            assert_eq!(
                validate(&t, f.clone()).unwrap()["permanent_resident"],
                json!(want)
            );
        }
        f["permanent_resident"] = json!("1");
        assert!(validate(&t, f).is_err());
    }

    #[test]
    fn phone_fields() {
        let f = FieldSpec {
            name: "contact_phone".into(),
            label_zh: "联系电话".into(),
            label_en: "Contact phone".into(),
            kind: FieldKind::Phone,
            required: true,
            help_zh: None,
            help_en: None,
            options: vec![],
            min: None,
            max: None,
            max_len: None,
        };
        let today = day(TODAY);
        assert_eq!(
            f.normalise(&json!("138 0013 8000"), today).unwrap(),
            json!("13800138000")
        );
        assert_eq!(
            f.normalise(&json!("+8619912345678"), today).unwrap(),
            json!("19912345678")
        );
        assert_eq!(
            f.normalise(&json!(13800138000u64), today).unwrap(),
            json!("13800138000")
        );
        for bad in [
            "12800138000",
            "1380013800",
            "138001380001",
            "0433-6222222",
            "1380013800a",
        ] {
            assert!(f.normalise(&json!(bad), today).is_err(), "{bad}");
        }
    }

    #[test]
    fn render_poverty_body() {
        let t = ty("poverty");
        let form = validate(&t, poverty_form()).unwrap();
        let mut values = t.template_values(&form);
        assert_eq!(values["annual_income"], "12000.5");
        assert_eq!(values["hardship_cause"], "家庭成员患重大疾病");
        assert_eq!(values["hardship_detail"], "父亲患尿毒症需长期透析");
        for (k, v) in [
            ("subject_name", "张桂芝"),
            ("subject_id_number", "220421198001010022"),
            ("county_name", "东丰县"),
            ("township_name", "东丰镇"),
            ("village_name", "青龙村"),
        ] {
            values.insert(k.into(), v.into());
        }
        assert_eq!(
            t.render_body(&values),
            "兹证明张桂芝（公民身份号码：220421198001010022）系东丰县东丰镇青龙村村（居）民。\
             该户家庭人口4人，其中劳动力1人，家庭年收入约12000.5元。因家庭成员患重大疾病，家庭经济困难。\
             具体情况：父亲患尿毒症需长期透析。\n经村（居）民委员会初审、东丰镇审核，上述情况属实。\n特此证明。"
        );
    }

    #[test]
    fn template_values_of_dates_booleans_and_round_amounts() {
        let t = ty("dibao");
        let form = validate(
            &t,
            json!({
                "dibao_card_number": "DF2023-0158",
                "dibao_category": "rural_partial",
                "monthly_amount": 460,
                "covered_members": 2,
                "since_date": "2023-05-01",
                "purpose": "办理子女学费减免"
            }),
        )
        .unwrap();
        let v = t.template_values(&form);
        assert_eq!(v["since_date"], "2023年5月1日");
        assert_eq!(v["monthly_amount"], "460");
        assert_eq!(v["dibao_category"], "农村低保（差额救助）");
        let r = ty("residence");
        let mut m = Map::new();
        m.insert("permanent_resident".into(), json!(true));
        assert_eq!(r.template_values(&m)["permanent_resident"], "是");
        assert_eq!(format_decimal(1234.5), "1234.5");
        assert_eq!(format_decimal(0.1 + 0.2), "0.3");
        assert_eq!(format_decimal(-0.0), "0");
    }

    #[test]
    fn render_escapes_and_missing_values() {
        let t = CertificateType {
            body_template: "{{a}} {a}{b} {c {} }} } {x-y}".into(),
            ..ty("poverty")
        };
        let mut values = BTreeMap::new();
        values.insert("a".to_owned(), "甲".to_owned());
        assert_eq!(t.render_body(&values), "{a} 甲 {c {} } } {x-y}");
        assert_eq!(t.placeholders(), ["a", "b"]);
        let t = CertificateType {
            body_template: "{a}{a}{".into(),
            ..t
        };
        assert_eq!(t.placeholders(), ["a"]);
        assert_eq!(t.render_body(&values), "甲甲{");
    }

    #[test]
    fn steps() {
        let t = ty("poverty");
        assert_eq!(t.step(0).unwrap().level, Level::Village);
        assert_eq!(t.step(1).unwrap().level, Level::Township);
        assert!(t.step(2).is_none());
        assert!(!t.is_last_step(0));
        assert!(t.is_last_step(1));
        assert!(!t.is_last_step(2));
        let none = CertificateType { steps: vec![], ..t };
        assert!(!none.is_last_step(0));
        assert!(none.check().is_err());
    }

    #[test]
    fn check_catches_inconsistent_edits() {
        let mut t = ty("poverty");
        t.promised_days = 4; // steps add up to 5
        t.issuing_level = Level::Village;
        t.body_template.push_str("{nonexistent}");
        t.documents[0].kind = "passport".into();
        let problems = t.check().unwrap_err();
        assert_eq!(problems.len(), 4, "{problems:?}");
    }

    #[test]
    fn short_labels_drop_units() {
        let t = ty("housing");
        let f = t.field("floor_area").unwrap();
        assert_eq!(f.short_label_zh(), "建筑面积");
        assert_eq!(f.short_label_en(), "Floor area");
        assert_eq!(t.field("location").unwrap().short_label_zh(), "房屋坐落");
    }

    #[test]
    fn openapi_schema_uses_the_serde_names() {
        let schema =
            serde_json::to_value(<CertificateType as utoipa::PartialSchema>::schema()).unwrap();
        let props = schema["properties"].as_object().unwrap();
        for key in [
            "code",
            "issuing_level",
            "fields",
            "documents",
            "steps",
            "promised_days",
            "body_template",
        ] {
            assert!(props.contains_key(key), "{key}");
        }
        let kind = serde_json::to_value(<FieldKind as utoipa::PartialSchema>::schema()).unwrap();
        assert!(kind.to_string().contains("\"textarea\""), "{kind}");
        let level = serde_json::to_value(<Level as utoipa::PartialSchema>::schema()).unwrap();
        assert!(level.to_string().contains("\"township\""), "{level}");
    }

    /// Chinese characters or full-width punctuation (《》（）、，；。“” stay: curly
    /// quotes are not CJK).
    fn has_cjk(s: &str) -> bool {
        s.chars().any(|c| {
            matches!(c, '\u{3000}'..='\u{303f}' | '\u{3400}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}')
        })
    }

    /// 第六十二条 → 62 (numbers up to 99 written with 十).
    fn chinese_number(s: &str) -> u32 {
        let digit = |c: char| "一二三四五六七八九".find(c).map(|i| i as u32 / 3 + 1);
        let chars: Vec<char> = s.chars().collect();
        match chars.iter().position(|&c| c == '十') {
            None => chars.iter().fold(0, |n, &c| n * 10 + digit(c).unwrap()),
            Some(i) => {
                let tens = if i == 0 { 1 } else { digit(chars[0]).unwrap() };
                tens * 10 + chars.get(i + 1).and_then(|&c| digit(c)).unwrap_or(0)
            }
        }
    }

    #[test]
    fn every_seeded_type_has_english_texts() {
        for t in types() {
            let c = &t.code;
            for (key, text) in [
                ("legal_basis_en", &t.legal_basis_en),
                ("who_may_apply_en", &t.who_may_apply_en),
                ("delivery_note_en", &t.delivery_note_en),
            ] {
                assert!(!text.trim().is_empty(), "{c}: {key} is empty");
                assert!(!has_cjk(text), "{c}: {key} has Chinese: {text}");
                assert!(text.ends_with('.'), "{c}: {key} is a sentence: {text}");
            }
            for d in &t.documents {
                assert!(!d.description_en.trim().is_empty(), "{c}/{}", d.kind);
                assert!(!has_cjk(&d.description_en), "{c}/{}", d.kind);
            }
            for f in &t.fields {
                assert_eq!(
                    f.help_zh.is_some(),
                    f.help_en.is_some(),
                    "{c}/{}: help_en exactly where help_zh",
                    f.name
                );
                if let Some(h) = &f.help_en {
                    assert!(!h.trim().is_empty() && !has_cjk(h), "{c}/{}: {h}", f.name);
                }
            }
            // Article, decree and document numbers survive the translation:
            // 第六十二条 → Article 62, 国务院令第649号 → Decree No. 649,
            // 民发〔2021〕57号 → [2021] No. 57.
            let zh = &t.legal_basis;
            let en = &t.legal_basis_en;
            for (i, _) in zh.match_indices('第') {
                let rest = &zh[i + '第'.len_utf8()..];
                let end = rest
                    .find(|c: char| !c.is_ascii_digit() && !"一二三四五六七八九十".contains(c))
                    .unwrap();
                let (n, unit) = (&rest[..end], rest[end..].chars().next().unwrap());
                let want = match unit {
                    '条' => format!("Article {}", chinese_number(n)),
                    '号' => format!("Decree No. {n}"),
                    '章' => format!(
                        "Chapter {}",
                        ["I", "II", "III"][chinese_number(n) as usize - 1]
                    ),
                    other => panic!("{c}: 第{n}{other}"),
                };
                assert!(en.contains(&want), "{c}: {want} in {en}");
            }
            for (i, _) in zh.match_indices('〔') {
                let rest = &zh[i + '〔'.len_utf8()..];
                let (year, after) = rest.split_once('〕').unwrap();
                let number = &after[..after.find('号').unwrap()];
                let want = format!("[{year}] No. {number})");
                assert!(en.contains(&want), "{c}: {want} in {en}");
            }
            // The laws by their official English titles.
            for (law_zh, law_en) in [
                (
                    "《社会救助暂行办法》",
                    "Interim Measures for Social Assistance",
                ),
                (
                    "《居住证暂行条例》",
                    "Interim Regulation on Residence Permits",
                ),
                (
                    "《中华人民共和国土地管理法》",
                    "Land Administration Law of the People's Republic of China",
                ),
                (
                    "《中华人民共和国农村土地承包法》",
                    "Law of the People's Republic of China on Land Contract in Rural Areas",
                ),
                (
                    "《中华人民共和国就业促进法》",
                    "Employment Promotion Law of the People's Republic of China",
                ),
            ] {
                assert_eq!(zh.contains(law_zh), en.contains(law_en), "{c}: {law_en}");
            }
        }
        assert_eq!(chinese_number("十二"), 12);
        assert_eq!(chinese_number("二十四"), 24);
        assert_eq!(chinese_number("六十二"), 62);
        assert_eq!(chinese_number("十"), 10);
    }

    #[test]
    fn check_wants_the_english_texts() {
        let mut t = ty("poverty");
        t.legal_basis_en = " ".into();
        t.documents[0].description_en.clear();
        t.fields[0].help_en = None; // help_zh stays
        let problems = t.check().unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems
            .iter()
            .any(|p| p.en == "legal_basis_en must not be empty"));
    }

    #[test]
    fn a_type_stored_without_english_texts_is_backfilled_from_the_seed() {
        let seed = ty("poverty");
        let full = serde_json::to_value(&seed).unwrap();
        let mut old = full.clone();
        for key in ["legal_basis_en", "who_may_apply_en", "delivery_note_en"] {
            old.as_object_mut().unwrap().remove(key);
        }
        for d in old["documents"].as_array_mut().unwrap() {
            d.as_object_mut().unwrap().remove("description_en");
        }
        for f in old["fields"].as_array_mut().unwrap() {
            f.as_object_mut().unwrap().remove("help_en");
        }
        // The English texts are required: the old spec no longer parses as it is.
        assert!(serde_json::from_value::<CertificateType>(old.clone()).is_err());
        // An admin's edit of a text that exists is kept.
        old["documents"][0]["description_en"] = json!("Both sides of the ID card");
        assert!(backfill_english_texts(&mut old, &seed));
        let back: CertificateType = serde_json::from_value(old.clone()).unwrap();
        assert_eq!(
            back.documents[0].description_en,
            "Both sides of the ID card"
        );
        assert_eq!(back.legal_basis_en, seed.legal_basis_en);
        assert_eq!(back.documents[1..], seed.documents[1..]);
        assert_eq!(back.fields, seed.fields);
        // Nothing left to add the second time; a complete spec is untouched.
        assert!(!backfill_english_texts(&mut old, &seed));
        let mut same = full.clone();
        assert!(!backfill_english_texts(&mut same, &seed));
        assert_eq!(same, full);
    }

    #[test]
    fn today_is_a_sane_date() {
        assert!(today_in_china().year() >= 2025);
    }
}
