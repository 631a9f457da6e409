//! Notifications: notices are owed in the transaction of the change (`write.rs` calls `owe`); at
//! each scheduled slot one instance folds them, with the open counts, into one message per channel
//! (`compose_notifications`); a sender leases due messages, sends them and records every attempt
//! (`send_notifications`). Channels: a staff member's own address, a department's webhook.
use super::catalog::oversight_tree;
use super::{Actor, Error, Result, Service, StaffUser};
use crate::domain::access::Role;
use crate::domain::item::{Item, Transition};
use crate::domain::notify::{
    compose, notices_for, retry_after, Cause, Counts, Recipient, Schedule, Slot,
};
use crate::domain::text::{Field, Problem};
use crate::notify::{Audience, Message, WebhookFormat};
use crate::store::{DeliveryRow, NewEvent, Tx, WebhookRow};

/// Messages one sender takes at a time.
const SEND_BATCH: i64 = 20;
/// How long a sender holds the messages it took before another may try them.
const LEASE: i64 = 300;
/// Longest address or webhook URL accepted.
const ADDRESS_MAX: usize = 320;
const URL_MAX: usize = 2_000;

/// Where messages go: the accounts' addresses and the departments' webhooks.
struct Addressees {
    emails: Vec<(String, String)>,
    hooks: Vec<WebhookRow>,
}

/// What one run of the sender did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sent {
    pub sent: usize,
    pub failed: usize,
}

/// A staff member's own channel.
#[derive(Clone, Debug, serde::Serialize)]
pub struct MyNotifications {
    pub email: Option<String>,
    pub schedule: &'static str,
    /// Whether the deployment has an SMTP relay at all.
    pub email_available: bool,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct WebhookView {
    pub department: String,
    pub url: String,
    pub format: &'static str,
    pub schedule: &'static str,
}

/// A message that failed at least once, as the board shows it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct UndeliveredView {
    pub channel: String,
    pub recipient: String,
    pub slot: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// A department's webhook as an administrator sets it.
#[derive(Clone, Debug, Default)]
pub struct WebhookInput {
    pub url: String,
    pub format: String,
    pub schedule: String,
    /// Empty: keep the current one, or (for a new webhook) make one.
    pub secret: String,
}

/// What setting a webhook gave back: the secret when the service made it (shown once).
#[derive(Clone, Debug, serde::Serialize)]
pub struct WebhookSaved {
    pub department: String,
    pub secret: Option<String>,
}

fn cause(kind: &str) -> Cause {
    match kind {
        "escalated" => Cause::Escalation,
        "assigned" | "transfer_approved" => Cause::Assignment,
        _ => Cause::Other,
    }
}

fn schedule(s: &str) -> Result<Schedule> {
    Schedule::parse(s.trim()).ok_or_else(|| Error::field(Field::Schedule, Problem::Unknown))
}

/// The address must look like one (a single @, something either side, no spaces).
fn email_address(s: &str) -> Result<Option<String>> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.chars().count() > ADDRESS_MAX {
        return Err(Error::field(
            Field::Email,
            Problem::TooLong { max: ADDRESS_MAX },
        ));
    }
    let ok = matches!(t.split_once('@'), Some((user, host))
        if !user.is_empty() && host.contains('.') && !host.contains('@')
            && !t.chars().any(|c| c.is_whitespace() || c == '<' || c == '>' || c == ','));
    if !ok {
        return Err(Error::field(Field::Email, Problem::Invalid));
    }
    Ok(Some(t.to_string()))
}

fn webhook_url(s: &str) -> Result<String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Error::field(Field::Url, Problem::Missing));
    }
    if t.len() > URL_MAX {
        return Err(Error::field(Field::Url, Problem::TooLong { max: URL_MAX }));
    }
    let rest = t
        .strip_prefix("https://")
        .or_else(|| t.strip_prefix("http://"));
    match rest {
        Some(r) if !r.is_empty() && !t.chars().any(char::is_whitespace) => Ok(t.to_string()),
        _ => Err(Error::field(Field::Url, Problem::Invalid)),
    }
}

fn audience(recipient: &Recipient) -> Audience {
    match recipient {
        Recipient::Supervisor(_) => Audience::Oversight,
        Recipient::Desk(_) | Recipient::Department(_) => Audience::Desk,
    }
}

impl Service {
    /// Owe the notices `moved` makes due, in the change's own transaction (the outbox).
    pub(super) async fn owe(
        &self,
        tx: &mut Tx,
        kind: &str,
        moved: Transition,
        item: &Item,
    ) -> Result<()> {
        let notices = notices_for(moved, item, cause(kind));
        if !notices.is_empty() {
            tx.insert_notices(&notices).await?;
        }
        Ok(())
    }

    /// The slots due now: the current hour's and the last daily digest's.
    fn slots(&self, now: i64) -> [Slot; 2] {
        let offset = self.settings().utc_offset;
        [
            Slot::hourly(now, offset),
            Slot::daily(now, offset, self.settings().notify.daily_minute),
        ]
    }

    /// Compose every slot that has begun and is not composed yet (by this or another instance):
    /// one message per channel with something to say. Returns how many were queued.
    pub async fn compose_notifications(&self) -> Result<usize> {
        let now = self.now();
        let mut queued = 0;
        for slot in self.slots(now) {
            queued += self.compose_slot(slot, now).await?;
        }
        Ok(queued)
    }

    async fn compose_slot(&self, slot: Slot, now: i64) -> Result<usize> {
        if self.store().slot_composed(slot).await? {
            return Ok(0);
        }
        let tree = oversight_tree(&*self.organisation().await?);
        let mut tx = self.store().begin().await?;
        if !tx.claim_slot(slot, now).await? {
            return Ok(0);
        }
        // Notices are news for the hourly message; the digest counts what is open.
        let notices = match slot {
            Slot::Hourly(_) => tx.take_notices().await?,
            Slot::Daily(_) => Vec::new(),
        };
        let open = tx.open_rows(slot.at(), slot.previous()).await?;
        let mut queued = 0;
        for channel in tx.channels().await? {
            // Without a relay an email could only fail; the account page says there is none.
            let no_relay = channel.channel == "email" && self.settings().notify.smtp_url.is_none();
            if no_relay || !channel.schedule.receives(slot) {
                continue;
            }
            if let Some(counts) = compose(&channel.whom, slot, &open, &notices, &tree) {
                let payload = serde_json::json!({
                    "audience": audience(&channel.whom).as_str(),
                    "counts": counts.to_json(),
                });
                let payload = payload.to_string();
                tx.insert_delivery(channel.channel, &channel.recipient, slot, &payload, now)
                    .await?;
                queued += 1;
            }
        }
        tx.commit().await?;
        Ok(queued)
    }

    /// Send every message that is due, a batch at a time, until none is left or one batch sent
    /// nothing new. A channel that is down fails only its own messages, each retried later.
    pub async fn send_notifications(&self) -> Result<Sent> {
        let mut done = Sent::default();
        loop {
            let now = self.now();
            if !self.store().deliveries_due(now).await? {
                return Ok(done);
            }
            let mut tx = self.store().begin().await?;
            let batch = tx
                .claim_deliveries(now, now + LEASE, SEND_BATCH, self.store().backend())
                .await?;
            tx.commit().await?;
            if batch.is_empty() {
                return Ok(done);
            }
            let to = self.addressees().await?;
            let results =
                futures_util::future::join_all(batch.iter().map(|d| self.deliver(d, &to, now)))
                    .await;
            let now = self.now();
            let mut tx = self.store().begin().await?;
            for (d, result) in batch.iter().zip(&results) {
                match result {
                    Ok(()) => {
                        tx.record_attempt(d, now, None, None).await?;
                        done.sent += 1;
                    }
                    Err(e) => {
                        let retry = retry_after(d.attempts + 1).map(|s| now + s);
                        tx.record_attempt(d, now, Some(e), retry).await?;
                        done.failed += 1;
                    }
                }
            }
            tx.commit().await?;
            if (batch.len() as i64) < SEND_BATCH {
                return Ok(done);
            }
        }
    }

    /// Every address and webhook, read once for a batch of messages rather than once for each.
    async fn addressees(&self) -> Result<Addressees> {
        Ok(Addressees {
            emails: self.store().addresses().await?,
            hooks: self.store().webhooks().await?,
        })
    }

    /// One attempt at one message; the error in words for the record.
    async fn deliver(
        &self,
        d: &DeliveryRow,
        to: &Addressees,
        now: i64,
    ) -> std::result::Result<(), String> {
        let v: serde_json::Value = serde_json::from_str(&d.counts).unwrap_or_default();
        let counts = Counts::from_json(&v["counts"]);
        let audience = Audience::parse(v["audience"].as_str().unwrap_or_default());
        let slot = match d.kind.as_str() {
            "daily" => Slot::Daily(d.slot),
            _ => Slot::Hourly(d.slot),
        };
        let link = self.settings().notify.link_base.as_deref();
        let message = Message::new(slot, counts, audience, link);
        self.send_to(&d.channel, &d.recipient, &message, to, now)
            .await
    }

    async fn send_to(
        &self,
        channel: &str,
        recipient: &str,
        message: &Message,
        to: &Addressees,
        now: i64,
    ) -> std::result::Result<(), String> {
        let notifier = &self.inner.notifier;
        match channel {
            "email" => {
                let Some((_, address)) = to.emails.iter().find(|(u, _)| u == recipient) else {
                    return Err("the account has no address any more".into());
                };
                notifier
                    .email(address, message)
                    .await
                    .map_err(|e| e.to_string())
            }
            _ => {
                let Some(hook) = to.hooks.iter().find(|h| h.department == recipient) else {
                    return Err("the department has no webhook any more".into());
                };
                let secret = self.webhook_secret(hook).map_err(|e| e.to_string())?;
                let format = WebhookFormat::parse(&hook.format).unwrap_or(WebhookFormat::Generic);
                notifier
                    .webhook(&hook.url, format, &secret, message, now)
                    .await
                    .map_err(|e| e.to_string())
            }
        }
    }

    fn webhook_secret(&self, hook: &WebhookRow) -> Result<String> {
        let plain = self
            .keys()
            .open(
                &format!("webhook/{}", hook.department),
                "secret",
                &hook.secret.key_id,
                &hook.secret.blob,
            )
            .map_err(Error::internal)?;
        Ok(plain)
    }

    // --- A staff member's own channel ------------------------------------------------------

    /// The demo's clerks and supervisors get an address at the reserved `.invalid` domain, so a
    /// local mail sink (`--smtp-url`) shows what they would be told.
    pub(super) async fn demo_address(&self, username: &str) -> Result<()> {
        let mut tx = self.store().begin().await?;
        let address = format!("{username}@demo.zhiyan.invalid");
        tx.set_email(username, Some(&address), Schedule::Hourly)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn my_notifications(&self, user: &StaffUser) -> Result<MyNotifications> {
        let (email, schedule) = self
            .store()
            .email_of(&user.username)
            .await?
            .ok_or(Error::Unauthenticated)?;
        Ok(MyNotifications {
            email,
            schedule: schedule.as_str(),
            email_available: self.settings().notify.smtp_url.is_some(),
        })
    }

    /// Set one's own address and schedule. Only desks and supervisors get messages.
    pub async fn set_my_notifications(
        &self,
        user: &StaffUser,
        email: &str,
        schedule_name: &str,
    ) -> Result<()> {
        let email = email_address(email)?;
        let mut schedule = schedule(schedule_name)?;
        if !matches!(user.role, Role::Desk | Role::Supervisor) {
            return Err(Error::Forbidden);
        }
        if email.is_none() {
            schedule = Schedule::Off;
        }
        let mut tx = self.store().begin().await?;
        if !tx
            .set_email(&user.username, email.as_deref(), schedule)
            .await?
        {
            return Err(Error::Unauthenticated);
        }
        tx.append_event(NewEvent {
            kind: "notifications_set".into(),
            actor_role: user.role.as_str().into(),
            actor: Some(user.username.clone()),
            department: user.department.clone(),
            detail: serde_json::json!({ "schedule": schedule.as_str() }).to_string(),
            at: self.now(),
            ..NewEvent::default()
        })
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // --- Department webhooks (administrators) ----------------------------------------------

    pub async fn webhooks(&self, admin: &StaffUser) -> Result<Vec<WebhookView>> {
        self.require_admin(admin)?;
        Ok(self
            .store()
            .webhooks()
            .await?
            .into_iter()
            .map(|w| WebhookView {
                format: WebhookFormat::parse(&w.format)
                    .unwrap_or(WebhookFormat::Generic)
                    .as_str(),
                schedule: w.schedule.as_str(),
                department: w.department,
                url: w.url,
            })
            .collect())
    }

    pub async fn set_webhook(
        &self,
        admin: &StaffUser,
        department: &str,
        input: &WebhookInput,
    ) -> Result<WebhookSaved> {
        self.require_admin(admin)?;
        let org = self.organisation().await?;
        if !org.departments.iter().any(|d| d.code == department) {
            return Err(Error::field(Field::Department, Problem::Unknown));
        }
        let url = webhook_url(&input.url)?;
        let format = WebhookFormat::parse(input.format.trim())
            .ok_or_else(|| Error::field(Field::Format, Problem::Unknown))?;
        let schedule = schedule(&input.schedule)?;
        let given = input.secret.trim();
        if given.len() > 200 {
            return Err(Error::field(Field::Secret, Problem::TooLong { max: 200 }));
        }
        let (secret, made) = match (given, self.store().webhook(department).await?) {
            ("", Some(existing)) => (self.webhook_secret(&existing)?, false),
            ("", None) => (hex::encode(crate::crypto::random_bytes::<32>()), true),
            (s, _) => (s.to_string(), false),
        };
        let sealed = self
            .keys()
            .seal(&format!("webhook/{department}"), "secret", &secret);
        let mut tx = self.store().begin().await?;
        tx.upsert_webhook(&WebhookRow {
            department: department.to_string(),
            url,
            format: format.as_str().to_string(),
            schedule,
            secret: sealed,
        })
        .await?;
        self.webhook_event(&mut tx, admin, "webhook_set", department)
            .await?;
        tx.commit().await?;
        Ok(WebhookSaved {
            department: department.to_string(),
            secret: made.then_some(secret),
        })
    }

    pub async fn delete_webhook(&self, admin: &StaffUser, department: &str) -> Result<()> {
        self.require_admin(admin)?;
        let mut tx = self.store().begin().await?;
        if !tx.delete_webhook(department).await? {
            return Err(Error::NotFound);
        }
        self.webhook_event(&mut tx, admin, "webhook_removed", department)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn webhook_event(
        &self,
        tx: &mut Tx,
        admin: &StaffUser,
        kind: &str,
        department: &str,
    ) -> Result<()> {
        let actor = Actor::Staff(admin.clone());
        tx.append_event(NewEvent {
            kind: kind.into(),
            actor_role: actor.role().into(),
            actor: actor.name(),
            department: Some(department.to_string()),
            detail: "{}".into(),
            at: self.now(),
            ..NewEvent::default()
        })
        .await?;
        Ok(())
    }

    /// Send a test message to a department's webhook now; the receiver's answer if it failed.
    pub async fn test_webhook(&self, admin: &StaffUser, department: &str) -> Result<()> {
        self.require_admin(admin)?;
        if self.store().webhook(department).await?.is_none() {
            return Err(Error::NotFound);
        }
        self.send_test("webhook", department).await
    }

    /// Send a test message to an account's address now.
    pub async fn test_email(&self, admin: &StaffUser, username: &str) -> Result<()> {
        self.require_admin(admin)?;
        match self.store().email_of(username).await? {
            None => return Err(Error::NotFound),
            Some((None, _)) => return Err(Error::field(Field::Email, Problem::Missing)),
            Some(_) => {}
        }
        self.send_test("email", username).await
    }

    async fn send_test(&self, channel: &str, recipient: &str) -> Result<()> {
        let message = Message::test(self.settings().notify.link_base.as_deref());
        let to = self.addressees().await?;
        self.send_to(channel, recipient, &message, &to, self.now())
            .await
            .map_err(Error::DeliveryFailed)
    }

    /// Messages that failed and are not delivered yet, or were given up: for the supervisor's
    /// board, those of channels at or below the supervisor's level.
    pub async fn undelivered(&self, user: &StaffUser) -> Result<Vec<UndeliveredView>> {
        let Some(level) = user.department.as_deref() else {
            return Ok(Vec::new());
        };
        let tree = oversight_tree(&*self.organisation().await?);
        Ok(self
            .store()
            .undelivered(200)
            .await?
            .into_iter()
            .filter(|r| {
                r.department
                    .as_deref()
                    .is_some_and(|d| tree.is_within(d, level))
            })
            .map(|r| UndeliveredView {
                slot: self.fmt_time(r.slot),
                channel: r.channel,
                recipient: r.recipient,
                status: r.status,
                attempts: r.attempts,
                last_error: r.last_error,
            })
            .collect())
    }
}
