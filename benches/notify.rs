//! Notifications: how fast the sender empties the outbox, against a plain client sending the same
//! messages to the same receiver in the same run; and how long a slot takes from its start to the
//! last message received.
//!
//!     cargo bench --bench notify
//!
//! Receivers on 127.0.0.1: an HTTP listener (axum) for webhooks and, when `python3 -m aiosmtpd`
//! runs, a real SMTP server process. The outbox is filled with SQL (N messages to the demo's
//! departments' webhooks, M to one clerk's address); `send_notifications` then sends them in its
//! batches of 20 at a time. Baselines: reqwest POSTs of the same bodies, 20 at a time; lettre sends
//! of the same message, 20 at a time. Knobs: ZHIYAN_BENCH_WEBHOOKS (default 5,000),
//! ZHIYAN_BENCH_EMAILS (default 500).
#[path = "support/load.rs"]
mod load;
#[path = "support/server.rs"]
mod server;

use axum::routing::post;
use futures_util::future::join_all;
use sqlx::Connection;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use zhiyan::service::{Role, SessionKind, SignIn, WebhookInput};

const COUNTS: &str = r#"{"audience":"desk","counts":{"new_items":2,"due_within_24h":1}}"#;

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(bench());
}

async fn receiver() -> (String, Arc<AtomicUsize>) {
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    let router = axum::Router::new().route(
        "/hook",
        post(move || {
            let c = counter.clone();
            async move {
                c.fetch_add(1, Ordering::SeqCst);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, seen)
}

async fn sql(url: &str, statements: &[String]) {
    let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
    let mut tx = c.begin().await.unwrap();
    for s in statements {
        sqlx::query(s).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
}

fn queue(channel: &str, recipients: &[String], n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            format!(
                "INSERT INTO deliveries (channel, recipient, slot, kind, counts, next_attempt_at) \
                 VALUES ('{channel}', '{}', {i}, 'hourly', '{COUNTS}', 0)",
                recipients[i % recipients.len()]
            )
        })
        .collect()
}

async fn bench() {
    let webhooks = load::env_or::<usize>("ZHIYAN_BENCH_WEBHOOKS", 5_000);
    let emails = load::env_or::<usize>("ZHIYAN_BENCH_EMAILS", 500);
    println!(
        "machine: {} logical CPUs, {}; service, receivers and baselines share them",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load::cpu_model()
    );
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("zhiyan.db").display());
    let smtp_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut settings = zhiyan::service::Settings {
        require_totp: false,
        ..Default::default()
    };
    settings.notify.smtp_url = Some(format!("smtp://127.0.0.1:{smtp_port}"));
    settings.notify.link_base = Some("https://zhiyan.example.gov.cn".into());
    let service = server::prepared(&db, dir.path(), settings.clone()).await;
    service
        .create_user("bench-admin", Role::Admin, None, "bench-admin-password")
        .await
        .unwrap();
    let login = service
        .login(SignIn {
            username: "bench-admin",
            password: "bench-admin-password",
            totp: None,
            device: None,
            kind: SessionKind::Api,
        })
        .await
        .unwrap();
    let token = secrecy::ExposeSecret::expose_secret(&login.token).to_string();
    let admin = service.session(&token).await.unwrap();

    // Every department of the demo gets a webhook to the listener.
    let (hook_url, seen) = receiver().await;
    let org = service.org_view(&admin).await.unwrap();
    let departments: Vec<String> = org.departments.iter().map(|d| d.code.clone()).collect();
    for d in &departments {
        let input = WebhookInput {
            url: hook_url.clone(),
            format: "generic".into(),
            schedule: "hourly".into(),
            secret: "bench-secret".into(),
        };
        service.set_webhook(&admin, d, &input).await.unwrap();
    }

    // Webhooks: the sender against 20-at-a-time reqwest POSTs of the same body.
    sql(&db, &queue("webhook", &departments, webhooks)).await;
    let started = Instant::now();
    let mut sent = 0;
    while sent < webhooks {
        sent += service.send_notifications().await.unwrap().sent;
    }
    let ours = started.elapsed();
    assert_eq!(seen.load(Ordering::SeqCst), webhooks);
    let client = reqwest::Client::new();
    let body = serde_json::json!({"service":"zhiyan","digest":"hourly","counts":{"new_items":2,"due_within_24h":1},"link":"https://zhiyan.example.gov.cn/desk","text":"直言 · 每小时提醒\n收件箱新事项：2\n24小时内到期：1\n"}).to_string();
    let started = Instant::now();
    for chunk in (0..webhooks).collect::<Vec<_>>().chunks(20) {
        join_all(chunk.iter().map(|_| {
            client
                .post(&hook_url)
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
        }))
        .await
        .into_iter()
        .for_each(|r| assert!(r.unwrap().status().is_success()));
    }
    let base = started.elapsed();
    let rate = |n: usize, d: Duration| n as f64 / d.as_secs_f64();
    println!(
        "webhooks: {webhooks} messages: sender {:.0}/s, baseline (reqwest, 20 at a time) {:.0}/s: {:.0}% of the baseline",
        rate(webhooks, ours),
        rate(webhooks, base),
        100.0 * base.as_secs_f64() / ours.as_secs_f64()
    );

    // A slot from its start to the last message received: every department has news.
    // Each round is the same slot again: forget that it was composed and sent.
    let mut notices = vec![
        "DELETE FROM notification_slots".to_string(),
        "DELETE FROM delivery_attempts".to_string(),
        "DELETE FROM deliveries".to_string(),
    ];
    notices.extend(
        departments
            .iter()
            .map(|d| format!("INSERT INTO notices (kind, department) VALUES ('inbox', '{d}')")),
    );
    let mut latencies = Vec::new();
    for _ in 0..5 {
        sql(&db, &notices).await;
        let before = seen.load(Ordering::SeqCst);
        let started = Instant::now();
        service.compose_notifications().await.unwrap();
        service.send_notifications().await.unwrap();
        latencies.push(started.elapsed());
        assert_eq!(seen.load(Ordering::SeqCst) - before, departments.len());
    }
    latencies.sort();
    println!(
        "a slot with news for all {} departments: composed and every webhook received in {:.1} ms (median of 5), \
         after the job's tick (--sweep-interval, 30 s by default)",
        departments.len(),
        latencies[2].as_secs_f64() * 1000.0
    );

    // Email through a real SMTP server, if aiosmtpd is there.
    let sink = Command::new("python3")
        .args(["-m", "aiosmtpd", "-n", "-l"])
        .arg(format!("127.0.0.1:{smtp_port}"))
        .args(["-c", "aiosmtpd.handlers.Sink"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let Ok(mut sink) = sink else {
        println!("email: skipped (python3 -m aiosmtpd is not available)");
        return;
    };
    let up = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", smtp_port)).is_err() {
        if up.elapsed() > Duration::from_secs(20) {
            println!("email: skipped (aiosmtpd did not start; pip install aiosmtpd)");
            let _ = sink.kill();
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    service
        .create_user(
            "bench-clerk",
            Role::Desk,
            Some("county"),
            "bench-clerk-password",
        )
        .await
        .unwrap();
    let mut setup = vec![
        "UPDATE staff SET email = 'clerk@bench.invalid', email_schedule = 'hourly' WHERE username = 'bench-clerk'".to_string(),
    ];
    setup.extend(queue("email", &["bench-clerk".to_string()], emails));
    sql(&db, &setup).await;
    let started = Instant::now();
    let mut sent = 0;
    while sent < emails {
        let s = service.send_notifications().await.unwrap();
        assert_eq!(s.failed, 0);
        sent += s.sent;
    }
    let ours = started.elapsed();
    use lettre::AsyncTransport;
    let transport = lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(&format!(
        "smtp://127.0.0.1:{smtp_port}"
    ))
    .unwrap()
    .build();
    let message = || {
        lettre::Message::builder()
            .from("Zhiyan <zhiyan@localhost>".parse().unwrap())
            .to("clerk@bench.invalid".parse().unwrap())
            .subject("直言 · 每小时提醒 / Zhiyan: hourly notice")
            .body("直言 · 每小时提醒\n收件箱新事项：2\n24小时内到期：1\n".to_string())
            .unwrap()
    };
    let started = Instant::now();
    for chunk in (0..emails).collect::<Vec<_>>().chunks(20) {
        join_all(chunk.iter().map(|_| transport.send(message())))
            .await
            .into_iter()
            .for_each(|r| {
                r.unwrap();
            });
    }
    let base = started.elapsed();
    println!(
        "email: {emails} messages to aiosmtpd: sender {:.0}/s, baseline (lettre, 20 at a time) {:.0}/s: {:.0}% of the baseline",
        rate(emails, ours),
        rate(emails, base),
        100.0 * base.as_secs_f64() / ours.as_secs_f64()
    );
    let _ = sink.kill();
    let _ = sink.wait();
}
