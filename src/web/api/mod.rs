//! The JSON API of API.md, one module per audience.
mod auth;
mod desk;
mod oversight;
mod public;
mod reporter;

use super::AppState;
use crate::error::Error;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(reporter::router())
        .merge(auth::router())
        .merge(desk::router())
        .merge(oversight::router())
        .merge(public::router())
        .fallback(|| async { Error::NotFound })
}

/// Body of a successful action that has nothing else to say.
pub fn ok() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({ "ok": true }))
}
