//! The coherence check refuses inconsistent types.

use super::*;

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
