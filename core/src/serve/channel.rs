//! What the app and the IO pump share while a request is served.
//!
//! The app's future and the pump's run side by side in one connection future
//! (see [`exchange`]). The app never touches the socket: a body read or a
//! response flush records an [`Op`] in the shared [`State`] and waits; the
//! pump performs it under the connection's deadlines and records the result.
//! The state sits in an `AtomicRefCell`, so a connection future is `Send`
//! whenever the socket's futures and the app's are (tokio's multi-thread
//! runtime); it is never contended, because one future polls both sides.
//! Both sides only *try* to borrow it and wait when the other holds it.

use core::future::{Future, poll_fn};
use core::pin::pin;
use core::sync::atomic::{AtomicUsize, Ordering};
use core::task::Poll;

use atomic_refcell::AtomicRefCell;
use embedded_io_async::{Read, Write};

use super::{Shutdown, Timer};
use crate::Error;
use crate::h1::{BodyLength, Connection, EncodeError, Finished, MAX_CHUNK_PREFIX, TimeoutAction};
use crate::time::Instant;

/// Bytes a response keeps free for framing: a chunk-size line, the chunk's
/// CRLF and the last chunk.
pub(crate) const FRAME_RESERVE: usize = MAX_CHUNK_PREFIX + 2 + 5;

/// IO the app waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    /// Send `100 Continue` (the interim response's bytes).
    Continue(&'static [u8]),
    /// Read more request body bytes.
    Read,
    /// Send the framed response bytes.
    Flush,
}

/// Why the pump stopped; every later IO request of the app fails with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The socket failed.
    Io,
    /// A deadline expired (body read or write).
    Timeout(TimeoutAction),
}

impl Failure {
    fn error(self) -> Error {
        match self {
            Failure::Io => Error::new("connection lost"),
            Failure::Timeout(TimeoutAction::Respond(e)) => e.into(),
            Failure::Timeout(TimeoutAction::Close) => Error::new("write timed out").with_status(503),
        }
    }
}

/// Receives one header line of a [`HeadSource`].
pub(crate) type HeaderSink<'a> = dyn FnMut(&str, &[u8]) -> Result<(), EncodeError> + 'a;

/// The response head as the app built it, for the channel to encode.
pub(crate) trait HeadSource {
    /// The status.
    fn status(&self) -> u16;
    /// Each header line, in order.
    fn for_each_header(&self, f: &mut HeaderSink<'_>) -> Result<(), EncodeError>;
}

/// The state of one exchange, shared by the app side and the pump.
pub(crate) struct State<'a, const H: usize> {
    pub(crate) conn: &'a mut Connection<H>,
    /// The read buffer after the request head: `input[start..end]` is
    /// unconsumed (body bytes, then pipelined requests).
    pub(crate) input: &'a mut [u8],
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// The write buffer: `out[..ready]` is framed and ready to send,
    /// `out[ready..ready + pending]` is body not framed yet.
    pub(crate) out: &'a mut [u8],
    pub(crate) ready: usize,
    pending: usize,
    op: Option<Op>,
    pub(crate) failure: Option<Failure>,
    /// The end of the response, once encoded.
    pub(crate) finished: Option<Finished>,
}

impl<'a, const H: usize> State<'a, H> {
    pub(crate) fn new(conn: &'a mut Connection<H>, input: &'a mut [u8], end: usize, out: &'a mut [u8]) -> Self {
        Self { conn, input, start: 0, end, out, ready: 0, pending: 0, op: None, failure: None, finished: None }
    }

    /// Decodes body bytes into `dst`: `Some(n)` (`0` at the body's end), or
    /// `None` when more input is needed.
    fn decode_into(&mut self, dst: &mut [u8]) -> Result<Option<usize>, Error> {
        loop {
            let unconsumed = self.input.get(self.start..self.end).unwrap_or(&[]);
            // Never decode more data than `dst` holds: the decoder consumes
            // framing byte by byte, so a short window always progresses.
            let window = unconsumed.get(..dst.len().max(1)).unwrap_or(unconsumed);
            // A body error also makes the connection close after the response.
            let decoded = self.conn.handle_body(window)?;
            self.start = self.start.saturating_add(decoded.consumed);
            let data = window.get(decoded.data.clone()).unwrap_or(&[]);
            if let Some(dst) = dst.get_mut(..data.len()).filter(|_| !data.is_empty()) {
                dst.copy_from_slice(data);
                return Ok(Some(data.len()));
            }
            if decoded.done {
                return Ok(Some(0));
            }
            if decoded.consumed == 0 {
                if self.start == self.end {
                    (self.start, self.end) = (0, 0);
                }
                return Ok(None);
            }
        }
    }

    /// Space for body bytes, keeping `reserve` bytes for the head and framing.
    fn room(&self, reserve: usize) -> usize {
        self.out.len().saturating_sub(self.ready.saturating_add(self.pending).saturating_add(reserve))
    }

    /// Copies what fits of `data` into the unframed body.
    fn buffer(&mut self, data: &[u8], reserve: usize) -> usize {
        let n = self.room(reserve).min(data.len());
        let at = self.ready.saturating_add(self.pending);
        let (Some(dst), Some(src)) = (self.out.get_mut(at..at.saturating_add(n)), data.get(..n)) else { return 0 };
        dst.copy_from_slice(src);
        self.pending = self.pending.saturating_add(n);
        n
    }

    /// Frames the pending body (encoding the head first, if `head` is given),
    /// and ends the response when `finish`.
    fn frame(
        &mut self,
        head: Option<(&dyn HeadSource, BodyLength)>,
        finish: bool,
        now: Instant,
    ) -> Result<(), EncodeError> {
        let body_at = self.ready;
        let body_end = body_at.saturating_add(self.pending);
        if let Some((source, length)) = head {
            let tail = self.out.get_mut(body_end..).ok_or(EncodeError::BufferFull)?;
            let mut w = self.conn.response_head(tail, source.status(), None)?;
            source.for_each_header(&mut |name, value| w.header(name, value).map(|_| ()))?;
            let h = w.finish(length)?;
            // The head was written after the body; move it in front.
            self.out.get_mut(body_at..body_end.saturating_add(h)).ok_or(EncodeError::BufferFull)?.rotate_right(h);
            self.ready = self.ready.saturating_add(h);
        }
        if self.pending > 0 {
            let mut prefix = [0u8; MAX_CHUNK_PREFIX];
            let frame = self.conn.frame_body(self.pending, &mut prefix)?;
            let body_at = self.ready;
            // A response without a body (HEAD, 204, 304) drops the data.
            let kept = body_at.saturating_add(frame.data);
            let framed_end = kept.saturating_add(frame.prefix);
            let room = self.out.get_mut(body_at..framed_end).ok_or(EncodeError::BufferFull)?;
            // The chunk-size line goes after the data, then rotates in front.
            room.get_mut(frame.data..).unwrap_or(&mut []).copy_from_slice(prefix.get(..frame.prefix).unwrap_or(&[]));
            room.rotate_right(frame.prefix);
            let suffix_end = framed_end.saturating_add(frame.suffix.len());
            self.out.get_mut(framed_end..suffix_end).ok_or(EncodeError::BufferFull)?.copy_from_slice(frame.suffix);
            self.ready = suffix_end;
            self.pending = 0;
        }
        if finish {
            let tail = self.out.get_mut(self.ready..).ok_or(EncodeError::BufferFull)?;
            let finished = self.conn.finish_response(tail, now)?;
            self.ready = self.ready.saturating_add(finished.len);
            self.finished = Some(finished);
        }
        Ok(())
    }
}

/// The shared state, the clock, and a count of the pump's completed steps
/// (so the exchange knows when the app may have news).
pub(crate) struct Shared<'a, T, const H: usize> {
    state: AtomicRefCell<State<'a, H>>,
    timer: &'a T,
    progress: AtomicUsize,
}

impl<'a, T: Timer, const H: usize> Shared<'a, T, H> {
    pub(crate) fn new(state: State<'a, H>, timer: &'a T) -> Self {
        Self { state: AtomicRefCell::new(state), timer, progress: AtomicUsize::new(0) }
    }

    pub(crate) fn into_state(self) -> State<'a, H> {
        self.state.into_inner()
    }

    fn bump(&self) {
        self.progress.fetch_add(1, Ordering::Relaxed);
    }

    fn idle(&self) -> bool {
        self.state.try_borrow().is_ok_and(|s| s.op.is_none())
    }
}

/// The channel as `Request` and `Response` see it: no socket, timer or
/// header-capacity type, so one `Request` type serves every runtime.
pub(crate) trait Channel: Sync {
    /// The current time.
    fn now(&self) -> Instant;
    /// Reads decoded body bytes into `dst` (`0` at the end of the body).
    /// `waiting` is the caller's: `false` on its first poll.
    fn poll_body(&self, dst: &mut [u8], waiting: &mut bool) -> Poll<Result<usize, Error>>;
    /// Sets the body limit of this request.
    fn set_body_limit(&self, bytes: u64);
    /// The declared body length (`Content-Length`), if any.
    fn body_len(&self) -> Option<u64>;
    /// Buffers what fits of `data`, keeping `reserve` bytes free.
    fn buffer(&self, data: &[u8], reserve: usize) -> usize;
    /// Frames what is buffered (encoding `head` first if given), ends the
    /// response when `finish`, and sends it — waiting for the send unless
    /// `finish` (the driver completes a last send itself).
    fn poll_send(
        &self,
        head: Option<(&dyn HeadSource, BodyLength)>,
        finish: bool,
        waiting: &mut bool,
    ) -> Poll<Result<(), Error>>;
}

impl<T: Timer + Sync, const H: usize> Channel for Shared<'_, T, H> {
    fn now(&self) -> Instant {
        self.timer.now()
    }

    fn poll_body(&self, dst: &mut [u8], waiting: &mut bool) -> Poll<Result<usize, Error>> {
        let Ok(mut st) = self.state.try_borrow_mut() else { return Poll::Pending };
        if *waiting && st.op.is_some() {
            return Poll::Pending;
        }
        // The first read sends `100 Continue` if the client waits for it,
        // even when the body is already buffered: the core's contract (call
        // `poll_continue` when the app first reads the body), and what goes
        // on the wire then does not depend on how the request was split.
        if st.op.is_none() && st.failure.is_none() {
            if let Some(interim) = st.conn.poll_continue() {
                st.op = Some(Op::Continue(interim));
                *waiting = true;
                return Poll::Pending;
            }
        }
        if let Some(n) = st.decode_into(dst)? {
            return Poll::Ready(Ok(n));
        }
        // `handle_body` reports a body cut off by EOF as an error, so a
        // failed pump is the only other way out.
        if let Some(f) = st.failure {
            return Poll::Ready(Err(f.error()));
        }
        if st.op.is_some() {
            return Poll::Pending;
        }
        if st.end >= st.input.len() {
            // Decoding consumes every byte it is given, so the window is only
            // full when the read buffer left no room at all after the head.
            return Poll::Ready(Err(Error::new("request body buffer full")));
        }
        let now = self.timer.now();
        st.conn.handle_read_start(now);
        st.op = Some(Op::Read);
        *waiting = true;
        Poll::Pending
    }

    fn set_body_limit(&self, bytes: u64) {
        // Only the pump can hold the state, and only while the app waits.
        if let Ok(mut st) = self.state.try_borrow_mut() {
            st.conn.set_body_limit(bytes);
        }
    }

    fn body_len(&self) -> Option<u64> {
        match self.state.try_borrow().ok()?.conn.body_kind() {
            crate::h1::BodyKind::Length(n) => Some(n),
            crate::h1::BodyKind::None => Some(0),
            crate::h1::BodyKind::Chunked => None,
        }
    }

    fn buffer(&self, data: &[u8], reserve: usize) -> usize {
        self.state
            .try_borrow_mut()
            .map(|mut st| if st.op.is_none() { st.buffer(data, reserve) } else { 0 })
            .unwrap_or(0)
    }

    fn poll_send(
        &self,
        head: Option<(&dyn HeadSource, BodyLength)>,
        finish: bool,
        waiting: &mut bool,
    ) -> Poll<Result<(), Error>> {
        let Ok(mut st) = self.state.try_borrow_mut() else { return Poll::Pending };
        if *waiting {
            return match (st.op, st.failure) {
                (_, Some(f)) => Poll::Ready(Err(f.error())),
                (Some(_), None) => Poll::Pending,
                (None, None) => Poll::Ready(Ok(())),
            };
        }
        if let Some(f) = st.failure {
            return Poll::Ready(Err(f.error()));
        }
        if st.op.is_some() {
            return Poll::Pending;
        }
        st.frame(head, finish, self.timer.now()).map_err(encode_error)?;
        if st.ready > 0 {
            st.op = Some(Op::Flush);
            self.bump();
        }
        if finish {
            // The pump sends it when it next runs, or the driver after the app.
            return Poll::Ready(Ok(()));
        }
        *waiting = st.op.is_some();
        if *waiting { Poll::Pending } else { Poll::Ready(Ok(())) }
    }
}

pub(crate) fn encode_error(e: EncodeError) -> Error {
    match e {
        EncodeError::BufferFull => Error::new("response head does not fit the write buffer"),
        EncodeError::BodyOverflow => Error::new("response body longer than its Content-Length"),
        EncodeError::InvalidStatus => Error::new("invalid response status"),
        _ => Error::new("response already complete"),
    }
}

/// Runs the app's future and the IO pump side by side until the app is done
/// and the pump has nothing left in flight.
pub(crate) async fn exchange<F: Future, IO: Read + Write, T: Timer, S: Shutdown, const H: usize>(
    app: F,
    io: &mut IO,
    shared: &Shared<'_, T, H>,
    shutdown: &S,
) -> F::Output {
    let mut app = pin!(app);
    let mut pump = pin!(pump(io, shared));
    let mut output = None;
    let mut closing = false;
    poll_fn(|cx| {
        // A shutdown requested while the request runs: its response, if not
        // started yet, says `Connection: close`.
        if !closing && shutdown.is_requested() {
            if let Ok(mut st) = shared.state.try_borrow_mut() {
                st.conn.close_after_response();
                closing = true;
            }
        }
        loop {
            if output.is_none() {
                if let Poll::Ready(o) = app.as_mut().poll(cx) {
                    output = Some(o);
                }
            }
            let before = shared.progress.load(Ordering::Relaxed);
            let _ = pump.as_mut().poll(cx);
            if shared.idle() {
                if let Some(o) = output.take() {
                    return Poll::Ready(o);
                }
            }
            if shared.progress.load(Ordering::Relaxed) == before {
                return Poll::Pending;
            }
        }
    })
    .await
}

/// Performs the app's IO requests, one at a time, until a failure.
async fn pump<IO: Read + Write, T: Timer, const H: usize>(io: &mut IO, shared: &Shared<'_, T, H>) {
    loop {
        let (mut guard, op) = poll_fn(|_| match shared.state.try_borrow_mut() {
            Ok(st) if st.failure.is_none() => st.op.map_or(Poll::Pending, |op| Poll::Ready((st, op))),
            _ => Poll::Pending,
        })
        .await;
        let st = &mut *guard;
        let result = match op {
            Op::Flush => {
                let State { conn, out, ready, .. } = st;
                let sent = write_all(io, shared.timer, conn, out.get(..*ready).unwrap_or(&[])).await;
                *ready = 0;
                sent
            }
            Op::Continue(interim) => write_all(io, shared.timer, st.conn, interim).await,
            Op::Read => read_body(io, shared.timer, st).await,
        };
        st.op = None;
        if let Err(f) = result {
            st.failure = Some(f);
        }
        drop(guard);
        shared.bump();
    }
}

async fn read_body<IO: Read + Write, T: Timer, const H: usize>(
    io: &mut IO,
    timer: &T,
    st: &mut State<'_, H>,
) -> Result<(), Failure> {
    let State { conn, input, end, .. } = st;
    let room = input.get_mut(*end..).unwrap_or(&mut []);
    match with_deadline(timer, conn, io.read(room)).await? {
        Ok(0) => {
            conn.handle_eof(&[]);
        }
        Ok(n) => *end = end.saturating_add(n),
        Err(_) => return Err(Failure::Io),
    }
    Ok(())
}

/// Writes all of `bytes` under the write deadline.
pub(crate) async fn write_all<IO: Write, T: Timer, const H: usize>(
    io: &mut IO,
    timer: &T,
    conn: &mut Connection<H>,
    bytes: &[u8],
) -> Result<(), Failure> {
    if bytes.is_empty() {
        return Ok(());
    }
    conn.handle_write_start(timer.now());
    let result = with_deadline(timer, conn, io.write_all(bytes)).await;
    conn.handle_write_done();
    result?.map_err(|_| Failure::Io)
}

/// Runs `io` until it completes or the connection's earliest deadline
/// expires. The IO future is never dropped half-way for a wake-up that turns
/// out early.
pub(crate) async fn with_deadline<F: Future, T: Timer, const H: usize>(
    timer: &T,
    conn: &mut Connection<H>,
    io: F,
) -> Result<F::Output, Failure> {
    let mut io = pin!(io);
    loop {
        let Some(deadline) = conn.poll_timeout() else { return Ok(io.await) };
        let mut sleep = pin!(timer.sleep_until(deadline.at));
        let woke = poll_fn(|cx| {
            if let Poll::Ready(out) = io.as_mut().poll(cx) {
                return Poll::Ready(Some(out));
            }
            sleep.as_mut().poll(cx).map(|()| None)
        })
        .await;
        match woke {
            Some(out) => return Ok(out),
            None => {
                if let Some(action) = conn.handle_timeout(timer.now()) {
                    return Err(Failure::Timeout(action));
                }
            }
        }
    }
}
