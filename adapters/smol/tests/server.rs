//! What the smol adapter adds around the core (the threading model,
//! graceful shutdown, the connection limit under both policies, `listen`,
//! `listen_unix`, `TCP_NODELAY`), over real sockets on 127.0.0.1 (ports
//! from binding port 0) and Unix sockets, with std clients on helper
//! threads.
//!
//! Every wait is bounded: client sockets time out after [`LIMIT`], servers
//! are awaited for at most [`LIMIT`], so a bug fails a test instead of
//! hanging it. Nothing asserts how long something took.

use core::cell::Cell;
use core::future::Future;
use core::net::SocketAddr;
use core::time::Duration;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::rc::Rc;
use std::sync::{Arc, mpsc};
use std::thread;

use lamina::app::{App, Chain, Flow, Locals};
use lamina_smol::{AtCapacity, Config, Listener, Server, serve};
use smol::Executor;
use smol::channel::{self, Sender};
use smol::net::TcpListener;

/// The bound on every wait.
const LIMIT: Duration = Duration::from_secs(20);

/// A keep-alive timeout no test reaches, so that a held connection stays.
fn patient() -> Config {
    Config::new().http(lamina::h1::Config::new().idle_timeout(lamina::time::Duration::from_secs(60)))
}

/// An app that answers every request with `text`.
fn answer(text: &'static str) -> App<impl Chain> {
    App::new().with_fn(async move |_req, res| {
        res.send(text).await?;
        Ok(Flow::Done)
    })
}

/// A TCP listener on 127.0.0.1 at a port of the kernel's choice.
fn bind() -> (std::net::TcpListener, SocketAddr) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local_addr");
    (listener, addr)
}

fn smol_listener(listener: std::net::TcpListener) -> TcpListener {
    TcpListener::try_from(listener).expect("register the listener")
}

/// A client connection whose reads and writes fail after [`LIMIT`].
fn connect(addr: SocketAddr) -> TcpStream {
    let conn = TcpStream::connect(addr).expect("connect");
    conn.set_read_timeout(Some(LIMIT)).expect("read timeout");
    conn.set_write_timeout(Some(LIMIT)).expect("write timeout");
    conn
}

fn get(path: &str, close: bool) -> Vec<u8> {
    let connection = if close { "Connection: close\r\n" } else { "" };
    format!("GET {path} HTTP/1.1\r\nHost: test\r\n{connection}\r\n").into_bytes()
}

/// Reads one response (its body framed by `Content-Length`): head, body.
fn response(conn: &mut impl Read) -> (String, String) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = conn.read(&mut byte).expect("read a response head");
        assert_eq!(n, 1, "the connection ended inside a head: {:?}", String::from_utf8_lossy(&head));
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).expect("an ASCII head");
    let length = head
        .lines()
        .find_map(|line| {
            let line = line.to_ascii_lowercase();
            line.strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().expect("a length"))
        })
        .expect("a Content-Length");
    let mut body = vec![0u8; length];
    conn.read_exact(&mut body).expect("read a body");
    (head, String::from_utf8(body).expect("a UTF-8 body"))
}

/// Asserts that the server closed the connection with nothing more to say.
fn assert_closed(conn: &mut impl Read) {
    let mut rest = Vec::new();
    conn.read_to_end(&mut rest).expect("an orderly close");
    assert_eq!(String::from_utf8_lossy(&rest), "", "bytes before the close");
}

/// One request on a fresh connection that asks to close: the response.
fn exchange(addr: SocketAddr, path: &str) -> (String, String) {
    let mut conn = connect(addr);
    conn.write_all(&get(path, true)).expect("send");
    let answer = response(&mut conn);
    assert_closed(&mut conn);
    answer
}

/// Runs `work` until done, or panics after [`LIMIT`].
fn bounded<T>(what: &str, work: impl Future<Output = T>) -> T {
    smol::block_on(smol::future::or(async { Some(work.await) }, async {
        smol::Timer::after(LIMIT).await;
        None
    }))
    .unwrap_or_else(|| panic!("{what} took longer than {LIMIT:?}"))
}

/// Runs `server` under `smol::block_on` on this thread while `client` runs
/// on a helper thread; shuts the server down gracefully when the client is
/// done and returns the client's result.
fn with_client<Li, C, L, T>(server: Server<Li, C, L>, client: impl FnOnce() -> T + Send + 'static) -> T
where
    Li: Listener,
    C: Chain + 'static,
    L: Locals,
    T: Send + 'static,
{
    let mut out = None;
    let served =
        bounded("the server", server.with_graceful_shutdown(async { out = Some(smol::unblock(client).await) }));
    served.expect("the server returns Ok");
    out.expect("the client ran")
}

/// A server on its own thread (under `smol::block_on`) until [`stop`](Self::stop).
struct Running {
    stop: Sender<()>,
    done: mpsc::Receiver<io::Result<()>>,
}

impl Running {
    /// Starts the server `make` builds on a new thread (so its app need not
    /// be `Send`).
    fn start<Li, C, L>(make: impl FnOnce() -> Server<Li, C, L> + Send + 'static) -> Self
    where
        Li: Listener,
        C: Chain + 'static,
        L: Locals,
    {
        let (stop, stopped) = channel::bounded::<()>(1);
        let (finished, done) = mpsc::channel();
        thread::spawn(move || {
            let signal = async move {
                let _ = stopped.recv().await;
            };
            let _ = finished.send(smol::block_on(make().with_graceful_shutdown(signal)));
        });
        Self { stop, done }
    }

    /// Sends the shutdown signal.
    fn signal(&self) {
        self.stop.close();
    }

    /// Signals shutdown and waits for the server to return.
    fn stop(self) -> io::Result<()> {
        self.signal();
        self.done.recv_timeout(LIMIT).expect("the server returns after its shutdown signal")
    }
}

#[test]
fn serves_tcp_under_block_on_with_an_app_that_is_not_send() {
    let (listener, addr) = bind();
    // `Rc<Cell<_>>`: the app is not `Send`, and need not be.
    let seen = Rc::new(Cell::new(0u32));
    let counter = seen.clone();
    let app = App::new().with_fn(async move |_req, res| {
        counter.set(counter.get() + 1);
        res.send(format!("request {}", counter.get()).as_str()).await?;
        Ok(Flow::Done)
    });
    let server = serve(smol_listener(listener), app, Config::new());
    let bodies = with_client(server, move || {
        let mut conn = connect(addr);
        let mut bodies = Vec::new();
        for close in [false, true] {
            conn.write_all(&get("/", close)).expect("send");
            let (head, body) = response(&mut conn);
            assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
            assert_eq!(head.contains("Connection: close"), close, "{head}");
            bodies.push(body);
        }
        assert_closed(&mut conn);
        bodies.push(exchange(addr, "/").1);
        bodies
    });
    assert_eq!(bodies, ["request 1", "request 2", "request 3"]);
    assert_eq!(seen.get(), 3);
}

#[test]
fn serves_inside_a_multithreaded_executor() {
    let ex = Arc::new(Executor::<'static>::new());
    let (quit, quitting) = channel::bounded::<()>(1);
    // A thread that only runs the executor's tasks.
    let helper = {
        let ex = ex.clone();
        thread::spawn(move || smol::block_on(ex.run(quitting.recv())))
    };
    let (listener, addr) = bind();
    let (stop, stopped) = channel::bounded::<()>(1);
    let (finished, done) = mpsc::channel();
    {
        let ex = ex.clone();
        thread::spawn(move || {
            let server_thread = thread::current().id();
            let spawner = ex.clone();
            let app = App::new().with_fn(async move |_req, res| {
                // `Send` work handed to the executor: either thread runs it.
                let sum = spawner.spawn(async { (1..=10u32).sum::<u32>() }).await;
                let here = if thread::current().id() == server_thread { "the server's thread" } else { "elsewhere" };
                res.send(format!("{sum}, answered on {here}").as_str()).await?;
                Ok(Flow::Done)
            });
            let server = serve(smol_listener(listener), app, Config::new()).with_graceful_shutdown(async move {
                let _ = stopped.recv().await;
            });
            // The server future is not `Send`: awaited in `run`, not spawned.
            let _ = finished.send(smol::block_on(ex.run(server)));
        });
    }
    for _ in 0..4 {
        let (head, body) = exchange(addr, "/");
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert_eq!(body, "55, answered on the server's thread");
    }
    stop.close();
    done.recv_timeout(LIMIT).expect("the server returns").expect("Ok");
    quit.close();
    helper.join().expect("the helper thread").expect_err("quit closes the channel");
}

#[test]
fn servers_on_two_threads_share_one_listener() {
    let (listener, addr) = bind();
    let listener = smol_listener(listener);
    let servers: Vec<Running> = (0..2)
        .map(|_| {
            let listener = listener.clone();
            Running::start(move || serve(listener, answer("shared"), Config::new()))
        })
        .collect();
    drop(listener);
    for _ in 0..8 {
        assert_eq!(exchange(addr, "/").1, "shared");
    }
    for server in servers {
        server.stop().expect("Ok");
    }
}

#[cfg(unix)]
fn socket_path(name: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("lamina-smol-{}-{name}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

#[cfg(unix)]
#[test]
fn serves_a_unix_socket() {
    use std::os::unix::net::UnixStream;
    let path = socket_path("serve");
    let listener = smol::net::unix::UnixListener::bind(&path).expect("bind the socket");
    let client_path = path.clone();
    let (head, body) = with_client(serve(listener, answer("over unix"), Config::new()), move || {
        let mut conn = UnixStream::connect(&client_path).expect("connect");
        conn.set_read_timeout(Some(LIMIT)).expect("read timeout");
        conn.write_all(&get("/", true)).expect("send");
        let answer = response(&mut conn);
        assert_closed(&mut conn);
        answer
    });
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert_eq!(body, "over unix");
    let _ = std::fs::remove_file(&path);
}

#[cfg(unix)]
#[test]
fn listen_unix_serves_and_refuses_an_existing_path() {
    use std::os::unix::net::UnixStream;
    let path = socket_path("listen");
    let client_path = path.clone();
    let client = smol::unblock(move || {
        // `listen_unix` binds when first polled: retry until it has.
        let deadline = std::time::Instant::now() + LIMIT;
        let mut conn = loop {
            match UnixStream::connect(&client_path) {
                Ok(conn) => break conn,
                Err(e) => assert!(std::time::Instant::now() < deadline, "never listening: {e}"),
            }
            thread::sleep(Duration::from_millis(10));
        };
        conn.set_read_timeout(Some(LIMIT)).expect("read timeout");
        conn.write_all(&get("/", true)).expect("send");
        response(&mut conn).1
    });
    let body = bounded(
        "listen_unix",
        smol::future::or(client, async {
            let ended = lamina_smol::listen_unix(answer("listening"), &path).await;
            panic!("listen_unix ended: {ended:?}");
        }),
    );
    assert_eq!(body, "listening");
    // The socket file is still there: a second `listen_unix` fails, as in Node.
    let again = smol::block_on(lamina_smol::listen_unix(answer("again"), &path));
    assert_eq!(again.expect_err("the path exists").kind(), io::ErrorKind::AddrInUse);
    let _ = std::fs::remove_file(&path);
}

#[test]
fn listen_serves_like_connects_app_listen() {
    // `listen` binds itself: a port the kernel just handed out and freed.
    let addr = bind().1;
    let client = smol::unblock(move || {
        let deadline = std::time::Instant::now() + LIMIT;
        let mut conn = loop {
            match TcpStream::connect(addr) {
                Ok(conn) => break conn,
                Err(e) => assert!(std::time::Instant::now() < deadline, "never listening: {e}"),
            }
            thread::sleep(Duration::from_millis(10));
        };
        conn.set_read_timeout(Some(LIMIT)).expect("read timeout");
        conn.write_all(&get("/", true)).expect("send");
        response(&mut conn).1
    });
    let body = bounded(
        "listen",
        smol::future::or(client, async {
            let ended = lamina_smol::listen(answer("listening"), addr).await;
            panic!("listen ended: {ended:?}");
        }),
    );
    assert_eq!(body, "listening");
}

#[test]
fn listen_fails_on_an_address_in_use() {
    let (_taken, addr) = bind();
    let result = smol::block_on(lamina_smol::listen(answer("never"), addr));
    assert_eq!(result.expect_err("the port is taken").kind(), io::ErrorKind::AddrInUse);
}

#[test]
fn accepted_tcp_connections_get_nodelay_as_configured() {
    smol::block_on(async {
        let mut listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local_addr");
        for nodelay in [true, false] {
            let _client = smol::net::TcpStream::connect(addr).await.expect("connect");
            let io = Listener::accept(&mut listener).await.expect("accept");
            listener.configure(&io, &Config::new().nodelay(nodelay));
            assert_eq!(io.nodelay().expect("nodelay"), nodelay);
        }
    });
}

#[test]
fn graceful_shutdown_finishes_the_request_in_flight_and_refuses_new_connections() {
    let (listener, addr) = bind();
    let (entered, entering) = mpsc::channel::<()>();
    let (release, released) = channel::bounded::<()>(1);
    let server = Running::start(move || {
        let app = App::new()
            .mount_fn("/slow", async move |_req, res| {
                let _ = entered.send(());
                let _ = released.recv().await;
                res.send("slow done").await?;
                Ok(Flow::Done)
            })
            .with_fn(async |_req, res| {
                res.send("fast").await?;
                Ok(Flow::Done)
            });
        serve(smol_listener(listener), app, Config::new())
    });

    // An idle keep-alive connection, and one whose request is in flight.
    let mut idle = connect(addr);
    idle.write_all(&get("/", false)).expect("send");
    let (head, _) = response(&mut idle);
    assert!(!head.contains("Connection: close"), "{head}");
    let mut busy = connect(addr);
    busy.write_all(&get("/slow", false)).expect("send");
    entering.recv_timeout(LIMIT).expect("the slow handler runs");

    server.signal();
    // The idle connection closes at once: the listener is gone by then.
    assert_closed(&mut idle);
    let refused = TcpStream::connect(addr).expect_err("no one listens after the signal");
    assert_eq!(refused.kind(), io::ErrorKind::ConnectionRefused);

    // The request in flight is answered, with `Connection: close`.
    release.send_blocking(()).expect("release the handler");
    let (head, body) = response(&mut busy);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head.contains("Connection: close\r\n"), "{head}");
    assert_eq!(body, "slow done");
    assert_closed(&mut busy);
    server.stop().expect("the server returns Ok");
}

#[test]
fn graceful_shutdown_drops_what_is_left_after_its_timeout() {
    let (listener, addr) = bind();
    let (entered, entering) = mpsc::channel::<()>();
    let server = Running::start(move || {
        let app = App::new().with_fn(async move |_req, res| {
            let _ = entered.send(());
            core::future::pending::<()>().await;
            res.send("never").await?;
            Ok(Flow::Done)
        });
        serve(smol_listener(listener), app, Config::new().shutdown_timeout(lamina::time::Duration::from_millis(50)))
    });
    let mut stuck = connect(addr);
    stuck.write_all(&get("/", false)).expect("send");
    entering.recv_timeout(LIMIT).expect("the handler runs");
    server.stop().expect("the server returns Ok");
    // Dropped unanswered: an end of stream or a reset, with no response.
    let mut rest = Vec::new();
    let _ = stuck.read_to_end(&mut rest);
    assert_eq!(String::from_utf8_lossy(&rest), "");
}

/// Takes the only slot of a server limited to one connection: a keep-alive
/// connection that has had one answer.
fn take_the_slot(addr: SocketAddr) -> TcpStream {
    let mut conn = connect(addr);
    conn.write_all(&get("/", false)).expect("send");
    let (head, _) = response(&mut conn);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    conn
}

#[test]
fn at_capacity_refuse_answers_503_with_retry_after() {
    let (listener, addr) = bind();
    let config = patient().max_connections(1, AtCapacity::Refuse { retry_after_secs: 7 });
    let server = Running::start(move || serve(smol_listener(listener), answer("served"), config));
    let holder = take_the_slot(addr);

    let mut extra = connect(addr);
    extra.write_all(&get("/", false)).expect("send");
    let (head, body) = response(&mut extra);
    assert!(head.starts_with("HTTP/1.1 503 Service Unavailable\r\n"), "{head}");
    assert!(head.contains("\r\nRetry-After: 7\r\n"), "{head}");
    assert!(head.contains("\r\nConnection: close\r\n"), "{head}");
    assert_eq!(body, "Service Unavailable");
    assert_closed(&mut extra);

    // The slot frees when the holder leaves (the server notices its close
    // on its own time: retried while refused, within the bound).
    drop(holder);
    let deadline = std::time::Instant::now() + LIMIT;
    loop {
        let (head, body) = exchange(addr, "/");
        if head.starts_with("HTTP/1.1 200 OK\r\n") {
            assert_eq!(body, "served");
            break;
        }
        assert!(head.starts_with("HTTP/1.1 503 "), "{head}");
        assert!(std::time::Instant::now() < deadline, "the slot never freed");
        thread::sleep(Duration::from_millis(10));
    }
    server.stop().expect("Ok");
}

#[test]
fn at_capacity_wait_holds_the_extra_client_until_a_slot_frees() {
    let (listener, addr) = bind();
    let config = patient().max_connections(1, AtCapacity::Wait);
    let server = Running::start(move || serve(smol_listener(listener), answer("served"), config));
    let holder = take_the_slot(addr);

    // Connected (the kernel's backlog takes it) but not served yet.
    let mut waiting = connect(addr);
    waiting.write_all(&get("/", true)).expect("send");
    waiting.set_read_timeout(Some(Duration::from_millis(200))).expect("read timeout");
    let mut byte = [0u8; 1];
    let early = waiting.read(&mut byte).expect_err("no answer while the slot is taken");
    assert!(matches!(early.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut), "{early:?}");

    drop(holder);
    waiting.set_read_timeout(Some(LIMIT)).expect("read timeout");
    let (head, body) = response(&mut waiting);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert_eq!(body, "served");
    assert_closed(&mut waiting);
    server.stop().expect("Ok");
}

#[test]
fn a_panicking_handler_frees_its_slot() {
    let (listener, addr) = bind();
    let config = patient().max_connections(1, AtCapacity::Wait);
    let server = Running::start(move || {
        let app = App::new()
            .mount_fn("/panic", async |_req, _res| -> Result<Flow, lamina::Error> { panic!("on purpose") })
            .with_fn(async |_req, res| {
                res.send("still serving").await?;
                Ok(Flow::Done)
            });
        serve(smol_listener(listener), app, config)
    });
    let mut doomed = connect(addr);
    doomed.write_all(&get("/panic", false)).expect("send");
    let mut rest = Vec::new();
    let _ = doomed.read_to_end(&mut rest);
    assert_eq!(String::from_utf8_lossy(&rest), "", "no answer from a panicked handler");
    assert_eq!(exchange(addr, "/").1, "still serving");
    server.stop().expect("Ok");
}
