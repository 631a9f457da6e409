//! Notifications: the notices owed (the outbox of changes), the composed slots, the messages to
//! deliver with their attempts, and the channels (a staff member's address, a department's webhook).
use super::{Backend, Result, Store, Tx};
use crate::crypto::Sealed;
use crate::domain::access::Role;
use crate::domain::notify::{Notice, NoticeCount, NoticeKind, OpenRow, Recipient, Schedule, Slot};
use crate::domain::State;

/// One message waiting to go out, as the sender claims it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: i64,
    pub channel: String,
    pub recipient: String,
    pub slot: i64,
    pub kind: String,
    pub counts: String,
    pub attempts: i64,
}

/// A message not delivered yet after a failure, or given up.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UndeliveredRow {
    pub channel: String,
    pub recipient: String,
    /// The department the channel belongs to: the account's, or the webhook's own.
    pub department: Option<String>,
    pub slot: i64,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// A department's webhook; the secret is sealed.
#[derive(Clone, Debug)]
pub struct WebhookRow {
    pub department: String,
    pub url: String,
    pub format: String,
    pub schedule: Schedule,
    pub secret: Sealed,
}

/// A channel that receives some slot: an account's address, or a department's webhook.
#[derive(Clone, Debug)]
pub struct ChannelRow {
    /// "email" or "webhook".
    pub channel: &'static str,
    /// The username, or the department of a webhook.
    pub recipient: String,
    /// Whose messages it gets.
    pub whom: Recipient,
    pub schedule: Schedule,
}

#[derive(sqlx::FromRow)]
struct OpenDbRow {
    department: String,
    state: State,
    escalated_to: Option<String>,
    items: i64,
    due_soon: i64,
    overdue: i64,
    became_due_soon: i64,
    became_overdue: i64,
}

const OPEN_STATES: &str =
    "('triage', 'assigned', 'acknowledged', 'transfer_requested', 'responded')";

impl Tx {
    /// Owe these notices; the next hourly slot counts them.
    pub async fn insert_notices(&mut self, notices: &[Notice]) -> Result<()> {
        for n in notices {
            let sql = "INSERT INTO notices (kind, department) VALUES ($1, $2)";
            on_tx!(self, c => sqlx::query(sql)
                .bind(n.kind.as_str())
                .bind(&n.department)
                .execute(c)
                .await
                .map(|_| ()))?;
        }
        Ok(())
    }

    /// Mark `slot` composed: false when an instance did it already.
    pub async fn claim_slot(&mut self, slot: Slot, now: i64) -> Result<bool> {
        let sql = "INSERT INTO notification_slots (slot, kind, composed_at) VALUES ($1, $2, $3) \
                   ON CONFLICT (slot, kind) DO NOTHING";
        let n = on_tx!(self, c => sqlx::query(sql)
            .bind(slot.at())
            .bind(slot.kind())
            .bind(now)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Every notice owed so far, counted and deleted in one statement (so none is counted twice or
    /// lost to a change committing in between).
    pub async fn take_notices(&mut self) -> Result<Vec<NoticeCount>> {
        let sql = "DELETE FROM notices RETURNING kind, department";
        let rows: Vec<(String, String)> =
            on_tx!(self, c => sqlx::query_as(sql).fetch_all(c).await)?;
        let mut out: Vec<NoticeCount> = Vec::new();
        for (kind, department) in rows {
            let Some(kind) = NoticeKind::parse(&kind) else {
                continue;
            };
            match out
                .iter_mut()
                .find(|n| n.kind == kind && n.department == department)
            {
                Some(n) => n.count += 1,
                None => out.push(NoticeCount {
                    kind,
                    department,
                    count: 1,
                }),
            }
        }
        Ok(out)
    }

    /// Open items per department, state and escalation level at `now`, with what crossed a
    /// deadline mark since `previous`.
    pub async fn open_rows(&mut self, now: i64, previous: i64) -> Result<Vec<OpenRow>> {
        let sql = format!(
            "SELECT department, state, escalated_to, COUNT(*) AS items, \
             CAST(SUM(CASE WHEN due_at >= $1 AND due_at < $1 + 86400 THEN 1 ELSE 0 END) AS BIGINT) AS due_soon, \
             CAST(SUM(CASE WHEN due_at < $1 THEN 1 ELSE 0 END) AS BIGINT) AS overdue, \
             CAST(SUM(CASE WHEN due_at >= $2 + 86400 AND due_at < $1 + 86400 THEN 1 ELSE 0 END) AS BIGINT) AS became_due_soon, \
             CAST(SUM(CASE WHEN due_at >= $2 AND due_at < $1 THEN 1 ELSE 0 END) AS BIGINT) AS became_overdue \
             FROM reports WHERE state IN {OPEN_STATES} \
             GROUP BY department, state, escalated_to"
        );
        let rows: Vec<OpenDbRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(now)
            .bind(previous)
            .fetch_all(c)
            .await)?;
        Ok(rows
            .into_iter()
            .map(|r| OpenRow {
                department: r.department,
                state: r.state,
                escalated_to: r.escalated_to,
                items: r.items,
                due_soon: r.due_soon,
                overdue: r.overdue,
                became_due_soon: r.became_due_soon,
                became_overdue: r.became_overdue,
            })
            .collect())
    }

    /// Every channel that gets something: enabled desks and supervisors with an address and a
    /// schedule, and the departments' webhooks.
    pub async fn channels(&mut self) -> Result<Vec<ChannelRow>> {
        let sql = "SELECT username, role, department, email_schedule FROM staff \
                   WHERE disabled = FALSE AND email IS NOT NULL AND email_schedule <> 'off' \
                   AND role IN ('desk', 'supervisor') AND department IS NOT NULL ORDER BY username";
        let people: Vec<(String, Role, String, String)> =
            on_tx!(self, c => sqlx::query_as(sql).fetch_all(c).await)?;
        let sql = "SELECT department, schedule FROM department_webhooks \
                   WHERE schedule <> 'off' ORDER BY department";
        let hooks: Vec<(String, String)> =
            on_tx!(self, c => sqlx::query_as(sql).fetch_all(c).await)?;
        let people = people.into_iter().filter_map(|(u, role, d, s)| {
            Some(ChannelRow {
                channel: "email",
                recipient: u,
                whom: match role {
                    Role::Supervisor => Recipient::Supervisor(d),
                    _ => Recipient::Desk(d),
                },
                schedule: Schedule::parse(&s)?,
            })
        });
        let hooks = hooks.into_iter().filter_map(|(d, s)| {
            Some(ChannelRow {
                channel: "webhook",
                recipient: d.clone(),
                whom: Recipient::Department(d),
                schedule: Schedule::parse(&s)?,
            })
        });
        Ok(people.chain(hooks).collect())
    }

    /// Queue one message (once per channel, recipient and slot, whichever instance tries).
    pub async fn insert_delivery(
        &mut self,
        channel: &str,
        recipient: &str,
        slot: Slot,
        counts: &str,
        now: i64,
    ) -> Result<()> {
        let sql =
            "INSERT INTO deliveries (channel, recipient, slot, kind, counts, next_attempt_at) \
                   VALUES ($1, $2, $3, $4, $5, $6) \
                   ON CONFLICT (channel, recipient, slot, kind) DO NOTHING";
        on_tx!(self, c => sqlx::query(sql)
            .bind(channel)
            .bind(recipient)
            .bind(slot.at())
            .bind(slot.kind())
            .bind(counts)
            .bind(now)
            .execute(c)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Lease up to `limit` due messages to this sender until `lease_until`. On PostgreSQL the rows
    /// are taken with `FOR UPDATE SKIP LOCKED`, so instances never wait on or share a message.
    pub async fn claim_deliveries(
        &mut self,
        now: i64,
        lease_until: i64,
        limit: i64,
        backend: Backend,
    ) -> Result<Vec<DeliveryRow>> {
        let lock = match backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE deliveries SET claimed_until = $2 WHERE id IN (\
             SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= $1 \
             AND (claimed_until IS NULL OR claimed_until < $1) ORDER BY id LIMIT $3{lock}) \
             RETURNING id, channel, recipient, slot, kind, counts, attempts"
        );
        let mut rows: Vec<DeliveryRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(now)
            .bind(lease_until)
            .bind(limit)
            .fetch_all(c)
            .await)?;
        rows.sort_by_key(|r| r.id);
        Ok(rows)
    }

    /// Record one attempt: sent (`error` None), or failed and retried at `retry_at` (None: given up).
    pub async fn record_attempt(
        &mut self,
        d: &DeliveryRow,
        now: i64,
        error: Option<&str>,
        retry_at: Option<i64>,
    ) -> Result<()> {
        let attempt = d.attempts + 1;
        let sql = "INSERT INTO delivery_attempts (delivery_id, attempt, at, error) \
                   VALUES ($1, $2, $3, $4)";
        on_tx!(self, c => sqlx::query(sql)
            .bind(d.id)
            .bind(attempt)
            .bind(now)
            .bind(error)
            .execute(c)
            .await
            .map(|_| ()))?;
        let status = match (error, retry_at) {
            (None, _) => "sent",
            (Some(_), Some(_)) => "pending",
            (Some(_), None) => "failed",
        };
        let sql = "UPDATE deliveries SET status = $2, attempts = $3, last_error = $4, \
                   next_attempt_at = $5, sent_at = $6, claimed_until = NULL WHERE id = $1";
        on_tx!(self, c => sqlx::query(sql)
            .bind(d.id)
            .bind(status)
            .bind(attempt)
            .bind(error)
            .bind(retry_at.unwrap_or(now))
            .bind(error.is_none().then_some(now))
            .execute(c)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// An account's address and schedule (no address: nothing is sent).
    pub async fn set_email(
        &mut self,
        username: &str,
        email: Option<&str>,
        schedule: Schedule,
    ) -> Result<bool> {
        let sql = "UPDATE staff SET email = $2, email_schedule = $3 WHERE username = $1";
        let n = on_tx!(self, c => sqlx::query(sql)
            .bind(username)
            .bind(email)
            .bind(schedule.as_str())
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    pub async fn upsert_webhook(&mut self, w: &WebhookRow) -> Result<()> {
        let sql = "INSERT INTO department_webhooks \
                   (department, url, format, schedule, secret_key_id, secret_sealed) \
                   VALUES ($1, $2, $3, $4, $5, $6) \
                   ON CONFLICT (department) DO UPDATE SET url = excluded.url, \
                   format = excluded.format, schedule = excluded.schedule, \
                   secret_key_id = excluded.secret_key_id, secret_sealed = excluded.secret_sealed";
        on_tx!(self, c => sqlx::query(sql)
            .bind(&w.department)
            .bind(&w.url)
            .bind(&w.format)
            .bind(w.schedule.as_str())
            .bind(&w.secret.key_id)
            .bind(&w.secret.blob)
            .execute(c)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    pub async fn delete_webhook(&mut self, department: &str) -> Result<bool> {
        let sql = "DELETE FROM department_webhooks WHERE department = $1";
        let n = on_tx!(self, c => sqlx::query(sql)
            .bind(department)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }
}

type WebhookDbRow = (String, String, String, String, String, Vec<u8>);

fn webhook(r: WebhookDbRow) -> Option<WebhookRow> {
    let (department, url, format, schedule, key_id, blob) = r;
    Some(WebhookRow {
        department,
        url,
        format,
        schedule: Schedule::parse(&schedule)?,
        secret: Sealed { key_id, blob },
    })
}

const WEBHOOK_COLUMNS: &str = "department, url, format, schedule, secret_key_id, secret_sealed";

impl Store {
    /// Whether `slot` has been composed already (a read, so that a tick with nothing to do takes
    /// no place in the writer's queue).
    pub async fn slot_composed(&self, slot: Slot) -> Result<bool> {
        let sql = "SELECT COUNT(*) FROM notification_slots WHERE slot = $1 AND kind = $2";
        let n: i64 = on_pool!(self, c => sqlx::query_scalar(sql)
            .bind(slot.at())
            .bind(slot.kind())
            .fetch_one(c)
            .await)?;
        Ok(n > 0)
    }

    /// Whether any message is due to be sent at `now` (a read, as above).
    pub async fn deliveries_due(&self, now: i64) -> Result<bool> {
        let sql = "SELECT COUNT(*) FROM deliveries WHERE status = 'pending' \
                   AND next_attempt_at <= $1 AND (claimed_until IS NULL OR claimed_until < $1)";
        let n: i64 = on_pool!(self, c => sqlx::query_scalar(sql).bind(now).fetch_one(c).await)?;
        Ok(n > 0)
    }

    /// An account's address and schedule.
    pub async fn email_of(&self, username: &str) -> Result<Option<(Option<String>, Schedule)>> {
        let sql = "SELECT email, email_schedule FROM staff WHERE username = $1";
        let row: Option<(Option<String>, String)> =
            on_pool!(self, c => sqlx::query_as(sql).bind(username).fetch_optional(c).await)?;
        Ok(row.map(|(e, s)| (e, Schedule::parse(&s).unwrap_or(Schedule::Off))))
    }

    pub async fn webhook(&self, department: &str) -> Result<Option<WebhookRow>> {
        let sql =
            format!("SELECT {WEBHOOK_COLUMNS} FROM department_webhooks WHERE department = $1");
        let row: Option<WebhookDbRow> =
            on_pool!(self, c => sqlx::query_as(&sql).bind(department).fetch_optional(c).await)?;
        Ok(row.and_then(webhook))
    }

    pub async fn webhooks(&self) -> Result<Vec<WebhookRow>> {
        let sql = format!("SELECT {WEBHOOK_COLUMNS} FROM department_webhooks ORDER BY department");
        let rows: Vec<WebhookDbRow> = on_pool!(self, c => sqlx::query_as(&sql).fetch_all(c).await)?;
        Ok(rows.into_iter().filter_map(webhook).collect())
    }

    /// Messages that failed at least once and are not sent yet, or were given up, newest first,
    /// each with the department its channel belongs to.
    pub async fn undelivered(&self, limit: i64) -> Result<Vec<UndeliveredRow>> {
        let sql = "SELECT d.channel, d.recipient, \
                   CASE WHEN d.channel = 'email' THEN s.department ELSE d.recipient END AS department, \
                   d.slot, d.status, d.attempts, d.last_error FROM deliveries d \
                   LEFT JOIN staff s ON d.channel = 'email' AND s.username = d.recipient \
                   WHERE (d.status = 'pending' AND d.attempts > 0) OR d.status = 'failed' \
                   ORDER BY d.slot DESC, d.id DESC LIMIT $1";
        Ok(on_pool!(self, c => sqlx::query_as(sql).bind(limit).fetch_all(c).await)?)
    }

    /// The address of every account that has one, for a batch of messages.
    pub async fn addresses(&self) -> Result<Vec<(String, String)>> {
        let sql = "SELECT username, email FROM staff WHERE email IS NOT NULL";
        Ok(on_pool!(self, c => sqlx::query_as(sql).fetch_all(c).await)?)
    }
}
