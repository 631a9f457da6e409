//! Desk API: items of the caller's own department.
use super::ok;
use crate::service::{ItemDetail, ItemQuery, ItemSummary, Role};
use crate::web::error::Result;
use crate::web::extract::{ApiJson, ApiStaff};
use crate::web::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/desk/items", get(items))
        .route("/desk/items/{id}", get(item))
        .route("/desk/items/{id}/acknowledge", post(acknowledge))
        .route("/desk/items/{id}/messages", post(message))
        .route("/desk/items/{id}/respond", post(respond))
        .route("/desk/items/{id}/transfer", post(transfer))
}

#[derive(Serialize)]
pub struct Items {
    pub items: Vec<ItemSummary>,
}

async fn items(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    q: Result<Query<ItemQuery>, QueryRejection>,
) -> Result<Json<Items>> {
    let q = super::item_filter(q)?;
    Ok(Json(Items {
        items: s.service.desk_items(&u, &q).await?,
    }))
}

async fn item(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    Path(id): Path<String>,
) -> Result<Json<ItemDetail>> {
    Ok(Json(s.service.item(&u, Role::Desk, &id).await?))
}

async fn acknowledge(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>> {
    s.service.acknowledge(&u, &id).await?;
    Ok(ok())
}

#[derive(Deserialize)]
struct Body {
    body: String,
}

async fn message(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<Body>,
) -> Result<(StatusCode, Json<serde_json::Value>)> {
    s.service.staff_message(&u, &id, &b.body).await?;
    Ok((StatusCode::CREATED, ok()))
}

#[derive(Deserialize)]
struct Respond {
    outcome: String,
    body: String,
}

async fn respond(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    Path(id): Path<String>,
    ApiJson(r): ApiJson<Respond>,
) -> Result<Json<serde_json::Value>> {
    s.service.respond(&u, &id, &r.outcome, &r.body).await?;
    Ok(ok())
}

#[derive(Deserialize)]
struct Transfer {
    reason: String,
    #[serde(default)]
    suggested_department: Option<String>,
}

async fn transfer(
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
