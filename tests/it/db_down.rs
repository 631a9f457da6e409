//! The database goes away and comes back while the app keeps running.
//!
//! PostgreSQL only. A TCP proxy in the test sits between the app and the server; cutting it closes
//! every open connection and refuses new ones, as a stopped or unreachable server would. While it is
//! cut the app answers `503 unavailable` within its acquire timeout and writes nothing half-way;
//! once it is restored the same app, without a restart, answers normally again.
//!
//! There is no SQLite variant: the embedded database is a file the process itself holds open, so it
//! cannot become unreachable while the process runs. Taking away the directory's permissions (or
//! deleting the file) does not affect descriptors that are already open, so such a test would show
//! nothing about outage handling; a full disk or I/O error is a different failure, not an outage.
use crate::support::{Options, Resp, TestApp};
use axum::http::StatusCode;
use serde_json::json;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use zhiyan::service::{ChainStatus, Role};

/// A TCP proxy to `upstream` that the test can cut and restore.
struct Proxy {
    addr: SocketAddr,
    upstream: SocketAddr,
    running: Option<Running>,
}

struct Running {
    accept: JoinHandle<()>,
    connections: Arc<Mutex<JoinSet<()>>>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut proxy = Proxy {
            addr: listener.local_addr().unwrap(),
            upstream,
            running: None,
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&mut self, listener: TcpListener) {
        let connections = Arc::new(Mutex::new(JoinSet::new()));
        let (set, upstream) = (connections.clone(), self.upstream);
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                set.lock().unwrap().spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
        self.running = Some(Running {
            accept,
            connections,
        });
    }

    /// Close every proxied connection and stop listening: new connections are refused.
    async fn cut(&mut self) {
        let running = self.running.take().expect("already cut");
        running.accept.abort();
        let _ = running.accept.await; // the listener is closed once the task is gone
        let mut set = std::mem::take(&mut *running.connections.lock().unwrap());
        set.shutdown().await; // dropping both sockets of each pair closes them
    }

    /// Listen on the same address again.
    async fn restore(&mut self) {
        let listener = TcpListener::bind(self.addr).await.unwrap();
        self.serve(listener);
    }
}

/// host:port of a postgres:// URL, and the same URL pointed at `via` instead.
async fn upstream_of(url: &str, via: Option<SocketAddr>) -> (SocketAddr, String) {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (format!("{u}@"), h),
        None => (String::new(), authority),
    };
    let hostport = if hostport.contains(':') {
        hostport.to_string()
    } else {
        format!("{hostport}:5432")
    };
    let addr = tokio::net::lookup_host(&hostport)
        .await
        .unwrap()
        .next()
        .unwrap();
    let proxied = via.map_or(url.to_string(), |v| {
        format!("{scheme}://{userinfo}{v}/{path}")
    });
    (addr, proxied)
}

/// A fresh app on PostgreSQL, or None (after saying so) when ZHIYAN_TEST_POSTGRES_URL is not set.
async fn postgres_app() -> Option<TestApp> {
    TestApp::postgres("database-down test", Options::default()).await
}

/// (an instance connected directly, for checking; the proxy; an instance of the same app that
/// reaches the database only through the proxy, with a short acquire timeout).
async fn behind_proxy() -> Option<(TestApp, Proxy, TestApp)> {
    let direct = postgres_app().await?;
    let (upstream, _) = upstream_of(&direct.database_url, None).await;
    let proxy = Proxy::start(upstream).await;
    let (_, proxied_url) = upstream_of(&direct.database_url, Some(proxy.addr)).await;
    let app = direct.instance_on(&proxied_url, ACQUIRE_TIMEOUT).await;
    Some((direct, proxy, app))
}

const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(1);
/// Acquire timeout plus generous slack for a loaded CI machine; far below "hangs for a minute".
const LATENCY_BOUND: Duration = Duration::from_secs(4);

/// A call that must fail fast with the JSON `unavailable` body.
fn assert_unavailable(r: &Resp, started: Instant) {
    let what = &r.request;
    assert_eq!(
        r.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{what}: {}",
        r.body
    );
    assert!(
        started.elapsed() < LATENCY_BOUND,
        "{what} took {:?}",
        started.elapsed()
    );
}

/// A connection of the test's own, straight to the server.
async fn connect(app: &TestApp) -> sqlx::PgConnection {
    use sqlx::Connection;
    sqlx::PgConnection::connect(&app.database_url)
        .await
        .unwrap()
}

async fn report_and_event_counts(direct: &TestApp) -> (i64, i64) {
    let mut c = connect(direct).await;
    let count = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql);
    let reports = count("SELECT count(*) FROM reports")
        .fetch_one(&mut c)
        .await
        .unwrap();
    let submitted = count("SELECT count(*) FROM events WHERE kind = 'submitted'")
        .fetch_one(&mut c)
        .await
        .unwrap();
    (reports, submitted)
}

/// Every report has exactly its `submitted` event, each dispatched one its `released` event, and
/// the chain verifies.
async fn assert_nothing_half_written(direct: &TestApp) {
    let (reports, submitted) = report_and_event_counts(direct).await;
    assert_eq!(
        reports, submitted,
        "a report without its event, or the reverse"
    );
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM reports")
        .fetch_all(&mut connect(direct).await)
        .await
        .unwrap();
    for id in ids {
        let row = direct.report(&id).await;
        let kinds: Vec<String> = direct
            .store
            .report_events(&id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        let expected: &[&str] = match row.state.as_str() {
            "received" => &["submitted"],
            _ => &["submitted", "released"],
        };
        assert_eq!(&kinds[..expected.len()], expected, "{id} in {}", row.state);
    }
    assert!(matches!(
        direct.service.verify_chain().await.unwrap(),
        ChainStatus::Valid { .. }
    ));
}

fn report_body() -> serde_json::Value {
    json!({ "category": "other", "area": "county", "title": "台账", "body": "每月报三套台账。" })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outage_is_503_within_the_timeout_and_the_same_app_recovers() {
    let Some((direct, mut proxy, app)) = behind_proxy().await else {
        return;
    };
    direct
        .user("desk-civil", Role::Desk, Some("civil-affairs"))
        .await;

    assert_eq!(app.readyz().await.status, StatusCode::OK);
    let desk = app.desk("desk-civil").await;
    let (id, _) = app.submit("duplicate-inspections", "county", None).await;
    let before = report_and_event_counts(&direct).await;

    proxy.cut().await;

    let t = Instant::now();
    let r = app.readyz().await;
    assert_unavailable(&r, t);
    assert_eq!(r.json()["status"], "database unreachable");

    for _ in 0..2 {
        // Twice: the first call also meets the pool's dead connections, the second only refusals.
        let t = Instant::now();
        let r = app.catalog().await;
        assert_unavailable(&r, t);
        assert_eq!(r.error_code(), "unavailable");
        assert!(!r.json()["error"]["message"].as_str().unwrap().is_empty());
    }
    let t = Instant::now();
    let r = app.submit_json(report_body()).await;
    assert_unavailable(&r, t);
    assert_eq!(r.error_code(), "unavailable");
    // A staff call: the session cannot be checked, which is 503, not "sign in again" (401).
    let t = Instant::now();
    let r = desk.acknowledge(&id).await;
    assert_unavailable(&r, t);
    assert_eq!(r.error_code(), "unavailable");
    // The reporter's page says so too, as a page.
    let t = Instant::now();
    let r = app.page("/report/new", None).await;
    assert_unavailable(&r, t);
    assert!(r.body.contains("<html"), "{}", r.body);

    assert_eq!(report_and_event_counts(&direct).await, before);

    proxy.restore().await;

    // The same app, no restart: the pool drops its dead connections and opens new ones.
    assert_eq!(app.readyz().await.status, StatusCode::OK);
    app.catalog().await.expect(StatusCode::OK);
    desk.acknowledge(&id).await.expect(StatusCode::OK);
    app.submit_json(report_body())
        .await
        .expect(StatusCode::CREATED);
    assert_nothing_half_written(&direct).await;
}

/// Cut while submissions are in flight: each answer is 201 or 503, never 500, and whatever reached
/// the database is whole. (A 503 whose COMMIT did reach the server may still have stored the
/// report; that ambiguity is inherent to any client-server database, so the check is on wholeness.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_cut_mid_request_leaves_nothing_half_written() {
    let Some((direct, mut proxy, app)) = behind_proxy().await else {
        return;
    };
    let app = Arc::new(app);

    // Submitters run until told to stop; the cut lands while they are busy.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (progress_tx, mut progress) = tokio::sync::mpsc::unbounded_channel::<StatusCode>();
    let mut clients = JoinSet::new();
    for _ in 0..6 {
        let (app, stop, progress_tx) = (app.clone(), stop.clone(), progress_tx.clone());
        clients.spawn(async move {
            let mut seen = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let t = Instant::now();
                let r = app.submit_json(report_body()).await;
                assert!(
                    r.status == StatusCode::CREATED || r.status == StatusCode::SERVICE_UNAVAILABLE,
                    "{} {}",
                    r.status,
                    r.body
                );
                assert!(t.elapsed() < LATENCY_BOUND, "took {:?}", t.elapsed());
                let _ = progress_tx.send(r.status);
                seen.push(r.status);
            }
            seen
        });
    }
    drop(progress_tx);
    // Let a few submissions through, then cut, then wait until the clients have seen the outage.
    for _ in 0..10 {
        assert_eq!(progress.recv().await, Some(StatusCode::CREATED));
    }
    proxy.cut().await;
    let mut unavailable = 0;
    while unavailable < 12 {
        if progress.recv().await.unwrap() == StatusCode::SERVICE_UNAVAILABLE {
            unavailable += 1;
        }
    }
    proxy.restore().await;
    // Back: wait until the clients see successes again (each attempt is bounded by the timeout).
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut created_after = 0;
    while created_after < 10 {
        assert!(Instant::now() < deadline, "no recovery within 30s");
        if progress.recv().await.unwrap() == StatusCode::CREATED {
            created_after += 1;
        }
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut created = 0;
    while let Some(seen) = clients.join_next().await {
        created += seen
            .unwrap()
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count() as i64;
    }

    // Release whatever a cut left between its two transactions (the job does this in production).
    direct.service.release_due().await.unwrap();
    let (reports, _) = report_and_event_counts(&direct).await;
    assert!(
        reports >= created,
        "{reports} stored, {created} answered 201"
    );
    assert_nothing_half_written(&direct).await;
}

/// A server restart or failover terminates every backend (SQLSTATE 57P01), also in the middle of a
/// transaction: that is 503 `unavailable`, not 500; the transaction's writes are gone; and the next
/// request gets a fresh connection from the same pool.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_backend_terminated_mid_transaction_is_503_and_rolled_back() {
    let Some(app) = postgres_app().await else {
        return;
    };
    let app = Arc::new(app);
    let before = report_and_event_counts(&app).await;

    // Hold the audit-chain lock (the key in src/store/backend.rs) from outside, so the app's
    // submission stops inside its transaction, after inserting the report row.
    let mut holder = connect(&app).await;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(zhiyan::store::CHAIN_LOCK_KEY)
        .execute(&mut holder)
        .await
        .unwrap();
    let submit = tokio::spawn({
        let app = app.clone();
        async move { app.submit_json(report_body()).await }
    });
    // Bounded polling of the server's own view: which backend waits on that lock.
    let deadline = Instant::now() + Duration::from_secs(20);
    let waiting: i32 = loop {
        let pid = sqlx::query_scalar(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() \
             AND wait_event_type = 'Lock' AND wait_event = 'advisory' AND pid <> pg_backend_pid()",
        )
        .fetch_optional(&mut holder)
        .await
        .unwrap();
        if let Some(pid) = pid {
            break pid;
        }
        assert!(
            Instant::now() < deadline,
            "the submission never waited on the chain lock"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let terminated: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
        .bind(waiting)
        .fetch_one(&mut holder)
        .await
        .unwrap();
    assert!(terminated);

    let r = submit.await.unwrap();
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert_eq!(r.error_code(), "unavailable");
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(zhiyan::store::CHAIN_LOCK_KEY)
        .execute(&mut holder)
        .await
        .unwrap();
    assert_eq!(report_and_event_counts(&app).await, before);

    app.submit_json(report_body())
        .await
        .expect(StatusCode::CREATED);
    assert_nothing_half_written(&app).await;
}
