//! The real connection driver, [`lamina::serve::serve_with`], run like the
//! reference driver of [`exchange`](crate::exchange): the same input, the
//! same pieces, the same [`Setup`], and lamina [`App`](lamina::app::App)s
//! that answer byte for byte as the reference's test apps do. The vectors
//! and property tests compare both transcripts, so the driver is held to
//! every row of the wire table at every split.
//!
//! What differs, and why:
//!
//! - **The read buffer** is larger than [`Setup::buffer_len`]: the driver
//!   lets a head use only 7/8 of its read buffer (the rest takes body bytes
//!   while the head stays borrowed), so it gets the smallest buffer whose
//!   head share is exactly `buffer_len` — the head limit, and with it every
//!   414/431 decision, is the reference's.
//! - **Body errors** (`413`, a broken chunk, a body cut short) reach a lamina
//!   app as the error of `read_body`; the reference answers them with the
//!   connection's error page ([`Connection::encode_error`]). The echo apps
//!   here answer such an error with that page's exact bytes (its status,
//!   `Content-Type: text/plain; charset=utf-8`, `Connection: close`, the
//!   reason phrase); an app that propagated it would get the final
//!   handler's HTML page instead. A deadline that expires while the app reads
//!   is answered by the driver itself, with the same page.
//! - **How the connection ended** is not visible from outside the driver; it
//!   is derived from what is: [`End::TimedOut`] when the client stayed silent
//!   ([`Setup::wait_at_end`]) and the virtual clock moved (only a sleep on a
//!   deadline moves it, and only a silent client makes the driver sleep);
//!   [`End::Eof`] when the driver read the end of the input; otherwise the
//!   driver closed on its own: [`End::Closed`] after a response that
//!   announced it (or none), [`End::DrainClosed`] after one that did not (the
//!   only such close the protocol allows is while draining an unread body).
//!   These are the reference's ends wherever both can be told apart; the
//!   tests compare them with [`Transcript::same_outcome`], which already lets
//!   `Eof` and `Closed` stand for each other after a closing response.
//! - **Which answers are for HEAD requests** the driver does not report: the
//!   apps record it as they answer, and an error page the driver writes for a
//!   refused head counts as no HEAD's (the reference records it so).
//!
//! [`Connection::encode_error`]: lamina::h1::Connection::encode_error

use std::sync::Mutex;

use core::future::Future;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use embedded_io_async::{ErrorType, Read, Write};
use lamina::Error;
use lamina::app::{App as LaminaApp, Chain, Flow, Request, Response};
use lamina::h1::{DEFAULT_MAX_HEADERS, reason_phrase};
use lamina::serve::memory::{AtEnd, MemoryIo, OutputFull, VirtualClock};
use lamina::serve::{Buffers, Clock, NoShutdown, serve_with};
use lamina::time::Instant;

use crate::exchange::{App, End, Setup, Transcript};
use crate::{client, escape};

/// The write buffer: large enough that no test response outgrows it, so a
/// streamed response is framed exactly as the app flushed it.
const WRITE_BUFFER: usize = 16 * 1024;

/// The strict client's complaint about a response nobody recorded.
const UNACCOUNTED: &str = "a response the server did not account for";

/// Runs one connection over `input`, delivered in pieces of the given sizes
/// (the last size repeats; an empty list means one piece), through the real
/// driver. Same signature and meaning as [`exchange::run`](crate::exchange::run).
pub fn run(input: &[u8], pieces: &[usize], setup: &Setup) -> Transcript {
    let limit = setup.body_limit;
    // Whether each app answer is for a HEAD request, in order.
    let heads = Mutex::new(Vec::new());
    let heads = &heads;
    let answer = |req: &Request<'_>| heads.lock().expect("not poisoned").push(req.method() == "HEAD");
    let run = match setup.app {
        App::Echo | App::Stream => {
            let stream = setup.app == App::Stream;
            let app = LaminaApp::new().with_fn(async move |req: &mut Request<'_>, res: &mut Response<'_>| {
                set_limit(req, limit);
                let body = match read_all(req).await {
                    Ok(body) => body,
                    Err(e) => {
                        answer(req);
                        return refuse(res, e).await;
                    }
                };
                let text = echo_text(req, &body);
                answer(req);
                res.set_header("Content-Type", b"text/plain")?;
                if !stream {
                    res.end(text.as_bytes()).await?;
                    return Ok(Flow::Done);
                }
                // Two pieces, each flushed: two chunks, as the reference frames them.
                let (a, b) = text.as_bytes().split_at(text.len() / 2);
                for piece in [a, b] {
                    res.write(piece).await?;
                    res.flush().await?;
                }
                res.end(b"").await?;
                Ok(Flow::Done)
            });
            run_app(input, pieces, setup, &app)
        }
        App::IgnoreBody => {
            let app = LaminaApp::new().with_fn(async move |req: &mut Request<'_>, res: &mut Response<'_>| {
                set_limit(req, limit);
                let text = echo_text(req, &[]);
                answer(req);
                res.set_header("Content-Type", b"text/plain")?;
                res.end(text.as_bytes()).await?;
                Ok(Flow::Done)
            });
            run_app(input, pieces, setup, &app)
        }
        App::Fail => {
            let app = LaminaApp::new().with_fn(async move |req: &mut Request<'_>, res: &mut Response<'_>| {
                set_limit(req, limit);
                answer(req);
                res.set_status(500).set_header("Content-Type", b"text/plain")?;
                res.end("Internal Server Error".as_bytes()).await?;
                Ok(Flow::Done)
            });
            run_app(input, pieces, setup, &app)
        }
    };
    let heads = heads.lock().expect("not poisoned").clone();
    transcript(run, heads, setup)
}

fn set_limit(req: &mut Request<'_>, limit: Option<u64>) {
    if let Some(limit) = limit {
        req.set_body_limit(limit);
    }
}

/// The whole body, read in pieces as an app would.
async fn read_all(req: &mut Request<'_>) -> Result<Vec<u8>, Error> {
    let mut body = Vec::new();
    let mut buf = [0u8; 256];
    loop {
        match req.read_body(&mut buf).await? {
            0 => return Ok(body),
            n => body.extend_from_slice(&buf[..n]),
        }
    }
}

/// `METHOD TARGET[ body=<escaped>]`, the reference's echo.
fn echo_text(req: &Request<'_>, body: &[u8]) -> String {
    let mut text = format!("{} {}", req.method(), req.original_url());
    if !body.is_empty() {
        text.push_str(" body=");
        text.push_str(&escape(body));
    }
    text
}

/// Answers a body error as the reference does: with the bytes of
/// `Connection::encode_error` (see the module docs).
async fn refuse(res: &mut Response<'_>, e: Error) -> Result<Flow, Error> {
    let status = e.status();
    res.set_status(status).set_header("Content-Type", b"text/plain; charset=utf-8")?;
    res.set_header("Connection", b"close")?;
    res.end(reason_phrase(status).as_bytes()).await?;
    Ok(Flow::Done)
}

/// The smallest read buffer whose head share (`len - len / 8`, the driver's
/// rule) is `head_len`.
pub fn read_buffer_len(head_len: usize) -> usize {
    // `len - len / 8` never decreases and grows by at most one per step.
    (head_len..).find(|len| len - len / 8 >= head_len).unwrap_or(head_len)
}

/// What the driver did, as seen from outside.
struct Run {
    output: Vec<u8>,
    /// A read returned the end of the input.
    eof_read: bool,
    /// The virtual clock moved: something slept until a deadline.
    clock_moved: bool,
}

fn run_app<C: Chain>(input: &[u8], pieces: &[usize], setup: &Setup, app: &LaminaApp<C>) -> Run {
    let mut out = vec![0u8; 4096 + input.len() * 8];
    let mut read = vec![0u8; read_buffer_len(setup.buffer_len)];
    let mut write = vec![0u8; WRITE_BUFFER];
    let mut headers = [0u8; 256];
    let buffers = Buffers { read: &mut read, write: &mut write, headers: &mut headers };
    let at_end = if setup.wait_at_end { AtEnd::Hang } else { AtEnd::Eof };
    let mut io = Observed { io: MemoryIo::new(input, &mut out).pieces(pieces).at_end(at_end), eof_read: false };
    let clock = VirtualClock::new();
    let config = setup.config;
    let served = match setup.max_headers {
        4 => block_on(serve_with::<_, _, _, _, _, 4>(&mut io, None, &clock, app, buffers, config, &NoShutdown)),
        _ => block_on(serve_with::<_, _, _, _, _, DEFAULT_MAX_HEADERS>(
            &mut io,
            None,
            &clock,
            app,
            buffers,
            config,
            &NoShutdown,
        )),
    };
    served.expect("the test output buffer is large enough");
    Run { output: io.io.written().to_vec(), eof_read: io.eof_read, clock_moved: clock.now() != Instant::ZERO }
}

/// The transcript of a run whose apps answered for HEAD requests as
/// `heads` says (see the module docs for how the end is derived).
fn transcript(run: Run, heads: Vec<bool>, setup: &Setup) -> Transcript {
    let mut t = Transcript { output: run.output, head_requests: heads, end: End::Eof };
    // The driver answers a refused head itself, after the app's answers; the
    // connection never parsed that request, so it is no HEAD's (as the
    // reference records it).
    if client::check(&t).is_err_and(|e| e == UNACCOUNTED) {
        t.head_requests.push(false);
    }
    let announced = client::check(&t).ok().and_then(|r| r.last().map(|r| r.close || r.status < 200)).unwrap_or(true);
    t.end = if setup.wait_at_end && run.clock_moved {
        End::TimedOut
    } else if run.eof_read {
        End::Eof
    } else if announced {
        End::Closed
    } else {
        End::DrainClosed
    };
    t
}

/// A [`MemoryIo`] that notes when the driver read the end of the input.
struct Observed<'a> {
    io: MemoryIo<'a>,
    eof_read: bool,
}

impl ErrorType for Observed<'_> {
    type Error = OutputFull;
}

impl Read for Observed<'_> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, OutputFull> {
        let n = self.io.read(buf).await?;
        self.eof_read |= n == 0 && !buf.is_empty();
        Ok(n)
    }
}

impl Write for Observed<'_> {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, OutputFull> {
        self.io.write(buf).await
    }

    async fn flush(&mut self) -> Result<(), OutputFull> {
        self.io.flush().await
    }
}

/// Polls the connection to completion; a driver that makes no progress in a
/// million polls is stuck, and the test says so instead of spinning forever.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..1_000_000 {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
    panic!("the driver is stuck: a million polls without completing")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_read_buffer_gives_heads_exactly_the_reference_buffer() {
        for head_len in 1..5000 {
            let len = read_buffer_len(head_len);
            assert_eq!(len - len / 8, head_len, "{len}");
            assert!(len == 1 || (len - 1) - (len - 1) / 8 < head_len, "{len} is not the smallest");
        }
    }

    #[test]
    fn a_vector_like_exchange_matches_the_reference() {
        let input = b"PUT /up HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok";
        for app in [App::Echo, App::Stream, App::IgnoreBody, App::Fail] {
            let setup = Setup { app, ..Setup::default() };
            for pieces in [&[][..], &[1], &[3, 50]] {
                let real = run(input, pieces, &setup);
                let reference = crate::exchange::run(input, pieces, &setup);
                assert_eq!(real, reference, "{app:?} {pieces:?}");
            }
        }
    }
}
