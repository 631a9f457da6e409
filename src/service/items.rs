//! Items as staff handle them: release after the delay, desk inboxes and actions, supervisor actions.
use super::error::{Error, Result};
use super::reporter::department_tree;
use super::{
    state_of, Actor, ItemDetail, ItemSummary, MessageView, Msg, Role, Service, StaffUser, Step,
    TimelineEntry,
};
use crate::domain::text::{bounded, Problem, BODY_MAX, REASON_MAX};
use crate::domain::tree::Tree;
use crate::domain::{Action, Outcome, State};
use crate::store::{CategoryRow, ReportFilter, ReportRow};
use serde::Deserialize;

const LIST_LIMIT: i64 = 500;
const RELEASE_BATCH: i64 = 200;

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ItemQuery {
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub overdue: Option<bool>,
    /// At most this many (never more than the list limit); pages that show a few ask for a few.
    #[serde(skip)]
    pub limit: Option<i64>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct TransferDecision {
    pub approve: bool,
    #[serde(default)]
    pub department: Option<String>,
}

impl Service {
    /// Dispatch every report whose release delay has run out. Idempotent; safe to call from any
    /// request or job, on any instance.
    pub async fn release_due(&self) -> Result<usize> {
        let ids = self.store().due_releases(self.now(), RELEASE_BATCH).await?;
        if ids.is_empty() {
            return Ok(0);
        }
        let categories = self.store().catalog().await?.categories;
        let mut released = 0;
        for id in ids {
            match self.release(&id, &categories).await {
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
        let Some(mut row) = tx.report(id).await? else {
            return Ok(None);
        };
        if row.state != State::Received.as_str() || row.release_at > now {
            return Ok(None);
        }
        let to_triage = row.routed_to_triage == 1;
        let step = Step {
            action: Action::Release { to_triage },
            kind: "released",
            detail: serde_json::json!({}),
            message: None,
        };
        let release_at = row.release_at;
        self.step(
            &mut tx,
            &mut row,
            &Actor::System("release"),
            step,
            |row, _| {
                if !to_triage {
                    dispatch(row, categories, release_at);
                }
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Some(state_of(&row)?))
    }

    pub async fn desk_items(&self, user: &StaffUser, q: &ItemQuery) -> Result<Vec<ItemSummary>> {
        require(user, Role::Desk)?;
        self.release_due().await?;
        let dept = user.department.clone().ok_or(Error::Forbidden)?;
        let rows = self
            .store()
            .reports(&ReportFilter {
                departments: Some(vec![dept]),
                states: query_states(q)?,
                overdue_at: self.overdue_at(q),
                limit: LIST_LIMIT,
            })
            .await?;
        let tree = Tree::default();
        self.summaries(user, &tree, rows)
    }

    pub async fn oversight_items(
        &self,
        user: &StaffUser,
        q: &ItemQuery,
    ) -> Result<Vec<ItemSummary>> {
        require(user, Role::Supervisor)?;
        self.release_due().await?;
        let catalog = self.store().catalog().await?;
        let tree = department_tree(&catalog);
        let root = user.department.as_deref().ok_or(Error::Forbidden)?;
        let subtree: Vec<String> = catalog
            .departments
            .into_iter()
            .map(|d| d.code)
            .filter(|d| tree.is_within(d, root))
            .collect();
        let mut states = query_states(q)?;
        if states.is_empty() {
            states = State::ALL
                .iter()
                .filter(|s| s.is_open() && **s != State::Received)
                .map(|s| s.as_str().into())
                .collect();
        }
        let rows = self
            .store()
            .reports(&ReportFilter {
                departments: Some(subtree),
                states,
                overdue_at: self.overdue_at(q),
                limit: q.limit.map_or(LIST_LIMIT, |l| l.clamp(1, LIST_LIMIT)),
            })
            .await?;
        self.summaries(user, &tree, rows)
    }

    fn overdue_at(&self, q: &ItemQuery) -> Option<i64> {
        (q.overdue == Some(true)).then(|| self.now())
    }

    /// Rows arrive in due order (what is due first, i.e. most late, comes first; items without a
    /// running deadline last), straight from the store's index.
    fn summaries(
        &self,
        user: &StaffUser,
        tree: &Tree,
        rows: Vec<ReportRow>,
    ) -> Result<Vec<ItemSummary>> {
        rows.into_iter()
            .filter(|r| visible(user, tree, r))
            .map(|r| self.summary(&r))
            .collect()
    }

    fn summary(&self, r: &ReportRow) -> Result<ItemSummary> {
        let due = r.due_at;
        let now = self.now();
        Ok(ItemSummary {
            id: r.id.clone(),
            state: r.state.clone(),
            category: r.category.clone(),
            area: r.area.clone(),
            department: r.department.clone(),
            title: self.open_text(&r.id, "title", &r.key_id, &r.title_sealed)?,
            due: due.map(|t| self.fmt_time(t)),
            overdue: due.is_some_and(|t| t < now),
            late_hours: due.filter(|t| *t < now).map(|t| (now - t) / 3600),
            escalation: r.escalation,
            received: self.fmt_date(r.received_on),
        })
    }

    /// One item, if the caller may see it (otherwise `NotFound`, never `Forbidden`: existence is private).
    /// One item for the `audience` (desk or oversight) whose route asked; any other role is refused.
    pub async fn item(&self, user: &StaffUser, audience: Role, id: &str) -> Result<ItemDetail> {
        require(user, audience)?;
        self.release_due().await?;
        let row = self.visible_item(user, id).await?;
        let now = self.now();
        let messages = self
            .store()
            .messages(id)
            .await?
            .into_iter()
            .filter(|m| m.release_at <= now)
            .map(|m| {
                let from_reporter = m.author == "reporter";
                Ok(MessageView {
                    body: self.open_text(id, "message", &m.key_id, &m.body_sealed)?,
                    date: self.fmt_date(m.created_at),
                    time: (!from_reporter).then(|| self.fmt_time(m.created_at)),
                    from: m.author,
                    kind: m.kind,
                    outcome: m.outcome,
                    internal: m.internal == 1,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let timeline = self
            .store()
            .report_events(id)
            .await?
            .into_iter()
            // A reporter's message shows up in the conversation once released; its event would
            // reveal it (and when it was sent) before that.
            .filter(|e| e.kind != "reporter_message")
            .map(|e| TimelineEntry {
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
            })
            .collect();
        let state = state_of(&row)?;
        Ok(ItemDetail {
            summary: self.summary(&row)?,
            body: self.open_text(id, "body", &row.key_id, &row.body_sealed)?,
            subject_department: row.subject_department.clone(),
            outcome: row.outcome.clone(),
            confirmed: row.confirmed.map(|c| c == 1),
            satisfaction: row.satisfaction,
            dispatched: row.dispatched_at.map(|t| self.fmt_time(t)),
            acknowledge_due: row.acknowledge_due.map(|t| self.fmt_time(t)),
            respond_due: row.respond_due.map(|t| self.fmt_time(t)),
            confirm_due: row.confirm_due.map(|t| self.fmt_time(t)),
            escalated_to: row.escalated_to.clone(),
            awaiting_reporter_hours: (row.awaiting_secs
                + row.awaiting_since.map_or(0, |t| (now - t).max(0)))
                / 3600,
            awaiting_reporter: row.awaiting_since.is_some(),
            transfers: row.transfers,
            reopens: row.reopens,
            escalation: row.escalation,
            messages,
            timeline,
            actions: actions(user.role, state),
        })
    }

    async fn visible_item(&self, user: &StaffUser, id: &str) -> Result<ReportRow> {
        let tree = department_tree(&self.store().catalog().await?);
        let row = self.store().report(id).await?;
        row.filter(|r| visible(user, &tree, r))
            .ok_or(Error::NotFound)
    }

    /// Run one staff step on an item the caller may see, in one transaction: the organisation is
    /// read once, the row once (inside the transaction). `build` sees the row and the department
    /// tree and may still refuse; `mutate` gets the categories for deadlines.
    async fn staff_step(
        &self,
        user: &StaffUser,
        role: Role,
        id: &str,
        build: impl FnOnce(&ReportRow, &Tree) -> Result<Step>,
        mutate: impl FnOnce(&mut ReportRow, &[CategoryRow]),
    ) -> Result<()> {
        require(user, role)?;
        self.release_due().await?;
        let catalog = self.store().catalog().await?;
        let tree = department_tree(&catalog);
        let mut tx = self.store().begin().await?;
        let row = tx.report(id).await?;
        let mut row = row
            .filter(|r| visible(user, &tree, r))
            .ok_or(Error::NotFound)?;
        let step = build(&row, &tree)?;
        let actor = Actor::Staff(user.clone());
        self.step(&mut tx, &mut row, &actor, step, |row, _| {
            mutate(row, &catalog.categories)
        })
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn acknowledge(&self, user: &StaffUser, id: &str) -> Result<()> {
        let now = self.now();
        let step = Step {
            action: Action::Acknowledge,
            kind: "acknowledged",
            detail: serde_json::json!({}),
            message: None,
        };
        self.staff_step(
            user,
            Role::Desk,
            id,
            |_, _| Ok(step),
            |row, _| row.acknowledged_at = Some(now),
        )
        .await
    }

    pub async fn staff_message(&self, user: &StaffUser, id: &str, body: &str) -> Result<()> {
        let text = bounded("body", body, BODY_MAX)?;
        let role = if user.role == Role::Supervisor {
            Role::Supervisor
        } else {
            Role::Desk
        };
        let step = Step {
            action: Action::Message,
            kind: "staff_message",
            detail: serde_json::json!({}),
            message: Some(Msg {
                kind: "message",
                internal: false,
                outcome: None,
                text,
            }),
        };
        self.staff_step(user, role, id, |_, _| Ok(step), |_, _| {})
            .await
    }

    pub async fn respond(
        &self,
        user: &StaffUser,
        id: &str,
        outcome: &str,
        body: &str,
    ) -> Result<()> {
        let outcome = Outcome::parse(outcome.trim())
            .ok_or_else(|| Error::field("outcome", Problem::Invalid))?;
        let text = bounded("body", body, BODY_MAX)?;
        let now = self.now();
        let step = Step {
            action: Action::Respond,
            kind: "responded",
            detail: serde_json::json!({ "outcome": outcome.as_str() }),
            message: Some(Msg {
                kind: "response",
                internal: false,
                outcome: Some(outcome.as_str()),
                text,
            }),
        };
        self.staff_step(
            user,
            Role::Desk,
            id,
            |_, _| Ok(step),
            |row, categories| {
                let confirm_within =
                    category(categories, &row.category).map_or(14 * 86_400, |c| c.confirm_within);
                row.outcome = Some(outcome.as_str().into());
                row.responded_at = Some(now);
                row.confirm_due = Some(now + confirm_within);
            },
        )
        .await
    }

    pub async fn request_transfer(
        &self,
        user: &StaffUser,
        id: &str,
        reason: &str,
        suggested: Option<&str>,
    ) -> Result<()> {
        let text = bounded("reason", reason, REASON_MAX)?;
        let suggested = match suggested.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(code) => Some(self.active_department(code, "suggested_department").await?),
        };
        let step = Step {
            action: Action::RequestTransfer,
            kind: "transfer_requested",
            detail: serde_json::json!({ "suggested_department": suggested }),
            message: Some(Msg {
                kind: "transfer_request",
                internal: true,
                outcome: None,
                text,
            }),
        };
        self.staff_step(user, Role::Desk, id, |_, _| Ok(step), |_, _| {})
            .await
    }

    /// Assign a triage item, or reassign an open one, to `department`.
    pub async fn assign(&self, user: &StaffUser, id: &str, department: &str) -> Result<()> {
        self.reassign(user, id, department, "assigned").await
    }

    pub async fn decide_transfer(
        &self,
        user: &StaffUser,
        id: &str,
        d: &TransferDecision,
    ) -> Result<()> {
        if d.approve {
            let department = d.department.as_deref().unwrap_or("");
            return self
                .reassign(user, id, department, "transfer_approved")
                .await;
        }
        let build = |row: &ReportRow, _: &Tree| {
            Ok(Step {
                action: Action::SendBack {
                    was_acknowledged: row.acknowledged_at.is_some(),
                },
                kind: "transfer_refused",
                detail: serde_json::json!({}),
                message: None,
            })
        };
        self.staff_step(user, Role::Supervisor, id, build, |_, _| {})
            .await
    }

    async fn reassign(
        &self,
        user: &StaffUser,
        id: &str,
        department: &str,
        kind: &'static str,
    ) -> Result<()> {
        require(user, Role::Supervisor)?;
        let department = self.active_department(department, "department").await?;
        let root = user.department.clone().ok_or(Error::Forbidden)?;
        let now = self.now();
        let to = department.clone();
        let build = |row: &ReportRow, tree: &Tree| {
            if !tree.is_within(&to, &root) {
                return Err(Error::field("department", Problem::Unknown));
            }
            // The conflict-of-interest rule binds supervisors too.
            if row
                .subject_department
                .as_deref()
                .is_some_and(|s| tree.is_within(&to, s))
            {
                return Err(Error::field("department", Problem::Invalid));
            }
            Ok(Step {
                action: Action::Assign,
                kind,
                detail: serde_json::json!({ "from_department": row.department, "to_department": to }),
                message: None,
            })
        };
        self.staff_step(user, Role::Supervisor, id, build, |row, categories| {
            if row.state == State::TransferRequested.as_str()
                || row.dispatched_at.is_some() && row.department != department
            {
                row.transfers += 1;
            }
            row.department = department;
            row.acknowledged_at = None;
            dispatch(row, categories, now);
        })
        .await
    }

    /// Merge an item into the canonical one it duplicates. The duplicate's reporter then follows the
    /// canonical item with their own receipt.
    pub async fn mark_duplicate(&self, user: &StaffUser, id: &str, of: &str) -> Result<()> {
        require(user, Role::Supervisor)?;
        let of = of.trim();
        if of.is_empty() {
            return Err(Error::field("of", Problem::Missing));
        }
        self.visible_item(user, id).await?;
        // Merge into the end of any chain, so a reporter never follows more than one hop.
        let canonical = match self.visible_item(user, of).await {
            Ok(row) => row.duplicate_of.unwrap_or(row.id),
            Err(Error::NotFound) => return Err(Error::field("of", Problem::Unknown)),
            Err(e) => return Err(e),
        };
        if canonical == id {
            return Err(Error::field("of", Problem::Invalid));
        }
        let now = self.now();
        let to = canonical.clone();
        let step = Step {
            action: Action::MarkDuplicate,
            kind: "marked_duplicate",
            detail: serde_json::json!({ "of": to }),
            message: None,
        };
        self.staff_step(
            user,
            Role::Supervisor,
            id,
            |_, _| Ok(step),
            |row, _| {
                row.duplicate_of = Some(canonical);
                row.closed_at = Some(now);
            },
        )
        .await
    }

    /// Reject an item as abuse. The reason is sealed like any message and shown to the reporter.
    pub async fn reject(&self, user: &StaffUser, id: &str, reason: &str) -> Result<()> {
        let text = bounded("reason", reason, REASON_MAX)?;
        let now = self.now();
        let step = Step {
            action: Action::Reject,
            kind: "rejected",
            detail: serde_json::json!({}),
            message: Some(Msg {
                kind: "rejection",
                internal: false,
                outcome: None,
                text,
            }),
        };
        self.staff_step(
            user,
            Role::Supervisor,
            id,
            |_, _| Ok(step),
            |row, _| row.closed_at = Some(now),
        )
        .await
    }

    async fn active_department(&self, code: &str, field: &'static str) -> Result<String> {
        let code = code.trim();
        if code.is_empty() {
            return Err(Error::field(field, Problem::Missing));
        }
        match self.store().department(code).await? {
            Some(d) if d.retired == 0 => Ok(d.code),
            _ => Err(Error::field(field, Problem::Unknown)),
        }
    }
}

fn require(user: &StaffUser, role: Role) -> Result<()> {
    if user.role == role {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// Desks see what was dispatched to their own department; supervisors see their subtree (released
/// items only); admins configure and read no content.
fn visible(user: &StaffUser, tree: &Tree, row: &ReportRow) -> bool {
    let Some(dept) = user.department.as_deref() else {
        return false;
    };
    match user.role {
        Role::Desk => {
            row.department == dept
                && row.dispatched_at.is_some()
                && row.state != State::Triage.as_str()
        }
        Role::Supervisor => {
            row.state != State::Received.as_str() && tree.is_within(&row.department, dept)
        }
        Role::Admin => false,
    }
}

/// The deadline clock starts the first time the item reaches a department desk, and never restarts.
fn dispatch(row: &mut ReportRow, categories: &[CategoryRow], at: i64) {
    if row.dispatched_at.is_some() {
        return;
    }
    let (ack, respond) = category(categories, &row.category)
        .map_or((2 * 86_400, 15 * 86_400), |c| {
            (c.acknowledge_within, c.respond_within)
        });
    row.dispatched_at = Some(at);
    row.acknowledge_due = Some(at + ack);
    row.respond_due = Some(at + respond);
}

fn category<'a>(categories: &'a [CategoryRow], code: &str) -> Option<&'a CategoryRow> {
    categories.iter().find(|c| c.code == code)
}

fn query_states(q: &ItemQuery) -> Result<Vec<String>> {
    match q.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Vec::new()),
        Some(s) => State::parse(s)
            .map(|s| vec![s.as_str().to_string()])
            .ok_or_else(|| Error::field("state", Problem::Invalid)),
    }
}

fn actions(role: Role, state: State) -> Vec<&'static str> {
    use State as S;
    match (role, state) {
        (Role::Desk, S::Assigned) => vec!["acknowledge", "message", "transfer"],
        (Role::Desk, S::Acknowledged) => vec!["respond", "message", "transfer"],
        (Role::Desk, S::TransferRequested | S::Responded) => vec!["message"],
        (Role::Supervisor, S::Triage) => vec!["assign", "duplicate", "reject"],
        (Role::Supervisor, S::TransferRequested) => {
            vec!["transfer_decision", "assign", "duplicate", "reject"]
        }
        (Role::Supervisor, S::Assigned | S::Acknowledged) => vec!["assign", "duplicate", "reject"],
        (Role::Supervisor, S::Responded) => vec!["duplicate", "reject"],
        _ => vec![],
    }
}
