//! A report as its lifecycle sees it: where it stands, what it owes and by when, and one method per
//! transition. Every change to an item goes through one of these methods, so the rules of DESIGN.md
//! (the clock starts at dispatch and never stops, waiting on the reporter is shown but never
//! subtracted, a second reopen escalates) live here and nowhere else.
//!
//! Times are unix seconds. Times of a reporter's actions arrive already truncated to the day; this
//! module never sees the instant a reporter acted.
use super::deadlines::{self, Deadlines, Sweep};
use super::lifecycle::{next, Action, InvalidTransition, Outcome, State};
use super::tree::Tree;

const DAY: i64 = 86_400;

/// How long a department has, per category: counted from dispatch (acknowledge, respond) and from
/// the answer (confirm).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Terms {
    pub acknowledge_within: i64,
    pub respond_within: i64,
    pub confirm_within: i64,
}

impl Default for Terms {
    /// Used only if an item's category has vanished from the organisation: the demo's usual terms.
    fn default() -> Self {
        Terms {
            acknowledge_within: 2 * DAY,
            respond_within: 15 * DAY,
            confirm_within: 14 * DAY,
        }
    }
}

/// What an item is: a report of a burden, or a report of retaliation against someone who made one.
/// A retaliation report lives the same lifecycle with its own rules (`retaliation`): it goes to the
/// body the organisation names, has its own deadlines, is never transferred or merged, and never
/// climbs to the supervisors above that body.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Kind {
    #[default]
    Report,
    Retaliation,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Report => "report",
            Kind::Retaliation => "retaliation",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        [Kind::Report, Kind::Retaliation]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// One report's lifecycle. Content (title, body, messages) is not here: it is sealed and changes
/// nothing about what may happen next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub id: String,
    pub kind: Kind,
    /// For a retaliation report: the report whose reporter suffered it.
    pub related_to: Option<String>,
    pub category: String,
    pub area: String,
    /// The department the reporter says the problem is about; never handles it (conflict of interest).
    pub subject_department: Option<String>,
    /// Who handles it now (for triage items: whose supervisors route it).
    pub department: String,
    pub routed_to_triage: bool,
    pub state: State,
    pub outcome: Option<Outcome>,
    /// For closed items: whether the reporter confirmed, or the window ran out.
    pub confirmed: Option<bool>,
    pub satisfaction: Option<i64>,
    /// The reporter's day of submission.
    pub received_on: i64,
    /// When the item becomes visible to staff (the random release delay).
    pub release_at: i64,
    /// The first time the item reached a department desk: the deadline clock starts here, once.
    pub dispatched_at: Option<i64>,
    pub acknowledge_due: Option<i64>,
    pub respond_due: Option<i64>,
    pub confirm_due: Option<i64>,
    pub acknowledged_at: Option<i64>,
    pub responded_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub transfers: i64,
    pub reopens: i64,
    pub escalation: i64,
    pub duplicate_of: Option<String>,
    /// The department whose supervisors an escalated item has reached.
    pub escalated_to: Option<String>,
    /// The acknowledgement deadline has already been escalated.
    pub ack_missed: bool,
    /// The response deadline whose miss was already escalated (a reopen sets a new one).
    pub respond_missed_due: Option<i64>,
    /// A question to the reporter is open since then.
    pub awaiting_since: Option<i64>,
    /// Seconds spent waiting on the reporter by closed questions.
    pub awaiting_secs: i64,
}

/// What a transition did, for the audit event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    pub from: State,
    pub to: State,
}

pub type Moved = Result<Transition, InvalidTransition>;

/// Who is asked to leave their mark on an item, for the message and waiting rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visibility {
    /// Seen by the reporter too: a question from staff starts the wait on the reporter.
    Public,
    /// Between staff only (a transfer request's reason).
    Internal,
}

impl Item {
    /// A new report, as submitted: received, not yet visible to staff.
    #[allow(clippy::too_many_arguments)]
    pub fn received(
        id: String,
        category: String,
        area: String,
        subject_department: Option<String>,
        department: String,
        routed_to_triage: bool,
        received_on: i64,
        release_at: i64,
    ) -> Item {
        Item {
            id,
            kind: Kind::Report,
            related_to: None,
            category,
            area,
            subject_department,
            department,
            routed_to_triage,
            state: State::Received,
            outcome: None,
            confirmed: None,
            satisfaction: None,
            received_on,
            release_at,
            dispatched_at: None,
            acknowledge_due: None,
            respond_due: None,
            confirm_due: None,
            acknowledged_at: None,
            responded_at: None,
            closed_at: None,
            transfers: 0,
            reopens: 0,
            escalation: 0,
            duplicate_of: None,
            escalated_to: None,
            ack_missed: false,
            respond_missed_due: None,
            awaiting_since: None,
            awaiting_secs: 0,
        }
    }

    /// A retaliation report by the reporter of `original`, for the body that receives it
    /// (`retaliation::route`). It keeps the report's category, area and subject department, so that
    /// the body knows what it concerns and the conflict-of-interest rule still binds reassignments.
    pub fn retaliation(
        id: String,
        original: &Item,
        body: String,
        received_on: i64,
        release_at: i64,
    ) -> Item {
        Item {
            kind: Kind::Retaliation,
            related_to: Some(original.id.clone()),
            ..Item::received(
                id,
                original.category.clone(),
                original.area.clone(),
                original.subject_department.clone(),
                body,
                false,
                received_on,
                release_at,
            )
        }
    }

    /// The deadline facts, for the pure rules of `deadlines`.
    pub fn deadlines(&self) -> Deadlines {
        Deadlines {
            acknowledged: self.acknowledged_at.is_some(),
            acknowledge_due: self.acknowledge_due,
            respond_due: self.respond_due,
            confirm_due: self.confirm_due,
            ack_missed: self.ack_missed,
            respond_missed_due: self.respond_missed_due,
        }
    }

    /// The deadline the department is working against now, if the ball is in its court.
    pub fn working_due(&self) -> Option<i64> {
        deadlines::working_due(self.state, &self.deadlines())
    }

    /// When the sweeper must next look at the item.
    pub fn next_sweep(&self) -> Option<i64> {
        deadlines::next_sweep(self.state, &self.deadlines())
    }

    /// What the sweeper must do at `now`, if anything.
    pub fn due_sweep(&self, now: i64) -> Option<Sweep> {
        deadlines::due_sweep(self.state, &self.deadlines(), now)
    }

    pub fn is_overdue(&self, now: i64) -> bool {
        self.working_due().is_some_and(|d| d < now)
    }

    /// Whole seconds waited on the reporter so far, the open question counted up to `now`.
    pub fn awaiting_reporter_secs(&self, now: i64) -> i64 {
        self.awaiting_secs + self.awaiting_since.map_or(0, |t| (now - t).max(0))
    }

    /// A second reopen means the department's answers are not landing: the supervisors hear of it.
    pub fn reopen_escalates(&self) -> bool {
        self.reopens == 2
    }

    // --- Transitions -------------------------------------------------------------------------

    /// The release delay ran out: to the routed department's desk, or to triage.
    pub fn release(&mut self, at: i64, terms: Terms) -> Moved {
        let to_triage = self.routed_to_triage;
        self.apply(Action::Release { to_triage }, at, |item| {
            if !to_triage {
                item.dispatch(at, terms);
            }
        })
    }

    pub fn acknowledge(&mut self, at: i64) -> Moved {
        self.apply(Action::Acknowledge, at, |item| {
            item.acknowledged_at = Some(at)
        })
    }

    /// A message from staff. A public question while the department owes an answer starts the wait
    /// on the reporter.
    pub fn staff_message(&mut self, at: i64, visibility: Visibility) -> Moved {
        let moved = self.apply(Action::Message, at, |_| {})?;
        if self.awaiting_since.is_none()
            && self.working_due().is_some()
            && visibility == Visibility::Public
        {
            self.awaiting_since = Some(at);
        }
        Ok(moved)
    }

    /// A reply from the reporter. It ends the wait when staff can see it (`visible_at`), not when
    /// it was written.
    pub fn reporter_message(&mut self, visible_at: i64) -> Moved {
        let waiting = self.awaiting_since.take();
        let moved = self.apply(Action::Message, visible_at, |_| {});
        match (&moved, waiting) {
            (Ok(_), Some(since)) => self.awaiting_secs += deadlines::waited(since, visible_at),
            (Err(_), w) => self.awaiting_since = w,
            _ => {}
        }
        moved
    }

    pub fn respond(&mut self, outcome: Outcome, at: i64, terms: Terms) -> Moved {
        self.apply(Action::Respond, at, |item| {
            item.outcome = Some(outcome);
            item.responded_at = Some(at);
            item.confirm_due = Some(at + terms.confirm_within);
        })
    }

    /// "Not ours": the clock keeps running while a supervisor decides.
    pub fn request_transfer(&mut self, at: i64) -> Moved {
        self.apply(Action::RequestTransfer, at, |_| {})
    }

    /// Assign a triage item, reassign an open one or approve a transfer: to `department`, whose desk
    /// must acknowledge it afresh. The deadlines stay those of the first dispatch.
    pub fn assign(&mut self, department: &str, at: i64, terms: Terms) -> Moved {
        self.apply(Action::Assign, at, |item| {
            if item.state == State::TransferRequested
                || item.dispatched_at.is_some() && item.department != department
            {
                item.transfers += 1;
            }
            item.department = department.to_string();
            item.acknowledged_at = None;
            item.dispatch(at, terms);
        })
    }

    /// A supervisor refuses a transfer request: the item returns to where it was.
    pub fn send_back(&mut self, at: i64) -> Moved {
        let was_acknowledged = self.acknowledged_at.is_some();
        self.apply(Action::SendBack { was_acknowledged }, at, |_| {})
    }

    /// The reporter confirms the answer, on `day`; staff see it at `visible_at`.
    pub fn confirm(&mut self, satisfaction: i64, day: i64, visible_at: i64) -> Moved {
        self.apply(Action::Confirm, visible_at, |item| {
            item.confirmed = Some(true);
            item.satisfaction = Some(satisfaction);
            item.closed_at = Some(day);
        })
    }

    /// Back to the same department with a fresh response deadline, counted from the end of the
    /// reopen day: a deadline derived from the exact instant would tell staff when the reporter acted.
    pub fn reopen(&mut self, day: i64, visible_at: i64, terms: Terms) -> Moved {
        self.apply(Action::Reopen, visible_at, |item| {
            item.reopens += 1;
            item.outcome = None;
            item.responded_at = None;
            item.respond_due = Some(day + DAY + terms.respond_within);
        })
    }

    /// The reporter withdraws the report on `day`; a wait on them ends when staff see it.
    pub fn withdraw(&mut self, day: i64, visible_at: i64) -> Moved {
        self.apply(Action::Withdraw, visible_at, |item| {
            item.closed_at = Some(day)
        })
    }

    /// Left in `responded` past the confirmation window.
    pub fn auto_close(&mut self, at: i64) -> Moved {
        self.apply(Action::AutoClose, at, |item| {
            item.confirmed = Some(false);
            item.closed_at = Some(at);
        })
    }

    /// A missed deadline, found by the sweeper: marked as counted and escalated one level.
    pub fn deadline_missed(&mut self, missed: Sweep, at: i64, tree: &Tree) -> Moved {
        match missed {
            Sweep::AcknowledgeMissed => self.ack_missed = true,
            Sweep::RespondMissed => self.respond_missed_due = self.respond_due,
            Sweep::CloseUnconfirmed => return self.auto_close(at),
        }
        self.escalate(at, tree)
    }

    /// Raise the escalation level by one: the supervisors one level further up hear of it.
    pub fn escalate(&mut self, at: i64, tree: &Tree) -> Moved {
        self.apply(Action::Escalate, at, |item| {
            item.escalation += 1;
            item.escalated_to = Some(item.escalation_target(tree));
        })
    }

    /// Whose supervisors the next (or current) escalation level reaches. `tree` is the oversight
    /// tree, in which the retaliation body has no parent: nothing escalates out of it.
    pub fn escalation_target_at(&self, tree: &Tree, level: i64) -> String {
        deadlines::escalation_target(tree, &self.department, level)
    }

    fn escalation_target(&self, tree: &Tree) -> String {
        self.escalation_target_at(tree, self.escalation)
    }

    /// Merge into `canonical`; the duplicate's reporter then follows that one.
    pub fn mark_duplicate(&mut self, canonical: &str, at: i64) -> Moved {
        self.apply(Action::MarkDuplicate, at, |item| {
            item.duplicate_of = Some(canonical.to_string());
            item.closed_at = Some(at);
        })
    }

    /// Closed as abuse.
    pub fn reject(&mut self, at: i64) -> Moved {
        self.apply(Action::Reject, at, |item| item.closed_at = Some(at))
    }

    /// The deadline clock starts the first time the item reaches a department desk, and never restarts.
    fn dispatch(&mut self, at: i64, terms: Terms) {
        if self.dispatched_at.is_some() {
            return;
        }
        self.dispatched_at = Some(at);
        self.acknowledge_due = Some(at + terms.acknowledge_within);
        self.respond_due = Some(at + terms.respond_within);
    }

    /// Check the move, let `change` adjust the item for it, enter the new state, and end a wait on
    /// the reporter once the department no longer owes an answer. `seen_at` is when staff see the
    /// move: the instant for their own actions, the release for a reporter's, so a wait never ends
    /// at a time staff could not have seen.
    fn apply(&mut self, action: Action, seen_at: i64, change: impl FnOnce(&mut Item)) -> Moved {
        let from = self.state;
        let to = next(from, action)?;
        change(self);
        self.state = to;
        if let Some(since) = self.awaiting_since {
            if self.working_due().is_none() {
                self.awaiting_secs += deadlines::waited(since, seen_at);
                self.awaiting_since = None;
            }
        }
        Ok(Transition { from, to })
    }
}

mod arrival;
pub use arrival::{Arrival, ReporterAction};

#[cfg(test)]
mod tests;
