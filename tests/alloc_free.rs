//! Zero heap allocations for whole request/response cycles: a counting global
//! allocator watches this thread while a 10-layer app serves a keep-alive
//! connection over the in-memory driver (a GET, a POST with a chunked body
//! read by the app, a streamed response, a mounted sub-app, a routed request
//! with a parameter, a `param` callback, a typed query, a request cookie, a
//! `Set-Cookie` and a JSON body, an error page and a 404).
//!
//! One test per binary: the allocator is global, and counts every thread.

use lamina::Error;
use lamina::app::{App, Continuation, Flow, Middleware, Next, Request, Response};
use lamina::h1::Config;
use lamina::http::cookie::{self, CookieOptions};
use lamina::serve::memory::{MemoryIo, VirtualClock, block_on};
use lamina::serve::{ConnectionBuffers, serve};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[derive(serde::Deserialize)]
struct Query<'a> {
    tab: &'a str,
}

#[derive(serde::Serialize)]
struct User<'a> {
    id: u32,
    tab: &'a str,
    sid: &'a str,
}

#[global_allocator]
static GLOBAL: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

/// Counts heap allocations (and reallocations) while `f` runs.
fn allocations_in<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let region = Region::new(GLOBAL);
    let r = f();
    let change = region.change();
    (r, change.allocations + change.reallocations)
}

/// An onion layer: adds a header before the head is written.
struct Stamp;

impl Middleware for Stamp {
    async fn handle<K: Continuation>(
        &self,
        req: &mut Request<'_>,
        res: &mut Response<'_>,
        next: Next<'_, K>,
    ) -> Result<(), Error> {
        res.on_head(|res, _| drop(res.set_header("X-Stamp", b"1")), 0)?;
        next.run(req, res).await
    }
}

#[test]
fn a_keep_alive_connection_through_ten_layers_allocates_nothing() {
    let api = App::new()
        .with_fn(async |req, res| {
            let mut buf = [0u8; 64];
            let body = req.read_to_end(&mut buf).await?;
            res.set_header("Content-Type", b"text/plain")?;
            res.write(b"got ").await?;
            res.end(body).await?;
            Ok(Flow::Done)
        })
        .catch(async |e: Error, _req, res| {
            res.set_status(e.status()).send(e.message()).await?;
            Ok(Flow::Done)
        });
    let app = App::new()
        .with(Stamp)
        .with_fn(async |_req, res| {
            res.set_header("X-Powered-By", b"lamina")?;
            Ok(Flow::Next)
        })
        .with_fn(async |req, _res| {
            core::hint::black_box(req.header("host"));
            Ok(Flow::Next)
        })
        .mount("/api", api)
        .mount_fn("/stream", async |_req, res| {
            for piece in [&b"one "[..], b"two ", b"three"] {
                res.write(piece).await?;
                res.flush().await?;
            }
            res.end(b"").await?;
            Ok(Flow::Done)
        })
        .mount_fn("/fail", async |_req, _res| Err(Error::new("broken").with_status(503)))
        .with_fn(async |_req, _res| Ok(Flow::Next))
        .param("id", async |_req, _res, id| {
            core::hint::black_box(id.raw());
            Ok(Flow::Next)
        })
        .get("/user/:id", async |req, res| {
            let id: u32 = req.param("id").ok_or(Error::new("no id"))?.parse()?;
            let mut scratch = [0u8; 32];
            let query: Query<'_> = req.query_as(&mut scratch)?;
            let sid = req.get("Cookie").and_then(|c| cookie::find(c.as_bytes(), "sid")).unwrap_or("");
            res.cookie("seen", "1", &CookieOptions::new())?;
            res.json(&User { id, tab: query.tab, sid }).await?;
            Ok(Flow::Done)
        })
        .with_fn(async |req, res| {
            if req.path() == "/" {
                res.send("home").await?;
                return Ok(Flow::Done);
            }
            Ok(Flow::Next)
        })
        .catch(async |e: Error, _req, _res| Err(e))
        .with_fn(async |_req, _res| Ok(Flow::Next));

    let input = b"GET / HTTP/1.1\r\nHost: device.local\r\n\r\n\
        POST /api/echo HTTP/1.1\r\nHost: device.local\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n\
        GET /stream HTTP/1.1\r\nHost: device.local\r\n\r\n\
        GET /user/42?tab=wifi%20setup HTTP/1.1\r\nHost: device.local\r\nCookie: sid=abc\r\n\r\n\
        GET /fail HTTP/1.1\r\nHost: device.local\r\n\r\n\
        GET /nothing HTTP/1.1\r\nHost: device.local\r\nConnection: close\r\n\r\n";
    let mut out = [0u8; 8192];
    let mut bufs = ConnectionBuffers::<1024, 512, 256>::new();
    let clock = VirtualClock::new();
    let mut io = MemoryIo::new(input, &mut out).pieces(&[7, 100, 3, 1000]);
    let (result, allocations) =
        allocations_in(|| block_on(serve(&mut io, &clock, &app, bufs.buffers(), Config::new())));
    result.expect("the connection is served");
    let written = String::from_utf8_lossy(io.written()).into_owned();
    // The cycle really happened: five answers, each through the layers.
    assert_eq!(written.matches("HTTP/1.1 ").count(), 6, "{written}");
    for part in [
        "Set-Cookie: seen=1; Path=/",
        "{\"id\":42,\"tab\":\"wifi setup\",\"sid\":\"abc\"}",
        "\r\n\r\nhome",
        "got hello",
        "5\r\nthree\r\n0\r\n\r\n",
        "HTTP/1.1 503",
        "HTTP/1.1 404",
        "X-Stamp: 1",
    ] {
        assert!(written.contains(part), "{part:?} missing from {written}");
    }
    assert_eq!(allocations, 0, "heap allocations while serving");
}
