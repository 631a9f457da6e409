//! Public statistics with a million reports on SQLite: how long the background rebuild takes, and
//! the request rate `/stats` sustains against `/healthz` on the same server in the same run (the
//! target: at least 20%).
//!
//!     cargo bench --bench stats
//!
//! The real server (`zhiyan::serve`, real router) on 127.0.0.1:0 over the fixture of
//! support/fixture.rs; closed-loop keep-alive HTTP/1.1 clients from support/load.rs on the same
//! machine. Knobs: ZHIYAN_BENCH_REPORTS (default 1,000,000), ZHIYAN_BENCH_CLIENTS (default 8),
//! ZHIYAN_BENCH_SECONDS (per run, default 10).
#[path = "support/fixture.rs"]
mod fixture;
#[path = "support/load.rs"]
mod load;
#[path = "support/server.rs"]
mod server;

use std::time::{Duration, Instant};

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(bench());
}

async fn bench() {
    let n = load::env_or::<usize>("ZHIYAN_BENCH_REPORTS", 1_000_000);
    let clients = load::env_or::<usize>("ZHIYAN_BENCH_CLIENTS", 8);
    let duration = Duration::from_secs(load::env_or("ZHIYAN_BENCH_SECONDS", 10));
    let fx = fixture::fixture(n).await;
    let service = fx.service(10).await;
    println!(
        "machine: {} logical CPUs, {}; server and load clients share them",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load::cpu_model()
    );

    // The background job's work: one full rebuild of the snapshot.
    let mut rebuilds = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        service.refresh_stats().await.unwrap();
        rebuilds.push(started.elapsed());
    }
    rebuilds.sort();
    println!(
        "{n} reports: snapshot rebuild median {:.3} s (of 3; the refresh job does this every --stats-refresh); \
         peak RSS so far {} MiB",
        rebuilds[1].as_secs_f64(),
        fixture::peak_rss_mib()
    );
    // Baseline, same run: only reading the columns a row-by-row rebuild needs, every dispatched
    // report through sqlx, counting rows and keeping none (what the rebuild did before it was
    // done in SQL, without any of its tallying).
    let mut reads = Vec::new();
    for _ in 0..3 {
        reads.push(read_all_rows(&fx.url).await);
    }
    reads.sort();
    println!(
        "baseline: reading the {n} rows' fact columns alone takes {:.3} s (median of 3); rebuild / baseline = {:.2}",
        reads[1].as_secs_f64(),
        rebuilds[1].as_secs_f64() / reads[1].as_secs_f64()
    );

    let running = server::start(&service).await;
    let addr = running.addr;

    println!(
        "method: GET, closed loop, keep-alive, {clients} clients, {}s per run",
        duration.as_secs()
    );
    let departments: Vec<String> = service
        .catalog()
        .await
        .unwrap()
        .departments
        .into_iter()
        .map(|d| d.code)
        .collect();
    let healthz = load::run(addr, clients, duration, |_, _| load::get("/healthz")).await;
    print_run("/healthz", &healthz);
    let page = load::run(addr, clients, duration, |_, _| load::get("/stats")).await;
    print_run("/stats (HTML, default period)", &page);
    let api = load::run(addr, clients, duration, |_, _| load::get("/api/v1/stats")).await;
    print_run("/api/v1/stats (JSON)", &api);
    // Worst case: every request a different period and department (every month, quarter and year
    // of the fixture's three years × every department: 867 combinations, more than the 256
    // remembered reports and 512 rendered outputs), so most are assembled and rendered afresh.
    let mut periods: Vec<String> = Vec::new();
    for y in 2024..=2026 {
        periods.push(format!("from={y}-01&to={y}-12"));
        for q in 0..4 {
            periods.push(format!("from={y}-{:02}&to={y}-{:02}", 3 * q + 1, 3 * q + 3));
        }
        for m in 1..=12 {
            periods.push(format!("from={y}-{m:02}"));
        }
    }
    let cold = load::run(addr, clients, duration, move |client, seq| {
        let i = (seq as usize) * 31 + client * 7;
        let dept = &departments[i % departments.len()];
        let period = &periods[(i / departments.len()) % periods.len()];
        load::get(&format!("/api/v1/stats?{period}&department={dept}"))
    })
    .await;
    print_run("/api/v1/stats (867 periods × departments)", &cold);
    println!(
        "/stats sustained {:.0}% of the /healthz rate (target ≥ 20%)",
        100.0 * page.requests_per_sec() / healthz.requests_per_sec()
    );
    running.stop().await;
    println!("peak RSS of the whole run {} MiB", fixture::peak_rss_mib());
}

async fn read_all_rows(url: &str) -> Duration {
    use futures_util::TryStreamExt;
    use sqlx::Connection;
    let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
    let started = Instant::now();
    let mut rows = sqlx::query(
        "SELECT id, department, category, dispatched_at, acknowledge_due, respond_due, \
         acknowledged_at, responded_at, closed_at, state, confirmed, outcome, satisfaction, reopens, \
         transfers FROM reports WHERE kind = 'report' AND dispatched_at IS NOT NULL",
    )
    .fetch(&mut c);
    let mut n = 0u64;
    while rows.try_next().await.unwrap().is_some() {
        n += 1;
    }
    drop(rows);
    let took = started.elapsed();
    assert!(n > 0);
    c.close().await.unwrap();
    took
}

fn print_run(name: &str, r: &load::Report) {
    println!(
        "{name:<42} {:>8.0} req/s   p50 {:>7.2} ms   p99 {:>7.2} ms   errors {}",
        r.requests_per_sec(),
        r.p50.as_secs_f64() * 1000.0,
        r.p99.as_secs_f64() * 1000.0,
        r.errors + r.transport_errors,
    );
}
