//! Items as staff see them, whether at a desk or in oversight: lists, one item in full, and the one
//! way a staff action is carried out (who may, on what, in one transaction).
use super::catalog::oversight_tree;
use super::write::Change;
use super::{
    Actor, Error, ItemDetail, ItemSummary, MessageView, Result, Role, Service, StaffUser,
    TimelineEntry,
};
use crate::domain::access::{self, Staff, StaffAction};
use crate::domain::coarsening::Coarsening;
use crate::domain::item::Item;
use crate::domain::text::Field;
use crate::domain::text::Problem;
use crate::domain::tree::Tree;
use crate::domain::State;
use crate::store::{CatalogRows, ItemFilter, StoredItem};
use serde::Deserialize;

/// The longest list a staff page or API call gets.
pub(super) const LIST_LIMIT: i64 = 500;

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ItemQuery {
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub overdue: Option<bool>,
    /// At most this many (never more than the list limit); pages that show a few ask for a few.
    #[serde(skip)]
    pub limit: Option<i64>,
    /// With no state asked for: open items only (the pages' to-do lists), not the closed ones too.
    #[serde(skip)]
    pub open_only: bool,
    /// Items whose report number starts with this (`R-` may be left out, any case).
    #[serde(skip)]
    pub id: Option<String>,
    /// Supervisors: only this department and those below it (within their own subtree).
    #[serde(skip)]
    pub department: Option<String>,
    /// Skip this many first, for the pages after the first.
    #[serde(skip)]
    pub offset: i64,
    /// Items whose title contains this (any case). Titles are sealed in the database, so the list
    /// is read (up to `SEARCH_SCAN` items, due first) and searched as it is opened.
    #[serde(skip)]
    pub text: Option<String>,
}

/// The most items a title search reads.
pub(super) const SEARCH_SCAN: i64 = 5_000;

impl ItemQuery {
    pub(super) fn states(&self) -> Result<Vec<State>> {
        match self
            .state
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None if self.open_only => Ok(State::ALL.into_iter().filter(|s| s.is_open()).collect()),
            None => Ok(Vec::new()),
            Some(s) => State::parse(s)
                .map(|s| vec![s])
                .ok_or_else(|| Error::field(Field::State, Problem::Invalid)),
        }
    }

    /// The report-number prefix to look for: upper case, with its `R-`; only the characters a
    /// report number has (anything else finds nothing, rather than being a pattern).
    pub(super) fn id_prefix(&self) -> Option<String> {
        let typed = self
            .id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())?;
        let upper = typed.to_uppercase();
        let bare = upper.strip_prefix("R-").unwrap_or(&upper);
        let clean: String = bare.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        if clean.len() != bare.len() {
            return Some("R-!".to_string());
        }
        Some(format!("R-{clean}"))
    }

    pub(super) fn limit(&self) -> i64 {
        self.limit.map_or(LIST_LIMIT, |l| l.clamp(1, LIST_LIMIT))
    }
}

impl StaffUser {
    pub(super) fn staff(&self) -> Staff<'_> {
        Staff {
            role: self.role,
            department: self.department.as_deref(),
        }
    }

    /// The route's audience must be the caller's role: a desk on an oversight route is refused, and
    /// the other way round.
    pub(super) fn require(&self, role: Role) -> Result<()> {
        if self.role == role {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }
}

/// What a staff action sees: the item and the organisation it lives in.
pub(super) struct Context<'a> {
    pub catalog: &'a CatalogRows,
    pub tree: &'a Tree,
    pub now: i64,
}

impl Service {
    /// List items for `user` from the store, keeping those they may see, with areas as staff may
    /// see them.
    pub(super) async fn staff_list(
        &self,
        user: &StaffUser,
        filter: ItemFilter,
        tree: &Tree,
        catalog: &CatalogRows,
    ) -> Result<Vec<ItemSummary>> {
        let items = self.store().items(&filter).await?;
        let areas = self.coarsening(catalog);
        items
            .into_iter()
            .filter(|s| access::can_see(user.staff(), &s.item, tree))
            .map(|s| self.summary(&s, &areas))
            .collect()
    }

    /// `staff_list`, with the query's title search (when it has one) applied to the opened titles,
    /// and its page taken after the search.
    pub(super) async fn staff_list_for(
        &self,
        user: &StaffUser,
        mut filter: ItemFilter,
        q: &ItemQuery,
        tree: &Tree,
        catalog: &CatalogRows,
    ) -> Result<Vec<ItemSummary>> {
        let text = q
            .text
            .as_deref()
            .map(str::trim)
            .unwrap_or_default()
            .to_lowercase();
        if text.is_empty() {
            return self.staff_list(user, filter, tree, catalog).await;
        }
        let (offset, limit) = (filter.offset.max(0) as usize, filter.limit.max(1) as usize);
        filter.offset = 0;
        filter.limit = SEARCH_SCAN;
        let all = self.staff_list(user, filter, tree, catalog).await?;
        Ok(all
            .into_iter()
            .filter(|s| s.title.to_lowercase().contains(&text))
            .skip(offset)
            .take(limit)
            .collect())
    }

    pub(super) fn overdue_at(&self, q: &ItemQuery) -> Option<i64> {
        (q.overdue == Some(true)).then(|| self.now())
    }

    /// An item as a row of a staff list. Every staff view of an item is built on this, so the area
    /// is coarsened here and nowhere else.
    fn summary(&self, s: &StoredItem, areas: &Coarsening) -> Result<ItemSummary> {
        let i = &s.item;
        let due = i.working_due();
        let now = self.now();
        Ok(ItemSummary {
            id: i.id.clone(),
            kind: i.kind.as_str().to_string(),
            state: i.state.as_str().to_string(),
            category: i.category.clone(),
            area: areas.shown(&i.area).to_string(),
            department: i.department.clone(),
            title: self.open_text(&i.id, "title", &s.sealed.key_id, &s.sealed.title)?,
            due: due.map(|t| self.fmt_time(t)),
            overdue: due.is_some_and(|t| t < now),
            late_hours: due.filter(|t| *t < now).map(|t| (now - t) / 3600),
            escalation: i.escalation,
            received: self.fmt_date(i.received_on),
        })
    }

    /// One item for the `audience` (desk or oversight) whose route asked; any other role is refused,
    /// and an item the caller may not see is `NotFound`, never `Forbidden`: existence is private.
    pub async fn item(&self, user: &StaffUser, audience: Role, id: &str) -> Result<ItemDetail> {
        user.require(audience)?;
        self.release_due().await?;
        let catalog = self.organisation().await?;
        let stored = self.visible_item(user, id).await?;
        let now = self.now();
        let released: Vec<_> = self
            .store()
            .messages(id)
            .await?
            .into_iter()
            .filter(|m| m.release_at <= now)
            .collect();
        let days: Vec<(i64, String)> = released
            .iter()
            .map(|m| (m.id, self.fmt_date(m.created_at)))
            .collect();
        let attachments = self.released_attachments(id, &days).await?;
        let messages = released
            .into_iter()
            .map(|m| {
                let from_reporter = m.author == "reporter";
                Ok(MessageView {
                    body: self.open_text(id, "message", &m.key_id, &m.body_sealed)?,
                    date: self.fmt_date(m.created_at),
                    time: (!from_reporter).then(|| self.fmt_time(m.created_at)),
                    from: m.author,
                    kind: m.kind,
                    outcome: m.outcome.map(|o| o.as_str().to_string()),
                    internal: m.internal,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let timeline = self
            .store()
            .report_events(id)
            .await?
            .into_iter()
            // Every reporter event enters the log at its release, never before, and shows its day.
            .map(|e| {
                let detail: serde_json::Value = serde_json::from_str(&e.detail).unwrap_or_default();
                let text = |k: &str| detail[k].as_str().map(str::to_string);
                TimelineEntry {
                    reason: text("reason"),
                    escalated_to: text("to"),
                    suggested_department: text("suggested_department"),
                    at: if e.actor_role == "reporter" {
                        self.fmt_date(e.at)
                    } else {
                        self.fmt_time(e.at)
                    },
                    kind: e.kind,
                    actor_role: e.actor_role,
                    actor: e.actor,
                    from_state: e.from_state,
                    to_state: e.to_state,
                    department: e.department,
                }
            })
            .collect::<Vec<_>>();
        let i = &stored.item;
        let suggested_department = (i.state == State::TransferRequested)
            .then(|| {
                timeline
                    .iter()
                    .rev()
                    .find(|e| e.kind == "transfer_requested")
            })
            .flatten()
            .and_then(|e| e.suggested_department.clone());
        let time = |t: Option<i64>| t.map(|t| self.fmt_time(t));
        Ok(ItemDetail {
            summary: self.summary(&stored, &self.coarsening(&catalog))?,
            body: self.open_text(id, "body", &stored.sealed.key_id, &stored.sealed.body)?,
            subject_department: i.subject_department.clone(),
            related_to: i.related_to.clone(),
            outcome: i.outcome.map(|o| o.as_str().to_string()),
            confirmed: i.confirmed,
            satisfaction: i.satisfaction,
            dispatched: time(i.dispatched_at),
            acknowledge_due: time(i.acknowledge_due),
            respond_due: time(i.respond_due),
            confirm_due: time(i.confirm_due),
            escalated_to: i.escalated_to.clone(),
            suggested_department,
            awaiting_reporter_hours: i.awaiting_reporter_secs(now) / 3600,
            awaiting_reporter: i.awaiting_since.is_some(),
            transfers: i.transfers,
            reopens: i.reopens,
            messages,
            attachments,
            timeline,
            actions: access::actions(user.role, i)
                .into_iter()
                .map(StaffAction::as_str)
                .collect(),
        })
    }

    /// An item the caller may see, read outside any transaction (for checks before one).
    pub(super) async fn visible_item(&self, user: &StaffUser, id: &str) -> Result<StoredItem> {
        let tree = oversight_tree(&*self.organisation().await?);
        let stored = self.store().item(id).await?;
        stored
            .filter(|s| access::can_see(user.staff(), &s.item, &tree))
            .ok_or(Error::NotFound)
    }

    /// Carry out one staff action in one transaction: the caller's role must be allowed `action`
    /// (else `Forbidden`), the item must be visible to them (else `NotFound`); the organisation is
    /// read once and the item once, inside the transaction. `act` moves the item (or refuses) and
    /// says what to record.
    pub(super) async fn staff_change(
        &self,
        user: &StaffUser,
        action: StaffAction,
        id: &str,
        act: impl FnOnce(&mut Item, &Context<'_>) -> Result<Change>,
    ) -> Result<()> {
        if !action.allowed_to(user.role) {
            return Err(Error::Forbidden);
        }
        let catalog = self.organisation().await?;
        let tree = oversight_tree(&catalog);
        let mut tx = self.store().begin().await?;
        let mut stored = tx
            .item(id)
            .await?
            .filter(|s| access::can_see(user.staff(), &s.item, &tree))
            .ok_or(Error::NotFound)?;
        if !action.allowed_on(stored.item.kind) {
            return Err(Error::Forbidden);
        }
        let now = self.now();
        let ctx = Context {
            catalog: &catalog,
            tree: &tree,
            now,
        };
        let change = act(&mut stored.item, &ctx)?;
        let actor = Actor::Staff(user.clone());
        self.write(&mut tx, &mut stored, &actor, now, change)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
