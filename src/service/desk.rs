//! What a department desk does with the items of its own department: its inbox, acknowledge, ask,
//! answer, and "not ours" (a transfer request to the supervisor above).
use super::catalog::item_terms;
use super::staff_items::ItemQuery;
use super::write::{Change, Message};
use super::{Error, ItemSummary, Result, Role, Service, StaffUser};
use crate::domain::access::StaffAction;
use crate::domain::item::Visibility;
use crate::domain::text::Field;
use crate::domain::text::{bounded, Problem, BODY_MAX, REASON_MAX};
use crate::domain::tree::Tree;
use crate::domain::Outcome;
use crate::store::ItemFilter;

impl Service {
    pub async fn desk_items(&self, user: &StaffUser, q: &ItemQuery) -> Result<Vec<ItemSummary>> {
        user.require(Role::Desk)?;
        self.release_due().await?;
        let department = user.department.clone().ok_or(Error::Forbidden)?;
        let filter = ItemFilter {
            departments: Some(vec![department]),
            states: q.states()?,
            overdue_at: self.overdue_at(q),
            id_prefix: q.id_prefix(),
            limit: q.limit(),
            offset: q.offset.max(0),
        };
        // A desk sees its own department only: no tree is needed to decide.
        let catalog = self.organisation().await?;
        self.staff_list_for(user, filter, q, &Tree::default(), &catalog)
            .await
    }

    pub async fn acknowledge(&self, user: &StaffUser, id: &str) -> Result<()> {
        self.staff_change(user, StaffAction::Acknowledge, id, |item, ctx| {
            Ok(Change::new("acknowledged", item.acknowledge(ctx.now)?))
        })
        .await
    }

    /// A message to the reporter, from a desk or a supervisor, each on their own routes (`audience`).
    /// A question while the department owes an answer starts the (shown, never subtracted) wait on
    /// the reporter.
    pub async fn staff_message(
        &self,
        user: &StaffUser,
        audience: Role,
        id: &str,
        body: &str,
    ) -> Result<()> {
        user.require(audience)?;
        let text = bounded(Field::Body, body, BODY_MAX)?;
        self.staff_change(user, StaffAction::Message, id, |item, ctx| {
            let moved = item.staff_message(ctx.now, Visibility::Public)?;
            Ok(Change::new("staff_message", moved)
                .message(Message::public("message", text, ctx.now)))
        })
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
            .ok_or_else(|| Error::field(Field::Outcome, Problem::Invalid))?;
        let text = bounded(Field::Body, body, BODY_MAX)?;
        self.staff_change(user, StaffAction::Respond, id, |item, ctx| {
            let terms = item_terms(&ctx.catalog.categories, item);
            let moved = item.respond(outcome, ctx.now, terms)?;
            let mut message = Message::public("response", text, ctx.now);
            message.outcome = Some(outcome);
            Ok(Change::new("responded", moved)
                .detail(serde_json::json!({ "outcome": outcome.as_str() }))
                .message(message))
        })
        .await
    }

    /// "Not ours": the reason is for staff only, and the clock keeps running while a supervisor
    /// decides.
    pub async fn request_transfer(
        &self,
        user: &StaffUser,
        id: &str,
        reason: &str,
        suggested: Option<&str>,
    ) -> Result<()> {
        let text = bounded(Field::Reason, reason, REASON_MAX)?;
        let suggested = match suggested.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(code) => Some(
                self.active_department(code, Field::SuggestedDepartment)
                    .await?,
            ),
        };
        self.staff_change(user, StaffAction::Transfer, id, |item, ctx| {
            let moved = item.request_transfer(ctx.now)?;
            Ok(Change::new("transfer_requested", moved)
                .detail(serde_json::json!({ "suggested_department": suggested }))
                .message(Message {
                    kind: "transfer_request",
                    internal: true,
                    outcome: None,
                    text,
                    visible_at: ctx.now,
                }))
        })
        .await
    }
}
