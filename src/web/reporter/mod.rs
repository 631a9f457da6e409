//! The reporter: no account, only a receipt. Previewing and submitting a report, following it up
//! (reply, confirm, ask for it to be handled again, withdraw) and reporting retaliation, as pages and
//! as JSON.
mod api;
mod commands;
mod follow;
mod pages;

use super::AppState;
use axum::routing::{get, post};
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/report/new", get(pages::new_form).post(pages::edit))
        .route("/report/preview", post(pages::preview))
        .route("/report", post(pages::submit))
        .route("/follow", get(follow::enter).post(follow::show))
        .route("/follow/message", post(follow::reply))
        .route("/follow/confirm", post(follow::confirm))
        .route("/follow/reopen", post(follow::reopen))
        .route("/follow/withdraw", post(follow::withdraw))
        .route("/follow/retaliation", post(follow::retaliation))
        .route(
            "/follow/retaliation/{action}",
            post(follow::retaliation_action),
        )
        .route("/follow/{other}", post(follow::unknown))
}

/// Under /api/v1.
pub fn api() -> Router<AppState> {
    Router::new()
        .route("/catalog", get(api::catalog))
        .route("/reports", post(api::submit))
        .route("/reports/preview", post(api::preview))
        .route("/reports/mine", get(api::mine))
        .route("/reports/mine/messages", post(api::reply))
        .route("/reports/mine/confirm", post(api::confirm))
        .route("/reports/mine/reopen", post(api::reopen))
        .route("/reports/mine/withdraw", post(api::withdraw))
        .route("/reports/mine/retaliation", post(api::retaliation))
        .route(
            "/reports/mine/retaliation/{id}/{action}",
            post(api::retaliation_action),
        )
}
