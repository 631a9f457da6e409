//! The real server for a bench: a service opened as `zhiyan serve` opens it, and `zhiyan::serve`
//! with the real router on 127.0.0.1:0. Include it with `#[path = "support/server.rs"] mod server;`.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use zhiyan::config::DataArgs;
use zhiyan::domain::{Span, SystemClock};
use zhiyan::service::{Service, Settings};

pub const DEMO_ORG: &str = include_str!("../../examples/demo-org.toml");

/// A service on a migrated database (SQLite with `synchronous=FULL`, the default) with the demo
/// organisation, a pool of 10 connections.
pub async fn prepared(database_url: &str, data_dir: &Path, settings: Settings) -> Service {
    let data = DataArgs {
        database_url: Some(database_url.to_string()),
        data_dir: data_dir.to_path_buf(),
        db_max_connections: 10,
        db_acquire_timeout: Span(5),
        sqlite_synchronous: zhiyan::config::defaults::SQLITE_SYNCHRONOUS.into(),
    };
    let service = zhiyan::open_service(&data, Arc::new(SystemClock), settings)
        .await
        .unwrap();
    service.import_org(DEMO_ORG).await.unwrap();
    service
}

/// The server, running until `stop`.
pub struct Running {
    pub addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Serve `service` with the real router and the default connection limits.
pub async fn start(service: &Service) -> Running {
    let state = zhiyan::web::AppState::new(service.clone(), Default::default()).unwrap();
    let router = zhiyan::web::router(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(zhiyan::serve(listener, router, Default::default(), async {
        let _ = stopped.await;
    }));
    Running { addr, stop, task }
}

impl Running {
    /// Stop accepting, finish what is in flight, and wait for the server to end.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap().unwrap();
    }
}
