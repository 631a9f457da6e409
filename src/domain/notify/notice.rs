//! Which change owes somebody a notice. A notice is written in the same transaction as the change
//! (the outbox), and says only what happened and to whose department: never when, never which item,
//! never a word of the report. The next scheduled message folds it into a count.
use crate::domain::item::{Item, Transition};
use crate::domain::State;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NoticeKind {
    /// An item entered a department desk's inbox (released, assigned, transferred in, reopened).
    Inbox,
    /// An item waits in triage for the supervisors above a department.
    Triage,
    /// An item was escalated to an oversight level.
    Escalated,
    /// A desk asked for a transfer; the supervisors above it decide.
    TransferRequest,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 4] = [
        NoticeKind::Inbox,
        NoticeKind::Triage,
        NoticeKind::Escalated,
        NoticeKind::TransferRequest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Inbox => "inbox",
            NoticeKind::Triage => "triage",
            NoticeKind::Escalated => "escalated",
            NoticeKind::TransferRequest => "transfer_request",
        }
    }

    pub fn parse(s: &str) -> Option<NoticeKind> {
        NoticeKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub kind: NoticeKind,
    /// The department the notice is about: whose desk, or (escalations) which oversight level.
    pub department: String,
}

/// What kind of change it was, where the transition alone cannot tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// A supervisor assigned the item (possibly from `assigned` to another department's desk).
    Assignment,
    /// A missed deadline or a second reopen raised the item a level.
    Escalation,
    Other,
}

/// The notices a change owes, given the transition it made and the item after it.
pub fn notices_for(moved: Transition, item: &Item, cause: Cause) -> Vec<Notice> {
    let mut out = Vec::new();
    let mut owe = |kind, department: &str| {
        out.push(Notice {
            kind,
            department: department.to_string(),
        })
    };
    let entered = |state: State| moved.to == state && moved.from != state;
    if entered(State::Assigned) || moved.to == State::Assigned && cause == Cause::Assignment {
        owe(NoticeKind::Inbox, &item.department);
    }
    if entered(State::Triage) {
        owe(NoticeKind::Triage, &item.department);
    }
    if entered(State::TransferRequested) {
        owe(NoticeKind::TransferRequest, &item.department);
    }
    if cause == Cause::Escalation {
        if let Some(level) = &item.escalated_to {
            owe(NoticeKind::Escalated, level);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(department: &str, escalated_to: Option<&str>) -> Item {
        let mut i = Item::received(
            "R-1".into(),
            "other".into(),
            "xinhe".into(),
            None,
            department.into(),
            false,
            0,
            0,
        );
        i.escalated_to = escalated_to.map(String::from);
        i
    }

    fn moved(from: State, to: State) -> Transition {
        Transition { from, to }
    }

    #[test]
    fn release_and_assignment_reach_the_inbox() {
        let n = notices_for(
            moved(State::Received, State::Assigned),
            &item("agri", None),
            Cause::Other,
        );
        assert_eq!(
            n,
            vec![Notice {
                kind: NoticeKind::Inbox,
                department: "agri".into()
            }]
        );
        // Reassigned from one desk to another: the new desk is told, although the state stays.
        let n = notices_for(
            moved(State::Assigned, State::Assigned),
            &item("water", None),
            Cause::Assignment,
        );
        assert_eq!(n[0].department, "water");
        // A message on an assigned item owes nothing.
        assert!(notices_for(
            moved(State::Assigned, State::Assigned),
            &item("water", None),
            Cause::Other
        )
        .is_empty());
    }

    #[test]
    fn triage_transfer_and_escalation() {
        let kinds = |from, to, cause| -> Vec<NoticeKind> {
            notices_for(moved(from, to), &item("agri", Some("county")), cause)
                .into_iter()
                .map(|n| n.kind)
                .collect()
        };
        assert_eq!(
            kinds(State::Received, State::Triage, Cause::Other),
            [NoticeKind::Triage]
        );
        assert_eq!(
            kinds(State::Acknowledged, State::TransferRequested, Cause::Other),
            [NoticeKind::TransferRequest]
        );
        assert_eq!(
            kinds(State::Assigned, State::Assigned, Cause::Escalation),
            [NoticeKind::Escalated]
        );
        assert!(kinds(State::Assigned, State::Acknowledged, Cause::Other).is_empty());
    }
}
