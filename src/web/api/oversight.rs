//! Oversight API: items in the supervisor's subtree.
use super::desk::Items;
use super::ok;
use crate::service::{Board, ItemDetail, ItemQuery, Role, TransferDecision};
use crate::web::error::Result;
use crate::web::extract::{ApiJson, ApiStaff};
use crate::web::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/oversight/summary", get(summary))
        .route("/oversight/items", get(items))
        .route("/oversight/items/{id}", get(item))
        .route("/oversight/items/{id}/assign", post(assign))
        .route("/oversight/items/{id}/transfer-decision", post(decide))
        .route("/oversight/items/{id}/duplicate", post(duplicate))
        .route("/oversight/items/{id}/reject", post(reject))
}

async fn item(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    Path(id): Path<String>,
) -> Result<Json<ItemDetail>> {
    Ok(Json(s.service.item(&u, Role::Supervisor, &id).await?))
}

async fn summary(State(s): State<AppState>, ApiStaff(u): ApiStaff) -> Result<Json<Board>> {
    Ok(Json(s.service.board(&u).await?))
}

async fn items(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    q: Result<Query<ItemQuery>, QueryRejection>,
) -> Result<Json<Items>> {
    let q = super::item_filter(q)?;
    Ok(Json(Items {
        items: s.service.oversight_items(&u, &q).await?,
    }))
}

#[derive(Deserialize)]
struct Assign {
    department: String,
}

async fn assign(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    Path(id): Path<String>,
    ApiJson(a): ApiJson<Assign>,
) -> Result<Json<serde_json::Value>> {
    s.service.assign(&u, &id, &a.department).await?;
    Ok(ok())
}

async fn decide(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    Path(id): Path<String>,
    ApiJson(d): ApiJson<TransferDecision>,
) -> Result<Json<serde_json::Value>> {
    s.service.decide_transfer(&u, &id, &d).await?;
    Ok(ok())
}

#[derive(Deserialize)]
struct Duplicate {
    of: String,
}

async fn duplicate(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    Path(id): Path<String>,
    ApiJson(d): ApiJson<Duplicate>,
) -> Result<Json<serde_json::Value>> {
    s.service.mark_duplicate(&u, &id, &d.of).await?;
    Ok(ok())
}

#[derive(Deserialize)]
struct Reject {
    reason: String,
}

async fn reject(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<Reject>,
) -> Result<Json<serde_json::Value>> {
    s.service.reject(&u, &id, &r.reason).await?;
    Ok(ok())
}
