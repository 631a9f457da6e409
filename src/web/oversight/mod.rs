//! A supervisor: the board, the lists of their subtree, one item and what they can do with it (assign,
//! decide a transfer, mark a duplicate, reject, message the reporter), as pages and as JSON.
mod api;
mod board;
mod commands;
mod pages;

use super::staff::audience::Oversight;
use super::staff::{export, item, list};
use super::AppState;
use axum::routing::{get, post};
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/oversight", get(board::page))
        .route("/oversight/items", get(list::page::<Oversight>))
        .route("/oversight/items.csv", get(export::csv::<Oversight>))
        .route("/oversight/items/{id}", get(item::page::<Oversight>))
        .route(
            "/oversight/items/{id}/attachments/{n}",
            get(item::attachment::<Oversight>),
        )
        .route("/oversight/items/{id}/assign", post(pages::assign))
        .route(
            "/oversight/items/{id}/transfer-decision",
            post(pages::decide),
        )
        .route("/oversight/items/{id}/duplicate", post(pages::duplicate))
        .route("/oversight/items/{id}/reject", post(pages::reject))
        .route("/oversight/items/{id}/messages", post(pages::message))
}

/// Under /api/v1.
pub fn api() -> Router<AppState> {
    Router::new()
        .route("/oversight/summary", get(api::summary))
        .route("/oversight/items", get(list::api::<Oversight>))
        .route("/oversight/items/{id}", get(item::api::<Oversight>))
        .route("/oversight/items/{id}/assign", post(api::assign))
        .route("/oversight/items/{id}/transfer-decision", post(api::decide))
        .route("/oversight/items/{id}/duplicate", post(api::duplicate))
        .route("/oversight/items/{id}/reject", post(api::reject))
        .route("/oversight/items/{id}/messages", post(api::message))
}
