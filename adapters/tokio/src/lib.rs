//! Serve [lamina] apps on [tokio]: TCP or Unix sockets, a
//! connection limit, graceful shutdown, per-connection buffers and timeouts.
//!
//! ```no_run
//! use lamina::app::{App, Flow};
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> std::io::Result<()> {
//!     let app = App::new().with_fn(async |_req, res| {
//!         res.send("Hello from lamina!\n").await?;
//!         Ok(Flow::Done)
//!     });
//!     // Connect's `app.listen(3000)`:
//!     lamina_tokio::listen(app, "127.0.0.1:3000").await
//! }
//! ```
//!
//! [`serve`] gives the full control: any [`Listener`] (a `TcpListener`, a
//! `UnixListener`), a [`Config`], and [`Server::with_graceful_shutdown`].
//!
//! ## Threads
//!
//! A server runs every connection of its listener as a task on the thread
//! that polls it (a [`LocalSet`]), so apps need not be `Send`: state in
//! `Rc`/`RefCell` works, exactly as on a firmware. Await the server in
//! `main` (on a current-thread or a multi-thread runtime alike) or in a task
//! spawned with `spawn_local`; `tokio::spawn` needs a `Send` future and does
//! not take it.
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

use core::cell::Cell;
use core::future::{Future, pending};
use core::net::IpAddr;
use core::pin::pin;
use core::time::Duration;
use std::io;
use std::rc::Rc;

use embedded_io_adapters::tokio_1::FromTokio;
use lamina::app::{App, Chain, Locals};
use lamina::serve::{Buffers, Clock, Shutdown, Timer, serve_until};
use lamina::time::Instant;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::sync::Notify;
use tokio::task::{JoinSet, LocalSet};

/// A server's settings: lamina's [`ServerConfig`](lamina::serve::ServerConfig)
/// (buffers, connection limit, shutdown deadline, linger, `TCP_NODELAY`; HTTP
/// limits and timeouts in `http`), shared by the socket adapters.
pub type Config = lamina::serve::ServerConfig;

pub use lamina::serve::{AtCapacity, MAX_REFUSING};

/// Where connections come from: a [`TcpListener`] or a
/// [`UnixListener`](tokio::net::UnixListener).
pub trait Listener {
    /// An accepted connection.
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
    type Io = tokio::net::TcpStream;

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
impl Listener for tokio::net::UnixListener {
    type Io = tokio::net::UnixStream;

    async fn accept(&mut self) -> io::Result<Self::Io> {
        tokio::net::UnixListener::accept(self).await.map(|(stream, _)| stream)
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
pub fn serve<Li: Listener, C: Chain + 'static, L: Locals>(
    listener: Li,
    app: App<C, L>,
    config: Config,
) -> Server<Li, C, L> {
    Server { listener, app, config }
}

/// Connect's `app.listen(port)`: serves `app` on a TCP address with the
/// default [`Config`], until the program ends.
pub async fn listen<C: Chain + 'static, L: Locals>(app: App<C, L>, addr: impl ToSocketAddrs) -> io::Result<()> {
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
    serve(tokio::net::UnixListener::bind(path)?, app, Config::new()).run().await
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
        let stop = Rc::new(Stop::default());
        let timer = TokioTimer::new();
        let local = LocalSet::new();
        local
            .run_until(async move {
                let mut signal = pin!(signal);
                let mut serving = JoinSet::new();
                let mut refusing = JoinSet::new();
                loop {
                    while serving.try_join_next().is_some() {}
                    while refusing.try_join_next().is_some() {}
                    let full = serving.len() >= config.max_connections;
                    if full && config.at_capacity == AtCapacity::Wait {
                        tokio::select! {
                            _ = serving.join_next() => continue,
                            () = &mut signal => break,
                        }
                    }
                    let accepted = tokio::select! {
                        accepted = listener.accept() => accepted,
                        () = &mut signal => break,
                    };
                    let io = match accepted {
                        Ok(io) => io,
                        // Out of file descriptors and the like: back off
                        // instead of spinning; a connection that failed
                        // before it was accepted is simply gone.
                        Err(e) if !is_per_connection(&e) => {
                            tokio::select! {
                                () = tokio::time::sleep(Duration::from_millis(50)) => continue,
                                () = &mut signal => break,
                            }
                        }
                        Err(_) => continue,
                    };
                    listener.configure(&io, &config);
                    // Connections may have finished while this one was accepted.
                    while serving.try_join_next().is_some() {}
                    match config.at_capacity {
                        AtCapacity::Refuse { retry_after_secs } if serving.len() >= config.max_connections => {
                            if refusing.len() < MAX_REFUSING {
                                refusing.spawn_local(refuse(io, retry_after_secs, config));
                            }
                        }
                        _ => {
                            let peer = Li::peer(&io);
                            serving.spawn_local(connection(io, peer, app.clone(), stop.clone(), timer, config));
                        }
                    }
                }
                drop(listener);
                stop.request();
                refusing.abort_all();
                let finished = tokio::time::timeout(config.shutdown_timeout.into(), async {
                    while serving.join_next().await.is_some() {}
                })
                .await;
                if finished.is_err() {
                    serving.shutdown().await;
                }
                Ok(())
            })
            .await
    }
}

/// Accept errors that concern one connection only.
fn is_per_connection(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset | io::ErrorKind::Interrupted)
}

/// One connection, from its first byte to its close.
async fn connection<IO, C, L>(
    io: IO,
    peer: Option<IpAddr>,
    app: Rc<App<C, L>>,
    stop: Rc<Stop>,
    timer: TokioTimer,
    config: Config,
) where
    IO: AsyncRead + AsyncWrite + Unpin,
    C: Chain,
    L: Locals,
{
    let mut io = FromTokio::new(io);
    {
        let mut memory = vec![0u8; config.read_buffer + config.write_buffer + config.header_buffer];
        let (read, rest) = memory.split_at_mut(config.read_buffer);
        let (write, headers) = rest.split_at_mut(config.write_buffer);
        // A socket error ends the connection like a protocol close does.
        let _ = serve_until(&mut io, peer, &timer, &app, Buffers { read, write, headers }, config.http, &*stop).await;
    }
    close(io.into_inner(), config.linger.into()).await;
}

/// Answers `503` to a connection beyond the limit, without reading it.
async fn refuse<IO: AsyncRead + AsyncWrite + Unpin>(mut io: IO, retry_after_secs: u32, config: Config) {
    let mut page = [0u8; 256];
    if let Ok(n) = lamina::h1::encode_unavailable(retry_after_secs, &mut page) {
        let write_timeout = Duration::from(config.http.timeouts.write);
        let _ = tokio::time::timeout(write_timeout, io.write_all(page.get(..n).unwrap_or(&[]))).await;
    }
    close(io, config.linger.into()).await;
}

/// Half-closes, then reads and discards what the peer still sends, for up to
/// `linger`, so that unread bytes do not make the close a reset.
async fn close<IO: AsyncRead + AsyncWrite + Unpin>(mut io: IO, linger: Duration) {
    if io.shutdown().await.is_err() {
        return;
    }
    let mut sink = [0u8; 1024];
    let _ = tokio::time::timeout(linger, async { while let Ok(1..) = io.read(&mut sink).await {} }).await;
}

/// The graceful-shutdown switch the connections of one server share.
#[derive(Debug, Default)]
struct Stop {
    requested: Cell<bool>,
    notify: Notify,
}

impl Stop {
    fn request(&self) {
        self.requested.set(true);
        self.notify.notify_waiters();
    }
}

impl Shutdown for Stop {
    fn is_requested(&self) -> bool {
        self.requested.get()
    }

    async fn requested(&self) {
        // Created before the check: `notify_waiters` reaches it from here on.
        let notified = self.notify.notified();
        if !self.requested.get() {
            notified.await;
        }
    }
}

/// lamina's [`Timer`] over `tokio::time`, counting from its creation.
#[derive(Clone, Copy, Debug)]
pub struct TokioTimer {
    origin: tokio::time::Instant,
}

impl TokioTimer {
    /// A timer whose [`Instant::ZERO`] is now.
    pub fn new() -> Self {
        Self { origin: tokio::time::Instant::now() }
    }
}

impl Default for TokioTimer {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for TokioTimer {
    fn now(&self) -> Instant {
        Instant::ZERO.saturating_add(self.origin.elapsed().into())
    }
}

impl Timer for TokioTimer {
    async fn sleep_until(&self, deadline: Instant) {
        match self.origin.checked_add(Duration::from(deadline.saturating_since(Instant::ZERO))) {
            Some(at) => tokio::time::sleep_until(at).await,
            None => pending().await,
        }
    }
}
