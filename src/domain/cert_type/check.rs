//! The coherence check of a type, for the seed and for an admin's edit.

use std::collections::BTreeSet;

use super::{CertificateType, FieldKind, DOCUMENT_KINDS, RENDERER_KEYS};
use crate::domain::Invalid;

impl CertificateType {
    /// Checks that the type is coherent (for the seed and for an admin's edit): code and
    /// field names are snake_case and unique, selects have options, step days add up to at
    /// most the promised limit, which is at most the statutory one (given only with its source), the issuing level is the
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
            if d.slots.len() > d.max_count as usize {
                bad(
                    format!("材料“{}”的分项多于数量上限", d.kind),
                    format!("Document “{}”: more slots than max_count", d.kind),
                );
            }
            for (i, slot) in d.slots.iter().enumerate() {
                let plain = !slot.code.is_empty()
                    && slot.code.len() <= 20
                    && slot
                        .code
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b == b'_');
                if !plain || d.slots[..i].iter().any(|s| s.code == slot.code) {
                    bad(
                        format!("材料“{}”的分项代码“{}”无效或重复（小写字母）", d.kind, slot.code),
                        format!("Document “{}”: slot code “{}” is invalid or repeated (lowercase letters)", d.kind, slot.code),
                    );
                }
                if slot.name_zh.trim().is_empty() || slot.name_en.trim().is_empty() {
                    bad(
                        format!("材料“{}”的分项名称不能为空", d.kind),
                        format!("Document “{}”: slot names must not be empty", d.kind),
                    );
                }
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
        let source_given = self
            .statutory_source
            .as_deref()
            .is_some_and(|s| !s.trim().is_empty());
        if self.statutory_days.is_some() != source_given {
            bad(
                "法定时限必须与设定它的法条（statutory_source）同时填写".into(),
                "statutory_days goes together with statutory_source, the article that sets it"
                    .into(),
            );
        }
        if self.statutory_days.is_some_and(|s| self.promised_days > s) {
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
        if let Some(r) = &self.roster {
            let columns = r.kind.columns();
            for (field, column) in &r.fills {
                if self.field(field).is_none() || !columns.contains(&column.as_str()) {
                    bad(
                        format!("名册填表规则“{field} ← {column}”无对应字段或列"),
                        format!("Roster fill “{field} ← {column}” names no field or column"),
                    );
                }
            }
            for field in r.sets.keys() {
                if self.field(field).is_none() {
                    bad(
                        format!("名册规则设定的字段“{field}”不存在"),
                        format!("The roster rule sets “{field}”, which is no field"),
                    );
                }
            }
            for kind in &r.proves_documents {
                if !self.documents.iter().any(|d| &d.kind == kind) {
                    bad(
                        format!("名册证明的材料“{kind}”不在本类型的材料中"),
                        format!("The roster proves “{kind}”, which this type does not ask for"),
                    );
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

fn is_snake_case(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}
