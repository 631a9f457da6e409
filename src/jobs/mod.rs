//! Background work. Every job is idempotent, so several instances may run it at once.
use crate::service::Service;
use std::time::Duration;
use tokio::sync::watch;

/// Every `interval` until `shutdown` turns true: release reports whose delay ran out, then sweep
/// deadlines (escalate what is late, close what was left unconfirmed).
pub async fn run(service: Service, interval: Duration, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(interval.max(Duration::from_secs(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => tick_once(&service).await,
            _ = shutdown.changed() => break,
        }
    }
}

async fn tick_once(service: &Service) {
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
