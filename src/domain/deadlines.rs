//! The clock an item runs against, as pure rules: which deadline the department is working to now,
//! when the sweeper must next look, what a sweep does, and whom an escalation reaches.
//!
//! The clock starts at dispatch and never stops (not for a transfer request, not while waiting on
//! the reporter), so no deadline here ever moves except a reopen's fresh response deadline.
use super::tree::Tree;
use super::State;

/// The deadline facts of one item.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Deadlines {
    pub acknowledged: bool,
    pub acknowledge_due: Option<i64>,
    pub respond_due: Option<i64>,
    pub confirm_due: Option<i64>,
    /// The acknowledgement deadline has already been escalated.
    pub ack_missed: bool,
    /// The response deadline whose miss was already escalated.
    pub respond_missed_due: Option<i64>,
}

/// What the sweeper must do to an item now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sweep {
    /// Not acknowledged by the acknowledgement deadline: escalate one level.
    AcknowledgeMissed,
    /// Not answered by the response deadline: escalate one level.
    RespondMissed,
    /// Left in `responded` past the confirmation window: close as unconfirmed.
    CloseUnconfirmed,
}

impl Sweep {
    pub fn as_str(self) -> &'static str {
        match self {
            Sweep::AcknowledgeMissed => "acknowledge_missed",
            Sweep::RespondMissed => "respond_missed",
            Sweep::CloseUnconfirmed => "confirm_window_over",
        }
    }
}

/// States in which the department owes an answer.
fn owes_answer(state: State) -> bool {
    matches!(
        state,
        State::Assigned | State::Acknowledged | State::TransferRequested
    )
}

/// The deadline the department is working against now; None when the ball is not in its court.
pub fn working_due(state: State, d: &Deadlines) -> Option<i64> {
    if !owes_answer(state) {
        return None;
    }
    if d.acknowledged {
        d.respond_due
    } else {
        d.acknowledge_due
    }
}

/// Pending sweeps, earliest first: each is (when, what).
fn pending(state: State, d: &Deadlines) -> Vec<(i64, Sweep)> {
    let mut out = Vec::new();
    if owes_answer(state) {
        if let (false, false, Some(t)) = (d.acknowledged, d.ack_missed, d.acknowledge_due) {
            out.push((t, Sweep::AcknowledgeMissed));
        }
        if let Some(t) = d.respond_due.filter(|t| d.respond_missed_due != Some(*t)) {
            out.push((t, Sweep::RespondMissed));
        }
    }
    if state == State::Responded {
        if let Some(t) = d.confirm_due {
            out.push((t, Sweep::CloseUnconfirmed));
        }
    }
    out.sort_by_key(|(t, _)| *t);
    out
}

/// When the sweeper must next look at the item (None: never, unless something changes).
pub fn next_sweep(state: State, d: &Deadlines) -> Option<i64> {
    pending(state, d).first().map(|(t, _)| *t)
}

/// The first thing the sweeper must do at `now`, if anything: a deadline is missed once `now` is past
/// it. Applying the sweep and asking again gives the next one, so a sweep that finds two missed
/// deadlines escalates twice, once for each.
pub fn due_sweep(state: State, d: &Deadlines, now: i64) -> Option<Sweep> {
    pending(state, d)
        .into_iter()
        .find(|(t, _)| *t < now)
        .map(|(_, s)| s)
}

/// The department whose supervisors an item of `department` reaches at escalation `level`: one
/// level up the department tree per level, never past the root.
pub fn escalation_target(tree: &Tree, department: &str, level: i64) -> String {
    let chain = tree.ancestors(department);
    let i = (level.max(0) as usize).min(chain.len() - 1);
    chain[i].to_string()
}

/// Seconds waited on the reporter for a question asked at `since`, answered (visible to staff) at
/// `answered`.
pub fn waited(since: i64, answered: i64) -> i64 {
    (answered - since).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    fn fresh() -> Deadlines {
        Deadlines {
            acknowledge_due: Some(2 * DAY),
            respond_due: Some(15 * DAY),
            ..Deadlines::default()
        }
    }

    #[test]
    fn on_time_item_has_nothing_to_sweep() {
        let d = fresh();
        assert_eq!(due_sweep(State::Assigned, &d, DAY), None);
        assert_eq!(next_sweep(State::Assigned, &d), Some(2 * DAY));
        assert_eq!(working_due(State::Assigned, &d), Some(2 * DAY));
    }

    #[test]
    fn late_acknowledgement_then_late_response() {
        let mut d = fresh();
        assert_eq!(due_sweep(State::Assigned, &d, 2 * DAY), None); // due, not yet late
        assert_eq!(
            due_sweep(State::Assigned, &d, 2 * DAY + 1),
            Some(Sweep::AcknowledgeMissed)
        );
        d.ack_missed = true;
        assert_eq!(due_sweep(State::Assigned, &d, 3 * DAY), None);
        assert_eq!(next_sweep(State::Assigned, &d), Some(15 * DAY));
        // Still overdue for acknowledgement: the working deadline does not move.
        assert_eq!(working_due(State::Assigned, &d), Some(2 * DAY));
        assert_eq!(
            due_sweep(State::Assigned, &d, 16 * DAY),
            Some(Sweep::RespondMissed)
        );
        d.respond_missed_due = d.respond_due;
        assert_eq!(next_sweep(State::Assigned, &d), None);
    }

    #[test]
    fn both_missed_at_once_come_one_by_one() {
        let mut d = fresh();
        assert_eq!(
            due_sweep(State::Assigned, &d, 20 * DAY),
            Some(Sweep::AcknowledgeMissed)
        );
        d.ack_missed = true;
        assert_eq!(
            due_sweep(State::Assigned, &d, 20 * DAY),
            Some(Sweep::RespondMissed)
        );
    }

    #[test]
    fn transfer_request_keeps_the_clock() {
        let d = fresh();
        assert_eq!(
            due_sweep(State::TransferRequested, &d, 2 * DAY + 1),
            Some(Sweep::AcknowledgeMissed)
        );
        assert_eq!(working_due(State::TransferRequested, &d), Some(2 * DAY));
    }

    #[test]
    fn reopen_deadline_is_swept_again() {
        let mut d = fresh();
        d.acknowledged = true;
        d.respond_missed_due = Some(15 * DAY);
        assert_eq!(next_sweep(State::Acknowledged, &d), None);
        d.respond_due = Some(40 * DAY); // a reopen set a new deadline
        assert_eq!(next_sweep(State::Acknowledged, &d), Some(40 * DAY));
    }

    #[test]
    fn responded_item_closes_after_the_window() {
        let d = Deadlines {
            acknowledged: true,
            confirm_due: Some(30 * DAY),
            ..fresh()
        };
        assert_eq!(working_due(State::Responded, &d), None);
        assert_eq!(due_sweep(State::Responded, &d, 30 * DAY), None);
        assert_eq!(
            due_sweep(State::Responded, &d, 30 * DAY + 1),
            Some(Sweep::CloseUnconfirmed)
        );
        assert_eq!(next_sweep(State::Closed, &d), None);
    }

    #[test]
    fn escalation_climbs_the_tree_and_stops_at_the_root() {
        let tree = Tree::new([
            ("county".to_string(), None),
            ("agri".to_string(), Some("county".to_string())),
            ("station".to_string(), Some("agri".to_string())),
        ]);
        assert_eq!(escalation_target(&tree, "station", 1), "agri");
        assert_eq!(escalation_target(&tree, "station", 2), "county");
        assert_eq!(escalation_target(&tree, "station", 5), "county");
        assert_eq!(escalation_target(&tree, "county", 1), "county");
    }
}
