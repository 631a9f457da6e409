//! When messages leave: at fixed slots, never because somebody acted. An hourly slot starts every
//! local hour on the hour; the daily digest's slot is one local time of day (08:30 by default).
//! Whatever became due between two slots waits for the second, so the time a message arrives says
//! nothing about when a report or a reply was written.

/// Which message a channel gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schedule {
    /// Nothing.
    Off,
    /// An hourly message when something is new, and the daily digest.
    Hourly,
    /// Only the daily digest.
    Daily,
}

impl Schedule {
    pub const ALL: [Schedule; 3] = [Schedule::Off, Schedule::Hourly, Schedule::Daily];

    pub fn as_str(self) -> &'static str {
        match self {
            Schedule::Off => "off",
            Schedule::Hourly => "hourly",
            Schedule::Daily => "daily",
        }
    }

    pub fn parse(s: &str) -> Option<Schedule> {
        Schedule::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether a channel on this schedule gets the message of `slot`.
    pub fn receives(self, slot: Slot) -> bool {
        matches!(
            (self, slot),
            (Schedule::Hourly, _) | (Schedule::Daily, Slot::Daily(_))
        )
    }
}

/// One scheduled sending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// The hourly message of the hour starting at this instant.
    Hourly(i64),
    /// The daily digest of this instant (the configured time of day).
    Daily(i64),
}

const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

impl Slot {
    pub fn at(self) -> i64 {
        match self {
            Slot::Hourly(t) | Slot::Daily(t) => t,
        }
    }

    pub fn kind(self) -> &'static str {
        match self {
            Slot::Hourly(_) => "hourly",
            Slot::Daily(_) => "daily",
        }
    }

    /// The latest hourly slot at or before `now`, in a zone `offset` seconds east of UTC (zones
    /// with half-hour offsets get their local hour too).
    pub fn hourly(now: i64, offset: i64) -> Slot {
        Slot::Hourly((now + offset).div_euclid(HOUR) * HOUR - offset)
    }

    /// The latest daily slot at or before `now`: `minute_of_day` local minutes after midnight.
    pub fn daily(now: i64, offset: i64, minute_of_day: i64) -> Slot {
        let local = now + offset;
        let mut t = local.div_euclid(DAY) * DAY + minute_of_day * 60;
        if t > local {
            t -= DAY;
        }
        Slot::Daily(t - offset)
    }

    /// The slot before this one of the same kind: what was new since then is new in this one.
    pub fn previous(self) -> i64 {
        match self {
            Slot::Hourly(t) => t - HOUR,
            Slot::Daily(t) => t - DAY,
        }
    }
}

/// Give up on a message after this many failed attempts (about seven hours of retries).
pub const MAX_ATTEMPTS: i64 = 10;

/// How long to wait after the `attempts`-th failed attempt: one minute, doubling, at most an hour.
/// None once the message is given up.
pub fn retry_after(attempts: i64) -> Option<i64> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let doubled = 60i64 << (attempts - 1).clamp(0, 6);
    Some(doubled.min(HOUR))
}

/// "08:30" → minutes after local midnight.
pub fn parse_time_of_day(s: &str) -> Result<i64, String> {
    let bad = || format!("`{s}` is not a time of day like 08:30");
    let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
    let h: i64 = h.parse().map_err(|_| bad())?;
    let m: i64 = m.parse().map_err(|_| bad())?;
    if !(0..24).contains(&h) || !(0..60).contains(&m) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

#[cfg(test)]
mod tests {
    use super::*;

    const UTC8: i64 = 8 * HOUR;
    /// 2026-11-20T02:17:00Z = 10:17 in UTC+8.
    const T: i64 = 1_795_140_000 + 17 * 60;

    #[test]
    fn hourly_slots_start_on_the_local_hour() {
        assert_eq!(Slot::hourly(T, UTC8), Slot::Hourly(1_795_140_000));
        assert_eq!(
            Slot::hourly(1_795_140_000, UTC8),
            Slot::Hourly(1_795_140_000)
        );
        // UTC+05:30: the local hour starts at :30 UTC.
        assert_eq!(Slot::hourly(T, 5 * HOUR + 1800).at() % HOUR, 1800);
    }

    #[test]
    fn the_daily_slot_is_the_last_0830_before_now() {
        // 10:17 local: today's 08:30, i.e. 00:30Z.
        assert_eq!(
            Slot::daily(T, UTC8, 510),
            Slot::Daily(1_795_140_000 - 5_400)
        );
        // 07:00 local the next morning: still yesterday's.
        let next_morning = 1_795_140_000 + 21 * HOUR;
        assert_eq!(
            Slot::daily(next_morning, UTC8, 510),
            Slot::daily(T, UTC8, 510)
        );
        assert_eq!(
            Slot::daily(next_morning + 2 * HOUR, UTC8, 510).at(),
            Slot::daily(T, UTC8, 510).at() + DAY
        );
    }

    #[test]
    fn schedules_and_retries() {
        assert!(Schedule::Hourly.receives(Slot::Hourly(0)));
        assert!(Schedule::Daily.receives(Slot::Daily(0)));
        assert!(!Schedule::Daily.receives(Slot::Hourly(0)));
        assert!(!Schedule::Off.receives(Slot::Daily(0)));
        assert_eq!(retry_after(1), Some(60));
        assert_eq!(retry_after(2), Some(120));
        assert_eq!(retry_after(9), Some(HOUR));
        assert_eq!(retry_after(MAX_ATTEMPTS), None);
        assert_eq!(parse_time_of_day("08:30"), Ok(510));
        assert!(parse_time_of_day("24:00").is_err());
        assert!(parse_time_of_day("8h").is_err());
    }
}
