//! Checking an applicant's form against a type: every field normalised by its kind,
//! errors keyed by field name.

use std::collections::BTreeMap;

use chrono::{Datelike, FixedOffset, NaiveDate, Utc};
use serde_json::{Map, Value};

use super::{
    CertificateType, FieldKind, FieldSpec, DEFAULT_TEXTAREA_MAX_LEN, DEFAULT_TEXT_MAX_LEN,
    FORM_ERROR_KEY,
};
use crate::domain::Invalid;

impl CertificateType {
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
}

impl FieldSpec {
    fn err(&self, zh: impl std::fmt::Display, en: impl std::fmt::Display) -> Invalid {
        Invalid::new(
            format!("“{}”{}", self.short_label_zh(), zh),
            format!("“{}” {}", self.short_label_en(), en),
        )
    }

    pub(super) fn normalise(&self, raw: &Value, today: NaiveDate) -> Result<Value, Invalid> {
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

    pub(super) fn normalise_text(&self, raw: &Value) -> Result<Value, Invalid> {
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
        // Names and addresses in a form (and any other text) are shown to officials
        // and printed on the certificate: no invisible reordering of what they say.
        if s.chars().any(crate::domain::text::is_bidi_control) {
            return Err(self.err(
                "含有文字方向控制字符（如U+202E），请删除后重新填写",
                "contains text-direction control characters (such as U+202E); remove them",
            ));
        }
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
        // What no face can print is refused here, where it is typed, not at approval.
        crate::domain::text::printable(
            &s,
            &format!("“{}”", self.short_label_zh()),
            &format!("“{}”", self.short_label_en()),
        )?;
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
}

/// Today's date in China (UTC+8), whatever the server's time zone.
pub(super) fn today_in_china() -> NaiveDate {
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
