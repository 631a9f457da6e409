//! The origin check every form post passes first.
use crate::web::Deployment;
use axum::http::header::{HOST, ORIGIN};
use axum::http::{Extensions, HeaderMap};
use std::sync::Arc;

/// A cross-site form post carries an Origin (or Sec-Fetch-Site) that differs from ours: the public
/// origin when `--public-origin` gives one (behind a proxy the Host header may be the proxy's
/// upstream name), otherwise our Host. Requests without those headers (old browsers, privacy
/// settings that send `Origin: null`) pass this check; staff forms also need the CSRF token.
pub fn same_origin(headers: &HeaderMap, extensions: &Extensions) -> bool {
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return false;
    }
    let Some(origin) = headers.get(ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    if origin == "null" {
        return true;
    }
    let public = extensions
        .get::<Arc<Deployment>>()
        .and_then(|d| d.public_origin.as_deref());
    if let Some(public) = public {
        return origin.trim_end_matches('/').eq_ignore_ascii_case(public);
    }
    let host = headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin.split_once("://").map_or(origin, |(_, h)| h);
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}
