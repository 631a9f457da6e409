//! Release after the delay. Nothing a reporter does reaches staff at once: a new report, and every
//! later action (reply, confirmation, reopen, withdrawal), waits until its own random release time,
//! and only then changes the item, its messages and the audit log, together. So the moment staff
//! first see anything says nothing about when the reporter acted, and the log grows only at releases.
use super::catalog::{item_terms, oversight_tree};
use super::write::{Change, Message};
use super::{Actor, Error, Result, Service};
use crate::domain::item::{Arrival, ReporterAction};
use crate::domain::State;
use crate::store::{CatalogRows, CategoryRow, NewEvent, StoredItem, Tx};

const RELEASE_BATCH: i64 = 200;

/// The event of a reporter's action that arrived after staff had closed the item.
pub(super) const TOO_LATE: &str = "reporter_action_too_late";

impl Service {
    /// Release every report and every reporter action whose delay has run out. Idempotent; safe to
    /// call from any request or job, on any instance.
    pub async fn release_due(&self) -> Result<usize> {
        let now = self.now();
        let mut ids = self.store().due_releases(now, RELEASE_BATCH).await?;
        for id in self.store().due_pending(now, RELEASE_BATCH).await? {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        if ids.is_empty() {
            return Ok(0);
        }
        let catalog = self.organisation().await?;
        let mut released = 0;
        for id in ids {
            match self.release_one(&id, &catalog).await {
                Ok(n) => released += n,
                Err(Error::Conflict) => {} // someone else released it first
                Err(e) => return Err(e),
            }
        }
        Ok(released)
    }

    /// Release what is due on one item, in one transaction: the item itself if it is still waiting,
    /// then its reporter's due actions in the order they were taken. Returns how many were released.
    async fn release_one(&self, id: &str, catalog: &CatalogRows) -> Result<usize> {
        let mut tx = self.store().begin().await?;
        let Some(mut stored) = tx.item(id).await? else {
            return Ok(0);
        };
        let released = self.release_in(&mut tx, &mut stored, catalog).await?;
        if released > 0 {
            tx.commit().await?;
        }
        Ok(released)
    }

    /// The report itself reaches staff if its release time has come: in the transaction that
    /// stores it (a release delay of 0; a new report has no reporter actions waiting, so this looks
    /// for none), or as the first part of `release_in`. Whether it was released.
    pub(super) async fn release_new(
        &self,
        tx: &mut Tx,
        stored: &mut StoredItem,
        catalog: &CatalogRows,
    ) -> Result<bool> {
        let due = stored.item.state == State::Received && stored.item.release_at <= self.now();
        if due {
            self.release_item(tx, stored, &catalog.categories).await?;
        }
        Ok(due)
    }

    /// Release what is due on `stored` inside the caller's transaction: also used by the request
    /// that made something due at once (a release delay of 0), so that its answer and its effect
    /// commit or fail together. `catalog` is read before the transaction: a transaction that waited
    /// for a second connection could exhaust the pool.
    pub(super) async fn release_in(
        &self,
        tx: &mut Tx,
        stored: &mut StoredItem,
        catalog: &CatalogRows,
    ) -> Result<usize> {
        let categories = &catalog.categories;
        let now = self.now();
        let id = stored.item.id.clone();
        let mut released = usize::from(self.release_new(tx, stored, catalog).await?);
        let due: Vec<_> = tx
            .pending(&id)
            .await?
            .into_iter()
            .take_while(|p| p.release_at <= now)
            .collect();
        if due.is_empty() {
            return Ok(released);
        }
        let tree = oversight_tree(catalog);
        for p in due {
            let text = match (&p.key_id, &p.body_sealed) {
                (Some(k), Some(b)) => Some(self.open_text(&id, "message", k, b)?),
                _ => None,
            };
            let terms = item_terms(categories, &stored.item);
            let arrival = stored
                .item
                .arrive(p.action, p.acted_on, p.release_at, terms);
            let change = arrived(p.action, arrival, text, p.release_at);
            let message = self
                .write(tx, stored, &Actor::Reporter, p.acted_on, change)
                .await?;
            // The reply's files follow it: visible to staff from now, with its message.
            tx.release_attachments(p.id, message).await?;
            if matches!(arrival, Arrival::Applied(_))
                && p.action == ReporterAction::Reopen
                && stored.item.reopen_escalates()
            {
                // A second reopen: recorded as the reporter's doing, with the reporter's day.
                let moved = stored.item.escalate(p.acted_on, &tree)?;
                let change = Change::escalation(&stored.item, moved, "second_reopen");
                self.write(tx, stored, &Actor::Reporter, p.acted_on, change)
                    .await?;
            }
            tx.delete_pending(p.id).await?;
            released += 1;
        }
        Ok(released)
    }

    /// The report reaches staff: the submission enters the audit log now, at its release (with the
    /// reporter's day as its time), and the item moves to the desk or to triage. Dispatched at the
    /// moment it was due, not when a job got round to it.
    async fn release_item(
        &self,
        tx: &mut Tx,
        stored: &mut StoredItem,
        categories: &[CategoryRow],
    ) -> Result<()> {
        let item = &stored.item;
        let submitted = NewEvent {
            report_id: Some(item.id.clone()),
            kind: "submitted".into(),
            actor_role: Actor::Reporter.role().into(),
            department: Some(item.department.clone()),
            to_state: Some(State::Received.as_str().into()),
            detail: serde_json::json!({
                "kind": item.kind.as_str(),
                "category": item.category,
                "area": item.area,
                "subject_department": item.subject_department,
            })
            .to_string(),
            at: item.received_on,
            ..NewEvent::default()
        };
        let at = item.release_at;
        let terms = item_terms(categories, item);
        let moved = stored.item.release(at, terms)?;
        let mut change = Change::new("released", moved);
        change.preceded_by = Some(submitted);
        self.write(tx, stored, &Actor::System("release"), self.now(), change)
            .await
            .map(drop)
    }
}

/// What the audit log and the conversation get when a reporter's action arrives.
fn arrived(
    action: ReporterAction,
    arrival: Arrival,
    text: Option<String>,
    visible_at: i64,
) -> Change {
    let kind = match action {
        ReporterAction::Message => "message",
        _ => "reopen",
    };
    let message = text.map(|t| Message::public(kind, t, visible_at));
    let mut change = match arrival {
        Arrival::Applied(moved) => {
            let event = match action {
                ReporterAction::Message => "reporter_message",
                ReporterAction::Confirm { .. } => "confirmed",
                ReporterAction::Reopen => "reopened",
                ReporterAction::Withdraw => "withdrawn",
            };
            let change = Change::new(event, moved);
            match action.satisfaction() {
                Some(s) => change.detail(serde_json::json!({ "satisfaction": s })),
                None => change,
            }
        }
        Arrival::TooLate(state) => Change::new(
            TOO_LATE,
            crate::domain::item::Transition {
                from: state,
                to: state,
            },
        )
        .detail(serde_json::json!({ "action": action.as_str(), "state": state.as_str() })),
    };
    change.message = message;
    change
}
