//! The rows public statistics are computed from: one pass over the covering index
//! `reports_facts` (migration 0009), streamed row by row into the caller, so the background rebuild
//! reads a narrow index instead of the report table (whose rows carry the sealed texts), holds no
//! page of rows in memory, and allocates nothing per row.
use super::{Result, Store};
use crate::domain::statistics::ItemFacts;
use futures_util::TryStreamExt;
use sqlx::Row;

impl Store {
    /// Every dispatched report dispatched before `cutoff`, as its department, category and facts,
    /// grouped by department and category. Retaliation reports are not among them: they are
    /// published only as a total per quarter.
    pub async fn each_fact(
        &self,
        cutoff: i64,
        mut f: impl FnMut(&str, &str, &ItemFacts),
    ) -> Result<()> {
        let sql = "SELECT department, category, dispatched_at, acknowledge_due, respond_due, \
             acknowledged_at, responded_at, closed_at, state, confirmed, outcome, satisfaction, reopens, \
             transfers FROM reports WHERE kind = 'report' AND dispatched_at < $1 \
             ORDER BY department, category";
        on_pool!(self, c => {
            let mut rows = sqlx::query(sql).bind(cutoff).fetch(c);
            while let Some(r) = rows.try_next().await? {
                let facts = ItemFacts {
                    dispatched_at: r.try_get(2)?,
                    acknowledge_due: r.try_get(3)?,
                    respond_due: r.try_get(4)?,
                    acknowledged_at: r.try_get(5)?,
                    responded_at: r.try_get(6)?,
                    closed_at: r.try_get(7)?,
                    state: r.try_get(8)?,
                    confirmed: r.try_get(9)?,
                    outcome: r.try_get(10)?,
                    satisfaction: r.try_get(11)?,
                    reopens: r.try_get(12)?,
                    transfers: r.try_get(13)?,
                };
                f(r.try_get(0)?, r.try_get(1)?, &facts);
            }
        });
        Ok(())
    }
}

impl Store {
    /// The day each retaliation report was received, for those received before `cutoff`.
    pub async fn retaliation_days(&self, cutoff: i64) -> Result<Vec<i64>> {
        let sql = "SELECT received_on FROM reports WHERE kind = 'retaliation' AND received_on < $1";
        Ok(on_pool!(self, c => sqlx::query_scalar(sql).bind(cutoff).fetch_all(c).await)?)
    }
}
