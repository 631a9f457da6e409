//! What every staff member shares: signing in and out, setting up an account with a setup code, the
//! own account page (pages and API), and the item list and item page that desks and supervisors both
//! use, each under their own URLs.
mod account;
mod api;
pub mod audience;
pub mod commands;
mod cookies;
pub mod export;
pub mod item;
pub mod list;
mod pages;
mod setup;

use super::AppState;
use crate::service::Role;
use axum::routing::{get, post};
use axum::Router;

/// Where a role's pages start.
pub fn home(role: Role) -> &'static str {
    match role {
        Role::Desk => "/desk",
        Role::Supervisor => "/oversight",
        Role::Admin => "/admin",
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff/login", get(pages::login_form).post(pages::login))
        .route("/staff/logout", post(pages::logout))
        .route("/staff/setup", get(setup::enter).post(setup::start))
        .route("/staff/setup/complete", post(setup::complete))
        .route("/staff/account", get(account::page))
        .route("/staff/account/password", post(account::change_password))
        .route(
            "/staff/account/notifications",
            post(account::set_notifications),
        )
        .route(
            "/staff/account/totp",
            get(account::enrol_form).post(account::enrol),
        )
        .route(
            "/staff/account/sessions/{id}/end",
            post(account::end_session),
        )
}

/// Under /api/v1.
pub fn api() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(api::login))
        .route("/auth/logout", post(api::logout))
        .route("/auth/setup", post(api::setup))
        .route("/auth/setup/complete", post(api::complete_setup))
        .route("/account", get(account::api_account))
        .route("/account/password", post(account::api_change_password))
        .route(
            "/account/notifications",
            get(account::api_notifications).put(account::api_set_notifications),
        )
        .route("/account/totp", post(account::api_begin_enrolment))
        .route(
            "/account/totp/confirm",
            post(account::api_confirm_enrolment),
        )
        .route("/account/sessions/{id}/end", post(account::api_end_session))
}

/// `s` as a query-string value.
pub fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|e| e.trim_start_matches('=').to_string())
        .unwrap_or_default()
}
