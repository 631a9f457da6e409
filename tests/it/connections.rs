//! Connections from outside (issue 18): the real accept loop on a real socket, with short configured
//! limits. Slow clients (headers never finished, headers trickled, a declared body that never comes,
//! nothing sent at all, a keep-alive connection left idle) are closed within their timeouts while
//! other clients are served; a declared oversized body is 413 at once; the connection cap holds
//! further clients back until a slot frees; and the server never logs a client's address, even at
//! trace level (the real binary, both databases).
use crate::support::binary::{start_server, text, zhiyan};
use crate::support::{Options, TestApp};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::oneshot;
use zhiyan::web::Deployment;
use zhiyan::ConnectionLimits;

/// Longest a test waits for the server to close a connection it should close after ~1 s.
const BOUND: Duration = Duration::from_secs(10);

struct Server {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    /// A graceful stop: `serve` returns once every connection is closed.
    async fn stop(self) {
        let _ = self.stop.send(());
        let served = tokio::time::timeout(BOUND, self.task).await;
        served.expect("serve did not return").unwrap().unwrap();
    }
}

async fn serve(app: &TestApp, limits: ConnectionLimits) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(zhiyan::serve(
        listener,
        app.router.clone(),
        limits,
        async move {
            let _ = stopped.await;
        },
    ));
    Server { addr, stop, task }
}

fn options(body_read_timeout: Duration) -> Options {
    Options {
        deployment: Deployment {
            body_read_timeout,
            ..Deployment::default()
        },
        ..Options::default()
    }
}

/// Everything the server sends until it closes the connection, and when it closed it; an error when
/// it is still open after `BOUND`.
async fn until_closed(mut s: TcpStream) -> Result<(String, Instant), String> {
    let mut got = Vec::new();
    let read = tokio::time::timeout(BOUND, async {
        let mut buf = [0u8; 4096];
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    let text = String::from_utf8_lossy(&got).into_owned();
    match read {
        Ok(()) => Ok((text, Instant::now())),
        Err(_) => Err(format!("still open after {BOUND:?}; it sent {text:?}")),
    }
}

/// One whole response on a connection that stays open (read up to its Content-Length).
async fn response(s: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(BOUND, s.read(&mut buf))
            .await
            .expect("no answer")
            .unwrap();
        assert!(n > 0, "closed before the response was whole");
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap_or(0);
            if body.len() >= length {
                return text;
            }
        }
    }
}

async fn connect(addr: SocketAddr, first: &str) -> TcpStream {
    let mut s = TcpStream::connect(addr).await.unwrap();
    if !first.is_empty() {
        s.write_all(first.as_bytes()).await.unwrap();
    }
    s
}

const HEALTH: &str = "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";

async fn slow_clients(app: TestApp) {
    let second = Duration::from_secs(1);
    let limits = ConnectionLimits {
        header_read_timeout: second,
        idle_timeout: second,
        max_connections: 64,
    };
    let server = serve(&app, limits).await;
    let addr = server.addr;
    let post = |length: u64| {
        format!(
            "POST /api/v1/reports HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\
             Content-Length: {length}\r\n\r\n"
        )
    };
    let silent = connect(addr, "").await;
    let unfinished = connect(addr, "GET /healthz HTTP/1.1\r\nHost: t\r\n").await;
    let huge = connect(addr, &post(100_000_000)).await;
    let short = connect(addr, &format!("{}{{\"category\"", post(1000))).await;
    let mut kept = connect(addr, "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n").await;
    assert!(response(&mut kept).await.starts_with("HTTP/1.1 200"));
    // Headers a byte at a time, each well within the idle timeout: only the header timeout ends it.
    let mut trickle = connect(addr, "GET /healthz HTTP/1.1\r\n").await;
    let (trickled_tx, trickled) = oneshot::channel();
    tokio::spawn(async move {
        let mut sent = 0;
        for b in b"X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if trickle.write_all(&[*b]).await.is_err() {
                break;
            }
            sent += 1;
        }
        let _ = trickled_tx.send((sent, until_closed(trickle).await));
    });

    // Meanwhile another client is served.
    let (answer, served_at) = until_closed(connect(addr, HEALTH).await).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    // The declared oversized body: 413 at once, not the 408 of waiting for it; then closed.
    let (answer, _) = until_closed(huge).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("\"too_large\""), "{answer}");
    // The body that never comes: 408 after the body-read timeout; then closed.
    let (answer, short_closed) = until_closed(short).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"request_timeout\""), "{answer}");
    let mut closed = vec![short_closed];
    for (what, s) in [
        ("silent", silent),
        ("unfinished headers", unfinished),
        ("idle keep-alive", kept),
    ] {
        let (answer, at) = until_closed(s)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(!answer.contains("HTTP/1.1 2"), "{what}: {answer}");
        closed.push(at);
    }
    let (sent, result) = trickled.await.unwrap();
    let (_, at) = result.unwrap_or_else(|e| panic!("trickled headers: {e}"));
    assert!(
        sent < 40,
        "the trickling client sent {sent} bytes before it was cut off"
    );
    closed.push(at);
    assert!(
        closed.iter().all(|&at| served_at < at),
        "the other client was answered only after the slow ones were gone"
    );
    server.stop().await;
}
both_backends!(
    slow_connections_are_closed,
    slow_clients,
    options(Duration::from_secs(1))
);

async fn capped(app: TestApp) {
    let idle = Duration::from_millis(500);
    let limits = ConnectionLimits {
        header_read_timeout: Duration::from_secs(5),
        idle_timeout: idle,
        max_connections: 2,
    };
    let server = serve(&app, limits).await;
    let started = Instant::now();
    let held = [
        connect(server.addr, "").await,
        connect(server.addr, "").await,
    ];
    // The third waits for a slot: one of the two is closed as idle first.
    let (answer, answered) = until_closed(connect(server.addr, HEALTH).await)
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answered - started >= idle - Duration::from_millis(50),
        "answered after {:?}, before a held connection could have been closed",
        answered - started
    );
    for s in held {
        until_closed(s).await.unwrap();
    }
    // A graceful stop with a keep-alive connection open: it closes, and serve returns.
    let mut kept = connect(server.addr, "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n").await;
    assert!(response(&mut kept).await.starts_with("HTTP/1.1 200"));
    server.stop().await;
    until_closed(kept).await.unwrap();
}
both_backends!(connections_over_the_cap_wait_for_a_slot, capped);

/// The log as plain text: colour codes could split an address and hide it from the search.
fn without_colours(log: &str) -> String {
    let mut out = String::new();
    let mut rest = log;
    while let Some(at) = rest.find('\u{1b}') {
        out.push_str(&rest[..at]);
        let code = &rest[at..];
        let end = code
            .find(|c: char| c.is_ascii_alphabetic())
            .map_or(code.len(), |e| e + 1);
        rest = &code[end..];
    }
    out.push_str(rest);
    out
}

/// A connection from 127.0.0.123 (any 127/8 address is this machine's): what the server sent until
/// it closed the connection (or, should it keep a slow one open, until the test stops waiting; the
/// log is what this test is about).
async fn from_client(addr: SocketAddr, request: &str) -> String {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.123:0".parse().unwrap()).unwrap();
    let mut s = socket.connect(addr).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(3), s.read_to_end(&mut got)).await;
    String::from_utf8_lossy(&got).into_owned()
}

/// The test organisation imported into `url`, then the server run at trace level.
async fn no_address_in_the_log(data: &std::path::Path, url: &str) {
    let org = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/fixtures/org.toml");
    let out = zhiyan(data, &["--database-url", url, "org", "import", org]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let limits = [
        "--idle-timeout",
        "300ms",
        "--header-read-timeout",
        "300ms",
        "--body-read-timeout",
        "300ms",
    ];
    let (mut child, addr, log) = start_server(data, url, &limits, "trace");
    let report = r#"{"category":"other","area":"xinhe","title":"t","body":"b"}"#;
    let requests = [
        HEALTH.to_string(),
        format!(
            "POST /api/v1/reports HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{report}",
            report.len()
        ),
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\
         Content-Length: 35\r\nConnection: close\r\n\r\n{\"username\":\"a\",\"password\":\"b\"}  "
            .to_string(),
        "GET /api/v1/desk/items/%ff HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".to_string(),
        "GET /nothing HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".to_string(),
        "BROKEN\r\n\r\n".to_string(),
        // Closed by the server: headers never finished, a body that never comes, nothing at all.
        "GET / HTTP/1.1\r\n".to_string(),
        "POST /api/v1/reports HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n{".to_string(),
        String::new(),
    ];
    let mut answers = Vec::new();
    for r in &requests {
        answers.push(from_client(addr, r).await);
    }
    assert!(answers[0].starts_with("HTTP/1.1 200"), "{}", answers[0]);
    assert!(answers[1].starts_with("HTTP/1.1 201"), "{}", answers[1]);
    assert!(answers[3].starts_with("HTTP/1.1 401"), "{}", answers[3]);
    assert!(answers[4].starts_with("HTTP/1.1 404"), "{}", answers[4]);
    // A graceful stop, so that everything is written out.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().unwrap();
    assert!(status.success(), "{status}");
    let log = without_colours(&log.lock().unwrap());
    // Trace logging was really on (trace lines are there), and said nothing of the client's address.
    assert!(
        log.lines().any(|l| l.contains(" TRACE ")),
        "not at trace level:\n{log}"
    );
    assert!(log.contains("zhiyan::access"), "{log}");
    assert!(log.contains("stopped"), "{log}");
    assert!(
        !log.contains("127.0.0.123"),
        "the client address was logged:\n{}",
        log.lines()
            .filter(|l| l.contains("127.0.0.123"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

binary_on_both_backends!(never_logs_a_client_address, no_address_in_the_log);
