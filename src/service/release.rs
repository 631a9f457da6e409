//! Release after the delay: a report becomes visible to staff only when its random delay has run out,
//! so the moment staff first see it says nothing about when it was written.
use super::catalog::terms;
use super::write::Change;
use super::{Actor, Error, Result, Service};
use crate::domain::State;
use crate::store::CategoryRow;

const RELEASE_BATCH: i64 = 200;

impl Service {
    /// Dispatch every report whose release delay has run out. Idempotent; safe to call from any
    /// request or job, on any instance.
    pub async fn release_due(&self) -> Result<usize> {
        let ids = self.store().due_releases(self.now(), RELEASE_BATCH).await?;
        if ids.is_empty() {
            return Ok(0);
        }
        let organisation = self.organisation().await?;
        let categories = &organisation.categories;
        let mut released = 0;
        for id in ids {
            match self.release(&id, categories).await {
                Ok(Some(_)) => released += 1,
                Ok(None) | Err(Error::Conflict) => {} // someone else released it first
                Err(e) => return Err(e),
            }
        }
        Ok(released)
    }

    /// Release one report if it is due; the new state, or None if there was nothing to do.
    pub(super) async fn release(
        &self,
        id: &str,
        categories: &[CategoryRow],
    ) -> Result<Option<State>> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let Some(mut stored) = tx.item(id).await? else {
            return Ok(None);
        };
        let item = &mut stored.item;
        if item.state != State::Received || item.release_at > now {
            return Ok(None);
        }
        // Dispatched at the moment it was due, not when a job got round to it.
        let at = item.release_at;
        let moved = item.release(at, terms(categories, &item.category))?;
        let change = Change::new("released", moved);
        self.write(&mut tx, &mut stored, &Actor::System("release"), now, change)
            .await?;
        tx.commit().await?;
        Ok(Some(stored.item.state))
    }
}
