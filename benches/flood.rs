//! A flood of failed sign-ins must hurt no one: the p99 latency of `GET /stats` and of
//! `POST /api/v1/reports`, each at a fixed rate, with and without 8 clients sending failed logins
//! as fast as they can, each login on a new connection from its own address in 127.0.0.0/8. Target:
//! flood p99 / quiet p99 ≤ 1.5 for both.
//!
//!     cargo bench --bench flood
//!
//! The real server (`zhiyan::serve`, the real router, default settings: argon2 on cores − 1 workers at
//! a lower priority, per-username backoff, the failed-login budget) on SQLite, and on PostgreSQL when
//! ZHIYAN_BENCH_POSTGRES_URL or ZHIYAN_TEST_POSTGRES_URL is set. Half the failed logins name a real
//! account (its backoff answers them), half a new name each time (the budget answers them once the
//! minute's failures are spent). A second server with the budget set out of reach shows what the
//! argon2 pool alone holds. Quiet and flooded runs alternate, 3 of each; medians are printed.
//! Knobs: ZHIYAN_BENCH_SECONDS (per run, default 10), ZHIYAN_BENCH_RATE (requests/s of each stream,
//! default 40).
#[path = "support/load.rs"]
mod load;
#[path = "../tests/it/support/pg.rs"]
mod pg;
#[path = "support/server.rs"]
mod server;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use zhiyan::domain::backoff::BudgetPolicy;
use zhiyan::service::{Role, Settings};

const ROUNDS: usize = 3;
const FLOODERS: usize = 8;

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(bench());
}

async fn bench() {
    let seconds = load::env_or("ZHIYAN_BENCH_SECONDS", 10.0);
    let rate = load::env_or("ZHIYAN_BENCH_RATE", 40.0);
    println!(
        "machine: {} logical CPUs, {}; server, database and load clients share them",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load::cpu_model()
    );
    println!(
        "method: open loop, {rate}/s GET /stats and {rate}/s POST /api/v1/reports together, {seconds}s per run; \
         flood: {FLOODERS} closed-loop clients of failed POST /api/v1/auth/login, a new connection and \
         source address each; {ROUNDS} quiet and {ROUNDS} flooded runs alternating, medians"
    );
    let duration = Duration::from_secs_f64(seconds);
    let dir = tempfile::tempdir().unwrap();
    let sqlite = |name: &str| format!("sqlite://{}", dir.path().join(name).display());
    run_backend("sqlite", &sqlite("a.db"), dir.path(), None, rate, duration).await;
    run_backend(
        "sqlite",
        &sqlite("b.db"),
        dir.path(),
        Some(u32::MAX),
        rate,
        duration,
    )
    .await;
    let admin = std::env::var("ZHIYAN_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("ZHIYAN_TEST_POSTGRES_URL"));
    match admin {
        Ok(admin) => {
            let db = pg::PgDatabase::create(&admin).await;
            run_backend("postgres", &db.url, dir.path(), None, rate, duration).await;
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
    budget: Option<u32>,
    rate: f64,
    duration: Duration,
) {
    let mut settings = Settings {
        release_delay: 0,
        ..Settings::default()
    };
    if let Some(max_failures) = budget {
        settings.login_budget = BudgetPolicy {
            max_failures,
            ..settings.login_budget
        };
    }
    let label = match budget {
        None => format!("{name} (default login limits)"),
        Some(_) => format!("{name} (no failed-login budget: every failure checks its password)"),
    };
    let service = server::prepared(database_url, data_dir, settings).await;
    service
        .create_user(
            "desk-real",
            Role::Desk,
            Some("supervision"),
            "a real desk password",
        )
        .await
        .unwrap();
    service.refresh_stats().await.unwrap();
    let running = server::start(&service).await;
    let addr = running.addr;

    let (mut quiet, mut flooded) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        quiet.push(measure(addr, rate, duration).await);
        let flood = Flood::start(addr);
        flooded.push(measure(addr, rate, duration).await);
        let (logins, statuses) = flood.stop().await;
        println!(
            "{label}: flood sent {logins} failed logins ({:.0}/s), answered {statuses:?}",
            logins as f64 / duration.as_secs_f64()
        );
    }
    for (i, what) in ["GET /stats", "POST /api/v1/reports"].iter().enumerate() {
        let median = |runs: &[[load::Report; 2]]| {
            let mut p99: Vec<Duration> = runs.iter().map(|r| r[i].p99).collect();
            p99.sort();
            p99[p99.len() / 2]
        };
        let (q, f) = (median(&quiet), median(&flooded));
        let errors: u64 = flooded.iter().map(|r| r[i].errors).sum();
        println!(
            "{label}: {what:<21} p99 quiet {:.2} ms, flooded {:.2} ms, ratio {:.2} (errors while flooded: {errors})",
            q.as_secs_f64() * 1000.0,
            f.as_secs_f64() * 1000.0,
            f.as_secs_f64() / q.as_secs_f64()
        );
        for (q, f) in quiet.iter().zip(&flooded) {
            println!("    quiet   {}\n    flooded {}", q[i], f[i]);
        }
    }
    running.stop().await;
    service.close().await;
}

/// Both fixed-rate streams at once.
async fn measure(addr: SocketAddr, rate: f64, duration: Duration) -> [load::Report; 2] {
    let stats = load::paced(addr, rate, duration, |_| load::get("/stats"));
    let submit = load::paced(addr, rate, duration, |seq| {
        let body = serde_json::json!({
            "category": "duplicate-inspections",
            "area": "xinhe",
            "title": format!("基准测试 {seq}"),
            "body": "同一事项一个月内被三个部门分别检查，每次都要准备同样的材料。",
        });
        load::post_json("/api/v1/reports", &body.to_string())
    });
    let (a, b) = tokio::join!(stats, submit);
    [a, b]
}

/// Failed logins as fast as 8 clients can send them, each from a new address.
struct Flood {
    running: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<Vec<u16>>>,
    sent: Arc<AtomicU64>,
}

impl Flood {
    fn start(addr: SocketAddr) -> Flood {
        let running = Arc::new(AtomicBool::new(true));
        let sent = Arc::new(AtomicU64::new(0));
        let tasks = (0..FLOODERS)
            .map(|client| {
                let (running, sent) = (running.clone(), sent.clone());
                tokio::spawn(async move {
                    let mut statuses = Vec::new();
                    while running.load(Ordering::Relaxed) {
                        let n = sent.fetch_add(1, Ordering::Relaxed);
                        // 127.1.0.0 upwards: a new address for every attempt.
                        let source = IpAddr::V4(Ipv4Addr::from(0x7f01_0000 + n as u32));
                        let username = if n % 2 == 0 {
                            "desk-real".to_string()
                        } else {
                            format!("guess-{client}-{n}")
                        };
                        let body = serde_json::json!({
                            "username": username,
                            "password": format!("wrong password {n}"),
                            "totp": "123456",
                        });
                        let request = load::post_json("/api/v1/auth/login", &body.to_string());
                        let answer = async {
                            let mut conn = load::Connection::open_from(addr, source).await?;
                            conn.round_trip(&request).await
                        };
                        if let Ok(Ok(r)) = tokio::time::timeout(load::REQUEST_TIMEOUT, answer).await
                        {
                            statuses.push(r.status);
                        }
                    }
                    statuses
                })
            })
            .collect();
        Flood {
            running,
            tasks,
            sent,
        }
    }

    async fn stop(self) -> (u64, std::collections::BTreeMap<u16, u64>) {
        self.running.store(false, Ordering::Relaxed);
        let mut statuses = std::collections::BTreeMap::new();
        for t in self.tasks {
            for s in t.await.unwrap() {
                *statuses.entry(s).or_insert(0) += 1;
            }
        }
        (self.sent.load(Ordering::Relaxed), statuses)
    }
}
