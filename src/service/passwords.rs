//! Passwords: argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane), hashed and verified on a
//! pool of its own so that sign-ins never take the cores that public pages and submissions need.
//!
//! The pool is at most cores − 1 dedicated threads (one on a one-core machine), each at a lowered
//! scheduling priority (nice +10 on Linux), fed from two bounded queues: the priority lane for
//! sign-ins from clients the account has signed in from before and for hashing a new password, the
//! normal lane for everything else. A full normal lane refuses at once instead of queueing without
//! end, so a flood of sign-ins costs at most the pool's threads, never the runtime's.
use super::error::{Error, Result};
use crate::crypto::random_bytes;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, OnceLock};

/// How much nicer than the rest of the process the hashing threads run.
const NICENESS: i32 = 10;
/// Sign-ins waiting in the normal lane before more are refused.
const NORMAL_QUEUE: usize = 64;

fn argon() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hash a password here and now, on the calling thread (one of the pool's).
fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::encode_b64(&random_bytes::<16>())
        .map_err(|e| Error::internal(anyhow::anyhow!(e)))?;
    argon()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::internal(anyhow::anyhow!(e)))
}

fn verify_now(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            argon()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Which queue a job waits in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Lane {
    Priority,
    Normal,
}

type Job = Box<dyn FnOnce() + Send>;

#[derive(Default)]
struct Lanes {
    priority: VecDeque<Job>,
    normal: VecDeque<Job>,
    closed: bool,
}

struct Queue {
    lanes: Mutex<Lanes>,
    ready: Condvar,
}

/// The hashing threads and their queues. Dropping it lets the threads finish what is queued and end.
pub(super) struct Passwords {
    queue: Arc<Queue>,
    dummy: OnceLock<String>,
}

/// The normal lane is full: try again in a moment.
#[derive(Debug)]
pub(super) struct Busy;

impl Passwords {
    /// At most cores − 1 workers, never fewer than one.
    pub(super) fn default_workers() -> usize {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        cores.saturating_sub(1).max(1)
    }

    pub(super) fn new(workers: usize) -> Passwords {
        let workers = workers.max(1);
        let queue = Arc::new(Queue {
            lanes: Mutex::new(Lanes::default()),
            ready: Condvar::new(),
        });
        for i in 0..workers {
            let queue = queue.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("zhiyan-argon2-{i}"))
                .spawn(move || work(&queue));
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a password hashing thread");
            }
        }
        Passwords {
            queue,
            dummy: OnceLock::new(),
        }
    }

    /// Queue `f` for a hashing thread now; its answer arrives on the receiver.
    fn submit<T: Send + 'static>(
        &self,
        lane: Lane,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<tokio::sync::oneshot::Receiver<T>, Busy> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
        });
        {
            let mut lanes = self.queue.lanes.lock().unwrap_or_else(|e| e.into_inner());
            match lane {
                Lane::Priority => lanes.priority.push_back(job),
                Lane::Normal if lanes.normal.len() >= NORMAL_QUEUE => return Err(Busy),
                Lane::Normal => lanes.normal.push_back(job),
            }
        }
        self.queue.ready.notify_one();
        Ok(rx)
    }

    /// Run `f` on a hashing thread and wait for its answer without blocking the runtime.
    pub(super) async fn run<T: Send + 'static>(
        &self,
        lane: Lane,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Busy> {
        self.submit(lane, f)?.await.map_err(|_| Busy)
    }

    /// Check `password` against `hash`, or against a dummy hash when there is none (no such account,
    /// or no password yet), so that the answer takes the same time either way.
    pub(super) async fn verify(
        &self,
        lane: Lane,
        password: SecretString,
        hash: Option<String>,
    ) -> Result<bool, Busy> {
        let exists = hash.is_some();
        let dummy = match self.dummy.get() {
            Some(d) => d.clone(),
            // Made on the first sign-in of any kind, so that it is not the unknown user who pays.
            None => {
                let made = self
                    .run(Lane::Priority, || {
                        hash_password(&B64URL.encode(random_bytes::<16>())).unwrap_or_default()
                    })
                    .await?;
                self.dummy.get_or_init(|| made).clone()
            }
        };
        let hash = hash.unwrap_or(dummy);
        let ok = self
            .run(lane, move || verify_now(password.expose_secret(), &hash))
            .await?;
        Ok(ok && exists)
    }

    /// Hash a new password (on the priority lane: only people already past a check get here).
    pub(super) async fn hash(&self, password: SecretString) -> Result<String> {
        self.run(Lane::Priority, move || {
            hash_password(password.expose_secret())
        })
        .await
        .map_err(|Busy| Error::internal(anyhow::anyhow!("password hashing pool stopped")))?
    }
}

impl Drop for Passwords {
    fn drop(&mut self) {
        self.queue
            .lanes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .closed = true;
        self.queue.ready.notify_all();
    }
}

fn work(queue: &Queue) {
    lower_priority();
    loop {
        let job = {
            let mut lanes = queue.lanes.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if let Some(job) = lanes
                    .priority
                    .pop_front()
                    .or_else(|| lanes.normal.pop_front())
                {
                    break job;
                }
                if lanes.closed {
                    return;
                }
                lanes = queue.ready.wait(lanes).unwrap_or_else(|e| e.into_inner());
            }
        };
        job();
    }
}

/// Make the calling thread nicer than the rest of the process, so the scheduler prefers the runtime's
/// threads whenever both want a core. Linux gives each thread its own nice value.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: plain system calls on the calling thread, with no pointers.
        unsafe {
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            let current = libc::getpriority(libc::PRIO_PROCESS, tid);
            let target = (current + NICENESS).min(19);
            if libc::setpriority(libc::PRIO_PROCESS, tid, target) != 0 {
                tracing::warn!("could not lower the priority of a password hashing thread");
            }
        }
    }
}

/// The nice value of the calling thread (tests check that the workers' is lowered).
#[cfg(all(test, target_os = "linux"))]
fn current_niceness() -> i32 {
    // SAFETY: as above.
    unsafe {
        libc::getpriority(
            libc::PRIO_PROCESS,
            libc::syscall(libc::SYS_gettid) as libc::id_t,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_a_core_for_everything_else() {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        assert_eq!(Passwords::default_workers(), cores.saturating_sub(1).max(1));
        assert!(Passwords::default_workers() < cores || cores == 1);
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn workers_run_at_a_lower_priority() {
        let pool = Passwords::new(1);
        let mine = current_niceness();
        let theirs = pool.run(Lane::Normal, current_niceness).await.unwrap();
        assert!(
            theirs > mine || theirs == 19,
            "worker nice {theirs}, caller {mine}"
        );
    }

    #[tokio::test]
    async fn verifies_and_refuses_when_the_normal_lane_is_full() {
        let pool = Passwords::new(1);
        let hash = hash_password("correct horse battery").unwrap();
        let secret = |s: &str| SecretString::from(s.to_string());
        assert!(pool
            .verify(
                Lane::Normal,
                secret("correct horse battery"),
                Some(hash.clone())
            )
            .await
            .unwrap());
        assert!(!pool
            .verify(Lane::Normal, secret("wrong"), Some(hash.clone()))
            .await
            .unwrap());
        assert!(!pool
            .verify(Lane::Normal, secret("correct horse battery"), None)
            .await
            .unwrap());
        // Hold the only worker, fill the normal lane, and the next normal job is refused while a
        // priority job still gets in (and runs first once the worker is free).
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let (started_tx, started) = std::sync::mpsc::channel::<()>();
        let held = pool
            .submit(Lane::Priority, move || {
                started_tx.send(()).unwrap();
                hold.recv().ok()
            })
            .unwrap();
        started.recv().unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut waiting = Vec::new();
        for _ in 0..NORMAL_QUEUE {
            let order = order.clone();
            let job = move || order.lock().unwrap().push("normal");
            waiting.push(pool.submit(Lane::Normal, job).unwrap());
        }
        assert!(pool.submit(Lane::Normal, || ()).is_err());
        let o = order.clone();
        let first = pool
            .submit(Lane::Priority, move || o.lock().unwrap().push("priority"))
            .unwrap();
        release.send(()).unwrap();
        assert!(held.await.unwrap().is_some());
        first.await.unwrap();
        for w in waiting {
            w.await.unwrap();
        }
        assert_eq!(order.lock().unwrap()[0], "priority");
    }
}
