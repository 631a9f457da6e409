//! Failed-attempt limiting without keeping addresses: the client address is reduced to an HMAC under a
//! random key that is replaced every window, so neither memory nor logs ever hold an address, and
//! old entries cannot be linked to new ones. State is per instance (see SECURITY.md).
use ring::hmac;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug)]
pub struct Policy {
    /// Failures allowed per address per window.
    pub max_failures: u32,
    pub window: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_failures: 20,
            window: Duration::from_secs(15 * 60),
        }
    }
}

pub struct RateLimiter {
    policy: Policy,
    inner: Mutex<Window>,
}

struct Window {
    key: hmac::Key,
    started: Instant,
    failures: HashMap<[u8; 16], u32>,
}

impl Window {
    fn fresh() -> Window {
        Window {
            key: hmac::Key::new(hmac::HMAC_SHA256, &crate::crypto::random_bytes::<32>()),
            started: Instant::now(),
            failures: HashMap::new(),
        }
    }
}

/// The bucket of a request: a keyed hash of its address, or one shared bucket when there is none.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub Option<IpAddr>);

impl RateLimiter {
    pub fn new(policy: Policy) -> RateLimiter {
        RateLimiter {
            policy,
            inner: Mutex::new(Window::fresh()),
        }
    }

    /// Run `f` on the address's failure count and the time left in the window.
    fn with_bucket<T>(&self, addr: ClientAddr, f: impl FnOnce(&mut u32, Duration) -> T) -> T {
        let mut w = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if w.started.elapsed() >= self.policy.window {
            *w = Window::fresh();
        }
        let left = self.policy.window.saturating_sub(w.started.elapsed());
        let ip = addr.0.map(|ip| ip.to_string()).unwrap_or_default();
        let mut id = [0u8; 16];
        id.copy_from_slice(&hmac::sign(&w.key, ip.as_bytes()).as_ref()[..16]);
        f(w.failures.entry(id).or_insert(0), left)
    }

    /// True while the address may still try.
    pub fn allowed(&self, addr: ClientAddr) -> bool {
        self.wait(addr).is_none()
    }

    /// Whole seconds until the address may try again, or None while it may.
    pub fn wait(&self, addr: ClientAddr) -> Option<i64> {
        self.with_bucket(addr, |n, left| {
            (*n >= self.policy.max_failures).then(|| left.as_secs_f64().ceil().max(1.0) as i64)
        })
    }

    pub fn failed(&self, addr: ClientAddr) {
        self.with_bucket(addr, |n, _| *n = n.saturating_add(1));
    }
}

/// Run a credential check under the limiter: refused while the address is over its limit, and a
/// wrong receipt, password, second factor or setup code counts against it.
pub async fn limited<T>(
    limiter: &RateLimiter,
    addr: ClientAddr,
    check: impl std::future::Future<Output = crate::service::Result<T>>,
) -> crate::web::error::Result<T> {
    use crate::service::Error as S;
    if let Some(retry_after) = limiter.wait(addr) {
        return Err(crate::web::error::Error::RateLimited { retry_after });
    }
    let result = check.await;
    if matches!(
        result,
        Err(S::InvalidReceipt
            | S::InvalidCredentials
            | S::TotpRequired
            | S::TotpReused
            | S::InvalidSetupCode)
    ) {
        limiter.failed(addr);
    }
    Ok(result?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_allowed_failures() {
        let l = RateLimiter::new(Policy {
            max_failures: 2,
            window: Duration::from_secs(60),
        });
        let a = ClientAddr(Some("192.0.2.1".parse().unwrap()));
        let b = ClientAddr(Some("192.0.2.2".parse().unwrap()));
        assert!(l.allowed(a));
        l.failed(a);
        l.failed(a);
        assert!(!l.allowed(a));
        assert!((1..=60).contains(&l.wait(a).unwrap()));
        assert!(l.allowed(b));
    }
}
