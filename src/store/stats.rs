//! What public statistics are computed from. The tallies are added up by the database, in one pass
//! for the counts and one for the hour histograms, grouped by department, category and month: a
//! million reports come back as a few thousand rows. The rule for what one item counts towards is
//! `domain::statistics::Tally::add`; these queries evaluate the same rule in bulk, and the
//! `stats_sql` integration test holds them to it item by item on both databases.
use super::{Db, Result, Store};
use crate::domain::statistics::Tally;
use std::collections::HashMap;

/// Tallies of dispatched reports as of a cut-off, per (department, month), (category, month) and
/// month; months as `domain::month_index` numbers them.
#[derive(Default)]
pub struct Tallies {
    pub by_department: HashMap<(String, i32), Tally>,
    pub by_category: HashMap<(String, i32), Tally>,
    pub by_month: HashMap<i32, Tally>,
}

impl Tallies {
    /// Apply `f` to the department's, the category's and the month's tally.
    fn each(&mut self, department: &str, category: &str, month: i32, f: impl Fn(&mut Tally)) {
        f(self
            .by_department
            .entry((department.to_string(), month))
            .or_default());
        f(self
            .by_category
            .entry((category.to_string(), month))
            .or_default());
        f(self.by_month.entry(month).or_default());
    }
}

#[derive(sqlx::FromRow)]
struct CountsRow {
    department: String,
    category: String,
    month: i32,
    received: i64,
    transferred: i64,
    ack_due: i64,
    ack_on_time: i64,
    respond_due: i64,
    respond_on_time: i64,
    closed: i64,
    reopened: i64,
    resolved_confirmed: i64,
    unconfirmed: i64,
    ratings: i64,
    ratings_high: i64,
    overdue: i64,
}

#[derive(sqlx::FromRow)]
struct HoursRow {
    department: String,
    category: String,
    month: i32,
    /// 0: hours to acknowledge, 1: hours to answer.
    which: i32,
    hours: i64,
    n: i64,
}

/// An item withdrawn, merged or rejected: it ends without an answer.
const ENDED: &str = "state IN ('withdrawn', 'duplicate', 'rejected')";

impl Store {
    /// The month of `dispatched_at` in the deployment's zone, as `domain::month_index` counts it.
    fn month_sql(&self, offset: i64) -> String {
        match &self.db {
            Db::Sqlite(_) => format!(
                "(CAST(strftime('%Y', dispatched_at + {offset}, 'unixepoch') AS INTEGER) * 12 \
                 + CAST(strftime('%m', dispatched_at + {offset}, 'unixepoch') AS INTEGER) - 1)"
            ),
            Db::Postgres(_) => format!(
                "(CAST(EXTRACT(YEAR FROM to_timestamp(dispatched_at + {offset}) AT TIME ZONE 'UTC') AS INTEGER) * 12 \
                 + CAST(EXTRACT(MONTH FROM to_timestamp(dispatched_at + {offset}) AT TIME ZONE 'UTC') AS INTEGER) - 1)"
            ),
        }
    }

    /// Every dispatched report (retaliation reports are published only as a total per quarter)
    /// counted as of `cutoff`. The cut-off and offset are the service's own numbers, written into
    /// the SQL as integers.
    pub async fn tallies(&self, cutoff: i64, offset: i64) -> Result<Tallies> {
        let c = cutoff;
        let month = self.month_sql(offset);
        let when = |cond: &str| format!("SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)");
        // Owed a deadline: not ended unanswered by then (a NULL closure owes it).
        let owed = |due: &str| {
            format!("NOT COALESCE({ENDED} AND closed_at < {c} AND closed_at <= {due}, FALSE)")
        };
        let ack_due = format!("acknowledge_due < {c} AND {}", owed("acknowledge_due"));
        let respond_due = format!("respond_due < {c} AND {}", owed("respond_due"));
        let closed = format!("closed_at < {c} AND state = 'closed'");
        let confirmed = format!("{closed} AND COALESCE(confirmed, FALSE)");
        let columns = [
            ("transferred", when("transfers > 0")),
            ("ack_due", when(&ack_due)),
            (
                "ack_on_time",
                when(&format!(
                    "{ack_due} AND acknowledged_at < {c} AND acknowledged_at <= acknowledge_due"
                )),
            ),
            ("respond_due", when(&respond_due)),
            (
                "respond_on_time",
                when(&format!(
                    "{respond_due} AND responded_at < {c} AND responded_at <= respond_due"
                )),
            ),
            ("closed", when(&closed)),
            ("reopened", when(&format!("{closed} AND reopens > 0"))),
            (
                "resolved_confirmed",
                when(&format!("{confirmed} AND outcome = 'resolved'")),
            ),
            (
                "unconfirmed",
                when(&format!("{closed} AND NOT COALESCE(confirmed, FALSE)")),
            ),
            (
                "ratings",
                when(&format!("{confirmed} AND satisfaction IS NOT NULL")),
            ),
            (
                "ratings_high",
                when(&format!("{confirmed} AND satisfaction >= 4")),
            ),
            // Open at the cut-off, unanswered, and past the deadline it was working against.
            (
                "overdue",
                when(&format!(
                    "NOT COALESCE(closed_at < {c}, FALSE) AND NOT ({ENDED}) \
                     AND NOT COALESCE(responded_at < {c}, FALSE) \
                     AND (CASE WHEN acknowledged_at < {c} THEN respond_due ELSE acknowledge_due END) < {c}"
                )),
            ),
        ];
        let sums: Vec<String> = columns
            .iter()
            .map(|(name, sum)| format!("{sum} AS {name}"))
            .collect();
        let dispatched = format!("kind = 'report' AND dispatched_at < {c}");
        let counts_sql = format!(
            "SELECT department, category, {month} AS month, COUNT(*) AS received, {} \
             FROM reports WHERE {dispatched} GROUP BY department, category, month",
            sums.join(", ")
        );
        let hours = |which: i32, at: &str| {
            format!(
                "SELECT department, category, {month} AS month, {which} AS which, \
                 ({at} - dispatched_at) / 3600 AS hours, COUNT(*) AS n FROM reports \
                 WHERE {dispatched} AND {at} < {c} GROUP BY department, category, month, hours"
            )
        };
        let hours_sql = format!(
            "{} UNION ALL {}",
            hours(0, "acknowledged_at"),
            hours(1, "responded_at")
        );
        let counts: Vec<CountsRow> =
            on_pool!(self, p => sqlx::query_as(&counts_sql).fetch_all(p).await)?;
        let hours: Vec<HoursRow> =
            on_pool!(self, p => sqlx::query_as(&hours_sql).fetch_all(p).await)?;

        let mut out = Tallies::default();
        for r in counts {
            let add = Tally {
                received: r.received,
                ack_due: r.ack_due,
                ack_on_time: r.ack_on_time,
                respond_due: r.respond_due,
                respond_on_time: r.respond_on_time,
                closed: r.closed,
                resolved_confirmed: r.resolved_confirmed,
                unconfirmed: r.unconfirmed,
                reopened: r.reopened,
                ratings: r.ratings,
                ratings_high: r.ratings_high,
                transferred: r.transferred,
                overdue: r.overdue,
                ..Tally::default()
            };
            out.each(&r.department, &r.category, r.month, |t| t.merge(&add));
        }
        for r in hours {
            out.each(&r.department, &r.category, r.month, |t| {
                let histogram = if r.which == 0 {
                    &mut t.ack_hours
                } else {
                    &mut t.respond_hours
                };
                *histogram.entry(r.hours).or_default() += r.n;
            });
        }
        Ok(out)
    }
}

impl Store {
    /// The day each retaliation report was received, for those received before `cutoff`.
    pub async fn retaliation_days(&self, cutoff: i64) -> Result<Vec<i64>> {
        let sql = "SELECT received_on FROM reports WHERE kind = 'retaliation' AND received_on < $1";
        Ok(on_pool!(self, c => sqlx::query_scalar(sql).bind(cutoff).fetch_all(c).await)?)
    }
}
