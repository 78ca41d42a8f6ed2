//! A sans-IO HTTP/1.1 server protocol core.
//!
//! **In scope:** parsing request heads (with `httparse`) into a view borrowed
//! from the caller's buffer; request framing by RFC 9112 §6 in one place
//! ([`BodyKind`]); incremental `Content-Length` and chunked body decoding;
//! response heads, `Content-Length` / chunked / close-delimited bodies,
//! `100 Continue`; keep-alive, pipelining and draining decisions; every limit
//! and deadline of [`Config`]. **Out of scope:** sockets, clocks, async,
//! allocation, the app — the driver and the adapters do those.
//!
//! # States
//!
//! ```text
//!            new()                           finish_response()
//!              │          ┌──────────────────── ReadHead ────────────────┐
//!              ▼          ▼                                              │
//!            Head ◄──── Idle ◄── done ── Drain ◄── Drain ──┐             │
//!              │ handle_head()                             │             │
//!              ▼ Complete                                  │             │
//!           Exchange ── handle_body() / response_head() / frame_body() ──┘
//!              │
//!  any error, timeout, EOF, Close ──► Closed
//! ```
//!
//! A deadline belongs to each phase ([`Deadline`]): `Head` has the header-read
//! deadline, `Idle` the idle one, `Exchange`/`Drain` the body-read one while
//! the caller waits for body bytes, and any phase the write one while a write
//! is pending. [`Connection::poll_timeout`] reports the earliest.
//!
//! # Wire behaviour
//!
//! | condition | status | connection |
//! |---|---|---|
//! | malformed request line / header, bare LF or CR, invalid token chars | 400 | close |
//! | request target longer than the buffer / [`Config::max_target_len`] | 414 | close |
//! | head larger than the buffer / [`Config::max_head_len`], more headers than `H` | 431 | close |
//! | body larger than [`Config::max_body_len`] or the route's limit | 413 | close |
//! | `Transfer-Encoding` with codings before a final `chunked`; a final coding other than `chunked` (RFC 9112 §6.3 item 4); TE on HTTP/1.0 | 501 / 400 / 400 | close |
//! | both `Content-Length` and `Transfer-Encoding`; differing or invalid `Content-Length` | 400 | close |
//! | version other than 1.0 / 1.1 | 505 | close |
//! | head not complete before the header-read deadline | 408 | close |
//! | `Expect: 100-continue` | `100 Continue` when the app first reads the body | keep |
//! | unread request body after the response | drained up to [`Config::max_drain_len`], else close | — |
//!
//! # The loop
//!
//! A driver owns a buffer and a socket; this one is a byte slice standing in
//! for a socket, and answers every request with `hello`.
//!
//! ```
//! use lamina::h1::{BodyLength, Config, Connection, HeadStatus, HeaderSlots, Next};
//! use lamina::time::Instant;
//!
//! let wire = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
//! let mut out = Vec::new();
//! let mut buf = [0u8; 1024];
//! let now = Instant::ZERO;
//! let mut conn: Connection = Connection::new(Config::new(), buf.len(), now);
//!
//! // "Read" everything at once; a real driver reads until `handle_head` completes.
//! buf[..wire.len()].copy_from_slice(wire);
//! let (mut start, filled) = (0, wire.len());
//! loop {
//!     let mut slots = HeaderSlots::new(); // uninitialized: free
//!     let head = match conn.handle_head(&buf[start..filled], &mut slots, now) {
//!         Ok(HeadStatus::Complete(head)) => head,
//!         Ok(HeadStatus::Partial) => break, // read more into the buffer
//!         Err(e) => {
//!             let mut page = [0u8; 256];
//!             let n = conn.encode_error(e, &mut page).unwrap();
//!             out.extend_from_slice(&page[..n]);
//!             break;
//!         }
//!     };
//!     start += head.len(); // no body here; otherwise `handle_body` consumes it
//!
//!     let mut head_out = [0u8; 256];
//!     let mut w = conn.response_head(&mut head_out, 200, None).unwrap();
//!     w.header("Content-Type", b"text/plain").unwrap();
//!     let n = w.finish(BodyLength::Known(5)).unwrap();
//!     out.extend_from_slice(&head_out[..n]);
//!
//!     let mut prefix = [0u8; lamina::h1::MAX_CHUNK_PREFIX];
//!     let frame = conn.frame_body(5, &mut prefix).unwrap();
//!     out.extend_from_slice(&prefix[..frame.prefix]);
//!     out.extend_from_slice(&b"hello"[..frame.data]);
//!     out.extend_from_slice(frame.suffix);
//!
//!     let mut tail = [0u8; 8];
//!     let done = conn.finish_response(&mut tail, now).unwrap();
//!     out.extend_from_slice(&tail[..done.len]);
//!     if done.next == Next::Close {
//!         break;
//!     }
//! }
//! let out = String::from_utf8(out).unwrap();
//! assert_eq!(out.matches("HTTP/1.1 200 OK\r\n").count(), 2);
//! assert!(out.ends_with("Connection: close\r\n\r\nhello"));
//! ```

mod chunked;
mod config;
mod conn;
mod encode;
mod error;
mod framing;
mod head;
mod response;

pub use chunked::Decoded;
pub use config::{Config, Deadline, Timeouts};
pub use conn::{Connection, Drained, EofAction, HeadStatus, Next, Timeout, TimeoutAction};
pub use encode::{MAX_CHUNK_PREFIX, reason_phrase};
pub(crate) use encode::{is_field_byte, is_token};
pub use error::{EncodeError, RequestError};
pub use framing::BodyKind;
pub use head::{DEFAULT_MAX_HEADERS, Header, HeaderSlots, Headers, RequestHead, TargetForm, Version, head_end};
pub use response::{BodyFrame, BodyLength, Finished, HeadWriter, encode_unavailable};
