//! Background work. Every job is idempotent, so several instances may run it at once.
use crate::service::Service;
use std::time::Duration;
use tokio::sync::watch;

/// Release reports whose delay ran out, every `interval`, until `shutdown` turns true.
pub async fn run(service: Service, interval: Duration, mut shutdown: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(interval.max(Duration::from_secs(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if let Err(e) = service.release_due().await {
                    tracing::warn!(error = %e, "release job failed; will retry");
                }
            }
            _ = shutdown.changed() => break,
        }
    }
}
