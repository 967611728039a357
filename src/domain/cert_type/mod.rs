//! The certificate-type catalogue (docs/architecture.md §11): types are data, never code branches.
//!
//! The eleven seeded types live in `seed/certificate_types.json` (edited by people, embedded
//! at build time). This module holds their model and the seed; the validation of an
//! applicant's form against a type is in `form`, the rendering of the certificate body from
//! the type's template in `body`, and the coherence check of a type in `check`.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

mod body;
mod check;
mod form;
#[cfg(test)]
mod tests;

/// The embedded seed catalogue.
const SEED_JSON: &str = include_str!("../../../seed/certificate_types.json");

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
    /// Named places for the photos, in order (an ID card's 正面 and 反面), so the
    /// resident sees which one is still missing; none for most kinds. At most
    /// `max_count`; further files (if `max_count` allows) have no name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slots: Vec<SlotSpec>,
}

/// One named place of a document kind, e.g. `front` / 正面.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlotSpec {
    /// Short code sent with the upload (`slot`), e.g. `front`.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

impl DocumentSpec {
    /// The slot named `code`, if this kind has it.
    pub fn slot(&self, code: &str) -> Option<&SlotSpec> {
        self.slots.iter().find(|s| s.code == code)
    }
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
    /// 法定时限, working days: only together with `statutory_source`, the article that
    /// sets it; without a cited source no statutory limit is shown (issue 15: the seed's
    /// 10/15/20 days were not set by any cited document).
    #[serde(default)]
    pub statutory_days: Option<u32>,
    /// The article that sets `statutory_days`, e.g. "《……条例》第十条".
    #[serde(default)]
    pub statutory_source: Option<String>,
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
    /// The roster that confirms this type's facts, if any (issue 16): it fills the form,
    /// spares the documents it proves, and may approve at once (秒批).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roster: Option<crate::domain::roster::RosterRule>,
}

/// The seeded catalogue (docs/architecture.md §11), from the embedded `seed/certificate_types.json`.
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

    /// The statutory limit and its source, when the catalogue cites one.
    pub fn statutory_limit(&self) -> Option<(u32, &str)> {
        match (self.statutory_days, self.statutory_source.as_deref()) {
            (Some(days), Some(source)) if !source.trim().is_empty() => Some((days, source)),
            _ => None,
        }
    }

    /// Sum of the steps' time limits in working days.
    pub fn total_step_days(&self) -> u32 {
        self.steps.iter().map(|s| s.time_limit_days).sum()
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
