//! HTTP, grouped by audience: each folder has its pages and its JSON API side by side (reporter, desk,
//! oversight, staff, admin, public); what they share (errors, extractors, rendering, layers) sits here.
mod admin;
mod charts;
mod csv;
mod desk;
mod error;
mod extract;
pub mod lang;
mod middleware;
mod oversight;
pub mod proxy;
mod public;
mod qr;
pub mod ratelimit;
pub mod render;
mod reporter;
mod staff;

use crate::service::Service;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::{Json, Router};
use std::sync::Arc;

/// Largest request body accepted: a 20,000-character report in the worst JSON escaping fits.
pub const BODY_LIMIT: usize = 256 * 1024;

/// How the service is reached: set from `--trusted-proxy`, `--public-origin` and
/// `--body-read-timeout` (the default in `config`).
#[derive(Clone, Debug)]
pub struct Deployment {
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<proxy::Cidr>,
    /// The origin people use (`https://…`); form posts must come from it.
    pub public_origin: Option<String>,
    /// A request body must have arrived within this (see `middleware::read_body`).
    pub body_read_timeout: std::time::Duration,
    /// The largest body of the routes that take files (`reporter::takes_files`), and how long it
    /// may take to arrive (files over a slow link, or Tor, take minutes).
    pub upload_body_limit: usize,
    pub upload_read_timeout: std::time::Duration,
    /// Bodies with files held at once (each up to `upload_body_limit`): past it, `503` at once
    /// rather than memory without bound.
    pub upload_slots: Arc<tokio::sync::Semaphore>,
}

/// The body a form with `count` files of `bytes` each needs: the files base64-encoded (the preview
/// carries cleaned files on that way), a megabyte for the text and the form's framing, and never
/// less than `BODY_LIMIT`.
pub fn upload_body_limit(count: usize, bytes: u64) -> usize {
    let files = (count as u64).saturating_mul(bytes).saturating_mul(4) / 3;
    usize::try_from(files.saturating_add(1 << 20))
        .unwrap_or(usize::MAX)
        .max(BODY_LIMIT)
}

impl Deployment {
    /// Mark the staff cookies Secure: the public origin is https.
    pub fn secure_cookies(&self) -> bool {
        self.public_origin
            .as_deref()
            .is_some_and(|o| o.starts_with("https://"))
    }
}

#[derive(Clone)]
pub struct AppState {
    pub service: Service,
    pub templates: Arc<render::Templates>,
    /// Proxies and the public origin.
    pub deployment: Arc<Deployment>,
    /// Failed receipt lookups and logins, per keyed hash of the client address.
    pub limiter: Arc<ratelimit::RateLimiter>,
    /// Rendered public statistics of the current snapshot.
    pub stats_outputs: Arc<public::StatsOutputs>,
}

impl AppState {
    pub fn new(service: Service, deployment: Deployment) -> anyhow::Result<AppState> {
        Ok(AppState {
            service,
            templates: Arc::new(render::Templates::new()?),
            deployment: Arc::new(deployment),
            limiter: Arc::new(ratelimit::RateLimiter::new(ratelimit::Policy::default())),
            stats_outputs: Arc::default(),
        })
    }
}

/// The pages (JSON errors turned into the error page) and, under /api/v1, the JSON API of API.md
/// (errors stay JSON), with the shared layers around both.
pub fn router(state: AppState) -> Router {
    let pages = Router::new()
        .merge(public::router())
        .merge(reporter::router())
        .merge(staff::router())
        .merge(desk::router())
        .merge(oversight::router())
        .merge(admin::router())
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.deployment.clone(),
            middleware::read_body,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            error::html_errors,
        ));
    let api = Router::new()
        .merge(reporter::api())
        .merge(staff::api())
        .merge(desk::api())
        .merge(oversight::api())
        .merge(admin::api())
        .merge(public::api())
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.deployment.clone(),
            middleware::read_body,
        ));
    Router::new()
        .nest("/api/v1", api)
        .merge(pages)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(middleware::security_headers))
        .layer(axum::middleware::from_fn(middleware::access_log))
        .layer(axum::middleware::from_fn_with_state(
            state.deployment.clone(),
            proxy::attach,
        ))
        .with_state(state)
}

/// Body of a successful API action that has nothing else to say.
fn ok() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "ok": true }))
}

/// The same for an action that created something (a message).
fn created() -> (StatusCode, Json<serde_json::Value>) {
    (StatusCode::CREATED, ok())
}
