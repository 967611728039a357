//! The courier dispatch state machine (docs/architecture.md §4): `created → picked_up →
//! out_for_delivery → delivered`, with failed attempts looping back to
//! `out_for_delivery` until the limit, after which the certificate goes back to the
//! office (`returned`) instead of circulating forever.

use super::Invalid;

/// How many failed delivery attempts before a dispatch must be returned.
pub const DEFAULT_MAX_ATTEMPTS: i32 = 3;

/// Wrong delivery codes a dispatch takes before it locks: the office is told and sends
/// the recipient a new code, which unlocks it (issue 14: 6 digits cannot be guessed in 5).
pub const MAX_CODE_FAILURES: i32 = 5;

/// The answer to a delivery code while the dispatch is locked — the right code too.
pub fn code_locked() -> Invalid {
    Invalid::new(
        "投递验证码错误次数过多，本投递已锁定；已通知乡镇办公室，请待收件人收到新的验证码后再试",
        "Too many wrong delivery codes: this dispatch is locked. The office has been told; \
         try again once the recipient has received a new code",
    )
}

/// The answer to a wrong delivery code that leaves `left` tries.
pub fn code_wrong(left: i32) -> Invalid {
    Invalid::new(
        format!("投递验证码不正确，请核对收件人短信（还可尝试{left}次）"),
        format!("The delivery code is wrong; check the recipient's SMS ({left} tries left)"),
    )
}

/// After a wrong code with `failures` wrong codes before it: the new count, and whether
/// the dispatch locks now.
pub fn after_wrong_code(failures: i32) -> (i32, bool) {
    let n = failures.saturating_add(1);
    (n, n >= MAX_CODE_FAILURES)
}

/// Where a dispatch stands. Stored as the snake_case [`DispatchStatus::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DispatchStatus {
    Created,
    PickedUp,
    OutForDelivery,
    FailedAttempt,
    Delivered,
    Returned,
}

impl DispatchStatus {
    pub const ALL: &'static [DispatchStatus] = &[
        DispatchStatus::Created,
        DispatchStatus::PickedUp,
        DispatchStatus::OutForDelivery,
        DispatchStatus::FailedAttempt,
        DispatchStatus::Delivered,
        DispatchStatus::Returned,
    ];

    pub fn as_str(self) -> &'static str {
        use DispatchStatus::*;
        match self {
            Created => "created",
            PickedUp => "picked_up",
            OutForDelivery => "out_for_delivery",
            FailedAttempt => "failed_attempt",
            Delivered => "delivered",
            Returned => "returned",
        }
    }

    /// Reads a stored value; `None` for anything unknown.
    pub fn parse(s: &str) -> Option<DispatchStatus> {
        Self::ALL.iter().copied().find(|st| st.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        use DispatchStatus::*;
        match self {
            Created => "待揽收",
            PickedUp => "已揽收",
            OutForDelivery => "派送中",
            FailedAttempt => "投递未成功",
            Delivered => "已妥投",
            Returned => "已退回",
        }
    }

    pub fn label_en(self) -> &'static str {
        use DispatchStatus::*;
        match self {
            Created => "Awaiting pick-up",
            PickedUp => "Picked up",
            OutForDelivery => "Out for delivery",
            FailedAttempt => "Delivery attempt failed",
            Delivered => "Delivered",
            Returned => "Returned to the office",
        }
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, DispatchStatus::Delivered | DispatchStatus::Returned)
    }
}

/// What a courier records (`POST /dispatches/{id}/events`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DispatchEvent {
    PickUp,
    OutForDelivery,
    Fail,
    Deliver,
    Return,
}

impl DispatchEvent {
    /// In the order the courier's page offers them: delivery before a failed attempt.
    pub const ALL: &'static [DispatchEvent] = &[
        DispatchEvent::PickUp,
        DispatchEvent::OutForDelivery,
        DispatchEvent::Deliver,
        DispatchEvent::Fail,
        DispatchEvent::Return,
    ];

    pub fn as_str(self) -> &'static str {
        use DispatchEvent::*;
        match self {
            PickUp => "pick_up",
            OutForDelivery => "out_for_delivery",
            Fail => "fail",
            Deliver => "deliver",
            Return => "return",
        }
    }

    pub fn parse(s: &str) -> Result<DispatchEvent, Invalid> {
        let s = s.trim();
        Self::ALL.iter().copied().find(|e| e.as_str() == s).ok_or_else(|| {
            Invalid::new(
                "未知的投递操作，可选：pick_up、out_for_delivery、fail、deliver、return",
                "Unknown dispatch event; expected one of pick_up, out_for_delivery, fail, deliver, return",
            )
        })
    }

    pub fn label_zh(self) -> &'static str {
        use DispatchEvent::*;
        match self {
            PickUp => "揽收",
            OutForDelivery => "开始派送",
            Fail => "投递失败",
            Deliver => "妥投",
            Return => "退回",
        }
    }

    pub fn label_en(self) -> &'static str {
        use DispatchEvent::*;
        match self {
            PickUp => "Pick up",
            OutForDelivery => "Out for delivery",
            Fail => "Delivery failed",
            Deliver => "Deliver",
            Return => "Return to the office",
        }
    }

    /// How the event reads after "Cannot …" in English messages.
    fn en_verb(self) -> &'static str {
        use DispatchEvent::*;
        match self {
            PickUp => "pick up",
            OutForDelivery => "send out for delivery",
            Fail => "record a failed attempt for",
            Deliver => "deliver",
            Return => "return",
        }
    }
}

/// Why a delivery attempt failed: a fixed list so figures can be grouped, plus "other"
/// with the courier's own words.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FailReason {
    NotHome,
    Refused,
    WrongAddress,
    AddressNotFound,
    Other(String),
}

/// Longest free text accepted for [`FailReason::Other`], in characters.
const OTHER_MAX_CHARS: usize = 200;

impl FailReason {
    pub const ALL_CODES: &'static [&'static str] = &[
        "not_home",
        "refused",
        "wrong_address",
        "address_not_found",
        "other",
    ];

    /// `text` is required (trimmed, 1–200 characters) for `other` and ignored otherwise.
    pub fn parse(code: &str, text: Option<&str>) -> Result<FailReason, Invalid> {
        match code.trim() {
            "not_home" => Ok(FailReason::NotHome),
            "refused" => Ok(FailReason::Refused),
            "wrong_address" => Ok(FailReason::WrongAddress),
            "address_not_found" => Ok(FailReason::AddressNotFound),
            "other" => {
                let text = text.map(str::trim).unwrap_or_default();
                if text.is_empty() {
                    return Err(Invalid::new(
                        "选择“其他”时请填写投递失败的原因",
                        "Please describe why the delivery failed when choosing “other”",
                    ));
                }
                if text.chars().count() > OTHER_MAX_CHARS {
                    return Err(Invalid::new(
                        format!("投递失败原因不能超过{OTHER_MAX_CHARS}字"),
                        format!("The reason may be at most {OTHER_MAX_CHARS} characters"),
                    ));
                }
                Ok(FailReason::Other(text.to_owned()))
            }
            _ => Err(Invalid::new(
                "请从列表中选择投递失败原因",
                "Please choose a failure reason from the list: not_home, refused, wrong_address, address_not_found, other",
            )),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            FailReason::NotHome => "not_home",
            FailReason::Refused => "refused",
            FailReason::WrongAddress => "wrong_address",
            FailReason::AddressNotFound => "address_not_found",
            FailReason::Other(_) => "other",
        }
    }

    /// The text for the dispatch trail and the resident's SMS.
    pub fn describe_zh(&self) -> String {
        match self {
            FailReason::NotHome => "收件人不在家".to_owned(),
            FailReason::Refused => "拒收".to_owned(),
            FailReason::WrongAddress => "地址错误".to_owned(),
            FailReason::AddressNotFound => "地址无法找到".to_owned(),
            FailReason::Other(text) => format!("其他：{text}"),
        }
    }

    pub fn describe_en(&self) -> String {
        match self {
            FailReason::NotHome => "Recipient not at home".to_owned(),
            FailReason::Refused => "Refused".to_owned(),
            FailReason::WrongAddress => "Wrong address".to_owned(),
            FailReason::AddressNotFound => "Address not found".to_owned(),
            FailReason::Other(text) => format!("Other: {text}"),
        }
    }
}

/// The dispatch status after `event`. `failed_attempts` counts failures recorded so
/// far (including the one that led to `failed_attempt`); a `max_attempts` below 1 is
/// treated as 1.
pub fn next_dispatch_status(
    from: DispatchStatus,
    event: DispatchEvent,
    failed_attempts: i32,
    max_attempts: i32,
) -> Result<DispatchStatus, Invalid> {
    use DispatchEvent as E;
    use DispatchStatus as S;
    let max = max_attempts.max(1);
    let exhausted = failed_attempts >= max;
    match (event, from) {
        (E::PickUp, S::Created) => Ok(S::PickedUp),
        (E::OutForDelivery, S::PickedUp) => Ok(S::OutForDelivery),
        (E::OutForDelivery, S::FailedAttempt) if exhausted => Err(Invalid::new(
            format!("已投递失败{failed_attempts}次，达到上限{max}次，请将证明退回办理机关"),
            format!(
                "Delivery has failed {failed_attempts} times (limit {max}); return the certificate to the office"
            ),
        )),
        (E::OutForDelivery, S::FailedAttempt) => Ok(S::OutForDelivery),
        (E::Fail, S::OutForDelivery) => Ok(S::FailedAttempt),
        (E::Deliver, S::OutForDelivery) => Ok(S::Delivered),
        (E::Return, S::FailedAttempt) if exhausted => Ok(S::Returned),
        (E::Return, S::FailedAttempt) => Err(Invalid::new(
            format!("投递失败未满{max}次，不能退回（已失败{failed_attempts}次），请继续派送"),
            format!(
                "Cannot return before {max} failed attempts ({failed_attempts} so far); try delivering again"
            ),
        )),
        _ => Err(Invalid::new(
            format!(
                "当前配送状态为“{}”，不能执行“{}”",
                from.label_zh(),
                event.label_zh()
            ),
            format!(
                "Cannot {} a dispatch that is {}",
                event.en_verb(),
                from.label_en().to_lowercase()
            ),
        )),
    }
}

/// The events a courier may record on a dispatch in `from` now, in [`DispatchEvent::ALL`]
/// order: exactly those [`next_dispatch_status`] accepts.
pub fn allowed_events(
    from: DispatchStatus,
    failed_attempts: i32,
    max_attempts: i32,
) -> Vec<DispatchEvent> {
    DispatchEvent::ALL
        .iter()
        .copied()
        .filter(|&e| next_dispatch_status(from, e, failed_attempts, max_attempts).is_ok())
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_fifth_wrong_code_locks() {
        assert_eq!(after_wrong_code(0), (1, false));
        assert_eq!(after_wrong_code(3), (4, false));
        assert_eq!(after_wrong_code(4), (5, true));
        assert_eq!(after_wrong_code(i32::MAX), (i32::MAX, true));
    }

    use super::*;
    use DispatchEvent as E;
    use DispatchStatus as S;

    /// Expected outcome for every (status, event) with `failed_attempts` below the limit
    /// and at the limit: `Some(to)` allowed, `None` refused.
    const TABLE: &[(S, E, Option<S>, Option<S>)] = &[
        // (from, event, below limit, at limit)
        (S::Created, E::PickUp, Some(S::PickedUp), Some(S::PickedUp)),
        (S::Created, E::OutForDelivery, None, None),
        (S::Created, E::Fail, None, None),
        (S::Created, E::Deliver, None, None),
        (S::Created, E::Return, None, None),
        (S::PickedUp, E::PickUp, None, None),
        (
            S::PickedUp,
            E::OutForDelivery,
            Some(S::OutForDelivery),
            Some(S::OutForDelivery),
        ),
        (S::PickedUp, E::Fail, None, None),
        (S::PickedUp, E::Deliver, None, None),
        (S::PickedUp, E::Return, None, None),
        (S::OutForDelivery, E::PickUp, None, None),
        (S::OutForDelivery, E::OutForDelivery, None, None),
        (
            S::OutForDelivery,
            E::Fail,
            Some(S::FailedAttempt),
            Some(S::FailedAttempt),
        ),
        (
            S::OutForDelivery,
            E::Deliver,
            Some(S::Delivered),
            Some(S::Delivered),
        ),
        (S::OutForDelivery, E::Return, None, None),
        (S::FailedAttempt, E::PickUp, None, None),
        (
            S::FailedAttempt,
            E::OutForDelivery,
            Some(S::OutForDelivery),
            None,
        ),
        (S::FailedAttempt, E::Fail, None, None),
        (S::FailedAttempt, E::Deliver, None, None),
        (S::FailedAttempt, E::Return, None, Some(S::Returned)),
        (S::Delivered, E::PickUp, None, None),
        (S::Delivered, E::OutForDelivery, None, None),
        (S::Delivered, E::Fail, None, None),
        (S::Delivered, E::Deliver, None, None),
        (S::Delivered, E::Return, None, None),
        (S::Returned, E::PickUp, None, None),
        (S::Returned, E::OutForDelivery, None, None),
        (S::Returned, E::Fail, None, None),
        (S::Returned, E::Deliver, None, None),
        (S::Returned, E::Return, None, None),
    ];

    #[test]
    fn full_transition_table() {
        assert_eq!(TABLE.len(), S::ALL.len() * E::ALL.len());
        for &(from, event, below, at) in TABLE {
            for failed in 0..DEFAULT_MAX_ATTEMPTS {
                let got = next_dispatch_status(from, event, failed, DEFAULT_MAX_ATTEMPTS);
                assert_eq!(got.ok(), below, "{from:?} {event:?} failed={failed}");
            }
            for failed in [DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_ATTEMPTS + 1, i32::MAX] {
                let got = next_dispatch_status(from, event, failed, DEFAULT_MAX_ATTEMPTS);
                assert_eq!(got.ok(), at, "{from:?} {event:?} failed={failed}");
            }
        }
    }

    #[test]
    fn allowed_events_follow_the_table() {
        assert_eq!(allowed_events(S::Created, 0, 3), [E::PickUp]);
        assert_eq!(
            allowed_events(S::OutForDelivery, 0, 3),
            [E::Deliver, E::Fail]
        );
        assert_eq!(allowed_events(S::FailedAttempt, 1, 3), [E::OutForDelivery]);
        assert_eq!(allowed_events(S::FailedAttempt, 3, 3), [E::Return]);
        assert!(allowed_events(S::Delivered, 0, 3).is_empty());
    }

    #[test]
    fn messages() {
        let err = next_dispatch_status(S::FailedAttempt, E::Return, 1, 3).unwrap_err();
        assert!(err.zh.starts_with("投递失败未满3次，不能退回"), "{err}");
        assert!(err.en.contains("3 failed attempts"), "{err}");
        let err = next_dispatch_status(S::FailedAttempt, E::OutForDelivery, 3, 3).unwrap_err();
        assert!(err.zh.contains("退回"), "{err}");
        assert!(err.en.contains("return"), "{err}");
        let err = next_dispatch_status(S::Delivered, E::Fail, 0, 3).unwrap_err();
        assert_eq!(err.zh, "当前配送状态为“已妥投”，不能执行“投递失败”");
        assert_eq!(
            err.en,
            "Cannot record a failed attempt for a dispatch that is delivered"
        );
    }

    #[test]
    fn custom_and_silly_limits() {
        assert_eq!(
            next_dispatch_status(S::FailedAttempt, E::Return, 1, 1),
            Ok(S::Returned)
        );
        assert_eq!(
            next_dispatch_status(S::FailedAttempt, E::OutForDelivery, 4, 5),
            Ok(S::OutForDelivery)
        );
        // A limit of 0 or less behaves like 1: one failure allows a return.
        assert!(next_dispatch_status(S::FailedAttempt, E::Return, 0, 0).is_err());
        assert_eq!(
            next_dispatch_status(S::FailedAttempt, E::Return, 1, -5),
            Ok(S::Returned)
        );
    }

    #[test]
    fn a_whole_journey_with_three_failures() {
        let mut st = S::Created;
        let mut failed = 0;
        let step = |st: S, e: E, failed: i32| {
            next_dispatch_status(st, e, failed, DEFAULT_MAX_ATTEMPTS).unwrap()
        };
        st = step(st, E::PickUp, failed);
        for _ in 0..3 {
            st = step(st, E::OutForDelivery, failed);
            st = step(st, E::Fail, failed);
            failed += 1;
        }
        assert_eq!(st, S::FailedAttempt);
        assert!(next_dispatch_status(st, E::OutForDelivery, failed, 3).is_err());
        st = step(st, E::Return, failed);
        assert_eq!(st, S::Returned);
        assert!(st.is_terminal());
    }

    #[test]
    fn status_strings() {
        for &s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
        assert_eq!(S::parse("lost"), None);
        let terminal: Vec<S> = S::ALL.iter().copied().filter(|s| s.is_terminal()).collect();
        assert_eq!(terminal, [S::Delivered, S::Returned]);
        let zh: Vec<&str> = S::ALL.iter().map(|s| s.label_zh()).collect();
        assert_eq!(
            zh,
            [
                "待揽收",
                "已揽收",
                "派送中",
                "投递未成功",
                "已妥投",
                "已退回"
            ]
        );
        assert!(S::ALL.iter().all(|s| !s.label_en().is_empty()));
    }

    #[test]
    fn event_strings() {
        for &e in E::ALL {
            assert_eq!(E::parse(e.as_str()), Ok(e));
            assert!(!e.label_zh().is_empty() && !e.label_en().is_empty());
        }
        assert_eq!(E::parse(" deliver "), Ok(E::Deliver));
        for s in ["", "Deliver", "delivered", "妥投", "😀"] {
            assert!(E::parse(s).unwrap_err().zh.contains("未知"), "{s}");
        }
    }

    #[test]
    fn fail_reasons() {
        let fixed = [
            ("not_home", FailReason::NotHome, "收件人不在家"),
            ("refused", FailReason::Refused, "拒收"),
            ("wrong_address", FailReason::WrongAddress, "地址错误"),
            (
                "address_not_found",
                FailReason::AddressNotFound,
                "地址无法找到",
            ),
        ];
        for (code, reason, zh) in fixed.clone() {
            let parsed = FailReason::parse(code, None).unwrap();
            assert_eq!(parsed, reason);
            assert_eq!(parsed.code(), code);
            assert_eq!(parsed.describe_zh(), zh);
            assert!(!parsed.describe_en().is_empty());
            // Text is ignored for fixed reasons.
            assert_eq!(FailReason::parse(code, Some("x")).unwrap(), reason);
        }
        let other = FailReason::parse("other", Some("  狗太凶，无法进院  ")).unwrap();
        assert_eq!(other, FailReason::Other("狗太凶，无法进院".to_owned()));
        assert_eq!(other.code(), "other");
        assert_eq!(other.describe_zh(), "其他：狗太凶，无法进院");
        assert_eq!(other.describe_en(), "Other: 狗太凶，无法进院");
        let codes: Vec<&str> = fixed
            .iter()
            .map(|f| f.0)
            .chain(std::iter::once("other"))
            .collect();
        assert_eq!(FailReason::ALL_CODES, codes.as_slice());
    }

    #[test]
    fn other_needs_text_of_reasonable_length() {
        for text in [None, Some(""), Some("   \n")] {
            let err = FailReason::parse("other", text).unwrap_err();
            assert!(err.zh.contains("请填写"), "{err}");
        }
        // 200 multi-byte characters are fine, 201 are not: counted in characters.
        let ok = "路".repeat(200);
        assert!(FailReason::parse("other", Some(&ok)).is_ok());
        let long = "路".repeat(201);
        let err = FailReason::parse("other", Some(&long)).unwrap_err();
        assert!(err.zh.contains("200"), "{err}");
        for code in ["", "lost", "NOT_HOME", "不在家"] {
            assert!(FailReason::parse(code, Some("x"))
                .unwrap_err()
                .zh
                .contains("列表"));
        }
    }
}
