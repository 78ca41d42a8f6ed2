//! The connection driver: one HTTP/1.1 connection over
//! [`embedded_io_async`] `Read + Write`, a [`Timer`], caller-lent buffers and
//! an [`App`](crate::app::App).
//!
//! [`serve`] runs the keep-alive loop: it reads a head into the read buffer,
//! lets the [`h1`](crate::h1) state machine judge it, runs the app, writes
//! the response, drains an unread body and goes on with the next request (or
//! the one already buffered behind it) until the connection closes. It never
//! allocates, spawns or accepts: adapters own sockets and tasks.
//!
//! While the app runs, the driver runs an *IO pump* beside it in the same
//! future. `Request` and `Response` never see the socket type (so handlers
//! and closures work on every runtime); when a handler reads the body or a
//! response outgrows its buffer, they hand the work to the pump through a
//! small shared state, and the pump does the IO under the connection's
//! deadlines. `100 Continue` goes out when the app first reads the body.
//!
//! [`memory`] holds an in-memory connection and a virtual clock, to test an
//! app without sockets.

mod channel;
mod driver;
pub mod memory;
mod server;

use core::future::Future;

pub(crate) use channel::{Channel, FRAME_RESERVE, HeadSource, HeaderSink};
pub use driver::{Buffers, ConnectionBuffers, ServeError, serve, serve_until, serve_with};
pub use server::{AtCapacity, MAX_REFUSING, ServerConfig};

use crate::time::Instant;

/// A source of the current time (monotonic).
pub trait Clock: Sync {
    /// Now.
    fn now(&self) -> Instant;
}

/// A clock that can also wait: what the driver needs for its deadlines.
/// Adapters implement it over `tokio::time`, `async_io::Timer` or
/// `embassy_time`.
pub trait Timer: Clock {
    /// Completes at or after `deadline`.
    fn sleep_until(&self, deadline: Instant) -> impl Future<Output = ()>;
}

impl<T: Clock + ?Sized> Clock for &T {
    fn now(&self) -> Instant {
        (**self).now()
    }
}

impl<T: Timer + ?Sized> Timer for &T {
    fn sleep_until(&self, deadline: Instant) -> impl Future<Output = ()> {
        (**self).sleep_until(deadline)
    }
}

/// Asks connections to finish: a server shutting down gracefully, or an
/// embedded server that needs a socket back.
///
/// [`serve_until`] checks it between requests. A connection waiting for its
/// next request closes as soon as shutdown is requested; a request being
/// served is finished and the connection closes after it (its response says
/// `Connection: close` if it starts after the connection's future was
/// polled with shutdown requested — the wake-up that delivers the signal
/// does that). A new
/// connection still gets its first request served. Shutdown may also be
/// withdrawn (`is_requested` turning `false` again): connections then keep
/// their keep-alive as before.
pub trait Shutdown {
    /// `true` while connections should close.
    fn is_requested(&self) -> bool;
    /// Completes once shutdown is requested (at once if it already is).
    fn requested(&self) -> impl Future<Output = ()>;
}

/// A [`Shutdown`] that is never requested: what [`serve`] uses.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoShutdown;

impl Shutdown for NoShutdown {
    fn is_requested(&self) -> bool {
        false
    }

    fn requested(&self) -> impl Future<Output = ()> {
        core::future::pending()
    }
}

impl<S: Shutdown + ?Sized> Shutdown for &S {
    fn is_requested(&self) -> bool {
        (**self).is_requested()
    }

    fn requested(&self) -> impl Future<Output = ()> {
        (**self).requested()
    }
}
