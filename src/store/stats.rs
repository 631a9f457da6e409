//! The rows public statistics are computed from: read in id-ordered pages by the background
//! refresh, never per request.
use super::{Result, Store};
use crate::domain::{Outcome, State};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FactsRow {
    pub id: String,
    pub department: String,
    pub category: String,
    pub dispatched_at: i64,
    pub acknowledge_due: Option<i64>,
    pub respond_due: Option<i64>,
    pub acknowledged_at: Option<i64>,
    pub responded_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub state: State,
    pub confirmed: Option<bool>,
    pub outcome: Option<Outcome>,
    pub satisfaction: Option<i64>,
    pub reopens: i64,
    pub transfers: i64,
}

impl Store {
    /// Dispatched reports with ids after `after`, dispatched before `cutoff`, in id order. Retaliation
    /// reports are not among them: they are published only as a total per quarter.
    pub async fn facts_page(&self, after: &str, cutoff: i64, limit: i64) -> Result<Vec<FactsRow>> {
        let sql = "SELECT id, department, category, dispatched_at, acknowledge_due, respond_due, \
             acknowledged_at, responded_at, closed_at, state, confirmed, outcome, satisfaction, reopens, \
             transfers FROM reports WHERE id > $1 AND dispatched_at < $2 AND kind = 'report' \
             ORDER BY id LIMIT $3";
        Ok(on_pool!(self, c => sqlx::query_as(sql)
            .bind(after)
            .bind(cutoff)
            .bind(limit)
            .fetch_all(c)
            .await)?)
    }
}

impl Store {
    /// The day each retaliation report was received, for those received before `cutoff`.
    pub async fn retaliation_days(&self, cutoff: i64) -> Result<Vec<i64>> {
        let sql = "SELECT received_on FROM reports WHERE kind = 'retaliation' AND received_on < $1";
        Ok(on_pool!(self, c => sqlx::query_scalar(sql).bind(cutoff).fetch_all(c).await)?)
    }
}
