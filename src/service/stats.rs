//! Public statistics: a snapshot of tallies per (department, category, month), rebuilt in the
//! background (and when the cut-off day moves), from which each request's tables are assembled,
//! put through disclosure control, and remembered until the next snapshot.
//!
//! The snapshot lives in each instance's memory: it is derived data, rebuilt from the database by
//! every instance on its own schedule, so instances agree on everything but the moment they refresh.
use super::error::{Error, Result};
use super::{Checkpoint, Service};
use crate::domain::clock::{day_start, month_index, month_label, parse_month};
use crate::domain::disclosure::{suppress, Group};
use crate::domain::statistics::{Figures, Hidden, ItemFacts, Tally};
use crate::domain::text::Problem;
use crate::domain::Span;
use crate::store::CatalogRows;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const PAGE: i64 = 5_000;
const MEMO_LIMIT: usize = 256;

#[derive(Clone, Debug, Default, Deserialize)]
pub struct StatsQuery {
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub department: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct StatsReport {
    pub period: Period,
    /// Data up to (not including) this instant: now minus the lag, rounded down to a day.
    pub data_until: String,
    pub lag: String,
    pub k: i64,
    /// The department asked for, if any: `overall` is then its subtree's figures and `departments`
    /// its subtree's rows; `categories` and `months` stay deployment-wide.
    pub department: Option<String>,
    pub definitions: Vec<Definition>,
    /// The audit log's signed checkpoint when this snapshot was built (the live one is at
    /// `/api/v1/log/head`).
    pub log_checkpoint: Checkpoint,
    /// Which snapshot this report came from: outputs rendered from it may be reused until it changes.
    #[serde(skip)]
    pub snapshot: u64,
    pub overall: Figures,
    pub departments: Vec<DepartmentStats>,
    pub categories: Vec<CategoryStats>,
    pub months: Vec<MonthStats>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Period {
    pub from: String,
    pub to: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Definition {
    pub figure: &'static str,
    pub meaning: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct DepartmentStats {
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    pub parent: Option<String>,
    pub depth: usize,
    /// Items assigned to this department itself.
    pub own: Figures,
    /// This department and every department below it.
    pub subtree: Figures,
}

#[derive(Clone, Debug, Serialize)]
pub struct CategoryStats {
    pub code: String,
    pub name: String,
    pub name_en: Option<String>,
    pub figures: Figures,
}

#[derive(Clone, Debug, Serialize)]
pub struct MonthStats {
    pub month: String,
    pub figures: Figures,
}

/// The definitions of DESIGN.md, stated with every output.
pub const DEFINITIONS: [Definition; 14] = [
    Definition { figure: "received", meaning: "items dispatched to a department in the period (by month of dispatch)" },
    Definition { figure: "response_rate", meaning: "items acknowledged within the acknowledgement deadline ÷ items whose acknowledgement deadline has passed" },
    Definition { figure: "on_time_answer_rate", meaning: "items answered within the response deadline ÷ items whose response deadline has passed" },
    Definition { figure: "resolution_rate", meaning: "items closed with the reporter confirming the outcome \"resolved\" ÷ items closed" },
    Definition { figure: "satisfaction_rate", meaning: "ratings of 4 or 5 ÷ ratings" },
    Definition { figure: "median_hours_to_acknowledge", meaning: "median whole hours from dispatch to acknowledgement (nearest rank)" },
    Definition { figure: "p90_hours_to_acknowledge", meaning: "90th percentile of whole hours from dispatch to acknowledgement (nearest rank)" },
    Definition { figure: "median_hours_to_respond", meaning: "median whole hours from dispatch to the answer (nearest rank)" },
    Definition { figure: "p90_hours_to_respond", meaning: "90th percentile of whole hours from dispatch to the answer (nearest rank)" },
    Definition { figure: "reopen_rate", meaning: "closed items the reporter reopened at least once ÷ items closed" },
    Definition { figure: "transfer_rate", meaning: "items transferred to another department at least once ÷ items received" },
    Definition { figure: "overdue_now", meaning: "items open at the end of the data, past the deadline they were working against" },
    Definition { figure: "closed", meaning: "items closed (confirmed by the reporter or closed unconfirmed)" },
    Definition { figure: "unconfirmed_share", meaning: "items closed without the reporter's confirmation ÷ items closed" },
];

/// A request's months (from, to) and department scope.
type ReportKey = (i32, i32, Option<String>);

/// The public figures as of `cutoff`, with the organisation they were computed for.
pub(super) struct Snapshot {
    id: u64,
    cutoff: i64,
    checkpoint: Checkpoint,
    catalog: CatalogRows,
    /// Every figure the public may be shown, already through disclosure control.
    grid: Grid,
    memo: Mutex<HashMap<ReportKey, Arc<StatsReport>>>,
}

/// The snapshot and the lock that makes one refresh run at a time per instance.
#[derive(Default)]
pub(super) struct StatsCache {
    current: Mutex<Option<Arc<Snapshot>>>,
    built: std::sync::atomic::AtomicU64,
    refreshing: tokio::sync::Mutex<()>,
}

impl Service {
    /// Where public data ends now: now minus the lag, rounded down to a day boundary (unless 0s).
    pub fn stats_cutoff(&self) -> i64 {
        let lag = self.settings().stats_lag;
        if lag <= 0 {
            self.now()
        } else {
            day_start(self.now() - lag, self.settings().utc_offset)
        }
    }

    /// Rebuild the snapshot from the database (the background job calls this every refresh interval).
    pub async fn refresh_stats(&self) -> Result<()> {
        let _one = self.inner.stats.refreshing.lock().await;
        self.rebuild_stats().await
    }

    async fn rebuild_stats(&self) -> Result<()> {
        let cutoff = self.stats_cutoff();
        let catalog = self.store().catalog().await?;
        let checkpoint = self.checkpoint().await?;
        let offset = self.settings().utc_offset;
        let mut by_department: HashMap<(String, i32), Tally> = HashMap::new();
        let mut by_category: HashMap<(String, i32), Tally> = HashMap::new();
        let mut by_month: HashMap<i32, Tally> = HashMap::new();
        let mut after = String::new();
        loop {
            let page = self.store().facts_page(&after, cutoff, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = last.id.clone();
            for r in page {
                let month = month_index(r.dispatched_at, offset);
                let facts = ItemFacts {
                    dispatched_at: r.dispatched_at,
                    acknowledge_due: r.acknowledge_due,
                    respond_due: r.respond_due,
                    acknowledged_at: r.acknowledged_at,
                    responded_at: r.responded_at,
                    closed_at: r.closed_at,
                    state: r.state,
                    confirmed: r.confirmed.map(|c| c == 1),
                    outcome: r.outcome,
                    satisfaction: r.satisfaction,
                    reopens: r.reopens,
                    transfers: r.transfers,
                };
                by_department
                    .entry((r.department, month))
                    .or_default()
                    .add(&facts, cutoff);
                by_category
                    .entry((r.category, month))
                    .or_default()
                    .add(&facts, cutoff);
                by_month.entry(month).or_default().add(&facts, cutoff);
            }
        }
        let id = 1 + self
            .inner
            .stats
            .built
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let last_month = month_index(cutoff - 1, offset);
        let grid = Grid::build(
            &catalog,
            &by_department,
            &by_category,
            &by_month,
            last_month,
            self.settings().stats_k,
        );
        let snapshot = Snapshot {
            grid,
            id,
            cutoff,
            checkpoint,
            catalog,
            memo: Mutex::new(HashMap::new()),
        };
        *self.inner.stats.current.lock().expect("stats lock") = Some(Arc::new(snapshot));
        Ok(())
    }

    /// A snapshot for the current cut-off: the one in memory unless there is none yet or the
    /// cut-off day has moved since it was built.
    async fn snapshot(&self) -> Result<Arc<Snapshot>> {
        let cutoff = self.stats_cutoff();
        let fresh = |s: &Option<Arc<Snapshot>>| {
            s.as_ref()
                .filter(|s| self.settings().stats_lag <= 0 || s.cutoff == cutoff)
                .cloned()
        };
        if let Some(s) = fresh(&self.inner.stats.current.lock().expect("stats lock")) {
            return Ok(s);
        }
        let _one = self.inner.stats.refreshing.lock().await;
        // Another request may have rebuilt it while this one waited.
        if let Some(s) = fresh(&self.inner.stats.current.lock().expect("stats lock")) {
            return Ok(s);
        }
        self.rebuild_stats().await?;
        Ok(self
            .inner
            .stats
            .current
            .lock()
            .expect("stats lock")
            .clone()
            .expect("just built"))
    }

    pub async fn public_stats(&self, q: &StatsQuery) -> Result<Arc<StatsReport>> {
        let snap = self.snapshot().await?;
        let month = |v: &Option<String>, field: &'static str| match v.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(s) => parse_month(s)
                .map(Some)
                .ok_or_else(|| Error::field(field, Problem::Invalid)),
        };
        let (from, to) = (month(&q.from, "from")?, month(&q.to, "to")?);
        let year = |m: i32| (m.div_euclid(12) * 12, m.div_euclid(12) * 12 + 11);
        // Default: the calendar year of the cut-off; one end alone: that month.
        let (from, to) = match (from, to) {
            (None, None) => year(month_index(snap.cutoff - 1, self.settings().utc_offset)),
            (Some(f), None) => (f, f),
            (None, Some(t)) => (t, t),
            (Some(f), Some(t)) => (f, t),
        };
        if from > to {
            return Err(Error::field("from", Problem::Invalid));
        }
        let Some(period) = snap.grid.period_index.get(&(from, to)).copied() else {
            let field = if from % 3 == 0 { "to" } else { "from" };
            return Err(Error::field(field, Problem::NotAPeriod));
        };
        let department = match q.department.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(code) => match snap.grid.row_of(code) {
                Some(_) => Some(code.to_string()),
                None => return Err(Error::field("department", Problem::Unknown)),
            },
        };
        let key = (from, to, department.clone());
        if let Some(r) = snap.memo.lock().expect("memo lock").get(&key) {
            return Ok(r.clone());
        }
        let report = Arc::new(self.assemble(&snap, period, department));
        let mut memo = snap.memo.lock().expect("memo lock");
        if memo.len() >= MEMO_LIMIT {
            memo.clear();
        }
        memo.insert(key, report.clone());
        Ok(report)
    }

    /// One report: cells of the snapshot's protected grid, nothing computed anew.
    fn assemble(&self, snap: &Snapshot, period: usize, scope: Option<String>) -> StatsReport {
        let g = &snap.grid;
        let cat = &snap.catalog;
        let (from, to) = g.periods[period];
        let nd = g.order.len();
        // The scope: its row and the rows below it (a contiguous run of the depth-first order).
        let (rows, overall) = match scope.as_deref().and_then(|c| g.row_of(c)) {
            Some(n0) => {
                let d0 = g.order[n0].1;
                let end = (n0 + 1..nd).find(|n| g.order[*n].1 <= d0).unwrap_or(nd);
                (n0..end, g.cell(Row::Subtree(n0), period))
            }
            None => (0..nd, g.cell(Row::Overall, period)),
        };
        let base_depth = g.order.get(rows.start).map_or(0, |o| o.1);
        let offset = self.settings().utc_offset;
        StatsReport {
            period: Period {
                from: month_label(from),
                to: month_label(to),
            },
            data_until: crate::domain::clock::rfc3339(snap.cutoff, offset),
            lag: Span(self.settings().stats_lag).to_string(),
            k: self.settings().stats_k,
            department: scope,
            definitions: DEFINITIONS.to_vec(),
            log_checkpoint: snap.checkpoint.clone(),
            snapshot: snap.id,
            overall: overall.clone(),
            departments: rows
                .map(|n| {
                    let (i, depth) = g.order[n];
                    let d = &cat.departments[i];
                    DepartmentStats {
                        code: d.code.clone(),
                        name: d.name.clone(),
                        name_en: d.name_en.clone(),
                        parent: d.parent.clone(),
                        depth: depth - base_depth,
                        own: g.cell(Row::Own(n), period).clone(),
                        subtree: g.cell(Row::Subtree(n), period).clone(),
                    }
                })
                .collect(),
            // Deployment-wide even in a scoped request: a category or month breakdown inside one
            // department would be a slice of a department × category table not protected as such.
            categories: cat
                .categories
                .iter()
                .enumerate()
                .map(|(c, row)| CategoryStats {
                    code: row.code.clone(),
                    name: row.name.clone(),
                    name_en: row.name_en.clone(),
                    figures: g.cell(Row::Category(c), period).clone(),
                })
                .collect(),
            months: (from..=to)
                .map(|m| MonthStats {
                    month: month_label(m),
                    figures: g.cell(Row::Overall, g.period_index[&(m, m)]).clone(),
                })
                .collect(),
        }
    }
}

/// A row of the grid.
#[derive(Clone, Copy)]
enum Row {
    Overall,
    Own(usize),
    Subtree(usize),
    Category(usize),
}

/// Every figure the public may see in one snapshot: rows (overall, each department's own items and
/// subtree, each category) × periods (every month, calendar quarter and calendar year from the first
/// year with data to the cut-off's). All counts are put through disclosure control together, along
/// the department tree and along the calendar (year = its quarters, quarter = its months), so no two
/// answers, whatever periods or departments they were asked for, can be subtracted to reveal a
/// hidden count. A request is then only a choice of cells.
pub(super) struct Grid {
    periods: Vec<(i32, i32)>,
    period_index: HashMap<(i32, i32), usize>,
    /// Departments in display order: (index in the catalog, depth).
    order: Vec<(usize, usize)>,
    position: HashMap<String, usize>,
    categories: usize,
    figures: Vec<Figures>,
}

impl Grid {
    fn rows(&self) -> usize {
        1 + 2 * self.order.len() + self.categories
    }
    fn row_index(&self, r: Row) -> usize {
        let nd = self.order.len();
        match r {
            Row::Overall => 0,
            Row::Own(n) => 1 + n,
            Row::Subtree(n) => 1 + nd + n,
            Row::Category(c) => 1 + 2 * nd + c,
        }
    }
    fn index(&self, r: Row, period: usize) -> usize {
        self.row_index(r) * self.periods.len() + period
    }
    fn cell(&self, r: Row, period: usize) -> &Figures {
        &self.figures[self.index(r, period)]
    }
    fn row_of(&self, department: &str) -> Option<usize> {
        self.position.get(department).copied()
    }

    pub(super) fn build(
        catalog: &CatalogRows,
        by_department: &HashMap<(String, i32), Tally>,
        by_category: &HashMap<(String, i32), Tally>,
        by_month: &HashMap<i32, Tally>,
        last_month: i32,
        k: i64,
    ) -> Grid {
        // Departments, each followed by its children.
        let tree = super::reporter::department_tree(catalog);
        let order = tree.display_order();
        let position: HashMap<String, usize> = order
            .iter()
            .enumerate()
            .map(|(n, (i, _))| (tree.code(*i).to_string(), n))
            .collect();
        let parent: Vec<Option<usize>> = order
            .iter()
            .map(|(i, _)| {
                tree.parent_entry(*i)
                    .and_then(|p| position.get(tree.code(p)).copied())
            })
            .collect();

        // Calendar: whole years from the first with data (at most 20 back) to the cut-off's.
        let last_year = last_month.div_euclid(12);
        let first_year = by_month
            .keys()
            .map(|m| m.div_euclid(12))
            .min()
            .unwrap_or(last_year)
            .clamp(last_year - 19, last_year);
        let first_month = first_year * 12;
        let months = ((last_year + 1) * 12 - first_month) as usize;
        let mut periods: Vec<(i32, i32)> = (0..months as i32)
            .map(|m| (first_month + m, first_month + m))
            .collect();
        for y in first_year..=last_year {
            for q in 0..4 {
                periods.push((y * 12 + 3 * q, y * 12 + 3 * q + 2));
            }
            periods.push((y * 12, y * 12 + 11));
        }
        let period_index: HashMap<(i32, i32), usize> =
            periods.iter().enumerate().map(|(i, p)| (*p, i)).collect();

        let mut g = Grid {
            periods,
            period_index,
            order,
            position,
            categories: catalog.categories.len(),
            figures: Vec::new(),
        };
        let np = g.periods.len();
        let nd = g.order.len();

        // Month tallies per row, then subtrees (deepest first), then quarters and years.
        let mut tallies = vec![Tally::default(); g.rows() * np];
        let month_slot = |m: i32| (m - first_month) as usize;
        let in_grid = |m: &i32| (first_month..first_month + months as i32).contains(m);
        for ((code, m), t) in by_department {
            if let (Some(n), true) = (g.row_of(code), in_grid(m)) {
                tallies[g.index(Row::Own(n), month_slot(*m))].merge(t);
            }
        }
        for ((code, m), t) in by_category {
            let c = catalog.categories.iter().position(|c| &c.code == code);
            if let (Some(c), true) = (c, in_grid(m)) {
                tallies[g.index(Row::Category(c), month_slot(*m))].merge(t);
            }
        }
        for (m, t) in by_month {
            if in_grid(m) {
                tallies[g.index(Row::Overall, month_slot(*m))].merge(t);
            }
        }
        for slot in 0..months {
            for n in 0..nd {
                let own = tallies[g.index(Row::Own(n), slot)].clone();
                tallies[g.index(Row::Subtree(n), slot)] = own;
            }
            for n in (0..nd).rev() {
                if let Some(p) = parent[n] {
                    let child = tallies[g.index(Row::Subtree(n), slot)].clone();
                    tallies[g.index(Row::Subtree(p), slot)].merge(&child);
                }
            }
        }
        for p in months..np {
            let (from, to) = g.periods[p];
            for r in 0..g.rows() {
                let mut sum = Tally::default();
                for m in from..=to {
                    sum.merge(&tallies[r * np + month_slot(m)]);
                }
                tallies[r * np + p] = sum;
            }
        }

        // Which sums a reader can form: along the tree and categories within each period, and along
        // the calendar within each row.
        let mut groups = Vec::new();
        for p in 0..np {
            let overall = g.index(Row::Overall, p);
            groups.push(Group {
                total: overall,
                members: (0..nd).map(|n| g.index(Row::Own(n), p)).collect(),
            });
            groups.push(Group {
                total: overall,
                members: (0..g.categories)
                    .map(|c| g.index(Row::Category(c), p))
                    .collect(),
            });
            groups.push(Group {
                total: overall,
                members: (0..nd)
                    .filter(|n| parent[*n].is_none())
                    .map(|n| g.index(Row::Subtree(n), p))
                    .collect(),
            });
            for n in 0..nd {
                let mut members = vec![g.index(Row::Own(n), p)];
                members.extend(
                    (0..nd)
                        .filter(|c| parent[*c] == Some(n))
                        .map(|c| g.index(Row::Subtree(c), p)),
                );
                groups.push(Group {
                    total: g.index(Row::Subtree(n), p),
                    members,
                });
            }
        }
        for r in 0..g.rows() {
            for y in first_year..=last_year {
                let quarter = |q: i32| {
                    let start = y * 12 + 3 * q;
                    r * np + g.period_index[&(start, start + 2)]
                };
                groups.push(Group {
                    total: r * np + g.period_index[&(y * 12, y * 12 + 11)],
                    members: (0..4).map(quarter).collect(),
                });
                for q in 0..4 {
                    let start = y * 12 + 3 * q;
                    groups.push(Group {
                        total: quarter(q),
                        members: (start..start + 3).map(|m| r * np + month_slot(m)).collect(),
                    });
                }
            }
        }
        let hide = |metric: fn(&Tally) -> i64| {
            let values: Vec<i64> = tallies.iter().map(metric).collect();
            suppress(&values, &groups, k)
        };
        let (received, overdue, closed) = (
            hide(|t| t.received),
            hide(|t| t.overdue),
            hide(|t| t.closed),
        );
        g.figures = tallies
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let hidden = Hidden {
                    received: received[i],
                    overdue: overdue[i],
                    closed: closed[i],
                };
                Figures::of(t, hidden, k)
            })
            .collect();
        g
    }
}
