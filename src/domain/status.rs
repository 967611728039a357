//! The application state machine (docs/architecture.md §4). [`next_status`] is the only place that
//! decides whether an action is allowed in a status; routes and the database layer add
//! the role, jurisdiction and version checks around it.

use super::Invalid;

/// Where an application stands. Stored as the snake_case [`ApplicationStatus::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApplicationStatus {
    Draft,
    Submitted,
    UnderReview,
    Returned,
    Rejected,
    Withdrawn,
    Approved,
    Issued,
    Dispatched,
    Completed,
}

impl ApplicationStatus {
    pub const ALL: &'static [ApplicationStatus] = &[
        ApplicationStatus::Draft,
        ApplicationStatus::Submitted,
        ApplicationStatus::UnderReview,
        ApplicationStatus::Returned,
        ApplicationStatus::Rejected,
        ApplicationStatus::Withdrawn,
        ApplicationStatus::Approved,
        ApplicationStatus::Issued,
        ApplicationStatus::Dispatched,
        ApplicationStatus::Completed,
    ];

    pub fn as_str(self) -> &'static str {
        use ApplicationStatus::*;
        match self {
            Draft => "draft",
            Submitted => "submitted",
            UnderReview => "under_review",
            Returned => "returned",
            Rejected => "rejected",
            Withdrawn => "withdrawn",
            Approved => "approved",
            Issued => "issued",
            Dispatched => "dispatched",
            Completed => "completed",
        }
    }

    /// Reads a stored value; `None` for anything unknown.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|st| st.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        use ApplicationStatus::*;
        match self {
            Draft => "草稿",
            Submitted => "已提交",
            UnderReview => "审核中",
            Returned => "退回补正",
            Rejected => "不予办理",
            Withdrawn => "已撤回",
            Approved => "已批准",
            Issued => "已出证",
            Dispatched => "配送中",
            Completed => "已办结",
        }
    }

    pub fn label_en(self) -> &'static str {
        use ApplicationStatus::*;
        match self {
            Draft => "Draft",
            Submitted => "Submitted",
            UnderReview => "Under review",
            Returned => "Returned for correction",
            Rejected => "Rejected",
            Withdrawn => "Withdrawn",
            Approved => "Approved",
            Issued => "Issued",
            Dispatched => "Out for delivery",
            Completed => "Completed",
        }
    }

    /// No action can leave these statuses.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            ApplicationStatus::Rejected
                | ApplicationStatus::Withdrawn
                | ApplicationStatus::Completed
        )
    }

    /// The applicant may edit form data and documents only before submission or while
    /// the office has sent the application back for correction.
    pub fn editable_by_applicant(self) -> bool {
        matches!(self, ApplicationStatus::Draft | ApplicationStatus::Returned)
    }

    /// How the status reads after "an application that is …" in English messages.
    fn en_predicate(self) -> &'static str {
        use ApplicationStatus::*;
        match self {
            Draft => "still a draft",
            Submitted => "submitted",
            UnderReview => "under review",
            Returned => "returned for correction",
            Rejected => "rejected",
            Withdrawn => "withdrawn",
            Approved => "approved",
            Issued => "issued",
            Dispatched => "out for delivery",
            Completed => "completed",
        }
    }
}

/// Something a person or the system does to an application; recorded in
/// `application_events.action` as [`Action::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Submit,
    Withdraw,
    Resubmit,
    Accept,
    Return,
    Reject,
    Approve,
    Collect,
    Issue,
    Dispatch,
    Deliver,
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::Submit,
        Action::Withdraw,
        Action::Resubmit,
        Action::Accept,
        Action::Return,
        Action::Reject,
        Action::Approve,
        Action::Collect,
        Action::Issue,
        Action::Dispatch,
        Action::Deliver,
    ];

    pub fn as_str(self) -> &'static str {
        use Action::*;
        match self {
            Submit => "submit",
            Withdraw => "withdraw",
            Resubmit => "resubmit",
            Accept => "accept",
            Return => "return",
            Reject => "reject",
            Approve => "approve",
            Collect => "collect",
            Issue => "issue",
            Dispatch => "dispatch",
            Deliver => "deliver",
        }
    }

    /// Reads any stored action (including system ones) from the event table.
    pub fn parse(s: &str) -> Option<Action> {
        Self::ALL.iter().copied().find(|a| a.as_str() == s)
    }

    /// Reads an action sent to `POST /applications/{id}/actions`. System actions are
    /// refused: certificates are issued and dispatched only by the server itself.
    pub fn parse_public(s: &str) -> Result<Action, Invalid> {
        match Self::parse(s.trim()) {
            Some(a) if !a.is_system() => Ok(a),
            Some(a) => Err(Invalid::new(
                format!("“{}”由系统自动完成，不能手动执行", a.label_zh()),
                format!("“{}” is done by the system and cannot be requested", a.as_str()),
            )),
            None => Err(Invalid::new(
                "未知的操作，可选：submit、withdraw、resubmit、accept、return、reject、approve、collect",
                "Unknown action; expected one of submit, withdraw, resubmit, accept, return, reject, approve, collect",
            )),
        }
    }

    /// Done by the server as a consequence of other work, never requested over the API.
    pub fn is_system(self) -> bool {
        matches!(self, Action::Issue | Action::Dispatch | Action::Deliver)
    }

    pub fn by_applicant(self) -> bool {
        matches!(self, Action::Submit | Action::Withdraw | Action::Resubmit)
    }

    pub fn by_official(self) -> bool {
        matches!(
            self,
            Action::Accept | Action::Return | Action::Reject | Action::Approve | Action::Collect
        )
    }

    /// The applicant is owed an explanation when the office says no or asks for more.
    pub fn requires_reason(self) -> bool {
        matches!(self, Action::Return | Action::Reject)
    }

    pub fn label_zh(self) -> &'static str {
        use Action::*;
        match self {
            Submit => "提交",
            Withdraw => "撤回",
            Resubmit => "重新提交",
            Accept => "受理",
            Return => "退回补正",
            Reject => "不予办理",
            Approve => "批准",
            Collect => "现场领取",
            Issue => "出证",
            Dispatch => "寄送",
            Deliver => "送达",
        }
    }

    pub fn label_en(self) -> &'static str {
        use Action::*;
        match self {
            Submit => "Submit",
            Withdraw => "Withdraw",
            Resubmit => "Resubmit",
            Accept => "Accept",
            Return => "Return for correction",
            Reject => "Reject",
            Approve => "Approve",
            Collect => "Collected at the office",
            Issue => "Issue certificate",
            Dispatch => "Dispatch",
            Deliver => "Deliver",
        }
    }

    /// How the action reads after "Cannot …" in English messages.
    fn en_verb(self) -> &'static str {
        use Action::*;
        match self {
            Submit => "submit",
            Withdraw => "withdraw",
            Resubmit => "resubmit",
            Accept => "accept",
            Return => "return",
            Reject => "reject",
            Approve => "approve",
            Collect => "hand over",
            Issue => "issue a certificate for",
            Dispatch => "dispatch",
            Deliver => "deliver",
        }
    }
}

/// The status after `action` in status `from`. `last_step` says whether the current
/// approval step is the type's last one: only then does approval finish the review.
pub fn next_status(
    from: ApplicationStatus,
    action: Action,
    last_step: bool,
) -> Result<ApplicationStatus, Invalid> {
    use Action as A;
    use ApplicationStatus as S;
    let to = match (action, from) {
        (A::Submit, S::Draft) => S::Submitted,
        (A::Resubmit, S::Returned) => S::Submitted,
        (A::Withdraw, S::Draft | S::Submitted | S::Returned) => S::Withdrawn,
        (A::Accept, S::Submitted) => S::UnderReview,
        (A::Return, S::Submitted | S::UnderReview) => S::Returned,
        (A::Reject, S::Submitted | S::UnderReview) => S::Rejected,
        (A::Approve, S::UnderReview) if last_step => S::Approved,
        (A::Approve, S::UnderReview) => S::UnderReview,
        (A::Issue, S::Approved) => S::Issued,
        (A::Dispatch, S::Issued) => S::Dispatched,
        (A::Collect, S::Issued) => S::Completed,
        (A::Deliver, S::Dispatched) => S::Completed,
        _ => {
            return Err(Invalid::new(
                format!(
                    "当前状态为“{}”，不能执行“{}”",
                    from.label_zh(),
                    action.label_zh()
                ),
                format!(
                    "Cannot {} an application that is {}",
                    action.en_verb(),
                    from.en_predicate()
                ),
            ))
        }
    };
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action as A;
    use ApplicationStatus as S;

    /// Every allowed transition, written out independently of `next_status`:
    /// (from, action, last_step, to). Anything not listed must be refused.
    const ALLOWED: &[(S, A, bool, S)] = &[
        (S::Draft, A::Submit, false, S::Submitted),
        (S::Draft, A::Submit, true, S::Submitted),
        (S::Draft, A::Withdraw, false, S::Withdrawn),
        (S::Draft, A::Withdraw, true, S::Withdrawn),
        (S::Submitted, A::Withdraw, false, S::Withdrawn),
        (S::Submitted, A::Withdraw, true, S::Withdrawn),
        (S::Submitted, A::Accept, false, S::UnderReview),
        (S::Submitted, A::Accept, true, S::UnderReview),
        (S::Submitted, A::Return, false, S::Returned),
        (S::Submitted, A::Return, true, S::Returned),
        (S::Submitted, A::Reject, false, S::Rejected),
        (S::Submitted, A::Reject, true, S::Rejected),
        (S::UnderReview, A::Return, false, S::Returned),
        (S::UnderReview, A::Return, true, S::Returned),
        (S::UnderReview, A::Reject, false, S::Rejected),
        (S::UnderReview, A::Reject, true, S::Rejected),
        (S::UnderReview, A::Approve, false, S::UnderReview),
        (S::UnderReview, A::Approve, true, S::Approved),
        (S::Returned, A::Resubmit, false, S::Submitted),
        (S::Returned, A::Resubmit, true, S::Submitted),
        (S::Returned, A::Withdraw, false, S::Withdrawn),
        (S::Returned, A::Withdraw, true, S::Withdrawn),
        (S::Approved, A::Issue, false, S::Issued),
        (S::Approved, A::Issue, true, S::Issued),
        (S::Issued, A::Dispatch, false, S::Dispatched),
        (S::Issued, A::Dispatch, true, S::Dispatched),
        (S::Issued, A::Collect, false, S::Completed),
        (S::Issued, A::Collect, true, S::Completed),
        (S::Dispatched, A::Deliver, false, S::Completed),
        (S::Dispatched, A::Deliver, true, S::Completed),
    ];

    #[test]
    fn full_transition_table() {
        let mut checked = 0;
        for &from in S::ALL {
            for &action in A::ALL {
                for last_step in [false, true] {
                    let expected = ALLOWED
                        .iter()
                        .find(|(f, a, l, _)| *f == from && *a == action && *l == last_step)
                        .map(|t| t.3);
                    let got = next_status(from, action, last_step);
                    match expected {
                        Some(to) => assert_eq!(got, Ok(to), "{from:?} {action:?} {last_step}"),
                        None => {
                            let err = got.expect_err(&format!("{from:?} {action:?} allowed"));
                            assert!(err.zh.contains(from.label_zh()), "{err}");
                            assert!(err.zh.contains(action.label_zh()), "{err}");
                            assert!(err.en.starts_with("Cannot "), "{err}");
                        }
                    }
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 10 * 11 * 2);
    }

    #[test]
    fn terminal_statuses_have_no_way_out() {
        for &from in S::ALL {
            let any = A::ALL.iter().any(|&a| {
                [false, true]
                    .iter()
                    .any(|&l| next_status(from, a, l).is_ok())
            });
            assert_eq!(any, !from.is_terminal(), "{from:?}");
        }
    }

    #[test]
    fn error_message_example() {
        let err = next_status(S::Issued, A::Return, false).unwrap_err();
        assert_eq!(err.zh, "当前状态为“已出证”，不能执行“退回补正”");
        assert_eq!(err.en, "Cannot return an application that is issued");
    }

    #[test]
    fn status_strings_round_trip() {
        let names: Vec<&str> = S::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            names,
            [
                "draft",
                "submitted",
                "under_review",
                "returned",
                "rejected",
                "withdrawn",
                "approved",
                "issued",
                "dispatched",
                "completed"
            ]
        );
        for &s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
            assert!(!s.label_zh().is_empty() && !s.label_en().is_empty());
        }
        assert_eq!(S::parse("Draft"), None);
        assert_eq!(S::parse(""), None);
        assert_eq!(S::parse("草稿"), None);
    }

    #[test]
    fn status_predicates() {
        let terminal: Vec<S> = S::ALL.iter().copied().filter(|s| s.is_terminal()).collect();
        assert_eq!(terminal, [S::Rejected, S::Withdrawn, S::Completed]);
        let editable: Vec<S> = S::ALL
            .iter()
            .copied()
            .filter(|s| s.editable_by_applicant())
            .collect();
        assert_eq!(editable, [S::Draft, S::Returned]);
        assert_eq!(S::UnderReview.label_zh(), "审核中");
        assert_eq!(S::Dispatched.label_zh(), "配送中");
    }

    #[test]
    fn action_strings_and_public_parsing() {
        for &a in A::ALL {
            assert_eq!(A::parse(a.as_str()), Some(a));
            assert_eq!(A::parse_public(a.as_str()).is_ok(), !a.is_system(), "{a:?}");
        }
        let public: Vec<A> = A::ALL.iter().copied().filter(|a| !a.is_system()).collect();
        assert_eq!(
            public,
            [
                A::Submit,
                A::Withdraw,
                A::Resubmit,
                A::Accept,
                A::Return,
                A::Reject,
                A::Approve,
                A::Collect
            ]
        );
        assert_eq!(A::parse_public(" approve ").unwrap(), A::Approve);
        let err = A::parse_public("issue").unwrap_err();
        assert!(err.zh.contains("系统"), "{err}");
        for s in ["", "APPROVE", "delete", "批准", "😀"] {
            let err = A::parse_public(s).unwrap_err();
            assert!(err.zh.contains("未知"), "{s}: {err}");
        }
    }

    #[test]
    fn action_roles() {
        let applicant: Vec<A> = A::ALL
            .iter()
            .copied()
            .filter(|a| a.by_applicant())
            .collect();
        assert_eq!(applicant, [A::Submit, A::Withdraw, A::Resubmit]);
        let official: Vec<A> = A::ALL.iter().copied().filter(|a| a.by_official()).collect();
        assert_eq!(
            official,
            [A::Accept, A::Return, A::Reject, A::Approve, A::Collect]
        );
        let reasons: Vec<A> = A::ALL
            .iter()
            .copied()
            .filter(|a| a.requires_reason())
            .collect();
        assert_eq!(reasons, [A::Return, A::Reject]);
        // Each action belongs to exactly one of applicant, official, system.
        for &a in A::ALL {
            let n = [a.by_applicant(), a.by_official(), a.is_system()]
                .iter()
                .filter(|b| **b)
                .count();
            assert_eq!(n, 1, "{a:?}");
            assert!(!a.label_zh().is_empty() && !a.label_en().is_empty());
        }
    }
}
