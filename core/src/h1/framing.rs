//! Message framing of requests (RFC 9112 §6), decided in this one place.
//!
//! | headers | outcome |
//! |---|---|
//! | neither `Content-Length` nor `Transfer-Encoding` | no body |
//! | one valid `Content-Length` (identical repeats folded) | that many bytes |
//! | `Content-Length` values that differ, or not a decimal | `400`, close |
//! | `Transfer-Encoding: chunked` (HTTP/1.1) | chunked |
//! | a final coding other than `chunked` (`gzip`; `chunked, gzip`) | `400`, close (§6.3 item 4: a MUST) |
//! | other codings before a final `chunked` (`gzip, chunked`; `chunked, chunked`) | `501`, close (§6.1: not implemented) |
//! | `Transfer-Encoding` on HTTP/1.0 | `400`, close |
//! | both `Content-Length` and `Transfer-Encoding` | `400`, close |
//! | HTTP/1.1 without `Host`; two `Host` lines; a malformed `Host` | `400`, close |

use super::RequestError;
use super::head::{RequestHead, Version, is_authority};

/// How a request's body is delimited.
///
/// ```
/// use lamina::h1::BodyKind;
/// assert_ne!(BodyKind::Length(0), BodyKind::Chunked);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BodyKind {
    /// No body.
    None,
    /// Exactly this many bytes.
    Length(u64),
    /// Chunked transfer coding.
    Chunked,
}

/// What the framing headers of a request decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Framing {
    pub(crate) body: BodyKind,
    /// The client allows the connection to stay open after this exchange.
    pub(crate) keep_alive: bool,
    /// `Expect: 100-continue` on an HTTP/1.1 request.
    pub(crate) expect_continue: bool,
}

/// Reads every framing-relevant header once (dispatching on the name's length,
/// so other headers cost one comparison) and applies the table above.
pub(crate) fn analyze(head: &RequestHead<'_, '_>) -> Result<Framing, RequestError> {
    let mut hosts = 0u32;
    let mut length: Option<u64> = None;
    let (mut te_seen, mut te_codings, mut te_chunked_last) = (false, 0u32, false);
    let (mut close, mut keep_alive_token, mut expect_continue) = (false, false, false);

    for h in head.raw_headers() {
        let name = h.name.as_bytes();
        match name.len() {
            4 if name.eq_ignore_ascii_case(b"host") => {
                hosts = hosts.saturating_add(1);
                if !is_authority(Some(h.value)) {
                    return Err(RequestError::BadHost);
                }
            }
            6 if name.eq_ignore_ascii_case(b"expect") => {
                expect_continue |= h.value.eq_ignore_ascii_case(b"100-continue");
            }
            // Each list-valued header has a fast path for its common single
            // value (httparse already trimmed the value's outer whitespace).
            10 if name.eq_ignore_ascii_case(b"connection") => {
                if h.value.eq_ignore_ascii_case(b"keep-alive") {
                    keep_alive_token = true;
                } else {
                    close |= has_token(h.value, b"close");
                    keep_alive_token |= has_token(h.value, b"keep-alive");
                }
            }
            14 if name.eq_ignore_ascii_case(b"content-length") => {
                for element in h.value.split(|&b| b == b',') {
                    let n = parse_length(trim(element))?;
                    match length {
                        Some(prev) if prev != n => return Err(RequestError::ConflictingContentLength),
                        _ => length = Some(n),
                    }
                }
            }
            17 if name.eq_ignore_ascii_case(b"transfer-encoding") => {
                te_seen = true;
                if h.value.eq_ignore_ascii_case(b"chunked") {
                    te_codings = te_codings.saturating_add(1);
                    te_chunked_last = true;
                } else {
                    for coding in list(h.value) {
                        te_codings = te_codings.saturating_add(1);
                        te_chunked_last = coding.eq_ignore_ascii_case(b"chunked");
                    }
                }
            }
            _ => {}
        }
    }

    let version = head.version();
    if hosts > 1 {
        return Err(RequestError::DuplicateHost);
    }
    if hosts == 0 && version == Version::Http11 {
        return Err(RequestError::MissingHost);
    }
    let body = if te_seen {
        if version == Version::Http10 {
            return Err(RequestError::TransferEncodingOnHttp10);
        }
        if length.is_some() {
            return Err(RequestError::ContentLengthWithTransferEncoding);
        }
        match (te_codings, te_chunked_last) {
            (0, _) => return Err(RequestError::BadTransferEncoding),
            (_, false) => return Err(RequestError::ChunkedNotFinal),
            (1, true) => BodyKind::Chunked,
            (_, true) => return Err(RequestError::UnsupportedTransferEncoding),
        }
    } else {
        match length {
            None | Some(0) => BodyKind::None,
            Some(n) => BodyKind::Length(n),
        }
    };
    Ok(Framing {
        body,
        keep_alive: !close && (version == Version::Http11 || keep_alive_token),
        expect_continue: expect_continue && version == Version::Http11,
    })
}

/// `1*DIGIT`, no sign, no inner whitespace, no overflow.
fn parse_length(digits: &[u8]) -> Result<u64, RequestError> {
    if digits.is_empty() {
        return Err(RequestError::BadContentLength);
    }
    digits.iter().try_fold(0u64, |n, &b| {
        let digit = b.checked_sub(b'0').filter(|d| *d <= 9).ok_or(RequestError::BadContentLength)?;
        n.checked_mul(10).and_then(|n| n.checked_add(u64::from(digit))).ok_or(RequestError::BadContentLength)
    })
}

/// Whether a comma-separated list (a `Connection` value) holds `token`,
/// case-insensitively.
pub(crate) fn has_token(value: &[u8], token: &[u8]) -> bool {
    list(value).any(|t| t.eq_ignore_ascii_case(token))
}

/// The non-empty elements of a comma-separated list (RFC 9110 §5.6.1).
fn list(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value.split(|&b| b == b',').map(trim).filter(|e| !e.is_empty())
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::h1::Config;
    use crate::h1::head::{HeaderSlots, Incomplete, parse};
    use std::format;

    fn framing(head: &str) -> Result<Framing, RequestError> {
        let mut input = head.replace('\n', "\r\n");
        input.push_str("\r\n");
        let mut slots = HeaderSlots::<16>::new();
        let head = parse(input.as_bytes(), &mut slots, input.len(), Incomplete::Partial, &Config::new())?
            .ok_or(RequestError::UnexpectedEof)?;
        analyze(&head)
    }

    fn body(head: &str) -> Result<BodyKind, RequestError> {
        framing(head).map(|f| f.body)
    }

    #[test]
    fn content_length() {
        assert_eq!(body("POST / HTTP/1.1\nHost: a\nContent-Length: 5\n"), Ok(BodyKind::Length(5)));
        assert_eq!(body("POST / HTTP/1.1\nHost: a\nContent-Length: 0\n"), Ok(BodyKind::None));
        assert_eq!(body("POST / HTTP/1.1\nHost: a\n"), Ok(BodyKind::None));
        let folded = "POST / HTTP/1.1\nHost: a\nContent-Length: 5\ncontent-length: 5, 5\n";
        assert_eq!(body(folded), Ok(BodyKind::Length(5)));
        let conflict = "POST / HTTP/1.1\nHost: a\nContent-Length: 5\nContent-Length: 6\n";
        assert_eq!(body(conflict), Err(RequestError::ConflictingContentLength));
        for bad in ["+5", "-1", "5 5", "0x5", "", "5,", "18446744073709551616", "5;q"] {
            let head = format!("POST / HTTP/1.1\nHost: a\nContent-Length: {bad}\n");
            assert_eq!(body(&head), Err(RequestError::BadContentLength), "{bad:?}");
        }
        let max = "POST / HTTP/1.1\nHost: a\nContent-Length: 18446744073709551615\n";
        assert_eq!(body(max), Ok(BodyKind::Length(u64::MAX)));
    }

    #[test]
    fn transfer_encoding() {
        assert_eq!(body("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n"), Ok(BodyKind::Chunked));
        assert_eq!(body("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: CHUNKED\n"), Ok(BodyKind::Chunked));
        assert_eq!(body("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: , chunked,\n"), Ok(BodyKind::Chunked));
        for te in [
            "gzip, chunked",
            "chunked, chunked",
            "chunked\nTransfer-Encoding: chunked",
            "gzip\nTransfer-Encoding: chunked",
        ] {
            let head = format!("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: {te}\n");
            assert_eq!(body(&head), Err(RequestError::UnsupportedTransferEncoding), "{te:?}");
        }
        for te in ["gzip", "chunked, gzip", "x-chunked", "chunked\nTransfer-Encoding: gzip"] {
            let head = format!("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: {te}\n");
            assert_eq!(body(&head), Err(RequestError::ChunkedNotFinal), "{te:?}");
        }
        assert_eq!(body("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: ,\n"), Err(RequestError::BadTransferEncoding));
        assert_eq!(body("POST / HTTP/1.0\nTransfer-Encoding: chunked\n"), Err(RequestError::TransferEncodingOnHttp10));
        let both = "POST / HTTP/1.1\nHost: a\nContent-Length: 3\nTransfer-Encoding: chunked\n";
        assert_eq!(body(both), Err(RequestError::ContentLengthWithTransferEncoding));
    }

    #[test]
    fn host() {
        assert_eq!(body("GET / HTTP/1.1\n"), Err(RequestError::MissingHost));
        assert_eq!(body("GET / HTTP/1.1\nHost: a\nHost: a\n"), Err(RequestError::DuplicateHost));
        assert_eq!(body("GET / HTTP/1.0\nHost: a\nHost: b\n"), Err(RequestError::DuplicateHost));
        assert_eq!(body("GET / HTTP/1.1\nHost: a b\n"), Err(RequestError::BadHost));
        assert_eq!(body("GET / HTTP/1.1\nHost: a/b\n"), Err(RequestError::BadHost));
        assert_eq!(body("GET / HTTP/1.1\nHost:\n"), Ok(BodyKind::None));
        assert_eq!(body("GET / HTTP/1.1\nHost: [::1]:80\n"), Ok(BodyKind::None));
        assert_eq!(body("GET / HTTP/1.0\n"), Ok(BodyKind::None));
    }

    #[test]
    fn keep_alive_and_expect() {
        let ka = |head: &str| framing(head).map(|f| f.keep_alive);
        assert_eq!(ka("GET / HTTP/1.1\nHost: a\n"), Ok(true));
        assert_eq!(ka("GET / HTTP/1.1\nHost: a\nConnection: Upgrade, CLOSE\n"), Ok(false));
        assert_eq!(ka("GET / HTTP/1.0\n"), Ok(false));
        assert_eq!(ka("GET / HTTP/1.0\nConnection: keep-alive\n"), Ok(true));
        assert_eq!(ka("GET / HTTP/1.0\nConnection: keep-alive, close\n"), Ok(false));
        let expect = |head: &str| framing(head).map(|f| f.expect_continue);
        assert_eq!(expect("POST / HTTP/1.1\nHost: a\nExpect: 100-Continue\n"), Ok(true));
        assert_eq!(expect("POST / HTTP/1.0\nExpect: 100-continue\n"), Ok(false));
    }
}
