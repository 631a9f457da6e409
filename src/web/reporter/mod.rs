//! The reporter: no account, only a receipt. Submitting a report and following it up (reply, confirm,
//! ask for it to be handled again, withdraw), as pages and as JSON.
mod api;
mod commands;
mod follow;
mod pages;

use super::AppState;
use axum::routing::{get, post};
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/report/new", get(pages::new_form))
        .route("/report", post(pages::submit))
        .route("/follow", get(follow::enter).post(follow::show))
        .route("/follow/message", post(follow::reply))
        .route("/follow/confirm", post(follow::confirm))
        .route("/follow/reopen", post(follow::reopen))
        .route("/follow/withdraw", post(follow::withdraw))
        .route("/follow/{other}", post(follow::unknown))
}

/// Under /api/v1.
pub fn api() -> Router<AppState> {
    Router::new()
        .route("/catalog", get(api::catalog))
        .route("/reports", post(api::submit))
        .route("/reports/mine", get(api::mine))
        .route("/reports/mine/messages", post(api::reply))
        .route("/reports/mine/confirm", post(api::confirm))
        .route("/reports/mine/reopen", post(api::reopen))
        .route("/reports/mine/withdraw", post(api::withdraw))
}
