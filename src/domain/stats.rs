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

/// Median and 90th percentile of durations in seconds.
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
    fn ratios() {
        assert_eq!(ratio(1, 4), Some(0.25));
        assert_eq!(ratio(0, 0), None);
    }
}
