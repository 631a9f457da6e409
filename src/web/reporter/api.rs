//! The reporter's JSON API: no account; `Authorization: Receipt <receipt>` is the only credential.
use super::commands::{Confirm, NewReport, Reopen, Reply, Retaliation, RetaliationAction};
use crate::service::{Catalog, Preview, ReporterView, Submitted};
use crate::web::error::Result;
use crate::web::extract::Path;
use crate::web::extract::{ApiJson, ApiUpload, ReceiptAuth};
use crate::web::ratelimit::{limited, ClientAddr};
use crate::web::{created, ok, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

pub async fn catalog(State(s): State<AppState>) -> Result<Json<Catalog>> {
    Ok(Json(s.service.catalog().await?))
}

/// JSON, or `multipart/form-data` with the same fields and the files.
pub async fn submit(
    State(s): State<AppState>,
    ApiUpload(input, files): ApiUpload<NewReport>,
) -> Result<(StatusCode, Json<Submitted>)> {
    let submitted = s.service.submit_with_files(input, files).await?;
    Ok((StatusCode::CREATED, Json(submitted)))
}

/// What the department would see of a report, and what in it could point to its writer; nothing is
/// stored. Optional: `POST /reports` does not require it.
pub async fn preview(
    State(s): State<AppState>,
    ApiUpload(input, files): ApiUpload<NewReport>,
) -> Result<Json<Preview>> {
    Ok(Json(s.service.preview_with_files(&input, files).await?.0))
}

pub async fn mine(
    State(s): State<AppState>,
    addr: ClientAddr,
    ReceiptAuth(r): ReceiptAuth,
) -> Result<Json<ReporterView>> {
    Ok(Json(
        limited(&s.limiter, addr, s.service.reporter_view(&r)).await?,
    ))
}

pub async fn reply(
    State(s): State<AppState>,
    addr: ClientAddr,
    ReceiptAuth(r): ReceiptAuth,
    ApiUpload(m, files): ApiUpload<Reply>,
) -> Result<(StatusCode, Json<serde_json::Value>)> {
    let sent = s.service.reporter_message_with_files(&r, &m.body, files);
    limited(&s.limiter, addr, sent).await?;
    Ok(created())
}

pub async fn confirm(
    State(s): State<AppState>,
    addr: ClientAddr,
    ReceiptAuth(r): ReceiptAuth,
    ApiJson(c): ApiJson<Confirm>,
) -> Result<Json<serde_json::Value>> {
    let confirmed = s.service.reporter_confirm(&r, c.satisfaction);
    limited(&s.limiter, addr, confirmed).await?;
    Ok(ok())
}

pub async fn reopen(
    State(s): State<AppState>,
    addr: ClientAddr,
    ReceiptAuth(r): ReceiptAuth,
    ApiJson(b): ApiJson<Reopen>,
) -> Result<Json<serde_json::Value>> {
    limited(&s.limiter, addr, s.service.reporter_reopen(&r, &b.reason)).await?;
    Ok(ok())
}

pub async fn withdraw(
    State(s): State<AppState>,
    addr: ClientAddr,
    ReceiptAuth(r): ReceiptAuth,
) -> Result<Json<serde_json::Value>> {
    limited(&s.limiter, addr, s.service.reporter_withdraw(&r)).await?;
    Ok(ok())
}

pub async fn retaliation(
    State(s): State<AppState>,
    addr: ClientAddr,
    ReceiptAuth(r): ReceiptAuth,
    ApiJson(b): ApiJson<Retaliation>,
) -> Result<(StatusCode, Json<serde_json::Value>)> {
    let made = s.service.report_retaliation(&r, &b.body);
    let id = limited(&s.limiter, addr, made).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))))
}

/// `POST /reports/mine/retaliation/{id}/{messages|confirm|reopen|withdraw}`: the reporter's actions
/// on a retaliation report made through this receipt.
pub async fn retaliation_action(
    State(s): State<AppState>,
    addr: ClientAddr,
    ReceiptAuth(r): ReceiptAuth,
    Path((id, action)): Path<(String, String)>,
    ApiJson(b): ApiJson<RetaliationAction>,
) -> Result<(StatusCode, Json<serde_json::Value>)> {
    let acted = s.service.retaliation_act(&r, &id, &action, b.input());
    limited(&s.limiter, addr, acted).await?;
    let status = if action == "messages" {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, ok()))
}
