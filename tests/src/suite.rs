//! The adapter conformance suite: one set of client-side cases, run by every
//! adapter's tests over its real sockets (tokio and smol on 127.0.0.1, embassy
//! between two in-process embassy-net stacks).
//!
//! An adapter's test starts a server and hands the suite a [`Transport`] that
//! opens connections to it. [`demo`] expects the server to serve
//! [`lamina_demo::app()`] with [`config()`]; [`conformance()`] sends one
//! conformance case's request to a server of that case's app. The client is
//! raw bytes in, the strict [`client`](crate::client) parser out, so every
//! framing rule is checked on the bytes the adapter really sent.

use core::future::Future;

use embedded_io_async::{Read, Write};
use lamina::h1::Config;
use lamina::time::Duration;

use crate::client::{Response, parse_response};
use lamina::app::App;

use crate::conformance::{self, Case, Expect, connect};

/// Opens connections to the server under test.
pub trait Transport {
    /// A client connection.
    type Conn: Read + Write;
    /// Connects (retrying a refused connect is the transport's job).
    fn connect(&self) -> impl Future<Output = Self::Conn>;
    /// Waits `ms` milliseconds of the server's clock.
    fn sleep(&self, ms: u64) -> impl Future<Output = ()>;
    /// Closes a connection.
    fn close(&self, conn: Self::Conn) -> impl Future<Output = ()>;
}

/// The header-read, body-read and idle timeouts of [`config()`], in ms.
pub const TIMEOUT_MS: u64 = 400;

/// The server configuration [`demo`] expects: short timeouts, so that the
/// timeout cases end quickly on real time.
pub const fn config() -> Config {
    let t = Duration::from_millis(TIMEOUT_MS);
    Config::new().header_read_timeout(t).body_read_timeout(t).idle_timeout(t).write_timeout(Duration::from_secs(5))
}

/// A client connection with what it has read and not used yet.
struct Client<C> {
    conn: C,
    pending: Vec<u8>,
    eof: bool,
}

impl<C: Read + Write> Client<C> {
    fn new(conn: C) -> Self {
        Self { conn, pending: Vec::new(), eof: false }
    }

    async fn send(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.conn.write_all(bytes).await.map_err(|e| format!("write: {e:?}"))?;
        self.conn.flush().await.map_err(|e| format!("flush: {e:?}"))
    }

    /// Reads more bytes; `false` at end of stream.
    async fn fill(&mut self) -> Result<bool, String> {
        let mut buf = [0u8; 4096];
        match self.conn.read(&mut buf).await {
            Ok(0) => {
                self.eof = true;
                Ok(false)
            }
            Ok(n) => {
                self.pending.extend_from_slice(&buf[..n]);
                Ok(true)
            }
            // A reset after the server closed counts as the end.
            Err(_) if self.eof => Ok(false),
            Err(e) => Err(format!("read: {e:?}")),
        }
    }

    /// The next response (an interim one included).
    async fn response(&mut self, is_head: bool) -> Result<Response, String> {
        loop {
            if let Ok((response, used)) = parse_response(&self.pending, is_head) {
                // A close-delimited body is complete only at the end.
                let delimited_by_close = response.close
                    && response.header("content-length").is_none()
                    && response.header("transfer-encoding").is_none();
                if !delimited_by_close || self.eof {
                    self.pending.drain(..used);
                    return Ok(response);
                }
            }
            if !self.fill().await? {
                return parse_response(&self.pending, is_head).map(|(r, _)| r);
            }
        }
    }

    /// Reads everything until the server closes.
    async fn read_to_end(&mut self) -> Result<(), String> {
        while self.fill().await? {}
        Ok(())
    }

    /// Reads until the server closes; `Err` if it sends anything more.
    async fn expect_close(&mut self) -> Result<(), String> {
        while self.fill().await? {}
        if self.pending.is_empty() {
            Ok(())
        } else {
            Err(format!("bytes before the close: {}", crate::escape(&self.pending)))
        }
    }
}

fn expect(what: &str, ok: bool, detail: impl core::fmt::Debug) -> Result<(), String> {
    if ok { Ok(()) } else { Err(format!("{what}: got {detail:?}")) }
}

fn text(r: &Response) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

async fn get<C: Read + Write>(c: &mut Client<C>, path: &str) -> Result<Response, String> {
    c.send(format!("GET {path} HTTP/1.1\r\nHost: suite\r\n\r\n").as_bytes()).await?;
    c.response(false).await
}

/// Every case of the suite, by name.
pub const DEMO_CASES: &[&str] = &[
    "status and headers",
    "not found",
    "error middleware",
    "head",
    "upload with a length",
    "echoed body",
    "chunked upload",
    "keep-alive",
    "pipelining",
    "100-continue",
    "connection close",
    "bad request",
    "header-read timeout",
    "idle timeout",
];

/// Runs every case of [`DEMO_CASES`] against a server of
/// [`lamina_demo::app()`] with [`config()`]; returns the failures as
/// `case: why`.
pub async fn demo<T: Transport>(t: &T) -> Vec<String> {
    let mut failures = Vec::new();
    for &name in DEMO_CASES {
        let mut client = Client::new(t.connect().await);
        let result = demo_case(name, t, &mut client).await;
        t.close(client.conn).await;
        if let Err(e) = result {
            failures.push(format!("{name}: {e}"));
        }
    }
    failures
}

async fn demo_case<T: Transport>(name: &str, t: &T, c: &mut Client<T::Conn>) -> Result<(), String> {
    match name {
        "status and headers" => {
            let r = get(c, "/hello").await?;
            expect("status", r.status == 200, r.status)?;
            expect("X-Powered-By", r.header("x-powered-by") == Some(b"lamina"), r.header("x-powered-by"))?;
            expect("Content-Type", r.header("content-type") == Some(b"text/plain; charset=utf-8"), &r.headers)?;
            expect("body", r.body == b"hello from lamina\n", text(&r))
        }
        "not found" => {
            let r = get(c, "/nope?x=1").await?;
            expect("status", r.status == 404, r.status)?;
            expect("body", text(&r).contains("Cannot GET /nope</pre>"), text(&r))
        }
        "error middleware" => {
            let r = get(c, "/boom").await?;
            expect("status", r.status == 500, r.status)?;
            expect("body", r.body == b"demo error: the demo failed on purpose", text(&r))
        }
        "head" => {
            c.send(b"HEAD /hello HTTP/1.1\r\nHost: suite\r\n\r\n").await?;
            let r = c.response(true).await?;
            expect("status", r.status == 200, r.status)?;
            expect("Content-Length", r.header("content-length") == Some(b"18"), &r.headers)?;
            // No body came: the next response follows at once.
            let r = get(c, "/hello").await?;
            expect("the GET after it", r.body == b"hello from lamina\n", text(&r))
        }
        "upload with a length" => {
            let body = vec![b'u'; 100_000];
            c.send(format!("POST /size HTTP/1.1\r\nHost: suite\r\nContent-Length: {}\r\n\r\n", body.len()).as_bytes())
                .await?;
            for piece in body.chunks(3000) {
                c.send(piece).await?;
            }
            let r = c.response(false).await?;
            expect("status", r.status == 200 && !r.close, (r.status, r.close))?;
            expect("bytes the app read", r.body == b"100000 bytes", text(&r))?;
            // Still usable: the whole body was consumed.
            let r = get(c, "/hello").await?;
            expect("the request after it", r.status == 200, r.status)
        }
        "echoed body" => {
            // Small enough that the response, streamed while the body still
            // arrives, fits in the socket buffers of a small device: this
            // client writes the whole body before it reads.
            let body: Vec<u8> = (0..3000u32).map(|i| b'a' + (i % 26) as u8).collect();
            c.send(format!("POST /echo HTTP/1.1\r\nHost: suite\r\nContent-Length: {}\r\n\r\n", body.len()).as_bytes())
                .await?;
            for piece in body.chunks(1000) {
                c.send(piece).await?;
            }
            let r = c.response(false).await?;
            expect("status", r.status == 200, r.status)?;
            expect("echoed body", r.body == body, r.body.len())
        }
        "chunked upload" => {
            c.send(b"POST /echo HTTP/1.1\r\nHost: suite\r\nTransfer-Encoding: chunked\r\nContent-Type: text/x-suite\r\n\r\n")
                .await?;
            for piece in [&b"5\r\nhello\r\n"[..], b"1;ext=1\r\n \r\n", b"5\r\nworld\r\n0\r\n\r\n"] {
                c.send(piece).await?;
                t.sleep(5).await;
            }
            let r = c.response(false).await?;
            expect("Content-Type", r.header("content-type") == Some(b"text/x-suite"), &r.headers)?;
            expect("echoed body", r.body == b"hello world", text(&r))
        }
        "keep-alive" => {
            for i in 0..3 {
                let r = get(c, "/hello").await?;
                expect(&format!("request {i}"), r.status == 200 && !r.close, (r.status, r.close))?;
            }
            Ok(())
        }
        "pipelining" => {
            c.send(
                b"GET /hello HTTP/1.1\r\nHost: suite\r\n\r\n\
                  POST /echo HTTP/1.1\r\nHost: suite\r\nContent-Length: 3\r\n\r\nabc\
                  GET /missing HTTP/1.1\r\nHost: suite\r\n\r\n",
            )
            .await?;
            let (a, b, d) = (c.response(false).await?, c.response(false).await?, c.response(false).await?);
            expect(
                "statuses in order",
                (a.status, b.status, d.status) == (200, 200, 404),
                (a.status, b.status, d.status),
            )?;
            expect("the middle body", b.body == b"abc", text(&b))
        }
        "100-continue" => {
            c.send(b"POST /echo HTTP/1.1\r\nHost: suite\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n").await?;
            let interim = c.response(false).await?;
            expect("interim status", interim.status == 100, interim.status)?;
            c.send(b"12345").await?;
            let r = c.response(false).await?;
            expect("final", r.status == 200 && r.body == b"12345", (r.status, text(&r)))
        }
        "connection close" => {
            c.send(b"GET /hello HTTP/1.1\r\nHost: suite\r\nConnection: close\r\n\r\n").await?;
            let r = c.response(false).await?;
            expect("Connection: close", r.close, &r.headers)?;
            c.expect_close().await
        }
        "bad request" => {
            c.send(b"GET / HTTP/1.1\r\nHost: suite\r\nNo colon here\r\n\r\n").await?;
            let r = c.response(false).await?;
            expect("status", r.status == 400 && r.close, (r.status, r.close))?;
            c.expect_close().await
        }
        "header-read timeout" => {
            // Half a head, then silence: the server answers 408 or just
            // closes (RFC 9110 lets it), at its header deadline.
            c.send(b"GET /hello HTTP/1.1\r\nHo").await?;
            if c.fill().await? {
                let r = c.response(false).await?;
                expect("status", r.status == 408, r.status)?;
                c.expect_close().await?;
            }
            Ok(())
        }
        "idle timeout" => {
            let r = get(c, "/hello").await?;
            expect("status", r.status == 200, r.status)?;
            // Nothing more is sent: the server closes at its idle deadline.
            c.expect_close().await
        }
        other => Err(format!("no case named {other:?}")),
    }
}

/// Sends `case`'s request to a server of its app (built with
/// [`conformance::connect::build_root`]) and compares the answer with
/// `expect`.
pub async fn conformance<T: Transport>(t: &T, case: &Case, expect: &Expect) -> Result<(), String> {
    let mut client = Client::new(t.connect().await);
    // `Connection: close` was asked for: the answer ends with the connection.
    let read = match client.send(&conformance::wire_request(&case.request)).await {
        Ok(()) => client.read_to_end().await,
        Err(e) => Err(e),
    };
    t.close(client.conn).await;
    read?;
    let got = conformance::observe(client.pending, case.request.method == "HEAD")?;
    let diffs = conformance::compare(expect, &got);
    if diffs.is_empty() { Ok(()) } else { Err(format!("{}: {}", case.id, diffs.join("; "))) }
}

/// Runs every selected Connect conformance case (`shared/conformance/`, see
/// [`conformance::select`]) through `serve_case`, which serves the case's
/// app and runs [`conformance()`] against it; panics listing the failures.
/// Runs on a thread with a 16 MiB stack: nested conformance apps need more
/// than a test thread has, unoptimized (see `tests/conformance.rs`).
pub fn check_conformance_cases<F>(serve_case: F)
where
    F: Fn(App<connect::Slots>, &Case, &Expect) -> Result<(), String> + Send,
{
    let (ran, failures) = std::thread::scope(|scope| {
        let thread = std::thread::Builder::new().stack_size(16 << 20).spawn_scoped(scope, move || {
            let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance");
            let selected = conformance::select(&shared).expect("shared/conformance");
            let mut failures = Vec::new();
            let mut ran = 0;
            for (case, expect) in selected.all() {
                let app = connect::build_root(&case.app, &Default::default()).expect("a Connect app");
                ran += 1;
                if let Err(e) = serve_case(app, case, expect) {
                    failures.push(e);
                }
            }
            (ran, failures)
        });
        thread.expect("a thread").join().expect("no panic")
    });
    assert!(ran >= 70, "only {ran} cases ran");
    assert!(failures.is_empty(), "{} of {ran} failing:\n{}", failures.len(), failures.join("\n"));
}
