//! Zhiyan (直言): an anonymous feedback channel for grassroots public servants.
//! Data flows one way: web → service (use cases) → domain rules, crypto and store.
pub mod config;
pub mod crypto;
pub mod domain;
pub mod jobs;
pub mod notify;
pub mod server;
pub mod service;
pub mod store;
pub mod web;

use std::sync::Arc;

/// Everything needed to open the service on a database: used by `serve`, the CLI and the tests.
pub async fn open_service(
    data: &config::DataArgs,
    clock: Arc<dyn domain::Clock>,
    settings: service::Settings,
) -> anyhow::Result<service::Service> {
    let store = connect(data).await?;
    let keys = crypto::Keyring::load_or_create(&data.data_dir)?;
    Ok(service::Service::new(store, keys, clock, settings))
}

pub use server::{serve, ConnectionLimits};

/// Connect and migrate; the data dir is created first because the embedded database lives in it.
pub async fn connect(data: &config::DataArgs) -> anyhow::Result<store::Store> {
    std::fs::create_dir_all(&data.data_dir)?;
    let store = store::Store::open(&data.database_url(), &data.store_options()).await?;
    store.migrate().await?;
    Ok(store)
}
