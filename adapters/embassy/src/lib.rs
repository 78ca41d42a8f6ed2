//! Serve lamina apps on an [`embassy_net`] stack: `N` HTTP/1.1 connections
//! from one task, in memory the caller owns.
//!
//! **In scope:** accepting TCP connections on one port, handing each to
//! [`lamina::serve::serve_until`] with an [`EmbassyTimer`], closing them
//! without losing the last response, and sharing `N` sockets fairly between
//! clients (see [Admission](#admission)). **Out of scope:** HTTP itself (the
//! core parses, frames and times out; this crate only moves bytes and time),
//! TLS, bringing the network up (DHCP, the driver, the stack's runner task)
//! and choosing the embassy-time driver: the firmware does those.
//!
//! # The canonical task
//!
//! The app is built inside the task, so its type never has to be named (no
//! `impl Trait` in a static); the slots live in the task's frame, which
//! embassy-executor keeps in a static pool (or put them in a `StaticCell`).
//! `StackResources` must count these `N` sockets besides DHCP and DNS.
//!
//! ```no_run
//! use embassy_net::Stack;
//! use lamina::app::{App, Flow};
//! use lamina::time::Duration;
//! use lamina_embassy::{Config, Slot, serve};
//!
//! // #[embassy_executor::task]
//! async fn http_task(stack: Stack<'static>) -> ! {
//!     let app = App::new().with_fn(async |req, res| {
//!         if req.path() != *"/" {
//!             return Ok(Flow::Next); // the final handler answers 404
//!         }
//!         res.set_header("Content-Type", b"text/plain")?;
//!         res.send(b"hello from the device\n").await?;
//!         Ok(Flow::Done)
//!     });
//!     // 4 connections, each 1536 + 1536 bytes of socket buffers and
//!     // 2048 + 1024 + 512 bytes of HTTP buffers.
//!     let mut slots = [const { Slot::<1536, 2048, 1024, 512>::new() }; 4];
//!     let http = lamina::h1::Config::new().idle_timeout(Duration::from_secs(2));
//!     serve(stack, &app, &mut slots, Config::new().port(80).http(http)).await
//! }
//! ```
//!
//! # A connection's life
//!
//! Each slot runs one loop: its socket listens on [`Config::port`]; once a
//! client connects, [`serve_until`] serves it (keep-alive, pipelining,
//! deadlines — and no flush per response: on embassy a flush waits for the
//! peer's ACK). When it returns, the socket sends its FIN, reads and discards
//! what the client still sends until the client's FIN (unread bytes must not
//! turn into an RST that destroys the last response in the client's kernel),
//! and waits for the FIN to be acknowledged, all within [`Config::linger`];
//! a connection still open after that is reset. Then the socket listens
//! again. The socket's retransmission timeout is the write timeout of
//! [`Config::http`].
//!
//! # Admission
//!
//! smoltcp has no listen backlog: a port is open only while some socket sits
//! in `accept`, and a SYN that finds no listening socket is answered with an
//! RST. So keep-alive is granted only while another slot is still
//! listening. When a slot accepts a connection and no other slot listens any
//! more, *pressure* is on: connections waiting for their next request close
//! at once, and busy ones close after their current response (which says
//! `Connection: close` unless its head was already sent), which puts their
//! sockets back in `accept`. As soon as one slot listens again,
//! pressure is off and the others keep their keep-alive. A new connection's
//! first request is always served. With `N = 1` every connection serves
//! one request.
//!
//! **When all `N` slots are busy** (serving a request, or closing), a new
//! connection is refused: smoltcp answers its SYN with an RST and the client
//! sees "connection refused" at once, not a timeout. Pressure keeps that
//! window short (every busy slot is released after its current response),
//! but it is the client's business whether it retries: curl does with
//! `--retry-connrefused`, many API clients have a retry policy, a browser
//! may show an error or fail a sub-resource. So:
//!
//! - Use `N ≥ 4`. A browser opens up to 6 parallel connections to one
//!   origin; with 4 slots most are accepted and the rest find a slot again
//!   within a response or two. Use 6 for pages with many sub-resources when
//!   RAM allows, and count one more slot per client expected at once.
//! - Keep handlers short: a slow handler holds its slot for all of its time.
//! - Use a short idle timeout on devices (1–2 s, see
//!   [`lamina::h1::Config::idle_timeout`]): pressure closes idle connections
//!   only once every slot is taken, the idle timeout frees them before.
//! - A slot that is closing listens to nobody for up to
//!   [`Config::linger`] (clients normally answer a FIN at once).
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use core::cell::Cell;
use core::fmt;
use core::future::{Future, poll_fn};
use core::task::{Poll, Waker};

use embassy_futures::join::join_array;
use embassy_net::Stack;
use embassy_net::tcp::{AcceptError, State, TcpSocket};
use lamina::app::{App, Chain, Locals};
use lamina::serve::{Clock, ConnectionBuffers, Shutdown, Timer, serve_until};
use lamina::time::{Duration, Instant};

pub use lamina;

/// lamina's [`Timer`] over `embassy_time`: [`Instant`]s are microseconds
/// since boot. Sleeps round up to the next tick; a deadline beyond the
/// tick counter's range never fires.
///
/// ```
/// use lamina::serve::{Clock, Timer};
/// use lamina_embassy::EmbassyTimer;
///
/// async fn nap(timer: &EmbassyTimer) {
///     let at = timer.now().saturating_add(lamina::time::Duration::from_millis(10));
///     timer.sleep_until(at).await;
/// }
/// # let _ = nap;
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct EmbassyTimer;

impl Clock for EmbassyTimer {
    fn now(&self) -> Instant {
        Instant::from_micros(embassy_time::Instant::now().as_micros())
    }
}

impl Timer for EmbassyTimer {
    fn sleep_until(&self, deadline: Instant) -> impl Future<Output = ()> {
        // Rounded up to a whole tick, so the wake-up is never early (and by
        // hand: embassy's own rounding up overflows near `u64::MAX`).
        let micros = deadline.as_micros();
        let at = embassy_time::Instant::try_from_micros(micros)
            .and_then(|floor| {
                if floor.as_micros() < micros {
                    floor.as_ticks().checked_add(1).map(embassy_time::Instant::from_ticks)
                } else {
                    Some(floor)
                }
            })
            .filter(|at| *at != embassy_time::Instant::MAX);
        async move {
            match at {
                Some(at) => embassy_time::Timer::at(at).await,
                None => core::future::pending().await,
            }
        }
    }
}

/// How [`serve`] runs: the HTTP limits and timeouts, the port, and how long
/// a closing connection may linger.
///
/// ```
/// use lamina::time::Duration;
/// use lamina_embassy::Config;
///
/// const CONFIG: Config = Config::new().port(8080).linger(Duration::from_millis(500));
/// assert_eq!(CONFIG.port, 8080);
/// assert_eq!(Config::new().port, 80);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Limits and timeouts of each connection. Its write timeout is also the
    /// socket's retransmission timeout (a peer that stops acknowledging, or
    /// a handshake left half-open, frees its slot after it).
    pub http: lamina::h1::Config,
    /// The TCP port every slot listens on. Default 80. Port 0 is invalid:
    /// the slots then never listen.
    pub port: u16,
    /// How long a closing connection may take to exchange FINs before it is
    /// reset (twice this at worst, with the reset's own wait). Default 1 s.
    /// The slot listens to nobody meanwhile.
    pub linger: Duration,
}

impl Config {
    /// The defaults listed on each field.
    ///
    /// ```
    /// # use lamina_embassy::Config;
    /// assert_eq!(Config::new(), Config::default());
    /// ```
    pub const fn new() -> Self {
        Self { http: lamina::h1::Config::new(), port: 80, linger: Duration::from_secs(1) }
    }

    /// Sets [`http`](Self::http).
    ///
    /// ```
    /// # use lamina_embassy::Config;
    /// let http = lamina::h1::Config::new().max_body_len(4096);
    /// assert_eq!(Config::new().http(http).http.max_body_len, 4096);
    /// ```
    pub const fn http(mut self, http: lamina::h1::Config) -> Self {
        self.http = http;
        self
    }

    /// Sets [`port`](Self::port).
    ///
    /// ```
    /// # use lamina_embassy::Config;
    /// assert_eq!(Config::new().port(8080).port, 8080);
    /// ```
    pub const fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Sets [`linger`](Self::linger).
    ///
    /// ```
    /// # use lamina_embassy::Config;
    /// # use lamina::time::Duration;
    /// assert_eq!(Config::new().linger(Duration::ZERO).linger, Duration::ZERO);
    /// ```
    pub const fn linger(mut self, linger: Duration) -> Self {
        self.linger = linger;
        self
    }
}

impl Default for Config {
    fn default() -> Self {
        Self::new()
    }
}

/// The memory of one concurrent connection: the TCP socket's receive and
/// transmit buffers (`SOCKET` bytes each; the receive buffer is the TCP
/// window) and the HTTP [`ConnectionBuffers`] (`READ` for request heads and
/// bodies — the largest head is 7/8 of it —, `WRITE` for responses, `HEADERS`
/// for the response's header lines while the app sets them).
///
/// ```
/// use lamina_embassy::Slot;
///
/// // In a task's frame, a `static`, or a `StaticCell`:
/// static SIZE: usize = core::mem::size_of::<[Slot<1536, 2048, 1024, 512>; 4]>();
/// assert!(SIZE >= 4 * (2 * 1536 + 2048 + 1024 + 512));
/// let slots = [const { Slot::<1024, 1024, 512, 256>::new() }; 2];
/// # let _ = slots;
/// ```
pub struct Slot<
    const SOCKET: usize = 1536,
    const READ: usize = 2048,
    const WRITE: usize = 1024,
    const HEADERS: usize = 512,
> {
    rx: [u8; SOCKET],
    tx: [u8; SOCKET],
    http: ConnectionBuffers<READ, WRITE, HEADERS>,
}

impl<const SOCKET: usize, const READ: usize, const WRITE: usize, const HEADERS: usize>
    Slot<SOCKET, READ, WRITE, HEADERS>
{
    /// Zeroed buffers.
    pub const fn new() -> Self {
        Self { rx: [0; SOCKET], tx: [0; SOCKET], http: ConnectionBuffers::new() }
    }
}

impl<const SOCKET: usize, const READ: usize, const WRITE: usize, const HEADERS: usize> Default
    for Slot<SOCKET, READ, WRITE, HEADERS>
{
    fn default() -> Self {
        Self::new()
    }
}

impl<const SOCKET: usize, const READ: usize, const WRITE: usize, const HEADERS: usize> fmt::Debug
    for Slot<SOCKET, READ, WRITE, HEADERS>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Slot<socket {SOCKET}, read {READ}, write {WRITE}, headers {HEADERS}>")
    }
}

/// Serves `app` on `config.port` of `stack`, one connection per slot, all
/// from the calling task; never returns. See the [crate docs](crate) for a
/// connection's life and the admission policy.
///
/// ```no_run
/// # use lamina::app::{App, Flow};
/// # async fn task(stack: embassy_net::Stack<'static>) -> ! {
/// let app = App::new().with_fn(async |_req, res| {
///     res.send(b"hi").await?;
///     Ok(Flow::Done)
/// });
/// let mut slots = [const { lamina_embassy::Slot::<1024>::new() }; 4];
/// lamina_embassy::serve(stack, &app, &mut slots, lamina_embassy::Config::new()).await
/// # }
/// ```
pub async fn serve<
    C,
    L,
    const N: usize,
    const SOCKET: usize,
    const READ: usize,
    const WRITE: usize,
    const HEADERS: usize,
>(
    stack: Stack<'_>,
    app: &App<C, L>,
    slots: &mut [Slot<SOCKET, READ, WRITE, HEADERS>; N],
    config: Config,
) -> !
where
    C: Chain,
    L: Locals,
{
    let admission = Admission::new();
    let workers = slots.each_mut().map(|slot| worker(stack, app, slot, &config, &admission));
    let _never = join_array(workers).await;
    // Only with `N == 0`: nothing to serve.
    loop {
        core::future::pending::<()>().await;
    }
}

/// One slot's accept-serve-close loop.
async fn worker<C, L, const SOCKET: usize, const READ: usize, const WRITE: usize, const HEADERS: usize>(
    stack: Stack<'_>,
    app: &App<C, L>,
    slot: &mut Slot<SOCKET, READ, WRITE, HEADERS>,
    config: &Config,
    admission: &Admission,
) -> !
where
    C: Chain,
    L: Locals,
{
    let Slot { rx, tx, http } = slot;
    let mut socket = TcpSocket::new(stack, rx, tx);
    // Responses leave in whole buffers; Nagle would only hold their tails
    // back until the peer's (delayed) ACK.
    socket.set_nagle_enabled(false);
    socket.set_timeout(Some(embassy_duration(config.http.timeouts.write)));
    loop {
        admission.listening();
        let accepted = socket.accept(config.port).await;
        admission.accepted();
        match accepted {
            Ok(()) => {
                let timer = EmbassyTimer;
                let peer = socket.remote_endpoint().map(|e| e.addr.into());
                let _ = serve_until(&mut socket, peer, &timer, app, http.buffers(), config.http, admission).await;
            }
            Err(AcceptError::InvalidPort) => loop {
                core::future::pending::<()>().await;
            },
            Err(AcceptError::InvalidState | AcceptError::ConnectionReset) => {}
        }
        close(&mut socket, http.buffers().read, config.linger).await;
    }
}

/// Closes gracefully within `linger`, resets otherwise; leaves `socket`
/// ready to listen again.
async fn close(socket: &mut TcpSocket<'_>, scratch: &mut [u8], linger: Duration) {
    socket.close();
    let graceful = async {
        // Until the peer's FIN (0) or a reset.
        while let Ok(1..) = socket.read(scratch).await {}
        // Until our FIN is acknowledged.
        let _ = socket.flush().await;
    };
    let _ = embassy_time::with_timeout(embassy_duration(linger), graceful).await;
    if !matches!(socket.state(), State::Closed | State::TimeWait) {
        socket.abort();
        // Until the RST is out (embassy's flush waits for it).
        let _ = embassy_time::with_timeout(embassy_duration(linger), socket.flush()).await;
    }
}

/// lamina's duration as embassy's, capped at a day (smoltcp adds timeouts
/// to its own clock and must not overflow).
fn embassy_duration(d: Duration) -> embassy_time::Duration {
    const DAY: Duration = Duration::from_secs(24 * 60 * 60);
    embassy_time::Duration::from_micros(d.min(DAY).as_micros())
}

/// Who listens, and whether connections are asked to give their sockets
/// back (see [Admission](crate#admission)). All slots run in one task, so
/// plain cells suffice.
struct Admission {
    /// Slots sitting in `accept`.
    listening: Cell<usize>,
    /// No slot listens: keep-alive is withdrawn.
    pressure: Cell<bool>,
    /// Who waits for pressure (one task: one waker).
    waker: Cell<Option<Waker>>,
}

impl Admission {
    const fn new() -> Self {
        Self { listening: Cell::new(0), pressure: Cell::new(false), waker: Cell::new(None) }
    }

    /// A slot enters `accept`: the port is open, pressure is off.
    fn listening(&self) {
        self.listening.set(self.listening.get().saturating_add(1));
        self.pressure.set(false);
    }

    /// A slot left `accept`; if it was the last one listening, pressure is on.
    fn accepted(&self) {
        let listening = self.listening.get().saturating_sub(1);
        self.listening.set(listening);
        if listening == 0 {
            self.pressure.set(true);
            if let Some(waker) = self.waker.take() {
                waker.wake();
            }
        }
    }

    fn register(&self, waker: &Waker) {
        match self.waker.take() {
            Some(old) if old.will_wake(waker) => self.waker.set(Some(old)),
            Some(old) => {
                // Another task waited too: let it poll again and re-register.
                old.wake();
                self.waker.set(Some(waker.clone()));
            }
            None => self.waker.set(Some(waker.clone())),
        }
    }
}

impl Shutdown for Admission {
    fn is_requested(&self) -> bool {
        self.pressure.get()
    }

    fn requested(&self) -> impl Future<Output = ()> {
        poll_fn(|cx| {
            if self.pressure.get() {
                Poll::Ready(())
            } else {
                self.register(cx.waker());
                Poll::Pending
            }
        })
    }
}
