//! Pure domain types: no I/O here. Each input type has a `parse()` that either yields a
//! value known to be valid or an [`Invalid`] with messages in Chinese and English.

pub mod calendar;
pub mod cert_type;
pub mod chinese_number;
pub mod dispatch;
pub mod division_import;
pub mod escalation;
pub mod figures;
pub mod holiday_import;
pub mod id_number;
pub mod phone;
pub mod proxy;
pub mod redirect;
pub mod revocation;
pub mod role;
pub mod roster;
pub mod scope;
pub mod status;
pub mod statutory;
pub mod text;
pub mod throttle;
pub mod tracking;

/// Why a value was refused, in the user's two languages (Chinese first).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Invalid {
    pub zh: String,
    pub en: String,
}

impl Invalid {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            zh: zh.into(),
            en: en.into(),
        }
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {}", self.zh, self.en)
    }
}
