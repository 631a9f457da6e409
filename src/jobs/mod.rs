//! Background work. Every job is idempotent, so several instances may run it at once.
use crate::service::Service;
use std::time::Duration;
use tokio::sync::watch;

pub struct Intervals {
    /// Releases and the deadline sweep.
    pub sweep: Duration,
    /// Rebuilding the public statistics.
    pub stats: Duration,
}

/// Until `shutdown` turns true: every `sweep` interval release reports whose delay ran out and
/// sweep deadlines (escalate what is late, close what was left unconfirmed); every `stats` interval
/// rebuild the public statistics (the first time at once).
pub async fn run(service: Service, every: Intervals, mut shutdown: watch::Receiver<bool>) {
    let mut sweep = tokio::time::interval(every.sweep.max(Duration::from_secs(1)));
    sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut stats = tokio::time::interval(every.stats.max(Duration::from_secs(1)));
    stats.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = sweep.tick() => sweep_once(&service).await,
            _ = stats.tick() => {
                if let Err(e) = service.refresh_stats().await {
                    tracing::warn!(error = %e, "statistics refresh failed; will retry");
                }
            }
            _ = shutdown.changed() => break,
        }
    }
}

async fn sweep_once(service: &Service) {
    if let Err(e) = service.release_due().await {
        tracing::warn!(error = %e, "release job failed; will retry");
    }
    match service.sweep().await {
        Ok(s) if s.escalated + s.closed > 0 => {
            tracing::info!(escalated = s.escalated, closed = s.closed, "deadline sweep")
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "deadline sweep failed; will retry"),
    }
}
