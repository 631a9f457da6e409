//! Disclosure control for published counts: primary suppression (no count below k) and
//! complementary suppression, so that no suppressed count can be recovered by subtracting the
//! shown parts of a table from its shown total.
//!
//! Counts are cells; a group says "this total is the sum of these members". Every table the public
//! sees is described by groups (departments → overall, children → parent's subtree, categories →
//! overall, months → overall). A count from 1 to k − 1 is suppressed; zero is shown (it points to
//! nobody, and hiding it would hide whole tables for nothing). Then, until nothing changes:
//! - a group whose total is shown and whose suppressed members add up to less than k (or number only
//!   one) gets its smallest shown non-zero member suppressed too; with none left, its total;
//! - a group whose total is suppressed but whose members are all shown (so the total could be
//!   recomputed) gets its smallest non-zero member suppressed.

/// A group: `total` is the sum of `members` (indexes into the cell list).
#[derive(Clone, Debug)]
pub struct Group {
    pub total: usize,
    pub members: Vec<usize>,
}

/// Which cells must not be shown. `values[i]` is cell i's count.
pub fn suppress(values: &[i64], groups: &[Group], k: i64) -> Vec<bool> {
    let mut hidden: Vec<bool> = values.iter().map(|v| *v > 0 && *v < k).collect();
    // Each pass suppresses at least one more cell or stops; there are finitely many cells.
    for _ in 0..=values.len() {
        let mut changed = false;
        for g in groups {
            let shown_min = g
                .members
                .iter()
                .copied()
                .filter(|m| !hidden[*m] && values[*m] > 0)
                .min_by_key(|m| (values[*m], *m));
            let hidden_members: Vec<usize> =
                g.members.iter().copied().filter(|m| hidden[*m]).collect();
            if !hidden[g.total] {
                let sum: i64 = hidden_members.iter().map(|m| values[*m]).sum();
                if !hidden_members.is_empty() && (hidden_members.len() == 1 || sum < k) {
                    match shown_min {
                        Some(m) => hidden[m] = true,
                        None => hidden[g.total] = true,
                    }
                    changed = true;
                }
            } else if hidden_members.is_empty() {
                if let Some(m) = shown_min {
                    hidden[m] = true;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    hidden
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every suppressed cell must be unrecoverable: no group lets it be solved for alone.
    fn assert_safe(values: &[i64], groups: &[Group], hidden: &[bool], k: i64) {
        for (i, v) in values.iter().enumerate() {
            if *v > 0 && *v < k {
                assert!(hidden[i], "cell {i} ({v}) is below k and shown");
            }
        }
        for g in groups {
            let unknown: Vec<usize> = std::iter::once(g.total)
                .chain(g.members.iter().copied())
                .filter(|c| hidden[*c])
                .collect();
            assert_ne!(
                unknown.len(),
                1,
                "group {g:?} has exactly one hidden cell: it can be recomputed"
            );
        }
    }

    #[test]
    fn one_small_cell_takes_a_second_with_it() {
        // overall = 0, departments 1..=3
        let values = [24, 3, 9, 12];
        let groups = [Group {
            total: 0,
            members: vec![1, 2, 3],
        }];
        let hidden = suppress(&values, &groups, 5);
        assert_eq!(hidden, [false, true, true, false]);
        assert_safe(&values, &groups, &hidden, 5);
    }

    #[test]
    fn two_small_cells_that_add_below_k_take_a_third() {
        let values = [22, 1, 2, 9, 10];
        let groups = [Group {
            total: 0,
            members: vec![1, 2, 3, 4],
        }];
        let hidden = suppress(&values, &groups, 5);
        assert_eq!(hidden, [false, true, true, true, false]);
        assert_safe(&values, &groups, &hidden, 5);
    }

    #[test]
    fn nothing_small_nothing_hidden() {
        let values = [15, 5, 10];
        let groups = [Group {
            total: 0,
            members: vec![1, 2],
        }];
        assert_eq!(suppress(&values, &groups, 5), [false, false, false]);
    }

    #[test]
    fn hierarchy_propagates() {
        // overall(0) = own root(1) + subtree A(2) + subtree B(3); subtree A(2) = own A(4) + child C(5)
        let values = [30, 6, 13, 11, 10, 3];
        let groups = [
            Group {
                total: 0,
                members: vec![1, 2, 3],
            },
            Group {
                total: 2,
                members: vec![4, 5],
            },
        ];
        let hidden = suppress(&values, &groups, 5);
        assert!(hidden[5] && hidden[4]);
        assert_safe(&values, &groups, &hidden, 5);
    }

    #[test]
    fn zeros_are_shown_and_never_serve_as_the_second_cell() {
        let values = [13, 0, 3, 10];
        let groups = [Group {
            total: 0,
            members: vec![1, 2, 3],
        }];
        let hidden = suppress(&values, &groups, 5);
        assert_eq!(hidden, [false, false, true, true]);
        assert_safe(&values, &groups, &hidden, 5);
    }

    #[test]
    fn a_small_total_hides_its_only_member() {
        let values = [3, 3];
        let groups = [Group {
            total: 0,
            members: vec![1],
        }];
        assert_eq!(suppress(&values, &groups, 5), [true, true]);
    }
}
