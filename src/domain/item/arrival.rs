//! A reporter's action on its way to staff. Whatever a reporter does (reply, confirm, reopen,
//! withdraw) is held back until its random release time and only then applied to the item, through
//! the item's own transitions; until then nothing staff can see changes. This file holds the rules
//! of that wait: which actions the reporter may take now (`reporter_may`), and what an action does
//! when it arrives (`arrive`).
//!
//! Staff keep working while an action waits. When it arrives, one of two things is true:
//! - the move is still allowed (the desk sent a message, or nothing happened): it takes effect, at
//!   the reporter's day, with any wait on the reporter ending at the release;
//! - staff closed the item first (rejected, merged as a duplicate, or the confirmation window ran
//!   out): the action is `TooLate`. It changes nothing, and the service records it (and delivers
//!   its text, if any) so it is never lost silently.
//!
//! A reporter's own actions arrive in the order they were taken (the service never releases one
//! before an earlier one), so a withdrawal after a reopen withdraws the reopened item.
use super::{Item, Terms, Transition};
use crate::domain::lifecycle::{next, Action, InvalidTransition, State};

/// What a reporter did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReporterAction {
    Message,
    Confirm { satisfaction: i64 },
    Reopen,
    Withdraw,
}

impl ReporterAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ReporterAction::Message => "message",
            ReporterAction::Confirm { .. } => "confirm",
            ReporterAction::Reopen => "reopen",
            ReporterAction::Withdraw => "withdraw",
        }
    }

    /// From its stored name (and rating, for a confirmation).
    pub fn parse(name: &str, satisfaction: Option<i64>) -> Option<ReporterAction> {
        Some(match name {
            "message" => ReporterAction::Message,
            "confirm" => ReporterAction::Confirm {
                satisfaction: satisfaction?,
            },
            "reopen" => ReporterAction::Reopen,
            "withdraw" => ReporterAction::Withdraw,
            _ => return None,
        })
    }

    /// The satisfaction rating a confirmation carries.
    pub fn satisfaction(self) -> Option<i64> {
        match self {
            ReporterAction::Confirm { satisfaction } => Some(satisfaction),
            _ => None,
        }
    }

    fn lifecycle(self) -> Action {
        match self {
            ReporterAction::Message => Action::Message,
            ReporterAction::Confirm { .. } => Action::Confirm,
            ReporterAction::Reopen => Action::Reopen,
            ReporterAction::Withdraw => Action::Withdraw,
        }
    }

    /// Confirming and reopening answer the department's response, inside its confirmation window.
    fn answers_response(self) -> bool {
        matches!(
            self,
            ReporterAction::Confirm { .. } | ReporterAction::Reopen
        )
    }
}

/// What became of a reporter's action when it reached staff.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrival {
    /// It took effect.
    Applied(Transition),
    /// The item had moved on (closed by staff or by the confirmation window) in the meantime: the
    /// action changed nothing. The state it met.
    TooLate(State),
}

impl Item {
    /// Whether the reporter may take `action` now, on the item as it will be once their earlier
    /// actions have arrived. Confirming and reopening close `delay` (the longest release delay)
    /// before the confirmation window does, so that an answer given in time always arrives before
    /// the window closes: the item can then close unconfirmed on time for every item alike, and
    /// nobody learns from a late closure that a reporter's answer is on its way.
    pub fn reporter_may(
        &self,
        action: ReporterAction,
        now: i64,
        delay: i64,
    ) -> Result<(), InvalidTransition> {
        let refused = InvalidTransition {
            from: self.state,
            action: action.lifecycle(),
        };
        next(self.state, action.lifecycle()).map_err(|_| refused)?;
        let window_open = self.confirm_due.is_none_or(|due| now + delay.max(0) <= due);
        if action.answers_response() && !window_open {
            return Err(refused);
        }
        Ok(())
    }

    /// The action arrives: done on `day` (the start of that day), seen by staff from `visible_at`
    /// (its release). A refused move leaves the item as it was.
    pub fn arrive(
        &mut self,
        action: ReporterAction,
        day: i64,
        visible_at: i64,
        terms: Terms,
    ) -> Arrival {
        let moved = match action {
            ReporterAction::Message => self.reporter_message(visible_at),
            ReporterAction::Confirm { satisfaction } => self.confirm(satisfaction, day, visible_at),
            ReporterAction::Reopen => self.reopen(day, visible_at, terms),
            ReporterAction::Withdraw => self.withdraw(day, visible_at),
        };
        match moved {
            Ok(t) => Arrival::Applied(t),
            Err(e) => Arrival::TooLate(e.from),
        }
    }
}
