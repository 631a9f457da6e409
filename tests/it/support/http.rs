//! Requests into the app's router, in process, and what comes back. The audience clients are built
//! on these; tests use them directly for requests no well-behaved client sends.
use super::TestApp;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use std::net::SocketAddr;
use tower::ServiceExt;

pub struct Resp {
    /// Method and path of the request, for failure messages.
    pub request: String,
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    /// The body as it came (a downloaded file).
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// This response, after checking that its status is `status`.
    #[track_caller]
    pub fn expect(self, status: StatusCode) -> Resp {
        assert_eq!(self.status, status, "{}: {}", self.request, self.body);
        self
    }

    /// This response, after checking that its status is some 2xx.
    #[track_caller]
    pub fn expect_success(self) -> Resp {
        assert!(
            self.status.is_success(),
            "{}: {} {}",
            self.request,
            self.status,
            self.body
        );
        self
    }
}

/// A JSON API request (or one without a body) from a fixed local client address.
pub fn api_request(
    method: Method,
    path: &str,
    auth: Option<&str>,
    body: Option<Value>,
) -> Request<Body> {
    let mut b = Request::builder().method(method).uri(path);
    if let Some(a) = auth {
        b = b.header(header::AUTHORIZATION, a);
    }
    let mut req = match body {
        Some(v) => b
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(v.to_string())),
        None => b.body(Body::empty()),
    }
    .unwrap();
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
    req
}

/// A same-origin HTML form post (optionally with a session cookie).
pub fn form_request(path: &str, cookie: Option<&str>, fields: &[(&str, &str)]) -> Request<Body> {
    let body = fields
        .iter()
        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut b = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, "localhost")
        .header(header::ORIGIN, "http://localhost");
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    b.body(Body::from(body)).unwrap()
}

impl TestApp {
    pub async fn request(&self, req: Request<Body>) -> Resp {
        let request = format!("{} {}", req.method(), req.uri());
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        Resp {
            request,
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    pub async fn get(&self, path: &str, auth: Option<&str>) -> Resp {
        self.request(api_request(Method::GET, path, auth, None))
            .await
    }

    pub async fn post(&self, path: &str, auth: Option<&str>, body: Value) -> Resp {
        self.request(api_request(Method::POST, path, auth, Some(body)))
            .await
    }

    /// POST an HTML form (optionally with a session cookie).
    pub async fn form(&self, path: &str, cookie: Option<&str>, fields: &[(&str, &str)]) -> Resp {
        self.request(form_request(path, cookie, fields)).await
    }

    /// GET a page (optionally with a session cookie).
    pub async fn page(&self, path: &str, cookie: Option<&str>) -> Resp {
        let mut b = Request::builder().method(Method::GET).uri(path);
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.request(b.body(Body::empty()).unwrap()).await
    }
}

/// A same-origin `multipart/form-data` post, as a browser sends a form with file inputs: text
/// `fields`, then `files` as (field, file name, bytes); `auth` for the API's `Authorization`.
pub fn multipart_request(
    path: &str,
    auth: Option<&str>,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> Request<Body> {
    const BOUNDARY: &str = "----zhiyan-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    for (name, file, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    let mut b = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header(header::HOST, "localhost")
        .header(header::ORIGIN, "http://localhost");
    if let Some(a) = auth {
        b = b.header(header::AUTHORIZATION, a);
    }
    let mut req = b.body(Body::from(body)).unwrap();
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
    req
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
