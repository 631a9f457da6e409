//! The public statistics are added up by the database (`Store::tallies`); the rule for what one
//! item counts towards is the domain's `Tally::add`. Here one stored report takes several hundred
//! random shapes (states, deadlines met or missed by a second, closures before and after the
//! cut-off, ratings, zones) and each time the database's tallies must equal the rule's, on both
//! databases.
use crate::support::TestApp;
use std::collections::HashMap;
use zhiyan::domain::statistics::{ItemFacts, Tally};
use zhiyan::domain::{Outcome, State};

/// The cut-off: a local midnight in November 2026 (UTC+8).
const CUTOFF: i64 = 1_795_276_800;
const HOUR: i64 = 3600;

/// A small deterministic generator (xorshift), so a failure names a case that can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> i64 {
        (self.next() % n) as i64
    }
    fn maybe(&mut self, t: i64) -> Option<i64> {
        (self.below(4) != 0).then_some(t)
    }
}

fn sql_time(t: Option<i64>) -> String {
    t.map_or("NULL".into(), |t| t.to_string())
}

async fn same_as_the_rule(app: TestApp) {
    let (id, _) = app.submit("duplicate-inspections", "county", None).await;
    let department = app.department_of(&id).await;
    let category = "duplicate-inspections";
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for case in 0..300 {
        // Times on a 12-hour grid near the cut-off, so that "on time", "at the deadline" and
        // "one second late" all happen.
        let grid = |rng: &mut Rng, from: i64| from + 12 * HOUR * rng.below(8) + rng.below(3) - 1;
        let dispatched = CUTOFF - 12 * HOUR * rng.below(60) + rng.below(3) - 1;
        let t = grid(&mut rng, dispatched);
        let ack_due = rng.maybe(t);
        let t = grid(&mut rng, dispatched + 24 * HOUR);
        let respond_due = rng.maybe(t);
        let t = grid(&mut rng, dispatched);
        let acknowledged = rng.maybe(t);
        let t = grid(&mut rng, dispatched + 12 * HOUR);
        let responded = rng.maybe(t);
        let t = grid(&mut rng, dispatched + 24 * HOUR);
        let closed = rng.maybe(t);
        let state = State::ALL[rng.below(State::ALL.len() as u64) as usize];
        let confirmed = [None, Some(true), Some(false)][rng.below(3) as usize];
        let outcome = match rng.below(5) {
            4 => None,
            i => Some(Outcome::ALL[i as usize]),
        };
        let satisfaction = [None, Some(1), Some(3), Some(4), Some(5)][rng.below(5) as usize];
        let (reopens, transfers) = (rng.below(3), rng.below(3));
        let offset = [0, 8 * HOUR, -5 * HOUR, 14 * HOUR][rng.below(4) as usize];
        app.sql(&format!(
            "UPDATE reports SET dispatched_at = {dispatched}, acknowledge_due = {}, respond_due = {}, \
             acknowledged_at = {}, responded_at = {}, closed_at = {}, state = '{}', confirmed = {}, \
             outcome = {}, satisfaction = {}, reopens = {reopens}, transfers = {transfers} WHERE id = '{id}'",
            sql_time(ack_due),
            sql_time(respond_due),
            sql_time(acknowledged),
            sql_time(responded),
            sql_time(closed),
            state.as_str(),
            confirmed.map_or("NULL".into(), |c| c.to_string().to_uppercase()),
            outcome.map_or("NULL".into(), |o| format!("'{}'", o.as_str())),
            sql_time(satisfaction),
        ))
        .await;
        let facts = ItemFacts {
            dispatched_at: dispatched,
            acknowledge_due: ack_due,
            respond_due,
            acknowledged_at: acknowledged,
            responded_at: responded,
            closed_at: closed,
            state,
            confirmed,
            outcome,
            satisfaction,
            reopens,
            transfers,
        };
        let got = app.store.tallies(CUTOFF, offset).await.unwrap();
        let mut expected = Tally::default();
        expected.add(&facts, CUTOFF);
        if dispatched >= CUTOFF {
            assert!(got.by_month.is_empty(), "case {case}: {facts:?}");
            continue;
        }
        let month = zhiyan::domain::clock::month_index(dispatched, offset);
        let one = |t: Tally| HashMap::from([(month, t)]);
        assert_eq!(
            got.by_month,
            one(expected.clone()),
            "case {case}: {facts:?}"
        );
        assert_eq!(
            got.by_department,
            HashMap::from([((department.clone(), month), expected.clone())]),
            "case {case}"
        );
        assert_eq!(
            got.by_category,
            HashMap::from([((category.to_string(), month), expected)]),
            "case {case}"
        );
    }
}
both_backends!(database_tallies_follow_the_domain_rule, same_as_the_rule);
