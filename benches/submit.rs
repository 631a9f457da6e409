//! Submission throughput: the real server (`zhiyan::serve`, the real router, opened the way
//! `zhiyan serve` opens it) on SQLite and on PostgreSQL, driven with `POST /api/v1/reports` by
//! closed-loop keep-alive HTTP/1.1 clients. Each submission seals title and body (AES-GCM), inserts
//! the report, appends `submitted` to the audit chain, then (release delay 0) dispatches it and
//! appends `released`: two write transactions, serialized on the chain.
//!
//!     cargo bench --bench submit
//!
//! Knobs (environment): ZHIYAN_BENCH_CLIENTS (comma list, default 1,16,64), ZHIYAN_BENCH_SECONDS
//! (per run, default 10), ZHIYAN_BENCH_POSTGRES_URL or else ZHIYAN_TEST_POSTGRES_URL (a server where
//! a fresh database is created and dropped afterwards; without either, PostgreSQL is skipped).
#[path = "support/load.rs"]
mod load;
#[path = "../tests/it/support/pg.rs"]
mod pg;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use zhiyan::config::DataArgs;
use zhiyan::domain::{Span, SystemClock};
use zhiyan::service::{ChainStatus, Service, Settings};

const DEMO_ORG: &str = include_str!("../examples/demo-org.toml");

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(bench());
}

async fn bench() {
    let clients: Vec<usize> = std::env::var("ZHIYAN_BENCH_CLIENTS")
        .unwrap_or_else(|_| "1,16,64".into())
        .split(',')
        .map(|c| c.trim().parse().expect("ZHIYAN_BENCH_CLIENTS: numbers"))
        .collect();
    let seconds: u64 = std::env::var("ZHIYAN_BENCH_SECONDS")
        .map_or(10, |s| s.parse().expect("ZHIYAN_BENCH_SECONDS: a number"));
    let duration = Duration::from_secs(seconds);
    println!(
        "machine: {} logical CPUs, {}; server and load clients share them",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load::cpu_model()
    );
    println!("method: POST /api/v1/reports, closed loop, keep-alive, {seconds}s per run, pool 10 connections, release delay 0");

    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("zhiyan.db").display());
    run_backend("sqlite", &sqlite, dir.path(), &clients, duration).await;

    let admin = std::env::var("ZHIYAN_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("ZHIYAN_TEST_POSTGRES_URL"));
    match admin {
        Ok(admin) => {
            let db = pg::PgDatabase::create(&admin).await;
            let dir = tempfile::tempdir().unwrap();
            run_backend("postgres", &db.url, dir.path(), &clients, duration).await;
        }
        Err(_) => println!(
            "postgres: skipped (set ZHIYAN_BENCH_POSTGRES_URL or ZHIYAN_TEST_POSTGRES_URL)"
        ),
    }
}

async fn run_backend(
    name: &str,
    database_url: &str,
    data_dir: &std::path::Path,
    clients: &[usize],
    duration: Duration,
) {
    let data = DataArgs {
        database_url: Some(database_url.to_string()),
        data_dir: data_dir.to_path_buf(),
        db_max_connections: 10,
        db_acquire_timeout: Span(5),
        sqlite_synchronous: "full".into(),
    };
    let settings = Settings {
        release_delay: 0,
        ..Settings::default()
    };
    let service = zhiyan::open_service(&data, Arc::new(SystemClock), settings)
        .await
        .unwrap();
    service.import_org(DEMO_ORG).await.unwrap();
    let (addr, stop, server) = start_server(&service).await;
    let events_before = service.checkpoint().await.unwrap().size;

    let mut created = 0;
    for &c in clients {
        let report = load::run(addr, c, duration, |client, seq| {
            let body = serde_json::json!({
                "category": "duplicate-inspections",
                "area": "xinhe",
                "title": format!("基准测试 {client}-{seq}"),
                "body": "同一事项一个月内被三个部门分别检查，每次都要准备同样的材料。",
            });
            load::post_json("/api/v1/reports", &body.to_string())
        })
        .await;
        created += report.statuses.get(&201).copied().unwrap_or(0);
        println!("{name:<8} {report}");
    }

    let _ = stop.send(());
    server.await.unwrap().unwrap();
    // The numbers only count if every 201 is a whole, chained report: submitted + released.
    let chain = service.verify_chain().await.unwrap();
    let ChainStatus::Valid { size, .. } = chain else {
        panic!("{name}: audit chain broken after the run: {chain:?}");
    };
    assert_eq!(size - events_before, 2 * created as i64, "{name}: events");
    println!("{name:<8} checked: {created} reports answered 201, 2 events each, audit chain valid ({size} events)");
    service.close().await;
}

async fn start_server(
    service: &Service,
) -> (
    SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let state = zhiyan::web::AppState::new(service.clone(), Default::default()).unwrap();
    let router = zhiyan::web::router(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(zhiyan::serve(listener, router, async {
        let _ = stopped.await;
    }));
    (addr, stop, server)
}
