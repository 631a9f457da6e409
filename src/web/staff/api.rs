//! Staff sign-in for API clients: a bearer token backed by the same database sessions as the pages.
use super::commands::SignIn;
use crate::service::Login;
use crate::web::error::Result;
use crate::web::extract::{bearer_token, ApiJson};
use crate::web::ratelimit::{limited, ClientAddr};
use crate::web::{ok, AppState};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;

pub async fn login(
    State(s): State<AppState>,
    addr: ClientAddr,
    ApiJson(c): ApiJson<SignIn>,
) -> Result<Json<Login>> {
    Ok(Json(
        limited(&s.limiter, addr, s.service.login(&c.username, &c.password)).await?,
    ))
}

pub async fn logout(
    State(s): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>> {
    if let Some(token) = bearer_token(&headers) {
        s.service.logout(token).await?;
    }
    Ok(ok())
}
