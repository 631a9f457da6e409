//! The supervisor's JSON API: items in the supervisor's subtree.
use super::commands::{Assign, Duplicate, Reject, TransferDecision};
use crate::service::Board;
use crate::service::Role;
use crate::web::error::Result;
use crate::web::extract::Path;
use crate::web::extract::{ApiJson, ApiStaff};
use crate::web::staff::commands::Message;
use crate::web::{created, ok, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

pub async fn summary(State(s): State<AppState>, ApiStaff(u): ApiStaff) -> Result<Json<Board>> {
    Ok(Json(s.service.board(&u).await?))
}

pub async fn assign(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    Path(id): Path<String>,
    ApiJson(a): ApiJson<Assign>,
) -> Result<Json<serde_json::Value>> {
    s.service.assign(&u, &id, &a.department).await?;
    Ok(ok())
}

pub async fn decide(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    Path(id): Path<String>,
    ApiJson(d): ApiJson<TransferDecision>,
) -> Result<Json<serde_json::Value>> {
    s.service.decide_transfer(&u, &id, &d).await?;
    Ok(ok())
}

pub async fn duplicate(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    Path(id): Path<String>,
    ApiJson(d): ApiJson<Duplicate>,
) -> Result<Json<serde_json::Value>> {
    s.service.mark_duplicate(&u, &id, &d.of).await?;
    Ok(ok())
}

pub async fn reject(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<Reject>,
) -> Result<Json<serde_json::Value>> {
    s.service.reject(&u, &id, &r.reason).await?;
    Ok(ok())
}

pub async fn message(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    Path(id): Path<String>,
    ApiJson(m): ApiJson<Message>,
) -> Result<(StatusCode, Json<serde_json::Value>)> {
    s.service
        .staff_message(&u, Role::Supervisor, &id, &m.body)
        .await?;
    Ok(created())
}
