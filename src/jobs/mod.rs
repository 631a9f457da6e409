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

/// Until `shutdown` turns true: every `sweep` interval sign the public checkpoint if its slot has
/// begun, release reports and reporter actions whose delay ran out, and sweep deadlines (escalate what is late, close what was left unconfirmed); every `stats` interval
/// rebuild the public statistics (the first time at once). The two run side by side, so a long
/// statistics rebuild never holds up a sweep.
pub async fn run(service: Service, every: Intervals, shutdown: watch::Receiver<bool>) {
    let sweeps = repeat(every.sweep, shutdown.clone(), || sweep_once(&service));
    let stats = repeat(every.stats, shutdown, || async {
        if let Err(e) = service.refresh_stats().await {
            tracing::warn!(error = %e, "statistics refresh failed; will retry");
        }
    });
    tokio::join!(sweeps, stats);
}

async fn repeat<F, Fut>(every: Duration, mut shutdown: watch::Receiver<bool>, mut work: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut tick = tokio::time::interval(every.max(Duration::from_secs(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => work().await,
            _ = shutdown.changed() => break,
        }
    }
}

async fn sweep_once(service: &Service) {
    // Sign the public checkpoint as soon as its slot starts, rather than at the first request.
    if let Err(e) = service.published_checkpoint().await {
        tracing::warn!(error = %e, "public checkpoint failed; will retry");
    }
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
