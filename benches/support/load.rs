//! A small closed-loop HTTP/1.1 load runner for the benchmarks: `clients` tasks, each on its own
//! keep-alive connection, send a request, read the whole response, and send the next, until
//! `duration` has passed. Raw tokio sockets; the response is framed by `Content-Length` or chunked
//! transfer encoding (or read to the end when the server closes). Include it from a bench file with
//! `#[path = "support/load.rs"] mod load;`.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::Mutex;

/// A request that takes longer than this counts as a transport error (and its connection is dropped).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What a run measured.
#[derive(Clone, Debug)]
pub struct Report {
    pub clients: usize,
    /// Requests that got a whole response, whatever its status.
    pub requests: u64,
    /// Responses outside 2xx, plus transport errors.
    pub errors: u64,
    /// Connections that failed, broke or timed out mid-request.
    pub transport_errors: u64,
    /// Count of responses per status code.
    pub statuses: BTreeMap<u16, u64>,
    /// From start until the last client finished its last request.
    pub elapsed: Duration,
    /// Latency of complete responses (nearest-rank percentiles).
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Report {
    pub fn requests_per_sec(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        write!(
            f,
            "clients={:<3} requests={:<7} req/s={:<8.1} p50={:.2}ms p99={:.2}ms max={:.2}ms errors={} (transport {}) statuses={:?}",
            self.clients,
            self.requests,
            self.requests_per_sec(),
            ms(self.p50),
            ms(self.p99),
            ms(self.max),
            self.errors,
            self.transport_errors,
            self.statuses
        )
    }
}

/// A `GET` request with keep-alive.
pub fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: keep-alive\r\n\r\n").into_bytes()
}

/// A `POST` of a JSON body with keep-alive.
pub fn post_json(path: &str, json: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: bench\r\nConnection: keep-alive\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{json}",
        json.len()
    )
    .into_bytes()
}

/// Drive `addr` with `clients` closed-loop clients for `duration`. `make_request(client, seq)`
/// returns the raw bytes of the request (see `get`, `post_json`); `seq` counts from 0 per client.
pub async fn run<F>(addr: SocketAddr, clients: usize, duration: Duration, make_request: F) -> Report
where
    F: Fn(usize, u64) -> Vec<u8> + Send + Sync + 'static,
{
    let make_request = Arc::new(make_request);
    let start = Instant::now();
    let deadline = start + duration;
    let tasks: Vec<_> = (0..clients)
        .map(|client| {
            let make_request = make_request.clone();
            tokio::spawn(async move { client_loop(addr, client, deadline, &*make_request).await })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut statuses = BTreeMap::new();
    let mut transport_errors = 0;
    for task in tasks {
        let c = task.await.expect("a load client panicked");
        latencies.extend(c.latencies);
        for (status, n) in c.statuses {
            *statuses.entry(status).or_insert(0) += n;
        }
        transport_errors += c.transport_errors;
    }
    report(
        clients,
        latencies,
        statuses,
        transport_errors,
        start.elapsed(),
    )
}

fn report(
    clients: usize,
    mut latencies: Vec<Duration>,
    statuses: BTreeMap<u16, u64>,
    transport_errors: u64,
    elapsed: Duration,
) -> Report {
    latencies.sort_unstable();
    let percentile = |q: f64| {
        let rank = ((q * latencies.len() as f64).ceil() as usize).max(1);
        latencies
            .get(rank.min(latencies.len()) - 1)
            .copied()
            .unwrap_or_default()
    };
    let non_2xx: u64 = statuses
        .iter()
        .filter(|(s, _)| !(200..300).contains(*s))
        .map(|(_, n)| n)
        .sum();
    Report {
        clients,
        requests: latencies.len() as u64,
        errors: non_2xx + transport_errors,
        transport_errors,
        p50: percentile(0.50),
        p99: percentile(0.99),
        max: latencies.last().copied().unwrap_or_default(),
        statuses,
        elapsed,
    }
}

/// Open loop at a fixed rate: a request is due every `1/rate` seconds for `duration`, whether or
/// not the earlier ones have been answered (each on a free keep-alive connection, or a new one).
/// Latency counts from when the request was due, so a stalled server is charged for the queue it
/// builds (no coordinated omission). `clients` in the report is the most connections used.
pub async fn paced<F>(addr: SocketAddr, rate: f64, duration: Duration, make_request: F) -> Report
where
    F: Fn(u64) -> Vec<u8>,
{
    let idle: Arc<Mutex<Vec<Connection>>> = Arc::default();
    let opened = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let start = Instant::now();
    let every = Duration::from_secs_f64(1.0 / rate);
    let total = (duration.as_secs_f64() * rate) as u64;
    let mut tasks = Vec::with_capacity(total as usize);
    for seq in 0..total {
        let due = start + every.mul_f64(seq as f64);
        tokio::time::sleep_until(due.into()).await;
        let request = make_request(seq);
        let (idle, opened) = (idle.clone(), opened.clone());
        tasks.push(tokio::spawn(async move {
            let pooled = idle.lock().await.pop();
            let attempt = tokio::time::timeout(REQUEST_TIMEOUT, async {
                let mut conn = match pooled {
                    Some(c) => c,
                    None => {
                        opened.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        Connection::open(addr).await?
                    }
                };
                let response = conn.round_trip(&request).await?;
                Ok::<_, std::io::Error>((conn, response))
            })
            .await;
            match attempt {
                Ok(Ok((conn, response))) => {
                    let latency = due.elapsed();
                    if !response.close {
                        idle.lock().await.push(conn);
                    }
                    Some((latency, response.status))
                }
                _ => None,
            }
        }));
    }
    let mut latencies = Vec::new();
    let mut statuses = BTreeMap::new();
    let mut transport_errors = 0;
    for task in tasks {
        match task.await.expect("a paced request panicked") {
            Some((latency, status)) => {
                latencies.push(latency);
                *statuses.entry(status).or_insert(0) += 1;
            }
            None => transport_errors += 1,
        }
    }
    let connections = opened.load(std::sync::atomic::Ordering::Relaxed);
    report(
        connections,
        latencies,
        statuses,
        transport_errors,
        start.elapsed(),
    )
}

#[derive(Default)]
struct ClientResult {
    latencies: Vec<Duration>,
    statuses: BTreeMap<u16, u64>,
    transport_errors: u64,
}

async fn client_loop(
    addr: SocketAddr,
    client: usize,
    deadline: Instant,
    make_request: &(dyn Fn(usize, u64) -> Vec<u8> + Send + Sync),
) -> ClientResult {
    let mut out = ClientResult::default();
    let mut conn: Option<Connection> = None;
    let mut seq = 0;
    while Instant::now() < deadline {
        let request = make_request(client, seq);
        seq += 1;
        let started = Instant::now();
        let attempt = tokio::time::timeout(REQUEST_TIMEOUT, async {
            if conn.is_none() {
                conn = Some(Connection::open(addr).await?);
            }
            conn.as_mut().unwrap().round_trip(&request).await
        })
        .await;
        match attempt {
            Ok(Ok(response)) => {
                out.latencies.push(started.elapsed());
                *out.statuses.entry(response.status).or_insert(0) += 1;
                if response.close {
                    conn = None;
                }
            }
            Ok(Err(_)) | Err(_) => {
                out.transport_errors += 1;
                conn = None;
            }
        }
    }
    out
}

/// One response: its status, body, and whether the server is closing the connection.
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
    pub close: bool,
}

/// A keep-alive HTTP/1.1 connection. Also usable alone, for a single call from a bench.
pub struct Connection {
    stream: TcpStream,
    buf: Vec<u8>,
}

fn invalid(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string())
}

impl Connection {
    pub async fn open(addr: SocketAddr) -> std::io::Result<Connection> {
        Connection::from(TcpStream::connect(addr).await?)
    }

    /// A connection from a chosen local address (any of 127.0.0.0/8 works on loopback), as a
    /// client elsewhere would be.
    pub async fn open_from(
        addr: SocketAddr,
        source: std::net::IpAddr,
    ) -> std::io::Result<Connection> {
        let socket = TcpSocket::new_v4()?;
        socket.bind(SocketAddr::new(source, 0))?;
        Connection::from(socket.connect(addr).await?)
    }

    fn from(stream: TcpStream) -> std::io::Result<Connection> {
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream,
            buf: Vec::with_capacity(16 * 1024),
        })
    }

    /// Send `request` and read its whole response.
    pub async fn round_trip(&mut self, request: &[u8]) -> std::io::Result<Response> {
        self.stream.write_all(request).await?;
        let head_end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i + 4;
            }
            self.fill().await?;
        };
        let head = std::str::from_utf8(&self.buf[..head_end]).map_err(|_| invalid("head"))?;
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let status: u16 = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| invalid("status line"))?;
        let (mut length, mut chunked, mut close) =
            (None, false, status_line.starts_with("HTTP/1.0"));
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = Some(value.parse::<usize>().map_err(|_| invalid("length"))?);
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.to_ascii_lowercase().contains("chunked");
            } else if name.eq_ignore_ascii_case("connection") {
                close = value.eq_ignore_ascii_case("close");
            }
        }
        self.buf.drain(..head_end);
        let body = if chunked {
            self.read_chunked().await?
        } else if let Some(n) = length {
            self.take(n).await?
        } else if status == 204 || status == 304 || (100..200).contains(&status) {
            Vec::new()
        } else {
            // No framing: the body runs to the end of the connection.
            while self.fill().await.is_ok() {}
            close = true;
            std::mem::take(&mut self.buf)
        };
        Ok(Response {
            status,
            body,
            close,
        })
    }

    /// Read more bytes into the buffer; the end of the stream is an error.
    async fn fill(&mut self) -> std::io::Result<()> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    async fn take(&mut self, n: usize) -> std::io::Result<Vec<u8>> {
        while self.buf.len() < n {
            self.fill().await?;
        }
        Ok(self.buf.drain(..n).collect())
    }

    async fn line(&mut self) -> std::io::Result<String> {
        loop {
            if let Some(i) = find(&self.buf, b"\r\n") {
                let line = String::from_utf8_lossy(&self.buf[..i]).into_owned();
                self.buf.drain(..i + 2);
                return Ok(line);
            }
            self.fill().await?;
        }
    }

    async fn read_chunked(&mut self) -> std::io::Result<Vec<u8>> {
        let mut body = Vec::new();
        loop {
            let size_line = self.line().await?;
            let size = usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| invalid("chunk size"))?;
            if size == 0 {
                // Trailers, if any, end with an empty line.
                while !self.line().await?.is_empty() {}
                return Ok(body);
            }
            body.extend(self.take(size).await?);
            self.take(2).await?; // the CRLF after the chunk
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A knob from the environment, or its default when unset or unreadable.
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The CPU model, for printing beside the numbers.
pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "CPU model unknown".into())
}
