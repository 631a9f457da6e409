//! The audit log: appended inside the same transaction as the change it records.
use super::{Result, Store, Tx};
use crate::crypto::chain::{event_hash, EventFields, GENESIS};

#[derive(Clone, Debug, Default)]
pub struct NewEvent {
    pub report_id: Option<String>,
    pub kind: String,
    pub actor_role: String,
    pub actor: Option<String>,
    pub department: Option<String>,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    /// JSON; never reporter text.
    pub detail: String,
    pub at: i64,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EventRow {
    pub seq: i64,
    pub report_id: Option<String>,
    pub kind: String,
    pub actor_role: String,
    pub actor: Option<String>,
    pub department: Option<String>,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub detail: String,
    pub at: i64,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

impl EventRow {
    pub fn fields(&self) -> EventFields<'_> {
        EventFields {
            seq: self.seq,
            report_id: self.report_id.as_deref(),
            kind: &self.kind,
            actor_role: &self.actor_role,
            actor: self.actor.as_deref(),
            department: self.department.as_deref(),
            from_state: self.from_state.as_deref(),
            to_state: self.to_state.as_deref(),
            detail: &self.detail,
            at: self.at,
        }
    }
}

const EVENT_COLUMNS: &str =
    "seq, report_id, kind, actor_role, actor, department, from_state, to_state, detail, at, prev_hash, hash";

/// The chain's last event: its sequence number and hash.
const HEAD: &str = "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1";

impl Tx {
    /// Append one event to the chain, as the last write of a change. The writer's batch holds the
    /// chain lock (on PostgreSQL, across instances), so the head read here is the head.
    pub async fn append_event(&mut self, e: NewEvent) -> Result<i64> {
        let head: Option<(i64, Vec<u8>)> = match self.chain_head() {
            Some(head) => Some(head),
            None => on_tx!(self, c => sqlx::query_as(HEAD).fetch_optional(c).await)?,
        };
        let (seq, prev) = match head {
            Some((seq, hash)) => (seq + 1, hash),
            None => (1, GENESIS.to_vec()),
        };
        let hash = event_hash(
            &prev,
            &EventFields {
                seq,
                report_id: e.report_id.as_deref(),
                kind: &e.kind,
                actor_role: &e.actor_role,
                actor: e.actor.as_deref(),
                department: e.department.as_deref(),
                from_state: e.from_state.as_deref(),
                to_state: e.to_state.as_deref(),
                detail: &e.detail,
                at: e.at,
            },
        );
        let sql = format!(
            "INSERT INTO events ({EVENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
        );
        on_tx!(self, c => sqlx::query(&sql)
            .bind(seq)
            .bind(&e.report_id)
            .bind(&e.kind)
            .bind(&e.actor_role)
            .bind(&e.actor)
            .bind(&e.department)
            .bind(&e.from_state)
            .bind(&e.to_state)
            .bind(&e.detail)
            .bind(e.at)
            .bind(&prev)
            .bind(&hash)
            .execute(c)
            .await
            .map(|_| ()))?;
        self.set_chain_head(seq, hash);
        Ok(seq)
    }
}

impl Store {
    /// Events with seq > `after`, in chain order, at most `limit`.
    pub async fn events_after(&self, after: i64, limit: i64) -> Result<Vec<EventRow>> {
        let sql =
            format!("SELECT {EVENT_COLUMNS} FROM events WHERE seq > $1 ORDER BY seq LIMIT $2");
        Ok(on_pool!(self, c => sqlx::query_as(&sql).bind(after).bind(limit).fetch_all(c).await)?)
    }

    pub async fn report_events(&self, report_id: &str) -> Result<Vec<EventRow>> {
        let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE report_id = $1 ORDER BY seq");
        Ok(on_pool!(self, c => sqlx::query_as(&sql).bind(report_id).fetch_all(c).await)?)
    }

    /// The latest events about no report (accounts, the organisation), newest first: what the
    /// administrators' pages list. A full scan of the chain's recent end; the list is short.
    pub async fn administration_events(&self, limit: i64) -> Result<Vec<EventRow>> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE report_id IS NULL ORDER BY seq DESC LIMIT $1"
        );
        Ok(on_pool!(self, c => sqlx::query_as(&sql).bind(limit).fetch_all(c).await)?)
    }

    /// The stored hash of event `seq`, if there is one.
    pub async fn event_hash(&self, seq: i64) -> Result<Option<Vec<u8>>> {
        let sql = "SELECT hash FROM events WHERE seq = $1";
        Ok(on_pool!(self, c => sqlx::query_scalar(sql).bind(seq).fetch_optional(c).await)?)
    }

    /// (size, head hash) of the chain.
    pub async fn chain_head(&self) -> Result<(i64, Vec<u8>)> {
        let head: Option<(i64, Vec<u8>)> =
            on_pool!(self, c => sqlx::query_as(HEAD).fetch_optional(c).await)?;
        Ok(head.unwrap_or((0, GENESIS.to_vec())))
    }
}
