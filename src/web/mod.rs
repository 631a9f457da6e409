//! HTTP, grouped by audience: each folder has its pages and its JSON API side by side (reporter, desk,
//! oversight, staff, public); what they share (errors, extractors, rendering, layers) sits here.
mod charts;
mod desk;
mod error;
mod extract;
pub mod lang;
mod middleware;
mod oversight;
mod public;
pub mod ratelimit;
pub mod render;
mod reporter;
mod staff;

use crate::service::Service;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::{Json, Router};
use std::sync::Arc;

/// Largest request body accepted: a 20,000-character report in the worst JSON escaping fits.
pub const BODY_LIMIT: usize = 256 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub service: Service,
    pub templates: Arc<render::Templates>,
    /// Mark the staff cookie Secure (everything but a loopback-only bind).
    pub secure_cookies: bool,
    /// Failed receipt lookups and logins, per keyed hash of the client address.
    pub limiter: Arc<ratelimit::RateLimiter>,
    /// Rendered public statistics of the current snapshot.
    pub stats_outputs: Arc<public::StatsOutputs>,
}

impl AppState {
    pub fn new(service: Service, secure_cookies: bool) -> anyhow::Result<AppState> {
        Ok(AppState {
            service,
            templates: Arc::new(render::Templates::new()?),
            secure_cookies,
            limiter: Arc::new(ratelimit::RateLimiter::new(ratelimit::Policy::default())),
            stats_outputs: Arc::default(),
        })
    }
}

/// The pages (JSON errors turned into the error page) and, under /api/v1, the JSON API of API.md
/// (errors stay JSON), with the shared layers around both.
pub fn router(state: AppState) -> Router {
    let pages = Router::new()
        .merge(public::router())
        .merge(reporter::router())
        .merge(staff::router())
        .merge(desk::router())
        .merge(oversight::router())
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            error::html_errors,
        ));
    let api = Router::new()
        .merge(reporter::api())
        .merge(staff::api())
        .merge(desk::api())
        .merge(oversight::api())
        .merge(public::api())
        .fallback(error::not_found);
    Router::new()
        .nest("/api/v1", api)
        .merge(pages)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(middleware::security_headers))
        .layer(axum::middleware::from_fn(middleware::access_log))
        .with_state(state)
}

/// Body of a successful API action that has nothing else to say.
fn ok() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "ok": true }))
}

/// The same for an action that created something (a message).
fn created() -> (StatusCode, Json<serde_json::Value>) {
    (StatusCode::CREATED, ok())
}
