//! The protected grid: every figure the public may be shown, for every department, category and
//! period, decided together so that no two answers can be combined to reveal a hidden count.
use super::disclosure::{suppress, Group};
use super::figure::{Figures, Hidden};
use super::tally::Tally;
use crate::domain::tree::Tree;
use std::collections::HashMap;
use std::ops::{Range, RangeInclusive};

/// A row of the grid. Departments are numbered by their place in the display order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Row {
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
pub struct Grid {
    periods: Vec<(i32, i32)>,
    period_index: HashMap<(i32, i32), usize>,
    /// Departments in display order: (entry in the department tree, depth).
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
    pub fn cell(&self, r: Row, period: usize) -> &Figures {
        &self.figures[self.index(r, period)]
    }
    /// A department's place in the display order; None when the grid does not show it.
    pub fn row_of(&self, department: &str) -> Option<usize> {
        self.position.get(department).copied()
    }
    /// Departments in display order: (entry in the department tree, depth).
    pub fn departments(&self) -> &[(usize, usize)] {
        &self.order
    }
    /// The period running from month `from` to month `to`, if it is one of the grid's.
    pub fn period(&self, from: i32, to: i32) -> Option<usize> {
        self.period_index.get(&(from, to)).copied()
    }
    /// The first and last month of a period.
    pub fn months(&self, period: usize) -> (i32, i32) {
        self.periods[period]
    }
    /// Each month of a period, with the period that is that month alone.
    pub fn months_of(&self, period: usize) -> impl Iterator<Item = (i32, usize)> + '_ {
        let (from, to) = self.periods[period];
        (from..=to).map(|m| (m, self.period_index[&(m, m)]))
    }

    /// The departments a request covers and the row of their total: a department and the ones below
    /// it (a contiguous run of the display order), or, without one, all of them and the overall row.
    pub fn scope(&self, department: Option<&str>) -> (Range<usize>, Row) {
        let nd = self.order.len();
        match department.and_then(|c| self.row_of(c)) {
            Some(n0) => {
                let d0 = self.order[n0].1;
                let end = (n0 + 1..nd).find(|n| self.order[*n].1 <= d0).unwrap_or(nd);
                (n0..end, Row::Subtree(n0))
            }
            None => (0..nd, Row::Overall),
        }
    }

    /// `categories` are the category codes in catalog order (rows `Row::Category(i)`); tallies of
    /// codes not in the tree or the list, or of months outside the grid, are left out.
    pub fn build(
        departments: &Tree,
        categories: &[&str],
        by_department: &HashMap<(String, i32), Tally>,
        by_category: &HashMap<(String, i32), Tally>,
        by_month: &HashMap<i32, Tally>,
        last_month: i32,
        k: i64,
    ) -> Grid {
        // Calendar: whole years from the first with data (at most 20 back) to the cut-off's.
        let last_year = last_month.div_euclid(12);
        let first_year = by_month
            .keys()
            .map(|m| m.div_euclid(12))
            .min()
            .unwrap_or(last_year)
            .clamp(last_year - 19, last_year);
        let years = first_year..=last_year;
        let periods = calendar(years.clone());
        let period_index = periods.iter().enumerate().map(|(i, p)| (*p, i)).collect();

        // Departments, each followed by its children.
        let order = departments.display_order();
        let position: HashMap<String, usize> = order
            .iter()
            .enumerate()
            .map(|(n, (i, _))| (departments.code(*i).to_string(), n))
            .collect();
        let parent: Vec<Option<usize>> = order
            .iter()
            .map(|(i, _)| {
                departments
                    .parent_entry(*i)
                    .and_then(|p| position.get(departments.code(p)).copied())
            })
            .collect();

        let mut g = Grid {
            periods,
            period_index,
            order,
            position,
            categories: categories.len(),
            figures: Vec::new(),
        };
        let mut tallies = vec![Tally::default(); g.rows() * g.periods.len()];
        let in_grid = |m: &i32| g.period(*m, *m).is_some();
        for ((code, m), t) in by_department {
            if let (Some(n), true) = (g.row_of(code), in_grid(m)) {
                tallies[g.index(Row::Own(n), g.month_slot(*m))].merge(t);
            }
        }
        for ((code, m), t) in by_category {
            let c = categories.iter().position(|c| c == code);
            if let (Some(c), true) = (c, in_grid(m)) {
                tallies[g.index(Row::Category(c), g.month_slot(*m))].merge(t);
            }
        }
        for (m, t) in by_month {
            if in_grid(m) {
                tallies[g.index(Row::Overall, g.month_slot(*m))].merge(t);
            }
        }
        g.add_up(&mut tallies, &parent);
        let groups = g.groups(&parent, years);
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

    /// The months come first among the periods, in order.
    fn month_slot(&self, month: i32) -> usize {
        (month - self.periods[0].0) as usize
    }

    /// From the month tallies of each row: subtrees (deepest first), then quarters and years.
    fn add_up(&self, tallies: &mut [Tally], parent: &[Option<usize>]) {
        let np = self.periods.len();
        let nd = self.order.len();
        let months = self
            .periods
            .iter()
            .take_while(|(from, to)| from == to)
            .count();
        for slot in 0..months {
            for n in 0..nd {
                let own = tallies[self.index(Row::Own(n), slot)].clone();
                tallies[self.index(Row::Subtree(n), slot)] = own;
            }
            for n in (0..nd).rev() {
                if let Some(p) = parent[n] {
                    let child = tallies[self.index(Row::Subtree(n), slot)].clone();
                    tallies[self.index(Row::Subtree(p), slot)].merge(&child);
                }
            }
        }
        for p in months..np {
            let (from, to) = self.periods[p];
            for r in 0..self.rows() {
                let mut sum = Tally::default();
                for m in from..=to {
                    sum.merge(&tallies[r * np + self.month_slot(m)]);
                }
                tallies[r * np + p] = sum;
            }
        }
    }

    /// Which sums a reader can form: along the tree and categories within each period, and along
    /// the calendar within each row.
    fn groups(&self, parent: &[Option<usize>], years: RangeInclusive<i32>) -> Vec<Group> {
        let np = self.periods.len();
        let nd = self.order.len();
        let mut groups = Vec::new();
        for p in 0..np {
            let overall = self.index(Row::Overall, p);
            groups.push(Group {
                total: overall,
                members: (0..nd).map(|n| self.index(Row::Own(n), p)).collect(),
            });
            groups.push(Group {
                total: overall,
                members: (0..self.categories)
                    .map(|c| self.index(Row::Category(c), p))
                    .collect(),
            });
            groups.push(Group {
                total: overall,
                members: (0..nd)
                    .filter(|n| parent[*n].is_none())
                    .map(|n| self.index(Row::Subtree(n), p))
                    .collect(),
            });
            for n in 0..nd {
                let mut members = vec![self.index(Row::Own(n), p)];
                members.extend(
                    (0..nd)
                        .filter(|c| parent[*c] == Some(n))
                        .map(|c| self.index(Row::Subtree(c), p)),
                );
                groups.push(Group {
                    total: self.index(Row::Subtree(n), p),
                    members,
                });
            }
        }
        for r in 0..self.rows() {
            for y in years.clone() {
                let quarter = |q: i32| {
                    let start = y * 12 + 3 * q;
                    r * np + self.period_index[&(start, start + 2)]
                };
                groups.push(Group {
                    total: r * np + self.period_index[&(y * 12, y * 12 + 11)],
                    members: (0..4).map(quarter).collect(),
                });
                for q in 0..4 {
                    let start = y * 12 + 3 * q;
                    groups.push(Group {
                        total: quarter(q),
                        members: (start..start + 3)
                            .map(|m| r * np + self.month_slot(m))
                            .collect(),
                    });
                }
            }
        }
        groups
    }
}

/// Every month of `years`, then each year's four quarters followed by the year itself.
fn calendar(years: RangeInclusive<i32>) -> Vec<(i32, i32)> {
    let months = (*years.start() * 12..(*years.end() + 1) * 12).map(|m| (m, m));
    let mut periods: Vec<(i32, i32)> = months.collect();
    for y in years {
        for q in 0..4 {
            periods.push((y * 12 + 3 * q, y * 12 + 3 * q + 2));
        }
        periods.push((y * 12, y * 12 + 11));
    }
    periods
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::statistics::Measure;

    const NOV: i32 = 2026 * 12 + 10;
    const OCT: i32 = NOV - 1;

    fn received(n: i64) -> Tally {
        Tally {
            received: n,
            ..Tally::default()
        }
    }

    /// county ← {agri ← station, civil}, listed out of order.
    fn tree() -> Tree {
        Tree::new([
            ("station", Some("agri")),
            ("county", None),
            ("civil", Some("county")),
            ("agri", Some("county")),
        ])
    }

    fn grid(by_department: &[(&str, i32, i64)], k: i64) -> Grid {
        let mut by_month: HashMap<i32, Tally> = HashMap::new();
        let mut by_dept = HashMap::new();
        for (code, m, n) in by_department {
            by_dept.insert((code.to_string(), *m), received(*n));
            by_month.entry(*m).or_default().merge(&received(*n));
        }
        let by_category = HashMap::from([(("paper".to_string(), NOV), received(1))]);
        Grid::build(
            &tree(),
            &["paper"],
            &by_dept,
            &by_category,
            &by_month,
            NOV,
            k,
        )
    }

    fn count(g: &Grid, row: Row, period: usize) -> Option<f64> {
        g.cell(row, period)[Measure::Received].value
    }

    #[test]
    fn departments_in_display_order_and_scopes_as_runs() {
        let g = grid(&[], 5);
        let t = tree();
        let codes: Vec<(&str, usize)> = g
            .departments()
            .iter()
            .map(|(i, d)| (t.code(*i), *d))
            .collect();
        assert_eq!(
            codes,
            [("county", 0), ("civil", 1), ("agri", 1), ("station", 2)]
        );
        assert_eq!(g.scope(None), (0..4, Row::Overall));
        assert_eq!(g.scope(Some("agri")), (2..4, Row::Subtree(2)));
        assert_eq!(g.scope(Some("civil")), (1..2, Row::Subtree(1)));
        assert_eq!(g.scope(Some("gone")), (0..4, Row::Overall));
    }

    #[test]
    fn periods_are_the_months_quarters_and_years_up_to_the_cutoff_year() {
        let g = grid(&[("civil", 2025 * 12 + 3, 9)], 5);
        assert_eq!(g.period(2025 * 12, 2025 * 12), Some(0));
        assert!(g.period(2024 * 12, 2024 * 12 + 11).is_none());
        let year = g.period(2026 * 12, 2026 * 12 + 11).unwrap();
        assert_eq!(g.months(year), (2026 * 12, 2026 * 12 + 11));
        let q4 = g.period(OCT, NOV + 1).unwrap();
        let months: Vec<i32> = g.months_of(q4).map(|(m, _)| m).collect();
        assert_eq!(months, [OCT, NOV, NOV + 1]);
        assert!(g.months_of(q4).all(|(m, p)| g.months(p) == (m, m)));
        assert!(g.period(NOV, NOV + 2).is_none(), "not a calendar quarter");
    }

    #[test]
    fn subtrees_and_the_calendar_add_up() {
        // k = 1: nothing to hide, every sum in sight.
        let g = grid(
            &[("station", NOV, 6), ("civil", NOV, 7), ("civil", OCT, 8)],
            1,
        );
        let nov = g.period(NOV, NOV).unwrap();
        let q4 = g.period(OCT, NOV + 1).unwrap();
        assert_eq!(count(&g, Row::Own(3), nov), Some(6.0));
        assert_eq!(count(&g, Row::Own(2), nov), Some(0.0));
        assert_eq!(count(&g, Row::Subtree(2), nov), Some(6.0));
        assert_eq!(count(&g, Row::Subtree(0), nov), Some(13.0));
        assert_eq!(count(&g, Row::Overall, nov), Some(13.0));
        assert_eq!(count(&g, Row::Subtree(1), q4), Some(15.0));
        assert_eq!(count(&g, Row::Overall, q4), Some(21.0));
    }

    #[test]
    fn a_small_count_is_hidden_with_what_would_give_it_away() {
        let g = grid(
            &[("station", NOV, 10), ("civil", NOV, 2), ("civil", OCT, 9)],
            5,
        );
        let hidden = |row: Row, period: usize| g.cell(row, period)[Measure::Received].suppressed;
        let nov = g.period(NOV, NOV).unwrap();
        assert!(hidden(Row::Own(1), nov));
        // Neither the departments' November counts nor civil's months of the quarter may leave it
        // the only unknown of a sum that is shown.
        let others = (0..4).filter(|n| *n != 1 && hidden(Row::Own(*n), nov));
        assert!(hidden(Row::Overall, nov) || others.count() > 0);
        let q4 = g.period(OCT, NOV + 1).unwrap();
        let unknown = g
            .months_of(q4)
            .filter(|(_, p)| hidden(Row::Own(1), *p))
            .count();
        assert!(hidden(Row::Own(1), q4) || unknown > 1);
    }

    #[test]
    fn tallies_of_unknown_codes_and_months_outside_are_left_out() {
        let g = grid(&[("gone", NOV, 9), ("civil", 2000 * 12, 9)], 1);
        let year = g.period(2026 * 12, 2026 * 12 + 11).unwrap();
        assert_eq!(count(&g, Row::Subtree(0), year), Some(0.0));
        assert_eq!(count(&g, Row::Category(0), year), Some(1.0));
        assert!(g.period(2000 * 12, 2000 * 12).is_none());
    }
}
