//! Use cases: what reporters, desks, supervisors and operators can do. Each combines the pure rules of
//! `domain`, the keys of `crypto` and the persistence of `store`; it knows nothing of HTTP.
mod audit;
mod auth;
mod board;
mod error;
mod items;
mod org;
mod reporter;
mod stats;
mod sweep;
mod views;

pub use audit::{saved_note, ChainStatus, Checkpoint, CheckpointMismatch};
pub use auth::{Login, Role, StaffUser};
pub use board::{Board, BoardRow, BOARD_WINDOW};
pub use error::{Error, Result};
pub use items::{ItemQuery, TransferDecision};
pub use org::DemoAccount;
pub use reporter::NewReportInput;
pub use stats::{StatsQuery, StatsReport};
pub use sweep::Swept;
pub use views::*;

use crate::crypto::Keyring;
use crate::domain::clock::{date, rfc3339};
use crate::domain::deadlines::{self, Deadlines};
use crate::domain::{lifecycle, Action, Clock, State};
use crate::store::{NewEvent, NewMessage, ReportRow, Store, Tx};
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
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            release_delay: 30 * 60,
            utc_offset: 8 * 3600,
            session_ttl: 12 * 3600,
            stats_lag: 86_400,
            stats_k: 5,
        }
    }
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
    passwords: auth::Passwords,
    stats: stats::StatsCache,
}

/// Who did something, as the audit log records it.
#[derive(Clone, Debug)]
pub enum Actor {
    Reporter,
    Staff(StaffUser),
    /// The service itself (release after the delay) or an operator at the command line.
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
    fn author(&self) -> &'static str {
        match self {
            Actor::Reporter => "reporter",
            Actor::Staff(u) if u.role == Role::Supervisor => "supervisor",
            _ => "department",
        }
    }
}

/// One recorded change to a report: the state move (if any), a message (if any) and its audit event.
struct Step {
    action: Action,
    kind: &'static str,
    detail: serde_json::Value,
    message: Option<Msg>,
}

struct Msg {
    kind: &'static str,
    internal: bool,
    outcome: Option<&'static str>,
    text: String,
}

impl Service {
    pub fn new(store: Store, keys: Keyring, clock: Arc<dyn Clock>, settings: Settings) -> Service {
        Service {
            inner: Arc::new(Inner {
                store,
                keys,
                clock,
                settings,
                passwords: auth::Passwords::new(),
                stats: stats::StatsCache::default(),
            }),
        }
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }
    pub fn keys(&self) -> &Keyring {
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
        Ok(self.inner.store.ping().await?)
    }

    fn fmt_time(&self, t: i64) -> String {
        rfc3339(t, self.inner.settings.utc_offset)
    }
    fn fmt_date(&self, t: i64) -> String {
        date(t, self.inner.settings.utc_offset)
    }
    /// The time a reporter's action is recorded with: the start of the local day, never the instant.
    fn reporter_time(&self) -> i64 {
        crate::domain::clock::day_start(self.now(), self.inner.settings.utc_offset)
    }
    /// When text a reporter sends now becomes visible to staff.
    fn release_time(&self) -> i64 {
        let delay = self.inner.settings.release_delay.max(0) as u64;
        self.now() + crate::crypto::random_up_to(delay) as i64
    }

    fn open_text(&self, report_id: &str, field: &str, key_id: &str, blob: &[u8]) -> Result<String> {
        self.inner
            .keys
            .open(report_id, field, key_id, blob)
            .map_err(Error::internal)
    }

    /// Apply one step to a report row inside `tx`: check the transition, let `mutate` adjust the
    /// row for the new state, write row, message and audit event. The event is the last write.
    async fn step(
        &self,
        tx: &mut Tx,
        row: &mut ReportRow,
        actor: &Actor,
        step: Step,
        mutate: impl FnOnce(&mut ReportRow, State),
    ) -> Result<()> {
        let from = state_of(row)?;
        let to = lifecycle::next(from, step.action)?;
        let at = match actor {
            Actor::Reporter => self.reporter_time(),
            _ => self.now(),
        };
        mutate(row, to);
        row.state = to.as_str().to_string();
        let message = step.message.map(|m| {
            let release_at = match actor {
                Actor::Reporter => self.release_time(),
                _ => self.now(),
            };
            (m, release_at)
        });
        let sent = message
            .as_ref()
            .map(|(m, release_at)| (m.kind, m.internal, *release_at));
        track_waiting(row, to, actor, sent, at);
        refresh_clock(row, to);
        tx.update_report(row).await?;
        row.version += 1;
        if let Some((m, release_at)) = message {
            let sealed = self.inner.keys.seal(&row.id, "message", &m.text);
            tx.insert_message(&NewMessage {
                report_id: row.id.clone(),
                author: actor.author().to_string(),
                kind: m.kind.to_string(),
                internal: m.internal,
                outcome: m.outcome.map(str::to_string),
                key_id: sealed.key_id,
                body_sealed: sealed.blob,
                created_at: at,
                release_at,
            })
            .await?;
        }
        tx.append_event(NewEvent {
            report_id: Some(row.id.clone()),
            kind: step.kind.to_string(),
            actor_role: actor.role().to_string(),
            actor: actor.name(),
            department: Some(row.department.clone()),
            from_state: Some(from.as_str().to_string()),
            to_state: Some(to.as_str().to_string()),
            detail: step.detail.to_string(),
            at,
        })
        .await?;
        Ok(())
    }
}

/// The deadline facts of a row, for the pure rules of `domain::deadlines`.
pub(crate) fn deadlines_of(row: &ReportRow) -> Deadlines {
    Deadlines {
        acknowledged: row.acknowledged_at.is_some(),
        acknowledge_due: row.acknowledge_due,
        respond_due: row.respond_due,
        confirm_due: row.confirm_due,
        ack_missed: row.ack_missed == 1,
        respond_missed_due: row.respond_missed_due,
    }
}

/// Keep the indexed deadline columns (`due_at` for the overdue lists, `sweep_at` for the sweeper)
/// in step with the row; every change goes through `step`, so they never drift.
fn refresh_clock(row: &mut ReportRow, state: State) {
    let d = deadlines_of(row);
    row.due_at = deadlines::working_due(state, &d);
    row.sweep_at = deadlines::next_sweep(state, &d);
}

/// Waiting on the reporter starts with a public question from staff while the department owes an
/// answer, and ends when the reporter's reply becomes visible to staff or the item stops owing an
/// answer (at the step's recorded time, which for a reporter is the start of the day). The total is
/// kept beside the deadlines, never subtracted from them.
fn track_waiting(
    row: &mut ReportRow,
    to: State,
    actor: &Actor,
    sent: Option<(&str, bool, i64)>,
    at: i64,
) {
    let owes = deadlines::working_due(to, &deadlines_of(row)).is_some();
    let question = matches!(sent, Some(("message", false, _)));
    match (row.awaiting_since, actor, sent) {
        (Some(since), Actor::Reporter, Some(("message", _, released))) => {
            row.awaiting_secs += deadlines::waited(since, released);
            row.awaiting_since = None;
        }
        (Some(since), _, _) if !owes => {
            row.awaiting_secs += deadlines::waited(since, at);
            row.awaiting_since = None;
        }
        (None, Actor::Staff(_), _) if owes && question => row.awaiting_since = Some(at),
        _ => {}
    }
}

fn state_of(row: &ReportRow) -> Result<State> {
    State::parse(&row.state).ok_or_else(|| {
        Error::internal(anyhow::anyhow!(
            "report {} has unknown state {}",
            row.id,
            row.state
        ))
    })
}
