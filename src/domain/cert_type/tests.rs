//! Tests of the catalogue: the seed, form validation, the body template, the check.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde_json::{json, Map, Value};

use super::body::format_decimal;
use super::form::today_in_china;
use super::*;
use crate::domain::Invalid;

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
