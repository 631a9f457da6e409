//! The deadline sweeper: escalate what is late, close what the reporter left unconfirmed.
//!
//! Each item is handled in its own transaction that re-reads the row and writes it back only if its
//! version is unchanged, so two sweepers (two instances, or a sweep racing a staff action) never act
//! twice on one missed deadline: the loser sees a conflict and the re-read row no longer needs it.
use super::catalog::oversight_tree;
use super::write::Change;
use super::{Actor, Error, Result, Service};
use crate::domain::deadlines::Sweep;
use crate::domain::tree::Tree;

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
        // A reporter's answer due for release arrives before the window it answers is closed.
        self.release_due().await?;
        let mut done = Swept::default();
        let mut tree: Option<Tree> = None;
        for _ in 0..MAX_BATCHES {
            let now = self.now();
            let ids = self.store().due_sweeps(now, SWEEP_BATCH).await?;
            if ids.is_empty() {
                break;
            }
            if tree.is_none() {
                tree = Some(oversight_tree(&*self.organisation().await?));
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
        let Some(mut stored) = tx.item(id).await? else {
            return Ok(None);
        };
        let Some(what) = stored.item.due_sweep(now) else {
            return Ok(None);
        };
        let moved = stored.item.deadline_missed(what, now, tree)?;
        let change = match what {
            Sweep::CloseUnconfirmed => Change::new("auto_closed", moved)
                .detail(serde_json::json!({ "reason": what.as_str() })),
            Sweep::AcknowledgeMissed | Sweep::RespondMissed => {
                Change::escalation(&stored.item, moved, what.as_str())
            }
        };
        self.write(&mut tx, &mut stored, &Actor::System("sweeper"), now, change)
            .await?;
        tx.commit().await?;
        Ok(Some(what))
    }
}
