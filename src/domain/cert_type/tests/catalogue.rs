//! The seeded catalogue, the model's serde names and the English texts.

use super::*;

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
        // No seeded type cites the article that would set a statutory limit (issue 15).
        assert_eq!(t.statutory_limit(), None, "{}", t.code);
        assert!([90, 180].contains(&t.validity_days), "{}", t.code);
        assert!(t.total_step_days() <= t.promised_days, "{}", t.code);
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
