//! Which address a request came from when it passed through reverse proxies: the nearest
//! address in `X-Forwarded-For` that is not one of the operator's trusted proxies. Anything
//! further left was written by the client and proves nothing.

use std::net::IpAddr;

/// A network in CIDR notation (`10.0.0.0/8`, `fd00::/8`, or one address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn parse(s: &str) -> Result<Cidr, String> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| format!("'{s}' is not an address or network (10.0.0.0/8)"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("'{s}': the prefix must be 0 to {max}"))?,
        };
        Ok(Cidr { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                masked(u128::from(u32::from(net)), u128::from(u32::from(ip)), 32, self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => masked(u128::from(net), u128::from(ip), 128, self.prefix),
            _ => false,
        }
    }
}

/// An IPv4 address a dual-stack socket reports as `::ffff:a.b.c.d` is that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn masked(net: u128, ip: u128, bits: u32, prefix: u8) -> bool {
    let shift = bits - u32::from(prefix);
    shift >= bits || (net >> shift) == (ip >> shift)
}

/// The client's address: `peer` itself unless it is a trusted proxy; then, walking
/// `X-Forwarded-For` from the right (the entry the nearest proxy added), the first address
/// that is not trusted. A malformed entry stops the walk at the last trusted hop.
pub fn client_address(peer: IpAddr, forwarded_for: &[&str], trusted: &[Cidr]) -> IpAddr {
    let trusted_ip = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    let peer = canonical(peer);
    if !trusted_ip(peer) {
        return peer;
    }
    let mut client = peer;
    for entry in forwarded_for.iter().rev().flat_map(|h| h.rsplit(',')) {
        let Ok(ip) = entry.trim().parse::<IpAddr>() else { return client };
        client = canonical(ip);
        if !trusted_ip(client) {
            return client;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn networks_contain_their_addresses() {
        let n = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(n.contains(ip("10.200.3.4")) && !n.contains(ip("11.0.0.1")));
        assert!(n.contains(ip("::ffff:10.1.2.3")), "an IPv4-mapped address is its IPv4 address");
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        assert!(Cidr::parse("fd00::/8").unwrap().contains(ip("fd12::1")));
        assert!(!Cidr::parse("fd00::/8").unwrap().contains(ip("10.0.0.1")));
        assert!(Cidr::parse("192.168.1.5").unwrap().contains(ip("192.168.1.5")));
        assert!(!Cidr::parse("192.168.1.5").unwrap().contains(ip("192.168.1.6")));
        for bad in ["", "10.0.0.0/33", "10.0.0/8", "fd00::/129", "x/1"] {
            assert!(Cidr::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_client_is_the_nearest_untrusted_hop() {
        let trusted = [Cidr::parse("10.0.0.0/8").unwrap()];
        // Not from a proxy: the header is the client's own words.
        assert_eq!(client_address(ip("203.0.113.9"), &["1.2.3.4"], &trusted), ip("203.0.113.9"));
        // Through one proxy.
        assert_eq!(client_address(ip("10.0.0.2"), &["203.0.113.9"], &trusted), ip("203.0.113.9"));
        // A client that forges an entry: the proxy appended the real one on the right.
        assert_eq!(client_address(ip("10.0.0.2"), &["6.6.6.6, 203.0.113.9"], &trusted), ip("203.0.113.9"));
        // Two proxies, several headers.
        assert_eq!(client_address(ip("10.0.0.2"), &["203.0.113.9", "10.0.0.7"], &trusted), ip("203.0.113.9"));
        // No header, or garbage: the proxy itself.
        assert_eq!(client_address(ip("10.0.0.2"), &[], &trusted), ip("10.0.0.2"));
        assert_eq!(client_address(ip("10.0.0.2"), &["not-an-ip"], &trusted), ip("10.0.0.2"));
        // Nothing trusted: never read the header.
        assert_eq!(client_address(ip("10.0.0.2"), &["203.0.113.9"], &[]), ip("10.0.0.2"));
    }
}
