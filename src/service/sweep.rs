//! The deadline sweeper: escalate what is late, close what the reporter left unconfirmed.
//!
//! Each item is handled in its own transaction that re-reads the row and writes it back only if its
//! version is unchanged, so two sweepers (two instances, or a sweep racing a staff action) never act
//! twice on one missed deadline: the loser sees a conflict and the re-read row no longer needs it.
use super::error::{Error, Result};
use super::reporter::department_tree;
use super::{deadlines_of, state_of, Actor, Service, Step};
use crate::domain::deadlines::{self, Sweep};
use crate::domain::tree::Tree;
use crate::domain::{Action, State};
use crate::store::ReportRow;

const SWEEP_BATCH: i64 = 200;
/// A bound on batches per call, so one call never runs unbounded; the next tick continues.
const MAX_BATCHES: usize = 50;

/// What one sweep did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub escalated: usize,
    pub closed: usize,
}

impl Service {
    /// Act on every deadline that has passed. Idempotent and safe to run on several instances at once.
    pub async fn sweep(&self) -> Result<Swept> {
        let mut done = Swept::default();
        let mut tree: Option<Tree> = None;
        for _ in 0..MAX_BATCHES {
            let now = self.now();
            let ids = self.store().due_sweeps(now, SWEEP_BATCH).await?;
            if ids.is_empty() {
                break;
            }
            if tree.is_none() {
                tree = Some(department_tree(&self.store().catalog().await?));
            }
            let tree = tree.as_ref().expect("loaded above");
            let mut acted = 0;
            for id in &ids {
                // Several deadlines may have passed at once: each is its own escalation.
                loop {
                    match self.sweep_one(id, tree, now).await {
                        Ok(Some(Sweep::CloseUnconfirmed)) => done.closed += 1,
                        Ok(Some(_)) => done.escalated += 1,
                        Ok(None) => break,
                        // Somebody else changed the row first; the next batch re-reads it.
                        Err(Error::Conflict) => break,
                        Err(e) => return Err(e),
                    }
                    acted += 1;
                }
            }
            if acted == 0 || (ids.len() as i64) < SWEEP_BATCH {
                break;
            }
        }
        Ok(done)
    }

    /// Apply the first sweep due on one item, if any.
    async fn sweep_one(&self, id: &str, tree: &Tree, now: i64) -> Result<Option<Sweep>> {
        let mut tx = self.store().begin().await?;
        let Some(mut row) = tx.report(id).await? else {
            return Ok(None);
        };
        let state = state_of(&row)?;
        let Some(what) = deadlines::due_sweep(state, &deadlines_of(&row), now) else {
            return Ok(None);
        };
        let step = match what {
            Sweep::CloseUnconfirmed => Step {
                action: Action::AutoClose,
                kind: "auto_closed",
                detail: serde_json::json!({ "reason": what.as_str() }),
                message: None,
            },
            Sweep::AcknowledgeMissed | Sweep::RespondMissed => {
                escalation_step(&row, tree, what.as_str())
            }
        };
        let actor = Actor::System("sweeper");
        self.step(&mut tx, &mut row, &actor, step, |row, to| match what {
            Sweep::CloseUnconfirmed => {
                debug_assert_eq!(to, State::Closed);
                row.confirmed = Some(0);
                row.closed_at = Some(now);
            }
            Sweep::AcknowledgeMissed => {
                row.ack_missed = 1;
                escalate(row, tree);
            }
            Sweep::RespondMissed => {
                row.respond_missed_due = row.respond_due;
                escalate(row, tree);
            }
        })
        .await?;
        tx.commit().await?;
        Ok(Some(what))
    }
}

/// The audit step for raising `row` one escalation level.
pub(super) fn escalation_step(row: &ReportRow, tree: &Tree, reason: &str) -> Step {
    let level = row.escalation + 1;
    Step {
        action: Action::Escalate,
        kind: "escalated",
        detail: serde_json::json!({
            "reason": reason,
            "level": level,
            "to": deadlines::escalation_target(tree, &row.department, level),
        }),
        message: None,
    }
}

/// Raise the level and record whose supervisors the item now reaches.
pub(super) fn escalate(row: &mut ReportRow, tree: &Tree) {
    row.escalation += 1;
    row.escalated_to = Some(deadlines::escalation_target(
        tree,
        &row.department,
        row.escalation,
    ));
}
