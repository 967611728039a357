//! Applying for someone else (代办, issue 16): how the applicant is related to the
//! person the certificate is about, and how that person agreed.

use super::Invalid;

/// The applicant's relationship to the subject, from a fixed list; `Other` carries the
/// applicant's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Relationship {
    Spouse,
    Parent,
    Child,
    Sibling,
    Grandparent,
    Grandchild,
    Guardian,
    Other(String),
}

pub const RELATIONSHIPS: [&str; 8] = [
    "spouse",
    "parent",
    "child",
    "sibling",
    "grandparent",
    "grandchild",
    "guardian",
    "other",
];

impl Relationship {
    /// `code` from [`RELATIONSHIPS`]; `note` is required (and kept) for `other` only.
    pub fn parse(code: &str, note: Option<&str>) -> Result<Relationship, Invalid> {
        Ok(match code.trim() {
            "spouse" => Relationship::Spouse,
            "parent" => Relationship::Parent,
            "child" => Relationship::Child,
            "sibling" => Relationship::Sibling,
            "grandparent" => Relationship::Grandparent,
            "grandchild" => Relationship::Grandchild,
            "guardian" => Relationship::Guardian,
            "other" => {
                let note = super::text::required(
                    note.unwrap_or(""),
                    "与当事人的关系说明",
                    "How you are related to the person",
                    50,
                )?;
                Relationship::Other(note)
            }
            "" => {
                return Err(Invalid::new(
                    "为他人申请时，请选择您与当事人的关系",
                    "When applying for someone else, choose how you are related to them",
                ))
            }
            other => {
                return Err(Invalid::new(
                    format!("未知的关系“{other}”，可选：{}", RELATIONSHIPS.join("、")),
                    format!(
                        "Unknown relationship '{other}'; use one of {}",
                        RELATIONSHIPS.join(", ")
                    ),
                ))
            }
        })
    }

    pub fn code(&self) -> &'static str {
        match self {
            Relationship::Spouse => "spouse",
            Relationship::Parent => "parent",
            Relationship::Child => "child",
            Relationship::Sibling => "sibling",
            Relationship::Grandparent => "grandparent",
            Relationship::Grandchild => "grandchild",
            Relationship::Guardian => "guardian",
            Relationship::Other(_) => "other",
        }
    }

    pub fn note(&self) -> Option<&str> {
        match self {
            Relationship::Other(n) => Some(n),
            _ => None,
        }
    }
}

/// The label of a stored relationship code (the subject is the applicant's …).
pub fn relationship_label(code: &str, zh: bool) -> &'static str {
    let (z, e) = match code {
        "spouse" => ("配偶", "Spouse"),
        "parent" => ("父母", "Parent"),
        "child" => ("子女", "Child"),
        "sibling" => ("兄弟姐妹", "Sibling"),
        "grandparent" => ("祖父母、外祖父母", "Grandparent"),
        "grandchild" => ("孙子女、外孙子女", "Grandchild"),
        "guardian" => ("监护对象", "Ward (applicant is guardian)"),
        _ => ("其他", "Other"),
    };
    if zh {
        z
    } else {
        e
    }
}

/// How the subject agreed to the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consent {
    /// A code sent to the subject's own phone, read out to the applicant.
    Sms,
    /// A photographed signed authorisation (委托书), checked by the village official at
    /// the first step.
    Authorisation,
}

impl Consent {
    pub fn parse(s: &str) -> Result<Consent, Invalid> {
        match s.trim() {
            "sms" => Ok(Consent::Sms),
            "authorisation" => Ok(Consent::Authorisation),
            _ => Err(Invalid::new(
                "同意方式只能是 sms（当事人手机验证码）或 authorisation（签字的委托书照片）",
                "The consent method must be sms (a code sent to the person's phone) or authorisation (a photo of a signed authorisation)",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Consent::Sms => "sms",
            Consent::Authorisation => "authorisation",
        }
    }
}

/// The document kind of a signed authorisation (委托书): accepted on any case made for
/// someone else, whatever its type asks for.
pub const AUTHORISATION_KIND: &str = "authorisation";
pub const AUTHORISATION_NAME_ZH: &str = "委托书（当事人签字）";
pub const AUTHORISATION_NAME_EN: &str = "Signed authorisation";
/// At most this many photos of it (front and back, say).
pub const AUTHORISATION_MAX: u32 = 2;

/// The authorisation as a document the case takes (beside its type's list).
pub fn authorisation_spec() -> super::cert_type::DocumentSpec {
    super::cert_type::DocumentSpec {
        kind: AUTHORISATION_KIND.into(),
        name_zh: AUTHORISATION_NAME_ZH.into(),
        name_en: AUTHORISATION_NAME_EN.into(),
        description_zh: "当事人没有手机时，拍摄其签字（或按手印）的委托书，由村（社区）经办人核对".into(),
        description_en: "When the person has no phone: a photo of the authorisation they signed (or thumb-printed), checked by the village official".into(),
        required: false,
        max_count: AUTHORISATION_MAX,
        slots: Vec::new(),
    }
}

/// Why a case made for someone else cannot be submitted yet.
pub fn no_consent() -> Invalid {
    Invalid::new(
        "为他人申请须取得当事人同意：请向当事人手机发送验证码并填写，或上传当事人签字的委托书照片",
        "An application for someone else needs their consent: enter the code sent to their phone, or upload a photo of the authorisation they signed",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relationships_parse_and_other_needs_words() {
        for c in RELATIONSHIPS.iter().filter(|c| **c != "other") {
            assert_eq!(Relationship::parse(c, None).unwrap().code(), *c);
        }
        assert!(Relationship::parse("other", None).is_err());
        let o = Relationship::parse("other", Some("  邻居 ")).unwrap();
        assert_eq!((o.code(), o.note()), ("other", Some("邻居")));
        assert!(Relationship::parse("", None).is_err());
        assert!(Relationship::parse("friend", None).is_err());
        assert_eq!(Consent::parse("sms"), Ok(Consent::Sms));
        assert!(Consent::parse("phone").is_err());
    }
}
