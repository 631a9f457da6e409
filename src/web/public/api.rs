//! The audit log's public checkpoint, for anyone who keeps copies to compare: signed on a schedule,
//! never the live head (`Service::published_checkpoint`).
use crate::service::Checkpoint;
use crate::web::error::Result;
use crate::web::AppState;
use axum::extract::State;
use axum::Json;

pub async fn log_head(State(s): State<AppState>) -> Result<Json<Checkpoint>> {
    Ok(Json(s.service.published_checkpoint().await?))
}
