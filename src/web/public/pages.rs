//! The home page and the stylesheet.
use crate::web::error::Result;
use crate::web::lang::Lang;
use crate::web::render::{render, STYLESHEET};
use crate::web::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse};

pub async fn home(State(s): State<AppState>, lang: Lang) -> Result<Html<String>> {
    render(
        &s,
        lang,
        "public/home.html",
        "/",
        None,
        minijinja::context! {},
    )
}

pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
}
