//! Durations as written in configuration and organisation files: a whole number followed by exactly
//! one unit, `s` (seconds), `m` (minutes), `h` (hours) or `d` (days). Examples: `90s`, `15m`, `2h`,
//! `3d`, `0s`.

use std::fmt;
use std::str::FromStr;

const MINUTE: i64 = 60;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
/// Longest accepted span: 100 years of 365.25 days.
const MAX_SECONDS: i64 = 36_525 * DAY;

const ACCEPTED_FORM: &str =
    "expected a whole number followed by one unit s, m, h or d (for example 90s, 15m, 2h, 3d)";

/// A span of whole seconds, as written in config and org files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span(pub i64); // seconds

impl Span {
    /// Parse `90s`, `15m`, `2h`, `3d` (also `0s`). Surrounding whitespace is ignored. The error
    /// message names the bad text and the accepted form.
    pub fn parse(s: &str) -> Result<Span, String> {
        let text = s.trim();
        if text.is_empty() {
            return Err(format!("empty duration: {ACCEPTED_FORM}"));
        }
        if text.starts_with('-') {
            return Err(format!(
                "invalid duration {s:?}: a duration cannot be negative; {ACCEPTED_FORM}"
            ));
        }
        let digits_end = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (digits, unit) = text.split_at(digits_end);
        if digits.is_empty() {
            return Err(format!(
                "invalid duration {s:?}: it does not start with a number; {ACCEPTED_FORM}"
            ));
        }
        let per_unit = match unit {
            "s" => 1,
            "m" => MINUTE,
            "h" => HOUR,
            "d" => DAY,
            "" => {
                return Err(format!(
                    "invalid duration {s:?}: the unit is missing; {ACCEPTED_FORM}"
                ))
            }
            other => {
                return Err(format!(
                    "invalid duration {s:?}: unknown unit {other:?}; {ACCEPTED_FORM}"
                ))
            }
        };
        let too_long = || {
            format!(
                "invalid duration {s:?}: longer than the maximum of 100 years ({}d)",
                MAX_SECONDS / DAY
            )
        };
        let count: i64 = digits.parse().map_err(|_| too_long())?;
        let seconds = count.checked_mul(per_unit).ok_or_else(too_long)?;
        if seconds > MAX_SECONDS {
            return Err(too_long());
        }
        Ok(Span(seconds))
    }

    /// The span in seconds.
    pub fn seconds(self) -> i64 {
        self.0
    }

    /// The span written with the largest unit that divides it evenly: 172800 -> `2d`, 90 -> `90s`,
    /// 0 -> `0s`. `Span::parse(&span.to_text()) == Ok(span)` for every span that `parse` accepts.
    pub fn to_text(self) -> String {
        let s = self.0;
        if s == 0 {
            return "0s".to_string();
        }
        for (per_unit, unit) in [(DAY, 'd'), (HOUR, 'h'), (MINUTE, 'm')] {
            if s % per_unit == 0 {
                return format!("{}{unit}", s / per_unit);
            }
        }
        format!("{s}s")
    }
}

impl FromStr for Span {
    type Err = String;

    fn from_str(s: &str) -> Result<Span, String> {
        Span::parse(s)
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_unit() {
        assert_eq!(Span::parse("90s"), Ok(Span(90)));
        assert_eq!(Span::parse("15m"), Ok(Span(900)));
        assert_eq!(Span::parse("2h"), Ok(Span(7200)));
        assert_eq!(Span::parse("3d"), Ok(Span(259_200)));
        assert_eq!(Span::parse("0s"), Ok(Span(0)));
        assert_eq!(Span::parse(" 30m "), Ok(Span(1800)));
        assert_eq!("1d".parse::<Span>(), Ok(Span(86_400)));
    }

    #[test]
    fn seconds_accessor() {
        assert_eq!(Span(42).seconds(), 42);
        assert_eq!(Span::default().seconds(), 0);
    }

    #[test]
    fn to_text_uses_largest_even_unit() {
        assert_eq!(Span(172_800).to_text(), "2d");
        assert_eq!(Span(90).to_text(), "90s");
        assert_eq!(Span(0).to_text(), "0s");
        assert_eq!(Span(7200).to_text(), "2h");
        assert_eq!(Span(5400).to_text(), "90m");
        assert_eq!(Span(90_000).to_text(), "25h");
        assert_eq!(Span(1800).to_string(), "30m");
    }

    #[test]
    fn text_round_trips() {
        for text in [
            "0s", "1s", "59s", "61s", "1m", "90m", "1h", "25h", "1d", "36525d",
        ] {
            let span = Span::parse(text).unwrap();
            assert_eq!(span.to_text(), text);
            assert_eq!(Span::parse(&span.to_text()), Ok(span));
        }
    }

    fn err(text: &str) -> String {
        Span::parse(text).unwrap_err()
    }

    #[test]
    fn rejects_empty() {
        assert!(err("").contains("empty"));
        assert!(err("   ").contains("empty"));
    }

    #[test]
    fn rejects_negative() {
        let e = err("-5m");
        assert!(e.contains("\"-5m\"") && e.contains("negative"), "{e}");
    }

    #[test]
    fn rejects_missing_unit() {
        let e = err("90");
        assert!(e.contains("\"90\"") && e.contains("unit is missing"), "{e}");
        assert!(e.contains("90s, 15m, 2h, 3d"), "{e}");
    }

    #[test]
    fn rejects_unknown_or_extra_unit() {
        for text in ["3w", "2H", "1h30m", "5 m", "5ms", "1.5h"] {
            let e = err(text);
            assert!(e.contains(&format!("{text:?}")), "{e}");
            assert!(e.contains("unknown unit"), "{e}");
        }
    }

    #[test]
    fn rejects_missing_number() {
        for text in ["h", "+3h", "d3"] {
            let e = err(text);
            assert!(e.contains("does not start with a number"), "{e}");
        }
    }

    #[test]
    fn rejects_more_than_a_hundred_years() {
        assert!(Span::parse("36525d").is_ok());
        assert!(err("36526d").contains("100 years"));
        assert!(err("99999999999999999999s").contains("100 years"));
        assert!(err("9223372036854775807d").contains("100 years"));
    }
}
