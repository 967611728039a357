//! The order of the dashboard's township table (`/supervise?sort=`): by any column,
//! worst first by default (`-` before the key reverses it), so the townships that need
//! attention come to the top without JavaScript.

use std::cmp::Ordering;

use super::Figures;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Name,
    Received,
    Finished,
    Avg,
    SameDay,
    OnTime,
    Overdue,
    AtRisk,
}

impl SortKey {
    pub const ALL: [SortKey; 8] = [
        SortKey::Name,
        SortKey::Received,
        SortKey::Finished,
        SortKey::Avg,
        SortKey::SameDay,
        SortKey::OnTime,
        SortKey::Overdue,
        SortKey::AtRisk,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::Received => "received",
            SortKey::Finished => "finished",
            SortKey::Avg => "avg",
            SortKey::SameDay => "same_day",
            SortKey::OnTime => "on_time",
            SortKey::Overdue => "overdue",
            SortKey::AtRisk => "at_risk",
        }
    }
}

/// A parsed `sort` value: the key and whether it runs against its natural order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub key: SortKey,
    pub reversed: bool,
}

impl Default for Sort {
    /// Most overdue first: what a supervisor acts on.
    fn default() -> Self {
        Sort {
            key: SortKey::Overdue,
            reversed: false,
        }
    }
}

impl Sort {
    /// `overdue`, `-on_time` …; anything unknown is the default order (a hand-typed
    /// link should still show the table).
    pub fn parse(s: Option<&str>) -> Sort {
        let s = s.unwrap_or("").trim();
        let (reversed, name) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        SortKey::ALL
            .into_iter()
            .find(|k| k.as_str() == name)
            .map_or_else(Sort::default, |key| Sort { key, reversed })
    }

    pub fn as_param(self) -> String {
        format!(
            "{}{}",
            if self.reversed { "-" } else { "" },
            self.key.as_str()
        )
    }

    /// The `sort` value a column header links to: this column, or the reverse of the
    /// current order when it is this column already.
    pub fn toggle(self, key: SortKey) -> Sort {
        Sort {
            key,
            reversed: key == self.key && !self.reversed,
        }
    }

    /// Whether the rows run from low to high (names A→Z, rates worst first).
    pub fn ascending(self) -> bool {
        let natural = matches!(self.key, SortKey::Name | SortKey::SameDay | SortKey::OnTime);
        natural != self.reversed
    }

    /// Sorts the rows; `name_of` gives a row's township name. Ties keep the name order.
    pub fn apply(self, rows: &mut [Figures], name_of: impl Fn(&Figures) -> String) {
        rows.sort_by(|a, b| {
            let by_name = name_of(a).cmp(&name_of(b));
            let o = self.worst_first(a, b);
            let o = if self.reversed { o.reverse() } else { o };
            o.then(by_name)
        });
    }

    /// Natural order: names A→Z; counts and days high→low; rates low→high (worst
    /// first); a missing figure last.
    fn worst_first(self, a: &Figures, b: &Figures) -> Ordering {
        let desc = |x: u64, y: u64| y.cmp(&x);
        match self.key {
            SortKey::Name => Ordering::Equal,
            SortKey::Received => desc(a.received, b.received),
            SortKey::Finished => desc(a.finished, b.finished),
            SortKey::Overdue => desc(a.open_overdue, b.open_overdue),
            SortKey::AtRisk => desc(a.open_at_risk, b.open_at_risk),
            SortKey::Avg => opt(a.avg_working_days, b.avg_working_days, true),
            SortKey::SameDay => opt(a.same_day_rate, b.same_day_rate, false),
            SortKey::OnTime => opt(a.on_time_rate, b.on_time_rate, false),
        }
    }
}

/// Compares optional figures, a missing one last, high first when `high_first`.
fn opt(a: Option<f64>, b: Option<f64>, high_first: bool) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => {
            let o = x.partial_cmp(&y).unwrap_or(Ordering::Equal);
            if high_first {
                o.reverse()
            } else {
                o
            }
        }
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, overdue: u64, on_time: Option<f64>) -> Figures {
        Figures {
            key: Some(name.into()),
            open_overdue: overdue,
            on_time_rate: on_time,
            ..Figures::default()
        }
    }

    fn names(rows: &[Figures]) -> Vec<&str> {
        rows.iter().map(|r| r.key.as_deref().unwrap()).collect()
    }

    #[test]
    fn worst_first_and_reversed() {
        let mut rows = vec![
            row("a", 0, Some(0.9)),
            row("b", 3, Some(0.5)),
            row("c", 1, None),
        ];
        let name = |f: &Figures| f.key.clone().unwrap();
        Sort::parse(None).apply(&mut rows, name);
        assert_eq!(names(&rows), ["b", "c", "a"], "most overdue first");
        Sort::parse(Some("on_time")).apply(&mut rows, name);
        assert_eq!(
            names(&rows),
            ["b", "a", "c"],
            "lowest rate first, none last"
        );
        Sort::parse(Some("-overdue")).apply(&mut rows, name);
        assert_eq!(names(&rows), ["a", "c", "b"]);
        Sort::parse(Some("name")).apply(&mut rows, name);
        assert_eq!(names(&rows), ["a", "b", "c"]);
        assert_eq!(Sort::parse(Some("nonsense';--")), Sort::default());
    }

    #[test]
    fn a_header_toggles_its_own_column_only() {
        let s = Sort::parse(Some("avg"));
        assert_eq!(s.toggle(SortKey::Avg).as_param(), "-avg");
        assert_eq!(s.toggle(SortKey::Received).as_param(), "received");
        assert_eq!(
            Sort::parse(Some("-avg")).toggle(SortKey::Avg).as_param(),
            "avg"
        );
    }
}
