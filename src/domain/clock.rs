//! Time as unix seconds from an injectable clock, so tests move time instead of sleeping.
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

pub trait Clock: Send + Sync + 'static {
    /// Seconds since the unix epoch, UTC.
    fn now(&self) -> i64;
}

#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        time::OffsetDateTime::now_utc().unix_timestamp()
    }
}

/// A clock that only moves when told to. Cloning shares the same time.
#[derive(Clone, Debug)]
pub struct FixedClock(Arc<AtomicI64>);

impl FixedClock {
    pub fn at(t: i64) -> Self {
        Self(Arc::new(AtomicI64::new(t)))
    }
    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
    pub fn set(&self, t: i64) {
        self.0.store(t, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Start of the local calendar day containing `t`, for a zone `offset` seconds east of UTC.
/// Reporter-originated times are stored only at this granularity.
pub fn day_start(t: i64, offset: i64) -> i64 {
    (t + offset).div_euclid(86_400) * 86_400 - offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_start_respects_offset() {
        // 2026-11-20T23:30:00Z is 2026-11-21 07:30 in UTC+8, whose day starts at 2026-11-20T16:00:00Z.
        let t = 1_795_217_400; // 2026-11-20T23:30:00Z
        assert_eq!(day_start(t, 8 * 3600), 1_795_190_400);
        assert_eq!(day_start(t, 0), 1_795_132_800);
        assert_eq!(day_start(1_795_190_400, 8 * 3600), 1_795_190_400);
    }
}

/// RFC 3339 with the zone's offset, to the second (staff actions, deadlines).
pub fn rfc3339(t: i64, offset: i64) -> String {
    let (odt, _) = local(t, offset);
    odt.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

/// The local calendar date, YYYY-MM-DD (everything a reporter did is shown only this precisely).
pub fn date(t: i64, offset: i64) -> String {
    let (odt, _) = local(t, offset);
    let d = odt.date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Local date and minute, for pages: "2026-11-21 14:03".
pub fn minute(t: i64, offset: i64) -> String {
    let (odt, _) = local(t, offset);
    format!("{} {:02}:{:02}", date(t, offset), odt.hour(), odt.minute())
}

fn local(t: i64, offset: i64) -> (time::OffsetDateTime, time::UtcOffset) {
    let off = time::UtcOffset::from_whole_seconds(offset as i32).unwrap_or(time::UtcOffset::UTC);
    let odt = time::OffsetDateTime::from_unix_timestamp(t)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(off);
    (odt, off)
}

#[cfg(test)]
mod format_tests {
    use super::*;

    #[test]
    fn formats_in_the_zone() {
        let t = 1_795_217_400; // 2026-11-20T23:30:00Z
        assert_eq!(rfc3339(t, 8 * 3600), "2026-11-21T07:30:00+08:00");
        assert_eq!(date(t, 8 * 3600), "2026-11-21");
        assert_eq!(date(t, 0), "2026-11-20");
        assert_eq!(minute(t, 8 * 3600), "2026-11-21 07:30");
    }
}

/// Months as one number (year × 12 + month − 1), so ranges are plain integer ranges.
pub fn month_index(t: i64, offset: i64) -> i32 {
    let (odt, _) = local(t, offset);
    odt.year() * 12 + i32::from(u8::from(odt.month())) - 1
}

/// "2026-11" for a month index.
pub fn month_label(index: i32) -> String {
    format!(
        "{:04}-{:02}",
        index.div_euclid(12),
        index.rem_euclid(12) + 1
    )
}

/// "2026-11" → month index; None unless it is exactly YYYY-MM with a real month.
pub fn parse_month(s: &str) -> Option<i32> {
    let (y, m) = s.trim().split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    let (y, m): (i32, i32) = (y.parse().ok()?, m.parse().ok()?);
    ((1..=12).contains(&m) && y >= 1970).then_some(y * 12 + m - 1)
}

#[cfg(test)]
mod month_tests {
    use super::*;

    #[test]
    fn months_round_trip_and_respect_the_zone() {
        // 2026-11-30T17:00:00Z is already December 1st in UTC+8.
        let t = 1_796_058_000;
        assert_eq!(month_label(month_index(t, 0)), "2026-11");
        assert_eq!(month_label(month_index(t, 8 * 3600)), "2026-12");
        assert_eq!(parse_month("2026-12"), Some(month_index(t, 8 * 3600)));
        for bad in ["2026-13", "2026-1", "26-01", "2026/01", "", "abcd-ef"] {
            assert_eq!(parse_month(bad), None, "{bad}");
        }
    }
}
