//! Public statistics: a snapshot of tallies per (department, category, month), rebuilt in the
//! background (and when the cut-off day moves), from which each request's tables are assembled,
//! put through disclosure control, and remembered until the next snapshot.
//!
//! The snapshot lives in each instance's memory: it is derived data, rebuilt from the database by
//! every instance on its own schedule, so instances agree on everything but the moment they refresh.
use super::{Checkpoint, Service};
use crate::domain::clock::{day_start, month_index, month_label, parse_month};
use crate::domain::disclosure::{suppress, Group};
use crate::domain::statistics::{Figures, Hidden, ItemFacts, Tally};
use crate::domain::text::Problem;
use crate::domain::Span;
use crate::error::{Error, Result};
use crate::store::CatalogRows;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const PAGE: i64 = 5_000;
/// Longest range one request may ask for.
const MAX_MONTHS: i32 = 120;
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

/// Tallies per (department, category, month index), as of `cutoff`.
pub(super) struct Snapshot {
    id: u64,
    cutoff: i64,
    checkpoint: Checkpoint,
    catalog: CatalogRows,
    /// Tallies per (department, month), (category, month) and month: every table a request can ask
    /// for is a sum over a range of months of one of these.
    by_department: HashMap<(String, i32), Tally>,
    by_category: HashMap<(String, i32), Tally>,
    by_month: HashMap<i32, Tally>,
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
        let snapshot = Snapshot {
            id,
            cutoff,
            checkpoint,
            catalog,
            by_department,
            by_category,
            by_month,
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
        let last = month_index(snap.cutoff - 1, self.settings().utc_offset);
        let month = |v: &Option<String>, field: &'static str| match v.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(s) => parse_month(s)
                .map(Some)
                .ok_or_else(|| Error::field(field, Problem::Invalid)),
        };
        let to = month(&q.to, "to")?.unwrap_or(last);
        let from = month(&q.from, "from")?.unwrap_or(to - 11);
        if from > to {
            return Err(Error::field("from", Problem::Invalid));
        }
        if to - from >= MAX_MONTHS {
            return Err(Error::field(
                "to",
                Problem::OutOfRange {
                    min: 1,
                    max: MAX_MONTHS as i64,
                },
            ));
        }
        let department = match q.department.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(code) => match snap.catalog.departments.iter().find(|d| d.code == code) {
                Some(d) => Some(d.code.clone()),
                None => return Err(Error::field("department", Problem::Unknown)),
            },
        };
        let key = (from, to, department.clone());
        if let Some(r) = snap.memo.lock().expect("memo lock").get(&key) {
            return Ok(r.clone());
        }
        let report = Arc::new(self.assemble(&snap, from, to, department));
        let mut memo = snap.memo.lock().expect("memo lock");
        if memo.len() >= MEMO_LIMIT {
            memo.clear();
        }
        memo.insert(key, report.clone());
        Ok(report)
    }

    fn assemble(&self, snap: &Snapshot, from: i32, to: i32, scope: Option<String>) -> StatsReport {
        let k = self.settings().stats_k;
        let cat = &snap.catalog;
        // Departments in display order (each followed by its children). The whole tree is always
        // assembled and put through disclosure control; a department scope only selects rows of it
        // afterwards, so a scoped request can never show a cell the full table hides.
        let mut order: Vec<(usize, usize)> = Vec::new(); // (index in catalog, depth)
        let roots: Vec<usize> = (0..cat.departments.len())
            .filter(|i| {
                cat.departments[*i]
                    .parent
                    .as_deref()
                    .is_none_or(|p| !cat.departments.iter().any(|d| d.code == p))
            })
            .collect();
        let mut stack: Vec<(usize, usize)> = roots.iter().rev().map(|r| (*r, 0)).collect();
        while let Some((i, depth)) = stack.pop() {
            if order.iter().any(|(j, _)| *j == i) || depth > 32 {
                continue;
            }
            order.push((i, depth));
            for (c, d) in cat.departments.iter().enumerate().rev() {
                if d.parent.as_deref() == Some(cat.departments[i].code.as_str()) {
                    stack.push((c, depth + 1));
                }
            }
        }
        let pos: HashMap<&str, usize> = order
            .iter()
            .enumerate()
            .map(|(n, (i, _))| (cat.departments[*i].code.as_str(), n))
            .collect();

        let months: Vec<i32> = (from..=to).collect();
        let mut own = vec![Tally::default(); order.len()];
        let mut by_cat = vec![Tally::default(); cat.categories.len()];
        let mut by_month = vec![Tally::default(); months.len()];
        let mut overall = Tally::default();
        let in_range = |m: &i32| (from..=to).contains(m);
        for ((dept, month), t) in &snap.by_department {
            if let (Some(d), true) = (pos.get(dept.as_str()), in_range(month)) {
                own[*d].merge(t);
            }
        }
        for ((code, month), t) in &snap.by_category {
            let c = cat.categories.iter().position(|c| &c.code == code);
            if let (Some(c), true) = (c, in_range(month)) {
                by_cat[c].merge(t);
            }
        }
        for (month, t) in &snap.by_month {
            if in_range(month) {
                by_month[(month - from) as usize].merge(t);
                overall.merge(t);
            }
        }
        // Subtrees, deepest first so children are complete before their parent takes them in.
        let parent_pos = |n: usize| {
            cat.departments[order[n].0]
                .parent
                .as_deref()
                .and_then(|p| pos.get(p).copied())
        };
        let mut subtree = own.clone();
        for n in (0..order.len()).rev() {
            if let Some(p) = parent_pos(n) {
                let child = subtree[n].clone();
                subtree[p].merge(&child);
            }
        }

        // Disclosure control across every published count. Cells: overall, own…, subtree…,
        // categories…, months…; groups say which totals are sums of which cells.
        let nd = order.len();
        let (own_at, sub_at) = (1, 1 + nd);
        let cat_at = 1 + 2 * nd;
        let month_at = cat_at + by_cat.len();
        let mut groups = vec![
            Group {
                total: 0,
                members: (0..nd).map(|n| own_at + n).collect(),
            },
            Group {
                total: 0,
                members: (cat_at..month_at).collect(),
            },
            Group {
                total: 0,
                members: (month_at..month_at + months.len()).collect(),
            },
            Group {
                total: 0,
                members: (0..nd)
                    .filter(|n| parent_pos(*n).is_none())
                    .map(|n| sub_at + n)
                    .collect(),
            },
        ];
        for n in 0..nd {
            let mut members = vec![own_at + n];
            members.extend(
                (0..nd)
                    .filter(|c| parent_pos(*c) == Some(n))
                    .map(|c| sub_at + c),
            );
            groups.push(Group {
                total: sub_at + n,
                members,
            });
        }
        let tallies: Vec<&Tally> = std::iter::once(&overall)
            .chain(own.iter())
            .chain(subtree.iter())
            .chain(by_cat.iter())
            .chain(by_month.iter())
            .collect();
        let hide = |metric: fn(&Tally) -> i64| {
            let values: Vec<i64> = tallies.iter().map(|t| metric(t)).collect();
            suppress(&values, &groups, k)
        };
        let (received, overdue, closed) = (
            hide(|t| t.received),
            hide(|t| t.overdue),
            hide(|t| t.closed),
        );
        let figures = |i: usize| {
            let hidden = Hidden {
                received: received[i],
                overdue: overdue[i],
                closed: closed[i],
            };
            Figures::of(tallies[i], hidden, k)
        };

        // The scope: its row and the rows below it (a contiguous run of the depth-first order).
        let (rows, overall_cell) = match scope.as_deref().and_then(|c| pos.get(c).copied()) {
            Some(n0) => {
                let d0 = order[n0].1;
                let end = (n0 + 1..nd).find(|n| order[*n].1 <= d0).unwrap_or(nd);
                (n0..end, sub_at + n0)
            }
            None => (0..nd, 0),
        };
        let base_depth = order.get(rows.start).map_or(0, |o| o.1);
        let offset = self.settings().utc_offset;
        StatsReport {
            period: Period {
                from: month_label(from),
                to: month_label(to),
            },
            data_until: crate::domain::clock::rfc3339(snap.cutoff, offset),
            lag: Span(self.settings().stats_lag).to_string(),
            k,
            department: scope,
            definitions: DEFINITIONS.to_vec(),
            log_checkpoint: snap.checkpoint.clone(),
            snapshot: snap.id,
            overall: figures(overall_cell),
            departments: rows
                .map(|n| {
                    let (i, depth) = order[n];
                    let d = &cat.departments[i];
                    DepartmentStats {
                        code: d.code.clone(),
                        name: d.name.clone(),
                        name_en: d.name_en.clone(),
                        parent: d.parent.clone(),
                        depth: depth - base_depth,
                        own: figures(own_at + n),
                        subtree: figures(sub_at + n),
                    }
                })
                .collect(),
            // Deployment-wide even in a scoped request: a category or month breakdown inside one
            // department would be a slice of a department × category table that is not protected
            // as such (it could be subtracted from the deployment-wide row).
            categories: cat
                .categories
                .iter()
                .enumerate()
                .map(|(c, row)| CategoryStats {
                    code: row.code.clone(),
                    name: row.name.clone(),
                    name_en: row.name_en.clone(),
                    figures: figures(cat_at + c),
                })
                .collect(),
            months: months
                .iter()
                .enumerate()
                .map(|(m, idx)| MonthStats {
                    month: month_label(*idx),
                    figures: figures(month_at + m),
                })
                .collect(),
        }
    }
}
