//! Two embassy-net stacks wired back to back in one process, on virtual time.
//!
//! [`run`] builds a server stack (10.42.0.1) running [`lamina_embassy::serve`]
//! and a client stack (10.42.0.2), joined by an in-memory Ethernet cable
//! (embassy-net-driver-channel, one pump per direction), and hands the
//! client side to the test as a [`ClientSide`]: it opens client
//! [`TcpSocket`]s to the server and sleeps on the same clock.
//!
//! Time is embassy-time's `MockDriver`: a small executor polls each task
//! (both stacks' runners, the two pumps, the server, the client) with a
//! waker of its own, and only when no task was woken does it advance the
//! clock by 1 ms, which fires the timers that are due. Runs are
//! deterministic, take milliseconds of wall time for seconds of virtual
//! time, and a run that stalls fails instead of hanging. The clock is
//! global: runs are serialized and each starts it at 0.
//!
//! `ClientSide` has what the shared conformance suite's `Transport` needs
//! (`connect`, `sleep`, `close`, and `Conn` is `Read + Write`); [`Http`] is
//! a small HTTP/1.1 client for the tests here.
#![allow(dead_code, unreachable_pub)] // each test binary uses a part of it

use core::cell::Cell;
use core::future::Future;
use core::pin::{Pin, pin};
use core::sync::atomic::{AtomicBool, Ordering};
use core::task::{Context, Poll, Waker};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Wake;

use embassy_net::tcp::{ConnectError, TcpSocket};
use embassy_net::{IpEndpoint, Ipv4Address, Ipv4Cidr, Stack, StackResources, StaticConfigV4};
use embassy_net_driver_channel as ch;
use embassy_net_driver_channel::driver::{HardwareAddress, LinkState};
use embassy_time::{Duration, Instant, MockDriver, Timer};
use embedded_io_async::Write as _;
use lamina::app::{App, Chain, Locals};
use lamina_embassy::{Config, Slot};

/// The server stack's address.
pub const SERVER_IP: Ipv4Address = Ipv4Address::new(10, 42, 0, 1);
/// The client stack's address.
pub const CLIENT_IP: Ipv4Address = Ipv4Address::new(10, 42, 0, 2);
/// Each client socket's receive and transmit buffer.
pub const CLIENT_SOCKET_BUFFER: usize = 4096;
/// How often [`ClientSide::connect`] tries, and how long it waits after a
/// refusal (an RST: no server slot was listening).
pub const CONNECT_TRIES: usize = 200;
pub const CONNECT_RETRY: Duration = Duration::from_millis(5);
/// How long [`ClientSide::close`] waits for the server's FIN.
pub const CLOSE_WAIT: Duration = Duration::from_secs(2);
/// Virtual time after which a run counts as stalled.
pub const STALLED: Duration = Duration::from_secs(3600);
/// Polls without the clock moving after which a run counts as spinning.
const SPINNING: u64 = 1_000_000;

const MTU: usize = 1514;
/// Sockets per stack (the server's `N` slots must fit).
const SOCKETS: usize = 16;

/// One test at a time owns the global clock.
static SERIAL: Mutex<()> = Mutex::new(());

/// Runs `lamina_embassy::serve(app, slots, config)` on the server stack and
/// `client` on the client stack until `client` finishes; returns its output.
/// Panics if virtual time passes [`STALLED`] first.
pub fn run<C, L, const N: usize, const S: usize, const RD: usize, const WR: usize, const HD: usize, R>(
    app: &App<C, L>,
    slots: &mut [Slot<S, RD, WR, HD>; N],
    config: Config,
    client: impl AsyncFnOnce(&ClientSide<'_>) -> R,
) -> R
where
    C: Chain,
    L: Locals,
{
    with_clock(|| {
        let mut cable_s = ch::State::<MTU, 4, 4>::new();
        let mut cable_c = ch::State::<MTU, 4, 4>::new();
        let (runner_s, device_s) = ch::new(&mut cable_s, HardwareAddress::Ethernet([2, 0, 0, 0, 0, 1]));
        let (runner_c, device_c) = ch::new(&mut cable_c, HardwareAddress::Ethernet([2, 0, 0, 0, 0, 2]));
        let (link_s, rx_s, tx_s) = runner_s.split();
        let (link_c, rx_c, tx_c) = runner_c.split();
        link_s.set_link_state(LinkState::Up);
        link_c.set_link_state(LinkState::Up);

        let mut resources_s = StackResources::<SOCKETS>::new();
        let mut resources_c = StackResources::<SOCKETS>::new();
        let (stack_s, mut net_s) = embassy_net::new(device_s, static_config(SERVER_IP), &mut resources_s, 0x1111);
        let (stack_c, mut net_c) = embassy_net::new(device_c, static_config(CLIENT_IP), &mut resources_c, 0x2222);
        let side = ClientSide {
            stack: stack_c,
            server: IpEndpoint::new(SERVER_IP.into(), config.port),
            refusals: Cell::new(0),
            connections: Cell::new(0),
        };

        let mut server = pin!(async {
            lamina_embassy::serve(stack_s, app, slots, config).await;
        });
        let mut net_s = pin!(async {
            net_s.run().await;
        });
        let mut net_c = pin!(async {
            net_c.run().await;
        });
        let mut to_client = pin!(pump(tx_s, rx_c));
        let mut to_server = pin!(pump(tx_c, rx_s));
        let mut main = pin!(async {
            side.stack.wait_config_up().await;
            client(&side).await
        });
        drive(
            main.as_mut(),
            [
                task(server.as_mut()),
                task(net_s.as_mut()),
                task(net_c.as_mut()),
                task(to_client.as_mut()),
                task(to_server.as_mut()),
            ],
        )
    })
}

/// Runs `f` owning the virtual clock, started at 0.
pub fn with_clock<R>(f: impl FnOnce() -> R) -> R {
    let _serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
    MockDriver::get().reset();
    f()
}

fn static_config(ip: Ipv4Address) -> embassy_net::Config {
    embassy_net::Config::ipv4_static(StaticConfigV4 {
        address: Ipv4Cidr::new(ip, 24),
        gateway: None,
        dns_servers: Default::default(),
    })
}

/// Moves frames from one side's transmit queue to the other's receive queue.
async fn pump(mut tx: ch::TxRunner<'_, MTU>, mut rx: ch::RxRunner<'_, MTU>) {
    loop {
        let frame = tx.tx_buf().await;
        let slot = rx.rx_buf().await;
        slot[..frame.len()].copy_from_slice(frame);
        rx.rx_done(frame.len());
        tx.tx_done();
    }
}

/// The client's view: opens connections to the server, sleeps on the
/// server's clock.
pub struct ClientSide<'s> {
    stack: Stack<'s>,
    server: IpEndpoint,
    refusals: Cell<usize>,
    connections: Cell<usize>,
}

/// A client connection: a socket with leaked buffers (tests may allocate).
pub type Conn<'s> = TcpSocket<'s>;

impl<'s> ClientSide<'s> {
    /// One connection attempt.
    pub async fn try_connect(&self) -> Result<Conn<'s>, ConnectError> {
        let mut socket = self.socket();
        socket.connect(self.server).await?;
        self.connections.set(self.connections.get() + 1);
        Ok(socket)
    }

    /// Connects, retrying a refused connect [`CONNECT_TRIES`] times,
    /// [`CONNECT_RETRY`] apart, as a browser does; counts the refusals.
    pub async fn connect(&self) -> Conn<'s> {
        let mut socket = self.socket();
        for _ in 0..CONNECT_TRIES {
            match socket.connect(self.server).await {
                Ok(()) => {
                    self.connections.set(self.connections.get() + 1);
                    return socket;
                }
                Err(ConnectError::ConnectionReset) => {
                    self.refusals.set(self.refusals.get() + 1);
                    Timer::after(CONNECT_RETRY).await;
                }
                Err(e) => panic!("connect failed: {e:?}"),
            }
        }
        panic!("connection refused {CONNECT_TRIES} times")
    }

    /// Sleeps `ms` milliseconds of virtual time.
    pub async fn sleep(&self, ms: u64) {
        Timer::after_millis(ms).await;
    }

    /// Closes as a well-behaved client does: FIN, then the server's data and
    /// FIN until [`CLOSE_WAIT`], then a reset if still open.
    pub async fn close(&self, mut conn: Conn<'s>) {
        conn.close();
        let _ = embassy_time::with_timeout(CLOSE_WAIT, async {
            let mut scratch = [0u8; 512];
            while let Ok(1..) = conn.read(&mut scratch).await {}
            let _ = conn.flush().await;
        })
        .await;
        if conn.state() != embassy_net::tcp::State::Closed {
            conn.abort();
            let _ = embassy_time::with_timeout(CLOSE_WAIT, conn.flush()).await;
        }
    }

    /// Virtual milliseconds since the run started.
    pub fn now_ms(&self) -> u64 {
        Instant::now().as_millis()
    }

    /// Connects refused so far (each retry counts).
    pub fn refusals(&self) -> usize {
        self.refusals.get()
    }

    /// Connections established so far.
    pub fn connections(&self) -> usize {
        self.connections.get()
    }

    fn socket(&self) -> Conn<'s> {
        let rx = Box::leak(vec![0u8; CLIENT_SOCKET_BUFFER].into_boxed_slice());
        let tx = Box::leak(vec![0u8; CLIENT_SOCKET_BUFFER].into_boxed_slice());
        TcpSocket::new(self.stack, rx, tx)
    }
}

// ---------------------------------------------------------------------------
// The executor.

/// A task's "woken" flag is its waker.
struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

fn task<'f>(f: Pin<&'f mut (impl Future<Output = ()> + 'f)>) -> Pin<&'f mut dyn Future<Output = ()>> {
    f
}

fn task_waker() -> (Arc<Flag>, Waker) {
    let flag = Arc::new(Flag(AtomicBool::new(true)));
    (flag.clone(), Waker::from(flag))
}

/// Polls `main` and each of `background` when its own waker was woken;
/// advances the clock by 1 ms when none was. Returns `main`'s output.
fn drive<R, const B: usize>(
    mut main: Pin<&mut dyn Future<Output = R>>,
    mut background: [Pin<&mut dyn Future<Output = ()>>; B],
) -> R {
    let (main_flag, main_waker) = task_waker();
    let wakers: [(Arc<Flag>, Waker); B] = core::array::from_fn(|_| task_waker());
    let mut spins = 0u64;
    loop {
        let mut polled = false;
        if main_flag.0.swap(false, Ordering::SeqCst) {
            polled = true;
            if let Poll::Ready(out) = main.as_mut().poll(&mut Context::from_waker(&main_waker)) {
                return out;
            }
        }
        for (task, (flag, waker)) in background.iter_mut().zip(&wakers) {
            if flag.0.swap(false, Ordering::SeqCst) {
                polled = true;
                // A background task that ends (none should) is not polled again.
                let _ = task.as_mut().poll(&mut Context::from_waker(waker));
            }
        }
        if polled {
            spins += 1;
            assert!(spins < SPINNING, "tasks keep waking each other at {} ms", Instant::now().as_millis());
            continue;
        }
        spins = 0;
        assert!(
            Instant::now().as_ticks() < STALLED.as_ticks(),
            "the run stalled: {} s of virtual time",
            STALLED.as_secs()
        );
        MockDriver::get().advance(Duration::from_millis(1));
    }
}

// ---------------------------------------------------------------------------
// A small HTTP/1.1 client.

/// A response as the client read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    /// Header lines in order, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
}

impl Reply {
    /// The first header named `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The response says `Connection: close`.
    pub fn closes(&self) -> bool {
        self.header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"))
    }
}

/// Why no response arrived.
#[derive(Debug)]
pub enum Fail {
    /// The server closed before the first byte of a response.
    Closed,
    /// The connection was reset.
    Reset,
    /// Bytes that are no response, or one cut short.
    Malformed(String),
}

/// A client connection with its unread bytes.
pub struct Http<'s> {
    pub conn: Conn<'s>,
    pending: Vec<u8>,
    eof: bool,
}

impl<'s> Http<'s> {
    pub fn new(conn: Conn<'s>) -> Self {
        Self { conn, pending: Vec::new(), eof: false }
    }

    /// Sends `request` whole and reads one response.
    pub async fn send(&mut self, request: &[u8]) -> Result<Reply, Fail> {
        self.conn.write_all(request).await.map_err(|_| Fail::Reset)?;
        self.reply().await
    }

    /// Reads one response (`1xx` ones included).
    pub async fn reply(&mut self) -> Result<Reply, Fail> {
        loop {
            if let Some((reply, used)) = parse(&self.pending, self.eof).map_err(Fail::Malformed)? {
                self.pending.drain(..used);
                return Ok(reply);
            }
            if self.eof {
                return Err(if self.pending.is_empty() { Fail::Closed } else { Fail::Malformed("cut short".into()) });
            }
            let mut buf = [0u8; 1024];
            match self.conn.read(&mut buf).await {
                Ok(0) => self.eof = true,
                Ok(n) => self.pending.extend_from_slice(&buf[..n]),
                Err(_) => return Err(Fail::Reset),
            }
        }
    }

    /// Reads until the server closes; `true` on a clean EOF with nothing
    /// unread.
    pub async fn closed_cleanly(&mut self) -> bool {
        let mut buf = [0u8; 256];
        loop {
            match self.conn.read(&mut buf).await {
                Ok(0) => return self.pending.is_empty(),
                Ok(n) => self.pending.extend_from_slice(&buf[..n]),
                Err(_) => return false,
            }
        }
    }
}

/// The first response in `input`, and the bytes it took, read by the
/// workspace's strict client (`lamina_tests::client`); `None` while
/// incomplete (`eof`: nothing more will come).
pub fn parse(input: &[u8], eof: bool) -> Result<Option<(Reply, usize)>, String> {
    match lamina_tests::client::parse_response(input, false) {
        // A body framed by the close is whole only at the end.
        Ok((r, _))
            if !eof && r.close && r.header("content-length").is_none() && r.header("transfer-encoding").is_none() =>
        {
            Ok(None)
        }
        Ok((r, used)) => {
            let headers = r
                .headers
                .iter()
                .map(|(n, v)| (n.to_ascii_lowercase(), String::from_utf8_lossy(v).into_owned()))
                .collect();
            Ok(Some((Reply { status: r.status, headers, body: r.body }, used)))
        }
        Err(_) if !eof => Ok(None),
        Err(e) => Err(e),
    }
}
