//! Route parameters: where a route's captures are kept in the request, and
//! how their percent-encoding is undone without a buffer of the request's.

use core::fmt;
use core::str::FromStr;

use super::MAX_PARAMS;
use super::pattern::Captures;
use crate::Error;
use crate::http::percent;

/// The captures of the route that matched, as byte ranges of the request's
/// path (so a `Params` is small and `Copy`, and nothing is decoded until a
/// handler asks).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Params {
    items: [Option<(&'static str, u32, u32)>; MAX_PARAMS],
}

impl Params {
    /// The captures of a match against the path that starts at `base` in
    /// the request's target. Fails with a `400` when a value's escapes are
    /// malformed (Express's "Failed to decode param").
    pub(crate) fn from_captures(caps: &Captures, base: usize, path: &str) -> Result<Self, Error> {
        let mut params = Self::default();
        for (slot, cap) in params.items.iter_mut().zip(caps.iter()) {
            let value = path.get(cap.start..cap.end).unwrap_or("");
            if !is_valid_encoding(value) {
                return Err(Error::new("Failed to decode param").with_status(400));
            }
            let start = u32::try_from(base.saturating_add(cap.start)).map_err(|_| Error::new("path too long"))?;
            let len = u32::try_from(value.len()).map_err(|_| Error::new("path too long"))?;
            *slot = Some((cap.name, start, len));
        }
        Ok(params)
    }

    /// `self` with the parameters of `inner` added, replacing those of the
    /// same name (Express's `mergeParams`).
    pub(crate) fn merged(mut self, inner: &Params) -> Self {
        for item in inner.items.iter().flatten() {
            match self.items.iter_mut().find(|s| s.is_none_or(|(n, ..)| n == item.0)) {
                Some(slot) => *slot = Some(*item),
                None => break,
            }
        }
        self
    }

    /// Name and range of each parameter.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&'static str, usize, usize)> + '_ {
        self.items.iter().flatten().map(|&(name, start, len)| {
            let start = start as usize;
            (name, start, start.saturating_add(len as usize))
        })
    }
}

/// One route parameter's value as the URL spells it. Compare it, display it,
/// [`parse`](Self::parse) it or [`decode`](Self::decode) it; nothing is
/// copied until asked.
///
/// ```
/// use lamina::app::{App, Flow};
/// use lamina::serve::memory::exchange;
///
/// let app = App::new().get("/user/:name/:id", async |req, res| {
///     let name = req.param("name").unwrap();
///     assert_eq!(name.raw(), "J%C3%BCrgen");
///     assert_eq!(name, "Jürgen");
///     let mut buf = [0u8; 16];
///     assert_eq!(name.decode(&mut buf)?, "Jürgen");
///     let id: u32 = req.param("id").unwrap().parse()?;
///     res.send(std::format!("{name} #{id}").as_str()).await?;
///     Ok(Flow::Done)
/// });
/// let out = exchange(&app, b"GET /user/J%C3%BCrgen/7 HTTP/1.1\r\nHost: a\r\n\r\n");
/// assert!(out.ends_with("Jürgen #7".as_bytes()));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Param<'r> {
    raw: &'r str,
}

impl<'r> Param<'r> {
    pub(crate) fn new(raw: &'r str) -> Self {
        Self { raw }
    }

    /// The value as the URL spells it, escapes kept.
    pub fn raw(&self) -> &'r str {
        self.raw
    }

    /// The value, when it holds no escape (so it needs no buffer).
    pub fn as_str(&self) -> Option<&'r str> {
        (!self.raw.contains('%')).then_some(self.raw)
    }

    /// The decoded value, written into `buf`; a `400` error if `buf` is too
    /// small.
    pub fn decode<'b>(&self, buf: &'b mut [u8]) -> Result<&'b str, Error> {
        let mut len = 0usize;
        for byte in decoded(self.raw) {
            let slot = buf.get_mut(len).ok_or(Error::new("route parameter longer than its buffer").with_status(400))?;
            *slot = byte;
            len = len.saturating_add(1);
        }
        let bytes = buf.get(..len).unwrap_or(&[]);
        core::str::from_utf8(bytes).map_err(|_| Error::new("Failed to decode param").with_status(400))
    }

    /// Parses the decoded value (up to 64 bytes) as a `T` (a number, an
    /// enum with `FromStr`...); a `400` error when it does not parse.
    pub fn parse<T: FromStr>(&self) -> Result<T, Error> {
        let mut buf = [0u8; 64];
        let text = match self.as_str() {
            Some(text) => text,
            None => self.decode(&mut buf)?,
        };
        text.parse().map_err(|_| Error::new("invalid route parameter").with_status(400))
    }
}

impl PartialEq<str> for Param<'_> {
    fn eq(&self, other: &str) -> bool {
        decoded(self.raw).eq(other.bytes())
    }
}

impl PartialEq<&str> for Param<'_> {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

impl fmt::Display for Param<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Valid UTF-8 once decoded (checked when the route matched), so
        // decoding one character's bytes at a time never splits one.
        let mut buf = [0u8; 4];
        let mut len = 0usize;
        for byte in decoded(self.raw) {
            if let Some(slot) = buf.get_mut(len) {
                *slot = byte;
                len = len.saturating_add(1);
            }
            if let Ok(text) = core::str::from_utf8(buf.get(..len).unwrap_or(&[])) {
                f.write_str(text)?;
                len = 0;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Param<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.raw, f)
    }
}

/// The bytes of `raw` with `%XX` escapes decoded (a malformed escape is kept
/// as it is; `from_captures` refused those already).
fn decoded(raw: &str) -> impl Iterator<Item = u8> + '_ {
    percent::decoded(raw.as_bytes(), false)
}

/// Whether `decodeURIComponent` would accept `raw`: every `%` starts an
/// escape and the decoded bytes are UTF-8.
fn is_valid_encoding(raw: &str) -> bool {
    percent::well_formed(raw.as_bytes()) && utf8_ok(decoded(raw))
}

/// Whether a byte stream is UTF-8, without a buffer.
fn utf8_ok(mut bytes: impl Iterator<Item = u8>) -> bool {
    while let Some(first) = bytes.next() {
        let more = match first {
            0x00..=0x7f => 0,
            0xc2..=0xdf => 1,
            0xe0..=0xef => 2,
            0xf0..=0xf4 => 3,
            _ => return false,
        };
        let mut buf = [first, 0, 0, 0];
        for slot in buf.iter_mut().skip(1).take(more) {
            match bytes.next() {
                Some(b) => *slot = b,
                None => return false,
            }
        }
        if core::str::from_utf8(buf.get(..=more).unwrap_or(&[])).is_err() {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use std::string::ToString;

    use super::*;

    #[test]
    fn decoding_mirrors_decode_uri_component() {
        assert!(is_valid_encoding("plain"));
        assert!(is_valid_encoding("a%20b"));
        assert!(is_valid_encoding("J%C3%BCrgen"));
        assert!(!is_valid_encoding("%"));
        assert!(!is_valid_encoding("%zz"));
        assert!(!is_valid_encoding("%4"));
        assert!(!is_valid_encoding("%C3"));
        assert!(!is_valid_encoding("%FF"));
        assert!(!is_valid_encoding("%ED%A0%80"), "a surrogate is not UTF-8");
        let p = Param::new("a%2Fb+c");
        assert_eq!(p.to_string(), "a/b+c");
        assert!(p == "a/b+c");
        assert_eq!(p.as_str(), None);
        assert_eq!(Param::new("J%C3%BCrgen").to_string(), "Jürgen");
        let mut small = [0u8; 2];
        assert_eq!(p.decode(&mut small).map_err(|e| e.status()), Err(400));
        assert_eq!(Param::new("42").parse::<u8>(), Ok(42));
        assert_eq!(Param::new("4%32").parse::<u8>(), Ok(42));
        assert_eq!(Param::new("x").parse::<u8>().map_err(|e| e.status()), Err(400));
    }
}
