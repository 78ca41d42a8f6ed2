//! One HTTP/1.1 server connection as a synchronous state machine.

use super::chunked::{ChunkedDecoder, Decoded};
use super::encode::CONTINUE;
use super::framing::{self, BodyKind};
use super::head::{self, DEFAULT_MAX_HEADERS, HeaderSlots, Incomplete, RequestHead, Version};
use super::response::ResponseState;
use super::{Config, Deadline, RequestError};
use crate::time::Instant;

/// The outcome of [`Connection::handle_head`].
#[derive(Clone, Copy, Debug)]
pub enum HeadStatus<'h, 'b> {
    /// More bytes are needed. The caller keeps the bytes it has, moves them to
    /// the start of its buffer if they are not there, and reads more.
    Partial,
    /// A complete head; its [`len`](RequestHead::len) bytes are consumed and
    /// the bytes after them are the body, then the next request.
    Complete(RequestHead<'h, 'b>),
}

/// What the connection does after a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Next {
    /// Keep the connection: parse the next head from the bytes after this
    /// request (pipelining) or from new ones.
    ReadHead,
    /// Discard the rest of the unread request body with
    /// [`Connection::handle_drain`], then read the next head.
    Drain,
    /// Close the connection.
    Close,
}

/// A step of draining an unread body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Drained {
    /// Input bytes discarded.
    pub consumed: usize,
    /// [`Next::Drain`] while more remains, then [`Next::ReadHead`] or [`Next::Close`].
    pub next: Next,
}

/// The earliest pending deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeout {
    /// Which phase it belongs to.
    pub deadline: Deadline,
    /// When it expires.
    pub at: Instant,
}

/// What to do when a deadline expired.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeoutAction {
    /// Send [`Connection::encode_error`] of this error, then close.
    Respond(RequestError),
    /// Close without a response.
    Close,
}

/// What to do when the peer closed its sending side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EofAction {
    /// Send [`Connection::encode_error`] of this error, then close.
    Respond(RequestError),
    /// Close without a response.
    Close,
    /// Let the app finish its response; the connection closes after it.
    FinishResponse,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Phase {
    /// Kept alive, waiting for the first byte of a request.
    Idle { since: Instant },
    /// Reading a head; `scanned` input bytes were already examined.
    Head { since: Instant, scanned: usize },
    /// Head parsed: the app runs, the body is read, the response is written.
    Exchange,
    /// Response complete; discarding the unread body (`drained` bytes so far).
    Drain { drained: u64 },
    /// Nothing more happens on this connection.
    Closed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum BodyState {
    Length { remaining: u64 },
    Chunked(ChunkedDecoder),
    Done,
}

impl BodyState {
    /// Decodes one step of body from `input`: what was consumed, which part
    /// is data, and whether the body ended. The one place both reading and
    /// draining decode a body.
    fn step(&mut self, input: &[u8], config: &Config) -> Result<Decoded, RequestError> {
        match self {
            BodyState::Done => Ok(Decoded { done: true, ..Decoded::default() }),
            BodyState::Length { remaining } => {
                let take = usize::try_from(*remaining).map_or(input.len(), |r| r.min(input.len()));
                *remaining = remaining.saturating_sub(take as u64);
                Ok(Decoded { consumed: take, data: 0..take, done: *remaining == 0 })
            }
            BodyState::Chunked(decoder) => decoder.decode(input, config),
        }
    }
}

/// The state of the request being served.
#[derive(Clone, Copy, Debug)]
pub(super) struct Exchange {
    pub(super) version: Version,
    pub(super) is_head: bool,
    pub(super) keep_alive: bool,
    /// `Expect: 100-continue` and no `100 Continue` sent yet.
    pub(super) continue_pending: bool,
    pub(super) peer_eof: bool,
    pub(super) kind: BodyKind,
    pub(super) body: BodyState,
    pub(super) body_read: u64,
    pub(super) body_limit: u64,
    pub(super) response: ResponseState,
}

impl Exchange {
    const NONE: Self = Self {
        version: Version::Http11,
        is_head: false,
        keep_alive: false,
        continue_pending: false,
        peer_eof: false,
        kind: BodyKind::None,
        body: BodyState::Done,
        body_read: 0,
        body_limit: 0,
        response: ResponseState::NotStarted,
    };
}

/// A sans-IO HTTP/1.1 server connection.
///
/// It never reads a socket or a clock: the caller feeds it the bytes it read
/// and the current [`Instant`], and sends the bytes it encodes. The module
/// documentation shows the loop.
///
/// `H` is the header capacity of a request ([`DEFAULT_MAX_HEADERS`]).
#[derive(Clone, Debug)]
pub struct Connection<const H: usize = DEFAULT_MAX_HEADERS> {
    pub(super) config: Config,
    pub(super) head_cap: usize,
    pub(super) phase: Phase,
    pub(super) exchange: Exchange,
    /// Since when the caller has been waiting for body bytes.
    pub(super) body_wait: Option<Instant>,
    /// Since when the caller's current write has been pending.
    pub(super) write_wait: Option<Instant>,
}

impl<const H: usize> Connection<H> {
    /// A connection that starts now, reading heads into a buffer of
    /// `buffer_len` bytes (the head limit is the smaller of that and
    /// [`Config::max_head_len`]).
    ///
    /// ```
    /// use lamina::h1::{Config, Connection};
    /// use lamina::time::Instant;
    /// let conn: Connection = Connection::new(Config::new(), 4096, Instant::ZERO);
    /// assert!(!conn.is_closed());
    /// ```
    pub fn new(config: Config, buffer_len: usize, now: Instant) -> Self {
        Self {
            head_cap: buffer_len.min(config.max_head_len),
            config,
            phase: Phase::Head { since: now, scanned: 0 },
            exchange: Exchange::NONE,
            body_wait: None,
            write_wait: None,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// `true` once nothing more may be read or written.
    pub fn is_closed(&self) -> bool {
        self.phase == Phase::Closed
    }

    /// Feeds the bytes of a request head read so far (always from the head's
    /// first byte), with slots for its header lines. On
    /// [`HeadStatus::Complete`] the connection serves that request; on an
    /// error, send [`encode_error`](Self::encode_error) and close.
    ///
    /// The outcome depends only on the bytes, not on how they were split
    /// across calls, and a head that trickles in is parsed once per completed
    /// line, not once per call. When `Partial` comes back with `input.len()` at the buffer's size,
    /// the head is too large and the error says so (`414` or `431`). Errors
    /// are decided at line ends: a bad byte in an unfinished line waits for
    /// its line end, a full buffer, [`handle_eof`](Self::handle_eof) or the
    /// header deadline.
    ///
    /// Only the idle and head-reading phases read heads: while a request is
    /// being served, drained, or after the connection closed, this returns
    /// `Partial` and changes nothing.
    pub fn handle_head<'h, 'b>(
        &mut self,
        input: &'b [u8],
        slots: &'h mut HeaderSlots<'b, H>,
        now: Instant,
    ) -> Result<HeadStatus<'h, 'b>, RequestError> {
        let scanned = match self.phase {
            Phase::Idle { .. } if input.is_empty() => return Ok(HeadStatus::Partial),
            Phase::Idle { .. } => {
                self.phase = Phase::Head { since: now, scanned: 0 };
                0
            }
            Phase::Head { scanned, .. } => scanned,
            _ => return Ok(HeadStatus::Partial),
        };
        let full = input.len() >= self.head_cap;
        // A first look always parses; afterwards only a newly completed line
        // (or a full buffer) justifies another parse. A head trickling in is
        // thus parsed at most once per line — at most `H` + 2 times (plus the
        // allowed empty lines) — never once per byte.
        if scanned > 0 && !full && !input.get(scanned..).is_some_and(|new| new.contains(&b'\n')) {
            self.set_scanned(input.len());
            return Ok(HeadStatus::Partial);
        }
        let end = if full { Incomplete::Final } else { Incomplete::Partial };
        let head = match head::parse(input, slots, self.head_cap, end, &self.config) {
            Ok(Some(head)) => head,
            Ok(None) => {
                self.set_scanned(input.len());
                return Ok(HeadStatus::Partial);
            }
            Err(e) => return Err(self.refuse(e)),
        };
        match framing::analyze(&head) {
            Ok(framing) => self.start_exchange(&head, framing).map(|()| HeadStatus::Complete(head)),
            Err(e) => Err(self.refuse(e)),
        }
    }

    /// Between requests: nothing of the last exchange may leak into the next.
    pub(super) fn enter_idle(&mut self, now: Instant) {
        self.phase = Phase::Idle { since: now };
        self.exchange = Exchange::NONE;
    }

    /// Closes after a refused request; the caller answers with `encode_error`.
    fn refuse(&mut self, e: RequestError) -> RequestError {
        self.phase = Phase::Closed;
        e
    }

    fn set_scanned(&mut self, len: usize) {
        if let Phase::Head { scanned, .. } = &mut self.phase {
            *scanned = len.max(1);
        }
    }

    fn start_exchange(&mut self, head: &RequestHead<'_, '_>, f: framing::Framing) -> Result<(), RequestError> {
        if let BodyKind::Length(n) = f.body {
            if n > self.config.max_body_len {
                return Err(self.refuse(RequestError::BodyTooLarge));
            }
        }
        self.exchange = Exchange {
            version: head.version(),
            is_head: head.method() == "HEAD",
            keep_alive: f.keep_alive,
            continue_pending: f.expect_continue && f.body != BodyKind::None,
            peer_eof: false,
            kind: f.body,
            body: match f.body {
                BodyKind::None => BodyState::Done,
                BodyKind::Length(remaining) => BodyState::Length { remaining },
                BodyKind::Chunked => BodyState::Chunked(ChunkedDecoder::new()),
            },
            body_read: 0,
            body_limit: self.config.max_body_len,
            response: ResponseState::NotStarted,
        };
        self.phase = Phase::Exchange;
        self.body_wait = None;
        Ok(())
    }

    /// How the current request's body is framed.
    pub fn body_kind(&self) -> BodyKind {
        self.exchange.kind
    }

    /// `true` once the current request's body has been read to its end.
    pub fn is_body_done(&self) -> bool {
        self.exchange.body == BodyState::Done
    }

    /// Lowers (or raises) the body limit of the current request — a route's
    /// own limit. A body beyond it makes [`handle_body`](Self::handle_body)
    /// fail with [`RequestError::BodyTooLarge`] (`413`).
    pub fn set_body_limit(&mut self, bytes: u64) {
        self.exchange.body_limit = bytes;
    }

    /// The `100 Continue` interim response to send before waiting for body
    /// bytes, once, when the request expects it and no response was started.
    /// Call it when the app first reads the body.
    pub fn poll_continue(&mut self) -> Option<&'static [u8]> {
        let ex = &mut self.exchange;
        if self.phase == Phase::Exchange && ex.continue_pending && ex.response == ResponseState::NotStarted {
            ex.continue_pending = false;
            return Some(CONTINUE);
        }
        None
    }

    /// Notes that the caller starts waiting for body bytes, which arms the
    /// [`Deadline::BodyRead`] deadline (reset whenever bytes arrive).
    pub fn handle_read_start(&mut self, now: Instant) {
        if matches!(self.phase, Phase::Exchange | Phase::Drain { .. }) && self.body_wait.is_none() {
            self.body_wait = Some(now);
        }
    }

    /// Decodes body bytes of the current request from `input` (bytes after the
    /// head, or read later). Returns what was consumed and which part is body
    /// data; call again with the rest until `done`. After the peer closed,
    /// an unfinished body is [`RequestError::UnexpectedEof`]. Outside a
    /// request it consumes nothing and reports whether the last body ended.
    /// After an error the response to this request closes the connection.
    pub fn handle_body(&mut self, input: &[u8]) -> Result<Decoded, RequestError> {
        if self.phase != Phase::Exchange {
            return Ok(Decoded { done: self.is_body_done(), ..Decoded::default() });
        }
        // A body that cannot be read to its end leaves the connection unusable.
        self.decode_body(input).inspect_err(|_| self.exchange.keep_alive = false)
    }

    fn decode_body(&mut self, input: &[u8]) -> Result<Decoded, RequestError> {
        let ex = &mut self.exchange;
        if let BodyState::Length { remaining } = ex.body {
            // A known length beyond the limit is refused before any byte is read.
            if ex.body_read.saturating_add(remaining) > ex.body_limit {
                return Err(RequestError::BodyTooLarge);
            }
        }
        let decoded = ex.body.step(input, &self.config)?;
        ex.body_read = ex.body_read.saturating_add(decoded.data.len() as u64);
        if ex.body_read > ex.body_limit {
            return Err(RequestError::BodyTooLarge);
        }
        if decoded.done {
            ex.body = BodyState::Done;
        } else if decoded.consumed == 0 && input.is_empty() && ex.peer_eof {
            return Err(RequestError::UnexpectedEof);
        }
        if decoded.consumed > 0 {
            self.body_wait = None;
        }
        Ok(decoded)
    }

    /// Discards unread body bytes after a response. A body that does not end
    /// within [`Config::max_drain_len`] bytes (framing included), malformed
    /// framing, or a peer that left, make the answer [`Next::Close`].
    pub fn handle_drain(&mut self, input: &[u8], now: Instant) -> Drained {
        let Phase::Drain { drained } = self.phase else {
            let next = if self.phase == Phase::Closed { Next::Close } else { Next::ReadHead };
            return Drained { consumed: 0, next };
        };
        // Never look past the allowance, so the outcome cannot depend on how
        // the bytes were split.
        let allowance = self.config.max_drain_len.saturating_sub(drained);
        let input = input.get(..usize::try_from(allowance).unwrap_or(usize::MAX)).unwrap_or(input);
        let mut consumed = 0usize;
        let mut done = false;
        while let Some(rest) = input.get(consumed..).filter(|r| !r.is_empty()) {
            let Ok(step) = self.exchange.body.step(rest, &self.config) else {
                self.phase = Phase::Closed;
                return Drained { consumed, next: Next::Close };
            };
            consumed = consumed.saturating_add(step.consumed);
            if step.done {
                done = true;
                break;
            }
        }
        if consumed > 0 {
            self.body_wait = None;
        }
        let drained = drained.saturating_add(consumed as u64);
        let next = if done {
            self.enter_idle(now);
            Next::ReadHead
        } else if drained >= self.config.max_drain_len || self.exchange.peer_eof {
            self.phase = Phase::Closed;
            Next::Close
        } else {
            self.phase = Phase::Drain { drained };
            Next::Drain
        };
        Drained { consumed, next }
    }

    /// `true` if the connection closes after the current response (as known so far).
    pub fn will_close(&self) -> bool {
        let ex = &self.exchange;
        let body_blocks = match ex.body {
            BodyState::Done => false,
            _ if ex.continue_pending => true,
            BodyState::Length { remaining } => remaining > self.config.max_drain_len,
            BodyState::Chunked(_) => false,
        };
        self.phase == Phase::Closed || !ex.keep_alive || ex.peer_eof || body_blocks
    }

    /// Makes the current exchange the connection's last: its response says
    /// `Connection: close` if its head is not encoded yet, and the connection
    /// closes after it (a server shutting down gracefully).
    pub fn close_after_response(&mut self) {
        self.exchange.keep_alive = false;
    }

    /// Closes the connection at once, for instance when the app failed after
    /// the response head was sent.
    pub fn abort(&mut self) {
        self.phase = Phase::Closed;
    }

    /// Notes that the peer closed its sending side; `pending` holds the
    /// unconsumed bytes still buffered.
    pub fn handle_eof(&mut self, pending: &[u8]) -> EofAction {
        self.exchange.peer_eof = true;
        match self.phase {
            Phase::Head { .. } if pending.len() > head::leading_empty_lines(pending) => {
                self.phase = Phase::Closed;
                let mut slots = HeaderSlots::<H>::new();
                match head::parse(pending, &mut slots, self.head_cap, Incomplete::Final, &self.config) {
                    Err(e) => EofAction::Respond(e),
                    Ok(_) => EofAction::Close,
                }
            }
            Phase::Exchange => EofAction::FinishResponse,
            _ => {
                self.phase = Phase::Closed;
                EofAction::Close
            }
        }
    }

    /// Notes that the caller starts (or made progress on) a write, which arms
    /// the [`Deadline::Write`] deadline from `now`.
    pub fn handle_write_start(&mut self, now: Instant) {
        self.write_wait = Some(now);
    }

    /// Notes that the caller's write completed.
    pub fn handle_write_done(&mut self) {
        self.write_wait = None;
    }

    /// The pending deadline, if any: the caller wakes up then and calls
    /// [`handle_timeout`](Self::handle_timeout). While a write is pending it
    /// is the write's; otherwise the current read phase's.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Timeout> {
        let t = &self.config.timeouts;
        let at = |deadline, since| Timeout { deadline, at: t.deadline(deadline, since) };
        let read = match self.phase {
            Phase::Idle { since } => Some(at(Deadline::Idle, since)),
            Phase::Head { since, .. } => Some(at(Deadline::HeaderRead, since)),
            Phase::Exchange | Phase::Drain { .. } => self.body_wait.map(|s| at(Deadline::BodyRead, s)),
            Phase::Closed => None,
        };
        // While a write is pending only its deadline counts: the connection
        // is not idle, and reads wait for the write (a driver does one IO
        // at a time).
        match self.write_wait {
            Some(since) => Some(at(Deadline::Write, since)),
            None => read,
        }
    }

    /// Checks the deadlines against `now`. When one expired the connection is
    /// closed and the answer says whether to send an error response first.
    pub fn handle_timeout(&mut self, now: Instant) -> Option<TimeoutAction> {
        let timeout = self.poll_timeout()?;
        if now.is_before(timeout.at) {
            return None;
        }
        let action = match timeout.deadline {
            Deadline::HeaderRead => TimeoutAction::Respond(RequestError::HeadTimeout),
            Deadline::BodyRead
                if self.phase == Phase::Exchange && self.exchange.response == ResponseState::NotStarted =>
            {
                TimeoutAction::Respond(RequestError::BodyTimeout)
            }
            _ => TimeoutAction::Close,
        };
        self.phase = Phase::Closed;
        Some(action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::h1::{BodyLength, EncodeError, MAX_CHUNK_PREFIX};
    use crate::time::Duration;
    use std::vec::Vec;

    const T0: Instant = Instant::ZERO;

    fn conn() -> Connection<8> {
        Connection::new(Config::new().max_drain_len(16), 512, T0)
    }

    fn head_len(c: &mut Connection<8>, input: &[u8]) -> usize {
        match c.handle_head(input, &mut HeaderSlots::new(), T0) {
            Ok(HeadStatus::Complete(h)) => h.len(),
            other => panic!("expected a head, got {other:?}"),
        }
    }

    fn respond(c: &mut Connection<8>, status: u16, body: BodyLength, data: &[u8]) -> (Vec<u8>, Next) {
        let mut out = [0u8; 256];
        let mut w = c.response_head(&mut out, status, None).unwrap();
        w.header("X-A", b"1").unwrap();
        let n = w.finish(body).unwrap();
        let mut bytes = out[..n].to_vec();
        let mut prefix = [0u8; MAX_CHUNK_PREFIX];
        let frame = c.frame_body(data.len(), &mut prefix).unwrap();
        bytes.extend_from_slice(&prefix[..frame.prefix]);
        bytes.extend_from_slice(&data[..frame.data]);
        bytes.extend_from_slice(frame.suffix);
        let done = c.finish_response(&mut out, T0).unwrap();
        bytes.extend_from_slice(&out[..done.len]);
        (bytes, done.next)
    }

    #[test]
    fn known_length_response_keeps_alive() {
        let mut c = conn();
        head_len(&mut c, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        let (bytes, next) = respond(&mut c, 200, BodyLength::Known(2), b"hi");
        assert_eq!(bytes, b"HTTP/1.1 200 OK\r\nX-A: 1\r\nContent-Length: 2\r\n\r\nhi");
        assert_eq!(next, Next::ReadHead);
    }

    #[test]
    fn chunked_response_and_http10_close_delimited() {
        let mut c = conn();
        head_len(&mut c, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        let (bytes, _) = respond(&mut c, 200, BodyLength::Streaming, b"hello");
        assert!(bytes.ends_with(b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"));
        let mut c = conn();
        head_len(&mut c, b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        let (bytes, next) = respond(&mut c, 200, BodyLength::Streaming, b"hello");
        assert!(bytes.ends_with(b"X-A: 1\r\nConnection: close\r\n\r\nhello"), "{:?}", core::str::from_utf8(&bytes));
        assert_eq!(next, Next::Close);
        let mut c = conn();
        head_len(&mut c, b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        let (bytes, next) = respond(&mut c, 200, BodyLength::Known(1), b"x");
        assert!(bytes.ends_with(b"Connection: keep-alive\r\n\r\nx"));
        assert_eq!(next, Next::ReadHead);
    }

    #[test]
    fn head_204_304_carry_no_body() {
        for (req, status) in [
            (&b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\n"[..], 200),
            (b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", 204),
            (b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", 304),
        ] {
            for body in [BodyLength::Known(5), BodyLength::Streaming] {
                let mut c = conn();
                head_len(&mut c, req);
                let (bytes, next) = respond(&mut c, status, body, b"hello");
                assert!(bytes.ends_with(b"\r\n\r\n"), "{status} {body:?}: {:?}", core::str::from_utf8(&bytes));
                assert_eq!(next, Next::ReadHead);
                let has_cl = bytes.windows(15).any(|w| w == b"Content-Length:");
                assert_eq!(has_cl, status == 200 && body == BodyLength::Known(5));
            }
        }
    }

    #[test]
    fn framing_headers_are_the_connections() {
        let mut c = conn();
        head_len(&mut c, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        let mut out = [0u8; 256];
        let mut w = c.response_head(&mut out, 200, None).unwrap();
        w.header("content-length", b"99").unwrap().header("Transfer-Encoding", b"gzip").unwrap();
        w.header("Connection", b"foo, Close").unwrap();
        assert_eq!(w.header("X-Bad", b"a\r\nb").err(), Some(EncodeError::InvalidHeader));
        let n = w.finish(BodyLength::Known(0)).unwrap();
        assert_eq!(&out[..n], b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        let done = c.finish_response(&mut out, T0).unwrap();
        assert_eq!(done.next, Next::Close);
    }

    #[test]
    fn body_overflow_and_short_body() {
        let mut c = conn();
        head_len(&mut c, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        let mut out = [0u8; 256];
        c.response_head(&mut out, 200, None).unwrap().finish(BodyLength::Known(3)).unwrap();
        let mut prefix = [0u8; MAX_CHUNK_PREFIX];
        assert_eq!(c.frame_body(4, &mut prefix), Err(EncodeError::BodyOverflow));
        assert_eq!(c.frame_body(2, &mut prefix).map(|f| f.data), Ok(2));
        assert_eq!(c.response_head(&mut out, 200, None).err(), Some(EncodeError::InvalidState));
        assert_eq!(c.finish_response(&mut out, T0).map(|f| f.next), Ok(Next::Close));
    }

    #[test]
    fn unread_bodies_are_drained_or_close() {
        let mut c = conn();
        let req = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789GET";
        let n = head_len(&mut c, req);
        assert_eq!(respond(&mut c, 200, BodyLength::Known(0), b"").1, Next::Drain);
        let d = c.handle_drain(&req[n..n + 4], T0);
        assert_eq!((d.consumed, d.next), (4, Next::Drain));
        let d = c.handle_drain(&req[n + 4..], T0);
        assert_eq!((d.consumed, d.next), (6, Next::ReadHead));

        let mut c = conn(); // 17 > max_drain_len 16: close, announced in the head
        head_len(&mut c, b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 17\r\n\r\n");
        let (bytes, next) = respond(&mut c, 200, BodyLength::Known(0), b"");
        assert!(bytes.ends_with(b"Connection: close\r\n\r\n"));
        assert_eq!(next, Next::Close);

        let mut c = conn(); // chunked beyond the drain limit
        head_len(&mut c, b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
        assert_eq!(respond(&mut c, 200, BodyLength::Known(0), b"").1, Next::Drain);
        let d = c.handle_drain(b"20\r\n0123456789abcdef0123456789abcdef\r\n0\r\n\r\n", T0);
        assert_eq!(d.next, Next::Close);
    }

    #[test]
    fn expect_continue() {
        let mut c = conn();
        let req = b"PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n";
        head_len(&mut c, req);
        assert!(c.will_close(), "a response before the body is read must close");
        assert_eq!(c.poll_continue(), Some(&b"HTTP/1.1 100 Continue\r\n\r\n"[..]));
        assert_eq!(c.poll_continue(), None);
        assert!(!c.will_close());
        let d = c.handle_body(b"ok").unwrap();
        assert_eq!((d.data, d.done), (0..2, true));

        let mut c = conn(); // a response first: no 100 Continue, and close
        head_len(&mut c, req);
        assert_eq!(respond(&mut c, 413, BodyLength::Known(0), b"").1, Next::Close);
        assert_eq!(c.poll_continue(), None);
    }

    #[test]
    fn body_limits() {
        let mut c: Connection<8> = Connection::new(Config::new().max_body_len(4), 512, T0);
        let r = c
            .handle_head(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n", &mut HeaderSlots::new(), T0)
            .err();
        assert_eq!(r, Some(RequestError::BodyTooLarge));
        let mut c: Connection<8> = Connection::new(Config::new().max_body_len(4), 512, T0);
        head_len(&mut c, b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
        assert_eq!(c.handle_body(b"3\r\nabc\r\n").map(|d| d.data), Ok(3..6));
        assert_eq!(c.handle_body(b"\r\n").map(|d| d.consumed), Ok(2));
        assert_eq!(c.handle_body(b"2\r\nde\r\n"), Err(RequestError::BodyTooLarge));
        let mut c = conn();
        head_len(&mut c, b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n");
        c.set_body_limit(4);
        assert_eq!(c.handle_body(b"1"), Err(RequestError::BodyTooLarge));
    }

    #[test]
    fn error_responses() {
        let mut c = conn();
        let e = c.handle_head(b"GET / HTTP/1.1\r\n\r\n", &mut HeaderSlots::new(), T0).unwrap_err();
        let mut out = [0u8; 256];
        let n = c.encode_error(e, &mut out).unwrap();
        let text = core::str::from_utf8(&out[..n]).unwrap();
        assert_eq!(
            text,
            "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 11\r\nConnection: close\r\n\r\nBad Request"
        );
        assert!(c.is_closed());
    }

    #[test]
    fn trickled_heads_parse_once_and_agree() {
        let req = b"GET /x HTTP/1.1\r\nHost: a\r\nA: b\r\n\r\n";
        let mut c = conn();
        for end in 1..req.len() {
            assert!(
                matches!(c.handle_head(&req[..end], &mut HeaderSlots::new(), T0), Ok(HeadStatus::Partial)),
                "{end}"
            );
        }
        assert_eq!(head_len(&mut c, req), req.len());
    }

    #[test]
    fn full_buffer_decides() {
        let mut c: Connection<8> = Connection::new(Config::new(), 16, T0);
        assert_eq!(
            c.handle_head(b"GET /0123456789a", &mut HeaderSlots::new(), T0).err(),
            Some(RequestError::TargetTooLong)
        );
        let mut c: Connection<8> = Connection::new(Config::new(), 20, T0);
        assert_eq!(
            c.handle_head(b"GET / HTTP/1.1\r\nHost", &mut HeaderSlots::new(), T0).err(),
            Some(RequestError::HeadTooLarge)
        );
    }

    #[test]
    fn deadlines_follow_the_phase() {
        let config = Config::new()
            .header_read_timeout(Duration::from_secs(1))
            .body_read_timeout(Duration::from_secs(2))
            .idle_timeout(Duration::from_secs(3))
            .write_timeout(Duration::from_secs(4));
        let mut c: Connection<8> = Connection::new(config, 512, T0);
        let at = |c: &Connection<8>| c.poll_timeout().map(|t| (t.deadline, t.at.as_millis()));
        assert_eq!(at(&c), Some((Deadline::HeaderRead, 1_000)));
        let t1 = Instant::from_millis(500);
        let HeadStatus::Complete(_) = c
            .handle_head(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\n", &mut HeaderSlots::new(), t1)
            .unwrap()
        else {
            panic!()
        };
        assert_eq!(at(&c), None, "no deadline while the app computes");
        c.handle_read_start(t1);
        assert_eq!(at(&c), Some((Deadline::BodyRead, 2_500)));
        c.handle_write_start(Instant::from_millis(600));
        assert_eq!(at(&c), Some((Deadline::Write, 4_600)), "a pending write's deadline governs");
        c.handle_write_done();
        assert_eq!(at(&c), Some((Deadline::BodyRead, 2_500)));
        c.handle_write_start(Instant::from_millis(600));
        c.handle_body(b"x").unwrap();
        assert_eq!(at(&c), Some((Deadline::Write, 4_600)));
        c.handle_write_done();
        let mut out = [0u8; 128];
        c.response_head(&mut out, 204, None).unwrap().finish(BodyLength::Known(0)).unwrap();
        c.finish_response(&mut out, Instant::from_millis(700)).unwrap();
        assert_eq!(at(&c), Some((Deadline::Idle, 3_700)));
        assert_eq!(c.handle_timeout(Instant::from_millis(3_699)), None);
        assert_eq!(c.handle_timeout(Instant::from_millis(3_700)), Some(TimeoutAction::Close));
        assert!(c.is_closed());
        assert_eq!(at(&c), None);
    }

    #[test]
    fn eof_in_each_phase() {
        let mut c = conn();
        assert_eq!(c.handle_eof(b""), EofAction::Close);
        let mut c = conn();
        assert_eq!(c.handle_eof(b"\r\n"), EofAction::Close);
        let mut c = conn();
        assert_eq!(c.handle_eof(b"GET / HT"), EofAction::Respond(RequestError::UnexpectedEof));
        let mut c = conn();
        assert_eq!(c.handle_eof(b"GET / HTTP/1.1\r\nHo st: a\r\n"), EofAction::Respond(RequestError::BadHeader));
        let mut c = conn();
        head_len(&mut c, b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n");
        assert_eq!(c.handle_eof(b"ab"), EofAction::FinishResponse);
        assert_eq!(c.handle_body(b"ab").map(|d| d.data), Ok(0..2));
        assert_eq!(c.handle_body(b""), Err(RequestError::UnexpectedEof));
        assert!(c.will_close());
    }
}
