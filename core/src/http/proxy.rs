//! `req.ip`, `req.ips`, `req.protocol` and `req.hostname` under Express 4's
//! `trust proxy` setting, as proxy-addr 2.0.8 (with forwarded 0.2.0) and
//! Express's `compileTrust` answer them.
//!
//! The addresses of a request are the socket's peer, then the entries of
//! `X-Forwarded-For` from right to left ([`forwarded`]); hop `0` is the peer.
//! Walking from the peer, each address the [`TrustProxy`] setting trusts
//! (given its hop number) passes on to the next; the first address it does not
//! trust, or the last one, is the client ([`ip`]); [`ips`] lists the walked
//! entries client first. `X-Forwarded-Proto` and `X-Forwarded-Host` count only
//! when the peer itself (hop 0) is trusted ([`protocol`], [`hostname`]).
//!
//! Entries are split on `,` and trimmed of spaces (only `' '`, like
//! forwarded), empty ones skipped; a repeated `X-Forwarded-For` field must be
//! passed as one value joined with `,` as Node joins it. Addresses are parsed
//! by `core::net`'s RFC 4291 / dotted-decimal rules, plus an IPv6 zone
//! (`fe80::1%eth0`, dropped). ipaddr.js also takes legacy IPv4 forms (octal
//! `0177.0.0.1`, hex `0x7f.0.0.1`, one number `2130706433`): here those do not
//! parse. An entry that does not parse is never trusted by an address list or
//! a function (as in proxy-addr), while `All` and `Hops` trust positions
//! without parsing. Express would then report the unparsable text itself as
//! `req.ip` / in `req.ips`; an [`IpAddr`] cannot hold it, so [`ip`] answers
//! the nearest address on the peer's side of it that parses (the peer at
//! worst) and [`ips`] leaves it out. Subnets with a `/0` prefix are invalid,
//! as in proxy-addr.

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An address and a prefix length: a CIDR subnet, as proxy-addr compiles one.
///
/// ```
/// use lamina::http::proxy::IpNet;
/// let net = IpNet::parse("10.0.0.0/8").unwrap();
/// assert!(net.contains("10.1.2.3".parse().unwrap()));
/// assert!(net.contains("::ffff:10.1.2.3".parse().unwrap()));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

/// A subnet from constants, for the named ranges.
const fn v4(a: u8, b: u8, c: u8, d: u8, prefix: u8) -> IpNet {
    IpNet { addr: IpAddr::V4(Ipv4Addr::new(a, b, c, d)), prefix }
}

/// An IPv6 subnet from its first 16-bit group and a prefix length.
const fn v6(first: u16, last: u16, prefix: u8) -> IpNet {
    IpNet { addr: IpAddr::V6(Ipv6Addr::new(first, 0, 0, 0, 0, 0, 0, last)), prefix }
}

impl IpNet {
    /// proxy-addr's `loopback`: `127.0.0.1/8`, `::1/128`.
    ///
    /// ```
    /// use lamina::http::proxy::IpNet;
    /// assert!(IpNet::LOOPBACK[0].contains("127.9.9.9".parse().unwrap()));
    /// ```
    pub const LOOPBACK: [IpNet; 2] = [v4(127, 0, 0, 1, 8), v6(0, 1, 128)];
    /// proxy-addr's `linklocal`: `169.254.0.0/16`, `fe80::/10`.
    ///
    /// ```
    /// use lamina::http::proxy::IpNet;
    /// assert!(IpNet::LINKLOCAL[1].contains("fe80::1".parse().unwrap()));
    /// ```
    pub const LINKLOCAL: [IpNet; 2] = [v4(169, 254, 0, 0, 16), v6(0xfe80, 0, 10)];
    /// proxy-addr's `uniquelocal`: `10.0.0.0/8`, `172.16.0.0/12`,
    /// `192.168.0.0/16`, `fc00::/7`.
    ///
    /// ```
    /// use lamina::http::proxy::IpNet;
    /// assert!(IpNet::UNIQUELOCAL.iter().any(|n| n.contains("172.31.0.1".parse().unwrap())));
    /// ```
    pub const UNIQUELOCAL: [IpNet; 4] =
        [v4(10, 0, 0, 0, 8), v4(172, 16, 0, 0, 12), v4(192, 168, 0, 0, 16), v6(0xfc00, 0, 7)];

    /// A subnet, if `prefix` is `1..=32` for IPv4 or `1..=128` for IPv6 (the
    /// address need not be the subnet's first).
    ///
    /// ```
    /// use lamina::http::proxy::IpNet;
    /// use core::net::{IpAddr, Ipv4Addr};
    /// const NET: Option<IpNet> = IpNet::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 0)), 8);
    /// assert!(NET.is_some());
    /// assert!(IpNet::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0).is_none());
    /// ```
    pub const fn new(addr: IpAddr, prefix: u8) -> Option<IpNet> {
        let max = if addr.is_ipv4() { 32 } else { 128 };
        if prefix == 0 || prefix > max { None } else { Some(IpNet { addr, prefix }) }
    }

    /// The address it was made from.
    ///
    /// ```
    /// use lamina::http::proxy::IpNet;
    /// assert_eq!(IpNet::parse("::ffff:127.0.0.1").unwrap().addr().to_string(), "127.0.0.1");
    /// ```
    pub const fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length.
    ///
    /// ```
    /// use lamina::http::proxy::IpNet;
    /// assert_eq!(IpNet::parse("192.168.1.0/255.255.255.0").unwrap().prefix(), 24);
    /// ```
    pub const fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Parses proxy-addr's notations: an address (a whole IPv4-mapped IPv6
    /// address is taken as IPv4), `addr/len`, or IPv4 `addr/netmask` with a
    /// contiguous mask.
    ///
    /// ```
    /// use lamina::http::proxy::IpNet;
    /// assert_eq!(IpNet::parse("::1").unwrap().prefix(), 128);
    /// assert_eq!(IpNet::parse("10.0.0.0/8"), IpNet::parse("10.0.0.0/255.0.0.0"));
    /// assert!(IpNet::parse("10.0.0.0/0").is_none());
    /// assert!(IpNet::parse("10.0.0.0/255.0.255.0").is_none());
    /// ```
    pub fn parse(s: &str) -> Option<IpNet> {
        let Some((addr, len)) = s.rsplit_once('/') else {
            let addr = canonical(parse_addr(s.as_bytes())?);
            return IpNet::new(addr, if addr.is_ipv4() { 32 } else { 128 });
        };
        let addr = parse_addr(addr.as_bytes())?;
        let prefix = if !len.is_empty() && len.bytes().all(|b| b.is_ascii_digit()) {
            len.parse::<u8>().ok()?
        } else if addr.is_ipv4() {
            let mask = u32::from(len.parse::<Ipv4Addr>().ok()?);
            let ones = mask.leading_ones();
            if ones.saturating_add(mask.trailing_zeros()) != 32 {
                return None;
            }
            u8::try_from(ones).ok()?
        } else {
            return None;
        };
        IpNet::new(addr, prefix)
    }

    /// Whether `addr` is in the subnet, as proxy-addr 2.0.8 decides: an
    /// IPv4-mapped `addr` is taken as IPv4, and IPv4 addresses match an IPv6
    /// subnet only if it is IPv4-mapped with a prefix of at least 96.
    ///
    /// ```
    /// use lamina::http::proxy::IpNet;
    /// let loopback = IpNet::parse("127.0.0.1/8").unwrap();
    /// assert!(loopback.contains("::ffff:127.0.0.1".parse().unwrap()));
    /// let mapped = IpNet::parse("::ffff:0:0/96").unwrap();
    /// assert!(mapped.contains("192.0.2.1".parse().unwrap()));
    /// assert!(!mapped.contains("2001:db8::1".parse().unwrap()));
    /// ```
    pub fn contains(&self, addr: IpAddr) -> bool {
        let (net, ip, bits) = match (self.addr, canonical(addr)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => (u128::from(net.to_bits()), u128::from(ip.to_bits()), 32u32),
            (IpAddr::V6(net), IpAddr::V4(ip)) if self.prefix >= 96 && net.to_ipv4_mapped().is_some() => {
                (net.to_bits(), ip.to_ipv6_mapped().to_bits(), 128)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) if net.to_ipv4_mapped().is_none() => (net.to_bits(), ip.to_bits(), 128),
            _ => return false,
        };
        let shift = bits.saturating_sub(u32::from(self.prefix));
        (net ^ ip).checked_shr(shift).unwrap_or(0) == 0
    }
}

/// An IPv4-mapped IPv6 address as IPv4; others as they are.
fn canonical(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(addr, IpAddr::V4),
        IpAddr::V4(_) => addr,
    }
}

/// An address in `X-Forwarded-For` or in a subnet: `core::net`'s syntax, and
/// an IPv6 zone (`%` and letters or digits) that is dropped.
fn parse_addr(text: &[u8]) -> Option<IpAddr> {
    let text = core::str::from_utf8(text).ok()?;
    match text.split_once('%') {
        Some((v6, zone)) if !zone.is_empty() && zone.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            v6.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
        }
        Some(_) => None,
        None => text.parse().ok(),
    }
}

/// Express's `trust proxy` setting, compiled.
///
/// ```
/// use lamina::http::proxy::{IpNet, TrustProxy};
/// // app.set('trust proxy', 'loopback')
/// let trust = TrustProxy::List(&IpNet::LOOPBACK);
/// assert!(trust.trusts("::1".parse().unwrap(), 0));
/// assert!(TrustProxy::Hops(1).trusts("203.0.113.1".parse().unwrap(), 0));
/// assert!(!TrustProxy::Hops(1).trusts("203.0.113.1".parse().unwrap(), 1));
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub enum TrustProxy {
    /// `false` (Express's default): trust nothing; `req.ip` is the peer.
    #[default]
    None,
    /// `true`: trust every hop; `req.ip` is the left-most entry.
    All,
    /// A number `n`: trust hops `0..n` (the peer is hop 0).
    Hops(u32),
    /// Addresses and subnets (`'loopback, 10.0.0.0/8'`): trust addresses in
    /// any of them, at any hop. Concatenate the named ranges as needed.
    List(&'static [IpNet]),
    /// A function of an address and its hop number.
    Fn(fn(IpAddr, usize) -> bool),
}

impl TrustProxy {
    /// Whether the setting trusts `addr` at hop `hop` (0: the peer).
    ///
    /// ```
    /// use lamina::http::proxy::TrustProxy;
    /// let trust = TrustProxy::Fn(|addr, _hop| addr.is_loopback());
    /// assert!(trust.trusts("127.0.0.1".parse().unwrap(), 3));
    /// assert!(!TrustProxy::None.trusts("127.0.0.1".parse().unwrap(), 0));
    /// ```
    pub fn trusts(&self, addr: IpAddr, hop: usize) -> bool {
        self.trusts_entry(Ok(addr), hop)
    }

    /// Whether it trusts an entry at position `hop`, parsed or not (`Err`:
    /// an entry that is no address, or a peer without one): only settings
    /// that count positions trust those.
    ///
    /// ```
    /// use lamina::http::proxy::TrustProxy;
    /// assert!(TrustProxy::Hops(2).trusts_entry(Err(b"unknown"), 1));
    /// assert!(!TrustProxy::List(&[]).trusts_entry(Err(b"unknown"), 0));
    /// ```
    pub fn trusts_entry(&self, entry: Result<IpAddr, &[u8]>, hop: usize) -> bool {
        match (self, entry) {
            (Self::None, _) => false,
            (Self::All, _) => true,
            (Self::Hops(n), _) => usize::try_from(*n).map_or(true, |n| hop < n),
            (Self::List(nets), Ok(addr)) => nets.iter().any(|net| net.contains(addr)),
            (Self::Fn(f), Ok(addr)) => f(addr, hop),
            (_, Err(_)) => false,
        }
    }
}

/// The addresses of a request, from the peer back through `X-Forwarded-For`
/// right to left: each parsed, or `Err` with an entry that does not parse.
///
/// ```
/// use lamina::http::proxy::forwarded;
/// let peer = "127.0.0.1".parse().unwrap();
/// let all: Vec<_> = forwarded(peer, Some(b"203.0.113.7, bogus ,, 10.0.0.1")).collect();
/// assert_eq!(all, [Ok(peer), Ok("10.0.0.1".parse().unwrap()), Err(&b"bogus"[..]), Ok("203.0.113.7".parse().unwrap())]);
/// ```
pub fn forwarded<'a>(peer: IpAddr, x_forwarded_for: Option<&'a [u8]>) -> Forwarded<'a> {
    Forwarded { peer: Some(peer), rest: x_forwarded_for.unwrap_or_default() }
}

/// Iterator over a request's addresses, from [`forwarded`].
///
/// ```
/// use lamina::http::proxy::forwarded;
/// assert_eq!(forwarded("::1".parse().unwrap(), None).count(), 1);
/// ```
#[derive(Clone, Debug)]
pub struct Forwarded<'a> {
    peer: Option<IpAddr>,
    rest: &'a [u8],
}

impl<'a> Iterator for Forwarded<'a> {
    type Item = Result<IpAddr, &'a [u8]>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(peer) = self.peer.take() {
            return Some(Ok(peer));
        }
        // Each turn consumes one entry and its comma.
        while !self.rest.is_empty() {
            let (head, entry) = match self.rest.iter().rposition(|&b| b == b',') {
                Some(comma) => (self.rest.get(..comma), self.rest.get(comma.saturating_add(1)..)),
                None => (Some(&b""[..]), Some(self.rest)),
            };
            self.rest = head.unwrap_or_default();
            let entry = trim_spaces(entry.unwrap_or_default());
            if !entry.is_empty() {
                return Some(parse_addr(entry).ok_or(entry));
            }
        }
        None
    }
}

/// The entries of `X-Forwarded-For`, left to right.
fn entries(x_forwarded_for: Option<&[u8]>) -> impl Iterator<Item = &[u8]> {
    x_forwarded_for.unwrap_or_default().split(|&b| b == b',').map(trim_spaces).filter(|e| !e.is_empty())
}

/// `entry` without leading and trailing spaces (forwarded trims no tabs).
fn trim_spaces(entry: &[u8]) -> &[u8] {
    let start = entry.iter().position(|&b| b != b' ').unwrap_or(entry.len());
    let end = entry.iter().rposition(|&b| b != b' ').map_or(start, |last| last.saturating_add(1));
    entry.get(start..end).unwrap_or_default()
}

/// Where proxy-addr's walk from the peer stops; see [`walk`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Walk<'a> {
    /// How many forwarded entries it took.
    pub hops: usize,
    /// The furthest address it took that parses (the peer's, if any, when
    /// it took none): `req.ip`.
    pub parsed: Option<IpAddr>,
    /// The furthest entry it took, parsed or as text.
    pub entry: Option<Result<IpAddr, &'a [u8]>>,
}

/// Walks from `peer` through the forwarded `entries` (nearest first, as
/// [`forwarded`] gives them after the peer) while `trust` trusts the
/// address it stands on. A peer without an address (a Unix socket) is
/// trusted only by settings that count positions.
///
/// ```
/// use lamina::http::proxy::{forwarded, walk, TrustProxy};
/// let peer = "127.0.0.1".parse().unwrap();
/// let entries = forwarded(peer, Some(b"203.0.113.7, unknown, 10.0.0.1")).skip(1);
/// let w = walk(Some(peer), entries, &TrustProxy::Hops(2));
/// assert_eq!((w.hops, w.entry), (2, Some(Err(&b"unknown"[..]))));
/// assert_eq!(w.parsed, Some("10.0.0.1".parse().unwrap()));
/// ```
pub fn walk<'a>(
    peer: Option<IpAddr>,
    entries: impl IntoIterator<Item = Result<IpAddr, &'a [u8]>>,
    trust: &TrustProxy,
) -> Walk<'a> {
    let mut walk = Walk { hops: 0, parsed: peer, entry: peer.map(Ok) };
    if !trust.trusts_entry(peer.ok_or(&b""[..]), 0) {
        return walk;
    }
    for (index, entry) in entries.into_iter().enumerate() {
        let hop = index.saturating_add(1);
        walk.hops = hop;
        walk.entry = Some(entry);
        if let Ok(addr) = entry {
            walk.parsed = Some(addr);
        }
        if !trust.trusts_entry(entry, hop) {
            break;
        }
    }
    walk
}

/// The walk over one joined `X-Forwarded-For` value.
fn walk_one<'a>(peer: IpAddr, x_forwarded_for: Option<&'a [u8]>, trust: &TrustProxy) -> Walk<'a> {
    walk(Some(peer), forwarded(peer, x_forwarded_for).skip(1), trust)
}

/// `req.ip`: the client's address, the first untrusted one walking from the
/// peer (see the module docs for entries that do not parse).
///
/// ```
/// use lamina::http::proxy::{ip, IpNet, TrustProxy};
/// let peer = "127.0.0.1".parse().unwrap();
/// let xff = Some(&b"203.0.113.195, 70.41.3.18, 150.172.238.178"[..]);
/// assert_eq!(ip(peer, xff, &TrustProxy::None), peer);
/// assert_eq!(ip(peer, xff, &TrustProxy::Hops(1)).to_string(), "150.172.238.178");
/// assert_eq!(ip(peer, xff, &TrustProxy::Hops(2)).to_string(), "70.41.3.18");
/// assert_eq!(ip(peer, xff, &TrustProxy::All).to_string(), "203.0.113.195");
/// assert_eq!(ip(peer, xff, &TrustProxy::List(&IpNet::LOOPBACK)).to_string(), "150.172.238.178");
/// ```
pub fn ip(peer: IpAddr, x_forwarded_for: Option<&[u8]>, trust: &TrustProxy) -> IpAddr {
    walk_one(peer, x_forwarded_for, trust).parsed.unwrap_or(peer)
}

/// `req.ips`: the walked `X-Forwarded-For` entries, client first, the peer
/// left out; empty when the peer is not trusted. Reads the header three
/// times instead of storing addresses, so it has no cap.
///
/// ```
/// use lamina::http::proxy::{ips, TrustProxy};
/// let peer = "127.0.0.1".parse().unwrap();
/// let xff = Some(&b"203.0.113.195, 70.41.3.18, 150.172.238.178"[..]);
/// let list: Vec<String> = ips(peer, xff, &TrustProxy::Hops(2)).map(|a| a.to_string()).collect();
/// assert_eq!(list, ["70.41.3.18", "150.172.238.178"]);
/// assert_eq!(ips(peer, xff, &TrustProxy::None).count(), 0);
/// ```
pub fn ips<'a>(
    peer: IpAddr,
    x_forwarded_for: Option<&'a [u8]>,
    trust: &TrustProxy,
) -> impl Iterator<Item = IpAddr> + use<'a> {
    let walked = walk_one(peer, x_forwarded_for, trust).hops;
    let skip = entries(x_forwarded_for).count().saturating_sub(walked);
    entries(x_forwarded_for).skip(skip).filter_map(parse_addr)
}

/// Whether `X-Forwarded-Proto` and `X-Forwarded-Host` count: the setting
/// trusts the peer at hop 0.
///
/// ```
/// use lamina::http::proxy::{trusts_peer, TrustProxy};
/// assert!(trusts_peer("10.0.0.1".parse().unwrap(), &TrustProxy::Hops(1)));
/// assert!(!trusts_peer("10.0.0.1".parse().unwrap(), &TrustProxy::Hops(0)));
/// ```
pub fn trusts_peer(peer: IpAddr, trust: &TrustProxy) -> bool {
    trust.trusts(peer, 0)
}

/// The text before the first `,`, without surrounding ASCII whitespace.
///
/// ```
/// use lamina::http::proxy::first_value;
/// assert_eq!(first_value(b" https , http"), b"https");
/// ```
pub fn first_value(header: &[u8]) -> &[u8] {
    header.split(|&b| b == b',').next().unwrap_or_default().trim_ascii()
}

/// `req.protocol`: `https` on a TLS connection, else `http`; when the peer
/// is trusted, the first value of a non-empty `X-Forwarded-Proto` instead.
///
/// ```
/// use lamina::http::proxy::{protocol, TrustProxy};
/// let peer = "127.0.0.1".parse().unwrap();
/// assert_eq!(protocol(peer, false, Some(b"https, http"), &TrustProxy::None), b"http");
/// assert_eq!(protocol(peer, false, Some(b"https, http"), &TrustProxy::All), b"https");
/// assert_eq!(protocol(peer, true, None, &TrustProxy::All), b"https");
/// ```
pub fn protocol<'a>(
    peer: IpAddr,
    encrypted: bool,
    x_forwarded_proto: Option<&'a [u8]>,
    trust: &TrustProxy,
) -> &'a [u8] {
    let own: &'static [u8] = if encrypted { b"https" } else { b"http" };
    match x_forwarded_proto {
        Some(header) if !header.is_empty() && trusts_peer(peer, trust) => first_value(header),
        _ => own,
    }
}

/// `req.hostname`: `Host`, or when the peer is trusted a non-empty
/// `X-Forwarded-Host` (its text before the first `,`, right-trimmed),
/// without the port (`[...]` IPv6 literals are kept whole). `None` when
/// that header is absent or empty; `Some("")` for a bare port, as Express.
///
/// ```
/// use lamina::http::proxy::{hostname, TrustProxy};
/// let peer = "127.0.0.1".parse().unwrap();
/// assert_eq!(hostname(peer, Some(b"example.com:3000"), None, &TrustProxy::None), Some(&b"example.com"[..]));
/// assert_eq!(hostname(peer, Some(b"[::1]:3000"), None, &TrustProxy::None), Some(&b"[::1]"[..]));
/// let xfh = Some(&b"a.example, b.example"[..]);
/// assert_eq!(hostname(peer, Some(b"internal"), xfh, &TrustProxy::All), Some(&b"a.example"[..]));
/// assert_eq!(hostname(peer, Some(b"internal"), xfh, &TrustProxy::None), Some(&b"internal"[..]));
/// ```
pub fn hostname<'a>(
    peer: IpAddr,
    host: Option<&'a [u8]>,
    x_forwarded_host: Option<&'a [u8]>,
    trust: &TrustProxy,
) -> Option<&'a [u8]> {
    let host = match x_forwarded_host {
        Some(xfh) if !xfh.is_empty() && trusts_peer(peer, trust) => match xfh.iter().position(|&b| b == b',') {
            Some(comma) => xfh.get(..comma).unwrap_or_default().trim_ascii_end(),
            None => xfh,
        },
        _ => host?,
    };
    if host.is_empty() {
        return None;
    }
    let literal_end = match host.first() {
        Some(b'[') => host.iter().position(|&b| b == b']').map_or(0, |end| end.saturating_add(1)),
        _ => 0,
    };
    let port = host.get(literal_end..).and_then(|rest| rest.iter().position(|&b| b == b':'));
    match port {
        Some(colon) => host.get(..literal_end.saturating_add(colon)),
        None => Some(host),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::boxed::Box;
    use std::string::{String, ToString};
    use std::vec::Vec;
    use std::{format, vec};

    fn a(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    /// Express's `compileTrust` for the values the tables use: `false`,
    /// `true`, a number, or a comma-separated list with the named ranges.
    fn compile(spec: &str) -> TrustProxy {
        match spec {
            "false" => return TrustProxy::None,
            "true" => return TrustProxy::All,
            _ => {}
        }
        if let Ok(n) = spec.parse() {
            return TrustProxy::Hops(n);
        }
        let mut nets = Vec::new();
        for item in spec.split(',').map(str::trim) {
            match item {
                "loopback" => nets.extend(IpNet::LOOPBACK),
                "linklocal" => nets.extend(IpNet::LINKLOCAL),
                "uniquelocal" => nets.extend(IpNet::UNIQUELOCAL),
                _ => nets.push(IpNet::parse(item).unwrap()),
            }
        }
        TrustProxy::List(Box::leak(nets.into_boxed_slice()))
    }

    /// How the tests read an address: std's parser, an IPv6 zone dropped.
    fn parses(s: &str) -> Option<IpAddr> {
        let s = s.split_once('%').map_or(s, |(v6, _)| v6);
        s.parse().ok()
    }

    const SOCKETS: [&str; 8] =
        ["127.0.0.1", "::ffff:127.0.0.1", "::1", "10.0.0.1", "203.0.113.9", "fe80::1", "192.168.1.7", "2001:db8::5"];
    /// X-Forwarded-For values and their entries left to right as forwarded 0.2.0 splits them.
    const XFFS: [(Option<&str>, &[&str]); 18] = [
        (None, &[]),
        (Some("203.0.113.195, 70.41.3.18, 150.172.238.178"), &["203.0.113.195", "70.41.3.18", "150.172.238.178"]),
        (Some("203.0.113.195, 10.0.0.2, 127.0.0.1"), &["203.0.113.195", "10.0.0.2", "127.0.0.1"]),
        (Some("198.51.100.7, 10.0.0.2"), &["198.51.100.7", "10.0.0.2"]),
        (Some("garbage"), &["garbage"]),
        (Some("1.2.3.4, garbage"), &["1.2.3.4", "garbage"]),
        (Some("garbage, 10.0.0.2"), &["garbage", "10.0.0.2"]),
        (Some("  1.2.3.4  ,, 10.0.0.2 ,"), &["1.2.3.4", "10.0.0.2"]),
        (Some("::ffff:10.0.0.2, ::ffff:127.0.0.2"), &["::ffff:10.0.0.2", "::ffff:127.0.0.2"]),
        (Some("0177.0.0.1"), &["0177.0.0.1"]),
        (Some("[::1], 127.0.0.2"), &["[::1]", "127.0.0.2"]),
        (Some("1.2.3.4:80, 10.0.0.3"), &["1.2.3.4:80", "10.0.0.3"]),
        (Some("fe80::1%eth0, 10.0.0.3"), &["fe80::1%eth0", "10.0.0.3"]),
        (Some("1.2.3.4,\t10.0.0.5"), &["1.2.3.4", "\t10.0.0.5"]),
        (Some("2001:db8::1, fe80::2, ::1"), &["2001:db8::1", "fe80::2", "::1"]),
        (Some("::ffff:192.168.1.9"), &["::ffff:192.168.1.9"]),
        (Some("1.2.3.4, 0177.0.0.1"), &["1.2.3.4", "0177.0.0.1"]),
        (Some("1.2.3.4 5.6.7.8, 10.0.0.9"), &["1.2.3.4 5.6.7.8", "10.0.0.9"]),
    ];
    /// Per trust setting: per socket, "p:" whether the peer is trusted, then per XFF how many entries req.ips has in Express.
    const EXPRESS: &[(&str, [&str; 8])] = &[
        (
            "false",
            [
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
            ],
        ),
        (
            "true",
            [
                "1:033212222122223122",
                "1:033212222122223122",
                "1:033212222122223122",
                "1:033212222122223122",
                "1:033212222122223122",
                "1:033212222122223122",
                "1:033212222122223122",
                "1:033212222122223122",
            ],
        ),
        (
            "0",
            [
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
            ],
        ),
        (
            "1",
            [
                "1:011111111111111111",
                "1:011111111111111111",
                "1:011111111111111111",
                "1:011111111111111111",
                "1:011111111111111111",
                "1:011111111111111111",
                "1:011111111111111111",
                "1:011111111111111111",
            ],
        ),
        (
            "2",
            [
                "1:022212222122222122",
                "1:022212222122222122",
                "1:022212222122222122",
                "1:022212222122222122",
                "1:022212222122222122",
                "1:022212222122222122",
                "1:022212222122222122",
                "1:022212222122222122",
            ],
        ),
        (
            "3",
            [
                "1:033212222122223122",
                "1:033212222122223122",
                "1:033212222122223122",
                "1:033212222122223122",
                "1:033212222122223122",
                "1:033212222122223122",
                "1:033212222122223122",
                "1:033212222122223122",
            ],
        ),
        (
            "loopback",
            [
                "1:012111112121112121",
                "1:012111112121112121",
                "1:012111112121112121",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
            ],
        ),
        (
            "linklocal",
            [
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "1:011111111111111111",
                "0:000000000000000000",
                "0:000000000000000000",
            ],
        ),
        (
            "uniquelocal",
            [
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "1:011211221112211112",
                "0:000000000000000000",
                "0:000000000000000000",
                "1:011211221112211112",
                "0:000000000000000000",
            ],
        ),
        (
            "loopback, linklocal, uniquelocal",
            [
                "1:013211222122213122",
                "1:013211222122213122",
                "1:013211222122213122",
                "1:013211222122213122",
                "0:000000000000000000",
                "1:013211222122213122",
                "1:013211222122213122",
                "0:000000000000000000",
            ],
        ),
        (
            "10.0.0.0/8",
            [
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "1:011211221112211112",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
            ],
        ),
        (
            "127.0.0.1",
            [
                "1:012111111111111121",
                "1:012111111111111121",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
            ],
        ),
        (
            "::1",
            [
                "0:000000000000000000",
                "0:000000000000000000",
                "1:011111111111112111",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
            ],
        ),
        (
            "::ffff:127.0.0.1",
            [
                "1:012111111111111121",
                "1:012111111111111121",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
            ],
        ),
        (
            "::ffff:127.0.0.1/104",
            [
                "1:012111112121111121",
                "1:012111112121111121",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
            ],
        ),
        (
            "::ffff:0:0/96",
            [
                "1:033211222122211122",
                "1:033211222122211122",
                "0:000000000000000000",
                "1:033211222122211122",
                "1:033211222122211122",
                "0:000000000000000000",
                "1:033211222122211122",
                "0:000000000000000000",
            ],
        ),
        (
            "fe80::/10",
            [
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "1:011111111111111111",
                "0:000000000000000000",
                "0:000000000000000000",
            ],
        ),
        (
            "192.168.1.0/255.255.255.0",
            [
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "1:011111111111111111",
                "0:000000000000000000",
            ],
        ),
        (
            "2001:db8::/64",
            [
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "1:011111111111111111",
            ],
        ),
        (
            "10.0.0.2, 127.0.0.0/8",
            [
                "1:013211222121111121",
                "1:013211222121111121",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
                "0:000000000000000000",
            ],
        ),
    ];

    /// Every trust setting × socket × `X-Forwarded-For` above, against what
    /// Express 4.22.3 / proxy-addr 2.0.8 answered.
    #[test]
    fn express_cross_product() {
        for (spec, rows) in EXPRESS {
            let trust = compile(spec);
            for (socket, row) in SOCKETS.iter().zip(rows) {
                let peer = a(socket);
                let (peer_trusted, walked) = row.split_once(':').unwrap();
                assert_eq!(trusts_peer(peer, &trust), peer_trusted == "1", "{spec} trusts {socket}");
                for ((xff, entries), digit) in XFFS.iter().zip(walked.chars()) {
                    let mut express = digit.to_digit(10).unwrap() as usize;
                    // ipaddr.js reads 0177.0.0.1 as 127.0.0.1 and trusts it; std does not parse it.
                    if *xff == Some("1.2.3.4, 0177.0.0.1") && matches!(trust, TrustProxy::List(_)) && express == 2 {
                        express = 1;
                    }
                    let header = xff.map(str::as_bytes);
                    let context = format!("trust {spec}, socket {socket}, xff {xff:?}");
                    assert_eq!(walk_one(peer, header, &trust).hops, express, "{context}");
                    // Express's req.ips, client first; here without the entries that do not parse
                    let express_ips = entries.get(entries.len() - express..).unwrap();
                    let want: Vec<IpAddr> = express_ips.iter().filter_map(|e| parses(e)).collect();
                    assert_eq!(ips(peer, header, &trust).collect::<Vec<_>>(), want, "ips: {context}");
                    // req.ip is ips[0] or the socket; here the first that parses
                    let want_ip = want.first().copied().unwrap_or(peer);
                    assert_eq!(ip(peer, header, &trust), want_ip, "ip: {context}");
                }
            }
        }
    }

    #[test]
    fn express_trust_proxy_docs() {
        // X-Forwarded-For: client, proxy1, proxy2 from 127.0.0.1 (Express's "behind proxies" guide)
        let peer = a("127.0.0.1");
        let xff = Some(&b"203.0.113.195, 70.41.3.18, 150.172.238.178"[..]);
        let cases: [(&str, &str, &[&str]); 7] = [
            ("false", "127.0.0.1", &[]),
            ("1", "150.172.238.178", &["150.172.238.178"]),
            ("2", "70.41.3.18", &["70.41.3.18", "150.172.238.178"]),
            ("3", "203.0.113.195", &["203.0.113.195", "70.41.3.18", "150.172.238.178"]),
            ("true", "203.0.113.195", &["203.0.113.195", "70.41.3.18", "150.172.238.178"]),
            ("loopback", "150.172.238.178", &["150.172.238.178"]),
            ("loopback, 150.172.238.178", "70.41.3.18", &["70.41.3.18", "150.172.238.178"]),
        ];
        for (spec, want_ip, want_ips) in cases {
            let trust = compile(spec);
            assert_eq!(ip(peer, xff, &trust), a(want_ip), "{spec}");
            let got: Vec<String> = ips(peer, xff, &trust).map(|a| a.to_string()).collect();
            assert_eq!(got, want_ips, "{spec}");
        }
        let only_even_hops = TrustProxy::Fn(|_, hop| hop % 2 == 0);
        assert_eq!(ip(peer, xff, &only_even_hops), a("150.172.238.178"));
        let trust_peer_only = TrustProxy::Fn(|addr, _| addr == IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_eq!(ip(peer, xff, &trust_peer_only), a("150.172.238.178"));
        assert_eq!(ip(peer, Some(b"garbage"), &trust_peer_only), peer);
    }

    #[test]
    fn forwarded_entries() {
        let peer = a("::1");
        let all: Vec<_> = forwarded(peer, Some(b" , 1.2.3.4 ,\t5.6.7.8,, fe80::1%eth0 , ,")).collect();
        assert_eq!(all, [Ok(peer), Ok(a("fe80::1")), Err(&b"\t5.6.7.8"[..]), Ok(a("1.2.3.4"))]);
        assert_eq!(forwarded(peer, Some(b"")).count(), 1);
        assert_eq!(forwarded(peer, Some(b",,, ,")).count(), 1);
        assert_eq!(forwarded(peer, Some(b"\xff, 1.2.3.4")).nth(2), Some(Err(&b"\xff"[..])));
        assert_eq!(forwarded(peer, Some(b"fe80::1%")).nth(1), Some(Err(&b"fe80::1%"[..])));
        assert_eq!(forwarded(peer, Some(b"1.2.3.4%eth0")).nth(1), Some(Err(&b"1.2.3.4%eth0"[..])));
        assert_eq!(first_value(b"https"), b"https");
        assert_eq!(first_value(b",https"), b"");
        assert_eq!(first_value(b"\thttps\t, x"), b"https");
    }

    #[test]
    fn long_headers() {
        let peer = a("10.0.0.1");
        let xff: String = (0..100).map(|i| format!("10.0.{i}.1, ")).collect::<String>() + "203.0.113.9";
        let header = Some(xff.as_bytes());
        assert_eq!(forwarded(peer, header).count(), 102);
        let local = compile("uniquelocal");
        assert_eq!(ip(peer, header, &local), a("203.0.113.9"));
        assert_eq!(ips(peer, header, &local).count(), 1);
        assert_eq!(ip(peer, header, &TrustProxy::All), a("10.0.0.1"));
        assert_eq!(ips(peer, header, &TrustProxy::All).count(), 101);
        assert_eq!(ips(peer, header, &TrustProxy::All).next(), Some(a("10.0.0.1")));
        assert_eq!(ip(peer, header, &TrustProxy::Hops(50)), a("10.0.51.1"));
        assert_eq!(ips(peer, header, &TrustProxy::Hops(50)).count(), 50);
        assert_eq!(ip(peer, header, &TrustProxy::Hops(u32::MAX)), a("10.0.0.1"));
        // checked with node: Hops(50), Hops(3), true, uniquelocal and 2^32 - 1 on this header
        // client first: the walked entries appear in header order
        let hop3: Vec<String> = ips(peer, header, &TrustProxy::Hops(3)).map(|a| a.to_string()).collect();
        assert_eq!(hop3, ["10.0.98.1", "10.0.99.1", "203.0.113.9"]);
        let big = vec![b','; 1 << 20];
        assert_eq!(ip(peer, Some(&big), &TrustProxy::All), peer);
        let spaces = vec![b' '; 1 << 20];
        assert_eq!(forwarded(peer, Some(&spaces)).count(), 1);
    }

    #[test]
    fn subnets_like_proxy_addr() {
        // compile() of proxy-addr 2.0.8: accepted and refused notations
        for ok in ["10.0.0.0/08", "10.0.0.0/255.255.255.255", "::ffff:10.0.0.1/120", "fe80::1%eth0/64", "0.0.0.0/1"] {
            assert!(IpNet::parse(ok).is_some(), "{ok}");
        }
        for bad in [
            "10.0.0.0/0",
            "::/0",
            "10.0.0.0/33",
            "10.0.0.0/255.0.255.0",
            "10.0.0.0/0.0.0.0",
            "10.0.0.1/ 8",
            "10.0.0.1/+8",
            "::1/129",
            "::1/ffff::",
            "::ffff:10.0.0.1/255.0.0.0",
            "10.0.0.1/",
            "",
            "/8",
            "localhost",
            " 10.0.0.1",
            "10.0.0.0/256",
            "10.0.0.0/99999999999999999999",
        ] {
            assert!(IpNet::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(IpNet::parse("::ffff:127.0.0.1"), IpNet::new(a("127.0.0.1"), 32));
        assert_eq!(IpNet::parse("::ffff:127.0.0.1/128").unwrap().addr(), a("::ffff:127.0.0.1"));
        assert_eq!(IpNet::parse("10.1.2.3/255.255.240.0").unwrap().prefix(), 20);
        assert!(IpNet::new(a("::1"), 129).is_none());
        assert!(IpNet::new(a("::1"), 128).is_some());
        assert!(IpNet::new(a("1.2.3.4"), 33).is_none());
        // cross-family rules of proxy-addr 2.0.8
        let mapped_net = IpNet::parse("::ffff:127.0.0.1/104").unwrap();
        assert!(mapped_net.contains(a("127.0.0.2")));
        assert!(mapped_net.contains(a("::ffff:127.0.0.2")));
        assert!(!mapped_net.contains(a("128.0.0.1")));
        let mapped_short = IpNet::parse("::ffff:127.0.0.1/80").unwrap();
        assert!(!mapped_short.contains(a("127.0.0.1")));
        assert!(!mapped_short.contains(a("::ffff:127.0.0.1")));
        assert!(!IpNet::parse("::/8").unwrap().contains(a("::ffff:1.2.3.4")));
        assert!(IpNet::parse("::/8").unwrap().contains(a("::2")));
        assert!(!IpNet::parse("10.0.0.0/8").unwrap().contains(a("::a00:1")));
        assert!(IpNet::parse("0.0.0.0/1").unwrap().contains(a("127.255.255.255")));
        assert!(!IpNet::parse("0.0.0.0/1").unwrap().contains(a("128.0.0.0")));
        assert!(IpNet::LOOPBACK[1].contains(a("::1")) && !IpNet::LOOPBACK[1].contains(a("::2")));
        assert!(IpNet::UNIQUELOCAL[3].contains(a("fd12::1")) && !IpNet::UNIQUELOCAL[3].contains(a("fe00::1")));
        assert!(IpNet::LINKLOCAL[1].contains(a("febf::1")) && !IpNet::LINKLOCAL[1].contains(a("fec0::1")));
        assert!(!TrustProxy::default().trusts(a("127.0.0.1"), 0));
    }

    /// Express 4.22.3's `req.protocol` and `req.hostname` on fake requests.
    #[test]
    fn protocol_and_hostname_like_express() {
        type Case =
            (&'static str, &'static str, bool, Option<&'static str>, Option<&'static str>, Option<&'static str>);
        let cases: [(Case, &str, Option<&str>); 19] = [
            (
                ("false", "127.0.0.1", false, Some("https, http"), None, Some("example.com:3000")),
                "http",
                Some("example.com"),
            ),
            (("true", "127.0.0.1", false, Some("https, http"), None, None), "https", None),
            (("true", "127.0.0.1", false, Some(" https "), None, None), "https", None),
            (("true", "127.0.0.1", true, Some(""), None, None), "https", None),
            (("true", "127.0.0.1", true, Some(",https"), None, None), "", None),
            (("1", "10.0.0.1", false, Some("HTTPS"), None, None), "HTTPS", None),
            (("0", "10.0.0.1", false, Some("https"), None, None), "http", None),
            (
                (
                    "loopback",
                    "::ffff:127.0.0.1",
                    false,
                    Some("https"),
                    Some("a.example:8080, b.example"),
                    Some("internal:3000"),
                ),
                "https",
                Some("a.example"),
            ),
            (
                ("loopback", "10.0.0.1", true, Some("https"), Some("a.example"), Some("internal:3000")),
                "https",
                Some("internal"),
            ),
            (("true", "1.1.1.1", false, None, Some("a.example  , b"), Some("h")), "http", Some("a.example")),
            (("true", "1.1.1.1", false, None, Some(""), Some("h:1")), "http", Some("h")),
            (("true", "1.1.1.1", false, None, Some(",b"), Some("h")), "http", None),
            (("true", "1.1.1.1", false, None, Some("[::1]:8080"), Some("h")), "http", Some("[::1]")),
            (("false", "1.1.1.1", false, None, None, Some("[::1]:8080")), "http", Some("[::1]")),
            (("false", "1.1.1.1", false, None, None, Some("[::1")), "http", Some("[")),
            (("false", "1.1.1.1", false, None, None, Some("[::1]")), "http", Some("[::1]")),
            (("false", "1.1.1.1", false, None, None, Some(":3000")), "http", Some("")),
            (("false", "1.1.1.1", false, None, None, None), "http", None),
            (("false", "1.1.1.1", false, None, None, Some("a:b:c")), "http", Some("a")),
        ];
        for ((spec, socket, encrypted, xfp, xfh, host), want_proto, want_host) in cases {
            let (trust, peer) = (compile(spec), a(socket));
            let got = protocol(peer, encrypted, xfp.map(str::as_bytes), &trust);
            assert_eq!(got, want_proto.as_bytes(), "protocol: {spec} {socket} {xfp:?}");
            let got = hostname(peer, host.map(str::as_bytes), xfh.map(str::as_bytes), &trust);
            assert_eq!(got, want_host.map(str::as_bytes), "hostname: {spec} {socket} {xfh:?} {host:?}");
        }
    }
    /// Random headers over the bytes that matter never panic; `ip` is the
    /// first of `ips` or the peer.
    #[test]
    fn random_headers() {
        let alphabet = b"1.2:, af%[]\t";
        let trusts = [TrustProxy::All, TrustProxy::Hops(2), compile("loopback, 1.0.0.0/8, ::/8")];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            seed = seed.rotate_left(7).wrapping_mul(0x2545_f491_4f6c_dd1d).wrapping_add(1);
            let len = (seed >> 59) as usize;
            let header: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    alphabet[(seed % alphabet.len() as u64) as usize]
                })
                .collect();
            for trust in &trusts {
                let peer = a("127.0.0.1");
                let first = ips(peer, Some(&header), trust).next().unwrap_or(peer);
                assert_eq!(ip(peer, Some(&header), trust), first, "{:?}", String::from_utf8_lossy(&header));
                let _ = hostname(peer, Some(&header), Some(&header), trust);
                let _ = protocol(peer, false, Some(&header), trust);
            }
            let _ = IpNet::parse(&String::from_utf8_lossy(&header));
        }
    }
}
