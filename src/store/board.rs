//! The supervisor's board: open counts and recent response times, each read from a covering index
//! (migrations 0002) so the cost follows the number of open or recent items, never the whole table.
use super::{Result, Store};

/// Open items of one department in one state.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OpenCount {
    pub department: String,
    pub state: String,
    pub items: i64,
    pub overdue: i64,
    pub escalated: i64,
}

/// Closures of one department since some instant.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ClosureCount {
    pub department: String,
    pub closed: i64,
    pub reopened: i64,
    pub unconfirmed: i64,
}

/// Which milestone a duration runs to, from dispatch.
#[derive(Clone, Copy, Debug)]
pub enum Milestone {
    Acknowledged,
    Responded,
}

impl Store {
    pub async fn open_counts(&self, now: i64) -> Result<Vec<OpenCount>> {
        Ok(sqlx::query_as(
            "SELECT department, state, COUNT(*) AS items, \
             CAST(SUM(CASE WHEN due_at < $1 THEN 1 ELSE 0 END) AS BIGINT) AS overdue, \
             CAST(SUM(CASE WHEN escalation > 0 THEN 1 ELSE 0 END) AS BIGINT) AS escalated \
             FROM reports \
             WHERE state IN ('triage', 'assigned', 'acknowledged', 'transfer_requested', 'responded') \
             GROUP BY department, state",
        )
        .bind(now)
        .fetch_all(self.pool())
        .await?)
    }

    /// (department, seconds from dispatch) for every item that reached `milestone` at or after `since`.
    pub async fn durations(&self, milestone: Milestone, since: i64) -> Result<Vec<(String, i64)>> {
        let sql = match milestone {
            Milestone::Acknowledged => {
                "SELECT department, acknowledged_at - dispatched_at FROM reports \
                 WHERE acknowledged_at >= $1 AND dispatched_at IS NOT NULL"
            }
            Milestone::Responded => {
                "SELECT department, responded_at - dispatched_at FROM reports \
                 WHERE responded_at >= $1 AND dispatched_at IS NOT NULL"
            }
        };
        Ok(sqlx::query_as(sql)
            .bind(since)
            .fetch_all(self.pool())
            .await?)
    }

    pub async fn closures(&self, since: i64) -> Result<Vec<ClosureCount>> {
        Ok(sqlx::query_as(
            "SELECT department, COUNT(*) AS closed, \
             CAST(SUM(CASE WHEN reopens > 0 THEN 1 ELSE 0 END) AS BIGINT) AS reopened, \
             CAST(SUM(CASE WHEN confirmed = 0 THEN 1 ELSE 0 END) AS BIGINT) AS unconfirmed \
             FROM reports WHERE closed_at >= $1 AND state = 'closed' GROUP BY department",
        )
        .bind(since)
        .fetch_all(self.pool())
        .await?)
    }
}
