//! Who a request comes from, as far as the network tells: the client address, and the key its
//! per-address buckets are kept under.
//!
//! - `X-Forwarded-For` and `Forwarded` are believed only from a **trusted proxy** (addresses or
//!   CIDRs in the configuration); from anyone else they are ignored, or any client could name
//!   itself anew on every request. Through a chain of proxies the client is the rightmost
//!   address that is not itself a trusted proxy (every proxy appends the address it saw).
//! - IPv6 clients are grouped per /64: one subscriber usually gets a whole /64 and can take any
//!   address in it, so per-address limits kept per /128 would be per request.

use std::net::{IpAddr, Ipv6Addr};

pub use ipnet::IpNet;

/// The address a request is charged to, given the TCP peer and the forwarding headers (each a
/// list of the header's values in the order received).
pub fn client_ip(
    peer: IpAddr,
    forwarded: &[&str],
    x_forwarded_for: &[&str],
    trusted: &[IpNet],
) -> IpAddr {
    let peer = canonical(peer);
    if !is_trusted(peer, trusted) {
        return peer;
    }
    // `X-Forwarded-For` first: it is what nearly every proxy sets (nginx, HAProxy, cloud load
    // balancers), so a client cannot slip a `Forwarded` of its own past such a proxy. A proxy
    // that sets only `Forwarded` must drop a client's `X-Forwarded-For` (docs/security.md).
    let hops: Vec<Option<IpAddr>> = if x_forwarded_for.iter().any(|v| !v.trim().is_empty()) {
        x_forwarded_for
            .iter()
            .flat_map(|v| v.split(','))
            .filter(|v| !v.trim().is_empty())
            .map(parse_node)
            .collect()
    } else {
        forwarded.iter().flat_map(|v| v.split(',')).map(forwarded_for).collect()
    };
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        match hop {
            Some(ip) => {
                client = canonical(ip);
                if !is_trusted(client, trusted) {
                    break;
                }
            }
            // An entry that is not an address (`unknown`, an obfuscated name, garbage): what
            // lies left of it cannot be checked, so the request is charged to the last trusted
            // proxy that reported it.
            None => break,
        }
    }
    client
}

fn is_trusted(ip: IpAddr, trusted: &[IpNet]) -> bool {
    trusted.iter().any(|net| net.contains(&ip))
}

/// IPv4-mapped IPv6 (`::ffff:1.2.3.4`, as dual-stack sockets report IPv4 peers) is IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// The `for=` parameter of one `Forwarded` element.
fn forwarded_for(element: &str) -> Option<IpAddr> {
    element
        .split(';')
        .filter_map(|pair| pair.split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("for"))
        .and_then(|(_, value)| parse_node(value))
}

/// `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]:4711`, optionally quoted.
fn parse_node(node: &str) -> Option<IpAddr> {
    let node = node.trim().trim_matches('"').trim();
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = node.strip_prefix('[') {
        let (inside, _) = rest.split_once(']')?;
        return inside.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    let (host, port) = node.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

/// The subject of an address's buckets: the IPv4 address, or the IPv6 /64 it lies in.
pub fn address_subject(ip: IpAddr) -> String {
    match canonical(ip) {
        IpAddr::V4(v4) => format!("ip:{v4}"),
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            format!("ip6:{}/64", Ipv6Addr::from(prefix))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn forwarding_headers_are_ignored_unless_the_peer_is_trusted() {
        let xff = ["6.6.6.6"];
        assert_eq!(client_ip(ip("10.0.0.1"), &[], &xff, &[]), ip("10.0.0.1"));
        let trusted = nets(&["192.168.0.0/16"]);
        assert_eq!(client_ip(ip("10.0.0.1"), &[], &xff, &trusted), ip("10.0.0.1"));
        assert_eq!(client_ip(ip("192.168.1.1"), &[], &xff, &trusted), ip("6.6.6.6"));
    }

    #[test]
    fn the_client_is_the_rightmost_untrusted_hop() {
        let trusted = nets(&["10.0.0.0/8", "2001:db8:ffff::/48"]);
        // The client claims 1.1.1.1; the first proxy saw 5.5.5.5; the second one 10.0.0.7.
        let xff = ["1.1.1.1, 5.5.5.5", "10.0.0.7"];
        assert_eq!(client_ip(ip("10.0.0.2"), &[], &xff, &trusted), ip("5.5.5.5"));
        let forwarded = [
            r#"for=1.1.1.1, for="[2001:db8:1::17]:4711";proto=https"#,
            "For=\"[2001:db8:ffff::1]\"",
        ];
        assert_eq!(client_ip(ip("10.0.0.2"), &forwarded, &[], &trusted), ip("2001:db8:1::17"));
        // With both, `X-Forwarded-For` is read (a client's own `Forwarded` is not believed
        // behind a proxy that only sets `X-Forwarded-For`).
        assert_eq!(client_ip(ip("10.0.0.2"), &forwarded, &xff, &trusted), ip("5.5.5.5"));
        // Every hop trusted: the leftmost one is the client.
        assert_eq!(
            client_ip(ip("10.0.0.2"), &[], &["10.1.1.1, 10.2.2.2"], &trusted),
            ip("10.1.1.1")
        );
        // Garbage stops the walk at the proxy that reported it.
        assert_eq!(client_ip(ip("10.0.0.2"), &[], &["1.1.1.1, unknown"], &trusted), ip("10.0.0.2"));
        assert_eq!(client_ip(ip("10.0.0.2"), &[], &["4.4.4.4:8080"], &trusted), ip("4.4.4.4"));
    }

    #[test]
    fn ipv6_is_grouped_per_64_and_mapped_ipv4_is_ipv4() {
        assert_eq!(
            address_subject(ip("2001:db8:1:2:aaaa::1")),
            address_subject(ip("2001:db8:1:2:ffff:1:2:3"))
        );
        assert_ne!(address_subject(ip("2001:db8:1:2::1")), address_subject(ip("2001:db8:1:3::1")));
        assert_eq!(address_subject(ip("2001:db8:1:2::1")), "ip6:2001:db8:1:2::/64");
        assert_eq!(address_subject(ip("::ffff:1.2.3.4")), "ip:1.2.3.4");
        assert_eq!(
            client_ip(ip("::ffff:10.0.0.2"), &[], &["7.7.7.7"], &nets(&["10.0.0.0/8"])),
            ip("7.7.7.7")
        );
    }
}
