//! Cross-cutting HTTP behaviour: security headers and an access log that records no client identity.
use super::error::Error;
use super::{Deployment, BODY_LIMIT};
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{self, HeaderValue};
use axum::middleware::Next;
use axum::response::IntoResponse;
use axum::response::Response;
use std::sync::Arc;
use std::time::Instant;

const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

pub async fn security_headers(req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    // A response that set its own policy (a download's sandbox, a preview's inline images) keeps it.
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(CSP));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
    if !is_static {
        // Reporter pages hold receipts and report text: nothing may be cached, anywhere.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    }
    resp
}

/// Method, route template, status and duration. Deliberately no client address, no user agent, no
/// forwarded-for header and no concrete path (a path may name a report).
pub async fn access_log(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "(unmatched)".into());
    let started = Instant::now();
    let resp = next.run(req).await;
    tracing::info!(
        target: "zhiyan::access",
        %method,
        route,
        status = resp.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
    );
    resp
}

/// The request body, read whole before any handler runs: a declared length over `BODY_LIMIT` is
/// `413 too_large` at once (nothing of it read); a body that has not arrived within the deployment's
/// body-read timeout is `408 request_timeout`. Both close the connection. Handlers then read the
/// body from memory. A form with files (`multipart/form-data`) on a route that takes them has the
/// deployment's `upload_body_limit` and `upload_read_timeout` instead; JSON on the same routes keeps
/// the small ones.
pub async fn read_body(State(d): State<Arc<Deployment>>, req: Request, next: Next) -> Response {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("multipart/form-data"));
    let takes_files = multipart
        && req
            .extensions()
            .get::<MatchedPath>()
            .is_some_and(|p| super::reporter::takes_files(p.as_str()));
    let (limit, read_timeout) = if takes_files {
        let read = d.upload_read_timeout.max(d.body_read_timeout);
        (d.upload_body_limit, read)
    } else {
        (BODY_LIMIT, d.body_read_timeout)
    };
    // Held until the answer: the body and the files made of it are in memory until then.
    let _slot = match takes_files.then(|| d.upload_slots.clone().try_acquire_owned()) {
        Some(Err(_)) => {
            return Error::Service(crate::service::Error::Unavailable).into_response();
        }
        slot => slot,
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Error::TooLarge.into_response();
    }
    let (parts, body) = req.into_parts();
    if axum::body::HttpBody::size_hint(&body).exact() == Some(0) {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let bytes = match tokio::time::timeout(read_timeout, axum::body::to_bytes(body, limit)).await {
        Err(_) => return Error::BodyTimeout.into_response(),
        Ok(Err(e)) if is_too_large(&e) => return Error::TooLarge.into_response(),
        Ok(Err(_)) => {
            return Error::MalformedJson("the request body could not be read".into())
                .into_response()
        }
        Ok(Ok(bytes)) => bytes,
    };
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// axum's length-limit error, somewhere in the chain of sources.
fn is_too_large(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if s.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = s.source();
    }
    false
}
