//! Staff sign-in for API clients: a bearer token backed by the same database sessions as the pages.
use super::ok;
use crate::service::Login;
use crate::web::error::Result;
use crate::web::extract::ApiJson;
use crate::web::ratelimit::{limited, ClientAddr};
use crate::web::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
}

#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
    /// Reserved by API.md; second factors are not implemented yet, so a value is ignored.
    #[serde(default)]
    #[allow(dead_code)]
    totp: Option<String>,
}

async fn login(
    State(s): State<AppState>,
    addr: ClientAddr,
    ApiJson(c): ApiJson<Credentials>,
) -> Result<Json<Login>> {
    Ok(Json(
        limited(&s.limiter, addr, s.service.login(&c.username, &c.password)).await?,
    ))
}

async fn logout(State(s): State<AppState>, headers: HeaderMap) -> Result<Json<serde_json::Value>> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if let Some(token) = value.strip_prefix("Bearer ") {
        s.service.logout(token.trim()).await?;
    }
    Ok(ok())
}
