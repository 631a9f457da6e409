//! How failed sign-ins slow guessing down without locking anyone out: a growing delay per username
//! (never a permanent lock) and a budget of failures for the whole service per window (so a flood
//! from many addresses cannot keep the password hasher busy). Times are unix seconds from the caller.

/// The per-username delay: a few free failures, then a wait that doubles with each further failure
/// up to a cap; forgotten after a quiet spell.
#[derive(Clone, Copy, Debug)]
pub struct BackoffPolicy {
    /// Failures without any wait (typos).
    pub free: u32,
    /// The first wait, in seconds; each further failure doubles it.
    pub first: i64,
    /// The longest wait, in seconds.
    pub cap: i64,
    /// Seconds without a failure after which the count starts again.
    pub forget_after: i64,
}

impl Default for BackoffPolicy {
    fn default() -> Self {
        BackoffPolicy {
            free: 5,
            first: 1,
            cap: 15 * 60,
            forget_after: 3600,
        }
    }
}

/// Failures of one username (or of one username from clients it has signed in from before).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Backoff {
    failures: u32,
    last: i64,
}

impl Backoff {
    /// Seconds until the next attempt may be checked, or None when it may be checked now.
    pub fn wait(&self, policy: &BackoffPolicy, now: i64) -> Option<i64> {
        if self.forgotten(policy, now) || self.failures < policy.free {
            return None;
        }
        let doublings = (self.failures - policy.free).min(32);
        let delay = policy
            .first
            .saturating_mul(1i64 << doublings)
            .min(policy.cap);
        let until = self.last.saturating_add(delay);
        (now < until).then_some(until - now)
    }

    pub fn failed(&mut self, policy: &BackoffPolicy, now: i64) {
        if self.forgotten(policy, now) {
            self.failures = 0;
        }
        self.failures = self.failures.saturating_add(1);
        self.last = now;
    }

    /// Nothing to remember any more: the entry can be dropped.
    pub fn forgotten(&self, policy: &BackoffPolicy, now: i64) -> bool {
        now.saturating_sub(self.last) >= policy.forget_after
    }
}

/// The service-wide budget of failed sign-ins per window.
#[derive(Clone, Copy, Debug)]
pub struct BudgetPolicy {
    pub max_failures: u32,
    /// Window length in seconds.
    pub window: i64,
}

impl Default for BudgetPolicy {
    fn default() -> Self {
        BudgetPolicy {
            max_failures: 60,
            window: 60,
        }
    }
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Budget {
    started: i64,
    spent: u32,
}

impl Budget {
    fn roll(&mut self, policy: &BudgetPolicy, now: i64) {
        if now.saturating_sub(self.started) >= policy.window || now < self.started {
            self.started = now - now.rem_euclid(policy.window.max(1));
            self.spent = 0;
        }
    }

    /// Seconds until the budget has room again, or None when it has room now.
    pub fn wait(&mut self, policy: &BudgetPolicy, now: i64) -> Option<i64> {
        self.roll(policy, now);
        (self.spent >= policy.max_failures).then(|| (self.started + policy.window - now).max(1))
    }

    pub fn spend(&mut self, policy: &BudgetPolicy, now: i64) {
        self.roll(policy, now);
        self.spent = self.spent.saturating_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_grows_and_is_capped_never_a_lock() {
        let p = BackoffPolicy::default();
        let mut b = Backoff::default();
        let t = 1_000_000;
        for _ in 0..5 {
            assert_eq!(b.wait(&p, t), None);
            b.failed(&p, t);
        }
        assert_eq!(b.wait(&p, t), Some(1));
        b.failed(&p, t + 1);
        assert_eq!(b.wait(&p, t + 1), Some(2));
        assert_eq!(b.wait(&p, t + 3), None);
        for _ in 0..40 {
            b.failed(&p, t + 3);
        }
        assert_eq!(b.wait(&p, t + 3), Some(900));
        assert_eq!(b.wait(&p, t + 903), None);
        // An hour of quiet and the count starts again.
        assert!(b.forgotten(&p, t + 3 + 3600));
        b.failed(&p, t + 3 + 3600);
        assert_eq!(b.wait(&p, t + 3 + 3600), None);
    }

    #[test]
    fn the_budget_refills_each_window() {
        let p = BudgetPolicy {
            max_failures: 3,
            window: 60,
        };
        let mut b = Budget::default();
        let t = 6_000_010;
        for _ in 0..3 {
            assert_eq!(b.wait(&p, t), None);
            b.spend(&p, t);
        }
        assert_eq!(b.wait(&p, t), Some(50));
        assert_eq!(b.wait(&p, t + 49), Some(1));
        assert_eq!(b.wait(&p, t + 50), None);
    }
}
