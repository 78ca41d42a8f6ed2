//! The response a layer writes: status, headers, body.
//!
//! Headers live in a caller-lent arena with a fixed number of slots; a name
//! that is not a token or a value with CR, LF or another control character is
//! refused when set, so it can never be written. The body goes into a
//! caller-lent buffer; the connection driver sends it (and will flush it as
//! it fills, for streaming).

use core::fmt;

use crate::h1::{is_field_byte, is_token};

/// Most header lines a response holds.
pub const MAX_RESPONSE_HEADERS: usize = 16;

/// Why a header or body write was refused.
///
/// ```
/// use lamina::app::ResponseError;
/// assert_eq!(ResponseError::InvalidHeader.to_string(), "invalid header name or value");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseError {
    /// A name that is not a token, or a value holding a control character.
    InvalidHeader,
    /// No header slot or arena space left.
    HeadersFull,
    /// The body buffer is full.
    BodyFull,
    /// The response was already ended.
    Ended,
}

impl ResponseError {
    const fn message(self) -> &'static str {
        match self {
            ResponseError::InvalidHeader => "invalid header name or value",
            ResponseError::HeadersFull => "response header capacity exceeded",
            ResponseError::BodyFull => "response body buffer full",
            ResponseError::Ended => "response already ended",
        }
    }
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl core::error::Error for ResponseError {}

impl From<ResponseError> for crate::Error {
    fn from(e: ResponseError) -> Self {
        crate::Error::new(e.message())
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    start: u16,
    name_len: u16,
    value_len: u16,
}

/// A response under construction.
///
/// ```
/// use lamina::app::Response;
///
/// let (mut arena, mut body) = ([0u8; 256], [0u8; 64]);
/// let mut res = Response::new(&mut arena, &mut body);
/// res.set_header("Content-Type", b"text/plain").unwrap();
/// assert!(res.set_header("X-Evil", b"a\r\nSet-Cookie: x").is_err());
/// res.end(b"hi").unwrap();
/// assert!(res.is_ended());
/// assert_eq!(res.body(), b"hi");
/// ```
#[derive(Debug)]
pub struct Response<'r> {
    status: u16,
    arena: &'r mut [u8],
    arena_used: usize,
    slots: [Option<Slot>; MAX_RESPONSE_HEADERS],
    body: &'r mut [u8],
    body_len: usize,
    ended: bool,
}

impl<'r> Response<'r> {
    /// A `200` response with no headers, storing header text in `arena` and
    /// the body in `body`.
    pub fn new(arena: &'r mut [u8], body: &'r mut [u8]) -> Self {
        Self { status: 200, arena, arena_used: 0, slots: [None; MAX_RESPONSE_HEADERS], body, body_len: 0, ended: false }
    }

    /// The status (`200` until set).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Sets the status (Node's `res.statusCode = n`).
    pub fn set_status(&mut self, status: u16) -> &mut Self {
        self.status = status;
        self
    }

    /// Sets a header, replacing any of the same name (case-insensitive).
    pub fn set_header(&mut self, name: &str, value: &[u8]) -> Result<&mut Self, ResponseError> {
        self.remove_header(name);
        self.append_header(name, value)
    }

    /// Adds a header line, keeping others of the same name (`Set-Cookie`).
    pub fn append_header(&mut self, name: &str, value: &[u8]) -> Result<&mut Self, ResponseError> {
        if !is_token(name.as_bytes()) || !value.iter().all(|&b| is_field_byte(b)) {
            return Err(ResponseError::InvalidHeader);
        }
        let slot = self.slots.iter_mut().find(|s| s.is_none()).ok_or(ResponseError::HeadersFull)?;
        let start = self.arena_used;
        let end =
            start.checked_add(name.len()).and_then(|e| e.checked_add(value.len())).ok_or(ResponseError::HeadersFull)?;
        let room = self.arena.get_mut(start..end).ok_or(ResponseError::HeadersFull)?;
        let (name_room, value_room) = room.split_at_mut(name.len());
        name_room.copy_from_slice(name.as_bytes());
        value_room.copy_from_slice(value);
        let small = |n: usize| u16::try_from(n).map_err(|_| ResponseError::HeadersFull);
        *slot = Some(Slot { start: small(start)?, name_len: small(name.len())?, value_len: small(value.len())? });
        self.arena_used = end;
        Ok(self)
    }

    /// Removes every header named `name`.
    pub fn remove_header(&mut self, name: &str) {
        let arena = &*self.arena;
        for slot in &mut self.slots {
            if slot.is_some_and(|s| header_of(arena, s).0.eq_ignore_ascii_case(name)) {
                *slot = None;
            }
        }
    }

    /// The first header named `name`.
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v)
    }

    /// Every header line, in the order set.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.slots.iter().flatten().map(|&s| header_of(self.arena, s))
    }

    /// Appends to the body.
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), ResponseError> {
        if self.ended {
            return Err(ResponseError::Ended);
        }
        let end = self.body_len.checked_add(bytes.len()).ok_or(ResponseError::BodyFull)?;
        self.body.get_mut(self.body_len..end).ok_or(ResponseError::BodyFull)?.copy_from_slice(bytes);
        self.body_len = end;
        Ok(())
    }

    /// Writes `bytes` and ends the response (Node's `res.end(data)`). Ending
    /// twice is refused, so a second response can never be written.
    pub fn end(&mut self, bytes: &[u8]) -> Result<(), ResponseError> {
        self.write(bytes)?;
        self.ended = true;
        Ok(())
    }

    /// `true` once the response was ended.
    pub fn is_ended(&self) -> bool {
        self.ended
    }

    /// The body written so far.
    pub fn body(&self) -> &[u8] {
        self.body.get(..self.body_len).unwrap_or(&[])
    }
}

fn header_of(arena: &[u8], s: Slot) -> (&str, &[u8]) {
    let start = usize::from(s.start);
    let mid = start.saturating_add(usize::from(s.name_len));
    let end = mid.saturating_add(usize::from(s.value_len));
    let name = arena.get(start..mid).and_then(|n| core::str::from_utf8(n).ok()).unwrap_or("");
    (name, arena.get(mid..end).unwrap_or(&[]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_replace_append_remove() {
        let (mut arena, mut body) = ([0u8; 128], [0u8; 8]);
        let mut res = Response::new(&mut arena, &mut body);
        res.set_header("X-A", b"1").unwrap();
        res.set_header("x-a", b"2").unwrap();
        res.append_header("Set-Cookie", b"a=1").unwrap().append_header("Set-Cookie", b"b=2").unwrap();
        assert_eq!(res.header("X-A"), Some(&b"2"[..]));
        assert_eq!(res.headers().filter(|(n, _)| *n == "Set-Cookie").count(), 2);
        res.remove_header("set-cookie");
        assert_eq!(res.headers().count(), 1);
        for (n, v) in [("X\r\nY", &b"1"[..]), ("X", b"1\n2"), ("", b"1"), ("X Y", b"1"), ("X", b"\x7f")] {
            assert_eq!(res.set_header(n, v).err(), Some(ResponseError::InvalidHeader));
        }
    }

    #[test]
    fn capacity_limits() {
        let (mut arena, mut body) = ([0u8; 8], [0u8; 4]);
        let mut res = Response::new(&mut arena, &mut body);
        assert_eq!(res.set_header("Long-Name", b"v").err(), Some(ResponseError::HeadersFull));
        assert_eq!(res.write(b"12345").err(), Some(ResponseError::BodyFull));
        res.end(b"1234").unwrap();
        assert_eq!(res.end(b"").err(), Some(ResponseError::Ended));
    }
}
