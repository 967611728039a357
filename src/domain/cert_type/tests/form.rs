//! Form validation: each field kind normalised or refused with a named message.

use super::*;

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
fn today_is_a_sane_date() {
    assert!(today_in_china().year() >= 2025);
}
