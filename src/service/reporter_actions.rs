//! A reporter's reply, confirmation (with its rating), reopen and withdrawal. None of them changes
//! anything staff can see when it is made: each waits in `pending_actions`, its text sealed, until
//! a random release time drawn like a new report's, and is applied to the item by the release job
//! (`release`). The reporter's own page shows it at once, as sent and on its way.
use super::reporter::project;
use super::{Error, Result, Service, Upload};
use crate::domain::attachments::Cleaned;
use crate::domain::item::ReporterAction;
use crate::domain::text::Field;
use crate::domain::text::{bounded, Problem, BODY_MAX, REASON_MAX};
use crate::domain::State;

impl Service {
    pub async fn reporter_message(&self, receipt: &str, body: &str) -> Result<()> {
        self.reporter_message_with_files(receipt, body, Vec::new())
            .await
    }

    /// A reply with files: cleaned first (a refused file refuses the reply, and nothing is stored),
    /// then held with the reply until its release, and shown to staff with it.
    pub async fn reporter_message_with_files(
        &self,
        receipt: &str,
        body: &str,
        uploads: Vec<Upload>,
    ) -> Result<()> {
        let text = bounded(Field::Body, body, BODY_MAX)?;
        if !uploads.is_empty() {
            // A wrong receipt costs no cleaning.
            self.by_receipt(receipt).await?;
        }
        let files = self.clean_uploads(uploads).await?;
        self.reporter_act_with(receipt, None, ReporterAction::Message, Some(text), &files)
            .await
    }

    pub async fn reporter_confirm(&self, receipt: &str, satisfaction: i64) -> Result<()> {
        let action = confirmation(satisfaction)?;
        self.reporter_act(receipt, None, action, None).await
    }

    /// Back to the same department. A second reopen also escalates, when it arrives.
    pub async fn reporter_reopen(&self, receipt: &str, reason: &str) -> Result<()> {
        let text = bounded(Field::Reason, reason, REASON_MAX)?;
        self.reporter_act(receipt, None, ReporterAction::Reopen, Some(text))
            .await
    }

    pub async fn reporter_withdraw(&self, receipt: &str) -> Result<()> {
        self.reporter_act(receipt, None, ReporterAction::Withdraw, None)
            .await
    }

    /// The same actions on one of the retaliation reports made through `receipt` (`id`); any other
    /// id is `NotFound`.
    pub async fn retaliation_act(
        &self,
        receipt: &str,
        id: &str,
        action: &str,
        input: ActionInput<'_>,
    ) -> Result<()> {
        let (action, text) = match action {
            "messages" => (
                ReporterAction::Message,
                Some(bounded(Field::Body, input.body, BODY_MAX)?),
            ),
            "confirm" => (confirmation(input.satisfaction)?, None),
            "reopen" => (
                ReporterAction::Reopen,
                Some(bounded(Field::Reason, input.reason, REASON_MAX)?),
            ),
            "withdraw" => (ReporterAction::Withdraw, None),
            _ => return Err(Error::NotFound),
        };
        self.reporter_act(receipt, Some(id), action, text).await
    }

    /// Hold `action` back until a random release time, after checking it is allowed on the item as
    /// it will be once the reporter's earlier actions have arrived. It is released no earlier than
    /// those (nor than the item itself), so the reporter's actions arrive in the order taken.
    async fn reporter_act(
        &self,
        receipt: &str,
        target: Option<&str>,
        action: ReporterAction,
        text: Option<String>,
    ) -> Result<()> {
        self.reporter_act_with(receipt, target, action, text, &[])
            .await
    }

    /// `reporter_act` with the cleaned files that come with it, held with it.
    async fn reporter_act_with(
        &self,
        receipt: &str,
        target: Option<&str>,
        action: ReporterAction,
        text: Option<String>,
        files: &[Cleaned],
    ) -> Result<()> {
        let own = self.by_receipt(receipt).await?;
        let id = match target {
            None => own.item.id,
            Some(t) => self
                .store()
                .retaliation_reports(&own.item.id)
                .await?
                .into_iter()
                .map(|r| r.item.id)
                .find(|r| r == t.trim())
                .ok_or(Error::NotFound)?,
        };
        let rows = self.organisation().await?;
        let day = self.reporter_time();
        let mut release_at = self.release_time();
        let mut tx = self.store().begin().await?;
        let mut stored = tx.item(&id).await?.ok_or(Error::InvalidReceipt)?;
        let pending = tx.pending(&id).await?;
        let projected = project(&stored.item, &pending, &rows);
        projected.reporter_may(action, self.now(), self.settings().release_delay)?;
        if stored.item.state == State::Received {
            release_at = release_at.max(stored.item.release_at);
        }
        if let Some(last) = pending.last() {
            release_at = release_at.max(last.release_at);
        }
        let sealed = text.map(|t| self.keys().seal(&id, "message", &t));
        let pending = tx
            .insert_pending(
                &id,
                action,
                sealed.as_ref().map(|s| s.key_id.as_str()),
                sealed.as_ref().map(|s| s.blob.as_slice()),
                day,
                release_at,
            )
            .await?;
        self.store_attachments(&mut tx, &id, Some(pending), files)
            .await?;
        // With no release delay it takes effect in this transaction: the answer and the change
        // commit or fail together.
        self.release_in(&mut tx, &mut stored, &rows).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// What a form or a JSON body carries for an action on a retaliation report.
#[derive(Clone, Copy, Debug, Default)]
pub struct ActionInput<'a> {
    pub body: &'a str,
    pub reason: &'a str,
    pub satisfaction: i64,
}

fn confirmation(satisfaction: i64) -> Result<ReporterAction> {
    if !(1..=5).contains(&satisfaction) {
        return Err(Error::field(
            Field::Satisfaction,
            Problem::OutOfRange { min: 1, max: 5 },
        ));
    }
    Ok(ReporterAction::Confirm { satisfaction })
}
