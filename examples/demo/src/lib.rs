//! The demo app: one source file compiled into the tokio and smol servers,
//! the embassy host test, the QEMU firmware and the NUCLEO-F767ZI firmware.
//!
//! `no_std`, no allocator. What it answers:
//!
//! | request | answer |
//! |---|---|
//! | `GET /` | a small HTML page |
//! | `GET /hello` | `hello from lamina` (text) |
//! | `POST /echo` | the request body, streamed back as it is read |
//! | `POST /size` | the number of body bytes read, e.g. `100000 bytes` (an upload that is not echoed) |
//! | `GET /status` | `requests: N` — requests seen since start |
//! | `GET /boom` | an error, turned into a `500` page by the error middleware |
//! | anything else | the final handler's `404` |
//!
//! Every response carries `X-Powered-By: lamina`.
//!
//! ```
//! use lamina::serve::memory::exchange;
//! let out = exchange(&lamina_demo::app(), b"GET /hello HTTP/1.1\r\nHost: a\r\n\r\n");
//! let text = core::str::from_utf8(&out).unwrap();
//! assert!(text.starts_with("HTTP/1.1 200 OK\r\n"));
//! assert!(text.ends_with("\r\n\r\nhello from lamina\n"));
//! ```
#![no_std]

use core::sync::atomic::{AtomicU32, Ordering};

use lamina::Error;
use lamina::app::{App, Chain, Flow};

/// The body of `GET /`.
pub const INDEX: &str = "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>lamina</title></head>\n\
<body><h1>lamina</h1><p>The same app on tokio, smol and embassy-net.</p>\n\
<ul><li><a href=\"/hello\">/hello</a></li><li><a href=\"/status\">/status</a></li></ul></body></html>\n";

/// Requests seen since start (by every app built here).
static REQUESTS: AtomicU32 = AtomicU32::new(0);

/// Builds the demo app.
pub fn app() -> App<impl Chain> {
    App::new()
        .with_fn(async |_req, res| {
            REQUESTS.fetch_add(1, Ordering::Relaxed);
            res.set_header("X-Powered-By", b"lamina")?;
            Ok(Flow::Next)
        })
        .mount_fn("/hello", async |req, res| {
            if req.method() != "GET" && req.method() != "HEAD" {
                return Ok(Flow::Next);
            }
            res.set_header("Content-Type", b"text/plain; charset=utf-8")?;
            res.send("hello from lamina\n").await?;
            Ok(Flow::Done)
        })
        .mount_fn("/echo", async |req, res| {
            if req.method() != "POST" {
                return Ok(Flow::Next);
            }
            let kind = req.header("content-type").unwrap_or(b"application/octet-stream");
            res.set_header("Content-Type", kind)?;
            let mut buf = [0u8; 512];
            loop {
                let n = req.read_body(&mut buf).await?;
                if n == 0 {
                    break;
                }
                res.write(buf.get(..n).unwrap_or(&[])).await?;
            }
            res.end(b"").await?;
            Ok(Flow::Done)
        })
        .mount_fn("/size", async |req, res| {
            if req.method() != "POST" {
                return Ok(Flow::Next);
            }
            let mut buf = [0u8; 512];
            let mut total = 0u64;
            loop {
                let n = req.read_body(&mut buf).await?;
                if n == 0 {
                    break;
                }
                total = total.saturating_add(n as u64);
            }
            res.set_header("Content-Type", b"text/plain; charset=utf-8")?;
            res.write_display(&total).await?;
            res.end(b" bytes").await?;
            Ok(Flow::Done)
        })
        .mount_fn("/status", async |_req, res| {
            res.set_header("Content-Type", b"text/plain; charset=utf-8")?;
            res.write(b"requests: ").await?;
            res.write_display(&REQUESTS.load(Ordering::Relaxed)).await?;
            res.end(b"\n").await?;
            Ok(Flow::Done)
        })
        .mount_fn("/boom", async |_req, _res| Err(Error::new("the demo failed on purpose").with_status(500)))
        .catch(async |err, _req, res| {
            res.set_status(err.status());
            res.set_header("Content-Type", b"text/plain; charset=utf-8")?;
            res.write(b"demo error: ").await?;
            res.end(err.message().as_bytes()).await?;
            Ok(Flow::Done)
        })
        .with_fn(async |req, res| {
            if req.path() != *"/" || !matches!(req.method(), "GET" | "HEAD") {
                return Ok(Flow::Next);
            }
            res.set_header("Content-Type", b"text/html; charset=utf-8")?;
            res.send(INDEX).await?;
            Ok(Flow::Done)
        })
}
