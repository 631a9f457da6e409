//! What a supervisor does within their subtree: lists, triage and reassignment, transfer decisions,
//! merging duplicates, rejecting abuse.
use super::catalog::{item_terms, oversight_tree};
use super::staff_items::{Context, ItemQuery};
use super::write::{Change, Message};
use super::{Error, ItemSummary, Result, Role, Service, StaffUser};
use crate::domain::access::StaffAction;
use crate::domain::item::{Item, Kind, Moved};
use crate::domain::text::Field;
use crate::domain::text::{bounded, Problem, REASON_MAX};
use crate::domain::State;
use crate::store::ItemFilter;
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
pub struct TransferDecision {
    pub approve: bool,
    #[serde(default)]
    pub department: Option<String>,
}

impl Service {
    pub async fn oversight_items(
        &self,
        user: &StaffUser,
        q: &ItemQuery,
    ) -> Result<Vec<ItemSummary>> {
        user.require(Role::Supervisor)?;
        self.release_due().await?;
        let catalog = self.organisation().await?;
        let tree = oversight_tree(&catalog);
        let root = user.department.as_deref().ok_or(Error::Forbidden)?;
        let subtree: Vec<String> = catalog
            .departments
            .iter()
            .map(|d| d.code.clone())
            .filter(|d| tree.is_within(d, root))
            .filter(|d| {
                q.department
                    .as_deref()
                    .is_none_or(|only| tree.is_within(d, only))
            })
            .collect();
        let mut states = q.states()?;
        if states.is_empty() {
            states = State::ALL
                .into_iter()
                .filter(|s| s.is_open() && *s != State::Received)
                .collect();
        }
        let filter = ItemFilter {
            departments: Some(subtree),
            states,
            overdue_at: self.overdue_at(q),
            id_prefix: q.id_prefix(),
            limit: q.limit(),
            offset: q.offset.max(0),
        };
        self.staff_list_for(user, filter, q, &tree, &catalog).await
    }

    /// Assign a triage item, or reassign an open one, to `department`.
    pub async fn assign(&self, user: &StaffUser, id: &str, department: &str) -> Result<()> {
        self.reassign(user, StaffAction::Assign, id, department, "assigned")
            .await
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
                .reassign(
                    user,
                    StaffAction::TransferDecision,
                    id,
                    department,
                    "transfer_approved",
                )
                .await;
        }
        self.staff_change(user, StaffAction::TransferDecision, id, |item, ctx| {
            Ok(Change::new("transfer_refused", item.send_back(ctx.now)?))
        })
        .await
    }

    /// To `department`, which must be in the caller's subtree and must not be the department the
    /// report is about or one below it: the conflict-of-interest rule binds supervisors too.
    async fn reassign(
        &self,
        user: &StaffUser,
        action: StaffAction,
        id: &str,
        department: &str,
        kind: &'static str,
    ) -> Result<()> {
        user.require(Role::Supervisor)?;
        let to = self
            .active_department(department, Field::Department)
            .await?;
        let root = user.department.clone().ok_or(Error::Forbidden)?;
        self.staff_change(user, action, id, |item, ctx| {
            if !ctx.tree.is_within(&to, &root) {
                return Err(Error::field(Field::Department, Problem::Unknown));
            }
            if item
                .subject_department
                .as_deref()
                .is_some_and(|s| ctx.tree.is_within(&to, s))
            {
                return Err(Error::field(Field::Department, Problem::Invalid));
            }
            let from = item.department.clone();
            let moved = assign(item, &to, ctx)?;
            Ok(Change::new(kind, moved)
                .detail(serde_json::json!({ "from_department": from, "to_department": to })))
        })
        .await
    }

    /// Merge an item into the canonical one it duplicates. The duplicate's reporter then follows the
    /// canonical item with their own receipt.
    pub async fn mark_duplicate(&self, user: &StaffUser, id: &str, of: &str) -> Result<()> {
        user.require(Role::Supervisor)?;
        let of = of.trim();
        if of.is_empty() {
            return Err(Error::field(Field::Of, Problem::Missing));
        }
        self.visible_item(user, id).await?;
        // Merge into the end of any chain, so a reporter never follows more than one hop. Never
        // into a retaliation report: the merged report's reporter would then follow its messages.
        let canonical = match self.visible_item(user, of).await {
            Ok(s) if s.item.kind == Kind::Retaliation => {
                return Err(Error::field(Field::Of, Problem::Invalid))
            }
            Ok(s) => s.item.duplicate_of.unwrap_or(s.item.id),
            Err(Error::NotFound) => return Err(Error::field(Field::Of, Problem::Unknown)),
            Err(e) => return Err(e),
        };
        if canonical == id {
            return Err(Error::field(Field::Of, Problem::Invalid));
        }
        self.staff_change(user, StaffAction::Duplicate, id, |item, ctx| {
            let moved = item.mark_duplicate(&canonical, ctx.now)?;
            Ok(Change::new("marked_duplicate", moved)
                .detail(serde_json::json!({ "of": canonical })))
        })
        .await
    }

    /// Reject an item as abuse. The reason is sealed like any message and shown to the reporter.
    pub async fn reject(&self, user: &StaffUser, id: &str, reason: &str) -> Result<()> {
        let text = bounded(Field::Reason, reason, REASON_MAX)?;
        self.staff_change(user, StaffAction::Reject, id, |item, ctx| {
            let moved = item.reject(ctx.now)?;
            Ok(Change::new("rejected", moved).message(Message::public("rejection", text, ctx.now)))
        })
        .await
    }
}

fn assign(item: &mut Item, to: &str, ctx: &Context<'_>) -> Moved {
    let terms = item_terms(&ctx.catalog.categories, item);
    item.assign(to, ctx.now, terms)
}
