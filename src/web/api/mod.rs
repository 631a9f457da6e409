//! The JSON API of API.md, one module per audience.
mod auth;
mod desk;
mod oversight;
mod public;
mod reporter;

use super::AppState;
use crate::web::error::Error;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(reporter::router())
        .merge(auth::router())
        .merge(desk::router())
        .merge(oversight::router())
        .merge(public::router())
        .merge(super::stats::api_router())
        .fallback(|| async { Error::NOT_FOUND })
}

/// Body of a successful action that has nothing else to say.
pub fn ok() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({ "ok": true }))
}

/// The `?state=&overdue=` filter of the item lists; a value that does not parse names `state`.
pub fn item_filter(
    q: Result<
        axum::extract::Query<crate::service::ItemQuery>,
        axum::extract::rejection::QueryRejection,
    >,
) -> crate::web::error::Result<crate::service::ItemQuery> {
    q.map(|axum::extract::Query(q)| q)
        .map_err(|_| Error::field("state", crate::domain::text::Problem::Invalid))
}
