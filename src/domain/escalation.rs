//! When an overdue case is escalated: the first working morning after its node
//! deadline (08:00 China time), so a supervisor reads it at the start of a working day
//! rather than at midnight or during a holiday.

use chrono::{NaiveDateTime, NaiveTime, TimeDelta};

use super::calendar::{china_date, WorkCalendar};

/// Office hours start at 08:00 local time.
pub const MORNING: NaiveTime = match NaiveTime::from_hms_opt(8, 0, 0) {
    Some(t) => t,
    None => panic!("08:00 is a valid time"),
};

/// The UTC instant from which a node with this deadline is escalated.
pub fn escalate_from(cal: &WorkCalendar, node_deadline: NaiveDateTime) -> NaiveDateTime {
    let due_day = china_date(node_deadline.and_utc());
    let first_overdue = cal.add_working_days(due_day, 1);
    first_overdue.and_time(MORNING) - TimeDelta::hours(8)
}

/// Whether the node is due for escalation at `now`.
pub fn is_due(cal: &WorkCalendar, node_deadline: NaiveDateTime, now: NaiveDateTime) -> bool {
    node_deadline < now && escalate_from(cal, node_deadline) <= now
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::{end_of_china_day, seed_holidays};
    use chrono::NaiveDate;

    fn utc(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn first_working_morning_after_the_deadline() {
        let cal = WorkCalendar::from_holidays(&seed_holidays());
        // Due Fri 2026-02-13: the festival follows, but Sat Feb 14 is a make-up workday.
        let due = end_of_china_day(NaiveDate::from_ymd_opt(2026, 2, 13).unwrap()).naive_utc();
        assert_eq!(escalate_from(&cal, due), utc("2026-02-14 00:00"));
        assert!(!is_due(&cal, due, utc("2026-02-13 23:59")));
        assert!(is_due(&cal, due, utc("2026-02-14 00:00")));
        // Due Sat Feb 14: next working morning is Tue Feb 24, 08:00 Beijing.
        let due = end_of_china_day(NaiveDate::from_ymd_opt(2026, 2, 14).unwrap()).naive_utc();
        assert_eq!(escalate_from(&cal, due), utc("2026-02-24 00:00"));
        assert!(!is_due(&cal, due, utc("2026-02-20 03:00")));
        // Into a year without a calendar: provisionally, Fri 2027-01-01 is 元旦 and the
        // weekend follows, so Mon Jan 4, 08:00 Beijing.
        let due = end_of_china_day(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()).naive_utc();
        assert_eq!(escalate_from(&cal, due), utc("2027-01-04 00:00"));
    }
}
