//! Tests of the catalogue, one file per concern of the module; the seeded types and the
//! helpers they share are here.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde_json::{json, Map, Value};

use super::body::format_decimal;
use super::form::today_in_china;
use super::*;
use crate::domain::Invalid;

mod body;
mod catalogue;
mod check;
mod form;

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
