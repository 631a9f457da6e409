//! Summary figures shared by the supervisor's board and the public statistics.

/// The `p`-th percentile (0 < p ≤ 100) by the nearest-rank method: the smallest value with at least
/// p% of the values at or below it. Sorts `values` in place; None when there are none.
pub fn percentile(values: &mut [i64], p: u32) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let n = values.len() as u64;
    let rank = (u64::from(p.clamp(1, 100)) * n).div_ceil(100);
    Some(values[(rank.max(1) - 1) as usize])
}

/// The `p`-th percentile by nearest rank over a histogram of (value, how many). Sorts `hist`.
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
    pub fn of(values: &mut [i64]) -> Spread {
        Spread {
            count: values.len() as i64,
            median: percentile(values, 50),
            p90: percentile(values, 90),
        }
    }
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

    #[test]
    fn nearest_rank() {
        let mut v = vec![5, 1, 4, 2, 3];
        assert_eq!(percentile(&mut v, 50), Some(3));
        assert_eq!(percentile(&mut v, 90), Some(5));
        let mut v = vec![10, 20, 30, 40];
        assert_eq!(percentile(&mut v, 50), Some(20)); // rank ceil(2.0) = 2
        assert_eq!(percentile(&mut v, 90), Some(40)); // rank ceil(3.6) = 4
        let mut one = vec![7];
        assert_eq!(percentile(&mut one, 90), Some(7));
        assert_eq!(percentile(&mut [], 50), None);
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
