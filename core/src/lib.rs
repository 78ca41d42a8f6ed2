//! # lamina
//!
//! Connect/Express for Rust, from microcontrollers to servers: an ordered
//! stack of middleware, mounted sub-apps, error middleware and Express
//! routing over a core that is `no_std`, needs no allocator and does no IO.
//!
//! - [`app`]: the Connect layer — [`App`](app::App), middleware, mounts,
//!   error middleware, the final handler, [`Request`](app::Request) and
//!   [`Response`](app::Response).
//! - [`serve`]: the connection driver — one connection over
//!   `embedded_io_async::{Read, Write}` and a [`Timer`](serve::Timer),
//!   with keep-alive, pipelining, `100 Continue`, limits and deadlines; and
//!   an in-memory connection for tests.
//! - [`h1`]: the sans-IO HTTP/1.1 protocol core underneath; [`time`]: time
//!   as an argument.
//!
//! Sockets, runtimes and clocks come from the `lamina-tokio`, `lamina-smol`
//! and `lamina-embassy` adapters.
//!
//! ## Connect's README program, in lamina
//!
//! Connect's README builds an app with compression, a cookie session and a
//! urlencoded body parser, and answers every request. Here it is (compression
//! aside), served over the in-memory connection. The session and the body
//! parser are written out as the small closures they are on top of this
//! crate; `lamina::mw` brings the full middleware (signed cookies with key
//! rotation, limits, charsets).
//!
//! ```
//! use core::fmt::Write as _;
//! use lamina::app::{App, Flow};
//! use lamina::serve::memory::exchange;
//!
//! /// What the middleware leave for later ones (`req.session`, `req.body`).
//! #[derive(Default)]
//! struct Locals {
//!     views: u32,
//!     name: [u8; 16],
//!     name_len: usize,
//! }
//!
//! let app = App::new()
//!     .with_locals::<Locals>()
//!     // store session state in browser cookie
//!     .with_fn(async |req, res| {
//!         let cookie = req.header("cookie").unwrap_or(b"");
//!         let views = core::str::from_utf8(cookie).ok()
//!             .and_then(|c| c.strip_prefix("views="))
//!             .and_then(|v| v.parse::<u32>().ok())
//!             .unwrap_or(0);
//!         req.locals::<Locals>()?.views = views + 1;
//!         let mut value = Line { buf: [0; 64], len: 0 };
//!         let _ = write!(value, "views={}; path=/; httponly", views + 1);
//!         res.set_header("Set-Cookie", value.as_bytes())?;
//!         Ok(Flow::Next)
//!     })
//!     // parse urlencoded request bodies into req.body
//!     .with_fn(async |req, _res| {
//!         if req.header("content-type") == Some(b"application/x-www-form-urlencoded") {
//!             let mut buf = [0u8; 256];
//!             let body = req.read_to_end(&mut buf).await?;
//!             let mut locals = req.locals::<Locals>()?;
//!             for value in body.split(|&b| b == b'&').filter_map(|pair| pair.strip_prefix(b"name=")) {
//!                 let n = value.len().min(locals.name.len());
//!                 locals.name[..n].copy_from_slice(&value[..n]);
//!                 locals.name_len = n;
//!             }
//!         }
//!         Ok(Flow::Next)
//!     })
//!     // respond to all requests
//!     .with_fn(async |_req, res| {
//!         res.end(b"Hello from Connect!\n").await?;
//!         Ok(Flow::Done)
//!     });
//!
//! // http.createServer(app).listen(3000) is an adapter's job; in memory:
//! let out = exchange(&app, b"POST / HTTP/1.1\r\nHost: a\r\nCookie: views=2\r\n\
//!     Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n\r\nname=tj");
//! let text = core::str::from_utf8(&out).unwrap();
//! assert!(text.starts_with("HTTP/1.1 200 OK\r\nSet-Cookie: views=3; path=/; httponly\r\n"));
//! assert!(text.ends_with("Content-Length: 20\r\n\r\nHello from Connect!\n"));
//!
//! /// A header value formatted on the stack.
//! struct Line { buf: [u8; 64], len: usize }
//! impl Line { fn as_bytes(&self) -> &[u8] { &self.buf[..self.len] } }
//! impl core::fmt::Write for Line {
//!     fn write_str(&mut self, s: &str) -> core::fmt::Result {
//!         let end = self.len + s.len();
//!         self.buf.get_mut(self.len..end).ok_or(core::fmt::Error)?.copy_from_slice(s.as_bytes());
//!         self.len = end;
//!         Ok(())
//!     }
//! }
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

#[cfg(test)]
extern crate std;

pub mod app;
pub mod h1;
pub mod http;
pub mod serve;
pub mod time;

pub use app::Error;

// The workspace README's example compiles and runs as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
