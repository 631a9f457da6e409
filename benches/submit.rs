//! Write throughput: the real server (`zhiyan::serve`, the real router, opened the way `zhiyan
//! serve` opens it) on SQLite and on PostgreSQL, driven by closed-loop keep-alive HTTP/1.1 clients,
//! beside what the database alone does with the same rows in the same run (`support/baseline.rs`).
//!
//! - Submissions: `POST /api/v1/reports`. Each seals title and body (AES-GCM), routes, writes the
//!   report already dispatched (release delay 0) with its `submitted` and `released` events, in one
//!   transaction, committed in groups by the instance's one writer.
//! - Staff actions: `POST /api/v1/desk/items/{id}/messages`, each client on its own item: seal the
//!   message, check access, update the item, append the event.
//!
//!     cargo bench --bench submit
//!
//! Knobs (environment): ZHIYAN_BENCH_CLIENTS (comma list, default 1,16,64), ZHIYAN_BENCH_SECONDS
//! (per run, default 10), ZHIYAN_BENCH_POSTGRES_URL or else ZHIYAN_TEST_POSTGRES_URL (a server where
//! fresh databases are created and dropped afterwards; without either, PostgreSQL is skipped).
#[path = "support/baseline.rs"]
mod baseline;
#[path = "support/load.rs"]
mod load;
#[path = "../tests/it/support/pg.rs"]
mod pg;
#[path = "support/server.rs"]
mod server;

use secrecy::ExposeSecret;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use zhiyan::service::{ChainStatus, NewReportInput, Role, Service, SessionKind, Settings, SignIn};

const PASSWORD: &str = "bench password 12345";

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
        "machine: {} logical CPUs, {}; server, database and load clients share them",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load::cpu_model()
    );
    println!(
        "method: closed loop, keep-alive, {seconds}s per run, pool 10 connections, release delay 0; \
         baseline: the same rows, {} submissions per transaction, one client",
        baseline::PER_TRANSACTION
    );

    let dir = tempfile::tempdir().unwrap();
    let url = |name: &str| format!("sqlite://{}", dir.path().join(name).display());
    let base = prepared(&url("baseline.db"), dir.path()).await;
    base.close().await;
    let raw = baseline::sqlite(&dir.path().join("baseline.db"), duration);
    println!("sqlite   baseline: {raw:.0} submissions/s (rusqlite, WAL, synchronous=FULL)");
    run_backend(
        "sqlite",
        &url("zhiyan.db"),
        dir.path(),
        &clients,
        duration,
        raw,
    )
    .await;

    let admin = std::env::var("ZHIYAN_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("ZHIYAN_TEST_POSTGRES_URL"));
    match admin {
        Ok(admin) => {
            let dir = tempfile::tempdir().unwrap();
            let base_db = pg::PgDatabase::create(&admin).await;
            prepared(&base_db.url, dir.path()).await.close().await;
            let raw = baseline::postgres(&base_db.url, duration).await;
            println!(
                "postgres baseline: {raw:.0} submissions/s (one connection, prepared statements)"
            );
            let db = pg::PgDatabase::create(&admin).await;
            run_backend("postgres", &db.url, dir.path(), &clients, duration, raw).await;
        }
        Err(_) => println!(
            "postgres: skipped (set ZHIYAN_BENCH_POSTGRES_URL or ZHIYAN_TEST_POSTGRES_URL)"
        ),
    }
}

/// The bench's service: release delay 0; the desk signs in without a second factor (a bench, not a
/// deployment, as with --demo).
async fn prepared(database_url: &str, data_dir: &std::path::Path) -> Service {
    let settings = Settings {
        release_delay: 0,
        require_totp: false,
        ..Settings::default()
    };
    server::prepared(database_url, data_dir, settings).await
}

async fn run_backend(
    name: &str,
    database_url: &str,
    data_dir: &std::path::Path,
    clients: &[usize],
    duration: Duration,
    raw: f64,
) {
    let service = prepared(database_url, data_dir).await;
    let running = server::start(&service).await;
    let addr = running.addr;
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
        let share = 100.0 * report.requests_per_sec() / raw;
        println!("{name:<8} submit {report} ({share:.0}% of baseline)");
    }
    // The numbers only count if every 201 is a whole, chained report: submitted + released.
    let size = valid_chain(&service, name).await;
    assert_eq!(size - events_before, 2 * created as i64, "{name}: events");
    println!("{name:<8} checked: {created} reports answered 201, 2 events each, audit chain valid ({size} events)");

    staff_actions(name, &service, addr, clients, duration).await;

    running.stop().await;
    service.close().await;
}

/// Desk messages, each client on an item of its own (no conflicts between clients).
async fn staff_actions(
    name: &str,
    service: &Service,
    addr: SocketAddr,
    clients: &[usize],
    duration: Duration,
) {
    service
        .create_user("bench-desk", Role::Desk, Some("supervision"), PASSWORD)
        .await
        .unwrap();
    let sign_in = SignIn {
        username: "bench-desk",
        password: PASSWORD,
        totp: None,
        device: None,
        kind: SessionKind::Api,
    };
    let token = service.login(sign_in).await.unwrap().token;
    let bearer = format!("Bearer {}", token.expose_secret());
    let most = clients.iter().copied().max().unwrap_or(1);
    let mut items = Vec::new();
    for _ in 0..most {
        let input = NewReportInput {
            category: "duplicate-inspections".into(),
            area: "xinhe".into(),
            title: "基准测试".into(),
            body: "同一事项一个月内被三个部门分别检查。".into(),
            subject_department: None,
        };
        items.push(service.submit(input).await.unwrap().id);
    }
    let items = Arc::new(items);
    let before = service.checkpoint().await.unwrap().size;
    let mut sent = 0;
    for &c in clients {
        let (items, bearer) = (items.clone(), bearer.clone());
        let report = load::run(addr, c, duration, move |client, _| {
            let path = format!("/api/v1/desk/items/{}/messages", items[client]);
            let body = r#"{"body":"请补充检查通知的文号和日期。"}"#;
            let mut request = load::post_json(&path, body);
            let at = request.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
            let header = format!("\r\nAuthorization: {bearer}");
            request.splice(at..at, header.into_bytes());
            request
        })
        .await;
        sent += report.statuses.get(&201).copied().unwrap_or(0);
        println!("{name:<8} staff  {report}");
    }
    let size = valid_chain(service, name).await;
    assert_eq!(size - before, sent as i64, "{name}: one event per message");
}

async fn valid_chain(service: &Service, name: &str) -> i64 {
    match service.verify_chain().await.unwrap() {
        ChainStatus::Valid { size, .. } => size,
        broken => panic!("{name}: audit chain broken after the run: {broken:?}"),
    }
}
