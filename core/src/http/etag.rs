//! Entity tags as Express 4 generates them for `res.send` (etag 1.8.1 over
//! the body's bytes): `"<length in hex>-<SHA-1 in base64, first 27 chars>"`,
//! with `W/` in front for the weak tags Express uses by default
//! (`app.set('etag', 'weak')`; `'strong'` gives the strong form).
//!
//! etag's other input, an `fs.Stats` (`"<size hex>-<mtime ms hex>"`, used by
//! `send` for static files), is not covered here: it needs no hashing and is
//! one `write!` away for a caller that has the metadata.
//!
//! [`write_weak`] and [`write_strong`] tag a body held in one slice;
//! [`EtagHasher`] tags a body written in pieces. Both write at most
//! [`MAX_LEN`] bytes and allocate nothing.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use core::fmt;
use sha1::{Digest as _, Sha1};

/// The longest tag written: `W/"` + 16 hex digits + `-` + 27 + `"`.
///
/// ```
/// use lamina::http::etag::{write_weak, MAX_LEN};
///
/// let mut tag = String::new();
/// write_weak(&mut tag, b"hello world")?;
/// assert!(tag.len() <= MAX_LEN);
/// # Ok::<(), core::fmt::Error>(())
/// ```
pub const MAX_LEN: usize = 48;

/// Characters of the base64 SHA-1 that etag keeps (all but the `=` pad).
const HASH_CHARS: usize = 27;

/// Writes the weak entity tag Express sends for `body`:
/// `W/"b-Kq5sNclPz7QV2+lfQIuc6R7oRu0"` for `hello world`.
///
/// ```
/// use lamina::http::etag::write_weak;
///
/// let mut tag = String::new();
/// write_weak(&mut tag, b"")?;
/// assert_eq!(tag, r#"W/"0-2jmj7l5rSw0yVb/vlWAYkK/YBwk""#);
/// # Ok::<(), core::fmt::Error>(())
/// ```
///
/// # Errors
///
/// Only those of `out`.
pub fn write_weak<W: fmt::Write>(out: &mut W, body: &[u8]) -> fmt::Result {
    let mut hasher = EtagHasher::new();
    hasher.update(body);
    hasher.finish_weak(out)
}

/// Writes the strong entity tag for `body` (Express with
/// `app.set('etag', 'strong')`): `"b-Kq5sNclPz7QV2+lfQIuc6R7oRu0"` for
/// `hello world`.
///
/// ```
/// use lamina::http::etag::write_strong;
///
/// let mut tag = String::new();
/// write_strong(&mut tag, b"hello world")?;
/// assert_eq!(tag, r#""b-Kq5sNclPz7QV2+lfQIuc6R7oRu0""#);
/// # Ok::<(), core::fmt::Error>(())
/// ```
///
/// # Errors
///
/// Only those of `out`.
pub fn write_strong<W: fmt::Write>(out: &mut W, body: &[u8]) -> fmt::Result {
    let mut hasher = EtagHasher::new();
    hasher.update(body);
    hasher.finish_strong(out)
}

/// An entity tag computed over a body fed in pieces; the tag is the same as
/// for the concatenated pieces.
///
/// ```
/// use lamina::http::etag::EtagHasher;
///
/// let mut hasher = EtagHasher::new();
/// hasher.update(b"hello ");
/// hasher.update(b"world");
/// let mut tag = String::new();
/// hasher.finish_weak(&mut tag)?;
/// assert_eq!(tag, r#"W/"b-Kq5sNclPz7QV2+lfQIuc6R7oRu0""#);
/// # Ok::<(), core::fmt::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct EtagHasher {
    sha1: Sha1,
    len: u64,
}

impl EtagHasher {
    /// A hasher that has seen no bytes yet.
    ///
    /// ```
    /// use lamina::http::etag::EtagHasher;
    ///
    /// let mut tag = String::new();
    /// EtagHasher::new().finish_strong(&mut tag)?;
    /// assert_eq!(tag, r#""0-2jmj7l5rSw0yVb/vlWAYkK/YBwk""#);
    /// # Ok::<(), core::fmt::Error>(())
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds the next piece of the body.
    ///
    /// ```
    /// use lamina::http::etag::EtagHasher;
    ///
    /// let mut hasher = EtagHasher::new();
    /// hasher.update(b"Hello, World!");
    /// assert_eq!(hasher.len(), 13);
    /// ```
    pub fn update(&mut self, bytes: &[u8]) {
        self.sha1.update(bytes);
        self.len = self.len.saturating_add(u64::try_from(bytes.len()).unwrap_or(u64::MAX));
    }

    /// Bytes fed so far.
    ///
    /// ```
    /// use lamina::http::etag::EtagHasher;
    ///
    /// assert_eq!(EtagHasher::new().len(), 0);
    /// ```
    #[must_use]
    pub const fn len(&self) -> u64 {
        self.len
    }

    /// Whether no bytes were fed yet.
    ///
    /// ```
    /// use lamina::http::etag::EtagHasher;
    ///
    /// assert!(EtagHasher::new().is_empty());
    /// ```
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Writes the weak tag (`W/"…"`) of the bytes fed.
    ///
    /// ```
    /// use lamina::http::etag::EtagHasher;
    ///
    /// let mut hasher = EtagHasher::new();
    /// hasher.update("€".as_bytes());
    /// let mut tag = String::new();
    /// hasher.finish_weak(&mut tag)?;
    /// assert_eq!(tag, r#"W/"3-g/yGem6nvxyhBa7JobgSNOCuxA4""#);
    /// # Ok::<(), core::fmt::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Only those of `out`.
    pub fn finish_weak<W: fmt::Write>(self, out: &mut W) -> fmt::Result {
        out.write_str("W/")?;
        self.finish_strong(out)
    }

    /// Writes the strong tag (`"…"`) of the bytes fed.
    ///
    /// ```
    /// use lamina::http::etag::EtagHasher;
    ///
    /// let mut hasher = EtagHasher::new();
    /// hasher.update(b"hello world");
    /// let mut tag = String::new();
    /// hasher.finish_strong(&mut tag)?;
    /// assert_eq!(tag, r#""b-Kq5sNclPz7QV2+lfQIuc6R7oRu0""#);
    /// # Ok::<(), core::fmt::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Only those of `out`.
    pub fn finish_strong<W: fmt::Write>(self, out: &mut W) -> fmt::Result {
        let digest = self.sha1.finalize();
        // 20 bytes encode to exactly 27 base64 characters without padding.
        let mut b64 = [0u8; HASH_CHARS];
        let written = STANDARD_NO_PAD.encode_slice(digest, &mut b64).map_err(|_| fmt::Error)?;
        let hash = b64.get(..written).and_then(|b| core::str::from_utf8(b).ok()).ok_or(fmt::Error)?;
        write!(out, "\"{:x}-{hash}\"", self.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;
    use std::vec;

    fn weak(body: &[u8]) -> String {
        let mut tag = String::new();
        write_weak(&mut tag, body).unwrap();
        tag
    }

    fn strong(body: &[u8]) -> String {
        let mut tag = String::new();
        write_strong(&mut tag, body).unwrap();
        tag
    }

    /// Node: `require('etag')(body, { weak: true })` and `etag(body)`.
    #[test]
    fn matches_etag_1_8_1() {
        let cases: [(&[u8], &str); 5] = [
            (b"", "0-2jmj7l5rSw0yVb/vlWAYkK/YBwk"),
            (b"hello world", "b-Kq5sNclPz7QV2+lfQIuc6R7oRu0"),
            (b"Hello, World!", "d-CgqfKmdylCVXq1NV12r0Qvj2XgE"),
            ("€".as_bytes(), "3-g/yGem6nvxyhBa7JobgSNOCuxA4"),
            (&[b'a'; 1000], "3e8-KR6abGaZSUm1e6XmUDYemPw2sbo"),
        ];
        for (body, tag) in cases {
            assert_eq!(weak(body), std::format!("W/\"{tag}\""));
            assert_eq!(strong(body), std::format!("\"{tag}\""));
        }
        // etag(Buffer.alloc(70000, 7), { weak: true })
        assert_eq!(weak(&vec![7u8; 70_000]), r#"W/"11170-OOgOBBW8sTXBPvC3E5jw12s8184""#);
    }

    #[test]
    fn pieces_give_the_same_tag() {
        let body = vec![7u8; 70_000];
        let mut hasher = EtagHasher::new();
        for piece in body.chunks(4093) {
            hasher.update(piece);
        }
        assert_eq!(hasher.len(), 70_000);
        let mut tag = String::new();
        hasher.finish_weak(&mut tag).unwrap();
        assert_eq!(tag, weak(&body));
    }

    #[test]
    fn longest_tag_fits_max_len() {
        let hasher = EtagHasher { len: u64::MAX, ..EtagHasher::new() };
        let mut tag = String::new();
        hasher.finish_weak(&mut tag).unwrap();
        assert_eq!(tag.len(), MAX_LEN);
    }
}
