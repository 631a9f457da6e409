//! Pages and probes anyone may open.
use super::lang::Lang;
use super::pages::render;
use super::templates::STYLESHEET;
use super::AppState;
use crate::web::error::Result;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::{Json, Router};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/static/style.css", get(stylesheet))
}

async fn home(State(s): State<AppState>, lang: Lang) -> Result<Html<String>> {
    render(&s, lang, "home.html", "/", None, minijinja::context! {})
}

async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

/// Ready only while the database answers.
async fn readyz(State(s): State<AppState>) -> impl IntoResponse {
    match s.service.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(serde_json::json!({ "status": "ready" })),
        ),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "status": "database unreachable" })),
        ),
    }
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
}
