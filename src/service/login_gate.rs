//! The sign-in gate in front of the password check: the per-username backoff and the service-wide
//! budget of failures (rules in `domain::backoff`), kept in this instance's memory.
//!
//! Why memory and not the database: a database write per failed attempt would let a flood of
//! failures occupy the one writer that reports need, which is what this gate is there to prevent.
//! The cost is that with several instances an attacker gets each instance's allowance; the delays
//! stay short either way, and the second factor, not the delay, is what stops a guessed password.
//!
//! Clients an account has signed in from before (they hold its device proof) are counted apart
//! from everyone else, and the budget applies only to the others: a flood of failures against a
//! username, from any number of addresses, never delays its owner on their usual browser.
use crate::domain::backoff::{Backoff, BackoffPolicy, Budget, BudgetPolicy};
use ring::hmac;
use std::collections::HashMap;
use std::sync::Mutex;

/// Usernames remembered per lane; past this, only failures still causing a delay are kept.
const MAX_ENTRIES: usize = 100_000;

/// Whether the attempt comes with the account's device proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Client {
    Known,
    Unknown,
}

pub(super) struct LoginGate {
    backoff: BackoffPolicy,
    budget: BudgetPolicy,
    /// Usernames are remembered as keyed hashes, like addresses: memory holds no list of names tried.
    key: hmac::Key,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    known: HashMap<[u8; 16], Backoff>,
    unknown: HashMap<[u8; 16], Backoff>,
    budget: Budget,
}

impl State {
    fn lane(&mut self, client: Client) -> &mut HashMap<[u8; 16], Backoff> {
        match client {
            Client::Known => &mut self.known,
            Client::Unknown => &mut self.unknown,
        }
    }
}

impl LoginGate {
    pub(super) fn new(backoff: BackoffPolicy, budget: BudgetPolicy) -> LoginGate {
        LoginGate {
            backoff,
            budget,
            key: hmac::Key::new(hmac::HMAC_SHA256, &crate::crypto::random_bytes::<32>()),
            state: Mutex::new(State::default()),
        }
    }

    fn id(&self, username: &str) -> [u8; 16] {
        let mut id = [0u8; 16];
        id.copy_from_slice(&hmac::sign(&self.key, username.as_bytes()).as_ref()[..16]);
        id
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether an attempt for `username` may be checked at `now`; Err is the wait in seconds.
    pub(super) fn check(&self, username: &str, client: Client, now: i64) -> Result<(), i64> {
        let id = self.id(username);
        let mut s = self.state();
        let own = s
            .lane(client)
            .get(&id)
            .and_then(|b| b.wait(&self.backoff, now));
        let budget = match client {
            Client::Known => None,
            Client::Unknown => s.budget.wait(&self.budget, now),
        };
        match own.max(budget) {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    pub(super) fn failed(&self, username: &str, client: Client, now: i64) {
        let id = self.id(username);
        let policy = self.backoff;
        let mut s = self.state();
        if client == Client::Unknown {
            s.budget.spend(&self.budget, now);
        }
        let lane = s.lane(client);
        if lane.len() >= MAX_ENTRIES && !lane.contains_key(&id) {
            lane.retain(|_, b| b.wait(&policy, now).is_some());
            if lane.len() >= MAX_ENTRIES {
                return;
            }
        }
        lane.entry(id).or_default().failed(&policy, now);
    }

    pub(super) fn succeeded(&self, username: &str, client: Client) {
        let id = self.id(username);
        self.state().lane(client).remove(&id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(budget: u32) -> LoginGate {
        LoginGate::new(
            BackoffPolicy::default(),
            BudgetPolicy {
                max_failures: budget,
                window: 60,
            },
        )
    }

    #[test]
    fn failures_of_others_never_delay_a_known_client() {
        let g = gate(1000);
        let t = 1_000_020;
        for _ in 0..30 {
            g.failed("desk", Client::Unknown, t);
        }
        assert!(g.check("desk", Client::Unknown, t).is_err());
        assert_eq!(g.check("desk", Client::Known, t), Ok(()));
        assert_eq!(g.check("other", Client::Unknown, t), Ok(()));
    }

    #[test]
    fn the_budget_stops_unknown_clients_only() {
        let g = gate(3);
        let t = 1_000_040;
        for name in ["a", "b", "c"] {
            g.failed(name, Client::Unknown, t);
        }
        assert_eq!(g.check("d", Client::Unknown, t), Err(40));
        assert_eq!(g.check("d", Client::Known, t), Ok(()));
        assert_eq!(g.check("d", Client::Unknown, t + 40), Ok(()));
    }

    #[test]
    fn success_clears_the_lane() {
        let g = gate(1000);
        for _ in 0..6 {
            g.failed("desk", Client::Known, 10);
        }
        assert!(g.check("desk", Client::Known, 10).is_err());
        g.succeeded("desk", Client::Known);
        assert_eq!(g.check("desk", Client::Known, 10), Ok(()));
    }
}
