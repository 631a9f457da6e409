//! Crash safety: the real server is killed (SIGKILL) in the middle of a concurrent submission load,
//! several times, and restarted on the same data. Every submission that was answered 201 must be
//! there afterwards, readable with its receipt, and `verify-log` must accept the chain: a 201 means
//! the report and its audit events were committed before the answer left.
use crate::support::binary::{start_server, text, zhiyan};
use std::net::SocketAddr;
use std::path::Path;
use std::process::Child;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Notify;

const CLIENTS: usize = 8;
const ROUNDS: usize = 3;
/// Answered submissions per round before the kill.
const PER_ROUND: usize = 40;

/// `zhiyan serve` on an ephemeral port; returns once it listens.
fn start(data: &Path, url: &str) -> (Child, SocketAddr) {
    let (child, addr, _log) = start_server(data, url, &["--release-delay", "0s"], "info");
    (child, addr)
}

/// One HTTP/1.1 exchange on a fresh connection: the status and the body.
async fn exchange(addr: SocketAddr, request: String) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(addr).await?;
    s.write_all(request.as_bytes()).await?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await?;
    let raw = String::from_utf8_lossy(&raw);
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("cut off"))?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status"))?;
    Ok((status, body.to_string()))
}

fn post_report(n: usize) -> String {
    let body = serde_json::json!({
        "category": "duplicate-inspections",
        "area": "xinhe",
        "title": format!("崩溃测试 {n}"),
        "body": "同一事项一个月内被三个部门分别检查。",
    })
    .to_string();
    format!(
        "POST /api/v1/reports HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn view(receipt: &str) -> String {
    format!(
        "GET /api/v1/reports/mine HTTP/1.1\r\nHost: t\r\nAuthorization: Receipt {receipt}\r\n\
         Connection: close\r\n\r\n"
    )
}

/// Submit from several clients until the server stops answering; record every 201.
async fn load(addr: SocketAddr, answered: Arc<Mutex<Vec<(String, String)>>>, enough: Arc<Notify>) {
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let (answered, enough) = (answered.clone(), enough.clone());
        clients.push(tokio::spawn(async move {
            for n in 0.. {
                let Ok((status, body)) = exchange(addr, post_report(c * 100_000 + n)).await else {
                    return; // the server is gone
                };
                if status == 201 {
                    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
                    let mut a = answered.lock().unwrap();
                    a.push((
                        v["id"].as_str().unwrap().to_string(),
                        v["receipt"].as_str().unwrap().to_string(),
                    ));
                    if a.len() % PER_ROUND == 0 {
                        enough.notify_one();
                    }
                } else {
                    assert_eq!(status, 503, "only 201, or 503 while it goes down: {body}");
                }
            }
        }));
    }
    for c in clients {
        c.await.unwrap();
    }
}

async fn killed_under_load_keeps_every_answered_report(data: &Path, url: &str) {
    let org = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/demo-org.toml");
    let out = zhiyan(data, &["--database-url", url, "org", "import", org]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    let answered = Arc::new(Mutex::new(Vec::new()));
    for _ in 0..ROUNDS {
        let (mut server, addr) = start(data, url);
        let enough = Arc::new(Notify::new());
        let clients = tokio::spawn(load(addr, answered.clone(), enough.clone()));
        enough.notified().await;
        server.kill().unwrap(); // SIGKILL: no shutdown, no flush, mid-request
        server.wait().unwrap();
        clients.await.unwrap();
    }

    let answered = answered.lock().unwrap().clone();
    assert!(answered.len() >= ROUNDS * PER_ROUND, "{}", answered.len());
    let (mut server, addr) = start(data, url);
    for (id, receipt) in &answered {
        let (status, body) = exchange(addr, view(receipt)).await.unwrap();
        assert_eq!(status, 200, "{id} was answered 201 but is gone: {body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["id"], id.as_str());
        assert_eq!(v["state"], "assigned");
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let out = zhiyan(data, &["--database-url", url, "verify-log"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

binary_on_both_backends!(
    killed_under_load_keeps_every_answered_report,
    killed_under_load_keeps_every_answered_report
);
