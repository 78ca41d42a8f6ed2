//! The response side of a [`Connection`]: heads, body framing, the end of a
//! response, and error pages.
//!
//! Framing is decided here and only here: the caller states the body's
//! length ([`BodyLength`]), the connection picks `Content-Length`, chunked or
//! close-delimited, and leaves the body off HEAD, 1xx, 204 and 304 responses.

use super::conn::{BodyState, Connection, Next, Phase};
use super::encode::{self, CHUNK_END, Cursor, LAST_CHUNK, MAX_CHUNK_PREFIX};
use super::framing;
use super::head::{DEFAULT_MAX_HEADERS, Version};
use super::{EncodeError, RequestError};
use crate::time::Instant;

/// How the response body will be delimited, as the app knows it when it writes
/// the head.
///
/// ```
/// use lamina::h1::BodyLength;
/// assert_ne!(BodyLength::Known(0), BodyLength::Streaming);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BodyLength {
    /// Exactly this many bytes: `Content-Length`.
    Known(u64),
    /// Unknown in advance: chunked on HTTP/1.1, delimited by closing the
    /// connection on HTTP/1.0.
    Streaming,
}

/// What to send for one piece of response body: the `prefix` bytes (a chunk
/// header, or nothing), then the first `data` bytes of the caller's data (all
/// of it, or none for a response that carries no body), then `suffix`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BodyFrame {
    /// Bytes of the prefix buffer to send first.
    pub prefix: usize,
    /// How many of the data bytes to send.
    pub data: usize,
    /// Bytes to send after the data.
    pub suffix: &'static [u8],
}

/// The end of a response: `len` bytes were written to the output buffer (the
/// last chunk, if any), and what comes next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Finished {
    /// Bytes to send.
    pub len: usize,
    /// What the connection does next.
    pub next: Next,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum BodyWriter {
    /// HEAD, 204, 304: data is accepted and not sent.
    Discard,
    Length {
        remaining: u64,
    },
    Chunked,
    CloseDelimited,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ResponseState {
    NotStarted,
    Body(BodyWriter),
    Done,
}

impl<const H: usize> Connection<H> {
    /// Starts a response head: writes its status line into `out` (the standard
    /// reason phrase unless `reason` is given). A `1xx` status makes an interim
    /// response; any other the final one. Add headers, then
    /// [`finish`](HeadWriter::finish) with the body's length.
    pub fn response_head<'c, 'o>(
        &'c mut self,
        out: &'o mut [u8],
        status: u16,
        reason: Option<&str>,
    ) -> Result<HeadWriter<'c, 'o, H>, EncodeError> {
        if self.phase != Phase::Exchange || self.exchange.response != ResponseState::NotStarted {
            return Err(EncodeError::InvalidState);
        }
        let mut cursor = Cursor::new(out);
        cursor.put_status_line(status, reason)?;
        Ok(HeadWriter { conn: self, cursor, status, close: false })
    }

    /// Frames `len` bytes of response body: writes the chunk-size line (if
    /// any) into `prefix` and says how much to send. A response that carries no
    /// body (HEAD, 204, 304) accepts the data and sends none of it.
    pub fn frame_body(&mut self, len: usize, prefix: &mut [u8; MAX_CHUNK_PREFIX]) -> Result<BodyFrame, EncodeError> {
        let ResponseState::Body(writer) = &mut self.exchange.response else {
            return Err(EncodeError::InvalidState);
        };
        let none = BodyFrame { prefix: 0, data: 0, suffix: &[] };
        Ok(match writer {
            BodyWriter::Discard => none,
            _ if len == 0 => none,
            BodyWriter::Length { remaining } => {
                let len64 = len as u64;
                if len64 > *remaining {
                    return Err(EncodeError::BodyOverflow);
                }
                *remaining = remaining.saturating_sub(len64);
                BodyFrame { prefix: 0, data: len, suffix: &[] }
            }
            BodyWriter::Chunked => {
                let prefix = encode::chunk_prefix(len as u64, prefix)?;
                BodyFrame { prefix, data: len, suffix: CHUNK_END }
            }
            BodyWriter::CloseDelimited => BodyFrame { prefix: 0, data: len, suffix: &[] },
        })
    }

    /// Ends the response: writes the last chunk into `out` if the body is
    /// chunked, and decides what the connection does next. A body shorter
    /// than its `Content-Length` cannot be repaired: the connection closes.
    pub fn finish_response(&mut self, out: &mut [u8], now: Instant) -> Result<Finished, EncodeError> {
        let ResponseState::Body(writer) = self.exchange.response else {
            return Err(EncodeError::InvalidState);
        };
        let mut cursor = Cursor::new(out);
        let mut close = self.will_close();
        match writer {
            BodyWriter::Chunked => cursor.put(LAST_CHUNK)?,
            BodyWriter::Length { remaining } if remaining > 0 => close = true,
            BodyWriter::CloseDelimited => close = true,
            _ => {}
        }
        self.exchange.response = ResponseState::Done;
        self.write_wait = None;
        let next = if close {
            Next::Close
        } else if self.exchange.body == BodyState::Done {
            Next::ReadHead
        } else {
            Next::Drain
        };
        match next {
            Next::Close => self.phase = Phase::Closed,
            Next::ReadHead => self.enter_idle(now),
            Next::Drain => self.phase = Phase::Drain { drained: 0 },
        }
        self.body_wait = None;
        Ok(Finished { len: cursor.len(), next })
    }

    /// A complete response for a refused request (`err.status()`, a short
    /// plain-text body, `Connection: close`), written into `out`. The
    /// connection is closed afterwards.
    pub fn encode_error(&mut self, err: RequestError, out: &mut [u8]) -> Result<usize, EncodeError> {
        if matches!(self.exchange.response, ResponseState::Body(_)) && self.phase == Phase::Exchange {
            return Err(EncodeError::InvalidState);
        }
        let status = err.status();
        let reason = encode::reason_phrase(status);
        let mut cursor = Cursor::new(out);
        cursor.put_status_line(status, None)?;
        cursor.put(b"Content-Type: text/plain; charset=utf-8\r\nContent-Length: ")?;
        cursor.put_decimal(reason.len() as u64)?;
        cursor.put(b"\r\nConnection: close\r\n\r\n")?;
        // The request being answered, if its head was parsed, may be a HEAD.
        if !self.exchange.is_head {
            cursor.put(reason.as_bytes())?;
        }
        self.phase = Phase::Closed;
        Ok(cursor.len())
    }

    /// `true` once the final response head was encoded.
    pub fn is_head_sent(&self) -> bool {
        self.exchange.response != ResponseState::NotStarted
    }
}

/// A complete `503 Service Unavailable` with `Retry-After: retry_after_secs`
/// and `Connection: close`, written into `out`: what a server at its
/// connection limit answers before it closes a connection it will not serve.
///
/// ```
/// let mut out = [0u8; 256];
/// let n = lamina::h1::encode_unavailable(2, &mut out).unwrap();
/// let text = core::str::from_utf8(&out[..n]).unwrap();
/// assert!(text.starts_with("HTTP/1.1 503 Service Unavailable\r\n"));
/// assert!(text.contains("\r\nRetry-After: 2\r\n"));
/// assert!(text.ends_with("\r\n\r\nService Unavailable"));
/// ```
pub fn encode_unavailable(retry_after_secs: u32, out: &mut [u8]) -> Result<usize, EncodeError> {
    let reason = encode::reason_phrase(503);
    let mut cursor = Cursor::new(out);
    cursor.put_status_line(503, None)?;
    cursor.put(b"Retry-After: ")?;
    cursor.put_decimal(u64::from(retry_after_secs))?;
    cursor.put(b"\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ")?;
    cursor.put_decimal(reason.len() as u64)?;
    cursor.put(b"\r\nConnection: close\r\n\r\n")?;
    cursor.put(reason.as_bytes())?;
    Ok(cursor.len())
}

/// A response head being written; see [`Connection::response_head`].
#[derive(Debug)]
pub struct HeadWriter<'c, 'o, const H: usize = DEFAULT_MAX_HEADERS> {
    conn: &'c mut Connection<H>,
    cursor: Cursor<'o>,
    status: u16,
    close: bool,
}

impl<const H: usize> HeadWriter<'_, '_, H> {
    /// Adds a header line. The framing headers are the connection's:
    /// `Content-Length` and `Transfer-Encoding` given here are ignored, and a
    /// `Connection` header only matters for its `close` token.
    pub fn header(&mut self, name: &str, value: &[u8]) -> Result<&mut Self, EncodeError> {
        let n = name.as_bytes();
        if n.eq_ignore_ascii_case(b"connection") {
            self.close |= framing::has_token(value, b"close");
        } else if !(n.eq_ignore_ascii_case(b"content-length") || n.eq_ignore_ascii_case(b"transfer-encoding")) {
            self.cursor.put_header(name, value)?;
        }
        Ok(self)
    }

    /// Writes the framing and `Connection` headers and the empty line; returns
    /// the head's length in the output buffer. From here on the connection
    /// expects [`frame_body`](Connection::frame_body) calls and then
    /// [`finish_response`](Connection::finish_response) (for a final status).
    pub fn finish(mut self, body: BodyLength) -> Result<usize, EncodeError> {
        let conn = self.conn;
        let ex = &conn.exchange;
        if (100..200).contains(&self.status) {
            self.cursor.put(b"\r\n")?;
            if self.status == 100 {
                conn.exchange.continue_pending = false;
            }
            return Ok(self.cursor.len());
        }
        let bodiless_status = self.status == 204 || self.status == 304;
        let writer = match body {
            _ if bodiless_status || ex.is_head => BodyWriter::Discard,
            BodyLength::Known(remaining) => BodyWriter::Length { remaining },
            BodyLength::Streaming if ex.version == Version::Http11 => BodyWriter::Chunked,
            BodyLength::Streaming => BodyWriter::CloseDelimited,
        };
        let close = self.close || conn.will_close() || writer == BodyWriter::CloseDelimited;
        if !bodiless_status {
            match body {
                BodyLength::Known(n) => {
                    self.cursor.put(b"Content-Length: ")?;
                    self.cursor.put_decimal(n)?;
                    self.cursor.put(b"\r\n")?;
                }
                BodyLength::Streaming if ex.version == Version::Http11 => {
                    self.cursor.put(b"Transfer-Encoding: chunked\r\n")?;
                }
                BodyLength::Streaming => {}
            }
        }
        if close {
            self.cursor.put(b"Connection: close\r\n")?;
        } else if ex.version == Version::Http10 {
            self.cursor.put(b"Connection: keep-alive\r\n")?;
        }
        self.cursor.put(b"\r\n")?;
        conn.exchange.keep_alive &= !close;
        conn.exchange.response = ResponseState::Body(writer);
        Ok(self.cursor.len())
    }
}
