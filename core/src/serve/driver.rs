//! [`serve`]: the keep-alive loop of one connection.

use core::fmt;
use core::net::IpAddr;

use atomic_refcell::AtomicRefCell;
use embedded_io_async::{Read, Write};

use core::future::{Future, poll_fn};
use core::pin::pin;
use core::task::Poll;

use super::channel::{Failure, Shared, State, exchange, with_deadline, write_all};
use super::{NoShutdown, Shutdown, Timer};
use crate::app::{App, Chain, Locals, Outcome, Request, Response};
use crate::h1::{
    Config, Connection, DEFAULT_MAX_HEADERS, EofAction, HeadStatus, HeaderSlots, Next, RequestError, TimeoutAction,
    head_end,
};

/// The memory one connection works in, lent by the caller.
#[derive(Debug)]
pub struct Buffers<'b> {
    /// Request heads and body bytes. A head must fit in it (with
    /// [`Config::max_head_len`] as a further limit); `1` KiB to `8` KiB is
    /// usual.
    pub read: &'b mut [u8],
    /// Response bytes: a response that fits goes out in one write with a
    /// `Content-Length`; a larger one is sent chunked as it fills.
    pub write: &'b mut [u8],
    /// The response's header names and values while the app builds them.
    pub headers: &'b mut [u8],
}

/// Buffers owned in one value, to keep in a static or a task's frame.
///
/// ```
/// use lamina::serve::ConnectionBuffers;
/// let mut bufs = ConnectionBuffers::<2048, 1024, 512>::new();
/// assert_eq!(bufs.buffers().read.len(), 2048);
/// ```
#[derive(Debug)]
pub struct ConnectionBuffers<const READ: usize, const WRITE: usize, const HEADERS: usize> {
    read: [u8; READ],
    write: [u8; WRITE],
    headers: [u8; HEADERS],
}

impl<const READ: usize, const WRITE: usize, const HEADERS: usize> ConnectionBuffers<READ, WRITE, HEADERS> {
    /// Zeroed buffers.
    pub const fn new() -> Self {
        Self { read: [0; READ], write: [0; WRITE], headers: [0; HEADERS] }
    }

    /// The buffers, lent to one connection.
    pub fn buffers(&mut self) -> Buffers<'_> {
        Buffers { read: &mut self.read, write: &mut self.write, headers: &mut self.headers }
    }
}

impl<const READ: usize, const WRITE: usize, const HEADERS: usize> Default for ConnectionBuffers<READ, WRITE, HEADERS> {
    fn default() -> Self {
        Self::new()
    }
}

/// Why [`serve`] returned early: the socket failed. (A connection that closes
/// for protocol reasons — the peer left, a bad request was answered, a
/// deadline expired — ends with `Ok`.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServeError<E>(pub E);

impl<E: fmt::Debug> fmt::Display for ServeError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "connection IO failed: {:?}", self.0)
    }
}

impl<E: fmt::Debug> core::error::Error for ServeError<E> {}

/// Serves one connection until it closes: reads requests, runs `app` for
/// each, writes the responses, and honours keep-alive, pipelining,
/// `Expect: 100-continue`, the body limits and every deadline of `config`.
///
/// The socket is not closed or flushed here beyond the last response; the
/// caller closes it when this returns.
///
/// ```
/// use lamina::app::{App, Flow};
/// use lamina::h1::Config;
/// use lamina::serve::memory::{MemoryIo, VirtualClock};
/// use lamina::serve::{ConnectionBuffers, serve};
///
/// let app = App::new().with_fn(async |_req, res| {
///     res.send(b"hello").await?;
///     Ok(Flow::Done)
/// });
/// let mut out = [0u8; 256];
/// let mut io = MemoryIo::new(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", &mut out);
/// let mut bufs = ConnectionBuffers::<1024, 512, 256>::new();
/// let clock = VirtualClock::new();
/// lamina::serve::memory::block_on(serve(&mut io, &clock, &app, bufs.buffers(), Config::new())).unwrap();
/// assert!(io.written().starts_with(b"HTTP/1.1 200 OK\r\n"));
/// assert!(io.written().ends_with(b"\r\n\r\nhello"));
/// ```
pub async fn serve<IO, T, C, L>(
    io: &mut IO,
    timer: &T,
    app: &App<C, L>,
    buffers: Buffers<'_>,
    config: Config,
) -> Result<(), ServeError<IO::Error>>
where
    IO: Read + Write,
    T: Timer,
    C: Chain,
    L: Locals,
{
    serve_with::<IO, T, C, L, NoShutdown, DEFAULT_MAX_HEADERS>(io, None, timer, app, buffers, config, &NoShutdown).await
}

/// [`serve`] that also finishes when `shutdown` is requested: a connection
/// waiting for its next request closes at once, a request being served is
/// answered and the connection closes after it. [`Shutdown`] has the rules.
/// `peer` is the client's address, if known ([`Request::peer`](crate::app::Request::peer)).
pub async fn serve_until<IO, T, C, L, S>(
    io: &mut IO,
    peer: Option<IpAddr>,
    timer: &T,
    app: &App<C, L>,
    buffers: Buffers<'_>,
    config: Config,
    shutdown: &S,
) -> Result<(), ServeError<IO::Error>>
where
    IO: Read + Write,
    T: Timer,
    C: Chain,
    L: Locals,
    S: Shutdown,
{
    serve_with::<IO, T, C, L, S, DEFAULT_MAX_HEADERS>(io, peer, timer, app, buffers, config, shutdown).await
}

/// [`serve_until`] with a header capacity of `H` lines per request.
pub async fn serve_with<IO, T, C, L, S, const H: usize>(
    io: &mut IO,
    peer: Option<IpAddr>,
    timer: &T,
    app: &App<C, L>,
    buffers: Buffers<'_>,
    config: Config,
    shutdown: &S,
) -> Result<(), ServeError<IO::Error>>
where
    IO: Read + Write,
    T: Timer,
    C: Chain,
    L: Locals,
    S: Shutdown,
{
    let Buffers { read, write, headers } = buffers;
    // The head may not fill the whole buffer: body bytes are read after it
    // while the head stays borrowed by the request.
    let head_cap = read.len().saturating_sub(read.len() / 8);
    let mut conn = Connection::<H>::new(config, head_cap, timer.now());
    // `read[..filled]` holds unconsumed bytes from the start.
    let mut filled = 0usize;
    // Whether a request was served: from then on, a connection with nothing
    // buffered is idle, and shutdown closes it.
    let mut served = false;
    loop {
        // The head: read until it is complete, refused, or the peer leaves.
        let end = loop {
            let idle = served && filled == 0;
            if idle && shutdown.is_requested() {
                return Ok(());
            }
            let pending = read.get(..filled).unwrap_or(&[]);
            if let Some(end) = head_end(pending) {
                break end;
            }
            match conn.handle_head(pending, &mut HeaderSlots::new(), timer.now()) {
                Ok(HeadStatus::Partial) => {}
                // `head_end` finds every complete head first.
                Ok(HeadStatus::Complete(head)) => break head.len(),
                Err(e) => return refuse(io, timer, &mut conn, e, write).await,
            }
            let room = read.get_mut(filled..).unwrap_or(&mut []);
            if room.is_empty() {
                // `handle_head` refuses a full buffer (414/431); never spin.
                return refuse(io, timer, &mut conn, RequestError::HeadTooLarge, write).await;
            }
            let reading = unless(idle.then(|| shutdown.requested()), io.read(room));
            match with_deadline(timer, &mut conn, reading).await {
                Ok(None) => return Ok(()),
                Ok(Some(Ok(0))) => {
                    let pending = read.get(..filled).unwrap_or(&[]);
                    return match conn.handle_eof(pending) {
                        EofAction::Respond(e) => refuse(io, timer, &mut conn, e, write).await,
                        _ => Ok(()),
                    };
                }
                Ok(Some(Ok(n))) => filled = filled.saturating_add(n),
                Ok(Some(Err(e))) => return Err(ServeError(e)),
                Err(Failure::Timeout(TimeoutAction::Respond(e))) => {
                    return refuse(io, timer, &mut conn, e, write).await;
                }
                Err(_) => return Ok(()),
            }
        };

        // The exchange: the head stays borrowed in `head_part` while the app
        // runs; body bytes are read into `rest`.
        let (head_part, rest) = read.split_at_mut(end.min(read.len()));
        let rest_filled = filled.saturating_sub(end);
        let mut slots = HeaderSlots::<H>::new();
        let head = match conn.handle_head(head_part, &mut slots, timer.now()) {
            Ok(HeadStatus::Complete(head)) => head,
            Ok(HeadStatus::Partial) => {
                return refuse(io, timer, &mut conn, RequestError::BadRequestLine, write).await;
            }
            Err(e) => return refuse(io, timer, &mut conn, e, write).await,
        };
        if shutdown.is_requested() {
            conn.close_after_response();
        }
        served = true;
        let state = State::new(&mut conn, rest, rest_filled, write);
        let shared = Shared::new(state, timer);
        let locals = AtomicRefCell::new(L::default());
        let mut req = Request::new(&head, &shared, &locals);
        req.set_peer(peer);
        let mut res = Response::new(headers, &shared, &req);
        let outcome = exchange(app.dispatch(&mut req, &mut res), io, &shared, shutdown).await;
        res.run_finish_hooks(&req);
        let mut st = shared.into_state();
        if let Some(f) = st.failure {
            if let Failure::Timeout(TimeoutAction::Respond(e)) = f {
                let State { conn, out, .. } = &mut st;
                return refuse(io, timer, conn, e, out).await;
            }
            return Ok(());
        }
        // Whatever the app left unsent goes out now.
        let sent = {
            let State { conn, out, ready, .. } = &mut st;
            write_all(io, timer, conn, out.get(..*ready).unwrap_or(&[])).await
        };
        let Some(finished) = st.finished.filter(|_| sent.is_ok() && !matches!(outcome, Outcome::Abort(_))) else {
            return Ok(());
        };
        // (A body the app could not read to its end made the connection close.)
        let mut next = finished.next;
        let (start, rest_end) = (st.start, st.end);

        // Keep what follows the request's consumed bytes at the buffer's start.
        let from = end.saturating_add(start);
        filled = end.saturating_add(rest_end);
        read.copy_within(from.min(filled)..filled, 0);
        filled = filled.saturating_sub(from);

        // Drain an unread body, then go on or stop.
        while next == Next::Drain {
            let d = conn.handle_drain(read.get(..filled).unwrap_or(&[]), timer.now());
            read.copy_within(d.consumed.min(filled)..filled, 0);
            filled = filled.saturating_sub(d.consumed);
            next = d.next;
            if next != Next::Drain || d.consumed > 0 {
                continue;
            }
            conn.handle_read_start(timer.now());
            let room = read.get_mut(filled..).unwrap_or(&mut []);
            match with_deadline(timer, &mut conn, io.read(room)).await {
                Ok(Ok(0)) => {
                    conn.handle_eof(read.get(..filled).unwrap_or(&[]));
                    next = Next::Close;
                }
                Ok(Ok(n)) => filled = filled.saturating_add(n),
                Ok(Err(e)) => return Err(ServeError(e)),
                Err(_) => next = Next::Close,
            }
        }
        if next == Next::Close || shutdown.is_requested() {
            return Ok(());
        }
    }
}

/// `io`'s output, or `None` if `stop` completes first.
async fn unless<F: Future>(stop: Option<impl Future<Output = ()>>, io: F) -> Option<F::Output> {
    let mut io = pin!(io);
    let mut stop = pin!(stop);
    poll_fn(|cx| {
        if let Poll::Ready(out) = io.as_mut().poll(cx) {
            return Poll::Ready(Some(out));
        }
        match stop.as_mut().as_pin_mut().map(|stop| stop.poll(cx)) {
            Some(Poll::Ready(())) => Poll::Ready(None),
            _ => Poll::Pending,
        }
    })
    .await
}

/// Answers a refused request with the connection's error page and closes.
async fn refuse<IO: Write, T: Timer, const H: usize>(
    io: &mut IO,
    timer: &T,
    conn: &mut Connection<H>,
    e: RequestError,
    out: &mut [u8],
) -> Result<(), ServeError<IO::Error>> {
    if let Ok(n) = conn.encode_error(e, out) {
        let _ = write_all(io, timer, conn, out.get(..n).unwrap_or(&[])).await;
    }
    Ok(())
}
