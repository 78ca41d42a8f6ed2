//! The response a layer writes: status, headers, body, and hooks.
//!
//! Headers live in a caller-lent arena with a fixed number of slots; a name
//! that is not a token or a value with CR, LF or another control character is
//! refused when set, so it can never be written. Body bytes go into the
//! connection's write buffer: a response that fits is sent with a
//! `Content-Length` when the app is done; one that outgrows the buffer is
//! sent as it fills (chunked, unless its length was declared).

use core::fmt;
use core::future::poll_fn;

use super::json::SliceWriter;
use super::{Request, Settings};
use crate::Error;
use crate::h1::{BodyLength, EncodeError, Headers, is_field_byte, is_token};
use crate::serve::{Channel, FRAME_RESERVE, HeadSource, HeaderSink};
use crate::time::Instant;

/// Most header lines a response holds.
pub const MAX_RESPONSE_HEADERS: usize = 16;

/// Most hooks of each kind a response holds.
pub const MAX_HOOKS: usize = 4;

/// A hook run just before the head is written: it may still change the
/// status and headers (Connect's `on-headers`, as `response-time` uses). It
/// gets the `u64` given with it (a start time, a flag...).
pub type HeadHook = fn(&mut Response<'_>, u64);

/// A hook run once the response is complete (Connect's `on-finished`, as a
/// logger uses): the request, the response (status, byte count), and the
/// `u64` given with it.
pub type FinishHook = fn(&Request<'_>, &Response<'_>, u64);

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
    /// No hook slot left.
    HooksFull,
}

impl ResponseError {
    const fn message(self) -> &'static str {
        match self {
            ResponseError::InvalidHeader => "invalid header name or value",
            ResponseError::HeadersFull => "response header capacity exceeded",
            ResponseError::BodyFull => "response body buffer full",
            ResponseError::Ended => "response already ended",
            ResponseError::HooksFull => "response hook capacity exceeded",
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
/// use lamina::app::{App, Flow, Response};
/// use lamina::serve::memory::exchange;
///
/// let app = App::new().with_fn(async |_req, res: &mut Response<'_>| {
///     res.set_header("Content-Type", b"text/plain")?;
///     assert!(res.set_header("X-Evil", b"a\r\nSet-Cookie: x").is_err());
///     res.write(b"hello, ").await?;
///     res.end(b"world").await?;
///     assert!(res.is_ended());
///     Ok(Flow::Done)
/// });
/// let out = exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
/// assert!(out.ends_with(b"Content-Length: 12\r\n\r\nhello, world"));
/// ```
pub struct Response<'r> {
    fields: Fields<'r>,
    chan: &'r dyn Channel,
    /// The request's method and headers, for helpers that answer by them
    /// (`HEAD`, conditional requests, `Accept`, `Referer`).
    req_method: &'r str,
    req_headers: Headers<'r, 'r>,
    /// The request's target as received (the query string of `jsonp`).
    req_target: &'r str,
    /// The settings of the app the response is written in.
    settings: Settings,
    ended: bool,
    head_sent: bool,
    body_bytes: u64,
    /// The length promised by `Content-Length` set by the app, if any.
    declared: Option<u64>,
    on_head: [Option<(HeadHook, u64)>; MAX_HOOKS],
    on_finish: [Option<(FinishHook, u64)>; MAX_HOOKS],
}

impl fmt::Debug for Response<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.fields.status)
            .field("ended", &self.ended)
            .field("head_sent", &self.head_sent)
            .field("body_bytes", &self.body_bytes)
            .finish_non_exhaustive()
    }
}

/// The status and header lines.
struct Fields<'r> {
    status: u16,
    arena: &'r mut [u8],
    arena_used: usize,
    slots: [Option<Slot>; MAX_RESPONSE_HEADERS],
}

impl Fields<'_> {
    fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.slots.iter().flatten().map(|&s| header_of(self.arena, s))
    }

    /// An upper bound of the encoded head's length.
    fn head_bound(&self) -> usize {
        // Status line, framing and `Connection` headers, the empty line.
        const FIXED: usize = 64 + 48 + 26 + 2;
        let lines = self.slots.iter().flatten().count();
        self.arena_used.saturating_add(lines.saturating_mul(4)).saturating_add(FIXED)
    }
}

impl HeadSource for Fields<'_> {
    fn status(&self) -> u16 {
        self.status
    }

    fn for_each_header(&self, f: &mut HeaderSink<'_>) -> Result<(), EncodeError> {
        self.iter().try_for_each(|(name, value)| f(name, value))
    }
}

impl<'r> Response<'r> {
    /// A `200` response to `req` with no headers, storing header text in
    /// `arena` and writing through `chan`.
    pub(crate) fn new(arena: &'r mut [u8], chan: &'r dyn Channel, req: &Request<'r>) -> Self {
        Self {
            fields: Fields { status: 200, arena, arena_used: 0, slots: [None; MAX_RESPONSE_HEADERS] },
            chan,
            req_method: req.method(),
            req_headers: req.headers(),
            req_target: req.original_url(),
            settings: *req.settings(),
            ended: false,
            head_sent: false,
            body_bytes: 0,
            declared: None,
            on_head: [None; MAX_HOOKS],
            on_finish: [None; MAX_HOOKS],
        }
    }

    /// The status (`200` until set).
    pub fn status(&self) -> u16 {
        self.fields.status
    }

    /// Sets the status (Node's `res.statusCode = n`). Ignored once the head
    /// was sent.
    pub fn set_status(&mut self, status: u16) -> &mut Self {
        if !self.head_sent {
            self.fields.status = status;
        }
        self
    }

    /// Sets a header, replacing any of the same name (case-insensitive).
    pub fn set_header(&mut self, name: &str, value: &[u8]) -> Result<&mut Self, ResponseError> {
        if self.head_sent {
            return Err(ResponseError::Ended);
        }
        self.remove_header(name);
        self.append_header(name, value)
    }

    /// Adds a header line, keeping others of the same name (`Set-Cookie`).
    pub fn append_header(&mut self, name: &str, value: &[u8]) -> Result<&mut Self, ResponseError> {
        if self.head_sent {
            return Err(ResponseError::Ended);
        }
        if !is_token(name.as_bytes()) || !value.iter().all(|&b| is_field_byte(b)) {
            return Err(ResponseError::InvalidHeader);
        }
        let f = &mut self.fields;
        let slot = f.slots.iter_mut().find(|s| s.is_none()).ok_or(ResponseError::HeadersFull)?;
        let start = f.arena_used;
        let end =
            start.checked_add(name.len()).and_then(|e| e.checked_add(value.len())).ok_or(ResponseError::HeadersFull)?;
        let room = f.arena.get_mut(start..end).ok_or(ResponseError::HeadersFull)?;
        let (name_room, value_room) = room.split_at_mut(name.len());
        name_room.copy_from_slice(name.as_bytes());
        value_room.copy_from_slice(value);
        let small = |n: usize| u16::try_from(n).map_err(|_| ResponseError::HeadersFull);
        *slot = Some(Slot { start: small(start)?, name_len: small(name.len())?, value_len: small(value.len())? });
        f.arena_used = end;
        if name.eq_ignore_ascii_case("content-length") {
            self.declared = core::str::from_utf8(value).ok().and_then(|v| v.trim().parse().ok());
        }
        Ok(self)
    }

    /// Sets a header whose value is formatted straight into the arena (no
    /// intermediate buffer): `value` gets the current value of `name` (the
    /// first line, if any) and writes the new one. Replaces every line named
    /// `name`, or adds one when `append`. Checked as
    /// [`append_header`](Self::append_header) checks; on an error (a writer
    /// error means the arena is full) nothing changes.
    pub(super) fn put_header(
        &mut self,
        name: &str,
        append: bool,
        value: impl FnOnce(Option<&[u8]>, &mut dyn fmt::Write) -> fmt::Result,
    ) -> Result<&mut Self, ResponseError> {
        if self.head_sent {
            return Err(ResponseError::Ended);
        }
        if !is_token(name.as_bytes()) {
            return Err(ResponseError::InvalidHeader);
        }
        let f = &mut self.fields;
        let named = |arena: &[u8], s: Slot| header_of(arena, s).0.eq_ignore_ascii_case(name);
        let old = f.slots.iter().flatten().copied().find(|&s| named(f.arena, s));
        let start = f.arena_used;
        let (before, after) = f.arena.split_at_mut(start.min(f.arena.len()));
        after.get_mut(..name.len()).ok_or(ResponseError::HeadersFull)?.copy_from_slice(name.as_bytes());
        let mut room = SliceWriter { buf: after.get_mut(name.len()..).unwrap_or(&mut []), len: 0 };
        value(old.map(|s| header_of(before, s).1), &mut room).map_err(|_| ResponseError::HeadersFull)?;
        let value_len = room.len;
        if !room.buf.get(..value_len).unwrap_or(&[]).iter().all(|&b| is_field_byte(b)) {
            return Err(ResponseError::InvalidHeader);
        }
        let small = |n: usize| u16::try_from(n).map_err(|_| ResponseError::HeadersFull);
        let slot = Slot { start: small(start)?, name_len: small(name.len())?, value_len: small(value_len)? };
        if !append {
            for s in &mut f.slots {
                if s.is_some_and(|s| named(f.arena, s)) {
                    *s = None;
                }
            }
        }
        *f.slots.iter_mut().find(|s| s.is_none()).ok_or(ResponseError::HeadersFull)? = Some(slot);
        f.arena_used = start.saturating_add(name.len()).saturating_add(value_len);
        if name.eq_ignore_ascii_case("content-length") {
            let value = header_of(f.arena, slot).1;
            self.declared = core::str::from_utf8(value).ok().and_then(|v| v.trim().parse().ok());
        }
        Ok(self)
    }

    /// Removes every header named `name`.
    pub fn remove_header(&mut self, name: &str) {
        if self.head_sent {
            return;
        }
        let arena = &*self.fields.arena;
        for slot in &mut self.fields.slots {
            if slot.is_some_and(|s| header_of(arena, s).0.eq_ignore_ascii_case(name)) {
                *slot = None;
            }
        }
        if name.eq_ignore_ascii_case("content-length") {
            self.declared = None;
        }
        // Reclaim the arena once it holds nothing.
        if self.fields.slots.iter().all(Option::is_none) {
            self.fields.arena_used = 0;
        }
    }

    /// The first header named `name`.
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v)
    }

    /// Every header line, in the order set.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.fields.iter()
    }

    /// Runs `hook` just before the head is written (hooks run in reverse
    /// order of registration, as `on-headers` does).
    pub fn on_head(&mut self, hook: HeadHook, arg: u64) -> Result<(), ResponseError> {
        let slot = self.on_head.iter_mut().find(|h| h.is_none()).ok_or(ResponseError::HooksFull)?;
        *slot = Some((hook, arg));
        Ok(())
    }

    /// Runs `hook` once the response is complete.
    pub fn on_finish(&mut self, hook: FinishHook, arg: u64) -> Result<(), ResponseError> {
        let slot = self.on_finish.iter_mut().find(|h| h.is_none()).ok_or(ResponseError::HooksFull)?;
        *slot = Some((hook, arg));
        Ok(())
    }

    /// Writes body bytes. They are buffered; when the buffer is full the head
    /// goes out (chunked, unless a `Content-Length` was set) and the buffer
    /// is sent.
    pub async fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        if self.ended {
            return Err(ResponseError::Ended.into());
        }
        let mut rest = bytes;
        let mut stalled = false;
        while !rest.is_empty() {
            let n = self.chan.buffer(rest, self.reserve());
            self.body_bytes = self.body_bytes.saturating_add(n as u64);
            rest = rest.get(n..).unwrap_or(&[]);
            if n == 0 && stalled {
                // Even an empty buffer has no room: it is smaller than the framing.
                return Err(ResponseError::BodyFull.into());
            }
            stalled = n == 0;
            if !rest.is_empty() {
                self.send_buffered(false).await?;
            }
        }
        Ok(())
    }

    /// Writes `bytes` and ends the response (Node's `res.end(data)`). A
    /// response that was not streamed gets a `Content-Length`. Ending twice
    /// is refused, so a second response can never be written.
    pub async fn end(&mut self, bytes: &[u8]) -> Result<(), Error> {
        if self.ended {
            return Err(ResponseError::Ended.into());
        }
        // Whatever does not fit is streamed with its length known.
        let total = self.body_bytes.saturating_add(bytes.len() as u64);
        if self.declared.is_none() && !self.head_sent {
            self.declared = Some(total);
        }
        self.write(bytes).await?;
        self.ended = true;
        self.send_buffered(true).await
    }

    /// Writes what `value` displays, without an intermediate buffer (the
    /// formatting runs once per window of the output).
    pub async fn write_display<D: fmt::Display + ?Sized>(&mut self, value: &D) -> Result<(), Error> {
        let mut offset = 0usize;
        loop {
            let mut window = Window { skip: offset, buf: [0; WINDOW], len: 0 };
            let _ = fmt::write(&mut window, format_args!("{value}"));
            let chunk = window.buf.get(..window.len).unwrap_or(&[]);
            self.write(chunk).await?;
            offset = offset.saturating_add(window.len);
            if window.len < WINDOW {
                return Ok(());
            }
        }
    }

    /// Declares the body's length, as a `Content-Length` header set by the
    /// app does (the connection writes the header itself).
    pub(crate) fn declare_length(&mut self, bytes: u64) {
        self.declared = Some(bytes);
    }

    /// Sends what is buffered now (the head first, if not sent yet).
    pub async fn flush(&mut self) -> Result<(), Error> {
        if self.ended {
            return Ok(());
        }
        self.send_buffered(false).await
    }

    /// `true` once the response was ended.
    pub fn is_ended(&self) -> bool {
        self.ended
    }

    /// `true` once the head was written (Node's `res.headersSent`): the
    /// status and headers can no longer change.
    pub fn headers_sent(&self) -> bool {
        self.head_sent
    }

    /// Body bytes written so far.
    pub fn body_bytes(&self) -> u64 {
        self.body_bytes
    }

    /// The current time, from the connection's clock.
    pub fn now(&self) -> Instant {
        self.chan.now()
    }

    /// The method of the request this answers.
    pub fn request_method(&self) -> &'r str {
        self.req_method
    }

    /// The headers of the request this answers.
    pub fn request_headers(&self) -> Headers<'r, 'r> {
        self.req_headers
    }

    /// The target of the request this answers, as received.
    pub(super) fn request_target(&self) -> &'r str {
        self.req_target
    }

    /// The settings of the app the response is written in.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub(crate) fn set_settings(&mut self, settings: Settings) {
        self.settings = settings;
    }

    /// Bytes of the write buffer kept free for the head and framing.
    fn reserve(&self) -> usize {
        if self.head_sent { FRAME_RESERVE } else { FRAME_RESERVE.saturating_add(self.fields.head_bound()) }
    }

    /// Frames and sends what is buffered; the head, if it goes out now,
    /// announces the declared length, or a streamed body without one.
    async fn send_buffered(&mut self, finish: bool) -> Result<(), Error> {
        if !self.head_sent {
            self.run_head_hooks();
        }
        // After the hooks: one may have set a `Content-Length`.
        let length = self.declared.map_or(BodyLength::Streaming, BodyLength::Known);
        let first = !self.head_sent;
        self.head_sent = true;
        let mut waiting = false;
        let fields = &self.fields;
        let chan = self.chan;
        poll_fn(|_| {
            let head = if first && !waiting { Some((fields as &dyn HeadSource, length)) } else { None };
            chan.poll_send(head, finish, &mut waiting)
        })
        .await
    }

    fn run_head_hooks(&mut self) {
        let hooks = self.on_head;
        self.on_head = [None; MAX_HOOKS];
        for (hook, arg) in hooks.iter().rev().flatten() {
            hook(self, *arg);
        }
    }

    /// Runs the finish hooks, once.
    pub(crate) fn run_finish_hooks(&mut self, req: &Request<'_>) {
        let hooks = self.on_finish;
        self.on_finish = [None; MAX_HOOKS];
        for (hook, arg) in hooks.iter().flatten() {
            hook(req, self, *arg);
        }
    }
}

const WINDOW: usize = 64;

/// One window of formatted output: skips `skip` bytes, keeps the next
/// `WINDOW`, and stops the formatting when full.
struct Window {
    skip: usize,
    buf: [u8; WINDOW],
    len: usize,
}

impl fmt::Write for Window {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let bytes = s.as_bytes();
        let skipped = self.skip.min(bytes.len());
        self.skip = self.skip.saturating_sub(skipped);
        let rest = bytes.get(skipped..).unwrap_or(&[]);
        let room = self.buf.get_mut(self.len..).unwrap_or(&mut []);
        let n = room.len().min(rest.len());
        room.get_mut(..n).unwrap_or(&mut []).copy_from_slice(rest.get(..n).unwrap_or(&[]));
        self.len = self.len.saturating_add(n);
        if self.len == WINDOW { Err(fmt::Error) } else { Ok(()) }
    }
}

fn header_of(arena: &[u8], s: Slot) -> (&str, &[u8]) {
    let start = usize::from(s.start);
    let mid = start.saturating_add(usize::from(s.name_len));
    let end = mid.saturating_add(usize::from(s.value_len));
    let name = arena.get(start..mid).and_then(|n| core::str::from_utf8(n).ok()).unwrap_or("");
    (name, arena.get(mid..end).unwrap_or(&[]))
}
