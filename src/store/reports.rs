//! Reports and their messages. Title, body and message text arrive here already sealed.
use super::{Result, Store, StoreError, Tx};
use crate::domain::item::{Item, Kind};
use crate::domain::{Outcome, State};

/// A report's sealed title and body, and the key they were sealed with.
#[derive(Clone, Debug)]
pub struct Sealed {
    pub key_id: String,
    pub title: Vec<u8>,
    pub body: Vec<u8>,
}

/// An item as stored: its lifecycle, its sealed content, and the version that a write must still
/// find for the change to apply (optimistic concurrency).
#[derive(Clone, Debug)]
pub struct StoredItem {
    pub item: Item,
    pub sealed: Sealed,
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct ReportRow {
    id: String,
    kind: Kind,
    related_to: Option<String>,
    category: String,
    area: String,
    subject_department: Option<String>,
    department: String,
    routed_to_triage: bool,
    state: State,
    confirmed: Option<bool>,
    outcome: Option<Outcome>,
    satisfaction: Option<i64>,
    key_id: String,
    title_sealed: Vec<u8>,
    body_sealed: Vec<u8>,
    received_on: i64,
    release_at: i64,
    dispatched_at: Option<i64>,
    acknowledge_due: Option<i64>,
    respond_due: Option<i64>,
    confirm_due: Option<i64>,
    acknowledged_at: Option<i64>,
    responded_at: Option<i64>,
    closed_at: Option<i64>,
    transfers: i64,
    reopens: i64,
    escalation: i64,
    duplicate_of: Option<String>,
    version: i64,
    ack_missed: bool,
    respond_missed_due: Option<i64>,
    escalated_to: Option<String>,
    awaiting_since: Option<i64>,
    awaiting_secs: i64,
}

impl From<ReportRow> for StoredItem {
    fn from(r: ReportRow) -> StoredItem {
        StoredItem {
            item: Item {
                id: r.id,
                kind: r.kind,
                related_to: r.related_to,
                category: r.category,
                area: r.area,
                subject_department: r.subject_department,
                department: r.department,
                routed_to_triage: r.routed_to_triage,
                state: r.state,
                outcome: r.outcome,
                confirmed: r.confirmed,
                satisfaction: r.satisfaction,
                received_on: r.received_on,
                release_at: r.release_at,
                dispatched_at: r.dispatched_at,
                acknowledge_due: r.acknowledge_due,
                respond_due: r.respond_due,
                confirm_due: r.confirm_due,
                acknowledged_at: r.acknowledged_at,
                responded_at: r.responded_at,
                closed_at: r.closed_at,
                transfers: r.transfers,
                reopens: r.reopens,
                escalation: r.escalation,
                duplicate_of: r.duplicate_of,
                escalated_to: r.escalated_to,
                ack_missed: r.ack_missed,
                respond_missed_due: r.respond_missed_due,
                awaiting_since: r.awaiting_since,
                awaiting_secs: r.awaiting_secs,
            },
            sealed: Sealed {
                key_id: r.key_id,
                title: r.title_sealed,
                body: r.body_sealed,
            },
            version: r.version,
        }
    }
}

const REPORT_COLUMNS: &str = "id, kind, related_to, category, area, subject_department, department, routed_to_triage, state, confirmed, outcome, \
    satisfaction, key_id, title_sealed, body_sealed, received_on, release_at, dispatched_at, acknowledge_due, \
    respond_due, confirm_due, acknowledged_at, responded_at, closed_at, transfers, reopens, escalation, \
    duplicate_of, version, ack_missed, respond_missed_due, escalated_to, awaiting_since, awaiting_secs";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MessageRow {
    pub id: i64,
    pub report_id: String,
    pub author: String,
    pub kind: String,
    pub internal: bool,
    pub outcome: Option<Outcome>,
    pub key_id: String,
    pub body_sealed: Vec<u8>,
    pub created_at: i64,
    pub release_at: i64,
}

#[derive(Clone, Debug)]
pub struct NewMessage {
    pub report_id: String,
    pub author: String,
    pub kind: String,
    pub internal: bool,
    pub outcome: Option<Outcome>,
    pub key_id: String,
    pub body_sealed: Vec<u8>,
    pub created_at: i64,
    pub release_at: i64,
}

/// Which items a staff list shows.
#[derive(Clone, Debug, Default)]
pub struct ItemFilter {
    /// Only these departments (None = all).
    pub departments: Option<Vec<String>>,
    /// Only these states (empty = all).
    pub states: Vec<State>,
    /// Only items whose working deadline passed before this instant.
    pub overdue_at: Option<i64>,
    /// Only items whose id starts with this (upper case, `R-…`).
    pub id_prefix: Option<String>,
    pub limit: i64,
    /// Skip this many first (the pages after the first).
    pub offset: i64,
}

impl Store {
    pub async fn item(&self, id: &str) -> Result<Option<StoredItem>> {
        let sql = format!("SELECT {REPORT_COLUMNS} FROM reports WHERE id = $1");
        let row: Option<ReportRow> =
            on_pool!(self, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await)?;
        Ok(row.map(StoredItem::from))
    }

    pub async fn item_by_receipt(&self, receipt_mac: &[u8]) -> Result<Option<StoredItem>> {
        let sql = format!("SELECT {REPORT_COLUMNS} FROM reports WHERE receipt_mac = $1");
        let row: Option<ReportRow> =
            on_pool!(self, c => sqlx::query_as(&sql).bind(receipt_mac).fetch_optional(c).await)?;
        Ok(row.map(StoredItem::from))
    }

    pub async fn items(&self, f: &ItemFilter) -> Result<Vec<StoredItem>> {
        let mut sql = format!("SELECT {REPORT_COLUMNS} FROM reports WHERE 1 = 1");
        let mut n = 0;
        let mut placeholders = |count: usize| {
            let list: Vec<String> = (0..count)
                .map(|_| {
                    n += 1;
                    format!("${n}")
                })
                .collect();
            list.join(", ")
        };
        if let Some(depts) = &f.departments {
            if depts.is_empty() {
                return Ok(Vec::new());
            }
            sql += &format!(" AND department IN ({})", placeholders(depts.len()));
        }
        if !f.states.is_empty() {
            sql += &format!(" AND state IN ({})", placeholders(f.states.len()));
        }
        if f.id_prefix.is_some() {
            sql += &format!(" AND id LIKE {}", placeholders(1));
        }
        if f.overdue_at.is_some() {
            // Most late first, straight from the due_at index.
            sql += &format!(" AND due_at < {} ORDER BY due_at, id", placeholders(1));
        } else {
            sql += " ORDER BY CASE WHEN due_at IS NULL THEN 1 ELSE 0 END, due_at, id";
        }
        sql += &format!(" LIMIT {} OFFSET {}", f.limit.max(1), f.offset.max(0));
        let rows: Vec<ReportRow> = on_pool!(self, c => {
            let mut q = sqlx::query_as(&sql);
            for d in f.departments.iter().flatten() {
                q = q.bind(d);
            }
            for s in &f.states {
                q = q.bind(*s);
            }
            if let Some(prefix) = &f.id_prefix {
                q = q.bind(format!("{prefix}%"));
            }
            if let Some(t) = f.overdue_at {
                q = q.bind(t);
            }
            q.fetch_all(c).await
        })?;
        Ok(rows.into_iter().map(StoredItem::from).collect())
    }

    /// Reports whose release delay has run out but are not yet dispatched.
    pub async fn due_releases(&self, now: i64, limit: i64) -> Result<Vec<String>> {
        let sql = "SELECT id FROM reports WHERE state = 'received' AND release_at <= $1 \
                   ORDER BY release_at LIMIT $2";
        Ok(on_pool!(self, c => sqlx::query_scalar(sql).bind(now).bind(limit).fetch_all(c).await)?)
    }

    /// Reports with a deadline that passed before `now`: the sweeper's work.
    pub async fn due_sweeps(&self, now: i64, limit: i64) -> Result<Vec<String>> {
        let sql = "SELECT id FROM reports WHERE sweep_at < $1 ORDER BY sweep_at, id LIMIT $2";
        Ok(on_pool!(self, c => sqlx::query_scalar(sql).bind(now).bind(limit).fetch_all(c).await)?)
    }

    /// A report's messages in the order staff could first see them: by release, and in the order
    /// they were written among those released at the same moment. A reporter's message is written
    /// only when it is released (`pending_actions` holds it until then), so this is also the order
    /// of the rows.
    pub async fn messages(&self, report_id: &str) -> Result<Vec<MessageRow>> {
        let sql = "SELECT id, report_id, author, kind, internal, outcome, key_id, body_sealed, \
                   created_at, release_at FROM messages WHERE report_id = $1 ORDER BY release_at, id";
        Ok(on_pool!(self, c => sqlx::query_as(sql).bind(report_id).fetch_all(c).await)?)
    }

    /// The retaliation reports made through a report's receipt, oldest first.
    pub async fn retaliation_reports(&self, report_id: &str) -> Result<Vec<StoredItem>> {
        let sql = format!(
            "SELECT {REPORT_COLUMNS} FROM reports WHERE related_to = $1 AND kind = 'retaliation' \
             ORDER BY received_on, id"
        );
        let rows: Vec<ReportRow> =
            on_pool!(self, c => sqlx::query_as(&sql).bind(report_id).fetch_all(c).await)?;
        Ok(rows.into_iter().map(StoredItem::from).collect())
    }
}

impl Tx {
    pub async fn item(&mut self, id: &str) -> Result<Option<StoredItem>> {
        let sql = format!("SELECT {REPORT_COLUMNS} FROM reports WHERE id = $1");
        let row: Option<ReportRow> =
            on_tx!(self, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await)?;
        Ok(row.map(StoredItem::from))
    }

    /// A new report: its lifecycle as submitted, the receipt's MAC, its sealed content.
    pub async fn insert_item(&mut self, item: &Item, receipt_mac: &[u8], s: &Sealed) -> Result<()> {
        let sql = "INSERT INTO reports (id, receipt_mac, category, area, subject_department, department, \
                   routed_to_triage, state, key_id, title_sealed, body_sealed, received_on, release_at, \
                   kind, related_to) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)";
        on_tx!(self, c => sqlx::query(sql)
            .bind(&item.id)
            .bind(receipt_mac)
            .bind(&item.category)
            .bind(&item.area)
            .bind(&item.subject_department)
            .bind(&item.department)
            .bind(item.routed_to_triage)
            .bind(item.state)
            .bind(&s.key_id)
            .bind(&s.title)
            .bind(&s.body)
            .bind(item.received_on)
            .bind(item.release_at)
            .bind(item.kind)
            .bind(&item.related_to)
            .execute(c)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Write back every mutable column, only if nobody else changed the row since it was read at
    /// `version`. The indexed deadline columns (`due_at` for the overdue lists, `sweep_at` for the
    /// sweeper) are derived from the item here, so they never drift from it. Returns the new version.
    pub async fn update_item(&mut self, i: &Item, version: i64) -> Result<i64> {
        let sql = "UPDATE reports SET department = $1, state = $2, confirmed = $3, outcome = $4, satisfaction = $5, \
             release_at = $6, dispatched_at = $7, acknowledge_due = $8, respond_due = $9, confirm_due = $10, \
             acknowledged_at = $11, responded_at = $12, closed_at = $13, transfers = $14, reopens = $15, \
             escalation = $16, duplicate_of = $17, due_at = $18, sweep_at = $19, ack_missed = $20, \
             respond_missed_due = $21, escalated_to = $22, awaiting_since = $23, awaiting_secs = $24, \
             version = version + 1 \
             WHERE id = $25 AND version = $26";
        let done = on_tx!(self, c => sqlx::query(sql)
            .bind(&i.department)
            .bind(i.state)
            .bind(i.confirmed)
            .bind(i.outcome)
            .bind(i.satisfaction)
            .bind(i.release_at)
            .bind(i.dispatched_at)
            .bind(i.acknowledge_due)
            .bind(i.respond_due)
            .bind(i.confirm_due)
            .bind(i.acknowledged_at)
            .bind(i.responded_at)
            .bind(i.closed_at)
            .bind(i.transfers)
            .bind(i.reopens)
            .bind(i.escalation)
            .bind(&i.duplicate_of)
            .bind(i.working_due())
            .bind(i.next_sweep())
            .bind(i.ack_missed)
            .bind(i.respond_missed_due)
            .bind(&i.escalated_to)
            .bind(i.awaiting_since)
            .bind(i.awaiting_secs)
            .bind(&i.id)
            .bind(version)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        if done != 1 {
            return Err(StoreError::Conflict);
        }
        Ok(version + 1)
    }

    pub async fn insert_message(&mut self, m: &NewMessage) -> Result<i64> {
        let sql = "INSERT INTO messages (report_id, author, kind, internal, outcome, key_id, body_sealed, \
                   created_at, release_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id";
        let id = on_tx!(self, c => sqlx::query_scalar(sql)
            .bind(&m.report_id)
            .bind(&m.author)
            .bind(&m.kind)
            .bind(m.internal)
            .bind(m.outcome)
            .bind(&m.key_id)
            .bind(&m.body_sealed)
            .bind(m.created_at)
            .bind(m.release_at)
            .fetch_one(c)
            .await)?;
        Ok(id)
    }
}
