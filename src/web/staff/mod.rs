//! What every staff member shares: signing in and out (pages and API), and the item list and item page
//! that desks and supervisors both use, each under their own URLs.
mod api;
pub mod audience;
pub mod commands;
pub mod item;
pub mod list;
mod pages;

use super::AppState;
use axum::routing::{get, post};
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/login", get(pages::login_form).post(pages::login))
        .route("/staff/logout", post(pages::logout))
}

/// Under /api/v1.
pub fn api() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(api::login))
        .route("/auth/logout", post(api::logout))
}
