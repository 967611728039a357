//! Issue 19: every name prints. Rare characters from the CJK extensions go through
//! registration, review and approval and come out on the certificate; what no
//! face can print is refused where it is typed, naming the code point.

use serde_json::json;

use crate::both_backends;
use crate::helpers::{accounts, spawn_app, Backend};

/// 刘䶮𠮷 (Ext A U+4DAE, Ext B U+20BB7) with Ext C–F characters in the address: the
/// township's approval issues the certificate, which carries every character
/// (pdftotext), embeds each face used as a subset (pdffonts), and whose QR code
/// still decodes.
async fn a_rare_name_is_issued_and_printed(backend: Backend) {
    let app = spawn_app(backend).await;
    let name = "刘䶮𠮷";
    let (resident, _, _) = app.new_resident(name).await;
    let mut form = crate::helpers::residence_form();
    // 𪜀 (Ext C), 𫝀 (D), 𫠠 (E), 𬺰 (F).
    form["address"] = json!("大山村𪜀𫝀𫠠𬺰组12号");
    let r = app
        .create_application(
            &resident,
            json!({"type": "residence", "jurisdiction": accounts::VILLAGE, "form": form,
                   "delivery": {"method": "pickup"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let draft = r.body;
    app.upload_required_documents(&resident, &draft).await;
    let village = app.login_staff("official", accounts::VILLAGE).await;
    let township = app.login_staff("official", accounts::TOWNSHIP).await;
    let case = app.act_ok(&resident, &draft, "submit", None).await;
    let case = app.act_ok(&village, &case, "accept", None).await;
    let case = app.act_ok(&village, &case, "approve", None).await;
    let case = app.act_ok(&township, &case, "approve", None).await;
    let id = case["id"].as_str().unwrap();
    let resp = app
        .client
        .get(format!(
            "{}/api/v1/applications/{id}/certificate.pdf",
            app.base
        ))
        .bearer_auth(&resident)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let pdf = resp.bytes().await.unwrap().to_vec();
    let text: String = crate::pdf_support::pdftotext(&pdf)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    assert!(text.contains(name), "{text}");
    assert!(text.contains("𪜀𫝀𫠠𬺰"), "{text}");
    let fonts = crate::pdf_support::pdffonts(&pdf);
    for face in ["UMingCN", "HanaMinA", "HanaMinB"] {
        assert!(
            fonts.contains(&format!("+{face}")),
            "{face} subset: {fonts}"
        );
    }
    assert!(
        crate::pdf_support::decode_qr(&pdf).contains("/verify/"),
        "QR decodes"
    );
}
both_backends!(a_rare_name_is_issued_and_printed);

/// A private-use code point in the subject's name and an emoji in the delivery
/// address are refused at draft time, each naming its code point, in zh and en.
async fn unprintable_characters_are_refused_at_draft_time(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("王小明").await;
    let r = app
        .create_application(
            &resident,
            json!({"type": "residence", "jurisdiction": accounts::VILLAGE,
                   "form": crate::helpers::residence_form(),
                   "subject": {"name": "王\u{E0A1}明", "id_number": crate::helpers::id_number()},
                   "delivery": {"method": "courier", "recipient": "王小明", "phone": "13912345678",
                                "address": "敦化市雁鸣湖镇大山村三组12号\u{1F3E0}"}}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let zh = &r.body["error"]["fields"];
    let en = &r.body["error"]["fields_en"];
    let name_zh = zh["subject.name"].as_str().unwrap_or_default();
    assert!(
        name_zh.contains("U+E0A1") && name_zh.contains("备注"),
        "{}",
        r.body
    );
    assert!(
        en["subject.name"]
            .as_str()
            .unwrap_or_default()
            .contains("U+E0A1"),
        "{}",
        r.body
    );
    let addr = zh["delivery.address"].as_str().unwrap_or_default();
    assert!(
        addr.contains("表情符号") && addr.contains("U+1F3E0"),
        "{}",
        r.body
    );
    assert!(
        en["delivery.address"]
            .as_str()
            .unwrap_or_default()
            .contains("emoji"),
        "{}",
        r.body
    );
}
both_backends!(unprintable_characters_are_refused_at_draft_time);
