//! An in-memory driver: lamina's protocol core over a scripted byte stream.
//!
//! It behaves as a real driver must: it reads into one fixed buffer (never
//! more than fits), moves unconsumed bytes to the buffer's start before
//! reading more, answers with a tiny app, drains, pipelines and stops on close.

use lamina::h1::{
    BodyKind, BodyLength, Config, Connection, DEFAULT_MAX_HEADERS, EofAction, HeadStatus, HeaderSlots,
    MAX_CHUNK_PREFIX, Next, RequestError, TimeoutAction,
};
use lamina::time::Instant;

use crate::escape;

/// What the test app does with each request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum App {
    /// Read the whole body, answer `200` with `METHOD TARGET[ body=<escaped>]`
    /// and a `Content-Length`.
    #[default]
    Echo,
    /// Same, but stream the answer (chunked on HTTP/1.1).
    Stream,
    /// Answer at once without reading the body (the driver drains it).
    IgnoreBody,
    /// Fail before reading the body, as an app error would: `500` with a
    /// `Content-Length` body, the request body drained.
    Fail,
}

/// How the driver is set up.
#[derive(Clone, Copy, Debug)]
pub struct Setup {
    /// Protocol limits.
    pub config: Config,
    /// Size of the connection's read buffer.
    pub buffer_len: usize,
    /// Header capacity (`4` or [`DEFAULT_MAX_HEADERS`]).
    pub max_headers: usize,
    /// The app's behaviour.
    pub app: App,
    /// A route body limit the app sets before reading, if any.
    pub body_limit: Option<u64>,
    /// When the input runs out, keep the connection open and let the
    /// virtual clock pass every deadline (instead of an EOF).
    pub wait_at_end: bool,
}

impl Default for Setup {
    fn default() -> Self {
        Self {
            config: Config::new(),
            buffer_len: 4096,
            max_headers: DEFAULT_MAX_HEADERS,
            app: App::Echo,
            body_limit: None,
            wait_at_end: false,
        }
    }
}

/// Why the driver stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// The connection decided to close.
    Closed,
    /// The input ended (peer EOF) and the connection closed after it.
    Eof,
    /// The connection closed while draining an unread chunked body that did
    /// not end within the drain limit, or was malformed. Its size was unknown
    /// when the response head went out, so that head could not announce the
    /// close (RFC 9112 §9.6 lets a server close at any time).
    DrainClosed,
    /// The input ran out, the client kept the connection open, and a deadline
    /// expired ([`Setup::wait_at_end`]).
    TimedOut,
}

/// Everything that happened on one connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transcript {
    /// All bytes the server wrote, in order.
    pub output: Vec<u8>,
    /// For each response in `output`, whether it answers a HEAD request (so
    /// a client knows it has no body).
    pub head_requests: Vec<bool>,
    /// Why the driver stopped.
    pub end: End,
}

impl Transcript {
    /// The same outcome as `other`: the same bytes on the wire and the same
    /// connection decision. Who noticed the end first may differ when the last
    /// response closes the connection anyway: an error found in an unfinished
    /// line is found at once when all bytes arrive together, and at the end of
    /// the input when they trickle.
    pub fn same_outcome(&self, other: &Transcript) -> bool {
        let closing =
            |t: &Transcript| crate::client::check(t).ok().and_then(|r| r.last().map(|r| r.close)).unwrap_or(false);
        let ends = |t: &Transcript| matches!(t.end, End::Eof | End::Closed);
        self.output == other.output
            && self.head_requests == other.head_requests
            && (self.end == other.end || (ends(self) && ends(other) && closing(self)))
    }
}

/// A stream of input pieces, as a socket would deliver them.
struct Wire<'a> {
    input: &'a [u8],
    pos: usize,
    pieces: &'a [usize],
    piece: usize,
    piece_left: usize,
}

impl Wire<'_> {
    /// Copies at most one piece (and at most `out.len()` bytes) into `out`;
    /// `None` at the end of the input.
    fn read(&mut self, out: &mut [u8]) -> Option<usize> {
        if self.pos >= self.input.len() {
            return None;
        }
        if self.piece_left == 0 {
            // The last size repeats (as `MemoryIo` does), so `[1]` is byte by byte.
            self.piece_left = self.pieces.get(self.piece).or(self.pieces.last()).copied().unwrap_or(usize::MAX).max(1);
            self.piece += 1;
        }
        let n = self.piece_left.min(out.len()).min(self.input.len() - self.pos);
        out[..n].copy_from_slice(&self.input[self.pos..self.pos + n]);
        self.pos += n;
        self.piece_left -= n;
        Some(n)
    }
}

/// Runs one connection over `input`, delivered in pieces of the given sizes
/// (the last size repeats; an empty list means one piece).
pub fn run(input: &[u8], pieces: &[usize], setup: &Setup) -> Transcript {
    match setup.max_headers {
        4 => run_with::<4>(input, pieces, setup),
        _ => run_with::<DEFAULT_MAX_HEADERS>(input, pieces, setup),
    }
}

/// A driver's read buffer: `buf[start..filled]` holds unconsumed bytes.
struct ReadBuf {
    buf: Vec<u8>,
    start: usize,
    filled: usize,
}

impl ReadBuf {
    fn pending(&self) -> &[u8] {
        &self.buf[self.start..self.filled]
    }

    /// Moves pending bytes to the start, then reads once; `false` at EOF.
    fn fill(&mut self, wire: &mut Wire<'_>) -> bool {
        self.buf.copy_within(self.start..self.filled, 0);
        self.filled -= self.start;
        self.start = 0;
        match wire.read(&mut self.buf[self.filled..]) {
            Some(n) => {
                self.filled += n;
                true
            }
            None => false,
        }
    }
}

fn run_with<const H: usize>(input: &[u8], pieces: &[usize], setup: &Setup) -> Transcript {
    let now = Instant::ZERO;
    let mut conn: Connection<H> = Connection::new(setup.config, setup.buffer_len, now);
    let mut wire = Wire { input, pos: 0, pieces, piece: 0, piece_left: 0 };
    let mut rb = ReadBuf { buf: vec![0; setup.buffer_len], start: 0, filled: 0 };
    let mut t = Transcript { output: Vec::new(), head_requests: Vec::new(), end: End::Closed };
    let mut scratch = vec![0u8; 8192];
    let mut eof = false;

    loop {
        // Read a head.
        let (method, target, head_len) = loop {
            match conn.handle_head(rb.pending(), &mut HeaderSlots::new(), now) {
                Ok(HeadStatus::Complete(head)) => {
                    break (head.method().to_owned(), head.target().to_owned(), head.len());
                }
                Ok(HeadStatus::Partial) => {
                    assert!(rb.pending().len() < setup.buffer_len, "Partial with a full buffer");
                    if !eof && rb.fill(&mut wire) {
                        continue;
                    }
                    if setup.wait_at_end {
                        return time_out(&mut conn, false, &mut scratch, t);
                    }
                    if let EofAction::Respond(e) = conn.handle_eof(rb.pending()) {
                        write_error(&mut conn, e, false, &mut scratch, &mut t);
                    }
                    t.end = End::Eof;
                    return t;
                }
                Err(e) => {
                    write_error(&mut conn, e, false, &mut scratch, &mut t);
                    return t;
                }
            }
        };
        rb.start += head_len;
        let is_head = method == "HEAD";
        if let Some(limit) = setup.body_limit {
            conn.set_body_limit(limit);
        }

        // Read the body (unless the app ignores it).
        let mut body = Vec::new();
        if !matches!(setup.app, App::IgnoreBody | App::Fail) {
            if let Some(interim) = conn.poll_continue() {
                t.output.extend_from_slice(interim);
            }
            loop {
                match conn.handle_body(rb.pending()) {
                    Ok(d) => {
                        body.extend_from_slice(&rb.pending()[d.data.clone()]);
                        rb.start += d.consumed;
                        if d.done {
                            break;
                        }
                        // Nothing to decode: read more, or tell the connection the peer left
                        // (the next call then reports the cut-off body).
                        if d.consumed == 0 && !eof && !rb.fill(&mut wire) {
                            if setup.wait_at_end {
                                conn.handle_read_start(now);
                                return time_out(&mut conn, is_head, &mut scratch, t);
                            }
                            eof = true;
                            conn.handle_eof(rb.pending());
                        }
                    }
                    Err(e) => {
                        write_error(&mut conn, e, is_head, &mut scratch, &mut t);
                        if eof {
                            t.end = End::Eof;
                        }
                        return t;
                    }
                }
            }
        }

        // Respond.
        let mut text = format!("{method} {target}");
        if !body.is_empty() {
            text.push_str(" body=");
            text.push_str(&escape(&body));
        }
        let status = if setup.app == App::Fail {
            text = "Internal Server Error".into();
            500
        } else {
            200
        };
        let length = match setup.app {
            App::Stream => BodyLength::Streaming,
            _ => BodyLength::Known(text.len() as u64),
        };
        let mut w = conn.response_head(&mut scratch, status, None).expect("response head");
        w.header("Content-Type", b"text/plain").expect("header");
        let n = w.finish(length).expect("finish head");
        t.output.extend_from_slice(&scratch[..n]);
        t.head_requests.push(is_head);
        // Two pieces, to exercise chunk framing.
        let (a, b) = text.as_bytes().split_at(text.len() / 2);
        for piece in [a, b] {
            let mut prefix = [0u8; MAX_CHUNK_PREFIX];
            let frame = conn.frame_body(piece.len(), &mut prefix).expect("frame body");
            t.output.extend_from_slice(&prefix[..frame.prefix]);
            t.output.extend_from_slice(&piece[..frame.data]);
            t.output.extend_from_slice(frame.suffix);
        }
        let done = conn.finish_response(&mut scratch, now).expect("finish response");
        t.output.extend_from_slice(&scratch[..done.len]);

        // Drain, then go on or stop.
        let mut next = done.next;
        let draining = next == Next::Drain;
        while next == Next::Drain {
            let d = conn.handle_drain(rb.pending(), now);
            rb.start += d.consumed;
            next = d.next;
            if next == Next::Drain && d.consumed == 0 && (eof || !rb.fill(&mut wire)) {
                if setup.wait_at_end {
                    conn.handle_read_start(now);
                    return time_out(&mut conn, is_head, &mut scratch, t);
                }
                eof = true;
                conn.handle_eof(rb.pending());
                next = Next::Close;
            }
        }
        if next == Next::Close {
            t.end = match (eof, draining && conn.body_kind() == BodyKind::Chunked) {
                (true, _) => End::Eof,
                (false, true) => End::DrainClosed,
                (false, false) => End::Closed,
            };
            return t;
        }
    }
}

/// The client went quiet: let the virtual clock pass every deadline and do
/// what the connection says.
fn time_out<const H: usize>(
    conn: &mut Connection<H>,
    is_head: bool,
    scratch: &mut [u8],
    mut t: Transcript,
) -> Transcript {
    let deadline = conn.poll_timeout().expect("a quiet client always faces a deadline");
    match conn.handle_timeout(deadline.at) {
        Some(TimeoutAction::Respond(e)) => write_error(conn, e, is_head, scratch, &mut t),
        Some(TimeoutAction::Close) => {}
        None => panic!("the deadline {deadline:?} did not expire at its own instant"),
    }
    assert!(conn.is_closed(), "a timed-out connection is closed");
    t.end = End::TimedOut;
    t
}

fn write_error<const H: usize>(
    conn: &mut Connection<H>,
    e: RequestError,
    is_head: bool,
    scratch: &mut [u8],
    t: &mut Transcript,
) {
    let n = conn.encode_error(e, scratch).expect("error response fits");
    t.output.extend_from_slice(&scratch[..n]);
    t.head_requests.push(is_head);
    assert!(conn.is_closed(), "an error response closes the connection");
}
