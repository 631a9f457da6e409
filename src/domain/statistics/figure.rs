//! The published figures: which there are, what each means, and how a tally becomes them under the
//! k threshold.
use super::tally::Tally;
use crate::domain::percentiles::{ratio, Spread};
use serde::ser::{Serialize, SerializeMap, Serializer};
use std::collections::HashMap;
use std::ops::Index;

/// A public figure, in the order the JSON, the CSV and the page list them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Measure {
    Received,
    ResponseRate,
    OnTimeAnswerRate,
    ResolutionRate,
    SatisfactionRate,
    MedianHoursToAcknowledge,
    P90HoursToAcknowledge,
    MedianHoursToRespond,
    P90HoursToRespond,
    ReopenRate,
    TransferRate,
    OverdueNow,
    Closed,
    UnconfirmedShare,
}

impl Measure {
    /// In declaration order, so that `m as usize` is `m`'s place in this list.
    pub const ALL: [Measure; 14] = [
        Measure::Received,
        Measure::ResponseRate,
        Measure::OnTimeAnswerRate,
        Measure::ResolutionRate,
        Measure::SatisfactionRate,
        Measure::MedianHoursToAcknowledge,
        Measure::P90HoursToAcknowledge,
        Measure::MedianHoursToRespond,
        Measure::P90HoursToRespond,
        Measure::ReopenRate,
        Measure::TransferRate,
        Measure::OverdueNow,
        Measure::Closed,
        Measure::UnconfirmedShare,
    ];

    /// The key of the figure in the JSON, the CSV and the page's catalogs.
    pub fn name(self) -> &'static str {
        match self {
            Measure::Received => "received",
            Measure::ResponseRate => "response_rate",
            Measure::OnTimeAnswerRate => "on_time_answer_rate",
            Measure::ResolutionRate => "resolution_rate",
            Measure::SatisfactionRate => "satisfaction_rate",
            Measure::MedianHoursToAcknowledge => "median_hours_to_acknowledge",
            Measure::P90HoursToAcknowledge => "p90_hours_to_acknowledge",
            Measure::MedianHoursToRespond => "median_hours_to_respond",
            Measure::P90HoursToRespond => "p90_hours_to_respond",
            Measure::ReopenRate => "reopen_rate",
            Measure::TransferRate => "transfer_rate",
            Measure::OverdueNow => "overdue_now",
            Measure::Closed => "closed",
            Measure::UnconfirmedShare => "unconfirmed_share",
        }
    }

    /// The definition of DESIGN.md, stated with every output.
    pub fn definition(self) -> &'static str {
        match self {
            Measure::Received => "items dispatched to a department in the period (by month of dispatch)",
            Measure::ResponseRate => "items acknowledged within the acknowledgement deadline ÷ items whose acknowledgement deadline has passed",
            Measure::OnTimeAnswerRate => "items answered within the response deadline ÷ items whose response deadline has passed",
            Measure::ResolutionRate => "items closed with the reporter confirming the outcome \"resolved\" ÷ items closed",
            Measure::SatisfactionRate => "ratings of 4 or 5 ÷ ratings",
            Measure::MedianHoursToAcknowledge => "median whole hours from dispatch to acknowledgement (nearest rank)",
            Measure::P90HoursToAcknowledge => "90th percentile of whole hours from dispatch to acknowledgement (nearest rank)",
            Measure::MedianHoursToRespond => "median whole hours from dispatch to the answer (nearest rank)",
            Measure::P90HoursToRespond => "90th percentile of whole hours from dispatch to the answer (nearest rank)",
            Measure::ReopenRate => "closed items the reporter reopened at least once ÷ items closed",
            Measure::TransferRate => "items transferred to another department at least once ÷ items received",
            Measure::OverdueNow => "items open at the end of the data, past the deadline they were working against",
            Measure::Closed => "items closed (confirmed by the reporter or closed unconfirmed)",
            Measure::UnconfirmedShare => "items closed without the reporter's confirmation ÷ items closed",
        }
    }
}

impl Serialize for Measure {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// One published number: its value, or nothing and `suppressed` when showing it could single
/// someone out.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Figure {
    pub value: Option<f64>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub suppressed: bool,
}

impl Figure {
    fn shown(v: f64) -> Figure {
        Figure {
            value: Some(v),
            suppressed: false,
        }
    }
    pub const SUPPRESSED: Figure = Figure {
        value: None,
        suppressed: true,
    };
    /// A rate, shown only when its base reaches k.
    fn rate(part: i64, base: i64, k: i64) -> Figure {
        match ratio(part, base) {
            Some(r) if base >= k => Figure::shown((r * 10_000.0).round() / 10_000.0),
            _ => Figure::SUPPRESSED,
        }
    }
    /// Median and 90th percentile in whole hours, shown only when computed from at least k items.
    fn hours(hist: &HashMap<i64, i64>, k: i64) -> [Figure; 2] {
        let mut h: Vec<(i64, i64)> = hist.iter().map(|(a, b)| (*a, *b)).collect();
        let s = Spread::of_histogram(&mut h);
        [s.median, s.p90].map(|v| match v {
            Some(v) if s.count >= k => Figure::shown(v as f64),
            _ => Figure::SUPPRESSED,
        })
    }
    /// A count, unless disclosure control hid it.
    pub fn count(v: i64, hidden: bool) -> Figure {
        if hidden {
            Figure::SUPPRESSED
        } else {
            Figure::shown(v as f64)
        }
    }
}

/// Which counts of a scope disclosure control hid (decided across the whole table).
#[derive(Clone, Copy, Debug, Default)]
pub struct Hidden {
    pub received: bool,
    pub overdue: bool,
    pub closed: bool,
}

/// The published figures of one scope (a department, a category, a month, or everything).
#[derive(Clone, Debug, PartialEq)]
pub struct Figures([Figure; Measure::ALL.len()]);

impl Figures {
    pub fn of(t: &Tally, hidden: Hidden, k: i64) -> Figures {
        let [median_ack, p90_ack] = Figure::hours(&t.ack_hours, k);
        let [median_respond, p90_respond] = Figure::hours(&t.respond_hours, k);
        Figures(Measure::ALL.map(|m| match m {
            Measure::Received => Figure::count(t.received, hidden.received),
            Measure::ResponseRate => Figure::rate(t.ack_on_time, t.ack_due, k),
            Measure::OnTimeAnswerRate => Figure::rate(t.respond_on_time, t.respond_due, k),
            Measure::ResolutionRate => Figure::rate(t.resolved_confirmed, t.closed, k),
            Measure::SatisfactionRate => Figure::rate(t.ratings_high, t.ratings, k),
            Measure::MedianHoursToAcknowledge => median_ack,
            Measure::P90HoursToAcknowledge => p90_ack,
            Measure::MedianHoursToRespond => median_respond,
            Measure::P90HoursToRespond => p90_respond,
            Measure::ReopenRate => Figure::rate(t.reopened, t.closed, k),
            Measure::TransferRate => Figure::rate(t.transferred, t.received, k),
            Measure::OverdueNow => Figure::count(t.overdue, hidden.overdue),
            Measure::Closed => Figure::count(t.closed, hidden.closed),
            Measure::UnconfirmedShare => Figure::rate(t.unconfirmed, t.closed, k),
        }))
    }

    /// Each figure with its measure, in `Measure::ALL` order.
    pub fn iter(&self) -> impl Iterator<Item = (Measure, Figure)> + '_ {
        Measure::ALL.into_iter().zip(self.0.iter().copied())
    }
}

impl Index<Measure> for Figures {
    type Output = Figure;
    fn index(&self, m: Measure) -> &Figure {
        &self.0[m as usize]
    }
}

/// An object keyed by figure name, in `Measure::ALL` order: the shape the published JSON has always
/// had.
impl Serialize for Figures {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (m, f) in self.iter() {
            map.serialize_entry(m.name(), &f)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn all_is_in_declaration_order() {
        for (i, m) in Measure::ALL.into_iter().enumerate() {
            assert_eq!(m as usize, i, "{m:?}");
        }
    }

    #[test]
    fn every_figure_is_named_and_explained_in_both_catalogs() {
        let names: BTreeSet<&str> = Measure::ALL.iter().map(|m| m.name()).collect();
        for (lang, text) in [
            ("zh-CN", include_str!("../../../templates/i18n/zh-CN.toml")),
            ("en", include_str!("../../../templates/i18n/en.toml")),
        ] {
            let catalog: toml::Table = toml::from_str(text).unwrap();
            for section in ["figures", "meanings"] {
                let table = catalog["stats"][section].as_table().unwrap();
                let keys: BTreeSet<&str> = table.keys().map(String::as_str).collect();
                assert_eq!(keys, names, "{lang} [stats.{section}]");
                assert!(
                    table
                        .values()
                        .all(|v| v.as_str().is_some_and(|s| !s.is_empty())),
                    "{lang} [stats.{section}] has an empty entry"
                );
            }
        }
    }

    #[test]
    fn serializes_as_an_object_in_publication_order() {
        let mut t = Tally {
            received: 7,
            ..Tally::default()
        };
        t.ack_due = 7;
        t.ack_on_time = 7;
        let json = serde_json::to_string(&Figures::of(&t, Hidden::default(), 5)).unwrap();
        assert!(
            json.starts_with(r#"{"received":{"value":7.0},"response_rate":{"value":1.0},"on_time_answer_rate":{"value":null,"suppressed":true},"#),
            "{json}"
        );
        let places: Vec<usize> = Measure::ALL
            .iter()
            .map(|m| json.find(&format!("\"{}\":", m.name())).unwrap())
            .collect();
        assert!(places.windows(2).all(|w| w[0] < w[1]), "{json}");
    }

    #[test]
    fn small_bases_are_suppressed() {
        // Four items, each acknowledged an hour after dispatch and on time.
        let t = Tally {
            received: 4,
            ack_due: 4,
            ack_on_time: 4,
            ack_hours: HashMap::from([(1, 4)]),
            ..Tally::default()
        };
        let f = Figures::of(&t, Hidden::default(), 5);
        assert_eq!(f[Measure::ResponseRate], Figure::SUPPRESSED);
        assert_eq!(f[Measure::MedianHoursToAcknowledge], Figure::SUPPRESSED);
        let f = Figures::of(&t, Hidden::default(), 4);
        assert_eq!(f[Measure::ResponseRate].value, Some(1.0));
        assert_eq!(f[Measure::MedianHoursToAcknowledge].value, Some(1.0));
    }
}
