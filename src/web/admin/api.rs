//! The administrators' JSON API under /api/v1/admin: accounts and the organisation.
use super::commands::{NewAccount, OrgFile, Placement, SetWebhook};
use crate::domain::org::OrgDiff;
use crate::service::{
    AccountView, OrgPreview, OrgView, SetupCodeIssued, WebhookSaved, WebhookView,
};
use crate::web::error::Result;
use crate::web::extract::Path;
use crate::web::extract::{ApiJson, ApiStaff};
use crate::web::{ok, AppState};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::Serialize;

#[derive(Serialize)]
pub struct Accounts {
    pub accounts: Vec<AccountView>,
}

pub async fn accounts(State(s): State<AppState>, ApiStaff(u): ApiStaff) -> Result<Json<Accounts>> {
    Ok(Json(Accounts {
        accounts: s.service.accounts(&u).await?,
    }))
}

pub async fn account(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    Path(username): Path<String>,
) -> Result<Json<AccountView>> {
    Ok(Json(s.service.account(&u, &username).await?))
}

pub async fn create(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    ApiJson(c): ApiJson<NewAccount>,
) -> Result<(StatusCode, Json<SetupCodeIssued>)> {
    let issued = s
        .service
        .create_account(&u, &c.username, &c.role, c.department.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(issued)))
}

pub async fn disable(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    Path(username): Path<String>,
) -> Result<Json<serde_json::Value>> {
    s.service.set_account_enabled(&u, &username, false).await?;
    Ok(ok())
}

pub async fn enable(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    Path(username): Path<String>,
) -> Result<Json<serde_json::Value>> {
    s.service.set_account_enabled(&u, &username, true).await?;
    Ok(ok())
}

pub async fn reset(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    Path(username): Path<String>,
) -> Result<Json<SetupCodeIssued>> {
    Ok(Json(s.service.reset_account(&u, &username).await?))
}

pub async fn place(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    Path(username): Path<String>,
    ApiJson(c): ApiJson<Placement>,
) -> Result<Json<serde_json::Value>> {
    s.service
        .place_account(&u, &username, &c.role, c.department.as_deref())
        .await?;
    Ok(ok())
}

pub async fn org(State(s): State<AppState>, ApiStaff(u): ApiStaff) -> Result<Json<OrgView>> {
    Ok(Json(s.service.org_view(&u).await?))
}

/// The current organisation file, as TOML.
pub async fn org_file(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
) -> Result<impl IntoResponse> {
    let text = s.service.org_file(&u).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/toml; charset=utf-8")],
        text,
    ))
}

pub async fn preview(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    ApiJson(c): ApiJson<OrgFile>,
) -> Result<Json<OrgPreview>> {
    Ok(Json(s.service.preview_org(&u, c.content()).await?))
}

#[derive(Serialize)]
pub struct Applied {
    pub applied: bool,
    pub changes: OrgDiff,
}

pub async fn apply(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    ApiJson(c): ApiJson<OrgFile>,
) -> Result<Json<Applied>> {
    let changes = s
        .service
        .apply_org_file(&u, c.content(), c.base.as_deref())
        .await?;
    Ok(Json(Applied {
        applied: true,
        changes,
    }))
}

#[derive(Serialize)]
pub struct Webhooks {
    pub webhooks: Vec<WebhookView>,
}

pub async fn webhooks(State(s): State<AppState>, ApiStaff(u): ApiStaff) -> Result<Json<Webhooks>> {
    Ok(Json(Webhooks {
        webhooks: s.service.webhooks(&u).await?,
    }))
}

/// `PUT /api/v1/admin/webhooks/{department}`: set (or replace) the department's webhook. The
/// secret is in the answer only when the service made it.
pub async fn set_webhook(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    Path(department): Path<String>,
    ApiJson(c): ApiJson<SetWebhook>,
) -> Result<Json<WebhookSaved>> {
    Ok(Json(
        s.service.set_webhook(&u, &department, &c.input()).await?,
    ))
}

pub async fn delete_webhook(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    Path(department): Path<String>,
) -> Result<Json<serde_json::Value>> {
    s.service.delete_webhook(&u, &department).await?;
    Ok(ok())
}

/// `POST /api/v1/admin/webhooks/{department}/test`: a test message now; `502 delivery_failed`
/// with the receiver's answer when it does not arrive.
pub async fn test_webhook(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    Path(department): Path<String>,
) -> Result<Json<serde_json::Value>> {
    s.service.test_webhook(&u, &department).await?;
    Ok(ok())
}

pub async fn test_email(
    State(s): State<AppState>,
    ApiStaff(u): ApiStaff,
    Path(username): Path<String>,
) -> Result<Json<serde_json::Value>> {
    s.service.test_email(&u, &username).await?;
    Ok(ok())
}
