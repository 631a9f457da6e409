//! HTTP: one module per audience, each with its own router, plus the JSON API under /api/v1.
pub mod api;
mod charts;
mod desk;
mod error;
mod extract;
pub mod lang;
mod middleware;
mod oversight;
mod pages;
mod public;
pub mod ratelimit;
mod report;
mod stats;
pub mod templates;

use crate::service::Service;
use axum::extract::DefaultBodyLimit;
use axum::Router;
use std::sync::Arc;

/// Largest request body accepted: a 20,000-character report in the worst JSON escaping fits.
pub const BODY_LIMIT: usize = 256 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub service: Service,
    pub templates: Arc<templates::Templates>,
    /// Mark the staff cookie Secure (everything but a loopback-only bind).
    pub secure_cookies: bool,
    /// Failed receipt lookups and logins, per keyed hash of the client address.
    pub limiter: Arc<ratelimit::RateLimiter>,
    /// Rendered public statistics of the current snapshot.
    pub stats_outputs: Arc<stats::StatsOutputs>,
}

impl AppState {
    pub fn new(service: Service, secure_cookies: bool) -> anyhow::Result<AppState> {
        Ok(AppState {
            service,
            templates: Arc::new(templates::Templates::new()?),
            secure_cookies,
            limiter: Arc::new(ratelimit::RateLimiter::new(ratelimit::Policy::default())),
            stats_outputs: Arc::default(),
        })
    }
}

pub fn router(state: AppState) -> Router {
    let pages = Router::new()
        .merge(public::router())
        .merge(report::router())
        .merge(desk::router())
        .merge(oversight::router())
        .merge(stats::router())
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            error::html_errors,
        ));
    Router::new()
        .nest("/api/v1", api::router())
        .merge(pages)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(middleware::security_headers))
        .layer(axum::middleware::from_fn(middleware::access_log))
        .with_state(state)
}
