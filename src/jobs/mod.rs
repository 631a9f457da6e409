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
/// rebuild the public statistics (the first time at once); every `sweep` interval, too, compose
/// the notifications of a slot that has begun and send what is due. The three run side by side, so
/// a long statistics rebuild or a dead mail server never holds up a sweep.
pub async fn run(service: Service, every: Intervals, shutdown: watch::Receiver<bool>) {
    let sweeps = repeat(every.sweep, shutdown.clone(), || sweep_once(&service));
    let stats = repeat(every.stats, shutdown.clone(), || async {
        if let Err(e) = service.refresh_stats().await {
            tracing::warn!(error = %e, "statistics refresh failed; will retry");
        }
    });
    let notifications = repeat(every.sweep, shutdown.clone(), || notify_once(&service));
    tokio::join!(sweeps, stats, notifications);
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

/// Compose the messages of a slot that has begun, then send what is due. Its own loop: a slow or
/// unreachable mail server or webhook never holds up releases and deadlines.
async fn notify_once(service: &Service) {
    if let Err(e) = service.compose_notifications().await {
        tracing::warn!(error = %e, "composing notifications failed; will retry");
    }
    match service.send_notifications().await {
        Ok(s) if s.sent + s.failed > 0 => {
            tracing::info!(sent = s.sent, failed = s.failed, "notifications")
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "sending notifications failed; will retry"),
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
