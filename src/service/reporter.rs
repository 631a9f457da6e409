//! What a reporter can do, holding nothing but a receipt: submit, follow up, reply, confirm, reopen,
//! withdraw. Every time recorded for a reporter is the start of the local day.
use super::catalog::{pick, route, terms};
use super::write::{Change, Message};
use super::{
    Actor, ClosedView, Error, MessageView, ReporterView, ResponseView, Result, Service, Submitted,
};
use crate::crypto::random_bytes;
use crate::domain::item::Item;
use crate::domain::receipt::{report_id, Receipt, ENTROPY_BYTES};
use crate::domain::routing::Route;
use crate::domain::text::Field;
use crate::domain::text::{bounded, Problem, BODY_MAX, REASON_MAX, TITLE_MAX};
use crate::domain::State;
use crate::store::{NewEvent, Sealed, StoreError, StoredItem, Tx};
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewReportInput {
    pub category: String,
    pub area: String,
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub subject_department: Option<String>,
}

impl Service {
    pub async fn submit(&self, input: NewReportInput) -> Result<Submitted> {
        let rows = self.organisation().await?;
        let category = pick(
            &input.category,
            Field::Category,
            rows.categories
                .iter()
                .filter(|c| !c.retired)
                .map(|c| &c.code),
        )?;
        let area = pick(
            &input.area,
            Field::Area,
            rows.areas.iter().filter(|a| !a.retired).map(|a| &a.code),
        )?;
        let subject = match input.subject_department.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(pick(
                s,
                Field::SubjectDepartment,
                rows.departments
                    .iter()
                    .filter(|d| !d.retired)
                    .map(|d| &d.code),
            )?),
        };
        let title = bounded(Field::Title, &input.title, TITLE_MAX)?;
        let body = bounded(Field::Body, &input.body, BODY_MAX)?;

        let (department, to_triage) = match route(&rows, &category, &area, subject.as_deref())? {
            Route::Department(d) => (d, false),
            Route::Triage(d) => (d, true),
        };
        let received_on = self.reporter_time();
        let release_at = self.release_time();
        // Ids and receipts are random; a collision (astronomically unlikely) just draws again.
        let mut attempt = 0;
        let (id, receipt, state) = loop {
            attempt += 1;
            let id = report_id(&random_bytes::<7>());
            let receipt = Receipt::from_entropy(&random_bytes::<ENTROPY_BYTES>());
            let item = Item::received(
                id.clone(),
                category.clone(),
                area.clone(),
                subject.clone(),
                department.clone(),
                to_triage,
                received_on,
                release_at,
            );
            let title_sealed = self.keys().seal(&id, "title", &title);
            let body_sealed = self.keys().seal(&id, "body", &body);
            let sealed = Sealed {
                key_id: title_sealed.key_id,
                title: title_sealed.blob,
                body: body_sealed.blob,
            };
            let mac = self.keys().receipt_mac(receipt.canonical());
            let mut tx = self.store().begin().await?;
            match tx.insert_item(&item, &mac, &sealed).await {
                Err(StoreError::Conflict) if attempt < 3 => continue,
                other => other?,
            }
            tx.append_event(NewEvent {
                report_id: Some(id.clone()),
                kind: "submitted".into(),
                actor_role: Actor::Reporter.role().into(),
                department: Some(department.clone()),
                to_state: Some(State::Received.as_str().into()),
                detail: serde_json::json!({ "category": category, "area": area, "subject_department": subject })
                    .to_string(),
                at: received_on,
                ..NewEvent::default()
            })
            .await?;
            let mut stored = StoredItem {
                item,
                sealed,
                version: 0,
            };
            // Without a release delay the report reaches its desk in the same commit.
            let now = self.now();
            if release_at <= now {
                let terms = terms(&rows.categories, &stored.item.category);
                let moved = stored.item.release(release_at, terms)?;
                let change = Change::new("released", moved);
                self.write(&mut tx, &mut stored, &Actor::System("release"), now, change)
                    .await?;
            }
            tx.commit().await?;
            break (id, receipt, stored.item.state);
        };
        Ok(Submitted {
            id,
            receipt: receipt.display().into(),
            state: state.as_str().into(),
        })
    }

    /// The report a receipt belongs to. Every failure is the same `InvalidReceipt`, and a malformed
    /// receipt still costs a MAC and a lookup, so neither answer nor timing tells them apart.
    async fn by_receipt(&self, receipt: &str) -> Result<StoredItem> {
        let canonical = Receipt::parse(receipt);
        let mac = self.keys().receipt_mac(
            canonical
                .as_ref()
                .map_or("not-a-receipt", |r| r.canonical()),
        );
        let found = self.store().item_by_receipt(&mac).await?;
        match (canonical, found) {
            (Some(_), Some(stored)) => Ok(stored),
            _ => Err(Error::InvalidReceipt),
        }
    }

    pub async fn reporter_view(&self, receipt: &str) -> Result<ReporterView> {
        let own = self.by_receipt(receipt).await?;
        // A merged duplicate follows its canonical item: its state, department and the department's
        // messages, never the other reporter's words. The reporter keeps their own text and thread.
        let mut followed = own.item.clone();
        for _ in 0..4 {
            match &followed.duplicate_of {
                Some(of) => match self.store().item(of).await? {
                    Some(canonical) => followed = canonical.item,
                    None => break,
                },
                None => break,
            }
        }
        let merged = followed.id != own.item.id;
        let mut raw = self.store().messages(&own.item.id).await?;
        if merged {
            raw.extend(
                self.store()
                    .messages(&followed.id)
                    .await?
                    .into_iter()
                    .filter(|m| m.author != "reporter"),
            );
            raw.sort_by_key(|m| m.created_at);
        }
        let messages: Vec<MessageView> = raw
            .into_iter()
            .filter(|m| !m.internal)
            .map(|m| {
                Ok(MessageView {
                    body: self.open_text(&m.report_id, "message", &m.key_id, &m.body_sealed)?,
                    from: m.author,
                    kind: m.kind,
                    outcome: m.outcome.map(|o| o.as_str().to_string()),
                    date: self.fmt_date(m.created_at),
                    time: None,
                    internal: false,
                })
            })
            .collect::<Result<_>>()?;
        let response = messages
            .iter()
            .rev()
            .find(|m| m.kind == "response")
            .map(|m| ResponseView {
                outcome: m.outcome.clone().unwrap_or_default(),
                body: m.body.clone(),
                date: m.date.clone(),
            });
        let own_state = own.item.state;
        let sealed = &own.sealed;
        let id = &own.item.id;
        Ok(ReporterView {
            title: self.open_text(id, "title", &sealed.key_id, &sealed.title)?,
            body: self.open_text(id, "body", &sealed.key_id, &sealed.body)?,
            submitted: self.fmt_date(own.item.received_on),
            closed: (followed.state == State::Closed).then(|| ClosedView {
                confirmed: followed.confirmed == Some(true),
                satisfaction: followed.satisfaction.filter(|_| !merged),
                date: self.fmt_date(followed.closed_at.unwrap_or(followed.received_on)),
            }),
            can_reply: own_state.is_open(),
            can_confirm: own_state == State::Responded,
            can_reopen: own_state == State::Responded,
            can_withdraw: own_state.is_open(),
            id: own.item.id,
            state: followed.state.as_str().to_string(),
            category: own.item.category,
            area: own.item.area,
            department: followed.department,
            outcome: followed.outcome.map(|o| o.as_str().to_string()),
            messages,
            response,
            duplicate_of: own.item.duplicate_of,
        })
    }

    pub async fn reporter_message(&self, receipt: &str, body: &str) -> Result<()> {
        let text = bounded(Field::Body, body, BODY_MAX)?;
        let visible_at = self.release_time();
        self.reporter_change(receipt, |item, day| {
            let moved = item.reporter_message(day, visible_at)?;
            Ok(Change::new("reporter_message", moved)
                .message(Message::public("message", text, visible_at)))
        })
        .await
    }

    pub async fn reporter_confirm(&self, receipt: &str, satisfaction: i64) -> Result<()> {
        if !(1..=5).contains(&satisfaction) {
            return Err(Error::field(
                Field::Satisfaction,
                Problem::OutOfRange { min: 1, max: 5 },
            ));
        }
        self.reporter_change(receipt, |item, day| {
            let moved = item.confirm(satisfaction, day)?;
            Ok(Change::new("confirmed", moved)
                .detail(serde_json::json!({ "satisfaction": satisfaction })))
        })
        .await
    }

    /// Back to the same department. A second reopen also escalates, recorded as the reporter's doing
    /// with the reporter's day-granular time.
    pub async fn reporter_reopen(&self, receipt: &str, reason: &str) -> Result<()> {
        let text = bounded(Field::Reason, reason, REASON_MAX)?;
        let rows = self.organisation().await?;
        let tree = super::catalog::department_tree(&rows);
        let visible_at = self.release_time();
        let day = self.reporter_time();
        let (mut tx, mut stored) = self.reporter_tx(receipt).await?;
        let item = &mut stored.item;
        let moved = item.reopen(day, terms(&rows.categories, &item.category))?;
        let change =
            Change::new("reopened", moved).message(Message::public("reopen", text, visible_at));
        self.write(&mut tx, &mut stored, &Actor::Reporter, day, change)
            .await?;
        if stored.item.reopen_escalates() {
            let moved = stored.item.escalate(day, &tree)?;
            let change = Change::escalation(&stored.item, moved, "second_reopen");
            self.write(&mut tx, &mut stored, &Actor::Reporter, day, change)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn reporter_withdraw(&self, receipt: &str) -> Result<()> {
        self.reporter_change(receipt, |item, day| {
            Ok(Change::new("withdrawn", item.withdraw(day)?))
        })
        .await
    }

    /// The write transaction for a reporter's action, with the item behind the receipt read inside it.
    async fn reporter_tx(&self, receipt: &str) -> Result<(Tx, StoredItem)> {
        let id = self.by_receipt(receipt).await?.item.id;
        let mut tx = self.store().begin().await?;
        let stored = tx.item(&id).await?.ok_or(Error::InvalidReceipt)?;
        Ok((tx, stored))
    }

    /// One reporter action in one transaction: `act` moves the item (given the day it is recorded
    /// with) and says what to record.
    async fn reporter_change(
        &self,
        receipt: &str,
        act: impl FnOnce(&mut Item, i64) -> Result<Change>,
    ) -> Result<()> {
        let day = self.reporter_time();
        let (mut tx, mut stored) = self.reporter_tx(receipt).await?;
        let change = act(&mut stored.item, day)?;
        self.write(&mut tx, &mut stored, &Actor::Reporter, day, change)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
