//! What anyone may open: the home page, the public statistics (page, CSV, JSON), the audit log's
//! checkpoint, the probes and the stylesheet.
mod api;
mod csv;
mod pages;
mod probes;
mod stats;
mod stats_cache;

pub use stats_cache::StatsOutputs;

use super::AppState;
use axum::routing::get;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home))
        .route("/static/style.css", get(pages::stylesheet))
        .route("/healthz", get(probes::healthz))
        .route("/readyz", get(probes::readyz))
        .route("/stats", get(stats::page))
        .route("/stats.csv", get(stats::csv))
}

/// Under /api/v1.
pub fn api() -> Router<AppState> {
    Router::new()
        .route("/stats", get(stats::json))
        .route("/log/head", get(api::log_head))
}
