//! The checks the client stack runs against the demo app, one printed line
//! each. Requests are written out as bytes; responses are compared byte for
//! byte (status line, `X-Powered-By`, bodies).

use cortex_m_semihosting::hprintln;
use embassy_futures::join::join;
use embassy_net::{IpEndpoint, Ipv4Address, Stack};

use crate::client::{Conn, ConnBuffers, Fail, Response};

/// Client buffer size (socket rx, tx and the inbound buffer): room for the
/// whole echoed body in flight.
const BUF: usize = 4096;
/// The echo check's body length.
const ECHO_LEN: usize = 3 * 1024;

/// How many checks passed and failed.
#[derive(Default)]
pub struct Tally {
    pub passed: u32,
    pub failed: u32,
}

impl Tally {
    fn record(&mut self, name: &str, result: Result<(), Fail>) {
        match result {
            Ok(()) => {
                self.passed += 1;
                hprintln!("ok   {}", name);
            }
            Err(why) => {
                self.failed += 1;
                hprintln!("FAIL {}: {}", name, why);
            }
        }
    }
}

/// Buffers of the checks, borrowed one check at a time.
struct Bench {
    stack: Stack<'static>,
    server: IpEndpoint,
    conns: [ConnBuffers<BUF>; 2],
    bodies: [[u8; BUF]; 2],
}

/// Runs every check against the server at `server`:80.
pub async fn run(stack: Stack<'static>, server: Ipv4Address) -> Tally {
    let mut bench = Bench {
        stack,
        server: IpEndpoint::new(server.into(), 80),
        conns: [const { ConnBuffers::new() }; 2],
        bodies: [[0; BUF]; 2],
    };
    let mut tally = Tally::default();
    tally.record("GET /hello: 200, X-Powered-By, body", hello(&mut bench).await);
    tally.record("POST /echo with a 3 KiB body: echoed byte for byte", echo(&mut bench).await);
    tally.record("GET /boom: 500 and the error page", boom(&mut bench).await);
    tally.record("GET /nope: 404", nope(&mut bench).await);
    tally.record("three keep-alive requests on one connection", keep_alive(&mut bench).await);
    tally.record("two connections at once", two_at_once(&mut bench).await);
    tally
}

async fn hello(b: &mut Bench) -> Result<(), Fail> {
    let [conn, _] = &mut b.conns;
    let [body, _] = &mut b.bodies;
    let mut c = Conn::connect(b.stack, conn, b.server).await?;
    c.send(b"GET /hello HTTP/1.1\r\nHost: 10.0.0.1\r\n\r\n").await?;
    let r = c.response(body).await?;
    expect_hello(&r, body)?;
    expect(r.header("content-type") == Some(b"text/plain; charset=utf-8"), "Content-Type is not text/plain")?;
    c.close().await
}

async fn echo(b: &mut Bench) -> Result<(), Fail> {
    let [conn, _] = &mut b.conns;
    let [sent, got] = &mut b.bodies;
    let sent = &mut sent[..ECHO_LEN];
    for (i, byte) in sent.iter_mut().enumerate() {
        *byte = b'a' + (i % 26) as u8;
    }
    let mut c = Conn::connect(b.stack, conn, b.server).await?;
    let head = b"POST /echo HTTP/1.1\r\nHost: 10.0.0.1\r\nContent-Type: application/x-lamina-test\r\n\
Content-Length: 3072\r\n\r\n";
    let r = c.exchange(head, sent, got).await?;
    status(&r, b"HTTP/1.1 200 OK")?;
    powered(&r)?;
    expect(r.header("content-type") == Some(b"application/x-lamina-test"), "Content-Type not echoed")?;
    expect(r.body_len == ECHO_LEN, "echoed body has the wrong length")?;
    expect(got[..ECHO_LEN] == *sent, "echoed body differs")?;
    c.close().await
}

async fn boom(b: &mut Bench) -> Result<(), Fail> {
    let [conn, _] = &mut b.conns;
    let [body, _] = &mut b.bodies;
    let mut c = Conn::connect(b.stack, conn, b.server).await?;
    c.send(b"GET /boom HTTP/1.1\r\nHost: 10.0.0.1\r\n\r\n").await?;
    let r = c.response(body).await?;
    status(&r, b"HTTP/1.1 500 Internal Server Error")?;
    powered(&r)?;
    expect(body[..r.body_len] == *b"demo error: the demo failed on purpose", "error page body differs")?;
    c.close().await
}

async fn nope(b: &mut Bench) -> Result<(), Fail> {
    let [conn, _] = &mut b.conns;
    let [body, _] = &mut b.bodies;
    let mut c = Conn::connect(b.stack, conn, b.server).await?;
    c.send(b"GET /nope HTTP/1.1\r\nHost: 10.0.0.1\r\n\r\n").await?;
    let r = c.response(body).await?;
    status(&r, b"HTTP/1.1 404 Not Found")?;
    powered(&r)?;
    c.close().await
}

async fn keep_alive(b: &mut Bench) -> Result<(), Fail> {
    let [conn, _] = &mut b.conns;
    let [body, _] = &mut b.bodies;
    let mut c = Conn::connect(b.stack, conn, b.server).await?;

    c.send(b"GET /hello HTTP/1.1\r\nHost: 10.0.0.1\r\n\r\n").await?;
    let r = c.response(body).await?;
    expect_hello(&r, body)?;
    kept_alive(&r)?;

    c.send(b"GET /status HTTP/1.1\r\nHost: 10.0.0.1\r\n\r\n").await?;
    let r = c.response(body).await?;
    status(&r, b"HTTP/1.1 200 OK")?;
    powered(&r)?;
    kept_alive(&r)?;
    let text = &body[..r.body_len];
    expect(text.starts_with(b"requests: ") && text.ends_with(b"\n"), "GET /status body is not `requests: N`")?;

    c.send(b"GET / HTTP/1.1\r\nHost: 10.0.0.1\r\n\r\n").await?;
    let r = c.response(body).await?;
    status(&r, b"HTTP/1.1 200 OK")?;
    powered(&r)?;
    expect(body[..r.body_len] == *lamina_demo::INDEX.as_bytes(), "GET / body is not the index page")?;
    c.close().await
}

async fn two_at_once(b: &mut Bench) -> Result<(), Fail> {
    let [conn_a, conn_b] = &mut b.conns;
    let [body_a, body_b] = &mut b.bodies;
    // Both connections are open before either sends a request.
    let mut a = Conn::connect(b.stack, conn_a, b.server).await?;
    let mut b = Conn::connect(b.stack, conn_b, b.server).await?;

    a.send(b"GET /hello HTTP/1.1\r\nHost: 10.0.0.1\r\n\r\n").await?;
    b.send(b"POST /echo HTTP/1.1\r\nHost: 10.0.0.1\r\nContent-Length: 11\r\n\r\ntwo at once").await?;
    let (ra, rb) = join(a.response(body_a), b.response(body_b)).await;
    let (ra, rb) = (ra?, rb?);
    expect_hello(&ra, body_a)?;
    status(&rb, b"HTTP/1.1 200 OK")?;
    powered(&rb)?;
    expect(body_b[..rb.body_len] == *b"two at once", "echo on the second connection differs")?;

    // Both are still served, answered in the opposite order.
    b.send(b"GET /hello HTTP/1.1\r\nHost: 10.0.0.1\r\n\r\n").await?;
    a.send(b"GET /nope HTTP/1.1\r\nHost: 10.0.0.1\r\n\r\n").await?;
    let rb = b.response(body_b).await?;
    let ra = a.response(body_a).await?;
    expect_hello(&rb, body_b)?;
    status(&ra, b"HTTP/1.1 404 Not Found")?;

    let (closed_a, closed_b) = join(a.close(), b.close()).await;
    closed_a.and(closed_b)
}

fn expect(ok: bool, why: Fail) -> Result<(), Fail> {
    if ok { Ok(()) } else { Err(why) }
}

/// The status line is exactly `line`; prints what it was otherwise.
fn status(r: &Response, line: &[u8]) -> Result<(), Fail> {
    if r.status_line() == line {
        return Ok(());
    }
    hprintln!("     got status line {:?}", core::str::from_utf8(r.status_line()).unwrap_or("(not UTF-8)"));
    Err("unexpected status line")
}

fn powered(r: &Response) -> Result<(), Fail> {
    expect(r.header("x-powered-by") == Some(b"lamina"), "no `X-Powered-By: lamina`")
}

fn kept_alive(r: &Response) -> Result<(), Fail> {
    expect(r.header("connection").is_none_or(|v| !v.eq_ignore_ascii_case(b"close")), "server closes the connection")
}

fn expect_hello(r: &Response, body: &[u8]) -> Result<(), Fail> {
    status(r, b"HTTP/1.1 200 OK")?;
    powered(r)?;
    expect(body[..r.body_len] == *b"hello from lamina\n", "body is not `hello from lamina\\n`")
}
