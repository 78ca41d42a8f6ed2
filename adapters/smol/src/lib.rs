//! Serve [lamina] apps on [smol]: TCP or Unix sockets, a connection
//! limit, graceful shutdown, per-connection buffers and timeouts.
//!
//! ```no_run
//! use lamina::app::{App, Flow};
//!
//! fn main() -> std::io::Result<()> {
//!     let app = App::new().with_fn(async |_req, res| {
//!         res.send("Hello from lamina!\n").await?;
//!         Ok(Flow::Done)
//!     });
//!     // Connect's `app.listen(3000)`:
//!     smol::block_on(lamina_smol::listen(app, "127.0.0.1:3000"))
//! }
//! ```
//!
//! [`serve`] gives the full control: any [`Listener`] (a `TcpListener`, a
//! `UnixListener`), a [`Config`], and [`Server::with_graceful_shutdown`].
//!
//! ## Threads
//!
//! A server runs every connection of its listener as a task of a
//! [`LocalExecutor`] that lives inside the server's future and is driven by
//! it, so apps need not be `Send`: state in `Rc`/`RefCell` works, exactly as
//! on a firmware. The server future is not `Send` either. Await it under
//! [`smol::block_on`], inside [`Executor::run`](smol::Executor::run) or
//! [`LocalExecutor::run`] on some thread, or in a task of a `LocalExecutor`;
//! [`smol::spawn`] and [`Executor::spawn`](smol::Executor::spawn) need a
//! `Send` future and do not take it.
//!
//! All the connections of one server take turns on the one thread that polls
//! it, and make progress only while it does: a handler that blocks that
//! thread stalls them all. Awaited in a multi-threaded `Executor`'s `run`,
//! the server does not spread its connections over the executor's threads;
//! they run the executor's other tasks, and an app may hand `Send` work to
//! them (`ex.spawn(work).await`). To use several cores, run one server per
//! thread, each on a clone of one listener: smol's listeners are `Clone` and
//! every clone accepts from the same socket. Each of those servers has its
//! own connection limit and its own shutdown signal, and the socket closes
//! only when the last of them has dropped its clone.
//!
//! ## At the connection limit
//!
//! [`Config::max_connections`] bounds the connections being served. Beyond
//! it, [`AtCapacity::Wait`] (the default) stops accepting: new clients wait
//! in the kernel's listen backlog and are served as connections finish (a
//! full backlog makes the kernel refuse or drop further SYNs).
//! [`AtCapacity::Refuse`] accepts them and answers `503 Service
//! Unavailable` with `Retry-After` and `Connection: close` (at most
//! [`MAX_REFUSING`] at a time; beyond that they are closed unanswered).
//!
//! ## Closing
//!
//! When a connection ends, the server half-closes it (FIN) and reads what
//! the peer still sends for up to [`Config::linger`] before dropping it, so
//! that request bytes the server did not read (a refused upload, a
//! pipelined request after a `Connection: close`) do not turn the close
//! into a reset that destroys the last response on its way.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use core::cell::Cell;
use core::future::{Future, pending};
use core::net::IpAddr;
use core::pin::pin;
use core::time::Duration;
use std::io;
use std::rc::Rc;

use embedded_io_adapters::futures_03::FromFutures;
use lamina::app::{App, Chain, Locals};
use lamina::serve::{Buffers, Clock, Shutdown, Timer, serve_until};
use lamina::time::Instant;
use smol::channel::{self, Receiver, Sender};
use smol::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use smol::net::{AsyncToSocketAddrs, TcpListener};
use smol::{LocalExecutor, Task, future};

/// A server's settings: lamina's [`ServerConfig`](lamina::serve::ServerConfig)
/// (buffers, connection limit, shutdown deadline, linger, `TCP_NODELAY`; HTTP
/// limits and timeouts in `http`), shared by the socket adapters.
pub type Config = lamina::serve::ServerConfig;

pub use lamina::serve::{AtCapacity, MAX_REFUSING};

/// Where connections come from: a [`TcpListener`] or a
/// [`UnixListener`](smol::net::unix::UnixListener) of `smol::net`.
///
/// An `async_io::Async<std::net::TcpListener>` becomes a `TcpListener` with
/// `.into()`. It has no impl of its own because its streams' `close` only
/// flushes, while the lingering close needs `close` to half-close (FIN), as
/// `smol::net`'s streams do. An implementation for another kind of
/// connection must keep to that.
pub trait Listener {
    /// An accepted connection; its `close` half-closes it.
    type Io: AsyncRead + AsyncWrite + Unpin + 'static;
    /// Accepts the next connection.
    fn accept(&mut self) -> impl Future<Output = io::Result<Self::Io>>;
    /// Applies socket options of `config` to an accepted connection.
    fn configure(&self, _io: &Self::Io, _config: &Config) {}
    /// The client's address, if the connection has one (`req.ip`).
    fn peer(_io: &Self::Io) -> Option<IpAddr> {
        None
    }
}

impl Listener for TcpListener {
    type Io = smol::net::TcpStream;

    async fn accept(&mut self) -> io::Result<Self::Io> {
        TcpListener::accept(self).await.map(|(stream, _)| stream)
    }

    fn peer(io: &Self::Io) -> Option<IpAddr> {
        io.peer_addr().ok().map(|a| a.ip())
    }

    fn configure(&self, io: &Self::Io, config: &Config) {
        // A failure leaves Nagle on: slower, still correct.
        let _ = io.set_nodelay(config.nodelay);
    }
}

#[cfg(unix)]
impl Listener for smol::net::unix::UnixListener {
    type Io = smol::net::unix::UnixStream;

    async fn accept(&mut self) -> io::Result<Self::Io> {
        smol::net::unix::UnixListener::accept(self).await.map(|(stream, _)| stream)
    }
}

/// A server: a listener, an app and a [`Config`]; see [`serve`].
#[derive(Debug)]
pub struct Server<Li, C, L> {
    listener: Li,
    app: App<C, L>,
    config: Config,
}

/// A server of `app` on `listener`. Nothing happens until it is run with
/// [`Server::run`] or [`Server::with_graceful_shutdown`].
///
/// ```
/// use lamina::app::{App, Flow};
/// use smol::future;
/// use smol::io::{AsyncReadExt, AsyncWriteExt};
///
/// smol::block_on(async {
///     let app = App::new().with_fn(async |_req, res| {
///         res.send("hi").await?;
///         Ok(Flow::Done)
///     });
///     let listener = smol::net::TcpListener::bind("127.0.0.1:0").await?;
///     let addr = listener.local_addr()?;
///     let (stop, stopped) = smol::channel::bounded::<()>(1);
///     let server = lamina_smol::serve(listener, app, lamina_smol::Config::new())
///         .with_graceful_shutdown(async move { let _ = stopped.recv().await; });
///     let client = async move {
///         let mut conn = smol::net::TcpStream::connect(addr).await?;
///         conn.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await?;
///         let mut got = Vec::new();
///         conn.read_to_end(&mut got).await?;
///         assert!(got.starts_with(b"HTTP/1.1 200 OK\r\n") && got.ends_with(b"\r\n\r\nhi"));
///         drop(stop);
///         std::io::Result::Ok(())
///     };
///     let (served, asked) = future::zip(server, client).await;
///     served.and(asked)
/// })?;
/// # std::io::Result::Ok(())
/// ```
pub fn serve<Li: Listener, C: Chain + 'static, L: Locals>(
    listener: Li,
    app: App<C, L>,
    config: Config,
) -> Server<Li, C, L> {
    Server { listener, app, config }
}

/// Connect's `app.listen(port)`: serves `app` on a TCP address with the
/// default [`Config`], until the program ends.
pub async fn listen<C: Chain + 'static, L: Locals>(app: App<C, L>, addr: impl AsyncToSocketAddrs) -> io::Result<()> {
    serve(TcpListener::bind(addr).await?, app, Config::new()).run().await
}

/// Express's `app.listen('/tmp/app.sock')`: serves `app` on a Unix domain
/// socket at `path`, until the program ends. As in Node, an existing file at
/// `path` makes it fail (`AddrInUse`).
#[cfg(unix)]
pub async fn listen_unix<C: Chain + 'static, L: Locals>(
    app: App<C, L>,
    path: impl AsRef<std::path::Path>,
) -> io::Result<()> {
    serve(smol::net::unix::UnixListener::bind(path)?, app, Config::new()).run().await
}

impl<Li: Listener, C: Chain + 'static, L: Locals> Server<Li, C, L> {
    /// Serves until the program ends.
    pub async fn run(self) -> io::Result<()> {
        self.with_graceful_shutdown(pending()).await
    }

    /// Serves until `signal` completes, then shuts down gracefully: stops
    /// accepting (the listener is dropped), closes idle connections, lets
    /// requests in flight finish (their responses say `Connection: close`)
    /// for up to [`Config::shutdown_timeout`], drops what is left, and
    /// returns.
    pub async fn with_graceful_shutdown(self, signal: impl Future<Output = ()>) -> io::Result<()> {
        let Server { mut listener, app, config } = self;
        let app = Rc::new(app);
        let (stopping, stop) = channel::bounded::<()>(1);
        let stop = Stop(stop);
        let timer = SmolTimer::new();
        // Dropped when this future ends or is dropped: the connections still
        // running on it are dropped with it.
        let local = LocalExecutor::new();
        let slots = Rc::new(Slots::new());
        local
            .run(async {
                let mut signal = pin!(signal);
                let mut refusing: Vec<Task<()>> = Vec::new();
                loop {
                    if slots.taken() >= config.max_connections && config.at_capacity == AtCapacity::Wait {
                        if until(signal.as_mut(), slots.freed()).await.is_none() {
                            break;
                        }
                        continue;
                    }
                    let Some(accepted) = until(signal.as_mut(), listener.accept()).await else { break };
                    let io = match accepted {
                        Ok(io) => io,
                        // Out of file descriptors and the like: back off
                        // instead of spinning; a connection that failed
                        // before it was accepted is simply gone.
                        Err(e) if !is_per_connection(&e) => {
                            if until(signal.as_mut(), smol::Timer::after(Duration::from_millis(50))).await.is_none() {
                                break;
                            }
                            continue;
                        }
                        Err(_) => continue,
                    };
                    listener.configure(&io, &config);
                    refusing.retain(|task| !task.is_finished());
                    match config.at_capacity {
                        // Counted now, after the wait in `accept`: a slot
                        // freed meanwhile serves this connection.
                        AtCapacity::Refuse { retry_after_secs } if slots.taken() >= config.max_connections => {
                            if refusing.len() < MAX_REFUSING {
                                refusing.push(local.spawn(refuse(io, retry_after_secs, config)));
                            }
                        }
                        _ => {
                            let (app, stop, slot) = (app.clone(), stop.clone(), slots.take());
                            let peer = Li::peer(&io);
                            local
                                .spawn(async move {
                                    let _slot = slot;
                                    connection(io, peer, app, stop, timer, config).await;
                                })
                                .detach();
                        }
                    }
                }
                drop(listener);
                stopping.close();
                drop(refusing);
                let drained = async {
                    while slots.taken() > 0 {
                        slots.freed().await;
                    }
                };
                until(smol::Timer::after(config.shutdown_timeout.into()), drained).await;
                Ok(())
            })
            .await
    }
}

/// `work`'s output, or `None` if `cancel` completes first.
async fn until<T>(cancel: impl Future, work: impl Future<Output = T>) -> Option<T> {
    future::or(async { Some(work.await) }, async {
        cancel.await;
        None
    })
    .await
}

/// Accept errors that concern one connection only.
fn is_per_connection(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset | io::ErrorKind::Interrupted)
}

/// The connections a server is serving: each holds a [`Slot`] until it
/// ends, however it ends (returned, panicked: the executor catches it, or
/// dropped).
#[derive(Debug)]
struct Slots {
    taken: Cell<usize>,
    // Holds at most one "a slot was freed" since the server last looked.
    freed: (Sender<()>, Receiver<()>),
}

impl Slots {
    fn new() -> Self {
        Self { taken: Cell::new(0), freed: channel::bounded(1) }
    }

    fn taken(&self) -> usize {
        self.taken.get()
    }

    fn take(self: &Rc<Self>) -> Slot {
        self.taken.set(self.taken.get() + 1);
        Slot(self.clone())
    }

    /// Completes once a slot was freed since the last call.
    async fn freed(&self) {
        let _ = self.freed.1.recv().await;
    }
}

/// One connection's place in [`Slots`].
struct Slot(Rc<Slots>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.taken.set(self.0.taken.get().saturating_sub(1));
        let _ = self.0.freed.0.try_send(());
    }
}

/// One connection, from its first byte to its close.
async fn connection<IO, C, L>(
    io: IO,
    peer: Option<IpAddr>,
    app: Rc<App<C, L>>,
    stop: Stop,
    timer: SmolTimer,
    config: Config,
) where
    IO: AsyncRead + AsyncWrite + Unpin,
    C: Chain,
    L: Locals,
{
    let mut io = FromFutures::new(io);
    {
        let mut memory = vec![0u8; config.read_buffer + config.write_buffer + config.header_buffer];
        let (read, rest) = memory.split_at_mut(config.read_buffer);
        let (write, headers) = rest.split_at_mut(config.write_buffer);
        // A socket error ends the connection like a protocol close does.
        let _ = serve_until(&mut io, peer, &timer, &app, Buffers { read, write, headers }, config.http, &stop).await;
    }
    close(io.into_inner(), config.linger.into()).await;
}

/// Answers `503` to a connection beyond the limit, without reading it.
async fn refuse<IO: AsyncRead + AsyncWrite + Unpin>(mut io: IO, retry_after_secs: u32, config: Config) {
    let mut page = [0u8; 256];
    if let Ok(n) = lamina::h1::encode_unavailable(retry_after_secs, &mut page) {
        let write_timeout = Duration::from(config.http.timeouts.write);
        until(smol::Timer::after(write_timeout), io.write_all(page.get(..n).unwrap_or(&[]))).await;
    }
    close(io, config.linger.into()).await;
}

/// Half-closes, then reads and discards what the peer still sends, for up to
/// `linger`, so that unread bytes do not make the close a reset.
async fn close<IO: AsyncRead + AsyncWrite + Unpin>(mut io: IO, linger: Duration) {
    if io.close().await.is_err() {
        return;
    }
    let mut sink = [0u8; 1024];
    until(smol::Timer::after(linger), async { while let Ok(1..) = io.read(&mut sink).await {} }).await;
}

/// The graceful-shutdown switch the connections of one server share: the
/// receiving end of a channel nothing is sent on. The server closes it to
/// request shutdown, which wakes every `recv` waiting on it.
#[derive(Clone, Debug)]
struct Stop(Receiver<()>);

impl Shutdown for Stop {
    fn is_requested(&self) -> bool {
        self.0.is_closed()
    }

    async fn requested(&self) {
        // Completes (with an error) once the channel is closed, at once if it
        // already is.
        let _ = self.0.recv().await;
    }
}

/// lamina's [`Timer`] over `async_io::Timer` ([`smol::Timer`]), counting
/// from its creation.
///
/// ```
/// use lamina::serve::{Clock, Timer};
/// let timer = lamina_smol::SmolTimer::new();
/// let deadline = timer.now() + lamina::time::Duration::from_millis(1);
/// smol::block_on(timer.sleep_until(deadline));
/// assert!(timer.now() >= deadline);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct SmolTimer {
    origin: std::time::Instant,
}

impl SmolTimer {
    /// A timer whose [`Instant::ZERO`] is now.
    pub fn new() -> Self {
        Self { origin: std::time::Instant::now() }
    }
}

impl Default for SmolTimer {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SmolTimer {
    fn now(&self) -> Instant {
        Instant::ZERO.saturating_add(self.origin.elapsed().into())
    }
}

impl Timer for SmolTimer {
    async fn sleep_until(&self, deadline: Instant) {
        match self.origin.checked_add(Duration::from(deadline.saturating_since(Instant::ZERO))) {
            Some(at) => {
                smol::Timer::at(at).await;
            }
            None => pending().await,
        }
    }
}
