//! Reporter API: no account; `Authorization: Receipt <receipt>` is the only credential.
use super::ok;
use crate::service::{Catalog, NewReportInput, ReporterView, Submitted};
use crate::web::error::Result;
use crate::web::extract::{ApiJson, ReceiptAuth};
use crate::web::ratelimit::{limited, ClientAddr};
use crate::web::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/catalog", get(catalog))
        .route("/reports", post(submit))
        .route("/reports/mine", get(mine))
        .route("/reports/mine/messages", post(message))
        .route("/reports/mine/confirm", post(confirm))
        .route("/reports/mine/reopen", post(reopen))
        .route("/reports/mine/withdraw", post(withdraw))
}

async fn catalog(State(s): State<AppState>) -> Result<Json<Catalog>> {
    Ok(Json(s.service.catalog().await?))
}

async fn submit(
    State(s): State<AppState>,
    ApiJson(input): ApiJson<NewReportInput>,
) -> Result<(StatusCode, Json<Submitted>)> {
    Ok((StatusCode::CREATED, Json(s.service.submit(input).await?)))
}

async fn mine(
    State(s): State<AppState>,
    addr: ClientAddr,
    ReceiptAuth(r): ReceiptAuth,
) -> Result<Json<ReporterView>> {
    Ok(Json(
        limited(&s.limiter, addr, s.service.reporter_view(&r)).await?,
    ))
}

#[derive(Deserialize)]
struct Body {
    body: String,
}

async fn message(
    State(s): State<AppState>,
    addr: ClientAddr,
    ReceiptAuth(r): ReceiptAuth,
    ApiJson(b): ApiJson<Body>,
) -> Result<(StatusCode, Json<serde_json::Value>)> {
    limited(&s.limiter, addr, s.service.reporter_message(&r, &b.body)).await?;
    Ok((StatusCode::CREATED, ok()))
}

#[derive(Deserialize)]
struct Confirm {
    satisfaction: i64,
}

async fn confirm(
    State(s): State<AppState>,
    addr: ClientAddr,
    ReceiptAuth(r): ReceiptAuth,
    ApiJson(c): ApiJson<Confirm>,
) -> Result<Json<serde_json::Value>> {
    limited(
        &s.limiter,
        addr,
        s.service.reporter_confirm(&r, c.satisfaction),
    )
    .await?;
    Ok(ok())
}

#[derive(Deserialize)]
struct Reopen {
    reason: String,
}

async fn reopen(
    State(s): State<AppState>,
    addr: ClientAddr,
    ReceiptAuth(r): ReceiptAuth,
    ApiJson(b): ApiJson<Reopen>,
) -> Result<Json<serde_json::Value>> {
    limited(&s.limiter, addr, s.service.reporter_reopen(&r, &b.reason)).await?;
    Ok(ok())
}

async fn withdraw(
    State(s): State<AppState>,
    addr: ClientAddr,
    ReceiptAuth(r): ReceiptAuth,
) -> Result<Json<serde_json::Value>> {
    limited(&s.limiter, addr, s.service.reporter_withdraw(&r)).await?;
    Ok(ok())
}
