//! Who a user is (role) and where they work (jurisdiction level).

use super::Invalid;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Resident,
    Official,
    Courier,
    Supervisor,
    Admin,
    /// A village agent (代办员, issue 16): applies for villagers of one village, with
    /// their consent; sees the cases they applied for, as a resident sees their own.
    Agent,
}

impl Role {
    pub const STAFF: &'static [Role] = &[
        Role::Official,
        Role::Courier,
        Role::Supervisor,
        Role::Admin,
        Role::Agent,
    ];

    /// Who may apply (create a draft, edit it, upload its documents, submit it): a
    /// resident for themself or someone else, an agent or a village official for a
    /// villager of their village (代办). Each acts on the cases they applied for only.
    pub const APPLICANTS: &'static [Role] = &[Role::Resident, Role::Agent, Role::Official];

    /// Who may see cases (applications, their forms, documents and certificates): not
    /// couriers, who see dispatches only (least privilege, issue 14).
    pub const CASE_READERS: &'static [Role] = &[
        Role::Resident,
        Role::Official,
        Role::Supervisor,
        Role::Admin,
        Role::Agent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Resident => "resident",
            Role::Official => "official",
            Role::Courier => "courier",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
            Role::Agent => "agent",
        }
    }

    pub fn parse(s: &str) -> Result<Role, Invalid> {
        match s.trim() {
            "resident" => Ok(Role::Resident),
            "official" => Ok(Role::Official),
            "courier" => Ok(Role::Courier),
            "supervisor" => Ok(Role::Supervisor),
            "admin" => Ok(Role::Admin),
            "agent" => Ok(Role::Agent),
            other => Err(Invalid::new(
                format!("未知角色“{other}”，可选：official、courier、supervisor、admin、agent"),
                format!(
                    "Unknown role '{other}'; use official, courier, supervisor, admin or agent"
                ),
            )),
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Resident => "办事群众",
            Role::Official => "经办人",
            Role::Courier => "投递员",
            Role::Supervisor => "效能监察",
            Role::Admin => "管理员",
            Role::Agent => "代办员",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Role::Resident => "Resident",
            Role::Official => "Official",
            Role::Courier => "Courier",
            Role::Supervisor => "Supervisor",
            Role::Admin => "Administrator",
            Role::Agent => "Village agent",
        }
    }

    pub fn is_staff(self) -> bool {
        self != Role::Resident
    }
}

/// County (县/区), township (乡/镇/街道) or village (村/社区): national division codes
/// nest, so the level follows from the code's length (6, 9 or 12 digits).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    County,
    Township,
    Village,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::County => "county",
            Level::Township => "township",
            Level::Village => "village",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "county" => Some(Level::County),
            "township" => Some(Level::Township),
            "village" => Some(Level::Village),
            _ => None,
        }
    }

    /// The level of a division code, if it is one.
    pub fn of_code(code: &str) -> Option<Level> {
        if !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        match code.len() {
            6 => Some(Level::County),
            9 => Some(Level::Township),
            12 => Some(Level::Village),
            _ => None,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Level::County => "县（区）",
            Level::Township => "乡镇（街道）",
            Level::Village => "村（社区）",
        }
    }
}

/// The county and township codes a village code lies in.
pub fn parents_of_village(village: &str) -> Option<(&str, &str)> {
    (Level::of_code(village) == Some(Level::Village)).then(|| (&village[..6], &village[..9]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_code_length() {
        assert_eq!(Level::of_code("222403"), Some(Level::County));
        assert_eq!(Level::of_code("222403101"), Some(Level::Township));
        assert_eq!(Level::of_code("222403101201"), Some(Level::Village));
        assert_eq!(Level::of_code("2224031"), None);
        assert_eq!(Level::of_code("22240310120x"), None);
        assert_eq!(Level::of_code("二二二四〇三"), None);
        assert_eq!(
            parents_of_village("222403101201"),
            Some(("222403", "222403101"))
        );
        assert_eq!(parents_of_village("222403101"), None);
    }

    #[test]
    fn roles_round_trip() {
        for r in [
            Role::Resident,
            Role::Official,
            Role::Courier,
            Role::Supervisor,
            Role::Admin,
            Role::Agent,
        ] {
            assert_eq!(Role::parse(r.as_str()), Ok(r));
        }
        assert!(Role::parse("root").is_err());
    }
}
