//! The audit log's signed checkpoint, for anyone who keeps copies to compare.
use crate::service::Checkpoint;
use crate::web::error::Result;
use crate::web::AppState;
use axum::extract::State;
use axum::Json;

pub async fn log_head(State(s): State<AppState>) -> Result<Json<Checkpoint>> {
    Ok(Json(s.service.checkpoint().await?))
}
