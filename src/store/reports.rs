//! Reports and their messages. Title, body and message text arrive here already sealed.
use super::{Result, Store, StoreError, Tx};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ReportRow {
    pub id: String,
    pub category: String,
    pub area: String,
    pub subject_department: Option<String>,
    pub department: String,
    pub routed_to_triage: i64,
    pub state: String,
    pub confirmed: Option<i64>,
    pub outcome: Option<String>,
    pub satisfaction: Option<i64>,
    pub key_id: String,
    pub title_sealed: Vec<u8>,
    pub body_sealed: Vec<u8>,
    pub received_on: i64,
    pub release_at: i64,
    pub dispatched_at: Option<i64>,
    pub acknowledge_due: Option<i64>,
    pub respond_due: Option<i64>,
    pub confirm_due: Option<i64>,
    pub acknowledged_at: Option<i64>,
    pub responded_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub transfers: i64,
    pub reopens: i64,
    pub escalation: i64,
    pub duplicate_of: Option<String>,
    pub version: i64,
    pub due_at: Option<i64>,
    pub sweep_at: Option<i64>,
    pub ack_missed: i64,
    pub respond_missed_due: Option<i64>,
    pub escalated_to: Option<String>,
    pub awaiting_since: Option<i64>,
    pub awaiting_secs: i64,
}

const REPORT_COLUMNS: &str = "id, category, area, subject_department, department, routed_to_triage, state, confirmed, outcome, \
    satisfaction, key_id, title_sealed, body_sealed, received_on, release_at, dispatched_at, acknowledge_due, \
    respond_due, confirm_due, acknowledged_at, responded_at, closed_at, transfers, reopens, escalation, \
    duplicate_of, version, due_at, sweep_at, ack_missed, respond_missed_due, escalated_to, awaiting_since, \
    awaiting_secs";

#[derive(Clone, Debug)]
pub struct NewReport {
    pub id: String,
    pub receipt_mac: Vec<u8>,
    pub category: String,
    pub area: String,
    pub subject_department: Option<String>,
    pub department: String,
    pub routed_to_triage: bool,
    pub state: String,
    pub key_id: String,
    pub title_sealed: Vec<u8>,
    pub body_sealed: Vec<u8>,
    pub received_on: i64,
    pub release_at: i64,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MessageRow {
    pub id: i64,
    pub report_id: String,
    pub author: String,
    pub kind: String,
    pub internal: i64,
    pub outcome: Option<String>,
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
    pub outcome: Option<String>,
    pub key_id: String,
    pub body_sealed: Vec<u8>,
    pub created_at: i64,
    pub release_at: i64,
}

/// Which reports a staff list shows.
#[derive(Clone, Debug, Default)]
pub struct ReportFilter {
    /// Only these departments (None = all).
    pub departments: Option<Vec<String>>,
    /// Only these states (empty = all).
    pub states: Vec<String>,
    /// Only items whose working deadline passed before this instant.
    pub overdue_at: Option<i64>,
    pub limit: i64,
}

impl Store {
    pub async fn report(&self, id: &str) -> Result<Option<ReportRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {REPORT_COLUMNS} FROM reports WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?)
    }

    pub async fn report_by_receipt(&self, receipt_mac: &[u8]) -> Result<Option<ReportRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {REPORT_COLUMNS} FROM reports WHERE receipt_mac = $1"
        ))
        .bind(receipt_mac)
        .fetch_optional(self.pool())
        .await?)
    }

    pub async fn reports(&self, f: &ReportFilter) -> Result<Vec<ReportRow>> {
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
        if f.overdue_at.is_some() {
            // Most late first, straight from the due_at index.
            sql += &format!(" AND due_at < {} ORDER BY due_at, id", placeholders(1));
        } else {
            sql += " ORDER BY CASE WHEN due_at IS NULL THEN 1 ELSE 0 END, due_at, id";
        }
        sql += &format!(" LIMIT {}", f.limit.max(1));
        let mut q = sqlx::query_as(&sql);
        for d in f.departments.iter().flatten() {
            q = q.bind(d);
        }
        for s in &f.states {
            q = q.bind(s);
        }
        if let Some(t) = f.overdue_at {
            q = q.bind(t);
        }
        Ok(q.fetch_all(self.pool()).await?)
    }

    /// Reports whose release delay has run out but are not yet dispatched.
    pub async fn due_releases(&self, now: i64, limit: i64) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM reports WHERE state = 'received' AND release_at <= $1 ORDER BY release_at LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }

    /// Reports with a deadline that passed before `now`: the sweeper's work.
    pub async fn due_sweeps(&self, now: i64, limit: i64) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM reports WHERE sweep_at < $1 ORDER BY sweep_at, id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(self.pool())
        .await?)
    }

    pub async fn messages(&self, report_id: &str) -> Result<Vec<MessageRow>> {
        Ok(sqlx::query_as(
            "SELECT id, report_id, author, kind, internal, outcome, key_id, body_sealed, created_at, release_at \
             FROM messages WHERE report_id = $1 ORDER BY id",
        )
        .bind(report_id)
        .fetch_all(self.pool())
        .await?)
    }
}

impl Tx {
    pub async fn report(&mut self, id: &str) -> Result<Option<ReportRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {REPORT_COLUMNS} FROM reports WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.conn())
        .await?)
    }

    pub async fn insert_report(&mut self, r: &NewReport) -> Result<()> {
        sqlx::query(
            "INSERT INTO reports (id, receipt_mac, category, area, subject_department, department, routed_to_triage, \
             state, key_id, title_sealed, body_sealed, received_on, release_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(&r.id)
        .bind(&r.receipt_mac)
        .bind(&r.category)
        .bind(&r.area)
        .bind(&r.subject_department)
        .bind(&r.department)
        .bind(i64::from(r.routed_to_triage))
        .bind(&r.state)
        .bind(&r.key_id)
        .bind(&r.title_sealed)
        .bind(&r.body_sealed)
        .bind(r.received_on)
        .bind(r.release_at)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Write back every mutable column, only if nobody else changed the row since it was read.
    pub async fn update_report(&mut self, r: &ReportRow) -> Result<()> {
        let done = sqlx::query(
            "UPDATE reports SET department = $1, state = $2, confirmed = $3, outcome = $4, satisfaction = $5, \
             release_at = $6, dispatched_at = $7, acknowledge_due = $8, respond_due = $9, confirm_due = $10, \
             acknowledged_at = $11, responded_at = $12, closed_at = $13, transfers = $14, reopens = $15, \
             escalation = $16, duplicate_of = $17, due_at = $18, sweep_at = $19, ack_missed = $20, \
             respond_missed_due = $21, escalated_to = $22, awaiting_since = $23, awaiting_secs = $24, \
             version = version + 1 \
             WHERE id = $25 AND version = $26",
        )
        .bind(&r.department)
        .bind(&r.state)
        .bind(r.confirmed)
        .bind(&r.outcome)
        .bind(r.satisfaction)
        .bind(r.release_at)
        .bind(r.dispatched_at)
        .bind(r.acknowledge_due)
        .bind(r.respond_due)
        .bind(r.confirm_due)
        .bind(r.acknowledged_at)
        .bind(r.responded_at)
        .bind(r.closed_at)
        .bind(r.transfers)
        .bind(r.reopens)
        .bind(r.escalation)
        .bind(&r.duplicate_of)
        .bind(r.due_at)
        .bind(r.sweep_at)
        .bind(r.ack_missed)
        .bind(r.respond_missed_due)
        .bind(&r.escalated_to)
        .bind(r.awaiting_since)
        .bind(r.awaiting_secs)
        .bind(&r.id)
        .bind(r.version)
        .execute(self.conn())
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict);
        }
        Ok(())
    }

    pub async fn insert_message(&mut self, m: &NewMessage) -> Result<()> {
        sqlx::query(
            "INSERT INTO messages (report_id, author, kind, internal, outcome, key_id, body_sealed, created_at, release_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&m.report_id)
        .bind(&m.author)
        .bind(&m.kind)
        .bind(i64::from(m.internal))
        .bind(&m.outcome)
        .bind(&m.key_id)
        .bind(&m.body_sealed)
        .bind(m.created_at)
        .bind(m.release_at)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}
