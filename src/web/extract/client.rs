//! The client's address, for the rate limiter only (it keeps a keyed hash, never the address): the
//! peer, or behind a trusted proxy the address the proxies say they received the request from.
use crate::web::proxy::client_address;
use crate::web::ratelimit::ClientAddr;
use crate::web::Deployment;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::net::SocketAddr;
use std::sync::Arc;

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(peer) = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
        else {
            return Ok(ClientAddr(None));
        };
        let trusted = parts
            .extensions
            .get::<Arc<Deployment>>()
            .map(|d| d.trusted_proxies.as_slice())
            .unwrap_or_default();
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok());
        Ok(ClientAddr(Some(client_address(trusted, peer, forwarded))))
    }
}
