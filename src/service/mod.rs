//! Use cases: what reporters, desks, supervisors and operators can do, one file per use case. Each
//! loads what it needs inside a transaction, asks the domain (the item's transitions, who may do
//! what), and writes the result with its audit event through `write`. It knows nothing of HTTP.
mod accounts;
mod attachments;
mod audit;
mod auth;
mod board;
mod catalog;
mod desk;
mod error;
mod form_tokens;
mod login_gate;
mod my_account;
mod notifications;
mod org;
mod oversight;
mod passwords;
mod release;
mod reporter;
mod reporter_actions;
mod retaliation;
mod setup;
mod staff_items;
mod stats;
mod sweep;
mod two_factor;
mod views;
mod write;

pub use crate::domain::access::Role;
pub use crate::store::SessionKind;
pub use accounts::{AccountView, AdminEvent, SetupCodeIssued};
pub use attachments::{
    file_name, AttachmentPolicy, AttachmentProblem, AttachmentView, Download, Upload,
};
pub use audit::{saved_note, ChainStatus, Checkpoint, CheckpointMismatch};
pub use auth::{Login, SignIn, StaffUser};
pub use board::{AreaRow, Board, BoardRow, BOARD_WINDOW};
pub use my_account::{MyAccount, SessionView};
pub use notifications::{
    MyNotifications, Sent, UndeliveredView, WebhookInput, WebhookSaved, WebhookView,
};
pub use org::{OrgPreview, OrgView};
/// Password hashing threads by default: cores − 1, at least one.
pub fn default_password_workers() -> usize {
    passwords::Passwords::default_workers()
}
pub use error::{Error, Result};
pub use org::DemoAccount;
pub use oversight::TransferDecision;
pub use reporter::NewReportInput;
pub use reporter_actions::ActionInput;
pub use setup::{SetupDone, SetupFinish, SetupStart};
pub use staff_items::ItemQuery;
pub use stats::{StatsQuery, StatsReport};
pub use sweep::Swept;
pub use two_factor::{Enrolment, EnrolmentDone};
pub use views::*;

use crate::crypto::Keyring;
use crate::domain::clock::{date, day_start, rfc3339};
use crate::domain::Clock;
use crate::store::Store;
use std::sync::Arc;

/// Tunables the use cases need (the rest of the configuration stays in the web and CLI layers).
#[derive(Clone, Debug)]
pub struct Settings {
    /// Upper bound, in seconds, of the random delay before reporter text reaches staff.
    pub release_delay: i64,
    /// The deployment's zone, seconds east of UTC; days and displayed times use it.
    pub utc_offset: i64,
    /// Staff session lifetime in seconds.
    pub session_ttl: i64,
    /// Public statistics: data up to now minus this many seconds, rounded down to a day (unless 0).
    pub stats_lag: i64,
    /// Public statistics: the smallest count, and smallest base of a rate or percentile, shown.
    pub stats_k: i64,
    /// Staff must sign in with a second factor (off only for `--demo`).
    pub require_totp: bool,
    /// Threads that hash and check passwords (at most cores − 1).
    pub password_workers: usize,
    /// The delay after failed sign-ins for one username.
    pub login_backoff: crate::domain::backoff::BackoffPolicy,
    /// The service-wide budget of failed sign-ins per window.
    pub login_budget: crate::domain::backoff::BudgetPolicy,
    /// Staff see an area only down to the deepest level with at least this many cadres.
    pub area_k: i64,
    /// Seconds between two public checkpoints of the audit log (0: the live head).
    pub checkpoint_interval: i64,
    /// How notifications leave: the SMTP relay, links, the daily digest's time.
    pub notify: crate::notify::NotifyConfig,
    /// Files a reporter may attach.
    pub attachments: AttachmentPolicy,
}

#[derive(Clone)]
pub struct Service {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    keys: Keyring,
    clock: Arc<dyn Clock>,
    settings: Settings,
    passwords: passwords::Passwords,
    gate: login_gate::LoginGate,
    stats: stats::StatsCache,
    organisation: catalog::OrgCache,
    notifier: crate::notify::Notifier,
    /// Files being cleaned at once: one per core, so that decoding (the memory of one large image
    /// each) never takes more than the machine can do in parallel.
    cleaning: tokio::sync::Semaphore,
}

/// Who did something, as the audit log records it.
#[derive(Clone, Debug)]
pub enum Actor {
    Reporter,
    Staff(StaffUser),
    /// The service itself (release after the delay, the sweeper) or an operator at the command line.
    System(&'static str),
}

impl Actor {
    fn role(&self) -> &'static str {
        match self {
            Actor::Reporter => "reporter",
            Actor::Staff(u) => u.role.as_str(),
            Actor::System(_) => "system",
        }
    }
    fn name(&self) -> Option<String> {
        match self {
            Actor::Reporter => None,
            Actor::Staff(u) => Some(u.username.clone()),
            Actor::System(what) => Some((*what).to_string()),
        }
    }
    /// Who a message is from, as the reporter sees it.
    fn author(&self) -> &'static str {
        match self {
            Actor::Reporter => "reporter",
            Actor::Staff(u) if u.role == Role::Supervisor => "supervisor",
            _ => "department",
        }
    }
}

impl Service {
    pub fn new(store: Store, keys: Keyring, clock: Arc<dyn Clock>, settings: Settings) -> Service {
        let notifier = crate::notify::Notifier::new(settings.notify.clone());
        Service {
            inner: Arc::new(Inner {
                store,
                keys,
                clock,
                passwords: passwords::Passwords::new(settings.password_workers),
                cleaning: tokio::sync::Semaphore::new(
                    std::thread::available_parallelism().map_or(1, |n| n.get()),
                ),
                gate: login_gate::LoginGate::new(settings.login_backoff, settings.login_budget),
                settings,
                stats: stats::StatsCache::default(),
                organisation: catalog::OrgCache::default(),
                notifier,
            }),
        }
    }

    fn store(&self) -> &Store {
        &self.inner.store
    }
    fn keys(&self) -> &Keyring {
        &self.inner.keys
    }
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }
    pub fn now(&self) -> i64 {
        self.inner.clock.now()
    }

    /// Whether the database answers, for readiness probes.
    pub async fn ping(&self) -> Result<()> {
        Ok(self.store().ping().await?)
    }

    /// "sqlite" or "postgres", for the start-up line.
    pub fn backend_name(&self) -> &'static str {
        self.store().backend().name()
    }

    /// The audit log's signing key, as published with every checkpoint.
    pub fn log_public_key(&self) -> Vec<u8> {
        self.keys().public_key()
    }

    /// Close the database connections (at shutdown, after the last request).
    pub async fn close(&self) {
        self.store().close().await
    }

    fn fmt_time(&self, t: i64) -> String {
        rfc3339(t, self.inner.settings.utc_offset)
    }
    fn fmt_date(&self, t: i64) -> String {
        date(t, self.inner.settings.utc_offset)
    }
    /// The time a reporter's action is recorded with: the start of the local day, never the instant.
    fn reporter_time(&self) -> i64 {
        day_start(self.now(), self.inner.settings.utc_offset)
    }
    /// When what a reporter does now becomes visible to staff: uniformly 1 s to the release delay
    /// later (at once when the delay is 0). Never the same instant, so whatever a reporter does
    /// under a delay always waits for the release job, like everything else.
    fn release_time(&self) -> i64 {
        let delay = self.inner.settings.release_delay.max(0) as u64;
        let wait = match delay {
            0 => 0,
            d => 1 + crate::crypto::random_up_to(d - 1),
        };
        self.now() + wait as i64
    }

    fn open_text(&self, report_id: &str, field: &str, key_id: &str, blob: &[u8]) -> Result<String> {
        self.keys()
            .open(report_id, field, key_id, blob)
            .map_err(Error::internal)
    }
}
