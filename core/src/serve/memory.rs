//! An in-memory connection and a virtual clock: an app served without
//! sockets, for tests (yours and lamina's) and examples.
//!
//! [`MemoryIo`] delivers scripted input in pieces of chosen sizes and
//! records what the server writes; [`VirtualClock`] jumps to a deadline as
//! soon as something sleeps on it, so timeouts happen at once and exactly.
//! [`block_on`] runs a future to completion on the current thread.

use core::convert::Infallible;
use core::future::Future;
use core::net::{IpAddr, Ipv4Addr};
use core::ops::Deref;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use atomic_refcell::AtomicRefCell;
use embedded_io_async::{ErrorKind, ErrorType, Read, Write};

use super::channel::{Shared, State, exchange as exchange_io};
use super::{Clock, ConnectionBuffers, NoShutdown, Timer, serve_until};
use crate::app::{App, Chain, Locals, Outcome, Request, Response};
use crate::h1::{Config, Connection, HeadStatus, HeaderSlots, RequestHead};
use crate::time::Instant;

/// What a [`MemoryIo`] does once its input is used up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum AtEnd {
    /// The peer closes its side: reads return `0`.
    #[default]
    Eof,
    /// The peer stays connected and silent: reads never complete.
    Hang,
}

/// A scripted connection: reads come from `input`, writes go to `output`.
#[derive(Debug)]
pub struct MemoryIo<'a> {
    input: &'a [u8],
    pos: usize,
    pieces: &'a [usize],
    piece: usize,
    at_end: AtEnd,
    output: &'a mut [u8],
    written: usize,
}

/// A write beyond the end of a [`MemoryIo`]'s output buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputFull;

impl core::fmt::Display for OutputFull {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("memory connection output full")
    }
}

impl core::error::Error for OutputFull {}

impl embedded_io_async::Error for OutputFull {
    fn kind(&self) -> ErrorKind {
        ErrorKind::OutOfMemory
    }
}

impl<'a> MemoryIo<'a> {
    /// A connection that delivers all of `input` to the first read that has
    /// room, then ends, and writes into `output`.
    pub fn new(input: &'a [u8], output: &'a mut [u8]) -> Self {
        Self { input, pos: 0, pieces: &[], piece: 0, at_end: AtEnd::Eof, output, written: 0 }
    }

    /// Delivers the input in reads of these sizes (the last one repeats).
    pub fn pieces(mut self, pieces: &'a [usize]) -> Self {
        self.pieces = pieces;
        self
    }

    /// What happens after the input ([`AtEnd::Eof`] unless set).
    pub fn at_end(mut self, at_end: AtEnd) -> Self {
        self.at_end = at_end;
        self
    }

    /// Everything the server wrote.
    pub fn written(&self) -> &[u8] {
        self.output.get(..self.written).unwrap_or(&[])
    }

    /// Input bytes not read yet.
    pub fn unread(&self) -> &[u8] {
        self.input.get(self.pos..).unwrap_or(&[])
    }
}

impl ErrorType for MemoryIo<'_> {
    type Error = OutputFull;
}

impl Read for MemoryIo<'_> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, OutputFull> {
        let rest = self.input.get(self.pos..).unwrap_or(&[]);
        if rest.is_empty() {
            if self.at_end == AtEnd::Hang {
                core::future::pending::<()>().await;
            }
            return Ok(0);
        }
        let size = match self.pieces {
            [] => usize::MAX,
            pieces => pieces.get(self.piece).or(pieces.last()).copied().unwrap_or(usize::MAX).max(1),
        };
        self.piece = self.piece.saturating_add(1);
        let n = size.min(buf.len()).min(rest.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), rest.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.pos = self.pos.saturating_add(n);
        Ok(n)
    }
}

impl Write for MemoryIo<'_> {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, OutputFull> {
        let room = self.output.get_mut(self.written..).unwrap_or(&mut []);
        let n = room.len().min(buf.len());
        if n == 0 && !buf.is_empty() {
            return Err(OutputFull);
        }
        room.get_mut(..n).unwrap_or(&mut []).copy_from_slice(buf.get(..n).unwrap_or(&[]));
        self.written = self.written.saturating_add(n);
        Ok(n)
    }

    async fn flush(&mut self) -> Result<(), OutputFull> {
        Ok(())
    }
}

/// A clock that stands still until something sleeps: a sleep jumps it to
/// the sleep's deadline. Time passes only while every other future waits.
#[derive(Debug, Default)]
pub struct VirtualClock {
    now: AtomicRefCell<Instant>,
}

impl VirtualClock {
    /// A clock at [`Instant::ZERO`].
    pub const fn new() -> Self {
        Self { now: AtomicRefCell::new(Instant::ZERO) }
    }

    fn set(&self, to: Instant) {
        if let Ok(mut now) = self.now.try_borrow_mut() {
            if now.is_before(to) {
                *now = to;
            }
        }
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> Instant {
        self.now.try_borrow().map(|n| *n).unwrap_or(Instant::ZERO)
    }
}

impl Timer for VirtualClock {
    async fn sleep_until(&self, deadline: Instant) {
        self.set(deadline);
    }
}

/// Runs `future` to completion on this thread, polling it until it is done
/// (for futures that never wait on anything outside themselves, such as a
/// connection over [`MemoryIo`] timed by a [`VirtualClock`]).
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

/// Up to this many bytes of response are kept by [`exchange`].
pub const EXCHANGE_OUTPUT: usize = 8192;

/// The bytes a server wrote in an [`exchange`].
#[derive(Clone)]
pub struct Written {
    buf: [u8; EXCHANGE_OUTPUT],
    len: usize,
}

impl Deref for Written {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }
}

impl core::fmt::Debug for Written {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("Written").field(&self.escape_ascii()).finish()
    }
}

/// Serves `input` (one or more requests) to `app` over a [`MemoryIo`] with
/// default buffers and [`Config`], and returns what it wrote.
pub fn exchange<C: Chain, L: Locals>(app: &App<C, L>, input: &[u8]) -> Written {
    let mut written = Written { buf: [0; EXCHANGE_OUTPUT], len: 0 };
    let mut io = MemoryIo::new(input, &mut written.buf);
    let mut buffers = ConnectionBuffers::<4096, 2048, 1024>::new();
    let clock = VirtualClock::new();
    // A response larger than the output is cut short: the write fails.
    // The client of an in-memory exchange is a loopback one (`req.ip`).
    let peer = Some(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let _ = block_on(serve_until(&mut io, peer, &clock, app, buffers.buffers(), Config::new(), &NoShutdown));
    written.len = io.written;
    written
}

/// A parsed request, ready to be dispatched to apps again and again without a
/// connection: for benchmarks of the middleware stack, and for tests that
/// look at the [`Outcome`] rather than the wire.
pub struct Prepared<'h, 'b> {
    conn: Connection,
    head: RequestHead<'h, 'b>,
    clock: VirtualClock,
    input: [u8; 64],
    out: [u8; 2048],
    arena: [u8; 512],
}

/// What a [`Prepared`] dispatch did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dispatched {
    /// How the dispatch ended.
    pub outcome: Outcome,
    /// The response's status.
    pub status: u16,
    /// Body bytes the app wrote.
    pub body_bytes: u64,
}

/// Parses `wire` (one request head, no body bytes) and hands the prepared
/// request to `f`; `None` if it is not a complete, valid head.
///
/// ```
/// use lamina::app::{App, Flow, Outcome};
/// use lamina::serve::memory::with_request;
///
/// let app = App::new().with_fn(async |_req, res| {
///     res.send("hi").await?;
///     Ok(Flow::Done)
/// });
/// let done = with_request(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", |r| r.dispatch(&app)).unwrap();
/// assert_eq!((done.outcome, done.status, done.body_bytes), (Outcome::Answered, 200, 2));
/// ```
pub fn with_request<R>(wire: &[u8], f: impl FnOnce(&mut Prepared<'_, '_>) -> R) -> Option<R> {
    let mut conn = Connection::new(Config::new(), wire.len().max(64), Instant::ZERO);
    let mut slots = HeaderSlots::new();
    let Ok(HeadStatus::Complete(head)) = conn.handle_head(wire, &mut slots, Instant::ZERO) else { return None };
    let mut prepared =
        Prepared { conn, head, clock: VirtualClock::new(), input: [0; 64], out: [0; 2048], arena: [0; 512] };
    Some(f(&mut prepared))
}

impl Prepared<'_, '_> {
    /// Runs the request through `app` (and the final handler). What the app
    /// sends is discarded; the request has no body.
    pub fn dispatch<C: Chain, L: Locals>(&mut self, app: &App<C, L>) -> Dispatched {
        let mut conn = self.conn.clone();
        let state = State::new(&mut conn, &mut self.input, 0, &mut self.out);
        let shared = Shared::new(state, &self.clock);
        let locals = AtomicRefCell::new(L::default());
        let mut req = Request::new(&self.head, &shared, &locals);
        req.set_peer(Some(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        let mut res = Response::new(&mut self.arena, &shared, &req);
        let outcome = block_on(exchange_io(app.dispatch(&mut req, &mut res), &mut Sink, &shared, &super::NoShutdown));
        Dispatched { outcome, status: res.status(), body_bytes: res.body_bytes() }
    }
}

/// A connection that has nothing to say and swallows what it is told.
struct Sink;

impl ErrorType for Sink {
    type Error = Infallible;
}

impl Read for Sink {
    async fn read(&mut self, _: &mut [u8]) -> Result<usize, Infallible> {
        Ok(0)
    }
}

impl Write for Sink {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
        Ok(buf.len())
    }

    async fn flush(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
}
