//! Why a certificate was revoked, as the public sees it on `/verify`: one of a fixed
//! list. The official's own words (which may name people or circumstances) stay
//! internal: on the staff pages and in the case trail.

use super::Invalid;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RevocationCode {
    /// 信息有误: the certificate states something wrong.
    WrongInformation,
    /// 重复开具: issued twice.
    Duplicate,
    /// 申请人撤回: the applicant withdrew.
    ApplicantWithdrew,
    /// 依法撤销: revoked under the law (e.g. obtained by deception).
    Annulled,
    /// 其他: anything else (and revocations from before the list).
    Other,
}

impl RevocationCode {
    pub const ALL: [RevocationCode; 5] = [
        RevocationCode::WrongInformation,
        RevocationCode::Duplicate,
        RevocationCode::ApplicantWithdrew,
        RevocationCode::Annulled,
        RevocationCode::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RevocationCode::WrongInformation => "wrong_information",
            RevocationCode::Duplicate => "duplicate",
            RevocationCode::ApplicantWithdrew => "applicant_withdrew",
            RevocationCode::Annulled => "annulled",
            RevocationCode::Other => "other",
        }
    }

    /// The stored code; anything unknown or missing is "other".
    pub fn from_stored(s: Option<&str>) -> RevocationCode {
        s.and_then(|s| Self::parse(s).ok())
            .unwrap_or(RevocationCode::Other)
    }

    pub fn parse(s: &str) -> Result<RevocationCode, Invalid> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == s.trim())
            .ok_or_else(|| {
                Invalid::new(
                    "撤销原因类别无效，请从列表中选择",
                    "Unknown revocation reason; choose one from the list",
                )
            })
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            RevocationCode::WrongInformation => "信息有误",
            RevocationCode::Duplicate => "重复开具",
            RevocationCode::ApplicantWithdrew => "申请人撤回",
            RevocationCode::Annulled => "依法撤销",
            RevocationCode::Other => "其他",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            RevocationCode::WrongInformation => "Incorrect information",
            RevocationCode::Duplicate => "Issued twice",
            RevocationCode::ApplicantWithdrew => "Withdrawn by the applicant",
            RevocationCode::Annulled => "Revoked under the law",
            RevocationCode::Other => "Other",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_is_other() {
        for c in RevocationCode::ALL {
            assert_eq!(RevocationCode::parse(c.as_str()).unwrap(), c);
            assert_eq!(RevocationCode::from_stored(Some(c.as_str())), c);
            assert_eq!(
                serde_json::to_value(c).unwrap(),
                serde_json::json!(c.as_str())
            );
        }
        assert!(RevocationCode::parse("申请材料不实").is_err());
        assert_eq!(RevocationCode::from_stored(None), RevocationCode::Other);
        assert_eq!(
            RevocationCode::from_stored(Some("x")),
            RevocationCode::Other
        );
        assert_eq!(RevocationCode::WrongInformation.label_zh(), "信息有误");
    }
}
