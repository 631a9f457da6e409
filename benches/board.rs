//! How fast the supervisor's board and overdue list answer with a million reports on SQLite.
//!
//! `cargo bench --bench board` (ZHIYAN_BENCH_REPORTS overrides the 1,000,000). The first run
//! generates the fixture (see support/fixture.rs); later runs reuse it. Each request goes through the
//! real router (tower `oneshot`, no network), signed in as the root supervisor, so the figures are
//! the service's own time: store queries, decryption of listed titles, JSON or HTML rendering.
#[path = "support/fixture.rs"]
mod fixture;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use std::time::{Duration, Instant};
use tower::ServiceExt;

const RUNS: usize = 40;

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run());
}

async fn run() {
    let n = std::env::var("ZHIYAN_BENCH_REPORTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let fx = fixture::fixture(n).await;
    let service = fx.service(10).await;
    let login = service
        .login(zhiyan::service::SignIn {
            username: "bench-root",
            password: fixture::PASSWORD,
            totp: None,
            device: None,
            kind: zhiyan::service::SessionKind::Api,
        })
        .await
        .expect("the fixture's supervisor signs in");
    let token = secrecy::ExposeSecret::expose_secret(&login.token).to_string();
    let state = zhiyan::web::AppState::new(service.clone(), Default::default()).unwrap();
    let router = zhiyan::web::router(state);

    println!("board benchmark: {n} reports, SQLite, {RUNS} runs each after 3 warm-up runs");
    for (name, path, cookie) in [
        ("summary (JSON)", "/api/v1/oversight/summary", false),
        (
            "overdue list (JSON)",
            "/api/v1/oversight/items?overdue=true",
            false,
        ),
        ("board page (HTML)", "/oversight", true),
    ] {
        let mut times = Vec::new();
        let mut bytes = 0;
        for i in 0..RUNS + 3 {
            let mut req = Request::builder().uri(path);
            req = if cookie {
                req.header(header::COOKIE, format!("zhiyan_session={token}"))
            } else {
                req.header(header::AUTHORIZATION, format!("Bearer {token}"))
            };
            let started = Instant::now();
            let resp = router
                .clone()
                .oneshot(req.body(Body::empty()).unwrap())
                .await
                .unwrap();
            let status = resp.status();
            let body = resp.into_body().collect().await.unwrap().to_bytes();
            let took = started.elapsed();
            assert_eq!(
                status,
                StatusCode::OK,
                "{path}: {}",
                String::from_utf8_lossy(&body)
            );
            bytes = body.len();
            if i >= 3 {
                times.push(took);
            }
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{name:<22} median {:>7.1} ms   p95 {:>7.1} ms   max {:>7.1} ms   ({bytes} bytes)",
            ms(times[times.len() / 2]),
            ms(times[times.len() * 95 / 100]),
            ms(*times.last().unwrap()),
        );
    }
    println!(
        "peak RSS after the board runs: {} MiB",
        fixture::peak_rss_mib()
    );
}
