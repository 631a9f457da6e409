//! Public API: the audit-log checkpoint.
use crate::service::Checkpoint;
use crate::web::error::Result;
use crate::web::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

pub fn router() -> Router<AppState> {
    Router::new().route("/log/head", get(head))
}

async fn head(State(s): State<AppState>) -> Result<Json<Checkpoint>> {
    Ok(Json(s.service.checkpoint().await?))
}
