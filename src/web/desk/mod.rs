//! A department desk: its inbox, one item and what it can do with it (acknowledge, ask or tell the
//! reporter, answer, ask for a transfer), as pages and as JSON.
mod api;
mod commands;
mod pages;

use super::staff::audience::Desk;
use super::staff::{export, item, list};
use super::AppState;
use axum::routing::{get, post};
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/desk", get(pages::inbox))
        .route("/desk/items.csv", get(export::csv::<Desk>))
        .route("/desk/items/{id}", get(item::page::<Desk>))
        .route(
            "/desk/items/{id}/attachments/{n}",
            get(item::attachment::<Desk>),
        )
        .route("/desk/items/{id}/acknowledge", post(pages::acknowledge))
        .route("/desk/items/{id}/messages", post(pages::message))
        .route("/desk/items/{id}/respond", post(pages::respond))
        .route("/desk/items/{id}/transfer", post(pages::transfer))
}

/// Under /api/v1.
pub fn api() -> Router<AppState> {
    Router::new()
        .route("/desk/items", get(list::api::<Desk>))
        .route("/desk/items/{id}", get(item::api::<Desk>))
        .route("/desk/items/{id}/acknowledge", post(api::acknowledge))
        .route("/desk/items/{id}/messages", post(api::message))
        .route("/desk/items/{id}/respond", post(api::respond))
        .route("/desk/items/{id}/transfer", post(api::transfer))
}
