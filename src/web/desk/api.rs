//! The desk's JSON API: items of the caller's own department.
use super::commands::{Respond, Transfer};
use crate::service::Role;
use crate::web::error::Result;
use crate::web::extract::Path;
use crate::web::extract::{ApiJson, ApiStaff};
use crate::web::staff::commands::Message;
use crate::web::{created, ok, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

pub async fn acknowledge(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>> {
    s.service.acknowledge(&u, &id).await?;
    Ok(ok())
}

pub async fn message(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    Path(id): Path<String>,
    ApiJson(m): ApiJson<Message>,
) -> Result<(StatusCode, Json<serde_json::Value>)> {
    s.service
        .staff_message(&u, Role::Desk, &id, &m.body)
        .await?;
    Ok(created())
}

pub async fn respond(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<Respond>,
) -> Result<Json<serde_json::Value>> {
    s.service.respond(&u, &id, &r.outcome, &r.body).await?;
    Ok(ok())
}

pub async fn transfer(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    Path(id): Path<String>,
    ApiJson(t): ApiJson<Transfer>,
) -> Result<Json<serde_json::Value>> {
    s.service
        .request_transfer(&u, &id, &t.reason, t.suggested_department.as_deref())
        .await?;
    Ok(ok())
}
