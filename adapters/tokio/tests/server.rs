//! What the tokio adapter adds around the core: graceful shutdown, the
//! connection limit under both policies, and `listen`.

use core::time::Duration;
use std::rc::Rc;

use core::net::SocketAddr;

use lamina::app::{App, Chain, Flow};
use lamina_tokio::{AtCapacity, Config, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, oneshot};

const BOUND: Duration = Duration::from_secs(30);

async fn request(stream: &mut TcpStream, path: &str) {
    stream.write_all(format!("GET {path} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes()).await.expect("write");
}

/// Reads one response with a `Content-Length` body.
async fn response(stream: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let text = String::from_utf8_lossy(&got).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .and_then(|v| v.parse::<usize>().ok())
                .expect("a Content-Length");
            if got.len() >= end + 4 + length {
                return text;
            }
        }
        let n = stream.read(&mut buf).await.expect("read");
        assert!(n > 0, "closed before a whole response: {text:?}");
        got.extend_from_slice(&buf[..n]);
    }
}

/// `true` if the server closed the connection (end of stream, or a reset).
async fn closed(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 64];
    matches!(stream.read(&mut buf).await, Ok(0) | Err(_))
}

/// Serves `app` on a fresh port while `clients` runs with its address and
/// the shutdown trigger (dropping it shuts down too); the server future must
/// return `Ok`.
async fn serving<C: Chain + 'static>(
    app: App<C>,
    config: Config,
    clients: impl AsyncFnOnce(SocketAddr, oneshot::Sender<()>),
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let server = serve(listener, app, config).with_graceful_shutdown(async {
        let _ = stopped.await;
    });
    let (served, ()) = tokio::join!(server, clients(addr, stop));
    served.expect("the server future returns Ok");
}

fn run<F: Future>(f: F) -> F::Output {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    rt.block_on(async { tokio::time::timeout(BOUND, f).await.expect("the test finishes in time") })
}

#[test]
fn graceful_shutdown_finishes_the_request_in_flight_refuses_new_connections_and_returns() {
    run(async {
        // `/slow` answers only when the test lets it, so the request is
        // surely in flight when the shutdown starts.
        let entered = Rc::new(Notify::new());
        let release = Rc::new(Notify::new());
        let (e, r) = (entered.clone(), release.clone());
        let app = App::new().with_fn(async move |req, res| {
            if req.path() == *"/slow" {
                let released = r.notified();
                e.notify_one();
                released.await;
            }
            res.send("done").await?;
            Ok(Flow::Done)
        });
        serving(app, Config::new(), async |addr, stop| {
            // An idle keep-alive connection, and one with a request in flight.
            let mut idle = TcpStream::connect(addr).await.expect("connect");
            request(&mut idle, "/fast").await;
            assert!(response(&mut idle).await.ends_with("done"));
            let mut busy = TcpStream::connect(addr).await.expect("connect");
            request(&mut busy, "/slow").await;
            entered.notified().await;

            stop.send(()).expect("the server is running");
            // The idle connection is closed at once; by then the listener
            // is gone, so a new connection is refused.
            assert!(closed(&mut idle).await, "the idle connection is closed");
            let refused = TcpStream::connect(addr).await;
            assert!(refused.is_err(), "a connection after the shutdown is refused");

            release.notify_one();
            let answer = response(&mut busy).await;
            assert!(answer.starts_with("HTTP/1.1 200 OK\r\n") && answer.ends_with("done"), "{answer}");
            assert!(answer.contains("\r\nConnection: close\r\n"), "{answer}");
            assert!(closed(&mut busy).await, "and its connection closes after it");
        })
        .await;
    });
}

#[test]
fn graceful_shutdown_drops_what_is_still_running_at_its_deadline() {
    run(async {
        let app = App::new().with_fn(async |_req, _res| {
            core::future::pending::<()>().await;
            Ok(Flow::Done)
        });
        let config = Config::new().shutdown_timeout(lamina::time::Duration::from_millis(200));
        serving(app, config, async |addr, stop| {
            let mut stuck = TcpStream::connect(addr).await.expect("connect");
            request(&mut stuck, "/").await;
            tokio::task::yield_now().await;
            stop.send(()).expect("the server is running");
            assert!(closed(&mut stuck).await, "dropped at the deadline, unanswered");
        })
        .await;
    });
}

#[test]
fn beyond_the_limit_refuse_answers_503_with_retry_after() {
    run(async {
        let app = App::new().with_fn(async |_req, res| {
            res.send("ok").await?;
            Ok(Flow::Done)
        });
        let config = Config::new().max_connections(1, AtCapacity::Refuse { retry_after_secs: 7 });
        serving(app, config, async |addr, stop| {
            let mut first = TcpStream::connect(addr).await.expect("connect");
            request(&mut first, "/").await;
            assert!(response(&mut first).await.ends_with("ok"));
            // `first` stays open (keep-alive): the limit is reached.
            let mut second = TcpStream::connect(addr).await.expect("connect");
            request(&mut second, "/").await;
            let answer = response(&mut second).await;
            assert!(answer.starts_with("HTTP/1.1 503 Service Unavailable\r\n"), "{answer}");
            assert!(
                answer.contains("\r\nRetry-After: 7\r\n") && answer.contains("\r\nConnection: close\r\n"),
                "{answer}"
            );
            assert!(closed(&mut second).await);
            // Once `first` is gone, new connections are served again.
            drop(first);
            let mut answer = String::new();
            for _ in 0..100 {
                let mut third = TcpStream::connect(addr).await.expect("connect");
                request(&mut third, "/").await;
                answer = response(&mut third).await;
                if answer.starts_with("HTTP/1.1 200") {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            assert!(answer.ends_with("ok"), "{answer}");
            let _ = stop.send(());
        })
        .await;
    });
}

#[test]
fn beyond_the_limit_wait_serves_the_next_client_when_a_connection_ends() {
    run(async {
        let app = App::new().with_fn(async |_req, res| {
            res.send("ok").await?;
            Ok(Flow::Done)
        });
        let config = Config::new().max_connections(1, AtCapacity::Wait);
        serving(app, config, async |addr, stop| {
            let mut first = TcpStream::connect(addr).await.expect("connect");
            request(&mut first, "/").await;
            assert!(response(&mut first).await.ends_with("ok"));
            // The kernel completes the handshake (the backlog); the server
            // does not accept while `first` is open.
            let mut second = TcpStream::connect(addr).await.expect("connect");
            request(&mut second, "/").await;
            let mut buf = [0u8; 16];
            let early = tokio::time::timeout(Duration::from_millis(300), second.read(&mut buf)).await;
            assert!(early.is_err(), "the second client waits while the first is served");
            drop(first);
            assert!(response(&mut second).await.ends_with("ok"));
            let _ = stop.send(());
        })
        .await;
    });
}

#[test]
fn listen_serves_like_connects_app_listen() {
    run(async {
        // `listen` binds itself: find a free port first.
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
        let app = App::new().with_fn(async |_req, res| {
            res.send("listening").await?;
            Ok(Flow::Done)
        });
        let server = lamina_tokio::listen(app, ("127.0.0.1", port));
        let client = async {
            for _ in 0..200 {
                if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)).await {
                    request(&mut s, "/").await;
                    return response(&mut s).await;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            panic!("never listening");
        };
        tokio::select! {
            r = server => panic!("listen returned: {r:?}"),
            answer = client => assert!(answer.ends_with("listening"), "{answer}"),
        }
    });
}
