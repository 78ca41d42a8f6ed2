//! The connection driver's own behaviour, beyond the wire vectors: hooks,
//! streaming, errors after the head went out, write deadlines, what an app
//! reading a body sees, and graceful shutdown.

use core::future::pending;
use core::task::Poll;

use lamina::Error;
use lamina::app::{App, Flow, Request, Response};
use lamina::h1::Config;
use lamina::serve::memory::{AtEnd, MemoryIo, OutputFull, VirtualClock, block_on, exchange};
use lamina::serve::{Clock, ConnectionBuffers, serve, serve_until};
use lamina::time::Duration;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn hooks_see_the_head_before_it_is_written_and_the_response_after() {
    static FINISHED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    fn stamp(res: &mut Response<'_>, started: u64) {
        let elapsed = res.now().as_micros() - started;
        let _ = res.set_header("X-Response-Time", format!("{elapsed}us").as_bytes());
    }
    fn log(req: &Request<'_>, res: &Response<'_>, _: u64) {
        FINISHED.lock().unwrap().push(format!(
            "{} {} {} {}",
            req.method(),
            req.original_url(),
            res.status(),
            res.body_bytes()
        ));
    }
    let app = App::new()
        .with_fn(async |req, res| {
            res.on_head(stamp, req.now().as_micros())?;
            res.on_finish(log, 0)?;
            Ok(Flow::Next)
        })
        .mount_fn("/hello", async |_req, res| {
            res.end("hi".as_bytes()).await?;
            Ok(Flow::Done)
        });
    let out = text(&exchange(
        &app,
        b"GET /hello HTTP/1.1\r\nHost: a\r\n\r\nGET /missing HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    ));
    assert_eq!(out.matches("X-Response-Time: 0us\r\n").count(), 2, "{out}");
    // The 404 is the final handler's: the logger sees it, as on-finished would.
    assert_eq!(*FINISHED.lock().unwrap(), ["GET /hello 200 2", "GET /missing 404 146"]);
}

#[test]
fn a_response_larger_than_the_buffer_streams_chunked_or_with_its_length() {
    let big = [b'x'; 5000];
    let app = App::new()
        .mount_fn("/chunked", async |_req, res| {
            for piece in big.chunks(700) {
                res.write(piece).await?;
            }
            res.end(b"").await?;
            Ok(Flow::Done)
        })
        .mount_fn("/known", async |_req, res| {
            res.end(&big[..]).await?;
            Ok(Flow::Done)
        });
    let chunked = text(&exchange(&app, b"GET /chunked HTTP/1.1\r\nHost: a\r\n\r\n"));
    let known = text(&exchange(&app, b"GET /known HTTP/1.1\r\nHost: a\r\n\r\n"));
    assert!(chunked.contains("Transfer-Encoding: chunked\r\n") && chunked.ends_with("\r\n0\r\n\r\n"), "{chunked}");
    let body = decode_chunked(chunked.split_once("\r\n\r\n").unwrap().1);
    assert_eq!(body, "x".repeat(5000));
    assert!(known.starts_with("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n"), "{known}");
    assert_eq!(known.split_once("\r\n\r\n").unwrap().1.len(), 5000);
}

fn decode_chunked(mut s: &str) -> String {
    let mut body = String::new();
    loop {
        let (size, rest) = s.split_once("\r\n").expect("size line");
        let size = usize::from_str_radix(size, 16).expect("hex size");
        if size == 0 {
            return body;
        }
        body.push_str(&rest[..size]);
        s = &rest[size + 2..];
    }
}

#[test]
fn an_error_after_the_head_went_out_closes_the_connection() {
    let app = App::new().with_fn(async |_req, res| {
        res.write(b"partial").await?;
        res.flush().await?;
        Err(Error::new("broken midway"))
    });
    let out = text(&exchange(&app, b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"));
    // One head, the chunk sent, no last chunk, no error page, no second answer.
    assert_eq!(out.matches("HTTP/1.1").count(), 1, "{out}");
    assert!(out.ends_with("Transfer-Encoding: chunked\r\n\r\n7\r\npartial\r\n"), "{out}");
}

#[test]
fn body_errors_reach_the_app_with_their_status_and_close_the_connection() {
    let app = App::new()
        .with_fn(async |req, _res| {
            req.set_body_limit(4);
            let mut buf = [0u8; 16];
            req.read_to_end(&mut buf).await?;
            Ok(Flow::Next)
        })
        .catch(async |e: Error, _req, res| {
            res.set_status(e.status()).send(e.message()).await?;
            Ok(Flow::Done)
        });
    let out = text(&exchange(
        &app,
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n9\r\ntoo large\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
    ));
    assert!(out.starts_with("HTTP/1.1 413 Payload Too Large\r\n"), "{out}");
    assert!(out.contains("Connection: close\r\n"), "{out}");
    assert_eq!(out.matches("HTTP/1.1").count(), 1, "{out}");
}

#[test]
fn expect_continue_is_answered_only_when_the_app_reads() {
    let app = App::new()
        .mount_fn("/read", async |req, res| {
            let mut buf = [0u8; 8];
            let body = req.read_to_end(&mut buf).await?;
            res.end(body).await?;
            Ok(Flow::Done)
        })
        .mount_fn("/ignore", async |_req, res| {
            res.set_status(403).send("no").await?;
            Ok(Flow::Done)
        });
    let request = |path: &str| {
        format!(
            "POST {path} HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
        )
    };
    let read = text(&exchange(&app, request("/read").as_bytes()));
    assert!(
        read.starts_with("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n") && read.ends_with("\r\n\r\nok"),
        "{read}"
    );
    let ignored = text(&exchange(&app, request("/ignore").as_bytes()));
    assert!(ignored.starts_with("HTTP/1.1 403 Forbidden\r\n") && !ignored.contains("100 Continue"), "{ignored}");
}

/// A peer that sends a request and then never reads: every write hangs.
struct Stuck<'a> {
    input: MemoryIo<'a>,
}

impl embedded_io_async::ErrorType for Stuck<'_> {
    type Error = OutputFull;
}

impl embedded_io_async::Read for Stuck<'_> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, OutputFull> {
        self.input.read(buf).await
    }
}

impl embedded_io_async::Write for Stuck<'_> {
    async fn write(&mut self, _: &[u8]) -> Result<usize, OutputFull> {
        pending().await
    }

    async fn flush(&mut self) -> Result<(), OutputFull> {
        Ok(())
    }
}

#[test]
fn a_peer_that_does_not_read_meets_the_write_deadline() {
    let app = App::new().with_fn(async |_req, res| {
        res.end("never read".as_bytes()).await?;
        Ok(Flow::Done)
    });
    let mut out = [0u8; 64];
    let mut io = Stuck { input: MemoryIo::new(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", &mut out) };
    let clock = VirtualClock::new();
    let mut bufs = ConnectionBuffers::<512, 512, 256>::new();
    let config = Config::new().write_timeout(Duration::from_secs(7));
    block_on(serve(&mut io, &clock, &app, bufs.buffers(), config)).expect("the driver gives up, it does not fail");
    assert_eq!(clock.now().as_micros(), Duration::from_secs(7).as_micros());
    assert!(io.input.unread().is_empty());
}

/// A shutdown switch for tests: requested once `on` is set.
#[derive(Default)]
struct Switch {
    on: core::sync::atomic::AtomicBool,
}

impl Switch {
    fn set(&self) {
        self.on.store(true, core::sync::atomic::Ordering::SeqCst);
    }
}

impl lamina::serve::Shutdown for Switch {
    fn is_requested(&self) -> bool {
        self.on.load(core::sync::atomic::Ordering::SeqCst)
    }

    async fn requested(&self) {
        core::future::poll_fn(|_| if self.is_requested() { Poll::Ready(()) } else { Poll::Pending }).await;
    }
}

#[test]
fn shutdown_serves_a_new_connections_first_request_with_close_and_nothing_after_it() {
    let app = App::new().with_fn(async |req, res| {
        let target = req.original_url().to_owned();
        res.end(target.as_bytes()).await?;
        Ok(Flow::Done)
    });
    let mut out = [0u8; 512];
    let wire = b"GET /first HTTP/1.1\r\nHost: a\r\n\r\nGET /second HTTP/1.1\r\nHost: a\r\n\r\n";
    let mut io = MemoryIo::new(wire, &mut out).at_end(AtEnd::Hang);
    let clock = VirtualClock::new();
    let mut bufs = ConnectionBuffers::<512, 512, 256>::new();
    let switch = Switch::default();
    switch.set();
    block_on(serve_until(&mut io, None, &clock, &app, bufs.buffers(), Config::new(), &switch)).unwrap();
    let out = text(io.written());
    assert!(out.contains("\r\nConnection: close\r\n"), "{out}");
    assert!(out.ends_with("/first"), "{out}");
    assert_eq!(out.matches("HTTP/1.1 200").count(), 1, "{out}");
    // Closed at once, not at a deadline.
    assert_eq!(clock.now().as_micros(), 0);
}

#[test]
fn shutdown_during_a_request_finishes_it_then_closes_instead_of_waiting_idle() {
    let switch = Switch::default();
    let app = App::new().with_fn(async |_req, res| {
        // The shutdown comes while the app waits for something.
        switch.set();
        let mut waited = false;
        core::future::poll_fn(|_| if core::mem::replace(&mut waited, true) { Poll::Ready(()) } else { Poll::Pending })
            .await;
        res.end("done".as_bytes()).await?;
        Ok(Flow::Done)
    });
    let mut out = [0u8; 512];
    let mut io = MemoryIo::new(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", &mut out).at_end(AtEnd::Hang);
    let clock = VirtualClock::new();
    let mut bufs = ConnectionBuffers::<512, 512, 256>::new();
    block_on(serve_until(&mut io, None, &clock, &app, bufs.buffers(), Config::new(), &switch)).unwrap();
    let out = text(io.written());
    assert!(out.starts_with("HTTP/1.1 200 OK\r\n") && out.ends_with("\r\n\r\ndone"), "{out}");
    // The response started after the shutdown: it announces the close.
    assert!(out.contains("\r\nConnection: close\r\n"), "{out}");
    assert_eq!(clock.now().as_micros(), 0, "closed without waiting for the idle deadline");
}

/// A clock whose sleeps never end: only shutdown can end an idle wait.
struct Frozen;

impl Clock for Frozen {
    fn now(&self) -> lamina::time::Instant {
        lamina::time::Instant::ZERO
    }
}

impl lamina::serve::Timer for Frozen {
    async fn sleep_until(&self, _: lamina::time::Instant) {
        pending::<()>().await;
    }
}

#[test]
fn an_idle_connection_closes_when_shutdown_is_requested_while_it_waits() {
    let switch = Switch::default();
    let app = App::new().with_fn(async |_req, res| {
        res.end(b"one").await?;
        Ok(Flow::Done)
    });
    let mut out = [0u8; 512];
    let mut io = MemoryIo::new(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", &mut out).at_end(AtEnd::Hang);
    let mut bufs = ConnectionBuffers::<512, 512, 256>::new();
    let mut polls = 0;
    let mut waker_cx = core::task::Context::from_waker(core::task::Waker::noop());
    {
        let mut serving =
            core::pin::pin!(serve_until(&mut io, None, &Frozen, &app, bufs.buffers(), Config::new(), &switch));
        // Without shutdown the connection waits for a second request forever.
        for _ in 0..50 {
            polls += 1;
            assert!(serving.as_mut().poll(&mut waker_cx).is_pending());
        }
        switch.set();
        assert!(matches!(serving.as_mut().poll(&mut waker_cx), Poll::Ready(Ok(()))));
    }
    assert_eq!(polls, 50);
    assert!(text(io.written()).ends_with("\r\n\r\none"));
}
