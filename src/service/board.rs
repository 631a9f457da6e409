//! The supervisor's board: for each department of the supervisor's subtree, what is open, what is
//! late and how fast it answered over the last 30 days.
use super::catalog::oversight_tree;
use super::error::{Error, Result};
use super::{Role, Service, StaffUser};
use crate::domain::percentiles::{ratio, Spread};
use crate::domain::State;
use crate::store::Milestone;
use serde::Serialize;
use std::collections::HashMap;

/// The window of the board's time figures.
pub const BOARD_WINDOW: i64 = 30 * 86_400;

#[derive(Clone, Debug, Default, Serialize)]
pub struct BoardRow {
    pub department: String,
    /// Depth below the supervisor's own department (0 for it), for indenting.
    pub depth: usize,
    pub open: i64,
    pub overdue: i64,
    pub escalated: i64,
    pub transfer_requests: i64,
    pub triage: i64,
    /// Whole hours (rounded down) from dispatch to acknowledgement and to response, over the window.
    pub hours_to_acknowledge: Spread,
    pub hours_to_respond: Spread,
    /// Closures in the window, the share reopened at least once, and the share never confirmed.
    pub closed: i64,
    pub reopen_rate: Option<f64>,
    pub unconfirmed_share: Option<f64>,
}

/// Open items about one area, as staff may see areas (no narrower than `--area-k` cadres).
#[derive(Clone, Debug, Default, Serialize)]
pub struct AreaRow {
    pub area: String,
    pub open: i64,
    pub overdue: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Board {
    /// The supervisor's department: the root of what the board covers.
    pub root: String,
    /// Start of the 30-day window (RFC 3339).
    pub since: String,
    /// Every department of the subtree, parents first.
    pub departments: Vec<BoardRow>,
    /// The whole subtree taken together (its percentiles are over all of its items, not averaged).
    pub total: BoardRow,
    /// The subtree's open items by area, most first.
    pub areas: Vec<AreaRow>,
    /// Notifications to channels in the subtree that failed and are not delivered yet, or were
    /// given up: a desk that is not told cannot answer.
    pub undelivered: Vec<super::UndeliveredView>,
}

#[derive(Default)]
struct Tally {
    row: BoardRow,
    ack: Vec<(i64, i64)>,
    respond: Vec<(i64, i64)>,
    reopened: i64,
    unconfirmed: i64,
}

impl Tally {
    fn finish(mut self) -> BoardRow {
        self.row.hours_to_acknowledge = Spread::of_histogram(&mut self.ack);
        self.row.hours_to_respond = Spread::of_histogram(&mut self.respond);
        self.row.reopen_rate = ratio(self.reopened, self.row.closed);
        self.row.unconfirmed_share = ratio(self.unconfirmed, self.row.closed);
        self.row
    }
}

impl Service {
    pub async fn board(&self, user: &StaffUser) -> Result<Board> {
        user.require(Role::Supervisor)?;
        let root = user.department.clone().ok_or(Error::Forbidden)?;
        self.release_due().await?;
        let now = self.now();
        let since = now - BOARD_WINDOW;
        let catalog = self.organisation().await?;
        // Each department of the subtree followed by its children.
        let tree = oversight_tree(&catalog);
        let roots: Vec<usize> = tree.index_of(&root).into_iter().collect();
        let order: Vec<(String, usize)> = tree
            .display_order_from(&roots)
            .into_iter()
            .map(|(i, depth)| (tree.code(i).to_string(), depth))
            .collect();
        let mut tallies: HashMap<String, Tally> = HashMap::new();
        for (code, depth) in &order {
            let mut t = Tally::default();
            t.row.department = code.clone();
            t.row.depth = *depth;
            tallies.insert(code.clone(), t);
        }
        let mut total = Tally::default();
        total.row.department = root.clone();

        // Four independent reads, each on its own pooled connection (WAL readers do not block).
        let store = self.store();
        let (open, acknowledged, responded, closures, by_area) = tokio::try_join!(
            store.open_counts(now),
            store.durations(Milestone::Acknowledged, since),
            store.durations(Milestone::Responded, since),
            store.closures(since),
            store.open_by_area(now),
        )?;
        let coarse = self.coarsening(&catalog);
        let mut areas: HashMap<String, AreaRow> = HashMap::new();
        for c in by_area
            .into_iter()
            .filter(|c| tallies.contains_key(&c.department))
        {
            let shown = coarse.shown(&c.area).to_string();
            let row = areas.entry(shown.clone()).or_insert_with(|| AreaRow {
                area: shown,
                ..AreaRow::default()
            });
            row.open += c.items;
            row.overdue += c.overdue;
        }
        let mut areas: Vec<AreaRow> = areas.into_values().collect();
        areas.sort_by(|a, b| b.open.cmp(&a.open).then_with(|| a.area.cmp(&b.area)));
        for c in open {
            let Some(t) = tallies.get_mut(&c.department) else {
                continue;
            };
            let state = c.state;
            for r in [&mut t.row, &mut total.row] {
                r.open += c.items;
                r.overdue += c.overdue;
                r.escalated += c.escalated;
                match state {
                    State::TransferRequested => r.transfer_requests += c.items,
                    State::Triage => r.triage += c.items,
                    _ => {}
                }
            }
        }
        for (histogram, is_ack) in [(acknowledged, true), (responded, false)] {
            for (dept, hours, items) in histogram {
                if let Some(t) = tallies.get_mut(&dept) {
                    let pick = |t: &mut Tally| {
                        if is_ack {
                            t.ack.push((hours, items))
                        } else {
                            t.respond.push((hours, items))
                        }
                    };
                    pick(t);
                    pick(&mut total);
                }
            }
        }
        for c in closures {
            if let Some(t) = tallies.get_mut(&c.department) {
                for t in [t, &mut total] {
                    t.row.closed += c.closed;
                    t.reopened += c.reopened;
                    t.unconfirmed += c.unconfirmed;
                }
            }
        }
        let departments = order
            .iter()
            .filter_map(|(code, _)| tallies.remove(code))
            .map(Tally::finish)
            .collect();
        Ok(Board {
            root,
            since: self.fmt_time(since),
            departments,
            total: total.finish(),
            areas,
            undelivered: self.undelivered(user).await?,
        })
    }
}
