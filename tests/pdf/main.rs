//! Certificates of all 11 types, labels and manifests, checked the way a reader
//! would: poppler's `pdffonts`, `pdftotext` and `pdftoppm`, and the QR code decoded
//! from the raster with `rqrr`.

mod support;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use support::*;
use zhengming::domain::cert_type::seed_types;
use zhengming::pdf::label::{render_label, LabelContent};
use zhengming::pdf::manifest::{render_manifest, ManifestContent, ManifestStop};
use zhengming::verify::seal::check_file;
use zhengming::workflow::issue::{render_signed, CertificateFacts};

const LONG_NAME: &str = "欧阳娜娜木错阿依古丽扎西卓玛";
const LONG_TEXT: &str = "吉林省延边朝鲜族自治州敦化市大石头镇新华村三组幸福路一百二十八号院内东侧第二排平房从左数第三间，因病因残多年无固定收入来源，家中两位老人常年卧病在床需要长期照料";

fn values(
    t: &zhengming::domain::cert_type::CertificateType,
    long: bool,
) -> BTreeMap<String, String> {
    let mut v = BTreeMap::new();
    for p in t.placeholders() {
        let s = match (p.as_str(), long) {
            ("subject_name", false) => "张伟".to_owned(),
            ("subject_name", true) => LONG_NAME.to_owned(),
            ("subject_id_number", _) => "22240319900101123X".to_owned(),
            ("county_name", _) => "敦化市".to_owned(),
            ("township_name", _) => "大石头镇".to_owned(),
            ("village_name", _) => "新华村".to_owned(),
            (_, false) => "三".to_owned(),
            (_, true) => LONG_TEXT.to_owned(),
        };
        v.insert(p, s);
    }
    v
}

#[test]
fn every_type_renders_long_and_short_with_subset_font_text_and_qr() {
    let env = Env::new();
    let types = seed_types();
    assert_eq!(types.len(), 11);
    let mut n = 0;
    for t in &types {
        for long in [false, true] {
            n += 1;
            let number = format!("222403101-2026-{n:05}");
            let vals = values(t, long);
            let purpose = if long {
                LONG_TEXT
            } else {
                "办理助学贷款"
            };
            let signed = render_signed(
                &env.font,
                &env.layouts,
                &env.keys,
                "https://zm.example.cn",
                &CertificateFacts {
                    cert_type: t,
                    number: &number,
                    office_code: "222403101",
                    office: "敦化市大石头镇人民政府",
                    issue_day: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
                    issued_at: None,
                    values: &vals,
                    purpose,
                },
            )
            .unwrap_or_else(|e| panic!("{} long={long}: {e:?}", t.code));
            let pdf = &signed.pdf;
            assert!(pdf.len() < 80_000, "{}: {} bytes", t.code, pdf.len());

            let fonts = pdffonts(pdf);
            let rows: Vec<&str> = fonts.lines().skip(2).collect();
            assert_eq!(rows.len(), 1, "{fonts}");
            let name = rows[0].split_whitespace().next().unwrap();
            assert!(
                name.len() > 7 && name.as_bytes()[6] == b'+',
                "subset tag: {fonts}"
            );
            let cols: Vec<&str> = rows[0].split_whitespace().collect();
            assert_eq!(
                &cols[cols.len() - 5..cols.len() - 2],
                &["yes", "yes", "yes"],
                "{fonts}"
            );

            let text: String = pdftotext(pdf)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            let layout = env.layouts.for_type(&t.code);
            assert!(text.contains(&layout.title), "{}: title in {text}", t.code);
            assert!(text.contains(&number), "{}: number", t.code);
            assert!(
                text.contains(&vals["subject_name"]),
                "{}: holder name",
                t.code
            );
            assert!(
                text.contains("二〇二六年十一月二十八日"),
                "{}: date",
                t.code
            );
            assert!(text.contains("扫码核验真伪"));

            if t.code == "poverty" && !long {
                save_png(pdf, "certificate-poverty");
            }
            if t.code == "collective_member" && long {
                save_png(pdf, "certificate-long");
            }
            // The QR code, read from a 200 dpi raster, is the verify URL.
            let qr = decode_qr(pdf);
            assert_eq!(qr, signed.verify_url, "{}", t.code);
            assert!(qr.starts_with(&format!("https://zm.example.cn/verify/{number}?t=v1.")));
            assert!(!qr.contains("22240319900101123X"), "no ID number in the QR");

            // The file seal checks out offline.
            assert_eq!(check_file(pdf, &env.keys).unwrap().number, number);
        }
    }
}

#[test]
fn a_character_no_font_has_is_refused_by_name() {
    let env = Env::new();
    let t = &seed_types()[0];
    let mut vals = values(t, false);
    // U+31328 (Ext G): no face of the chain has it (BabelStone Han covers 3,045 of G).
    vals.insert("subject_name".into(), "吉\u{31328}".into());
    let r = render_signed(
        &env.font,
        &env.layouts,
        &env.keys,
        "https://zm.example.cn",
        &CertificateFacts {
            cert_type: t,
            number: "222403101-2026-00001",
            office_code: "222403101",
            office: "敦化市大石头镇人民政府",
            issue_day: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
            issued_at: None,
            values: &vals,
            purpose: "",
        },
    );
    let msg = match r {
        Err(zhengming::error::AppError::Unprocessable(m)) => m.to_string(),
        other => panic!("expected a refusal, got {:?}", other.map(|s| s.pdf.len())),
    };
    assert!(msg.contains("U+31328"), "{msg}");
}

#[test]
fn label_has_barcode_text_and_qr_and_manifest_groups_by_village() {
    let env = Env::new();
    let l = LabelContent {
        tracking_number: "ZD2026112800017".into(),
        recipient: LONG_NAME.into(),
        phone: "13812345678".into(),
        address: LONG_TEXT.into(),
        village: "新华村".into(),
        sender: "敦化市大石头镇人民政府".into(),
        certificate_number: "222403101-2026-00001".into(),
    };
    let pdf = render_label(&env.font, &l).unwrap();
    let text: String = pdftotext(&pdf)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    assert!(text.contains("ZD2026112800017"));
    assert!(text.contains(LONG_NAME));
    assert!(text.contains("138****5678") && !text.contains("13812345678"));
    assert_eq!(decode_qr(&pdf), "ZD2026112800017");
    save_png(&pdf, "label");

    let stop = |t: &str, signer: Option<&str>| ManifestStop {
        tracking_number: t.into(),
        recipient: "李秀英".into(),
        phone: "13812345678".into(),
        address: LONG_TEXT.into(),
        status_zh: "派送中".into(),
        signer: signer.map(Into::into),
    };
    let m = ManifestContent {
        courier: "赵投递".into(),
        date_zh: "二〇二六年十一月二十八日".into(),
        villages: vec![
            (
                "新华村".into(),
                (0..30).map(|i| stop(&format!("ZD{i:013}"), None)).collect(),
            ),
            (
                "红石村".into(),
                vec![stop("ZD9999999999999", Some("王签收"))],
            ),
        ],
    };
    let pdf = render_manifest(&env.font, &m).unwrap();
    let text = pdftotext(&pdf);
    let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(flat.contains("新华村（30件）") && flat.contains("红石村（1件）"));
    assert!(flat.contains("签收人签名") && flat.contains("王签收"));
    assert!(
        flat.contains("第2页"),
        "30 stops with long addresses take more than a page"
    );
    let a = flat.find("新华村（30件）").unwrap();
    let b = flat.find("红石村（1件）").unwrap();
    assert!(a < b, "villages in the list's order");
    save_png(&pdf, "manifest");
}

/// 䶮 (U+4DAE, CJK Ext A, as in 刘䶮) is in AR PL UMing but outside GB2312, so it
/// is not in the primary face the font cuts at load time.
const RARE: char = '䶮';

#[test]
fn the_primary_face_covers_every_template_and_a_rare_name_falls_back_to_the_full_font() {
    let env = Env::new();
    let primary = env
        .font
        .primary()
        .expect("a primary face is cut from uming.ttc");
    assert!(
        primary.glyph_count() < env.font.glyph_count() / 2,
        "{:?}",
        env.font
    );

    // Every fixed text of every seeded type and layout, and the usual data, is in
    // the primary face, so ordinary certificates never need the full font.
    for t in seed_types() {
        let l = env.layouts.for_type(&t.code);
        for s in [
            t.title_zh.as_str(),
            t.body_template.as_str(),
            l.title.as_str(),
            l.purpose_line.as_str(),
            l.validity_line.as_str(),
            l.qr_caption.as_str(),
            LONG_NAME,
            LONG_TEXT,
            "二〇二六年十一月二十八日〔〕（）《》、。·—…—0123456789",
            "敦化市大石头镇人民政府证明专用章第页，共",
        ] {
            let missing: Vec<char> = primary
                .missing_glyphs(s)
                .into_iter()
                .filter(|c| *c != '\n' && *c != '\r')
                .collect();
            assert!(
                missing.is_empty(),
                "{}: {missing:?} not in the primary face",
                t.code
            );
        }
        assert!(std::ptr::eq(
            env.font.for_texts([t.body_template.as_str(), LONG_NAME]),
            primary
        ));
    }

    // A rare character: in the full font, not in the primary face.
    assert!(env.font.has_glyph(RARE) && !primary.has_glyph(RARE));
    let name = format!("刘{RARE}");
    assert!(std::ptr::eq(env.font.for_texts(["张伟", &name]), &env.font));

    let t = seed_types()
        .into_iter()
        .find(|t| t.code == "poverty")
        .unwrap();
    let mut vals = values(&t, false);
    vals.insert("subject_name".into(), name.clone());
    let signed = render_signed(
        &env.font,
        &env.layouts,
        &env.keys,
        "https://zm.example.cn",
        &CertificateFacts {
            cert_type: &t,
            number: "222403101-2026-00077",
            office_code: "222403101",
            office: "敦化市大石头镇人民政府",
            issue_day: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
            issued_at: None,
            values: &vals,
            purpose: "办理助学贷款",
        },
    )
    .expect("a rare name renders with the full font");
    let pdf = &signed.pdf;
    assert!(pdf.len() < 50_000, "{} bytes", pdf.len());
    let fonts = pdffonts(pdf);
    // The primary face's subset, and the rare character's, cut from the full face.
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert_eq!(rows.len(), 2, "{fonts}");
    for row in rows {
        assert_eq!(row.as_bytes()[6], b'+', "subset tag: {fonts}");
        assert!(row.contains("UMingCN"), "{fonts}");
    }
    let text: String = pdftotext(pdf)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    assert!(text.contains(&name), "rare name extracts: {text}");
    assert!(text.contains("二〇二六年十一月二十八日"));
    assert_eq!(decode_qr(pdf), signed.verify_url);
    assert_eq!(
        check_file(pdf, &env.keys).unwrap().number,
        "222403101-2026-00077"
    );

    // The label and the manifest fall back the same way.
    let l = LabelContent {
        tracking_number: "ZD2026112800018".into(),
        recipient: name.clone(),
        phone: "13812345678".into(),
        address: "新华村三组".into(),
        village: "新华村".into(),
        sender: "敦化市大石头镇人民政府".into(),
        certificate_number: "222403101-2026-00077".into(),
    };
    let label: String = pdftotext(&render_label(&env.font, &l).unwrap())
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    assert!(label.contains(&name), "{label}");
}
