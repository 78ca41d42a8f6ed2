//! Cookies as Express 4 writes and reads them: `Set-Cookie` values exactly
//! as `res.cookie` / `res.clearCookie` produce them through cookie 0.7.2's
//! `serialize`, and cookie 0.7.2's `parse` of a request's `Cookie` header.
//!
//! - [`write_set_cookie`]: `res.cookie(name, value, options)`. The value is
//!   percent-encoded like JavaScript's `encodeURIComponent` (Express's
//!   default), so it cannot carry `;`, CR or LF into the header; a name that
//!   is not a token, or a bad `Domain` or `Path`, is refused with a
//!   [`CookieError`] before anything is written. (cookie's `encode` option
//!   is not offered.)
//! - [`write_clear_cookie`]: `res.clearCookie(name, options)`.
//! - [`parse`], [`find`] and [`decode`]: reading the `Cookie` header.
//!
//! Everything writes into any [`core::fmt::Write`], a fixed buffer
//! included; [`set_cookie_len`] tells the length beforehand.
//!
//! Express serialises an object value as `'j:' + JSON.stringify(value)` and
//! a signed one as `'s:' + signature`; both are strings by the time they
//! get here, made by the caller.

use super::date::HttpDate;
use super::percent;
use core::fmt;

/// The `SameSite` attribute.
///
/// ```
/// use lamina::http::cookie::{CookieOptions, SameSite};
///
/// let opts = CookieOptions { same_site: Some(SameSite::Strict), ..CookieOptions::new() };
/// assert_eq!(opts.same_site, Some(SameSite::Strict));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SameSite {
    /// `SameSite=Strict` (Express's `sameSite: true` or `'strict'`).
    Strict,
    /// `SameSite=Lax`.
    Lax,
    /// `SameSite=None` (browsers require `Secure` with it).
    None,
}

/// The `Priority` attribute (a Chrome extension).
///
/// ```
/// use lamina::http::cookie::{CookieOptions, Priority};
///
/// let opts = CookieOptions { priority: Some(Priority::High), ..CookieOptions::new() };
/// assert_eq!(opts.priority, Some(Priority::High));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Priority {
    /// `Priority=Low`.
    Low,
    /// `Priority=Medium`.
    Medium,
    /// `Priority=High`.
    High,
}

/// The options of `res.cookie`, as cookie 0.7.2 serialises them.
///
/// [`CookieOptions::new`] (also [`Default`]) has Express's defaults: `Path=/`
/// and nothing else. `path: None` (or `Some("")`) leaves `Path` out, like
/// Express's `path: ''`; an empty `domain` is left out too.
///
/// Express's `maxAge` option is in *milliseconds* and sets two attributes:
/// `Expires = now + maxAge` and `Max-Age = floor(maxAge / 1000)`.
/// [`CookieOptions::express_max_age`] does that conversion from the current
/// wall-clock time; [`CookieOptions::max_age`] alone is the raw attribute,
/// in seconds.
///
/// ```
/// use lamina::http::cookie::CookieOptions;
///
/// let opts = CookieOptions { http_only: true, ..CookieOptions::new() };
/// assert_eq!(opts.path, Some("/"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CookieOptions<'a> {
    /// `Max-Age`, in seconds (may be zero or negative).
    pub max_age: Option<i64>,
    /// `Expires`.
    pub expires: Option<HttpDate>,
    /// `Domain`.
    pub domain: Option<&'a str>,
    /// `Path` (Express's default is `/`).
    pub path: Option<&'a str>,
    /// `Secure`.
    pub secure: bool,
    /// `HttpOnly`.
    pub http_only: bool,
    /// `SameSite`.
    pub same_site: Option<SameSite>,
    /// `Partitioned` (CHIPS).
    pub partitioned: bool,
    /// `Priority`.
    pub priority: Option<Priority>,
}

impl CookieOptions<'_> {
    /// Express's defaults: `Path=/`, no other attribute.
    ///
    /// ```
    /// use lamina::http::cookie::CookieOptions;
    ///
    /// assert_eq!(CookieOptions::new(), CookieOptions::default());
    /// assert_eq!(CookieOptions::new().path, Some("/"));
    /// ```
    #[must_use]
    pub const fn new() -> Self {
        Self {
            max_age: None,
            expires: None,
            domain: None,
            path: Some("/"),
            secure: false,
            http_only: false,
            same_site: None,
            partitioned: false,
            priority: None,
        }
    }

    /// Express's `maxAge: max_age_ms` option: `Max-Age` is
    /// `floor(max_age_ms / 1000)` and `Expires` is `now` plus as many seconds
    /// (`now` is the wall-clock time, which Express reads from `Date.now()`;
    /// Express's `Expires` may be one second later when its clock is
    /// mid-second). `Expires` saturates at the epoch and year 9999.
    ///
    /// ```
    /// use lamina::http::cookie::CookieOptions;
    /// use lamina::http::date::HttpDate;
    ///
    /// let now = HttpDate::from_unix_secs(1_700_000_000);
    /// let opts = CookieOptions::new().express_max_age(now, 900_000);
    /// assert_eq!(opts.max_age, Some(900));
    /// assert_eq!(opts.expires, Some(HttpDate::from_unix_secs(1_700_000_900)));
    /// ```
    #[must_use]
    pub const fn express_max_age(mut self, now: HttpDate, max_age_ms: i64) -> Self {
        let secs = max_age_ms.div_euclid(1000);
        self.max_age = Some(secs);
        self.expires = Some(now.saturating_add_signed(secs));
        self
    }
}

impl Default for CookieOptions<'_> {
    fn default() -> Self {
        Self::new()
    }
}

/// Why a `Set-Cookie` value was not written (cookie 0.7.2's `TypeError`s).
///
/// ```
/// use lamina::http::cookie::{write_set_cookie, CookieError, CookieOptions};
///
/// let mut out = String::new();
/// let err = write_set_cookie(&mut out, "bad name", "v", &CookieOptions::new());
/// assert_eq!(err, Err(CookieError::InvalidName));
/// assert_eq!(out, "");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CookieError {
    /// The name is empty or not an RFC 7230 token.
    InvalidName,
    /// The domain is not a valid host name (a leading `.` is allowed).
    InvalidDomain,
    /// The path has a control character, `;`, `<` or a non-ASCII character.
    InvalidPath,
    /// The writer failed (a fixed buffer is full); it may hold part of the
    /// value.
    Write,
}

impl fmt::Display for CookieError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::InvalidName => "cookie name is invalid",
            Self::InvalidDomain => "cookie domain is invalid",
            Self::InvalidPath => "cookie path is invalid",
            Self::Write => "cookie could not be written",
        })
    }
}

impl core::error::Error for CookieError {}

impl From<fmt::Error> for CookieError {
    fn from(_: fmt::Error) -> Self {
        Self::Write
    }
}

/// Writes the `Set-Cookie` value of `res.cookie(name, value, opts)`:
/// `name=<encodeURIComponent(value)>` then the attributes in cookie 0.7.2's
/// order (`Max-Age`, `Domain`, `Path`, `Expires`, `HttpOnly`, `Secure`,
/// `Partitioned`, `Priority`, `SameSite`).
///
/// ```
/// use lamina::http::cookie::{write_set_cookie, CookieOptions};
///
/// let mut out = String::new();
/// let opts = CookieOptions { domain: Some(".example.com"), path: Some("/admin"), secure: true, ..CookieOptions::new() };
/// write_set_cookie(&mut out, "name", "tobi", &opts)?;
/// assert_eq!(out, "name=tobi; Domain=.example.com; Path=/admin; Secure");
/// # Ok::<(), lamina::http::cookie::CookieError>(())
/// ```
///
/// # Errors
///
/// [`CookieError::InvalidName`], [`CookieError::InvalidDomain`] or
/// [`CookieError::InvalidPath`] before anything is written;
/// [`CookieError::Write`] if `out` fails.
pub fn write_set_cookie<W: fmt::Write>(
    out: &mut W,
    name: &str,
    value: &str,
    opts: &CookieOptions<'_>,
) -> Result<(), CookieError> {
    if name.is_empty() || !name.bytes().all(is_tchar) {
        return Err(CookieError::InvalidName);
    }
    let domain = opts.domain.filter(|d| !d.is_empty());
    if domain.is_some_and(|d| !is_domain(d)) {
        return Err(CookieError::InvalidDomain);
    }
    let path = opts.path.filter(|p| !p.is_empty());
    if path.is_some_and(|p| !p.bytes().all(|b| matches!(b, 0x20..=0x3A | 0x3D..=0x7E))) {
        return Err(CookieError::InvalidPath);
    }
    // encodeURIComponent's output is always cookie-octets, which cookie
    // checks the encoded value against.
    out.write_str(name)?;
    out.write_char('=')?;
    write_uri_component(out, value)?;
    if let Some(max_age) = opts.max_age {
        write!(out, "; Max-Age={max_age}")?;
    }
    if let Some(domain) = domain {
        write!(out, "; Domain={domain}")?;
    }
    if let Some(path) = path {
        write!(out, "; Path={path}")?;
    }
    if let Some(expires) = opts.expires {
        write!(out, "; Expires={expires}")?;
    }
    let flags = [(opts.http_only, "; HttpOnly"), (opts.secure, "; Secure"), (opts.partitioned, "; Partitioned")];
    for (set, text) in flags {
        if set {
            out.write_str(text)?;
        }
    }
    if let Some(priority) = opts.priority {
        out.write_str(match priority {
            Priority::Low => "; Priority=Low",
            Priority::Medium => "; Priority=Medium",
            Priority::High => "; Priority=High",
        })?;
    }
    if let Some(same_site) = opts.same_site {
        out.write_str(match same_site {
            SameSite::Strict => "; SameSite=Strict",
            SameSite::Lax => "; SameSite=Lax",
            SameSite::None => "; SameSite=None",
        })?;
    }
    Ok(())
}

/// Writes the `Set-Cookie` value of Express's `res.clearCookie(name, opts)`:
/// an empty value expiring at the epoch, with `opts`' other attributes
/// (`Path`, `Domain`, … must equal those the cookie was set with for the
/// browser to clear it).
///
/// `opts.max_age` and `opts.expires` are ignored. Express 4.22 still passes
/// them on (with a deprecation warning), which sets the cookie again instead
/// of clearing it; Express 5 ignores them, as here, so an app can clear a
/// cookie with the very options it set it with.
///
/// ```
/// use lamina::http::cookie::{write_clear_cookie, CookieOptions};
///
/// let mut out = String::new();
/// write_clear_cookie(&mut out, "name", &CookieOptions::new())?;
/// assert_eq!(out, "name=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
/// # Ok::<(), lamina::http::cookie::CookieError>(())
/// ```
///
/// # Errors
///
/// As [`write_set_cookie`].
pub fn write_clear_cookie<W: fmt::Write>(out: &mut W, name: &str, opts: &CookieOptions<'_>) -> Result<(), CookieError> {
    let opts = CookieOptions { max_age: None, expires: Some(HttpDate::UNIX_EPOCH), ..*opts };
    write_set_cookie(out, name, "", &opts)
}

/// The length of what [`write_set_cookie`] would write, to size a buffer.
///
/// ```
/// use lamina::http::cookie::{set_cookie_len, CookieOptions};
///
/// assert_eq!(set_cookie_len("a", "b c", &CookieOptions::new()), Ok("a=b%20c; Path=/".len()));
/// ```
///
/// # Errors
///
/// As [`write_set_cookie`], except [`CookieError::Write`].
pub fn set_cookie_len(name: &str, value: &str, opts: &CookieOptions<'_>) -> Result<usize, CookieError> {
    let mut counter = Counter(0);
    write_set_cookie(&mut counter, name, value, opts)?;
    Ok(counter.0)
}

/// A writer that only counts bytes.
struct Counter(usize);

impl fmt::Write for Counter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 = self.0.saturating_add(s.len());
        Ok(())
    }
}

/// Whether `b` is an RFC 7230 `tchar`.
const fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(b, b'!' | b'#'..=b'\'' | b'*' | b'+' | b'-' | b'.' | b'^'..=b'`' | b'|' | b'~')
}

/// cookie 0.7.2's domain check: dot-separated labels of 1 to 63 letters,
/// digits and hyphens, not starting or ending with a hyphen; one leading dot
/// allowed.
fn is_domain(domain: &str) -> bool {
    let domain = domain.strip_prefix('.').unwrap_or(domain);
    domain.split('.').all(|label| {
        let bytes = label.as_bytes();
        (1..=63).contains(&bytes.len())
            && bytes.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
            && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
            && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
    })
}

/// Writes `value` percent-encoded as JavaScript's `encodeURIComponent`
/// does: UTF-8 bytes as `%XX`, except letters, digits and `-_.!~*'()`.
fn write_uri_component<W: fmt::Write>(out: &mut W, value: &str) -> fmt::Result {
    let keep =
        |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')');
    let mut start = 0;
    for (i, &b) in value.as_bytes().iter().enumerate() {
        if !keep(b) {
            // `start..i` is a run of kept ASCII bytes, so both ends are char
            // boundaries (an empty range may not be; it writes nothing).
            out.write_str(value.get(start..i).unwrap_or_default())?;
            write!(out, "%{b:02X}")?;
            start = i.saturating_add(1);
        }
    }
    out.write_str(value.get(start..).unwrap_or_default())
}

/// The `name=value` pairs of a request's `Cookie` header, in order, as
/// cookie 0.7.2's `parse` finds them: split at `;`, the name up to the first
/// `=`, spaces and tabs trimmed, one pair of surrounding double quotes
/// removed from the value; parts without `=` are skipped.
///
/// Values are not percent-decoded (see [`decode`]). A name can repeat:
/// cookie keeps the first, as [`find`] does. Pairs that are not UTF-8 are
/// skipped.
///
/// ```
/// use lamina::http::cookie::parse;
///
/// let mut pairs = parse(b"foo=bar; equation=E%3Dmc%5E2; quoted=\"x\"");
/// assert_eq!(pairs.next(), Some(("foo", "bar")));
/// assert_eq!(pairs.next(), Some(("equation", "E%3Dmc%5E2")));
/// assert_eq!(pairs.next(), Some(("quoted", "x")));
/// assert_eq!(pairs.next(), None);
/// ```
#[must_use]
pub fn parse(header: &[u8]) -> Pairs<'_> {
    // A cookie needs at least a name and `=`.
    let header = if header.len() < 2 { &[][..] } else { header };
    Pairs { rest: header }
}

/// The first value of cookie `name` in a `Cookie` header, undecoded.
///
/// ```
/// use lamina::http::cookie::find;
///
/// assert_eq!(find(b"a=1; b=2; a=3", "a"), Some("1"));
/// assert_eq!(find(b"a=1; b=2", "c"), None);
/// ```
#[must_use]
pub fn find<'a>(header: &'a [u8], name: &str) -> Option<&'a str> {
    parse(header).find(|&(key, _)| key == name).map(|(_, value)| value)
}

/// The iterator of [`parse`].
///
/// ```
/// use lamina::http::cookie::{parse, Pairs};
///
/// let pairs: Pairs<'_> = parse(b"a=1");
/// assert_eq!(pairs.count(), 1);
/// ```
#[derive(Clone, Debug)]
pub struct Pairs<'a> {
    /// The header after the pairs already read.
    rest: &'a [u8],
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        // Each round consumes at least one byte of `rest`.
        while !self.rest.is_empty() {
            let rest = self.rest;
            let Some(eq) = rest.iter().position(|&b| b == b'=') else {
                self.rest = &[];
                return None;
            };
            let semi = rest.iter().position(|&b| b == b';');
            if let Some(semi) = semi.filter(|&semi| semi < eq) {
                // A part without `=`: go on after the last `;` before the `=`.
                let last = rest.get(..eq).and_then(|r| r.iter().rposition(|&b| b == b';')).unwrap_or(semi);
                self.rest = rest.get(last.saturating_add(1)..).unwrap_or_default();
                continue;
            }
            let end = semi.unwrap_or(rest.len());
            self.rest = rest.get(end.saturating_add(1)..).unwrap_or_default();
            let key = trim(rest.get(..eq).unwrap_or_default());
            let value = trim(rest.get(eq.saturating_add(1)..end).unwrap_or_default());
            let value = match value {
                // cookie's index arithmetic makes a lone `"` empty.
                [b'"'] => &[][..],
                [b'"', inner @ .., b'"'] => inner,
                _ => value,
            };
            if let (Ok(key), Ok(value)) = (core::str::from_utf8(key), core::str::from_utf8(value)) {
                return Some((key, value));
            }
        }
        None
    }
}

/// `bytes` without leading and trailing spaces and tabs.
fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != b' ' && b != b'\t').unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|&b| b != b' ' && b != b'\t').map_or(start, |i| i.saturating_add(1));
    bytes.get(start..end).unwrap_or_default()
}

/// Percent-decodes a cookie value into `buf`, as cookie's default decoding
/// (`decodeURIComponent`, falling back to the value as it is when an escape
/// is malformed or does not decode to UTF-8). `None` when `buf` is too short
/// for the answer (never longer than `value`).
///
/// ```
/// use lamina::http::cookie::decode;
///
/// let mut buf = [0u8; 32];
/// assert_eq!(decode("E%3Dmc%5E2", &mut buf), Some("E=mc^2"));
/// assert_eq!(decode("%E2%82%AC", &mut buf), Some("€"));
/// assert_eq!(decode("100%", &mut buf), Some("100%"));
/// assert_eq!(decode("too long", &mut [0u8; 4]), None);
/// ```
#[must_use]
pub fn decode<'b>(value: &str, buf: &'b mut [u8]) -> Option<&'b str> {
    // Raw text is whole UTF-8 characters, so the output is UTF-8 exactly when
    // every run of escapes is, which is what `decodeURIComponent` demands.
    let decoded = percent_decode(value.as_bytes(), buf)?;
    let len = match decoded.filter(|&len| buf.get(..len).is_some_and(|b| core::str::from_utf8(b).is_ok())) {
        Some(len) => len,
        None => {
            buf.get_mut(..value.len())?.copy_from_slice(value.as_bytes());
            value.len()
        }
    };
    core::str::from_utf8(buf.get(..len)?).ok()
}

/// Decodes the `%XX` escapes of `input` into `buf`: `Some(Some(len))`,
/// `Some(None)` for a `%` without two hex digits, `None` when `buf` is full.
fn percent_decode(input: &[u8], buf: &mut [u8]) -> Option<Option<usize>> {
    if !percent::well_formed(input) {
        return Some(None);
    }
    let mut len = 0usize;
    for byte in percent::decoded(input, false) {
        *buf.get_mut(len)? = byte;
        len = len.saturating_add(1);
    }
    Some(Some(len))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;
    use std::vec::Vec;

    /// `Date.now()` in the node runs the expected strings come from
    /// (1700000000123 ms).
    const NOW: HttpDate = HttpDate::from_unix_secs(1_700_000_000);

    fn set(name: &str, value: &str, opts: &CookieOptions<'_>) -> Result<String, CookieError> {
        let mut out = String::new();
        write_set_cookie(&mut out, name, value, opts)?;
        assert_eq!(set_cookie_len(name, value, opts), Ok(out.len()));
        Ok(out)
    }

    fn clear(name: &str, opts: &CookieOptions<'_>) -> String {
        let mut out = String::new();
        write_clear_cookie(&mut out, name, opts).unwrap();
        out
    }

    /// The `Set-Cookie` headers of express 4.22.3 (cookie 0.7.2) for
    /// `res.cookie(...)`, from the API docs' examples and more.
    #[test]
    fn matches_express_res_cookie() {
        let o = CookieOptions::new();
        // res.cookie('name', 'tobi', { domain: '.example.com', path: '/admin', secure: true })
        let opts = CookieOptions { domain: Some(".example.com"), path: Some("/admin"), secure: true, ..o };
        assert_eq!(set("name", "tobi", &opts).unwrap(), "name=tobi; Domain=.example.com; Path=/admin; Secure");
        // res.cookie('rememberme', '1', { expires: new Date(Date.now() + 900000), httpOnly: true })
        let opts = CookieOptions { expires: Some(NOW.saturating_add_signed(900)), http_only: true, ..o };
        assert_eq!(
            set("rememberme", "1", &opts).unwrap(),
            "rememberme=1; Path=/; Expires=Tue, 14 Nov 2023 22:28:20 GMT; HttpOnly"
        );
        // res.cookie('rememberme', '1', { maxAge: 900000, httpOnly: true })
        let opts = CookieOptions { http_only: true, ..o.express_max_age(NOW, 900_000) };
        assert_eq!(
            set("rememberme", "1", &opts).unwrap(),
            "rememberme=1; Max-Age=900; Path=/; Expires=Tue, 14 Nov 2023 22:28:20 GMT; HttpOnly"
        );
        // res.cookie('cart', { items: [1, 2, 3] }) and with { maxAge: 900000 }
        let cart = r#"j:{"items":[1,2,3]}"#;
        assert_eq!(set("cart", cart, &o).unwrap(), "cart=j%3A%7B%22items%22%3A%5B1%2C2%2C3%5D%7D; Path=/");
        assert_eq!(
            set("cart", cart, &o.express_max_age(NOW, 900_000)).unwrap(),
            "cart=j%3A%7B%22items%22%3A%5B1%2C2%2C3%5D%7D; Max-Age=900; Path=/; Expires=Tue, 14 Nov 2023 22:28:20 GMT"
        );
        // { maxAge: 60000, path: '/admin' }
        let opts = CookieOptions { path: Some("/admin"), ..o.express_max_age(NOW, 60_000) };
        assert_eq!(
            set("a", "b", &opts).unwrap(),
            "a=b; Max-Age=60; Path=/admin; Expires=Tue, 14 Nov 2023 22:14:20 GMT"
        );
        // { sameSite: 'strict', partitioned: true, secure: true, priority: 'high', httpOnly: true,
        //   domain: 'Example.COM', maxAge: 1500, path: '' }
        let opts = CookieOptions {
            same_site: Some(SameSite::Strict),
            partitioned: true,
            secure: true,
            priority: Some(Priority::High),
            http_only: true,
            domain: Some("Example.COM"),
            path: Some(""),
            ..o.express_max_age(NOW, 1500)
        };
        assert_eq!(
            set("a", "b", &opts).unwrap(),
            "a=b; Max-Age=1; Domain=Example.COM; Expires=Tue, 14 Nov 2023 22:13:21 GMT; HttpOnly; Secure; Partitioned; Priority=High; SameSite=Strict"
        );
        // { maxAge: -1500 }
        assert_eq!(
            set("a", "b", &o.express_max_age(NOW, -1500)).unwrap(),
            "a=b; Max-Age=-2; Path=/; Expires=Tue, 14 Nov 2023 22:13:18 GMT"
        );
        let opts = CookieOptions { same_site: Some(SameSite::Lax), priority: Some(Priority::Medium), ..o };
        assert_eq!(set("a", "b", &opts).unwrap(), "a=b; Path=/; Priority=Medium; SameSite=Lax");
        let opts = CookieOptions { same_site: Some(SameSite::None), priority: Some(Priority::Low), path: None, ..o };
        assert_eq!(set("a", "", &opts).unwrap(), "a=; Priority=Low; SameSite=None");
    }

    #[test]
    fn encodes_like_encode_uri_component() {
        let value = "hello world; x=y\r\n€\u{1F600}!~*'()-_.%";
        assert_eq!(
            set("a", value, &CookieOptions::new()).unwrap(),
            "a=hello%20world%3B%20x%3Dy%0D%0A%E2%82%AC%F0%9F%98%80!~*'()-_.%25; Path=/"
        );
        // Injection through the value is impossible: it is always encoded.
        let out = set("a", "x\r\nSet-Cookie: evil=1; Domain=evil.com", &CookieOptions::new()).unwrap();
        assert_eq!(out, "a=x%0D%0ASet-Cookie%3A%20evil%3D1%3B%20Domain%3Devil.com; Path=/");
    }

    /// Express 4.22.3 `res.clearCookie` (and Express 5 when maxAge or
    /// expires are passed).
    #[test]
    fn matches_express_clear_cookie() {
        let o = CookieOptions::new();
        assert_eq!(clear("name", &o), "name=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
        let opts = CookieOptions { path: Some("/admin"), ..o };
        assert_eq!(clear("name", &opts), "name=; Path=/admin; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
        // Express 5.3.0: res.clearCookie('name', { maxAge: 900000, path: '/admin', domain: 'x.com' })
        let opts = CookieOptions { path: Some("/admin"), domain: Some("x.com"), ..o.express_max_age(NOW, 900_000) };
        assert_eq!(clear("name", &opts), "name=; Domain=x.com; Path=/admin; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
        // Express 5.3.0: { expires: new Date(2000), httpOnly, secure, sameSite: 'none', partitioned, priority: 'low' }
        let opts = CookieOptions {
            expires: Some(HttpDate::from_unix_secs(2)),
            http_only: true,
            secure: true,
            same_site: Some(SameSite::None),
            partitioned: true,
            priority: Some(Priority::Low),
            ..o
        };
        assert_eq!(
            clear("n2", &opts),
            "n2=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; Partitioned; Priority=Low; SameSite=None"
        );
    }

    /// cookie 0.7.2's `serialize` errors, case by case as node answered.
    #[test]
    fn refuses_what_cookie_refuses() {
        let o = CookieOptions::new();
        for name in ["bad name", "a;b", "a=b", "", "a\r\nb", "é", "a\tb", "a,b", "a\"b"] {
            assert_eq!(set(name, "v", &o), Err(CookieError::InvalidName), "{name:?}");
        }
        assert_eq!(set("!#$%&'*+-.^_`|~", "v", &o).unwrap(), "!#$%&'*+-.^_`|~=v; Path=/");
        for b in 0..=u8::MAX {
            assert_eq!(is_tchar(b), b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b), "{b}");
        }
        let domains = [
            ("a..b", false),
            ("-a.com", false),
            ("a-.com", false),
            (".a.com", true),
            ("a.com.", false),
            ("a_b.com", false),
            ("xn--a.com", true),
            ("1.2.3.4", true),
            ("a.com;x", false),
            ("a.com\r\nx", false),
            ("..a.com", false),
            (".", false),
        ];
        for (domain, ok) in domains {
            let result = set("n", "v", &CookieOptions { domain: Some(domain), path: None, ..o });
            assert_eq!(result.is_ok(), ok, "{domain:?}");
            if ok {
                assert_eq!(result.unwrap(), std::format!("n=v; Domain={domain}"));
            } else {
                assert_eq!(result, Err(CookieError::InvalidDomain), "{domain:?}");
            }
        }
        let label63 = "a".repeat(63) + ".com";
        let label64 = "a".repeat(64) + ".com";
        assert!(set("n", "v", &CookieOptions { domain: Some(&label63), ..o }).is_ok());
        assert_eq!(set("n", "v", &CookieOptions { domain: Some(&label64), ..o }), Err(CookieError::InvalidDomain));
        for (path, ok) in [("/a b", true), ("/a;b", false), ("/a<b", false), ("/a>b", true), ("/é", false)] {
            let result = set("n", "v", &CookieOptions { path: Some(path), ..o });
            assert_eq!(result.is_ok(), ok, "{path:?}");
        }
        for path in ["/a\tb", "/a\nb", "/a\r\nSet-Cookie: x=y", "/\u{7f}"] {
            assert_eq!(set("n", "v", &CookieOptions { path: Some(path), ..o }), Err(CookieError::InvalidPath));
        }
        // An error leaves the output untouched.
        let mut out = String::from("kept");
        let opts = CookieOptions { path: Some("/;"), ..o };
        assert_eq!(write_set_cookie(&mut out, "n", "v", &opts), Err(CookieError::InvalidPath));
        assert_eq!(out, "kept");
    }

    /// A fixed buffer as `out`: a value that does not fit is an error.
    #[test]
    fn fixed_buffer_full() {
        struct Fixed<'b> {
            buf: &'b mut [u8],
            len: usize,
        }
        impl fmt::Write for Fixed<'_> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                let end = self.len + s.len();
                self.buf.get_mut(self.len..end).ok_or(fmt::Error)?.copy_from_slice(s.as_bytes());
                self.len = end;
                Ok(())
            }
        }
        let mut buf = [0u8; 20];
        let mut out = Fixed { buf: &mut buf, len: 0 };
        assert_eq!(write_set_cookie(&mut out, "name", "tobi", &CookieOptions::new()), Ok(()));
        assert_eq!(&out.buf[..out.len], b"name=tobi; Path=/");
        let mut out = Fixed { buf: &mut buf, len: 0 };
        let opts = CookieOptions { http_only: true, ..CookieOptions::new() };
        assert_eq!(write_set_cookie(&mut out, "name", "tobi", &opts), Err(CookieError::Write));
    }

    /// cookie 0.7.2's `parse`, as node answered (values before decoding).
    #[test]
    fn parses_like_cookie() {
        let cases: [(&str, &[(&str, &str)]); 14] = [
            ("a=\"", &[("a", "")]),
            ("a=\"\"", &[("a", "")]),
            ("a=\"b", &[("a", "\"b")]),
            (" a = \" b \" ; c=d", &[("a", " b "), ("c", "d")]),
            ("a;b=c", &[("b", "c")]),
            ("x=1;y;z=2", &[("x", "1"), ("z", "2")]),
            ("=v; a=1", &[("", "v"), ("a", "1")]),
            ("foo", &[]),
            ("a=b;;c=d", &[("a", "b"), ("c", "d")]),
            ("a=b;", &[("a", "b")]),
            (";a=b", &[("a", "b")]),
            ("a=b=c", &[("a", "b=c")]),
            ("x;y=z;w=v", &[("y", "z"), ("w", "v")]),
            ("k=v\t; k2 = v2 ", &[("k", "v"), ("k2", "v2")]),
        ];
        for (header, pairs) in cases {
            assert_eq!(parse(header.as_bytes()).collect::<Vec<_>>(), pairs, "{header:?}");
        }
        assert_eq!(parse(b"=").count(), 0);
        assert_eq!(find(b"a=1; a=2", "a"), Some("1"));
        // Pairs that are not UTF-8 are skipped.
        assert_eq!(parse(b"a=\xff; b=2").collect::<Vec<_>>(), [("b", "2")]);
        assert_eq!(find(b"a=\xff; a=2", "a"), Some("2"));
    }

    #[test]
    fn parse_never_panics() {
        let inputs: [&[u8]; 8] = [b"", b";", b"=", b";;;=;;", b"a", b"\"", b"=\"", b"a=;=b;\"=\""];
        for header in inputs {
            for (key, value) in parse(header) {
                assert!(key.len() + value.len() <= header.len());
            }
        }
    }

    /// Node: `cookie.parse('a=%E2%82%AC; b=%E2%82; c=%zz; d=%41%C3x; e=%ED%A0%80; f=%2')`.
    #[test]
    fn decodes_like_try_decode() {
        let mut buf = [0u8; 64];
        let cases = [
            ("%E2%82%AC", "€"),
            ("%E2%82", "%E2%82"),
            ("%zz", "%zz"),
            ("%41%C3x", "%41%C3x"),
            ("%ED%A0%80", "%ED%A0%80"),
            ("%2", "%2"),
            ("E%3Dmc%5E2", "E=mc^2"),
            ("plain", "plain"),
            ("é%20à", "é à"),
            ("%c3%a9", "é"),
            ("%F0%9F%98%80!", "😀!"),
            ("", ""),
        ];
        for (value, decoded) in cases {
            assert_eq!(decode(value, &mut buf), Some(decoded), "{value:?}");
        }
        // Sized exactly for the answer, decoded or not.
        assert_eq!(decode("%E2%82%AC", &mut [0u8; 3]), Some("€"));
        assert_eq!(decode("%E2%82%AC", &mut [0u8; 2]), None);
        assert_eq!(decode("%zz", &mut [0u8; 3]), Some("%zz"));
        assert_eq!(decode("%zz", &mut [0u8; 2]), None);
    }
}
