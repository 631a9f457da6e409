//! Summary figures shared by the supervisor's board and the public statistics.

/// The `p`-th percentile (0 < p ≤ 100) by the nearest-rank method, over a histogram of (value, how
/// many): the smallest value with at least p% of the values at or below it. Sorts `hist`; None when
/// it counts nothing.
pub fn percentile_of_histogram(hist: &mut [(i64, i64)], p: u32) -> Option<i64> {
    hist.sort_unstable();
    let n: i64 = hist.iter().map(|(_, c)| c.max(&0)).sum();
    if n == 0 {
        return None;
    }
    let rank = (i64::from(p.clamp(1, 100)) * n + 99) / 100;
    let mut seen = 0;
    for (value, count) in hist.iter() {
        seen += count.max(&0);
        if seen >= rank {
            return Some(*value);
        }
    }
    None
}

/// Median and 90th percentile of a set of durations, with how many there are.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Spread {
    pub count: i64,
    pub median: Option<i64>,
    pub p90: Option<i64>,
}

impl Spread {
    pub fn of_histogram(hist: &mut [(i64, i64)]) -> Spread {
        Spread {
            count: hist.iter().map(|(_, c)| c.max(&0)).sum(),
            median: percentile_of_histogram(hist, 50),
            p90: percentile_of_histogram(hist, 90),
        }
    }
}

/// `part / whole`, None when nothing to divide.
pub fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The textbook nearest-rank percentile over plain values: the reference the histogram version
    /// is checked against.
    fn percentile(values: &mut [i64], p: u32) -> Option<i64> {
        if values.is_empty() {
            return None;
        }
        values.sort_unstable();
        let rank = (u64::from(p.clamp(1, 100)) * values.len() as u64).div_ceil(100);
        Some(values[(rank.max(1) - 1) as usize])
    }

    fn ones(values: &[i64]) -> Vec<(i64, i64)> {
        values.iter().map(|v| (*v, 1)).collect()
    }

    #[test]
    fn nearest_rank() {
        let mut v = ones(&[5, 1, 4, 2, 3]);
        assert_eq!(percentile_of_histogram(&mut v, 50), Some(3));
        assert_eq!(percentile_of_histogram(&mut v, 90), Some(5));
        let mut v = ones(&[10, 20, 30, 40]);
        assert_eq!(percentile_of_histogram(&mut v, 50), Some(20)); // rank ceil(2.0) = 2
        assert_eq!(percentile_of_histogram(&mut v, 90), Some(40)); // rank ceil(3.6) = 4
        assert_eq!(percentile_of_histogram(&mut ones(&[7]), 90), Some(7));
        assert_eq!(
            Spread::of_histogram(&mut ones(&[5, 1, 4, 2, 3])),
            Spread {
                count: 5,
                median: Some(3),
                p90: Some(5)
            }
        );
    }

    #[test]
    fn histogram_matches_the_plain_percentile() {
        let mut plain = vec![1, 2, 2, 2, 5, 9, 9, 30];
        let mut hist = vec![(9, 2), (2, 3), (30, 1), (1, 1), (5, 1)];
        for p in [1, 10, 50, 75, 90, 100] {
            assert_eq!(
                percentile_of_histogram(&mut hist, p),
                percentile(&mut plain, p),
                "p{p}"
            );
        }
        assert_eq!(percentile_of_histogram(&mut [], 50), None);
        assert_eq!(percentile_of_histogram(&mut [(3, 0)], 50), None);
    }

    #[test]
    fn ratios() {
        assert_eq!(ratio(1, 4), Some(0.25));
        assert_eq!(ratio(0, 0), None);
    }
}
