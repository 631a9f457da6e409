//! Reporter actions waiting for their release (`pending_actions`), and the public checkpoints of the
//! audit log, one per schedule slot (`checkpoints`).
use super::{Result, Store, Tx};
use crate::domain::item::ReporterAction;

/// A reporter's action as it waits: what, on which day, released when, and its sealed text (a
/// reply's or a reopen's reason).
#[derive(Clone, Debug)]
pub struct Pending {
    pub id: i64,
    pub report_id: String,
    pub action: ReporterAction,
    pub key_id: Option<String>,
    pub body_sealed: Option<Vec<u8>>,
    pub acted_on: i64,
    pub release_at: i64,
}

#[derive(sqlx::FromRow)]
struct PendingRow {
    id: i64,
    report_id: String,
    action: String,
    satisfaction: Option<i64>,
    key_id: Option<String>,
    body_sealed: Option<Vec<u8>>,
    acted_on: i64,
    release_at: i64,
}

impl TryFrom<PendingRow> for Pending {
    type Error = super::StoreError;
    fn try_from(r: PendingRow) -> Result<Pending> {
        let action = ReporterAction::parse(&r.action, r.satisfaction).ok_or_else(|| {
            super::StoreError::Database(sqlx::Error::Decode(
                format!("unknown pending action {:?}", r.action).into(),
            ))
        })?;
        Ok(Pending {
            id: r.id,
            report_id: r.report_id,
            action,
            key_id: r.key_id,
            body_sealed: r.body_sealed,
            acted_on: r.acted_on,
            release_at: r.release_at,
        })
    }
}

const PENDING_COLUMNS: &str =
    "id, report_id, action, satisfaction, key_id, body_sealed, acted_on, release_at";

fn convert(rows: Vec<PendingRow>) -> Result<Vec<Pending>> {
    rows.into_iter().map(Pending::try_from).collect()
}

impl Store {
    /// A report's waiting actions, in the order they were taken.
    pub async fn pending(&self, report_id: &str) -> Result<Vec<Pending>> {
        let sql = format!(
            "SELECT {PENDING_COLUMNS} FROM pending_actions WHERE report_id = $1 ORDER BY id"
        );
        let rows = on_pool!(self, c => sqlx::query_as(&sql).bind(report_id).fetch_all(c).await)?;
        convert(rows)
    }

    /// Reports with an action whose release time has come, earliest first.
    pub async fn due_pending(&self, now: i64, limit: i64) -> Result<Vec<String>> {
        let sql = "SELECT report_id FROM pending_actions WHERE release_at <= $1 \
                   GROUP BY report_id ORDER BY MIN(release_at) LIMIT $2";
        Ok(on_pool!(self, c => sqlx::query_scalar(sql).bind(now).bind(limit).fetch_all(c).await)?)
    }

    /// The checkpoint stored for a schedule slot: (size, head).
    pub async fn checkpoint_at(&self, slot: i64) -> Result<Option<(i64, Vec<u8>)>> {
        let sql = "SELECT size, head FROM checkpoints WHERE slot = $1";
        Ok(on_pool!(self, c => sqlx::query_as(sql).bind(slot).fetch_optional(c).await)?)
    }

    /// Store the head signed for `slot`, unless another instance stored one first (which then
    /// stays: every instance publishes the first).
    pub async fn keep_checkpoint(&self, slot: i64, size: i64, head: &[u8]) -> Result<()> {
        let sql = "INSERT INTO checkpoints (slot, size, head) VALUES ($1, $2, $3) \
                   ON CONFLICT (slot) DO NOTHING";
        on_pool!(self, c => sqlx::query(sql).bind(slot).bind(size).bind(head).execute(c).await.map(|_| ()))?;
        Ok(())
    }

    /// The latest stored checkpoint at or before `slot`: what was published last.
    pub async fn latest_checkpoint(&self, slot: i64) -> Result<Option<(i64, i64, Vec<u8>)>> {
        let sql =
            "SELECT slot, size, head FROM checkpoints WHERE slot <= $1 ORDER BY slot DESC LIMIT 1";
        Ok(on_pool!(self, c => sqlx::query_as(sql).bind(slot).fetch_optional(c).await)?)
    }
}

impl Tx {
    /// The same as `Store::pending`, inside the transaction that applies them.
    pub async fn pending(&mut self, report_id: &str) -> Result<Vec<Pending>> {
        let sql = format!(
            "SELECT {PENDING_COLUMNS} FROM pending_actions WHERE report_id = $1 ORDER BY id"
        );
        let rows = on_tx!(self, c => sqlx::query_as(&sql).bind(report_id).fetch_all(c).await)?;
        convert(rows)
    }

    /// Hold a reporter's action back until `release_at`; its id.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_pending(
        &mut self,
        report_id: &str,
        action: ReporterAction,
        key_id: Option<&str>,
        body_sealed: Option<&[u8]>,
        acted_on: i64,
        release_at: i64,
    ) -> Result<i64> {
        let sql =
            "INSERT INTO pending_actions (report_id, action, satisfaction, key_id, body_sealed, \
                   acted_on, release_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
        let id = on_tx!(self, c => sqlx::query_scalar(sql)
            .bind(report_id)
            .bind(action.as_str())
            .bind(action.satisfaction())
            .bind(key_id)
            .bind(body_sealed)
            .bind(acted_on)
            .bind(release_at)
            .fetch_one(c)
            .await)?;
        Ok(id)
    }

    /// An action that has arrived (applied, or recorded as too late) leaves the queue.
    pub async fn delete_pending(&mut self, id: i64) -> Result<()> {
        on_tx!(self, c => sqlx::query("DELETE FROM pending_actions WHERE id = $1")
            .bind(id)
            .execute(c)
            .await
            .map(|_| ()))?;
        Ok(())
    }
}
