//! Which addresses a webhook may call. A callback is a request the server makes on a
//! caller's word, so it must not reach what only the server can: cloud metadata services
//! (link-local 169.254.169.254 and their IPv6 kin), the unspecified and multicast addresses,
//! and — unless the operator runs receivers on the same machine — loopback, the server's own
//! machine. Private networks stay open: the operations centre is on the province's own.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether loopback receivers are allowed (`covidmap serve --webhooks-on-loopback`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Loopback {
    /// Refused: the server's own machine.
    #[default]
    Refused,
    /// Allowed (receivers beside the server, as in a test or a one-machine install); the
    /// server's own port stays refused.
    Allowed,
}

/// Why `address` may not be called back, if it may not.
#[must_use]
pub fn refused(address: IpAddr, loopback: Loopback) -> Option<&'static str> {
    match address {
        IpAddr::V4(v4) => refused_v4(v4, loopback),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            // An IPv4 address written as IPv6 reaches the IPv4 address.
            Some(v4) => refused_v4(v4, loopback),
            None => refused_v6(v6, loopback),
        },
    }
}

/// The IPv4 address an IPv6 one stands for: mapped (`::ffff:a.b.c.d`), compatible
/// (`::a.b.c.d`), NAT64 (`64:ff9b::a.b.c.d`) or 6to4 (`2002:aabb:ccdd::`).
fn embedded_v4(a: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = a.segments();
    let o = a.octets();
    if let Some(v4) = a.to_ipv4_mapped() {
        return Some(v4);
    }
    if s[..6] == [0; 6] && !a.is_unspecified() && !a.is_loopback() {
        return Some(Ipv4Addr::new(o[12], o[13], o[14], o[15]));
    }
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(Ipv4Addr::new(o[12], o[13], o[14], o[15]));
    }
    if s[0] == 0x2002 {
        return Some(Ipv4Addr::new(o[2], o[3], o[4], o[5]));
    }
    None
}

fn refused_v4(a: Ipv4Addr, loopback: Loopback) -> Option<&'static str> {
    if a.is_unspecified() || a.octets()[0] == 0 {
        Some("an unspecified address")
    } else if a.is_link_local() {
        Some("a link-local address, where cloud metadata services answer")
    } else if a.octets()[..3] == [192, 0, 0] || a == Ipv4Addr::new(100, 100, 100, 200) {
        // 192.0.0.0/24: IETF protocol assignments, where one cloud answers its metadata.
        Some("a cloud metadata address")
    } else if a.octets()[0] == 100 && a.octets()[1] & 0xc0 == 64 {
        Some("a carrier-grade NAT address (100.64.0.0/10), not a receiver's")
    } else if a.is_multicast() || a.is_broadcast() {
        Some("a multicast or broadcast address")
    } else if a.is_loopback() && loopback == Loopback::Refused {
        Some("loopback: the server's own machine")
    } else {
        None
    }
}

fn refused_v6(a: Ipv6Addr, loopback: Loopback) -> Option<&'static str> {
    let first = a.segments()[0];
    if a.is_unspecified() {
        Some("an unspecified address")
    } else if first & 0xffc0 == 0xfe80 || first & 0xffc0 == 0xfec0 {
        Some("a link-local address, where cloud metadata services answer")
    } else if a == Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x254) {
        Some("a cloud metadata address")
    } else if a.is_multicast() {
        Some("a multicast address")
    } else if a.is_loopback() && loopback == Loopback::Refused {
        Some("loopback: the server's own machine")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn why(text: &str, loopback: Loopback) -> Option<&'static str> {
        refused(text.parse().unwrap(), loopback)
    }

    #[test]
    fn metadata_link_local_and_loopback_are_refused_private_networks_are_not() {
        for bad in [
            "169.254.169.254",
            "fe80::1",
            "fd00:ec2::254",
            "100.100.100.200",
            "0.0.0.0",
            "::",
            "224.0.0.1",
            "::ffff:169.254.169.254",
        ] {
            assert!(why(bad, Loopback::Allowed).is_some(), "{bad}");
        }
        assert!(why("127.0.0.1", Loopback::Refused).is_some());
        assert!(why("::1", Loopback::Refused).is_some());
        assert!(why("::ffff:127.0.0.1", Loopback::Refused).is_some());
        assert!(why("::7f00:1", Loopback::Refused).is_some());
        assert_eq!(why("127.0.0.1", Loopback::Allowed), None);
        for good in [
            "10.20.30.40",
            "192.168.1.10",
            "172.16.0.5",
            "203.113.131.1",
            "2001:db8::1",
        ] {
            assert_eq!(why(good, Loopback::Refused), None, "{good}");
        }
    }
}
