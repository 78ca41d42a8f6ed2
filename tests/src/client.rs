//! A strict HTTP/1.1 response parser: the client side of every test.
//!
//! It shares no code with lamina's encoder, so a framing bug on one side is
//! not hidden by the same bug on the other.

use crate::exchange::{End, Transcript};

/// One response as a client sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Header lines in order (name as sent, value).
    pub headers: Vec<(String, Vec<u8>)>,
    /// The decoded body.
    pub body: Vec<u8>,
    /// The response carries `Connection: close`.
    pub close: bool,
}

impl Response {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_slice())
    }
}

/// Parses and checks everything a server wrote on one connection:
/// - every response is well-formed and correctly framed, with nothing left over;
/// - interim (1xx) responses have no body, HEAD/204/304 responses neither;
/// - a response that says `Connection: close` is the last one, and when the
///   server closed on its own after a response, that response said so.
pub fn check(t: &Transcript) -> Result<Vec<Response>, String> {
    let mut rest = t.output.as_slice();
    let mut responses = Vec::new();
    let mut heads = t.head_requests.iter();
    while !rest.is_empty() {
        if responses.last().is_some_and(|r: &Response| r.close) {
            return Err(format!("bytes after a Connection: close response: {}", crate::escape(rest)));
        }
        let (response, used) = parse_one(rest, &mut heads)?;
        rest = &rest[used..];
        responses.push(response);
    }
    if heads.next().is_some() {
        return Err("fewer responses on the wire than the server wrote".into());
    }
    if let (End::Closed, Some(last)) = (t.end, responses.last()) {
        if !last.close && last.status >= 200 {
            return Err(format!("server closed after a {} response without Connection: close", last.status));
        }
    }
    Ok(responses)
}

/// Parses the first response in `input` (an interim `1xx` one included),
/// answering a HEAD request when `is_head`: the response and the bytes it
/// took. An incomplete response is an error too.
pub fn parse_response(input: &[u8], is_head: bool) -> Result<(Response, usize), String> {
    parse_one(input, &mut [is_head].iter())
}

fn parse_one<'a>(input: &[u8], heads: &mut impl Iterator<Item = &'a bool>) -> Result<(Response, usize), String> {
    let end = input.windows(4).position(|w| w == b"\r\n\r\n").ok_or("response head without an end")?;
    let head = core::str::from_utf8(&input[..end]).map_err(|_| "non-UTF-8 response head")?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .strip_prefix("HTTP/1.1 ")
        .and_then(|s| s.get(..3))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line.split_once(": ").ok_or_else(|| format!("bad header line {line:?}"))?;
        let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
        if name.is_empty() || !name.bytes().all(token) {
            return Err(format!("bad header name {name:?}"));
        }
        if value.bytes().any(|b| b < b' ' && b != b'\t' || b == 0x7f) {
            return Err(format!("control character in header {name}"));
        }
        headers.push((name.to_owned(), value.as_bytes().to_vec()));
    }
    let mut response = Response { status, headers, body: Vec::new(), close: false };
    response.close = response
        .header("connection")
        .is_some_and(|v| v.split(|&b| b == b',').any(|t| t.trim_ascii().eq_ignore_ascii_case(b"close")));
    let count = |name: &str| response.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).count();
    if count("content-length") > 1 || count("transfer-encoding") > 1 || count("connection") > 1 {
        return Err("repeated framing header".into());
    }
    let length = response.header("content-length");
    let chunked = response.header("transfer-encoding");
    if length.is_some() && chunked.is_some() {
        return Err("both Content-Length and Transfer-Encoding".into());
    }
    let mut used = end + 4;
    if (100..200).contains(&status) {
        if length.is_some() || chunked.is_some() {
            return Err("framing headers on an interim response".into());
        }
        return Ok((response, used));
    }
    let is_head = *heads.next().ok_or("a response the server did not account for")?;
    let body = &input[used..];
    if is_head || status == 204 || status == 304 {
        if (status == 204 || status == 304) && (length.is_some() || chunked.is_some()) {
            return Err(format!("framing header on a {status}"));
        }
        return Ok((response, used));
    }
    if let Some(te) = chunked {
        if te != b"chunked" {
            return Err(format!("unexpected Transfer-Encoding {:?}", crate::escape(te)));
        }
        let (decoded, n) = dechunk(body)?;
        response.body = decoded;
        used += n;
    } else if let Some(cl) = length {
        let n: usize = core::str::from_utf8(cl).ok().and_then(|s| s.parse().ok()).ok_or("bad Content-Length")?;
        response.body = body.get(..n).ok_or("body shorter than Content-Length")?.to_vec();
        used += n;
    } else {
        if !response.close {
            return Err("a body delimited by close without Connection: close".into());
        }
        response.body = body.to_vec();
        used = input.len();
    }
    Ok((response, used))
}

/// Strict chunked decoding: hex size, CRLF, data, CRLF; `0` CRLF CRLF ends.
fn dechunk(mut input: &[u8]) -> Result<(Vec<u8>, usize), String> {
    let total = input.len();
    let mut body = Vec::new();
    loop {
        let line_end = input.windows(2).position(|w| w == b"\r\n").ok_or("unterminated chunk size")?;
        let size_text = core::str::from_utf8(&input[..line_end]).map_err(|_| "bad chunk size")?;
        let size = usize::from_str_radix(size_text, 16).map_err(|_| format!("bad chunk size {size_text:?}"))?;
        input = &input[line_end + 2..];
        if size == 0 {
            if !input.starts_with(b"\r\n") {
                return Err("last chunk without an empty trailer".into());
            }
            return Ok((body, total - input.len() + 2));
        }
        let data = input.get(..size).ok_or("chunk data cut short")?;
        body.extend_from_slice(data);
        input = input[size..].strip_prefix(b"\r\n").ok_or("chunk data not followed by CRLF")?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transcript(output: &[u8], heads: &[bool], end: End) -> Transcript {
        Transcript { output: output.to_vec(), head_requests: heads.to_vec(), end }
    }

    #[test]
    fn refuses_broken_framing() {
        let bad: &[&[u8]] = &[
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na",
            b"HTTP/1.1 200 OK\r\n\r\nabc",
            b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\naHTTP/1.1 200 OK\r\n",
        ];
        for output in bad {
            assert!(check(&transcript(output, &[false, false], End::Eof)).is_err(), "{}", crate::escape(output));
        }
        let keep = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na";
        assert!(check(&transcript(keep, &[false], End::Closed)).is_err(), "closed without saying so");
    }

    #[test]
    fn accepts_good_framing() {
        let output = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nHTTP/1.1 200 OK\r\nConnection: close\r\n\r\nrest";
        let r = check(&transcript(output, &[false, true, false], End::Closed)).unwrap();
        let summary: Vec<_> = r.iter().map(|r| (r.status, r.body.clone(), r.close)).collect();
        assert_eq!(
            summary,
            [(100, vec![], false), (200, b"abc".to_vec(), false), (200, vec![], false), (200, b"rest".to_vec(), true)]
        );
    }
}
