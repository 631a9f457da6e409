//! The supervisor's board: open counts and recent response times, each read from a covering index
//! (migrations 0002) so the cost follows the number of open or recent items, never the whole table.
use super::{Backend, Result, Store};
use crate::domain::State;

/// Open items of one department in one state.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OpenCount {
    pub department: String,
    pub state: State,
    pub items: i64,
    pub overdue: i64,
    pub escalated: i64,
}

/// Open items of one department about one area (the precise area: the service coarsens it).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AreaCount {
    pub department: String,
    pub area: String,
    pub items: i64,
    pub overdue: i64,
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
        let sql = "SELECT department, state, COUNT(*) AS items, \
             CAST(SUM(CASE WHEN due_at < $1 THEN 1 ELSE 0 END) AS BIGINT) AS overdue, \
             CAST(SUM(CASE WHEN escalation > 0 THEN 1 ELSE 0 END) AS BIGINT) AS escalated \
             FROM reports \
             WHERE state IN ('triage', 'assigned', 'acknowledged', 'transfer_requested', 'responded') \
             GROUP BY department, state";
        Ok(on_pool!(self, c => sqlx::query_as(sql).bind(now).fetch_all(c).await)?)
    }

    /// Open items per department and area, with how many are overdue at `now`.
    pub async fn open_by_area(&self, now: i64) -> Result<Vec<AreaCount>> {
        let sql = "SELECT department, area, COUNT(*) AS items, \
             CAST(SUM(CASE WHEN due_at < $1 THEN 1 ELSE 0 END) AS BIGINT) AS overdue \
             FROM reports \
             WHERE state IN ('triage', 'assigned', 'acknowledged', 'transfer_requested', 'responded') \
             GROUP BY department, area";
        Ok(on_pool!(self, c => sqlx::query_as(sql).bind(now).fetch_all(c).await)?)
    }

    /// `column` as a SQLite planner hint: `column || ''` cannot use an index, which keeps SQLite on
    /// the covering range scan of the time column instead of walking a department (or state) index
    /// over the whole table to save a sort. PostgreSQL's planner needs no such help.
    fn unindexed(&self, column: &str) -> String {
        match self.backend() {
            Backend::Sqlite => format!("{column} || ''"),
            Backend::Postgres => column.to_string(),
        }
    }

    /// How many items of each department reached `milestone` at or after `since`, by whole hours
    /// from dispatch: (department, hours, items). Grouped in SQL so only a histogram crosses the
    /// driver.
    pub async fn durations(
        &self,
        milestone: Milestone,
        since: i64,
    ) -> Result<Vec<(String, i64, i64)>> {
        let at = match milestone {
            Milestone::Acknowledged => "acknowledged_at",
            Milestone::Responded => "responded_at",
        };
        let sql = format!(
            "SELECT {} AS d, ({at} - dispatched_at) / 3600 AS h, COUNT(*) \
             FROM reports WHERE {at} >= $1 AND dispatched_at IS NOT NULL GROUP BY d, h",
            self.unindexed("department")
        );
        Ok(on_pool!(self, c => sqlx::query_as(&sql).bind(since).fetch_all(c).await)?)
    }

    /// Items closed at or after `since`, per department.
    pub async fn closures(&self, since: i64) -> Result<Vec<ClosureCount>> {
        let sql = format!(
            "SELECT {} AS department, COUNT(*) AS closed, \
             CAST(SUM(CASE WHEN reopens > 0 THEN 1 ELSE 0 END) AS BIGINT) AS reopened, \
             CAST(SUM(CASE WHEN confirmed = FALSE THEN 1 ELSE 0 END) AS BIGINT) AS unconfirmed \
             FROM reports WHERE closed_at >= $1 AND {} = 'closed' GROUP BY 1",
            self.unindexed("department"),
            self.unindexed("state")
        );
        Ok(on_pool!(self, c => sqlx::query_as(&sql).bind(since).fetch_all(c).await)?)
    }
}
