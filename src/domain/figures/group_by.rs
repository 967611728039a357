//! What the figures are grouped by: part of the API (`group_by=`), so it lives with the
//! figures; the columns each grouping reads are the database's (`db::stats::statements`).

/// What the figures are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Type,
    Township,
    Village,
    Official,
}

impl GroupBy {
    pub fn parse(s: &str) -> Option<GroupBy> {
        match s.trim() {
            "type" => Some(GroupBy::Type),
            "township" => Some(GroupBy::Township),
            "village" => Some(GroupBy::Village),
            "official" => Some(GroupBy::Official),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Type => "type",
            GroupBy::Township => "township",
            GroupBy::Village => "village",
            GroupBy::Official => "official",
        }
    }
}
