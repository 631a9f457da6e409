//! The report lifecycle of DESIGN.md as a pure state machine.
use std::fmt;

/// Where an item stands. A new report is `Received`, hence the default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum State {
    #[default]
    Received,
    Triage,
    Assigned,
    Acknowledged,
    TransferRequested,
    Responded,
    Closed,
    Duplicate,
    Rejected,
    Withdrawn,
}

impl State {
    pub const ALL: [State; 10] = [
        State::Received,
        State::Triage,
        State::Assigned,
        State::Acknowledged,
        State::TransferRequested,
        State::Responded,
        State::Closed,
        State::Duplicate,
        State::Rejected,
        State::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Received => "received",
            State::Triage => "triage",
            State::Assigned => "assigned",
            State::Acknowledged => "acknowledged",
            State::TransferRequested => "transfer_requested",
            State::Responded => "responded",
            State::Closed => "closed",
            State::Duplicate => "duplicate",
            State::Rejected => "rejected",
            State::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Open items still need something from somebody; the others are final.
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            State::Closed | State::Duplicate | State::Rejected | State::Withdrawn
        )
    }

    /// Visible to the department desk it is assigned to.
    pub fn is_dispatched(self) -> bool {
        !matches!(self, State::Received | State::Triage)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a department answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Resolved,
    PartiallyResolved,
    CannotResolve,
    NotInScope,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::Resolved,
        Outcome::PartiallyResolved,
        Outcome::CannotResolve,
        Outcome::NotInScope,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Resolved => "resolved",
            Outcome::PartiallyResolved => "partially_resolved",
            Outcome::CannotResolve => "cannot_resolve",
            Outcome::NotInScope => "not_in_scope",
        }
    }
    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// Everything that can move an item from one state to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// The release delay ran out; `to_triage` when no routing rule matched.
    Release {
        to_triage: bool,
    },
    Acknowledge,
    Respond,
    RequestTransfer,
    /// Supervisor assigns a triage item, reassigns an open one, or approves a transfer.
    Assign,
    /// Supervisor refuses a transfer request; the item returns to where it was.
    SendBack {
        was_acknowledged: bool,
    },
    Confirm,
    Reopen,
    AutoClose,
    Withdraw,
    MarkDuplicate,
    Reject,
    /// A message in either direction: allowed while the item is open, changes no state.
    Message,
    /// A missed deadline or a second reopen raises the escalation level; changes no state.
    Escalate,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Release { .. } => "release",
            Action::Acknowledge => "acknowledge",
            Action::Respond => "respond",
            Action::RequestTransfer => "request_transfer",
            Action::Assign => "assign",
            Action::SendBack { .. } => "send_back",
            Action::Confirm => "confirm",
            Action::Reopen => "reopen",
            Action::AutoClose => "auto_close",
            Action::Withdraw => "withdraw",
            Action::MarkDuplicate => "mark_duplicate",
            Action::Reject => "reject",
            Action::Message => "message on",
            Action::Escalate => "escalate",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot {} an item in state {from}", action.as_str())]
pub struct InvalidTransition {
    pub from: State,
    pub action: Action,
}

/// The next state, or why the action is not allowed now.
pub fn next(from: State, action: Action) -> Result<State, InvalidTransition> {
    use Action as A;
    use State as S;
    let to = match (from, action) {
        (S::Received, A::Release { to_triage: true }) => S::Triage,
        (S::Received, A::Release { to_triage: false }) => S::Assigned,
        (S::Assigned, A::Acknowledge) => S::Acknowledged,
        (S::Acknowledged, A::Respond) => S::Responded,
        (S::Assigned | S::Acknowledged, A::RequestTransfer) => S::TransferRequested,
        (S::Triage | S::Assigned | S::Acknowledged | S::TransferRequested, A::Assign) => {
            S::Assigned
        }
        (S::TransferRequested, A::SendBack { was_acknowledged }) => {
            if was_acknowledged {
                S::Acknowledged
            } else {
                S::Assigned
            }
        }
        (S::Responded, A::Confirm) => S::Closed,
        (S::Responded, A::AutoClose) => S::Closed,
        (S::Responded, A::Reopen) => S::Acknowledged,
        (s, A::Withdraw) if s.is_open() => S::Withdrawn,
        (s, A::MarkDuplicate) if s.is_open() => S::Duplicate,
        (s, A::Reject) if s.is_open() => S::Rejected,
        (s, A::Message | A::Escalate) if s.is_open() => s,
        _ => return Err(InvalidTransition { from, action }),
    };
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn happy_path() {
        let s = next(State::Received, Action::Release { to_triage: false }).unwrap();
        let s = next(s, Action::Acknowledge).unwrap();
        let s = next(s, Action::Respond).unwrap();
        let s = next(s, Action::Reopen).unwrap();
        assert_eq!(s, State::Acknowledged);
        let s = next(s, Action::Respond).unwrap();
        assert_eq!(next(s, Action::Confirm).unwrap(), State::Closed);
    }

    #[test]
    fn terminal_states_refuse_everything() {
        for from in [
            State::Closed,
            State::Duplicate,
            State::Rejected,
            State::Withdrawn,
        ] {
            for action in [
                Action::Acknowledge,
                Action::Respond,
                Action::Withdraw,
                Action::Reject,
                Action::Confirm,
            ] {
                assert_eq!(next(from, action), Err(InvalidTransition { from, action }));
            }
        }
    }

    #[test]
    fn respond_needs_acknowledgement_and_confirm_needs_response() {
        assert!(next(State::Assigned, Action::Respond).is_err());
        assert!(next(State::Acknowledged, Action::Confirm).is_err());
        assert!(next(State::Triage, Action::Acknowledge).is_err());
    }

    #[test]
    fn send_back_restores_previous_state() {
        assert_eq!(
            next(
                State::TransferRequested,
                Action::SendBack {
                    was_acknowledged: true
                }
            )
            .unwrap(),
            State::Acknowledged
        );
        assert_eq!(
            next(
                State::TransferRequested,
                Action::SendBack {
                    was_acknowledged: false
                }
            )
            .unwrap(),
            State::Assigned
        );
    }

    #[test]
    fn state_names_round_trip() {
        for s in State::ALL {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
    }
}
