//! Administrators: personal staff accounts and the organisation, as pages under /admin and as JSON
//! under /api/v1/admin. Administrators see no report content: nothing here reads an item, and the
//! service refuses every other role (403).
mod api;
mod commands;
mod notifications;
mod org;
mod pages;

use super::AppState;
use axum::routing::{get, post, put};
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(pages::accounts))
        .route("/admin/accounts", post(pages::create))
        .route("/admin/accounts/{username}", get(pages::account))
        .route("/admin/accounts/{username}/disable", post(pages::disable))
        .route("/admin/accounts/{username}/enable", post(pages::enable))
        .route("/admin/accounts/{username}/reset", post(pages::reset))
        .route("/admin/accounts/{username}/placement", post(pages::place))
        .route("/admin/org", get(org::page))
        .route("/admin/org/preview", post(org::preview))
        .route("/admin/org/apply", post(org::apply))
        .route("/admin/org/file", get(org::file))
        .route("/admin/notifications", get(notifications::page))
        .route("/admin/webhooks", post(notifications::set))
        .route(
            "/admin/webhooks/{department}/remove",
            post(notifications::remove),
        )
        .route(
            "/admin/webhooks/{department}/test",
            post(notifications::test_webhook),
        )
        .route("/admin/test-email", post(notifications::test_email))
}

/// Under /api/v1.
pub fn api() -> Router<AppState> {
    Router::new()
        .route("/admin/accounts", get(api::accounts).post(api::create))
        .route("/admin/accounts/{username}", get(api::account))
        .route("/admin/accounts/{username}/disable", post(api::disable))
        .route("/admin/accounts/{username}/enable", post(api::enable))
        .route("/admin/accounts/{username}/reset", post(api::reset))
        .route("/admin/accounts/{username}/placement", post(api::place))
        .route("/admin/org", get(api::org))
        .route("/admin/org/file", get(api::org_file))
        .route("/admin/org/preview", post(api::preview))
        .route("/admin/org/apply", post(api::apply))
        .route("/admin/webhooks", get(api::webhooks))
        .route(
            "/admin/webhooks/{department}",
            put(api::set_webhook).delete(api::delete_webhook),
        )
        .route("/admin/webhooks/{department}/test", post(api::test_webhook))
        .route(
            "/admin/accounts/{username}/test-email",
            post(api::test_email),
        )
}
