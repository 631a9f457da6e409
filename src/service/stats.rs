//! Public statistics: a snapshot of tallies per (department, category, month), rebuilt in the
//! background (and when the cut-off day moves), from which each request's tables are assembled,
//! put through disclosure control, and remembered until the next snapshot.
//!
//! The snapshot lives in each instance's memory: it is derived data, rebuilt from the database by
//! every instance on its own schedule, so instances agree on everything but the moment they refresh.
use super::catalog::department_tree;
use super::error::{Error, Result};
use super::{Checkpoint, Service};
use crate::domain::clock::{day_start, month_index, month_label, parse_month};
use crate::domain::retaliation;
use crate::domain::statistics::{Figure, Figures, Grid, Measure, Row, Tallies};
use crate::domain::text::Field;
use crate::domain::text::Problem;
use crate::domain::Span;
use crate::store::CatalogRows;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

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
    /// The public checkpoint of the audit log when this snapshot was built (signed on a schedule,
    /// as at `/api/v1/log/head`).
    pub log_checkpoint: Checkpoint,
    /// Retaliation reports received in each quarter of the period: a total only, shown from k on.
    pub retaliation_reports: Vec<QuarterTotal>,
    /// Which snapshot this report came from: outputs rendered from it may be reused until it changes.
    #[serde(skip)]
    pub snapshot: u64,
    pub overall: Figures,
    pub departments: Vec<DepartmentStats>,
    pub categories: Vec<CategoryStats>,
    pub months: Vec<MonthStats>,
}

#[derive(Clone, Debug, Serialize)]
pub struct QuarterTotal {
    /// "2026-Q4".
    pub quarter: String,
    pub reports: Figure,
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

/// A request's months (from, to) and department scope.
type ReportKey = (i32, i32, Option<String>);

/// The public figures as of `cutoff`, with the organisation they were computed for.
pub(super) struct Snapshot {
    id: u64,
    cutoff: i64,
    checkpoint: Checkpoint,
    catalog: CatalogRows,
    /// Retaliation reports received per quarter (month index / 3).
    retaliation: HashMap<i32, i64>,
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
        let checkpoint = self.published_checkpoint().await?;
        let offset = self.settings().utc_offset;
        let mut tallies = Tallies::default();
        self.store()
            .each_fact(cutoff, |department, category, facts| {
                let month = month_index(facts.dispatched_at, offset);
                tallies.add(department, category, month, facts, cutoff);
            })
            .await?;
        let tallies = tallies.finish();
        let id = 1 + self
            .inner
            .stats
            .built
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let last_month = month_index(cutoff - 1, offset);
        let categories: Vec<&str> = catalog.categories.iter().map(|c| c.code.as_str()).collect();
        let grid = Grid::build(
            &department_tree(&catalog),
            &categories,
            &tallies.by_department,
            &tallies.by_category,
            &tallies.by_month,
            last_month,
            self.settings().stats_k,
        );
        let mut retaliation: HashMap<i32, i64> = HashMap::new();
        for day in self.store().retaliation_days(cutoff).await? {
            *retaliation
                .entry(month_index(day, offset).div_euclid(3))
                .or_default() += 1;
        }
        let snapshot = Snapshot {
            retaliation,
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
        let month = |v: &Option<String>, field: Field| match v.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(s) => parse_month(s)
                .map(Some)
                .ok_or_else(|| Error::field(field, Problem::Invalid)),
        };
        let (from, to) = (month(&q.from, Field::From)?, month(&q.to, Field::To)?);
        let year = |m: i32| (m.div_euclid(12) * 12, m.div_euclid(12) * 12 + 11);
        // Default: the calendar year of the cut-off; one end alone: that month.
        let (from, to) = match (from, to) {
            (None, None) => year(month_index(snap.cutoff - 1, self.settings().utc_offset)),
            (Some(f), None) => (f, f),
            (None, Some(t)) => (t, t),
            (Some(f), Some(t)) => (f, t),
        };
        if from > to {
            return Err(Error::field(Field::From, Problem::Invalid));
        }
        let Some(period) = snap.grid.period(from, to) else {
            let field = if from % 3 == 0 {
                Field::To
            } else {
                Field::From
            };
            return Err(Error::field(field, Problem::NotAPeriod));
        };
        let department = match q.department.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(code) => match snap.grid.row_of(code) {
                Some(_) => Some(code.to_string()),
                None => return Err(Error::field(Field::Department, Problem::Unknown)),
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
        let (from, to) = g.months(period);
        let (rows, total) = g.scope(scope.as_deref());
        let order = g.departments();
        let base_depth = order.get(rows.start).map_or(0, |o| o.1);
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
            definitions: Measure::ALL
                .iter()
                .map(|m| Definition {
                    figure: m.name(),
                    meaning: m.definition(),
                })
                .collect(),
            log_checkpoint: snap.checkpoint.clone(),
            retaliation_reports: (from.div_euclid(3)..=to.div_euclid(3))
                .map(|q| QuarterTotal {
                    quarter: format!("{}-Q{}", q.div_euclid(4), q.rem_euclid(4) + 1),
                    reports: retaliation::quarterly_total(
                        snap.retaliation.get(&q).copied().unwrap_or(0),
                        self.settings().stats_k,
                    ),
                })
                .collect(),
            snapshot: snap.id,
            overall: g.cell(total, period).clone(),
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
            months: g
                .months_of(period)
                .map(|(m, alone)| MonthStats {
                    month: month_label(m),
                    figures: g.cell(Row::Overall, alone).clone(),
                })
                .collect(),
        }
    }
}
