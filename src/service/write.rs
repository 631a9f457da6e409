//! The one way a change to an item is written: the item (already moved by one of its domain
//! methods), the message that came with it, and its audit event, in the caller's transaction. The
//! event is the last write (on PostgreSQL it takes the chain lock, held until commit).
use super::{Actor, Result, Service};
use crate::domain::item::{Item, Transition};
use crate::domain::Outcome;
use crate::store::{NewEvent, NewMessage, StoredItem, Tx};

/// Text that comes with a change, sealed before it is stored.
pub(super) struct Message {
    pub kind: &'static str,
    pub internal: bool,
    pub outcome: Option<Outcome>,
    pub text: String,
    /// When staff may see it: at once for staff text, after the release delay for a reporter's.
    pub visible_at: i64,
}

impl Message {
    pub fn public(kind: &'static str, text: String, visible_at: i64) -> Message {
        Message {
            kind,
            internal: false,
            outcome: None,
            text,
            visible_at,
        }
    }
}

/// What the audit log says about one change.
pub(super) struct Change {
    pub kind: &'static str,
    pub detail: serde_json::Value,
    pub moved: Transition,
    pub message: Option<Message>,
    /// An event that belongs before this change's own (a report's submission, entered at its
    /// release): appended after the item's row is written, like every event.
    pub preceded_by: Option<NewEvent>,
}

impl Change {
    pub fn new(kind: &'static str, moved: Transition) -> Change {
        Change {
            kind,
            detail: serde_json::json!({}),
            moved,
            message: None,
            preceded_by: None,
        }
    }

    /// An escalation just made on `item` (its level and target already raised), and why.
    pub fn escalation(item: &Item, moved: Transition, reason: &str) -> Change {
        Change::new("escalated", moved).detail(serde_json::json!({
            "reason": reason,
            "level": item.escalation,
            "to": item.escalated_to,
        }))
    }

    pub fn detail(mut self, detail: serde_json::Value) -> Change {
        self.detail = detail;
        self
    }

    pub fn message(mut self, message: Message) -> Change {
        self.message = Some(message);
        self
    }
}

impl Service {
    /// Write `stored` (whose item a domain method has just moved) with its message and event. `at`
    /// is the time the change is recorded with: the day for a reporter, the instant for anyone else.
    /// The id of the message it stored, if any (a reply's files move to it).
    pub(super) async fn write(
        &self,
        tx: &mut Tx,
        stored: &mut StoredItem,
        actor: &Actor,
        at: i64,
        change: Change,
    ) -> Result<Option<i64>> {
        let item = &stored.item;
        stored.version = tx.update_item(item, stored.version).await?;
        let mut message_id = None;
        if let Some(m) = change.message {
            let sealed = self.keys().seal(&item.id, "message", &m.text);
            let id = tx
                .insert_message(&NewMessage {
                    report_id: item.id.clone(),
                    author: actor.author().to_string(),
                    kind: m.kind.to_string(),
                    internal: m.internal,
                    outcome: m.outcome,
                    key_id: sealed.key_id,
                    body_sealed: sealed.blob,
                    created_at: at,
                    release_at: m.visible_at,
                })
                .await?;
            message_id = Some(id);
        }
        self.owe(tx, change.kind, change.moved, item).await?;
        if let Some(event) = change.preceded_by {
            tx.append_event(event).await?;
        }
        tx.append_event(NewEvent {
            report_id: Some(item.id.clone()),
            kind: change.kind.to_string(),
            actor_role: actor.role().to_string(),
            actor: actor.name(),
            department: Some(item.department.clone()),
            from_state: Some(change.moved.from.as_str().to_string()),
            to_state: Some(change.moved.to.as_str().to_string()),
            detail: change.detail.to_string(),
            at,
        })
        .await?;
        Ok(message_id)
    }
}
