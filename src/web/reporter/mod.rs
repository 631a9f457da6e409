//! The reporter: no account, only a receipt. Previewing and submitting a report, following it up
//! (reply, confirm, ask for it to be handled again, withdraw) and reporting retaliation, as pages and
//! as JSON.
mod api;
mod commands;
mod follow;
mod pages;

use super::AppState;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

/// The routes that take files (pages, and the API's under /api/v1): their bodies may be as large as
/// the deployment's `upload_body_limit` (`middleware::read_body` reads them whole first).
const FILE_ROUTES: [&str; 7] = [
    "/report/new",
    "/report/preview",
    "/report",
    "/follow/message",
    "/reports",
    "/reports/preview",
    "/reports/mine/messages",
];

/// Whether the route `template` takes files (written as matched, with or without /api/v1).
pub fn takes_files(template: &str) -> bool {
    FILE_ROUTES.contains(&template.strip_prefix("/api/v1").unwrap_or(template))
}

pub fn router() -> Router<AppState> {
    let with_files = Router::new()
        .route("/report/new", get(pages::new_form).post(pages::edit))
        .route("/report/preview", post(pages::preview))
        .route("/report", post(pages::submit))
        .route("/follow/message", post(follow::reply))
        // read_body has bounded these already, by the larger limit.
        .layer(DefaultBodyLimit::disable());
    Router::new()
        .merge(with_files)
        .route("/follow", get(follow::enter).post(follow::show))
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
    let with_files = Router::new()
        .route("/reports", post(api::submit))
        .route("/reports/preview", post(api::preview))
        .route("/reports/mine/messages", post(api::reply))
        .layer(DefaultBodyLimit::disable());
    Router::new()
        .merge(with_files)
        .route("/catalog", get(api::catalog))
        .route("/reports/mine", get(api::mine))
        .route("/reports/mine/confirm", post(api::confirm))
        .route("/reports/mine/reopen", post(api::reopen))
        .route("/reports/mine/withdraw", post(api::withdraw))
        .route("/reports/mine/retaliation", post(api::retaliation))
        .route(
            "/reports/mine/retaliation/{id}/{action}",
            post(api::retaliation_action),
        )
}
