//! Sign-in throttling, as rules over a failure record (the record is kept in the
//! database by `workflow::session`): a few failures are free; after them every further
//! attempt waits a delay that doubles with each failure; at the lock threshold the key
//! is locked for a while, and each failure after that locks it again. A record with no
//! failure for [`FORGET_AFTER`] starts over. Also the wording of a refusal ("try again
//! at …"), shared by every 429 that says when.

use chrono::{Duration, NaiveDateTime};

use super::Invalid;

/// A record whose last failure is this old (and not locked) counts from zero again.
pub const FORGET_AFTER: Duration = Duration::hours(24);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Failures before any delay.
    pub free_failures: i32,
    /// Failures that lock the key.
    pub lock_failures: i32,
    /// The delay after `free_failures` failures; doubles with each one more.
    pub first_delay: Duration,
    /// How long a lock lasts.
    pub lock: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub failures: i32,
    pub last_failure_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
}

/// Why an attempt must wait, and until when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Too many failures in a row: a short, growing delay.
    Delay(NaiveDateTime),
    /// Locked until then.
    Locked(NaiveDateTime),
}

impl Wait {
    pub fn until(self) -> NaiveDateTime {
        match self {
            Wait::Delay(t) | Wait::Locked(t) => t,
        }
    }

    /// The later of two waits (a lock wins a tie).
    pub fn max(a: Option<Wait>, b: Option<Wait>) -> Option<Wait> {
        match (a, b) {
            (Some(x), Some(y)) => Some(
                if y.until() > x.until() || (y.until() == x.until() && matches!(y, Wait::Locked(_)))
                {
                    y
                } else {
                    x
                },
            ),
            (x, None) => x,
            (None, y) => y,
        }
    }
}

impl Policy {
    /// The record as it counts at `now`: `None` when forgotten.
    fn live<'a>(&self, r: Option<&'a Record>, now: NaiveDateTime) -> Option<&'a Record> {
        r.filter(|r| {
            r.last_failure_at > now - FORGET_AFTER || r.locked_until.is_some_and(|l| l > now)
        })
    }

    /// The wait after `failures` failures (none below the free ones), at most a lock.
    pub fn delay(&self, failures: i32) -> Duration {
        if failures < self.free_failures {
            return Duration::zero();
        }
        let doublings = (failures - self.free_failures).clamp(0, 20);
        let d = self.first_delay * 2i32.pow(doublings as u32);
        d.min(self.lock)
    }

    /// Whether an attempt at `now` must wait, and until when.
    pub fn wait(&self, r: Option<&Record>, now: NaiveDateTime) -> Option<Wait> {
        let r = self.live(r, now)?;
        let locked = r.locked_until.filter(|l| *l > now).map(Wait::Locked);
        let delayed = Some(r.last_failure_at + self.delay(r.failures))
            .filter(|t| *t > now && r.failures >= self.free_failures)
            .map(Wait::Delay);
        Wait::max(locked, delayed)
    }

    /// The record after one more failure at `now`.
    pub fn fail(&self, r: Option<&Record>, now: NaiveDateTime) -> Record {
        let r = self.live(r, now);
        let failures = r.map_or(0, |r| r.failures).saturating_add(1);
        let locked_until = if failures >= self.lock_failures {
            Some(now + self.lock)
        } else {
            r.and_then(|r| r.locked_until).filter(|l| *l > now)
        };
        Record {
            failures,
            last_failure_at: now,
            locked_until,
        }
    }

    /// The record when an attempt counted in advance (by [`Policy::fail`]) succeeded
    /// after all: one failure fewer, and no lock that failure alone caused. `None`:
    /// nothing left to keep.
    pub fn undo(&self, r: &Record) -> Option<Record> {
        let failures = r.failures - 1;
        if failures <= 0 {
            return None;
        }
        Some(Record {
            failures,
            last_failure_at: r.last_failure_at,
            locked_until: r.locked_until.filter(|_| failures >= self.lock_failures),
        })
    }
}

/// A moment as Beijing time, `HH:MM` (with the date when it is not today in Beijing).
pub fn beijing_time(t: NaiveDateTime, now: NaiveDateTime) -> String {
    let offset = Duration::hours(8);
    let (lt, ln) = (t + offset, now + offset);
    if lt.date() == ln.date() {
        lt.format("%H:%M").to_string()
    } else {
        lt.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// Whole seconds from `now` to `until`, at least 1 (the `Retry-After` value).
pub fn seconds_until(until: NaiveDateTime, now: NaiveDateTime) -> u64 {
    let ms = (until - now).num_milliseconds().max(0);
    (ms as u64).div_ceil(1000).max(1)
}

/// "Try again in n seconds" (under two minutes away) or "at HH:MM Beijing time".
pub fn try_again(until: NaiveDateTime, now: NaiveDateTime) -> (String, String) {
    let secs = seconds_until(until, now);
    if secs < 120 {
        (
            format!("请{secs}秒后再试"),
            format!("try again in {secs} seconds"),
        )
    } else {
        let at = beijing_time(until, now);
        (
            format!("请于北京时间{at}后再试"),
            format!("try again after {at} (Beijing time)"),
        )
    }
}

/// The refusal of a sign-in that must wait.
pub fn refusal(wait: Wait, now: NaiveDateTime) -> Invalid {
    let (zh, en) = try_again(wait.until(), now);
    match wait {
        Wait::Delay(_) => Invalid::new(
            format!("登录失败次数过多，{zh}"),
            format!("Too many failed sign-ins; {en}"),
        ),
        Wait::Locked(_) => Invalid::new(
            format!("连续登录失败次数过多，已暂时锁定，{zh}；也可以通过“忘记密码”用短信验证码重设密码"),
            format!(
                "Too many failed sign-ins: sign-in is locked for now; {en}, or reset the password by SMS with 'Forgot password'"
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000 + secs, 0)
            .unwrap()
            .naive_utc()
    }

    const P: Policy = Policy {
        free_failures: 5,
        lock_failures: 10,
        first_delay: Duration::seconds(2),
        lock: Duration::minutes(15),
    };

    #[test]
    fn free_failures_then_a_growing_delay_then_a_lock() {
        let mut r: Option<Record> = None;
        for i in 0..4 {
            r = Some(P.fail(r.as_ref(), at(i)));
            assert_eq!(P.wait(r.as_ref(), at(i)), None, "failure {}", i + 1);
        }
        r = Some(P.fail(r.as_ref(), at(4)));
        assert_eq!(P.wait(r.as_ref(), at(4)), Some(Wait::Delay(at(6))));
        assert_eq!(P.wait(r.as_ref(), at(6)), None);
        r = Some(P.fail(r.as_ref(), at(6)));
        assert_eq!(P.wait(r.as_ref(), at(6)), Some(Wait::Delay(at(10))));
        for n in 7..10 {
            r = Some(P.fail(r.as_ref(), at(1000 * n)));
        }
        assert_eq!(r.as_ref().unwrap().failures, 9);
        assert_eq!(r.as_ref().unwrap().locked_until, None);
        r = Some(P.fail(r.as_ref(), at(20_000)));
        assert_eq!(
            P.wait(r.as_ref(), at(20_000)),
            Some(Wait::Locked(at(20_900)))
        );
        // After the lock one attempt; failing it locks again.
        assert_eq!(P.wait(r.as_ref(), at(20_900)), None);
        r = Some(P.fail(r.as_ref(), at(20_900)));
        assert_eq!(
            P.wait(r.as_ref(), at(20_901)),
            Some(Wait::Locked(at(21_800)))
        );
        // A day later it is forgotten.
        let later = at(21_800) + FORGET_AFTER;
        assert_eq!(P.wait(r.as_ref(), later), None);
        assert_eq!(P.fail(r.as_ref(), later).failures, 1);
    }

    #[test]
    fn a_success_counted_in_advance_is_undone() {
        let r = P.fail(None, at(0));
        assert_eq!(P.undo(&r), None);
        let mut r = None;
        for i in 0..10 {
            r = Some(P.fail(r.as_ref(), at(i)));
        }
        let undone = P.undo(r.as_ref().unwrap()).unwrap();
        assert_eq!(undone.failures, 9);
        assert_eq!(undone.locked_until, None);
    }

    #[test]
    fn refusals_say_when() {
        let m = refusal(Wait::Delay(at(8)), at(0));
        assert!(m.zh.contains("8秒"), "{}", m.zh);
        assert!(m.en.contains("8 seconds"), "{}", m.en);
        let m = refusal(Wait::Locked(at(900)), at(0));
        assert!(
            m.zh.contains("北京时间") && m.zh.contains("忘记密码"),
            "{}",
            m.zh
        );
        assert!(m.en.contains("Beijing time"), "{}", m.en);
        assert_eq!(seconds_until(at(0) + Duration::milliseconds(1), at(0)), 1);
    }
}
