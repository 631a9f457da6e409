//! What one item contributes to the public statistics as of the cut-off, and how contributions add
//! up across departments, categories and months.
use crate::domain::{Outcome, State};
use std::collections::HashMap;

/// What the statistics need of one dispatched item.
#[derive(Clone, Debug, Default)]
pub struct ItemFacts {
    pub dispatched_at: i64,
    pub acknowledge_due: Option<i64>,
    pub respond_due: Option<i64>,
    pub acknowledged_at: Option<i64>,
    pub responded_at: Option<i64>,
    pub closed_at: Option<i64>,
    /// `closed` (with `confirmed`), or one of the states that end an item without an answer
    /// (`withdrawn`, `duplicate`, `rejected`), or an open state.
    pub state: State,
    pub confirmed: Option<bool>,
    pub outcome: Option<Outcome>,
    pub satisfaction: Option<i64>,
    pub reopens: i64,
    pub transfers: i64,
}

/// Counts and hour histograms that add up across departments, categories and months.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tally {
    pub received: i64,
    /// Items whose acknowledgement deadline passed, and those acknowledged by it.
    pub ack_due: i64,
    pub ack_on_time: i64,
    pub respond_due: i64,
    pub respond_on_time: i64,
    pub closed: i64,
    pub resolved_confirmed: i64,
    pub unconfirmed: i64,
    pub reopened: i64,
    pub ratings: i64,
    pub ratings_high: i64,
    pub transferred: i64,
    pub overdue: i64,
    /// Whole hours from dispatch → how many items.
    pub ack_hours: HashMap<i64, i64>,
    pub respond_hours: HashMap<i64, i64>,
}

impl Tally {
    /// Count one item as of `cutoff`. Items dispatched at or after the cut-off are not counted.
    pub fn add(&mut self, f: &ItemFacts, cutoff: i64) {
        if f.dispatched_at >= cutoff {
            return;
        }
        let before = |t: Option<i64>| t.filter(|t| *t < cutoff);
        let acknowledged = before(f.acknowledged_at);
        let responded = before(f.responded_at);
        let closed = before(f.closed_at);
        // An item withdrawn, merged or rejected before a deadline owes nothing for that deadline.
        let ended_unanswered = matches!(
            f.state,
            State::Withdrawn | State::Duplicate | State::Rejected
        );
        let owed = |due: i64| !(ended_unanswered && closed.is_some_and(|c| c <= due));

        self.received += 1;
        self.transferred += i64::from(f.transfers > 0);
        if let Some(due) = f.acknowledge_due.filter(|d| *d < cutoff && owed(*d)) {
            self.ack_due += 1;
            self.ack_on_time += i64::from(acknowledged.is_some_and(|a| a <= due));
        }
        if let Some(due) = f.respond_due.filter(|d| *d < cutoff && owed(*d)) {
            self.respond_due += 1;
            self.respond_on_time += i64::from(responded.is_some_and(|r| r <= due));
        }
        if let Some(a) = acknowledged {
            *self
                .ack_hours
                .entry((a - f.dispatched_at) / 3600)
                .or_default() += 1;
        }
        if let Some(r) = responded {
            *self
                .respond_hours
                .entry((r - f.dispatched_at) / 3600)
                .or_default() += 1;
        }
        if closed.is_some() && f.state == State::Closed {
            self.closed += 1;
            self.reopened += i64::from(f.reopens > 0);
            match f.confirmed {
                Some(true) => {
                    self.resolved_confirmed += i64::from(f.outcome == Some(Outcome::Resolved));
                    if let Some(s) = f.satisfaction {
                        self.ratings += 1;
                        self.ratings_high += i64::from(s >= 4);
                    }
                }
                _ => self.unconfirmed += 1,
            }
        }
        // Overdue at the cut-off: still open then, and past the deadline it was working against.
        if closed.is_none() && !ended_unanswered && responded.is_none() {
            let working = if acknowledged.is_some() {
                f.respond_due
            } else {
                f.acknowledge_due
            };
            self.overdue += i64::from(working.is_some_and(|d| d < cutoff));
        }
    }

    pub fn merge(&mut self, o: &Tally) {
        self.received += o.received;
        self.ack_due += o.ack_due;
        self.ack_on_time += o.ack_on_time;
        self.respond_due += o.respond_due;
        self.respond_on_time += o.respond_on_time;
        self.closed += o.closed;
        self.resolved_confirmed += o.resolved_confirmed;
        self.unconfirmed += o.unconfirmed;
        self.reopened += o.reopened;
        self.ratings += o.ratings;
        self.ratings_high += o.ratings_high;
        self.transferred += o.transferred;
        self.overdue += o.overdue;
        for (h, n) in &o.ack_hours {
            *self.ack_hours.entry(*h).or_default() += n;
        }
        for (h, n) in &o.respond_hours {
            *self.respond_hours.entry(*h).or_default() += n;
        }
    }
}

/// Tallies per (department, month), (category, month) and month, added up one item at a time.
/// Items arrive grouped by department and category (any order still adds up right): a group's
/// months are counted in a small map and merged into the three tables when the group changes, so
/// an item costs no string key.
#[derive(Default)]
pub struct Tallies {
    pub by_department: HashMap<(String, i32), Tally>,
    pub by_category: HashMap<(String, i32), Tally>,
    pub by_month: HashMap<i32, Tally>,
    group: Option<(String, String)>,
    months: HashMap<i32, Tally>,
}

impl Tallies {
    /// Count one item of `department` and `category`, dispatched in `month`, as of `cutoff`.
    pub fn add(
        &mut self,
        department: &str,
        category: &str,
        month: i32,
        f: &ItemFacts,
        cutoff: i64,
    ) {
        let same = self
            .group
            .as_ref()
            .is_some_and(|(d, c)| d == department && c == category);
        if !same {
            self.flush();
            self.group = Some((department.to_string(), category.to_string()));
        }
        self.months.entry(month).or_default().add(f, cutoff);
    }

    /// The finished tables.
    pub fn finish(mut self) -> Tallies {
        self.flush();
        self
    }

    fn flush(&mut self) {
        let Some((department, category)) = self.group.take() else {
            return;
        };
        for (month, t) in self.months.drain() {
            let tables = [
                self.by_department
                    .entry((department.clone(), month))
                    .or_default(),
                self.by_category
                    .entry((category.clone(), month))
                    .or_default(),
            ];
            for table in tables {
                table.merge(&t);
            }
            self.by_month.entry(month).or_default().merge(&t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3600;
    const D: i64 = 86_400;

    fn item() -> ItemFacts {
        ItemFacts {
            dispatched_at: 0,
            acknowledge_due: Some(2 * D),
            respond_due: Some(15 * D),
            state: State::Assigned,
            ..ItemFacts::default()
        }
    }

    #[test]
    fn facts_after_the_cutoff_do_not_exist_yet() {
        let mut t = Tally::default();
        let mut f = item();
        f.acknowledged_at = Some(3 * D); // late, and after the cut-off
        f.state = State::Acknowledged;
        t.add(&f, 3 * D);
        assert_eq!((t.received, t.ack_due, t.ack_on_time), (1, 1, 0));
        assert!(t.ack_hours.is_empty());
        assert_eq!(
            t.overdue, 1,
            "unacknowledged at the cut-off, past its deadline"
        );
        let mut later = Tally::default();
        later.add(&f, 3 * D + 1);
        assert_eq!(later.ack_hours.get(&72), Some(&1));
        assert_eq!(later.overdue, 0, "acknowledged; answer not due yet");
        let mut none = Tally::default();
        none.add(
            &ItemFacts {
                dispatched_at: 5 * D,
                ..item()
            },
            5 * D,
        );
        assert_eq!(none.received, 0);
    }

    #[test]
    fn closures_ratings_and_withdrawals() {
        let mut t = Tally::default();
        let done = ItemFacts {
            acknowledged_at: Some(H),
            responded_at: Some(10 * H),
            closed_at: Some(2 * D),
            state: State::Closed,
            confirmed: Some(true),
            outcome: Some(Outcome::Resolved),
            satisfaction: Some(4),
            reopens: 1,
            ..item()
        };
        t.add(&done, 30 * D);
        t.add(
            &ItemFacts {
                confirmed: Some(false),
                satisfaction: None,
                reopens: 0,
                ..done.clone()
            },
            30 * D,
        );
        // Withdrawn on day 1: owed neither deadline, not overdue, not closed.
        t.add(
            &ItemFacts {
                state: State::Withdrawn,
                closed_at: Some(D),
                ..item()
            },
            30 * D,
        );
        assert_eq!(t.received, 3);
        assert_eq!((t.ack_due, t.ack_on_time), (2, 2));
        assert_eq!((t.respond_due, t.respond_on_time), (2, 2));
        assert_eq!((t.closed, t.resolved_confirmed, t.unconfirmed), (2, 1, 1));
        assert_eq!((t.ratings, t.ratings_high, t.reopened), (1, 1, 1));
        assert_eq!(t.overdue, 0);
    }

    #[test]
    fn tallies_add_up_whatever_the_order_of_groups() {
        let items = [
            ("civil", "a", 10, item()),
            ("civil", "b", 10, item()),
            (
                "civil",
                "a",
                11,
                ItemFacts {
                    acknowledged_at: Some(H),
                    ..item()
                },
            ),
            ("edu", "a", 10, item()),
            ("civil", "a", 10, item()),
        ];
        let mut t = Tallies::default();
        for (d, c, m, f) in &items {
            t.add(d, c, *m, f, 30 * D);
        }
        let t = t.finish();
        let received = |k: &(String, i32)| t.by_department[k].received;
        assert_eq!(received(&("civil".into(), 10)), 3);
        assert_eq!(received(&("civil".into(), 11)), 1);
        assert_eq!(received(&("edu".into(), 10)), 1);
        assert_eq!(t.by_category[&("a".into(), 10)].received, 3);
        assert_eq!(t.by_category[&("b".into(), 10)].received, 1);
        assert_eq!(t.by_month[&10].received, 4);
        assert_eq!(t.by_month[&11].ack_hours.get(&1), Some(&1));
        assert_eq!(
            t.by_department.len() + t.by_category.len() + t.by_month.len(),
            3 + 3 + 2
        );
    }
}
