//! The certificate body rendered from the template.

use super::*;

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
        "兹证明张桂芝（公民身份号码：220421198001010022）系东丰县东丰镇青龙村村民。\
         该户家庭人口4人，其中劳动力1人，家庭年收入约12000.5元。因家庭成员患重大疾病，家庭经济困难。\
         具体情况：父亲患尿毒症需长期透析。\n经村（居）民委员会初审、东丰镇审核，上述情况属实。\n特此证明。"
    );
}

/// Issue 19: never "致富村村（居）民"; names ending in 村, 社区 and 居委会 each get
/// the one suffix that fits, a bare name keeps the template's wording.
#[test]
fn the_resident_suffix_is_never_doubled() {
    let t = ty("poverty");
    let form = validate(&t, poverty_form()).unwrap();
    let mut values = t.template_values(&form);
    for (village, expected) in [
        ("致富村", "系东丰县东丰镇致富村村民。"),
        ("幸福社区", "系东丰县东丰镇幸福社区居民。"),
        ("向阳居委会", "系东丰县东丰镇向阳居委会居民。"),
        ("青龙", "系东丰县东丰镇青龙村（居）民。"),
    ] {
        values.insert("county_name".into(), "东丰县".into());
        values.insert("township_name".into(), "东丰镇".into());
        values.insert("village_name".into(), village.into());
        let body = t.render_body(&values);
        assert!(body.contains(expected), "{village}: {body}");
        assert!(!body.contains("村村（居）民"), "{body}");
        // The committee line elsewhere in the body is not the village's suffix.
        assert!(body.contains("经村（居）民委员会初审"), "{body}");
    }
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
