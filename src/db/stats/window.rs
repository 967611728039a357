//! The period the figures are for, and the instant they are taken at.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};

use super::sql::Val;

/// The period and instant the figures are for: `[lo, hi)` are the UTC instants of the
/// first day's and the day after the last day's China midnight.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub now: NaiveDateTime,
    /// Open nodes due by then are at risk.
    pub at_risk_until: NaiveDateTime,
}

impl Window {
    fn china_midnight(d: NaiveDate) -> NaiveDateTime {
        d.and_time(chrono::NaiveTime::MIN) - chrono::TimeDelta::hours(8)
    }

    /// `[lo, hi)` of the window (see the type's docs).
    pub(crate) fn bounds(&self) -> (NaiveDateTime, NaiveDateTime) {
        let hi = self.to.succ_opt().unwrap_or(self.to);
        (Self::china_midnight(self.from), Self::china_midnight(hi))
    }

    pub(super) fn vals(&self) -> HashMap<&'static str, Val> {
        let (lo, hi) = self.bounds();
        HashMap::from([
            ("lo", Val::Ts(lo)),
            ("hi", Val::Ts(hi)),
            ("now", Val::Ts(self.now)),
            ("until", Val::Ts(self.at_risk_until)),
            (
                "from_day",
                Val::Text(self.from.format("%Y-%m-%d").to_string()),
            ),
            ("to_day", Val::Text(self.to.format("%Y-%m-%d").to_string())),
        ])
    }
}
