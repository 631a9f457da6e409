//! Behind a reverse proxy: which peers' `X-Forwarded-For` is believed, and who the client then is;
//! and the public origin (scheme, host, port) people reach the service at.
use super::Deployment;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

/// Every request carries the deployment, for the extractors that need it (the client address, the
/// origin check) whatever router state they run under.
pub async fn attach(State(d): State<Arc<Deployment>>, mut req: Request, next: Next) -> Response {
    req.extensions_mut().insert(d);
    next.run(req).await
}

/// An address block, e.g. 10.0.0.0/8 or ::1/128 (a bare address is the block of just itself).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl fmt::Debug for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

impl Cidr {
    pub fn parse(text: &str) -> Result<Cidr, String> {
        let text = text.trim();
        let err = || format!("`{text}` is not an address block like 10.0.0.0/8 or ::1/128");
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let network: IpAddr = addr.parse().map_err(|_| err())?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(err)?,
            None => max,
        };
        Ok(Cidr { network, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        // An IPv4 peer may arrive as an IPv4-mapped IPv6 address on a dual-stack socket.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.network, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => prefix_eq(&n.octets(), &a.octets(), self.prefix),
            (IpAddr::V6(n), IpAddr::V6(a)) => prefix_eq(&n.octets(), &a.octets(), self.prefix),
            _ => false,
        }
    }
}

fn prefix_eq(a: &[u8], b: &[u8], bits: u8) -> bool {
    let (whole, rest) = ((bits / 8) as usize, bits % 8);
    if a[..whole] != b[..whole] {
        return false;
    }
    rest == 0 || {
        let mask = 0xFFu8 << (8 - rest);
        a[whole] & mask == b[whole] & mask
    }
}

/// The client of a request that reached us from `peer` with these `X-Forwarded-For` values (every
/// header, in order). Only when the peer is a trusted proxy is the header read: from the right, each
/// trusted proxy is skipped and the first address that is not one is the client (addresses further
/// left were written by the client itself and prove nothing). Unreadable entries stop the walk at the
/// last proxy.
pub fn client_address<'a>(
    trusted: &[Cidr],
    peer: IpAddr,
    forwarded_for: impl Iterator<Item = &'a str>,
) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded_for.flat_map(|v| v.split(',')).collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        match parse_hop(hop) {
            Some(ip) => {
                client = ip;
                if !is_trusted(ip) {
                    break;
                }
            }
            None => break,
        }
    }
    client
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5`, `[::1]:5`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse() {
        return Some(ip);
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    hop.rsplit_once(':')?.0.parse().ok()
}

/// `--public-origin`: scheme and host (and port), e.g. https://zhiyan.example.gov.cn, nothing more.
pub fn parse_origin(text: &str) -> Result<String, String> {
    let t = text.trim().trim_end_matches('/');
    let err = || format!("`{text}` is not an origin like https://zhiyan.example.gov.cn");
    let (scheme, rest) = t.split_once("://").ok_or_else(err)?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return Err(err());
    }
    let valid_host = !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c));
    if !valid_host {
        return Err(err());
    }
    Ok(format!("{scheme}://{}", rest.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn blocks() {
        let c = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(c.contains(ip("10.200.1.1")));
        assert!(!c.contains(ip("11.0.0.1")));
        assert!(c.contains(ip("::ffff:10.1.2.3")));
        let one = Cidr::parse("192.0.2.7").unwrap();
        assert!(one.contains(ip("192.0.2.7")) && !one.contains(ip("192.0.2.8")));
        let v6 = Cidr::parse("2001:db8::/33").unwrap();
        assert!(v6.contains(ip("2001:db8:7fff::1")));
        assert!(!v6.contains(ip("2001:db8:8000::1")));
        assert!(Cidr::parse("10.0.0.0/33").is_err());
        assert!(Cidr::parse("example.org/8").is_err());
        assert!(Cidr::parse("0.0.0.0/0")
            .unwrap()
            .contains(ip("203.0.113.9")));
    }

    #[test]
    fn the_right_most_untrusted_address_is_the_client() {
        let trusted = [Cidr::parse("10.0.0.0/8").unwrap()];
        let proxy = ip("10.0.0.2");
        let xff = |v: &'static str| std::iter::once(v);
        // A client that forges the header gets its own address, not the forged one.
        assert_eq!(
            client_address(&trusted, proxy, xff("6.6.6.6, 203.0.113.5")),
            ip("203.0.113.5")
        );
        // Two proxies in a row.
        assert_eq!(
            client_address(&trusted, proxy, xff("203.0.113.5, 10.0.0.9")),
            ip("203.0.113.5")
        );
        assert_eq!(
            client_address(&trusted, proxy, xff("[2001:db8::5]:4711")),
            ip("2001:db8::5")
        );
        // From an untrusted peer the header changes nothing.
        assert_eq!(
            client_address(&trusted, ip("198.51.100.1"), xff("203.0.113.5")),
            ip("198.51.100.1")
        );
        // No header, or garbage: the proxy itself.
        assert_eq!(client_address(&trusted, proxy, std::iter::empty()), proxy);
        assert_eq!(client_address(&trusted, proxy, xff("unknown")), proxy);
        // Several headers are one list.
        let two = ["6.6.6.6", "203.0.113.5"].into_iter();
        assert_eq!(client_address(&trusted, proxy, two), ip("203.0.113.5"));
    }

    #[test]
    fn origins() {
        assert_eq!(
            parse_origin("HTTPS://Zhiyan.Example.gov.cn/").unwrap(),
            "https://zhiyan.example.gov.cn"
        );
        assert_eq!(
            parse_origin("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert!(parse_origin("zhiyan.example.gov.cn").is_err());
        assert!(parse_origin("https://x.cn/path").is_err());
        assert!(parse_origin("ftp://x.cn").is_err());
    }
}
